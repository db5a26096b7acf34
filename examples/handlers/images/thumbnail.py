"""Describes each uploaded JPEG: reads its dimensions and writes them next to the thumbnails.

Events arrive through the S3Processor's SQS queue: each message body is an S3 event notification.
S3 also sends one ``s3:TestEvent`` when the notification is configured; it is skipped. A message
that fails (an object that is not a JPEG, say) is reported on its own (partial batch response); it
is retried and, after the queue's max receive count, parked in the dead-letter queue.

The function may only read the keys under the filtered prefix and write under ``OUTPUT_PREFIX``.
"""

from __future__ import annotations

import json
import os
import struct
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)
# Start-of-frame markers that carry the image size (baseline, progressive, ...), not DHT/JPG/DAC.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class NotAJpeg(ValueError):
    """The object is not a JPEG image this handler can read."""


@cache
def _s3() -> S3Client:
    return boto3.client("s3")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG, read from its start-of-frame segment."""
    if data[:2] != b"\xff\xd8":
        raise NotAJpeg("missing the JPEG start-of-image marker")
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise NotAJpeg(f"corrupt segment at byte {offset}")
        marker = data[offset + 1]
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    raise NotAJpeg("no start-of-frame segment")


@tracer.capture_method
def describe(bucket: str, key: str) -> str:
    data = _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    width, height = jpeg_size(data)
    output_key = f"{os.environ['OUTPUT_PREFIX']}{key}.json"
    _s3().put_object(
        Bucket=os.environ["OUTPUT_BUCKET_NAME"],
        Key=output_key,
        Body=json.dumps({"source": key, "width": width, "height": height, "bytes": len(data)}),
        ContentType="application/json",
    )
    logger.info("image described", extra={"key": key, "width": width, "height": height})
    return output_key


def record_handler(record: SQSRecord) -> None:
    body = record.json_body
    if body.get("Event") == "s3:TestEvent":
        logger.info("skipping the S3 test event")
        return
    for s3_record in S3Event(body).records:
        # S3 URL-encodes keys in event notifications ("summer holiday.jpg" arrives as "summer+holiday.jpg").
        describe(s3_record.s3.bucket.name, unquote_plus(s3_record.s3.get_object.key))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
