"""S3Processor (queue and direct delivery) and StreamToSns, deployed and fed real events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import Deployment, LocalCloud

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(patterns_assembly: Path, local_cloud: LocalCloud) -> Iterator[Deployment]:
    yield local_cloud.deploy(patterns_assembly)


@pytest.fixture(scope="module")
def out(deployed: Deployment) -> dict[str, str]:
    return deployed.outputs["LocalPatterns"]


def _drain(cloud: LocalCloud, url: str, expect: int, timeout: float = 30) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(batch)
        if not batch:
            time.sleep(0.05)
    return got


def _processed(cloud: LocalCloud, bucket: str) -> set[str]:
    listed = cloud.client("s3").list_objects_v2(Bucket=bucket, Prefix="processed/").get("Contents", [])
    return {o["Key"].removeprefix("processed/") for o in listed}


def _upload(cloud: LocalCloud, bucket: str, keys: list[str]) -> None:
    s3 = cloud.client("s3")
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


def test_s3_processor_through_its_queue(local_cloud: LocalCloud, out: dict[str, str]) -> None:
    good = [f"in/{i}.txt" for i in range(10)]
    bad = ["in/bad-1.txt", "in/bad-2.txt"]
    _upload(local_cloud, out["QueuedBucket"], [*good, *bad, "in/ignored.csv", "elsewhere/x.txt"])
    local_cloud.wait_for(lambda: _processed(local_cloud, out["QueuedBucket"]) >= set(good), timeout=30)
    parked = _drain(local_cloud, out["QueuedDlqUrl"], len(bad))
    keys = {json.loads(m["Body"])["Records"][0]["s3"]["object"]["key"] for m in parked}
    assert keys == set(bad)
    assert _processed(local_cloud, out["QueuedBucket"]) == set(good)  # the filters kept the others out


def test_s3_processor_invoked_directly(local_cloud: LocalCloud, out: dict[str, str]) -> None:
    good = [f"in/{i}.txt" for i in range(5)]
    bad = ["in/bad-a.txt", "in/bad-b.txt"]
    _upload(local_cloud, out["DirectBucket"], [*good, *bad])
    local_cloud.wait_for(lambda: _processed(local_cloud, out["DirectBucket"]) >= set(good), timeout=30)
    failures = [json.loads(m["Body"]) for m in _drain(local_cloud, out["DirectFailuresUrl"], len(bad))]
    assert sorted(f["requestPayload"]["Records"][0]["s3"]["object"]["key"] for f in failures) == sorted(bad)
    assert {f["requestContext"]["condition"] for f in failures} == {"RetriesExhausted"}
    assert {f["requestContext"]["approximateInvokeCount"] for f in failures} == {2}  # retry_attempts=1


def test_stream_to_sns_forwards_every_change(local_cloud: LocalCloud, out: dict[str, str]) -> None:
    ddb = local_cloud.client("dynamodb")
    ids = [f"item-{i}" for i in range(20)]
    for item_id in ids:
        ddb.put_item(TableName=out["TableName"], Item={"id": {"S": item_id}, "n": {"N": "1"}})
    messages = _drain(local_cloud, out["WatcherUrl"], len(ids))
    assert {json.loads(m["Body"])["id"] for m in messages} == set(ids)
