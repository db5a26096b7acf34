"""The S3Processor example handler (examples/handlers/images), run as plain Python on the SQS events
the pattern delivers (S3 event notifications in the message body) against moto's S3."""

from __future__ import annotations

import importlib.util
import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.handlers.test_stream_forwarder import Context

HANDLER = Path(__file__).parent.parent.parent / "examples" / "handlers" / "images" / "thumbnail.py"
REGION = "us-east-1"
BUCKET = "images-bucket"
# A 640x480 JPEG header: start of image, a baseline start-of-frame segment, end of image.
JPEG = b"\xff\xd8\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 1) + b"\x01\x11\x00" + b"\xff\xd9"


def s3_notification(key: str) -> dict[str, Any]:
    """An S3 event notification as S3 sends it to SQS (keys URL-encoded)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": "2026-11-23T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "images-upload",
                    "bucket": {
                        "name": BUCKET,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{BUCKET}",
                    },
                    "object": {"key": key, "size": len(JPEG), "eTag": "d41d8cd9", "sequencer": "0A1B2C3D"},
                },
            }
        ]
    }


def sqs_record(message_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1763899200000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1763899200001",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ImagesQueue",
        "awsRegion": REGION,
    }


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "BUCKET_NAME": BUCKET,
        "OUTPUT_BUCKET_NAME": BUCKET,
        "OUTPUT_PREFIX": "thumbnails/",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        spec = importlib.util.spec_from_file_location("images_thumbnail", HANDLER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["images_thumbnail"] = module
        spec.loader.exec_module(module)
        yield module


def test_describes_each_uploaded_jpeg_and_skips_the_test_event(app: ModuleType) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=BUCKET, Key="uploads/summer holiday.jpg", Body=JPEG)
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}
    event = {
        "Records": [
            sqs_record("1", test_event),
            sqs_record("2", s3_notification("uploads/summer+holiday.jpg")),
        ]
    }

    assert app.handler(event, Context()) == {"batchItemFailures": []}

    written = s3.get_object(Bucket=BUCKET, Key="thumbnails/uploads/summer holiday.jpg.json")["Body"].read()
    assert json.loads(written) == {
        "source": "uploads/summer holiday.jpg",
        "width": 640,
        "height": 480,
        "bytes": len(JPEG),
    }


def test_reports_only_the_object_that_failed(app: ModuleType) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=BUCKET, Key="uploads/a.jpg", Body=JPEG)
    s3.put_object(Bucket=BUCKET, Key="uploads/b.jpg", Body=b"GIF89a not a jpeg")
    event = {
        "Records": [
            sqs_record("ok", s3_notification("uploads/a.jpg")),
            sqs_record("bad", s3_notification("uploads/b.jpg")),
        ]
    }

    assert app.handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
