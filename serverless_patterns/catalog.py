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

__all__ = ["CATALOG", "PatternEntry", "entries", "get"]


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
# api-to-lambda

_API_TO_LAMBDA_APP = '''"""The smallest ApiToLambda app: one function behind an IAM-authorized REST API."""

import aws_cdk as cdk

from serverless_patterns import ApiToLambda, FunctionSpec

app = cdk.App()
stack = cdk.Stack(app, "HelloApi")
ApiToLambda(
    stack,
    "Api",
    function=FunctionSpec(code="handlers/api", handler="app.handler"),
)
app.synth()
'''

_API_TO_LAMBDA_HANDLER = '''"""Serves every request of the API (ANY / and ANY /{proxy+})."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()


@app.get("/hello/<name>")
@tracer.capture_method
def hello(name: str) -> dict[str, str]:
    metrics.add_metric(name="Greetings", unit=MetricUnit.Count, value=1)
    logger.info("greeting", extra={"name": name})
    return {"message": f"hello, {name}"}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
'''

_API_TO_LAMBDA_HANDLER_TEST = '''"""Unit tests of the API handler, with real API Gateway REST proxy events."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Tests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "hello-api")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handlers" / "api"))

import app  # noqa: E402


@dataclass
class Context:
    function_name: str = "hello"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:hello:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def rest_event(method: str, path: str) -> dict:
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "httpMethod": method,
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "pytest"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_hello_greets_by_name() -> None:
    response = app.handler(rest_event("GET", "/hello/ada"), Context())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"message": "hello, ada"}


def test_health() -> None:
    response = app.handler(rest_event("GET", "/health"), Context())
    assert response["statusCode"] == 200


def test_unknown_route_is_404() -> None:
    response = app.handler(rest_event("GET", "/nope"), Context())
    assert response["statusCode"] == 404
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
        "handlers/api/app.py": _API_TO_LAMBDA_HANDLER,
        "tests/test_handler.py": _API_TO_LAMBDA_HANDLER_TEST,
    },
    key_resources={
        "AWS::ApiGateway::RestApi": 1,
        "AWS::ApiGateway::Stage": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::CodeDeploy::DeploymentGroup": 1,
    },
)


CATALOG: tuple[PatternEntry, ...] = (API_TO_LAMBDA,)
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
