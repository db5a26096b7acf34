"""Unit tests of the users handlers, with real API Gateway REST proxy events."""

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

import create_user
import get_user
import list_users


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
