"""The pattern catalog: one entry per pattern, what ``serverless-patterns list``, ``show`` and ``new`` use.

Each entry holds the pattern's one-line summary, what triggers it and what it creates, and its
smallest example as real files: ``app.py`` (the README's example), the handler code (with Powertools)
and the handler's unit test. Only patterns that import at run time are listed by :func:`entries`,
so the catalog follows the patterns as they land.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CATALOG", "PatternEntry", "entries", "get"]

# The examples app's handlers are the scaffolds' handlers: read from the repository's examples/ in a
# checkout, or from the copy the wheel ships (pyproject: force-include into _examples/).
_EXAMPLES = next(
    (d for d in (Path(__file__).parent / "_examples", Path(__file__).parents[1] / "examples") if d.is_dir()),
    Path(__file__).parents[1] / "examples",
)


def _example(relative: str) -> str:
    """A handler file of the examples app (``users/get_user.py``), as the scaffold writes it."""
    return (_EXAMPLES / "handlers" / relative).read_text()


@dataclass(frozen=True)
class PatternEntry:
    """One pattern of the catalog."""

    name: str
    """Command-line name, kebab case (``api-to-lambda``)."""
    class_name: str
    """The construct's class (``ApiToLambda``)."""
    module: str
    """The module that defines it."""
    summary: str
    """One line."""
    trigger: str
    """What starts the flow."""
    creates: str
    """The main resources, in a few words."""
    description: str
    """A paragraph for ``show``."""
    example: str
    """``app.py`` of the smallest working app; runs as is next to :attr:`files`."""
    files: Mapping[str, str] = field(default_factory=dict)
    """The other files of the smallest app (handler code, handler tests), by relative path."""
    key_resources: Mapping[str, int] = field(default_factory=dict)
    """Resource counts of the smallest app that its generated assertion test checks."""

    @property
    def import_path(self) -> str:
        return f"{self.module}.{self.class_name}"

    def available(self) -> bool:
        """Whether the pattern's module imports and defines the class."""
        try:
            module = importlib.import_module(self.module)
        except ImportError:
            return False
        return hasattr(module, self.class_name)

    def construct_class(self) -> type:
        construct: type = getattr(importlib.import_module(self.module), self.class_name)
        return construct


# --------------------------------------------------------------------------------------------------
# api-to-lambda: the README's example, with the examples app's handlers.

_API_TO_LAMBDA_APP = """from aws_cdk import App, Stack
from serverless_patterns import ApiToLambda, FunctionSpec

app = App()
stack = Stack(app, "Users")
api = ApiToLambda(stack, "UsersApi",
    routes={
        "GET /users/{id}": FunctionSpec(code="handlers/users", handler="get_user.handler"),
        "GET /users":      FunctionSpec(code="handlers/users", handler="list_users.handler"),
        "POST /users":     FunctionSpec(code="handlers/users", handler="create_user.handler"),
    })
app.synth()
"""


_USERS_TEST = '''"""Unit tests of the users handlers, with real API Gateway REST proxy events."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "users")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "users"))

import create_user  # noqa: E402
import get_user  # noqa: E402
import list_users  # noqa: E402


@dataclass
class Context:
    function_name: str = "users"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:users:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def rest_event(method: str, resource: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API Gateway REST proxy event as Lambda receives it."""
    parameters = {"id": path.rsplit("/", 1)[-1]} if "{id}" in resource else None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "httpMethod": method,
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "resourcePath": resource,
            "stage": "prod",
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "pytest"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def test_get_user() -> None:
    response = get_user.handler(rest_event("GET", "/users/{id}", "/users/1"), Context())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["name"] == "Ada Lovelace"


def test_get_missing_user_is_404() -> None:
    response = get_user.handler(rest_event("GET", "/users/{id}", "/users/nope"), Context())
    assert response["statusCode"] == 404


def test_list_users() -> None:
    response = list_users.handler(rest_event("GET", "/users", "/users"), Context())
    assert response["statusCode"] == 200
    assert len(json.loads(response["body"])["users"]) >= 2


def test_create_user() -> None:
    response = create_user.handler(rest_event("POST", "/users", "/users", {"name": "Grace"}), Context())
    assert response["statusCode"] == 201
    assert json.loads(response["body"])["name"] == "Grace"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 3}])
def test_create_user_needs_a_name(body: dict[str, Any]) -> None:
    response = create_user.handler(rest_event("POST", "/users", "/users", body), Context())
    assert response["statusCode"] == 400
'''

