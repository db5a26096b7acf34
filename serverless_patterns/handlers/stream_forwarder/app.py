"""Forwards DynamoDB stream records to an SNS topic: the built-in function of StreamToSns.

Each record becomes one message whose body is the item's new image as plain JSON (the old image
for REMOVE events), with the ``eventName`` (INSERT, MODIFY, REMOVE) and the stream ``eventId`` as
message attributes, so subscribers can filter on the event and drop duplicates. On a FIFO topic the
message is deduplicated on the ``eventId`` and grouped by the item's key.

A record that cannot be published (after boto3's own retries) is parked in full: with
``DEAD_LETTER_QUEUE_URL`` set, the whole stream record goes to that queue as
``{"error": ..., "record": ...}`` (message attribute ``kind`` = ``stream-record``), where it stays
14 days and can be published again, instead of the position pointer Lambda's on-failure destination
keeps, which points into a stream whose records expire after 24 hours. A record that cannot be
parked either (a record over SQS's 256 KB limit, SQS unavailable) is reported back to Lambda
(``ReportBatchItemFailures``), so only it is retried and, in the end, its pointer is parked.
With ``IDEMPOTENCY_TABLE_NAME`` set, a record already published (same ``eventId``) is not
published again when its batch is retried.

Environment: ``TOPIC_ARN`` (required), ``DEAD_LETTER_QUEUE_URL`` (optional),
``IDEMPOTENCY_TABLE_NAME`` (optional), ``IDEMPOTENCY_TTL_SECONDS`` (optional, default 86400).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def _sns() -> SNSClient:
    return boto3.client("sns")


@cache
def _sqs() -> SQSClient:
    return boto3.client("sqs")


PARKED_KIND = "stream-record"
"""The ``kind`` message attribute of a full record parked by this function."""


def park(record: dict[str, Any], error: Exception) -> str:
    """Sends the whole stream record and the error to the dead-letter queue; returns the message id.
    Raises when the queue refuses it (the record is then reported as failed)."""
    response = _sqs().send_message(
        QueueUrl=os.environ["DEAD_LETTER_QUEUE_URL"],
        MessageBody=json.dumps({"error": f"{type(error).__name__}: {error}", "record": record}, default=str),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": PARKED_KIND}},
    )
    logger.warning("parked a record it could not publish", extra={"event_id": record.get("eventID")})
    return str(response["MessageId"])


def plain(value: Any) -> Any:
    """A DynamoDB-deserialized value as plain JSON: numbers as int or float, sets as sorted lists,
    binary as base64 text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "value"):  # boto3's Binary
        return plain(value.value)
    return value


def publish(record: dict[str, Any]) -> str:
    """Publishes one raw stream record to the topic; returns the SNS message id."""
    item = DynamoDBRecord(record)
    stream = item.dynamodb
    event_name = item.event_name.name if item.event_name is not None else "UNKNOWN"
    image = (stream.new_image if stream is not None else None) or (
        stream.old_image if stream is not None else None
    )
    keys = plain(stream.keys if stream is not None else {}) or {}
    body = plain(image) if image else keys
    topic_arn = os.environ["TOPIC_ARN"]
    request: dict[str, Any] = {
        "TopicArn": topic_arn,
        "Message": json.dumps(body, sort_keys=True, separators=(",", ":")),
        "MessageAttributes": {
            "eventName": {"DataType": "String", "StringValue": event_name},
            "eventId": {"DataType": "String", "StringValue": str(item.event_id)},
        },
    }
    if topic_arn.endswith(".fifo"):
        request["MessageGroupId"] = json.dumps(keys, sort_keys=True)[:128]
        request["MessageDeduplicationId"] = str(item.event_id)[:128]
    response = _sns().publish(**request)
    message_id = str(response["MessageId"])
    logger.debug("published", extra={"event_id": item.event_id, "message_id": message_id})
    return message_id


def _record_publisher() -> tuple[Callable[..., str], IdempotencyConfig | None]:
    table = os.environ.get("IDEMPOTENCY_TABLE_NAME")
    if not table:
        return publish, None
    config = IdempotencyConfig(
        event_key_jmespath="eventID",
        expires_after_seconds=int(os.environ.get("IDEMPOTENCY_TTL_SECONDS", "86400")),
    )
    store = DynamoDBPersistenceLayer(table_name=table)
    once = idempotent_function(data_keyword_argument="record", config=config, persistence_store=store)
    return once(publish), config


_publish_once, _idempotency = _record_publisher()


@tracer.capture_method
def record_handler(record: DynamoDBRecord) -> str:
    try:
        return _publish_once(record=record.raw_event)
    except Exception as error:
        if not os.environ.get("DEAD_LETTER_QUEUE_URL"):
            raise
        logger.exception("could not publish a record", extra={"event_id": record.event_id})
        return park(record.raw_event, error)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    if _idempotency is not None:
        _idempotency.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
