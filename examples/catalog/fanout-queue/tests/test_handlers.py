"""Unit tests of the welcome-email handler, with real SQS events (raw message delivery from SNS)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "welcome-email")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "fanout"))

import welcome


@dataclass
class Context:
    function_name: str = "welcome-email"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:welcome-email:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def sqs_event(*users: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"2e1424d4-f796-459a-8184-9c92662be6d{i}",
                "receiptHandle": f"AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq{i}",
                "body": json.dumps(user),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082650636",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082650649",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:welcome-email",
                "awsRegion": "us-east-1",
            }
            for i, user in enumerate(users)
        ]
    }


def test_welcome_emails_are_sent() -> None:
    event = sqs_event({"id": "1", "email": "ada@example.com"}, {"id": "2", "email": "alan@example.com"})
    assert welcome.handler(event, Context()) == {"batchItemFailures": []}


def test_a_user_without_email_fails_alone() -> None:
    event = sqs_event({"id": "1", "email": "ada@example.com"}, {"id": "2"})
    response = welcome.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
