"""Drains the analytics queue: counts sign-ups on the pro plan.

The subscription's filter policy (``{"plan": ["pro"]}`` on message attributes) means only messages
published with the message attribute ``plan=pro`` reach this queue. Failed records are reported one
by one (partial batch response).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    user = record.json_body
    if "id" not in user:
        raise ValueError("message has no user id")
    plan = record.message_attributes["plan"].string_value if "plan" in record.message_attributes else None
    metrics.add_metric(name="ProSignups", unit=MetricUnit.Count, value=1)
    logger.info("pro sign-up counted", extra={"user_id": user["id"], "plan": plan})


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
