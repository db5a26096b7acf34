"""Processes the objects that arrive in the bucket, one SQS message (an S3 event notification) at a time.

A record that fails is reported back to SQS on its own (partial batch response): it is retried and,
after the queue's max receive count, parked in the dead-letter queue, while the rest of the batch succeeds.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)
BUCKET = os.environ.get("BUCKET_NAME", "")


@tracer.capture_method
def process_object(bucket: str, key: str, size: int) -> None:
    if size == 0:
        raise ValueError(f"s3://{bucket}/{key} is empty")
    # A real handler reads the object (s3:GetObject is not granted by default) and does its work here.
    logger.info("object processed", extra={"bucket": bucket, "key": key, "size": size})


def record_handler(record: SQSRecord) -> None:
    notification = json.loads(record.body)
    for s3_record in notification.get("Records", []):  # s3:TestEvent messages have no Records
        s3 = s3_record["s3"]
        process_object(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), s3["object"].get("size", 0))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
