"""The built-in StreamToSns forwarder, run as plain Python on real DynamoDB stream events against
moto's SNS (delivering to an SQS queue, so the published messages can be read back)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from serverless_patterns.handlers import STREAM_FORWARDER_DIR

REGION = "us-east-1"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-11-23T00:00:00.000"


@dataclass
class Context:
    function_name: str = "forwarder"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:forwarder:live"
    aws_request_id: str = "6f2d7c43-4c8a-4f4e-9d0e-2b1d8f4b6a11"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def record(
    event_name: str,
    sequence: str,
    *,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """A DynamoDB stream record as Lambda delivers it (StreamViewType NEW_AND_OLD_IMAGES)."""
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": 1763856000,
        "Keys": {"id": {"S": "order-1"}},
        "SequenceNumber": sequence,
        "SizeBytes": 59,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = new
    if old is not None:
        body["OldImage"] = old
    return {
        "eventID": event_id or f"c4ca4238a0b923820dcc509a6f75849{sequence[-1]}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": body,
        "eventSourceARN": STREAM_ARN,
    }


ORDER = {
    "id": {"S": "order-1"},
    "total": {"N": "42.5"},
    "items": {"N": "3"},
    "tags": {"SS": ["gift", "express"]},
    "paid": {"BOOL": True},
    "note": {"NULL": True},
    "lines": {"L": [{"M": {"sku": {"S": "A-1"}, "qty": {"N": "2"}}}]},
    "blob": {"B": "aGVsbG8="},
}


def load_forwarder(name: str) -> ModuleType:
    """A fresh import of the shipped handler (it reads its environment at import)."""
    spec = importlib.util.spec_from_file_location(name, STREAM_FORWARDER_DIR / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Cloud:
    topic_arn: str
    queue_url: str

    def messages(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "orders")
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="orders")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("TOPIC_ARN", topic_arn)
        yield Cloud(topic_arn, queue_url)


def test_publishes_new_image_as_plain_json_with_event_name(cloud: Cloud) -> None:
    app = load_forwarder("forwarder_plain")
    event = {"Records": [record("INSERT", "111", new=ORDER)]}

    result = app.handler(event, Context())

    assert result == {"batchItemFailures": []}
    [message] = cloud.messages()
    assert json.loads(message["Message"]) == {
        "blob": "aGVsbG8=",
        "id": "order-1",
        "items": 3,
        "lines": [{"qty": 2, "sku": "A-1"}],
        "note": None,
        "paid": True,
        "tags": ["express", "gift"],
        "total": 42.5,
    }
    assert message["MessageAttributes"]["eventName"] == {"Type": "String", "Value": "INSERT"}
    assert message["MessageAttributes"]["eventId"]["Value"] == event["Records"][0]["eventID"]


def test_modify_sends_new_image_and_remove_sends_old_image(cloud: Cloud) -> None:
    app = load_forwarder("forwarder_modify_remove")
    before = {"id": {"S": "order-1"}, "status": {"S": "new"}}
    after = {"id": {"S": "order-1"}, "status": {"S": "paid"}}
    event = {
        "Records": [
            record("MODIFY", "221", new=after, old=before),
            record("REMOVE", "222", old=after),
        ]
    }

    assert app.handler(event, Context()) == {"batchItemFailures": []}

    messages = cloud.messages()
    by_event = {m["MessageAttributes"]["eventName"]["Value"]: json.loads(m["Message"]) for m in messages}
    assert by_event == {
        "MODIFY": {"id": "order-1", "status": "paid"},
        "REMOVE": {"id": "order-1", "status": "paid"},
    }


def test_reports_only_the_record_that_failed(cloud: Cloud) -> None:
    app = load_forwarder("forwarder_partial")
    too_big = {"id": {"S": "order-2"}, "payload": {"S": "x" * 300_000}}  # over SNS's 256 KB
    event = {
        "Records": [
            record("INSERT", "331", new=ORDER),
            record("INSERT", "332", new=too_big),
            record("INSERT", "333", new=ORDER),
        ]
    }

    result = app.handler(event, Context())

    assert result == {"batchItemFailures": [{"itemIdentifier": "332"}]}
    assert len(cloud.messages()) == 2


def test_a_retried_record_is_published_once_with_idempotency(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="idempotency",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "idempotency")
    app = load_forwarder("forwarder_idempotent")
    event = {"Records": [record("INSERT", "441", new=ORDER, event_id="retried-event")]}

    assert app.handler(event, Context()) == {"batchItemFailures": []}
    assert app.handler(event, Context()) == {"batchItemFailures": []}  # Lambda retries the batch

    assert len(cloud.messages()) == 1
    assert dynamodb.scan(TableName="idempotency")["Count"] == 1


def test_fifo_topic_groups_by_key_and_deduplicates_on_event_id(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    fifo_arn = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    queue_url = sqs.create_queue(QueueName="subscriber.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=fifo_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("TOPIC_ARN", fifo_arn)
    app = load_forwarder("forwarder_fifo")
    event = {"Records": [record("INSERT", "551", new=ORDER)]}

    assert app.handler(event, Context()) == {"batchItemFailures": []}
    assert app.handler(event, Context()) == {"batchItemFailures": []}

    received = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert len(received) == 1
    assert received[0]["Attributes"]["MessageGroupId"] == '{"id": "order-1"}'
    assert received[0]["Attributes"]["MessageDeduplicationId"] == event["Records"][0]["eventID"]


def test_plain_converts_every_dynamodb_type() -> None:
    app = load_forwarder("forwarder_types")
    from decimal import Decimal

    assert app.plain({"n": Decimal("1"), "f": Decimal("0.25"), "ns": {Decimal("2"), Decimal("1")}}) == {
        "n": 1,
        "f": 0.25,
        "ns": [1, 2],
    }
    assert app.plain(b"\x00\x01") == "AAE="


@pytest.fixture
def dead_letter_queue(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> str:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="failures")["QueueUrl"]
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", url)
    return str(url)


def parked(queue_url: str) -> list[tuple[dict[str, Any], str]]:
    sqs = boto3.client("sqs", region_name=REGION)
    found = []
    for message in sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        found.append((json.loads(message["Body"]), message["MessageAttributes"]["kind"]["StringValue"]))
    return found


def test_a_record_it_cannot_publish_is_parked_in_full(
    cloud: Cloud, dead_letter_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOPIC_ARN", cloud.topic_arn + "-deleted")  # every publish fails: NotFound
    app = load_forwarder("forwarder_parks")
    sent = record("INSERT", "441", new=ORDER)

    result = app.handler({"Records": [sent]}, Context())

    assert result == {"batchItemFailures": []}  # parked, so not retried from a 24-hour stream
    ((body, kind),) = parked(dead_letter_queue)
    assert kind == "stream-record"
    assert body["record"] == sent  # the whole record, images included: recoverable after 24 hours
    assert body["error"].startswith("NotFoundException") or "NotFound" in body["error"]
    assert cloud.messages() == []


def test_a_record_it_cannot_park_is_reported_for_lambda_to_retry(
    cloud: Cloud, dead_letter_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_queue + "-deleted")  # SQS refuses it
    app = load_forwarder("forwarder_cannot_park")
    too_big = {"id": {"S": "order-2"}, "payload": {"S": "x" * 300_000}}  # over SNS's 256 KB
    event = {"Records": [record("INSERT", "551", new=ORDER), record("INSERT", "552", new=too_big)]}

    result = app.handler(event, Context())

    assert result == {
        "batchItemFailures": [{"itemIdentifier": "552"}]
    }  # Lambda retries, then parks its position
    assert parked(dead_letter_queue) == []
    assert len(cloud.messages()) == 1
