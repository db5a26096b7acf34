"""Fulfils an order as a durable workflow: reserve the stock, charge the payment, wait for an
approval when the order needs one, hold the order for a cooling-off period, then ship it.

Each step's result is checkpointed. After a wait, a retried step or an approval, Lambda invokes
the function again and the SDK replays the steps that completed from their checkpoints instead of
running them again, so a step's side effect happens once per successful attempt.
"""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import (
    Duration,
    JitterStrategy,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

COOLING_OFF = Duration.from_minutes(10)
APPROVAL_TIMEOUT = Duration.from_hours(1)


class PaymentUnavailable(Exception):
    """The payment service did not answer: worth another attempt."""


# A payment that fails because the service is unavailable is tried again (3 attempts, 2 s then 4 s
# apart); any other error fails the step at once.
PAYMENT = StepConfig(
    retry_strategy=create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=3,
            initial_delay=Duration.from_seconds(2),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.NONE,
            retryable_error_types=[PaymentUnavailable],
        )
    )
)


@durable_step
def reserve_stock(step_context: StepContext, order: dict[str, Any]) -> str:
    if int(order["quantity"]) <= 0:
        raise ValueError(f"order {order['order_id']}: quantity must be positive, got {order['quantity']}")
    # A real handler reserves the stock here (a conditional write to a table, say).
    step_context.logger.info(f"stock reserved for order {order['order_id']}")
    return f"reservation-{order['order_id']}"


@durable_step
def charge_payment(step_context: StepContext, order: dict[str, Any]) -> str:
    # A real handler calls the payment service here. ``payment_outages`` stands in for it being
    # unavailable on the first attempts.
    if step_context.attempt <= int(order.get("payment_outages", 0)):
        raise PaymentUnavailable(f"payment service unavailable (attempt {step_context.attempt})")
    step_context.logger.info(f"order {order['order_id']} charged on attempt {step_context.attempt}")
    return f"charge-{order['order_id']}"


def request_approval(callback_id: str, context: WaitForCallbackContext) -> None:
    # A real handler sends the callback id to an approver (an email, a ticket); the approver answers
    # with SendDurableExecutionCallbackSuccess (or ...Failure) and this callback id.
    context.logger.info(f"approval requested: callback {callback_id}")


@durable_step
def ship(step_context: StepContext, order: dict[str, Any], reservation: str) -> str:
    step_context.logger.info(f"order {order['order_id']} shipped from {reservation}")
    return f"shipment-{order['order_id']}"


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    order = {"order_id": str(event["order_id"]), **event}
    reservation = context.step(reserve_stock(order), name="reserve-stock")
    charge = context.step(charge_payment(order), name="charge-payment", config=PAYMENT)
    if order.get("needs_approval"):
        answer = context.wait_for_callback(
            request_approval, name="approval", config=WaitForCallbackConfig(timeout=APPROVAL_TIMEOUT)
        )
        if answer != "approved":
            return {"order_id": order["order_id"], "status": "rejected", "charge": charge}
    context.wait(COOLING_OFF, name="cooling-off")
    shipment = context.step(ship(order, reservation), name="ship")
    return {"order_id": order["order_id"], "status": "shipped", "charge": charge, "shipment": shipment}
