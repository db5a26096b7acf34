"""Processes orders from the queue, one message (a JSON order) at a time.

A message that fails is reported back to SQS on its own (partial batch response): it returns to
the queue and, after the queue's max receive count, moves to the dead-letter queue, while the rest
of the batch succeeds.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def process_order(order_id: str, quantity: int) -> None:
    if quantity <= 0:
        logger.warning("order rejected", extra={"order_id": order_id, "quantity": quantity})
        raise ValueError(f"order {order_id}: quantity must be positive, got {quantity}")
    # A real handler does its work here (write to a table, call a service...).
    logger.info("order processed", extra={"order_id": order_id, "quantity": quantity})


def record_handler(record: SQSRecord) -> None:
    order = record.json_body
    process_order(str(order["order_id"]), int(order["quantity"]))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
