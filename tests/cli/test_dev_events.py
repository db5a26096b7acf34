"""``serverless-patterns events``: every sample is JSON that Powertools' event classes read as the
trigger it names (the shapes handlers really get), and an unknown type is a one-line error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent,
    DynamoDBStreamEvent,
    EventBridgeEvent,
    S3Event,
    SNSEvent,
    SQSEvent,
)
from typer.testing import CliRunner

from serverless_patterns.cli.events import SAMPLES

from .support import invoke


def _printed(runner: CliRunner, kind: str) -> Any:
    code, out, err = invoke(runner, "events", kind)
    assert (code, err) == (0, "")
    return json.loads(out)


def test_every_trigger_type_the_patterns_use_has_a_sample() -> None:
    assert list(SAMPLES) == ["api", "s3", "sqs", "sns", "dynamodb-stream", "eventbridge", "schedule"]


def test_listing_names_each_type_with_what_it_is(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "events")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(SAMPLES)
    assert "API Gateway REST API" in out


def test_api_sample_is_a_rest_proxy_event(runner: CliRunner) -> None:
    event = APIGatewayProxyEvent(_printed(runner, "api"))
    assert (event.http_method, event.path, event.resource) == ("GET", "/users/1", "/users/{id}")
    assert event.path_parameters == {"id": "1"}
    assert event.request_context.stage == "prod"


def test_s3_sample_is_an_object_created_notification(runner: CliRunner) -> None:
    record = next(S3Event(_printed(runner, "s3")).records)
    assert record.event_name == "ObjectCreated:Put"
    assert (record.s3.bucket.name, record.s3.get_object.key) == ("my-bucket", "uploads/report.json")


def test_sqs_sample_is_a_batch_with_a_json_body(runner: CliRunner) -> None:
    record = next(SQSEvent(_printed(runner, "sqs")).records)
    assert json.loads(record.body) == {"orderId": "o-1", "amount": 42}
    assert record.attributes.approximate_receive_count == "1"
    assert record.event_source_arn.endswith(":my-queue")


def test_sns_sample_is_a_notification(runner: CliRunner) -> None:
    record = next(SNSEvent(_printed(runner, "sns")).records)
    assert json.loads(record.sns.message)["status"] == "shipped"
    assert record.sns.message_attributes["kind"].value == "order"


def test_dynamodb_stream_sample_is_an_insert_with_images(runner: CliRunner) -> None:
    record = next(DynamoDBStreamEvent(_printed(runner, "dynamodb-stream")).records)
    assert record.event_name is not None and record.event_name.name == "INSERT"
    assert record.dynamodb is not None
    assert record.dynamodb.new_image == {"pk": "order#o-1", "status": "placed", "amount": 42}


@pytest.mark.parametrize(
    ("kind", "detail_type"), [("eventbridge", "OrderPlaced"), ("schedule", "Scheduled Event")]
)
def test_eventbridge_samples_are_events(runner: CliRunner, kind: str, detail_type: str) -> None:
    event = EventBridgeEvent(_printed(runner, kind))
    assert event.detail_type == detail_type
    assert event.account == "123456789012"


def test_each_call_builds_a_fresh_sample() -> None:
    first = SAMPLES["sqs"]()
    first["Records"].clear()
    assert SAMPLES["sqs"]()["Records"]


def test_an_unknown_type_is_one_line_naming_the_types(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "events", "kinesis")
    assert code == 2
    assert err.strip() == (
        "error: no sample event 'kinesis'; one of: api, s3, sqs, sns, dynamodb-stream, eventbridge, schedule"
    )