API_TO_LAMBDA = PatternEntry(
    name="api-to-lambda",
    class_name="ApiToLambda",
    module="serverless_patterns.patterns.api_to_lambda",
    summary="An API Gateway API whose routes invoke Lambda functions through their live alias.",
    trigger="HTTPS requests (API Gateway REST or HTTP API)",
    creates="API + stage + access logs, a function per route with alias and canary deployment, alarms",
    description=(
        "An API Gateway REST (or HTTP) API in front of Lambda functions: IAM authorization by default, "
        "a throttled stage with JSON access logs, tracing, one function per route (or one proxy function) "
        "invoked through its `live` alias, canary deployments that roll back on the pattern's alarms, "
        "and 5XX-rate, p99-latency, error and throttle alarms wired to the stack's alarm topic."
    ),
    example=_API_TO_LAMBDA_APP,
    files={
        "handlers/users/get_user.py": _example("users/get_user.py"),
        "handlers/users/list_users.py": _example("users/list_users.py"),
        "handlers/users/create_user.py": _example("users/create_user.py"),
        "handlers/users/store.py": _example("users/store.py"),
        "tests/test_handlers.py": _USERS_TEST,
    },
    key_resources={
        "AWS::ApiGateway::RestApi": 1,
        "AWS::ApiGateway::Stage": 1,
        "AWS::ApiGateway::Method": 3,
        "AWS::Lambda::Function": 3,
        "AWS::Lambda::Alias": 3,
        "AWS::CodeDeploy::DeploymentGroup": 3,
        "AWS::CloudWatch::Alarm": 8,
    },
)


# --------------------------------------------------------------------------------------------------
# fanout-queue

_FANOUT_APP = """from aws_cdk import App, Stack
from serverless_patterns import FanoutQueue, FunctionSpec, Subscriber

app = App()
stack = Stack(app, "UserCreatedFanout")
fanout = FanoutQueue(stack, "UserCreated",
    subscribers={
        "welcome-email": Subscriber(function=FunctionSpec(code="handlers/fanout", handler="welcome.handler")),
    })
app.synth()
"""


_FANOUT_TEST = '''"""Unit tests of the welcome-email handler, with real SQS events (raw message delivery from SNS)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "welcome-email")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "fanout"))

import welcome  # noqa: E402


@dataclass
class Context:
    function_name: str = "welcome-email"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:welcome-email:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def sqs_event(*users: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"2e1424d4-f796-459a-8184-9c92662be6d{i}",
                "receiptHandle": f"AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq{i}",
                "body": json.dumps(user),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082650636",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082650649",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:welcome-email",
                "awsRegion": "us-east-1",
            }
            for i, user in enumerate(users)
        ]
    }


def test_welcome_emails_are_sent() -> None:
    event = sqs_event({"id": "1", "email": "ada@example.com"}, {"id": "2", "email": "alan@example.com"})
    assert welcome.handler(event, Context()) == {"batchItemFailures": []}


def test_a_user_without_email_fails_alone() -> None:
    event = sqs_event({"id": "1", "email": "ada@example.com"}, {"id": "2"})
    response = welcome.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
'''

FANOUT_QUEUE = PatternEntry(
    name="fanout-queue",
    class_name="FanoutQueue",
    module="serverless_patterns.patterns.fanout_queue",
    summary="An SNS topic fanned out to one SQS queue per subscriber, each drained by its own function.",
    trigger="Messages published to the SNS topic",
    creates="Encrypted topic, a queue + DLQ + function per subscriber (filter policies), alarms",
    description=(
        "An SNS topic (customer-managed KMS key, TLS-only) fanned out to one SQS queue per subscriber, "
        "with raw message delivery and an optional filter policy. Each queue has a dead-letter queue and is "
        "drained by its own function through an event source mapping that reports partial batch failures; "
        "the subscription has its own DLQ. Alarms on function errors and throttles, DLQ depth and message age."
    ),
    example=_FANOUT_APP,
    files={
        "handlers/fanout/welcome.py": _example("fanout/welcome.py"),
        "tests/test_handlers.py": _FANOUT_TEST,
    },
    key_resources={
        "AWS::SNS::Subscription": 1,
        "AWS::SQS::Queue": 3,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::CloudWatch::Alarm": 6,
    },
)


