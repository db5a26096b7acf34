"""Each event shape of ``serverless_patterns/event_shapes.py`` (what local delivery, ``serverless-patterns
events`` and the sources' sample events are built with) is read whole by Powertools' event class
for it: every property the class exposes, with no error, and the values given come back."""

from __future__ import annotations

import base64
import functools
import inspect
import json
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    DynamoDBStreamEvent,
    EventBridgeEvent,
    S3Event,
    SNSEvent,
    SQSEvent,
)
from aws_lambda_powertools.utilities.data_classes.common import DictWrapper

from serverless_patterns import event_shapes
from serverless_patterns.cli.events import SAMPLES

ACCOUNT = "123456789012"
REGION = "eu-west-1"
WHEN = datetime(2026, 3, 1, 8, 30, 15, tzinfo=UTC)
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders.fifo"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"
STREAM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/stream/2026-03-01T08:00:00.000"


ABSENT_ON_AWS = {
    # Lambda's SQS poller gives a String attribute no binaryValue, a Binary one no stringValue;
    # Powertools reads both with [], so one of them raises on every real event.
    ("SQSMessageAttribute", "binary_value"),
    ("SQSMessageAttribute", "string_value"),
}
"""Properties whose key AWS itself leaves out of some events: their KeyError reads as None."""


def read_whole(wrapper: DictWrapper, depth: int = 0) -> dict[str, Any]:
    """Every public property of ``wrapper``'s class (and of the wrappers it gives), read; a property
    that raises fails the test. (``decoded_nested_*`` read a body as another source's event: an SQS
    message that an S3 notification or an SNS topic sent; these bodies are not.)"""
    values: dict[str, Any] = {}
    for name, member in inspect.getmembers(type(wrapper)):
        if name.startswith(("_", "decoded_nested_")) or not isinstance(
            member, property | functools.cached_property
        ):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                value = getattr(wrapper, name)
            except KeyError:
                if (type(wrapper).__name__, name) not in ABSENT_ON_AWS:
                    raise
                value = None
        if isinstance(value, Iterator):
            value = list(value)
        values[name] = _read_value(value, depth)
    return values


def _read_value(value: Any, depth: int) -> Any:
    if depth > 8:
        return value
    if isinstance(value, DictWrapper):
        return read_whole(value, depth + 1)
    if isinstance(value, list):
        return [_read_value(v, depth) for v in value]
    if isinstance(value, dict):
        return {k: _read_value(v, depth) for k, v in value.items()}
    return value


def test_an_sqs_record_of_a_fifo_queue() -> None:
    body = json.dumps({"id": "o-1"})
    event = SQSEvent(
        event_shapes.records(
            [
                event_shapes.sqs_record(
                    message_id="m-1",
                    receipt_handle="rh-1",
                    body=body,
                    md5_of_body="md5",
                    queue_arn=QUEUE,
                    sent_timestamp=1000,
                    first_receive_timestamp=1001,
                    receive_count=2,
                    sender_id=ACCOUNT,
                    message_attributes=event_shapes.sqs_message_attributes(
                        {"plan": {"DataType": "String", "StringValue": "pro"}}
                    ),
                    group_id="g-1",
                    deduplication_id="d-1",
                    sequence_number="18849496460467696128",
                )
            ]
        )
    )
    (record,) = read_whole(event)["records"]
    assert (record["message_id"], record["receipt_handle"], record["body"]) == ("m-1", "rh-1", body)
    assert record["json_body"] == {"id": "o-1"}
    assert (record["event_source"], record["event_source_arn"], record["aws_region"]) == (
        "aws:sqs",
        QUEUE,
        REGION,
    )
    assert record["queue_url"] == f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders.fifo"
    attributes = record["attributes"]
    assert (attributes["approximate_receive_count"], attributes["sent_timestamp"]) == ("2", "1000")
    assert (attributes["approximate_first_receive_timestamp"], attributes["sender_id"]) == ("1001", ACCOUNT)
    assert (attributes["message_group_id"], attributes["message_deduplication_id"]) == ("g-1", "d-1")
    assert attributes["sequence_number"] == "18849496460467696128"
    assert record["message_attributes"]["plan"]["string_value"] == "pro"
    assert record["message_attributes"]["plan"]["data_type"] == "String"


def test_an_sqs_record_of_a_standard_queue_has_no_fifo_attributes() -> None:
    record = event_shapes.sqs_record(
        message_id="m",
        receipt_handle="r",
        body="[]",
        md5_of_body="m",
        queue_arn=QUEUE.removesuffix(".fifo"),
        sent_timestamp=1,
        first_receive_timestamp=2,
    )
    read = read_whole(next(SQSEvent(event_shapes.records([record])).records))
    assert read["attributes"]["message_group_id"] is None
    assert read["attributes"]["sequence_number"] is None


