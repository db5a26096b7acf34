"""Unit tests of the nightly handler, with the events Scheduler and EventBridge send."""

from __future__ import annotations

import pytest

from serverless_patterns.testing import lambda_context, load_handler

app = load_handler(__file__, "nightly")
CONTEXT = lambda_context("nightly")


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
    assert app.handler(SCHEDULED, CONTEXT) == {
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
    assert app.handler(event, CONTEXT)["detail_type"] == "OrderPlaced"


def test_an_event_asking_to_fail_raises() -> None:
    with pytest.raises(RuntimeError, match="asked to fail"):
        app.handler({**SCHEDULED, "detail": {"fail": True}}, CONTEXT)
