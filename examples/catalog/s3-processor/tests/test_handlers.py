"""Unit tests of the uploads handler, with real SQS events carrying S3 event notifications."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "uploads")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "uploads"))

import app


@dataclass
class Context:
    function_name: str = "uploads"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:uploads:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def s3_notification(key: str, size: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-23T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {"name": "uploads-bucket", "arn": "arn:aws:s3:::uploads-bucket"},
                    "object": {"key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e"},
                },
            }
        ]
    }


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197586107{i}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
                "body": json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_objects_are_processed() -> None:
    event = sqs_event(s3_notification("reports/2026+11.csv", 120))
    assert app.handler(event, Context()) == {"batchItemFailures": []}


def test_a_failing_object_fails_alone() -> None:
    event = sqs_event(s3_notification("ok.csv", 10), s3_notification("empty.csv", 0))
    response = app.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_s3_test_event_is_ignored() -> None:
    event = sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads-bucket"})
    assert app.handler(event, Context()) == {"batchItemFailures": []}