# --------------------------------------------------------------------------------------------------
# s3-processor

_S3_APP = """from aws_cdk import App, Stack
from serverless_patterns import FunctionSpec, S3Processor

app = App()
stack = Stack(app, "Uploads")
processor = S3Processor(stack, "Uploads",
    function=FunctionSpec(code="handlers/uploads", handler="app.handler"),
    suffix=".csv")
app.synth()
"""

_S3_HANDLER = '''"""Processes the objects that arrive in the bucket, one SQS message (an S3 event notification) at a time.

A record that fails is reported back to SQS on its own (partial batch response): it is retried and,
after the queue's max receive count, parked in the dead-letter queue, while the rest of the batch succeeds.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)
BUCKET = os.environ.get("BUCKET_NAME", "")


@tracer.capture_method
def process_object(bucket: str, key: str, size: int) -> None:
    if size == 0:
        raise ValueError(f"s3://{bucket}/{key} is empty")
    # A real handler reads the object (s3:GetObject is not granted by default) and does its work here.
    logger.info("object processed", extra={"bucket": bucket, "key": key, "size": size})


def record_handler(record: SQSRecord) -> None:
    notification = json.loads(record.body)
    for s3_record in notification.get("Records", []):  # s3:TestEvent messages have no Records
        s3 = s3_record["s3"]
        process_object(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), s3["object"].get("size", 0))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
'''

_S3_TEST = '''"""Unit tests of the uploads handler, with real SQS events carrying S3 event notifications."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "uploads")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "uploads"))

import app  # noqa: E402


@dataclass
class Context:
    function_name: str = "uploads"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:uploads:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def s3_notification(key: str, size: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-23T12:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {"name": "uploads-bucket", "arn": "arn:aws:s3:::uploads-bucket"},
                    "object": {"key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e"},
                },
            }
        ]
    }


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197586107{i}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
                "body": json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def test_objects_are_processed() -> None:
    event = sqs_event(s3_notification("reports/2026+11.csv", 120))
    assert app.handler(event, Context()) == {"batchItemFailures": []}


def test_a_failing_object_fails_alone() -> None:
    event = sqs_event(s3_notification("ok.csv", 10), s3_notification("empty.csv", 0))
    response = app.handler(event, Context())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_s3_test_event_is_ignored() -> None:
    event = sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads-bucket"})
    assert app.handler(event, Context()) == {"batchItemFailures": []}
'''

S3_PROCESSOR = PatternEntry(
    name="s3-processor",
    class_name="S3Processor",
    module="serverless_patterns.patterns.s3_processor",
    summary="Objects arriving in an S3 bucket, processed by a Lambda function through a queue with a DLQ.",
    trigger="S3 object events (created by default), filtered by prefix/suffix",
    creates="Secured, versioned bucket + access-log bucket, queue + DLQ, function, alarms",
    description=(
        "A bucket (public access blocked, SSE-S3, TLS-only, versioned, server access logs to a second bucket) "
        "whose object events go to an SQS queue with a dead-letter queue, drained by a function that reports "
        "partial batch failures; or, with S3Delivery.DIRECT, invoke the function asynchronously with an "
        "on-failure queue. The function may read the bucket and, with output_prefix, write under that prefix."
    ),
    example=_S3_APP,
    files={
        "handlers/uploads/app.py": _S3_HANDLER,
        "tests/test_handlers.py": _S3_TEST,
    },
    key_resources={
        "AWS::S3::Bucket": 2,
        "AWS::SQS::Queue": 2,
        "AWS::Lambda::EventSourceMapping": 1,
        "Custom::S3BucketNotifications": 1,
        "AWS::CloudWatch::Alarm": 4,
    },
)


# --------------------------------------------------------------------------------------------------
# stream-to-sns

_STREAM_APP = """from aws_cdk import App, Stack
from serverless_patterns import StreamToSns

app = App()
stack = Stack(app, "OrderEvents")
changes = StreamToSns(stack, "Orders", partition_key="orderId")
app.synth()
"""

