"""Unit tests of the nightly handler, with the events Scheduler and EventBridge send."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "nightly")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "nightly"))

import app


@dataclass
class Context:
    function_name: str = "nightly"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:nightly:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


SCHEDULED = {
    "version": "0",
    "id": "d32c5kddcf5bb8c3",
    "detail-type": "Scheduled Event",
    "source": "aws.scheduler",
    "account": "123456789012",
    "time": "2026-01-15T02:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/nightly/report"],
    "detail": {},
}


def test_a_scheduled_event_is_handled() -> None:
    assert app.handler(SCHEDULED, Context()) == {
        "source": "aws.scheduler",
        "detail_type": "Scheduled Event",
        "id": "d32c5kddcf5bb8c3",
    }


def test_an_order_event_is_handled() -> None:
    event = {
        **SCHEDULED,
        "source": "com.example.orders",
        "detail-type": "OrderPlaced",
        "detail": {"order": "o-1"},
    }
    assert app.handler(event, Context())["detail_type"] == "OrderPlaced"


def test_an_event_asking_to_fail_raises() -> None:
    with pytest.raises(RuntimeError, match="asked to fail"):
        app.handler({**SCHEDULED, "detail": {"fail": True}}, Context())