def test_an_sns_record() -> None:
    event = SNSEvent(
        event_shapes.records(
            [
                event_shapes.sns_record(
                    subscription_arn=f"{TOPIC}:sub-1",
                    message_id="n-1",
                    message='{"a": 1}',
                    subject="hello",
                    timestamp=event_shapes.iso_millis(WHEN),
                    message_attributes=event_shapes.sns_message_attributes(
                        {"kind": {"DataType": "String", "StringValue": "order"}}
                    ),
                )
            ]
        )
    )
    read = read_whole(event)
    (record,) = read["records"]
    assert (record["event_source"], record["event_subscription_arn"]) == ("aws:sns", f"{TOPIC}:sub-1")
    sns = record["sns"]
    assert (sns["message_id"], sns["message"], sns["subject"], sns["topic_arn"]) == (
        "n-1",
        '{"a": 1}',
        "hello",
        TOPIC,
    )
    assert (sns["get_type"], sns["timestamp"]) == ("Notification", "2026-03-01T08:30:15.000Z")
    assert (sns["message_attributes"]["kind"]["get_type"], sns["message_attributes"]["kind"]["value"]) == (
        "String",
        "order",
    )
    assert read["sns_message"] == '{"a": 1}'


def test_an_s3_record() -> None:
    event = S3Event(
        event_shapes.records(
            [
                event_shapes.s3_record(
                    bucket="uploads",
                    key="in/a+b.json",
                    region=REGION,
                    size=12,
                    event_time=event_shapes.iso_millis(WHEN),
                )
            ]
        )
    )
    read = read_whole(event)
    (record,) = read["records"]
    assert (record["event_name"], record["aws_region"], record["event_source"]) == (
        "ObjectCreated:Put",
        REGION,
        "aws:s3",
    )
    assert record["event_time"] == "2026-03-01T08:30:15.000Z"
    assert record["s3"]["bucket"]["name"] == "uploads"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert (record["s3"]["get_object"]["key"], record["s3"]["get_object"]["size"]) == ("in/a+b.json", 12)
    assert (read["bucket_name"], read["object_key"]) == ("uploads", "in/a b.json")


