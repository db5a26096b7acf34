"""``serverless-patterns events TYPE``: a sample event of each trigger the patterns use, as Lambda
delivers it, ready to edit and pass to ``serverless-patterns invoke --event``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import event_shapes

__all__ = ["SAMPLES", "sample"]

_ACCOUNT = "123456789012"
_REGION = "us-east-1"
_WHEN = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
_TIME = event_shapes.iso_seconds(_WHEN)
_EPOCH = int(_WHEN.timestamp())


def _api() -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload 1.0): what ApiToLambda's functions get."""
    event = event_shapes.api_gateway_proxy_event(
        method="GET",
        resource="/users/{id}",
        path="/users/1",
        stage="prod",
        account=_ACCOUNT,
        api_id="abcdef1234",
        resource_id="a1b2c3",
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        when=_WHEN,
        headers={"Accept": "application/json", "Host": "localhost"},
        path_parameters={"id": "1"},
        source_ip="192.0.2.1",
        user_agent="curl/8.5.0",
    )
    return event


def _batch(record: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """The sample that is a batch of one ``record()`` (``{"Records": [...]}``), described by the
    record function's docstring."""

    @functools.wraps(record)
    def batch() -> dict[str, Any]:
        return event_shapes.records([record()])

    return batch


def _s3() -> dict[str, Any]:
    """S3 event notification, an object created: what S3Processor's function gets."""
    return event_shapes.s3_record(
        bucket="my-bucket",
        key="uploads/report.json",
        region=_REGION,
        size=1024,
        configuration_id="uploads",
        event_time=event_shapes.iso_millis(_WHEN),
        source_ip="192.0.2.1",
    )


def _sqs() -> dict[str, Any]:
    """An SQS batch of one message: what FanoutQueue's and StreamToSns's consumers get."""
    return event_shapes.sqs_record(
        message_id="059f36b4-87a3-44ab-83d2-661975830a7d",
        receipt_handle="AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        body=json.dumps({"orderId": "o-1", "amount": 42}),
        md5_of_body="e4e68fb7bd0e697a0ae8f1bb342846b3",
        queue_arn=f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:my-queue",
        sent_timestamp=_EPOCH * 1000,
        first_receive_timestamp=_EPOCH * 1000 + 1,
    )


def _sns() -> dict[str, Any]:
    """An SNS notification delivered to a function subscribed to the topic."""
    return event_shapes.sns_record(
        subscription_arn=f"arn:aws:sns:{_REGION}:{_ACCOUNT}:my-topic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        message=json.dumps({"orderId": "o-1", "status": "shipped"}),
        timestamp=event_shapes.iso_millis(_WHEN),
        message_attributes={"kind": {"Type": "String", "Value": "order"}},
        signature="EXAMPLE",
        signing_cert_url="https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
        unsubscribe_url="https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    )


def _dynamodb_stream() -> dict[str, Any]:
    """A DynamoDB stream batch (new and old images), an item inserted: what StreamToSns reads."""
    return event_shapes.dynamodb_record(
        event_id="c4ca4238a0b923820dcc509a6f75849b",
        event_name="INSERT",
        stream_arn=f"arn:aws:dynamodb:{_REGION}:{_ACCOUNT}:table/orders/stream/2026-01-15T12:00:00.000",
        dynamodb={
            "ApproximateCreationDateTime": _EPOCH,
            "Keys": {"pk": {"S": "order#o-1"}},
            "NewImage": {
                "pk": {"S": "order#o-1"},
                "status": {"S": "placed"},
                "amount": {"N": "42"},
            },
            "SequenceNumber": "4421584500000000017450439091",
            "SizeBytes": 59,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    )


def _event(**fields: Any) -> dict[str, Any]:
    """An EventBridge event of the samples' account and region, at their time."""
    return event_shapes.eventbridge_event(account=_ACCOUNT, region=_REGION, time=_TIME, **fields)


def _eventbridge() -> dict[str, Any]:
    """An EventBridge event delivered by a rule to its target function."""
    return _event(
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        detail_type="OrderPlaced",
        source="com.example.orders",
        detail={"orderId": "o-1", "amount": 42},
    )


def _schedule() -> dict[str, Any]:
    """A scheduled rule's event (rate(...) or cron(...) expression)."""
    return _event(
        event_id="53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        detail_type="Scheduled Event",
        source="aws.events",
        resources=[f"arn:aws:events:{_REGION}:{_ACCOUNT}:rule/my-schedule"],
        detail={},
    )


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "api": _api,
    "s3": _batch(_s3),
    "sqs": _batch(_sqs),
    "sns": _batch(_sns),
    "dynamodb-stream": _batch(_dynamodb_stream),
    "eventbridge": _eventbridge,
    "schedule": _schedule,
}
"""Each trigger type and the function building its sample (a fresh dict each time)."""


def sample(kind: str) -> dict[str, Any]:
    """The sample event of a trigger type; :class:`KeyError` for an unknown one."""
    return SAMPLES[kind]()
