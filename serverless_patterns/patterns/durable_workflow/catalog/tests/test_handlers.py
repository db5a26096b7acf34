"""Unit tests of the orders workflow, run by the durable execution SDK's own test runner: every
invocation, checkpoint, replay, wait (skipped) and callback as Lambda's durable execution service
would do them, in this process."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_durable_execution_sdk_python.lambda_service import InvocationStatus, OperationStatus
from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner

from serverless_patterns.testing import load_handler

app = load_handler(__file__, "orders")


@pytest.fixture
def runner() -> Iterator[DurableFunctionTestRunner]:
    with DurableFunctionTestRunner(handler=app.handler) as runner:
        yield runner


def test_an_order_is_reserved_charged_held_and_shipped(runner: DurableFunctionTestRunner) -> None:
    result = runner.run(input=json.dumps({"order_id": "o-1", "quantity": 2}), execution_timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result or "null") == {
        "order_id": "o-1",
        "status": "shipped",
        "charge": "charge-o-1",
        "shipment": "shipment-o-1",
    }
    assert json.loads(result.get_step("reserve-stock").result or "null") == "reservation-o-1"
    assert result.get_wait("cooling-off").status is OperationStatus.SUCCEEDED


def test_a_payment_outage_is_retried_and_the_order_still_ships(runner: DurableFunctionTestRunner) -> None:
    result = runner.run(
        input=json.dumps({"order_id": "o-2", "quantity": 1, "payment_outages": 2}), execution_timeout=30
    )
    assert result.status is InvocationStatus.SUCCEEDED
    charge = result.get_step("charge-payment")
    assert charge.status is OperationStatus.SUCCEEDED
    assert charge.attempt == 3  # two outages, then the charge
    assert json.loads(charge.result or "null") == "charge-o-2"


def test_a_longer_outage_fails_the_execution(runner: DurableFunctionTestRunner) -> None:
    result = runner.run(
        input=json.dumps({"order_id": "o-3", "quantity": 1, "payment_outages": 3}), execution_timeout=30
    )
    assert result.status is InvocationStatus.FAILED
    assert result.get_step("charge-payment").status is OperationStatus.FAILED
    assert "payment service unavailable" in str(result.error)


def test_a_bad_quantity_fails_at_once_without_charging(runner: DurableFunctionTestRunner) -> None:
    result = runner.run(input=json.dumps({"order_id": "o-4", "quantity": 0}), execution_timeout=30)
    assert result.status is InvocationStatus.FAILED
    assert "quantity must be positive" in str(result.error)
    names = [op.name for op in result.get_all_operations()]
    assert "charge-payment" not in names


@pytest.mark.parametrize(("answer", "status"), [("approved", "shipped"), ("declined", "rejected")])
def test_an_order_that_needs_approval_waits_for_the_callback(
    runner: DurableFunctionTestRunner, answer: str, status: str
) -> None:
    arn = runner.run_async(
        input=json.dumps({"order_id": "o-5", "quantity": 1, "needs_approval": True}), execution_timeout=30
    )
    callback_id = runner.wait_for_callback(arn, timeout=30)
    runner.send_callback_success(callback_id, answer.encode())
    result = runner.wait_for_result(arn, timeout=30)
    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result or "null")["status"] == status
