"""Unit tests of the ETL steps, chained as the state machine chains them, from a real scheduled event."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "etl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "etl"))

import extract
import load
import transform


@dataclass
class Context:
    function_name: str = "etl"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:etl:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


SCHEDULED_EVENT = {
    "version": "0",
    "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-23T02:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/nightly"],
    "detail": {},
}


def test_the_pipeline_end_to_end() -> None:
    extracted = extract.handler(SCHEDULED_EVENT, Context())
    assert extracted["date"] == "2026-11-22"
    transformed = transform.handler(extracted, Context())
    assert {(r["sku"], r["country"]) for r in transformed["rows"]} == {("BOOK-42", "DE"), ("MUG-7", "FR")}
    loaded = load.handler(transformed, Context())
    assert loaded["rowsLoaded"] == len(transformed["rows"])


def test_a_malformed_order_stops_the_run() -> None:
    with pytest.raises(transform.TransformError):
        transform.handler({"date": "2026-11-22", "orders": [{"orderId": "x"}]}, Context())
