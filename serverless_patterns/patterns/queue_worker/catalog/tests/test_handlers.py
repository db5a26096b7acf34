"""Unit tests of the orders handler, with real SQS events."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "orders")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "orders"))

import app


@dataclass
class Context:
    function_name: str = "orders"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def sqs_event(*orders: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197586107{i}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
                "body": json.dumps(order),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(json.dumps(order).encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
                "awsRegion": "us-east-1",
            }
            for i, order in enumerate(orders)
        ]
    }


def test_orders_are_processed() -> None:
    event = sqs_event({"order_id": "1", "quantity": 2}, {"order_id": "2", "quantity": 1})
    assert app.handler(event, Context()) == {"batchItemFailures": []}


def test_a_bad_order_fails_alone() -> None:
    event = sqs_event({"order_id": "1", "quantity": 2}, {"order_id": "2", "quantity": 0})
    response = app.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_a_message_that_is_no_order_fails_alone() -> None:
    event = sqs_event({"order_id": "1", "quantity": 2}, {"note": "not an order"})
    response = app.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
