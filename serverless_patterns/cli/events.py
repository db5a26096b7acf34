"""``serverless-patterns events TYPE``: a sample event of each trigger the patterns use, as Lambda
delivers it, ready to edit and pass to ``serverless-patterns invoke --event``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SAMPLES", "sample"]

_ACCOUNT = "123456789012"
_REGION = "us-east-1"
_TIME = "2026-01-15T12:00:00Z"
_EPOCH = 1768478400


def _api() -> dict[str, Any]:
    """API Gateway REST API, Lambda proxy integration (payload 1.0): what ApiToLambda's functions get."""
    return {
        "resource": "/users/{id}",
        "path": "/users/1",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Host": "localhost"},
        "multiValueHeaders": {"Accept": ["application/json"], "Host": ["localhost"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"id": "1"},
        "stageVariables": None,
        "requestContext": {
            "accountId": _ACCOUNT,
            "apiId": "abcdef1234",
            "resourceId": "a1b2c3",
            "resourcePath": "/users/{id}",
            "httpMethod": "GET",
            "path": "/prod/users/1",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "15/Jan/2026:12:00:00 +0000",
            "requestTimeEpoch": _EPOCH * 1000,
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/8.5.0"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def _s3() -> dict[str, Any]:
    """S3 event notification, an object created: what S3Processor's function gets."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": _REGION,
                "eventTime": "2026-01-15T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "192.0.2.1"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "example"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {
                        "name": "my-bucket",
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": "arn:aws:s3:::my-bucket",
                    },
                    "object": {
                        "key": "uploads/report.json",
                        "size": 1024,
                        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }


def _sqs() -> dict[str, Any]:
    """An SQS batch of one message: what FanoutQueue's and StreamToSns's consumers get."""
    return {
        "Records": [
            {
                "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                "body": json.dumps({"orderId": "o-1", "amount": 42}),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(_EPOCH * 1000),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(_EPOCH * 1000 + 1),
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:my-queue",
                "awsRegion": _REGION,
            }
        ]
    }


def _sns() -> dict[str, Any]:
    """An SNS notification delivered to a function subscribed to the topic."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"arn:aws:sns:{_REGION}:{_ACCOUNT}:my-topic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": f"arn:aws:sns:{_REGION}:{_ACCOUNT}:my-topic",
                    "Subject": None,
                    "Message": json.dumps({"orderId": "o-1", "status": "shipped"}),
                    "Timestamp": "2026-01-15T12:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {"kind": {"Type": "String", "Value": "order"}},
                },
            }
        ]
    }


def _dynamodb_stream() -> dict[str, Any]:
    """A DynamoDB stream batch (new and old images), an item inserted: what StreamToSns reads."""
    return {
        "Records": [
            {
                "eventID": "c4ca4238a0b923820dcc509a6f75849b",
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": _REGION,
                "dynamodb": {
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
                "eventSourceARN": f"arn:aws:dynamodb:{_REGION}:{_ACCOUNT}:table/orders/stream/2026-01-15T12:00:00.000",
            }
        ]
    }


def _eventbridge() -> dict[str, Any]:
    """An EventBridge event delivered by a rule to its target function."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": _ACCOUNT,
        "time": _TIME,
        "region": _REGION,
        "resources": [],
        "detail": {"orderId": "o-1", "amount": 42},
    }


def _schedule() -> dict[str, Any]:
    """A scheduled rule's event (rate(...) or cron(...) expression)."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": _ACCOUNT,
        "time": _TIME,
        "region": _REGION,
        "resources": [f"arn:aws:events:{_REGION}:{_ACCOUNT}:rule/my-schedule"],
        "detail": {},
    }


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "api": _api,
    "s3": _s3,
    "sqs": _sqs,
    "sns": _sns,
    "dynamodb-stream": _dynamodb_stream,
    "eventbridge": _eventbridge,
    "schedule": _schedule,
}
"""Each trigger type and the function building its sample (a fresh dict each time)."""


def sample(kind: str) -> dict[str, Any]:
    """The sample event of a trigger type; :class:`KeyError` for an unknown one."""
    return SAMPLES[kind]()
