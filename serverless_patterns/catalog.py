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

_USERS_GET = '''"""GET /users/{id}"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.get("/users/<user_id>")
def get_user(user_id: str) -> Response[Any] | dict[str, str]:
    user = USERS.get(user_id)
    if user is None:
        return Response(status_code=404, content_type="application/json", body={"message": "not found"})
    return user


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
'''

_USERS_LIST = '''"""GET /users"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.get("/users")
def list_users() -> dict[str, Any]:
    return {"users": sorted(USERS.values(), key=lambda u: u["id"])}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
'''

_USERS_CREATE = '''"""POST /users"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.post("/users")
def create_user() -> Response[Any]:
    body = app.current_event.json_body or {}
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequestError("name is required")
    user = {"id": uuid.uuid4().hex[:8], "name": name, "plan": body.get("plan", "free")}
    USERS[user["id"]] = user
    logger.info("user created", extra={"user_id": user["id"]})
    return Response(status_code=201, content_type="application/json", body=user)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
'''

_USERS_STORE = '''"""An in-memory user store shared by the example handlers (a table would back it in production)."""

from __future__ import annotations

USERS: dict[str, dict[str, str]] = {
    "1": {"id": "1", "name": "Ada Lovelace", "plan": "pro"},
    "2": {"id": "2", "name": "Alan Turing", "plan": "free"},
}
'''

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
        "handlers/users/get_user.py": _USERS_GET,
        "handlers/users/list_users.py": _USERS_LIST,
        "handlers/users/create_user.py": _USERS_CREATE,
        "handlers/users/store.py": _USERS_STORE,
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