def test_a_dynamodb_stream_record() -> None:
    event = DynamoDBStreamEvent(
        event_shapes.records(
            [
                event_shapes.dynamodb_record(
                    event_id="e-1",
                    event_name="MODIFY",
                    stream_arn=STREAM,
                    dynamodb={
                        "ApproximateCreationDateTime": 1772353815,
                        "Keys": {"pk": {"S": "o#1"}},
                        "NewImage": {"pk": {"S": "o#1"}, "n": {"N": "2"}},
                        "OldImage": {"pk": {"S": "o#1"}, "n": {"N": "1"}},
                        "SequenceNumber": "100",
                        "SizeBytes": 20,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                )
            ]
        )
    )
    (record,) = read_whole(event)["records"]
    assert (record["event_id"], record["event_name"].name, record["event_version"]) == (
        "e-1",
        "MODIFY",
        "1.1",
    )
    assert (record["event_source"], record["event_source_arn"], record["aws_region"]) == (
        "aws:dynamodb",
        STREAM,
        REGION,
    )
    stream = record["dynamodb"]
    assert (stream["keys"], stream["new_image"], stream["old_image"]) == (
        {"pk": "o#1"},
        {"pk": "o#1", "n": 2},
        {"pk": "o#1", "n": 1},
    )
    assert (stream["sequence_number"], stream["size_bytes"], stream["stream_view_type"].name) == (
        "100",
        20,
        "NEW_AND_OLD_IMAGES",
    )
    assert stream["approximate_creation_date_time"] == 1772353815


@pytest.mark.parametrize(
    ("detail_type", "source", "detail"),
    [("OrderPlaced", "com.example", {"id": 1}), ("Scheduled Event", "aws.scheduler", "{}")],
)
def test_an_eventbridge_event(detail_type: str, source: str, detail: Any) -> None:
    read = read_whole(
        EventBridgeEvent(
            event_shapes.eventbridge_event(
                event_id="ev-1",
                detail_type=detail_type,
                source=source,
                account=ACCOUNT,
                region=REGION,
                time=event_shapes.iso_seconds(WHEN),
                resources=["arn:aws:scheduler:::schedule/default/nightly"],
                detail=detail,
            )
        )
    )
    assert (read["get_id"], read["detail_type"], read["source"]) == ("ev-1", detail_type, source)
    assert (read["account"], read["region"], read["time"]) == (ACCOUNT, REGION, "2026-03-01T08:30:15Z")
    assert (read["detail"], read["version"]) == (detail, "0")
    assert read["resources"] == ["arn:aws:scheduler:::schedule/default/nightly"]


def test_a_rest_api_proxy_event() -> None:
    event = event_shapes.api_gateway_proxy_event(
        method="POST",
        resource="/users/{id}",
        path="/users/7",
        stage="prod",
        account=ACCOUNT,
        api_id="api1",
        resource_id="res1",
        request_id="req-1",
        when=WHEN,
        headers={"Content-Type": "application/json", "User-Agent": "test/1"},
        query={"tag": ["a", "b"]},
        path_parameters={"id": "7"},
        stage_variables={"env": "test"},
        body=base64.b64encode(b'{"x": 1}').decode(),
        is_base64_encoded=True,
    )
    read = read_whole(APIGatewayProxyEvent(event))
    assert (read["http_method"], read["path"], read["resource"]) == ("POST", "/users/7", "/users/{id}")
    assert read["path_parameters"] == {"id": "7"}
    assert (read["query_string_parameters"], read["multi_value_query_string_parameters"]) == (
        {"tag": "b"},
        {"tag": ["a", "b"]},
    )
    assert read["stage_variables"] == {"env": "test"}
    assert (read["decoded_body"], read["json_body"], read["is_base64_encoded"]) == (
        '{"x": 1}',
        {"x": 1},
        True,
    )
    assert {k.lower(): v for k, v in read["headers"].items()}["content-type"] == "application/json"
    assert {k.lower(): v for k, v in read["multi_value_headers"].items()}["content-type"] == [
        "application/json"
    ]
    context = read["request_context"]
    assert (context["stage"], context["api_id"], context["account_id"], context["request_id"]) == (
        "prod",
        "api1",
        ACCOUNT,
        "req-1",
    )
    assert (context["path"], context["resource_path"], context["http_method"]) == (
        "/prod/users/7",
        "/users/{id}",
        "POST",
    )
    assert (context["request_time_epoch"], context["request_time"]) == (
        1772353815000,
        "01/Mar/2026:08:30:15 +0000",
    )
    assert (context["identity"]["source_ip"], context["identity"]["user_agent"]) == ("127.0.0.1", "test/1")


def test_an_http_api_event() -> None:
    event = event_shapes.http_api_event(
        method="GET",
        route_key="GET /users/{id}",
        path="/users/7",
        raw_path="/users/7",
        stage="$default",
        account=ACCOUNT,
        api_id="api2",
        request_id="req-2",
        when=WHEN,
        headers={"User-Agent": "test/2", "X-Trace": "t"},
        raw_query="a=1&a=2",
        query={"a": ["1", "2"]},
        cookies=["c=1"],
        path_parameters={"id": "7"},
        body='{"hello": true}',
    )
    read = read_whole(APIGatewayProxyEventV2(event))
    assert (read["route_key"], read["raw_path"], read["raw_query_string"]) == (
        "GET /users/{id}",
        "/users/7",
        "a=1&a=2",
    )
    assert (read["query_string_parameters"], read["path_parameters"], read["cookies"]) == (
        {"a": "1,2"},
        {"id": "7"},
        ["c=1"],
    )
    assert (read["body"], read["is_base64_encoded"], read["version"]) == ('{"hello": true}', False, "2.0")
    assert read["headers"] == {"user-agent": "test/2", "x-trace": "t"}
    context = read["request_context"]
    assert (context["api_id"], context["account_id"], context["stage"], context["request_id"]) == (
        "api2",
        ACCOUNT,
        "$default",
        "req-2",
    )
    assert (context["http"]["method"], context["http"]["path"], context["http"]["user_agent"]) == (
        "GET",
        "/users/7",
        "test/2",
    )
    assert (context["time_epoch"], context["route_key"], context["domain_name"]) == (
        1772353815000,
        "GET /users/{id}",
        "127.0.0.1",
    )


_CLASSES = {
    "api": APIGatewayProxyEvent,
    "s3": S3Event,
    "sqs": SQSEvent,
    "sns": SNSEvent,
    "dynamodb-stream": DynamoDBStreamEvent,
    "eventbridge": EventBridgeEvent,
    "schedule": EventBridgeEvent,
}


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_every_sample_of_serverless_patterns_events_is_read_whole(kind: str) -> None:
    read = read_whole(_CLASSES[kind](SAMPLES[kind]()))
    assert read["raw_event"] == SAMPLES[kind]()


def test_the_builders_import_neither_moto_nor_aws_cdk() -> None:
    import subprocess

    code = (
        "import sys, serverless_patterns.event_shapes, serverless_patterns.cli.events; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'aws_cdk', 'jsii')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