STREAM_TO_SNS = PatternEntry(
    name="stream-to-sns",
    class_name="StreamToSns",
    module="serverless_patterns.patterns.stream_to_sns",
    summary="Changes to a DynamoDB table, published to an SNS topic by a Lambda function.",
    trigger="DynamoDB Streams records (INSERT, MODIFY, REMOVE)",
    creates="Table with a stream, built-in forwarder function, encrypted topic, failure queue, alarms",
    description=(
        "A DynamoDB table (on-demand, point-in-time recovery, stream NEW_AND_OLD_IMAGES) whose stream is read "
        "by a function that publishes each change to an encrypted SNS topic: the built-in Powertools forwarder "
        "(partial batch failures, optional idempotency) or your own. Failing batches are bisected and retried, "
        "then sent to an on-failure queue; alarms on iterator age, errors, throttles and the failure queue."
    ),
    example=_STREAM_APP,
    files={},
    key_resources={
        "AWS::DynamoDB::Table": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::Lambda::Function": 1,
        "AWS::SQS::Queue": 1,
        "AWS::CloudWatch::Alarm": 4,
    },
)


# --------------------------------------------------------------------------------------------------
# orchestrated-pipeline

_ETL_APP = """from aws_cdk import App, Stack
from serverless_patterns import FunctionSpec, OrchestratedPipeline, Step, Trigger

app = App()
stack = Stack(app, "NightlyEtl")
etl = OrchestratedPipeline(stack, "Etl",
    steps=[
        Step("ExtractData", FunctionSpec(code="handlers/etl", handler="extract.handler")),
        Step("TransformData", FunctionSpec(code="handlers/etl", handler="transform.handler")),
        Step("LoadData", FunctionSpec(code="handlers/etl", handler="load.handler")),
    ],
    triggers=[Trigger.on_schedule("cron(0 2 * * ? *)")])
app.synth()
"""


_ETL_TEST = '''"""Unit tests of the ETL steps, chained as the state machine chains them, from a real scheduled event."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "etl")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "etl"))

import extract  # noqa: E402
import load  # noqa: E402
import transform  # noqa: E402


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
'''

ORCHESTRATED_PIPELINE = PatternEntry(
    name="orchestrated-pipeline",
    class_name="OrchestratedPipeline",
    module="serverless_patterns.patterns.orchestrated_pipeline",
    summary="A Step Functions state machine whose tasks invoke Lambda functions, from Python steps or ASL.",
    trigger="A schedule, an EventBridge event pattern or an API (or StartExecution)",
    creates="State machine with logs and tracing, a function per step, notification topic, triggers, alarms",
    description=(
        "A Step Functions state machine (Standard or Express) built from Python Steps or an Amazon States "
        "Language file, whose Task states invoke each function's `live` alias with retries; failures (and "
        "optionally successes) are published to an encrypted notification topic. Execution logs with "
        "retention, X-Ray tracing, schedule/event/API triggers with a DLQ, and alarms on failed, timed-out, "
        "throttled and aborted executions."
    ),
    example=_ETL_APP,
    files={
        "handlers/etl/extract.py": _example("etl/extract.py"),
        "handlers/etl/transform.py": _example("etl/transform.py"),
        "handlers/etl/load.py": _example("etl/load.py"),
        "handlers/etl/source.py": _example("etl/source.py"),
        "tests/test_handlers.py": _ETL_TEST,
    },
    key_resources={
        "AWS::StepFunctions::StateMachine": 1,
        "AWS::Lambda::Function": 3,
        "AWS::Lambda::Alias": 3,
        "AWS::Events::Rule": 1,
        "AWS::CloudWatch::Alarm": 12,
    },
)


CATALOG: tuple[PatternEntry, ...] = (
    API_TO_LAMBDA,
    S3_PROCESSOR,
    STREAM_TO_SNS,
    FANOUT_QUEUE,
    ORCHESTRATED_PIPELINE,
)
"""Every pattern the catalog knows, in the order ``list`` shows them."""


def entries() -> list[PatternEntry]:
    """The catalog's patterns that are importable now."""
    return [entry for entry in CATALOG if entry.available()]


def get(name: str) -> PatternEntry | None:
    """The available pattern called ``name`` (kebab case, snake case or the class name)."""
    wanted = name.strip().lower().replace("_", "-")
    for entry in entries():
        if wanted in (entry.name, entry.class_name.lower()):
            return entry
    return None
