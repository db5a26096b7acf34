"""WebSocketApi's material for the shared tests (tests/pattern_cases.py), and the configurations its
own test module snapshots and gates."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

from serverless_patterns import AlarmThresholds, DeploymentStrategy, MonitoringOptions
from serverless_patterns.patterns.web_socket_api import WebSocketApi, WebSocketAuthorizer
from tests.pattern_cases import PatternCases, spec
from tests.support import Synthesized


def build_default(stack: cdk.Stack) -> None:
    WebSocketApi(stack, "Chat", routes={"$connect": spec(), "$disconnect": spec(), "sendMessage": spec()})


def build_maximal(stack: cdk.Stack) -> None:
    """A Lambda authorizer on a header, every kind of route, posting for one route only, every
    stage option, and a reader of the connections table."""
    api = WebSocketApi(
        stack,
        "Chat",
        routes={
            "$connect": spec(),
            "$disconnect": spec(),
            "$default": spec(),
            "sendMessage": spec(timeout=cdk.Duration.seconds(29)),
            "send-message": spec(memory_size=1024),
        },
        authorization=WebSocketAuthorizer(
            spec(), identity_source=["route.request.header.Authorization", "route.request.querystring.room"]
        ),
        senders=["sendMessage"],
        stage_name="live",
        throttling_rate_limit=50,
        throttling_burst_limit=80,
        account_logging_role=False,
        access_log_retention=logs.RetentionDays.THREE_MONTHS,
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(
            thresholds=AlarmThresholds(latency_p99_ms=1000, others={"integration_error_rate_percent": 2})
        ),
    )
    broadcaster = iam.Role(stack, "Broadcaster", assumed_by=iam.AccountRootPrincipal())
    api.grant_read_connections(broadcaster)


def _route(s: Synthesized, id: str, r: dict[str, Any], key: str | None, types: set[str]) -> None:
    """``r`` is a route (of ``key``, or any other than ``$connect``) with an authorization of ``types``."""
    props = r["Properties"]
    assert r["Type"] == "AWS::ApiGatewayV2::Route" and props["AuthorizationType"] in types
    assert props["RouteKey"] == key if key is not None else props["RouteKey"] != "$connect"


def _posting_only(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    """The policy holds one statement: ManageConnections on POST /@connections/* of an API's stage."""
    (statement,) = r["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:ManageConnections" and statement["Effect"] == "Allow"
    text = json.dumps(statement["Resource"])
    assert text.endswith('/POST/@connections/*"]]}') and "execute-api" in text
    (api,) = s.resources("AWS::ApiGatewayV2::Api")
    assert f'{{"Ref": "{api}"}}' in text


CASES = PatternCases(
    base_props=lambda: {"routes": {"$connect": spec(), "sendMessage": spec()}},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: WebSocketApi(stack, "WebSocketApi", routes={"$connect": spec()}),
    stage_log_groups=2,
    function_prop=lambda function: {"routes": {"$connect": function}},
    invalid=[
        ({"routes": {}}, r"routes must have at least one route, got \{\}"),
        ({"routes": [spec()]}, r"routes must be a mapping of route key to FunctionSpec, got list"),
        ({"routes": {"$connect": spec(), "$ping": spec()}}, r"routes: '\$ping' is no route key"),
        ({"routes": {"$connect": spec(), "send message": spec()}}, r"routes: 'send message' is no route key"),
        ({"routes": {"$connect": spec(), "a" * 129: spec()}}, r"routes: 'a{129}' is no route key"),
        ({"routes": {"$connect": "handlers/chat"}}, r"routes\['\$connect'\] must be a FunctionSpec, got str"),
        (
            {"routes": {"$connect": spec(timeout=cdk.Duration.seconds(30))}},
            r"routes\['\$connect'\]\.timeout must be <= 29 seconds behind a WebSocket API "
            r"\(its integration timeout\), got 30",
        ),
        (
            {"routes": {"sendMessage": spec()}},
            r"authorization 'iam' is checked on the '\$connect' route, which routes lacks",
        ),
        (
            {"routes": {"$disconnect": spec()}, "authorization": WebSocketAuthorizer(spec())},
            r"authorization 'lambda' is checked on the '\$connect' route, which routes lacks",
        ),
        (
            {"authorization": "cognito"},
            r"authorization must be 'iam', 'none' or a WebSocketAuthorizer, got 'cognito'",
        ),
        (
            {"authorization": WebSocketAuthorizer(spec(), identity_source=["method.request.header.Auth"])},
            r"authorization\.identity_source entries must be route\.request\.header\.<name>, .* got "
            r"'method\.request\.header\.Auth'",
        ),
        (
            {"authorization": WebSocketAuthorizer(spec(), identity_source=[])},
            r"authorization\.identity_source must name at least one source, got \[\]",
        ),
        (
            {"authorization": WebSocketAuthorizer(spec(memory_size=64))},
            r"authorization\.function\.memory_size must be 128\.\.10240 MB, got 64",
        ),
        (
            {"senders": ["$default"]},
            r"senders entries must be route keys of routes \('\$connect', 'sendMessage'\), got '\$default'",
        ),
        ({"senders": "sendMessage"}, r"senders must be a list of route keys, got 'sendMessage'"),
        (
            {"stage_name": "my stage"},
            r"stage_name must be 1\.\.128 letters, digits or underscores, got 'my stage'",
        ),
        (
            {"stage_name": "$default"},
            r"stage_name must be 1\.\.128 letters, digits or underscores, got '\$default'",
        ),
        (
            {"throttling_rate_limit": 0},
            r"throttling_rate_limit must be 1\.\.10000 requests per second, got 0",
        ),
        ({"throttling_burst_limit": 5001}, r"throttling_burst_limit must be 0\.\.5000 requests, got 5001"),
        ({"account_logging_role": "yes"}, r"account_logging_role must be True or False, got 'yes'"),
        ({"access_log_retention": 30}, r"access_log_retention must be a logs\.RetentionDays, got 30"),
    ],
    valid=[
        {"routes": {"$default": spec()}, "authorization": "none"},
        {"routes": {"$disconnect": spec()}, "authorization": "none"},
        {"routes": {"$connect": spec(timeout=cdk.Duration.seconds(29)), "a" * 128: spec()}},
        {"routes": {"$connect": spec(), "chat:send@room.v2": spec()}, "senders": []},
        {"throttling_rate_limit": 10_000, "throttling_burst_limit": 0, "stage_name": "ab_C9" * 25 + "abc"},
        {"authorization": WebSocketAuthorizer(spec(), identity_source=["stageVariables.key", "context.id"])},
    ],
    acknowledgments={
        "web-socket-api": lambda stack, fn: WebSocketApi(
            stack, "Chat", routes={"$connect": fn, "$disconnect": fn, "sendMessage": fn}
        ),
        "web-socket-api-open": lambda stack, fn: WebSocketApi(
            stack, "Open", routes={"$connect": fn, "$default": fn}, authorization="none"
        ),
    },
    claims=[
        (
            "AwsSolutions-APIG4",
            r"^A WebSocket API authorizes a client once, on \$connect",
            lambda s, i, r: _route(s, i, r, None, {"NONE"}),
        ),
        (
            "AwsSolutions-APIG4",
            r"^Authorization was explicitly set to 'none' by the user: any client may connect$",
            lambda s, i, r: _route(s, i, r, "$connect", {"NONE"}),
        ),
        (
            "AwsSolutions-IAM5[Resource::arn:",
            r"^execute-api:ManageConnections on POST /@connections/\* of the \w+ stage of this API only",
            _posting_only,
        ),
    ],
)
