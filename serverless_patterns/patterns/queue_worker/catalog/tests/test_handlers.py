"""Unit tests of the orders handler, with real SQS events."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from serverless_patterns.testing import lambda_context, load_handler

app = load_handler(__file__, "orders")
CONTEXT = lambda_context("orders")


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
    assert app.handler(event, CONTEXT) == {"batchItemFailures": []}


def test_a_bad_order_fails_alone() -> None:
    event = sqs_event({"order_id": "1", "quantity": 2}, {"order_id": "2", "quantity": 0})
    response = app.handler(event, CONTEXT)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_a_message_that_is_no_order_fails_alone() -> None:
    event = sqs_event({"order_id": "1", "quantity": 2}, {"note": "not an order"})
    response = app.handler(event, CONTEXT)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
