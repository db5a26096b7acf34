"""WebSocketApi: snapshots and gates, then a test per documented default, validation, alarm and grant."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from serverless_patterns import PatternValidationError
from serverless_patterns.patterns.web_socket_api import WebSocketApi, WebSocketAuthorizer
from tests.pattern_cases import spec
from tests.patterns.web_socket_api.cases import CASES
from tests.support import Synthesized, pattern_tests, rollback_metrics, synth


def build_open(stack: cdk.Stack) -> None:
    """``authorization='none'``, a ``$default`` route only besides ``$connect``."""
    WebSocketApi(stack, "Open", routes={"$connect": spec(), "$default": spec()}, authorization="none")


globals().update(
    pattern_tests(
        configs={"default": CASES.build_default, "maximal": CASES.build_maximal, "open": build_open},
        snapshots=("default", "maximal"),
    )
)


def one(s: Synthesized, type_: str, contains: str = "") -> dict[str, Any]:
    found: list[dict[str, Any]] = [v["Properties"] for k, v in s.resources(type_).items() if contains in k]
    assert len(found) == 1, found
    return found[0]


def routes(s: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"] for r in s.resources("AWS::ApiGatewayV2::Route").values()
    }


def statements(s: Synthesized, function: str) -> list[dict[str, Any]]:
    """Every statement of the policies on the role of the function whose id contains ``function``."""
    (role,) = [k for k in s.resources("AWS::IAM::Role") if function in k]
    return [
        st
        for p in s.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for st in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(s: Synthesized, function: str) -> set[str]:
    found: set[str] = set()
    for st in statements(s, function):
        found |= {st["Action"]} if isinstance(st["Action"], str) else set(st["Action"])
    return found


# ---------------------------------------------------------------- the API and its routes
def test_a_websocket_api_routed_by_the_action(default: Synthesized) -> None:
    api = one(default, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"


def test_iam_authorizes_connect_and_only_connect_by_default(default: Synthesized) -> None:
    found = routes(default)
    assert set(found) == {"$connect", "$disconnect", "sendMessage"}
    assert found["$connect"]["AuthorizationType"] == "AWS_IAM"
    assert {found[k]["AuthorizationType"] for k in ("$disconnect", "sendMessage")} == {"NONE"}


def test_each_route_invokes_its_own_functions_live_alias(default: Synthesized) -> None:
    aliases = default.resources("AWS::Lambda::Alias")
    integrations = default.resources("AWS::ApiGatewayV2::Integration")
    targets = set()
    for route in routes(default).values():
        (integration,) = [k for k in integrations if k in json.dumps(route["Target"])]
        uri = json.dumps(integrations[integration]["Properties"]["IntegrationUri"])
        (alias,) = [a for a in aliases if a in uri]
        assert aliases[alias]["Properties"]["Name"] == "live"
        targets.add(alias)
    assert len(targets) == 3


def test_the_permission_allows_this_apis_route_only(default: Synthesized) -> None:
    permissions = default.resources("AWS::Lambda::Permission")
    (api,) = default.resources("AWS::ApiGatewayV2::Api")
    ends = sorted(p["Properties"]["SourceArn"]["Fn::Join"][1][-1] for p in permissions.values())
    assert ends == ["/*/$connect", "/*/$disconnect", "/*/sendMessage"]
    for p in permissions.values():
        assert p["Properties"]["Principal"] == "apigateway.amazonaws.com"
        assert {"Ref": api} in p["Properties"]["SourceArn"]["Fn::Join"][1]


def test_the_stage_is_throttled_logged_in_json_and_deployed_with_every_route(default: Synthesized) -> None:
    (stage,) = default.resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "prod" and props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert (
        log_format["connectionId"] == "$context.connectionId"
        and log_format["eventType"] == "$context.eventType"
    )
    (group,) = default.resources("AWS::Logs::LogGroup").keys() - {
        k for k in default.resources("AWS::Logs::LogGroup") if "Function" in k
    }
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [group, "Arn"]}
    assert default.template["Resources"][group]["Properties"]["RetentionInDays"] == 30
    assert set(routes_ids := [k for k in default.resources("AWS::ApiGatewayV2::Route")]) <= set(
        stage["DependsOn"]
    )
    assert len(routes_ids) == 3


def test_the_account_logging_role_is_created_by_default(default: Synthesized, maximal: Synthesized) -> None:
    account = one(default, "AWS::ApiGateway::Account")
    (role,) = [k for k in default.resources("AWS::IAM::Role") if "CloudWatchRole" in k]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": [role, "Arn"]}
    (stage,) = default.resources("AWS::ApiGatewayV2::Stage").values()
    assert any("Account" in d for d in stage["DependsOn"])
    assert maximal.count("AWS::ApiGateway::Account") == 0


# ---------------------------------------------------------------- the connections table
def test_the_connections_table(default: Synthesized) -> None:
    (table,) = default.resources("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "connectionId", "KeyType": "HASH"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Retain"


def test_every_route_function_gets_the_table_and_the_callback_url(default: Synthesized) -> None:
    (api,) = default.resources("AWS::ApiGatewayV2::Api")
    (table,) = default.resources("AWS::DynamoDB::Table")
    functions = [
        f["Properties"]["Environment"]["Variables"]
        for f in default.resources("AWS::Lambda::Function").values()
    ]
    assert len(functions) == 3
    for env in functions:
        assert env["CONNECTIONS_TABLE"] == {"Ref": table}
        assert env["CONNECTION_TTL_ATTRIBUTE"] == "expiresAt"
        assert env["CALLBACK_URL"] == {
            "Fn::Join": [
                "",
                [
                    "https://",
                    {"Ref": api},
                    ".execute-api.",
                    {"Ref": "AWS::Region"},
                    ".",
                    {"Ref": "AWS::URLSuffix"},
                    "/prod",
                ],
            ]
        }


def test_connect_may_put_and_disconnect_may_delete_and_nothing_else(default: Synthesized) -> None:
    (table,) = default.resources("AWS::DynamoDB::Table")

    def table_actions(function: str) -> set[str]:
        return {
            a
            for st in statements(default, function)
            if table in json.dumps(st["Resource"])
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
        }

    assert table_actions("ConnectFunction") == {"dynamodb:PutItem"}
    assert table_actions("DisconnectFunction") == {"dynamodb:DeleteItem"}
    assert table_actions("SendMessageFunction") == set()


# ---------------------------------------------------------------- posting to connections
def test_every_route_function_may_post_to_this_stages_connections(default: Synthesized) -> None:
    for function in ("ConnectFunction", "DisconnectFunction", "SendMessageFunction"):
        assert "execute-api:ManageConnections" in actions(default, function)


def test_senders_limits_who_may_post(maximal: Synthesized) -> None:
    posting = [k for k in maximal.resources("AWS::IAM::Policy") if "PostToConnectionPolicy" in k]
    assert len(posting) == 1 and "ChatSendMessageFunction" in posting[0]
    assert "execute-api:ManageConnections" not in actions(maximal, "ChatSendMessage2Function")
    assert "execute-api:ManageConnections" not in actions(maximal, "ChatConnectFunction")


def test_grant_post_to_connection_names_this_apis_stage() -> None:
    def build(stack: cdk.Stack) -> None:
        api = WebSocketApi(stack, "Chat", routes={"$connect": spec()}, stage_name="live")
        api.grant_post_to_connection(iam.Role(stack, "Pusher", assumed_by=iam.AccountRootPrincipal()))

    s = synth(build, gate=False)
    (api,) = s.resources("AWS::ApiGatewayV2::Api")
    (statement,) = statements(s, "Pusher")
    assert statement["Action"] == "execute-api:ManageConnections"
    parts = statement["Resource"]["Fn::Join"][1]
    assert {"Ref": api} in parts and parts[-1] == "/live/POST/@connections/*"
    assert [f for f in s.unacknowledged() if "Pusher" in f] == [
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
        f"<{api}>/live/POST/@connections/*] on Test/Pusher/DefaultPolicy/Resource"
    ]


def test_grant_read_connections_reads_the_table_only(maximal: Synthesized) -> None:
    (table,) = maximal.resources("AWS::DynamoDB::Table")
    found = statements(maximal, "Broadcaster")
    granted = {a for st in found for a in st["Action"]}
    assert "dynamodb:Scan" in granted and "dynamodb:GetItem" in granted
    assert not {a for a in granted if a.startswith("dynamodb:") and ("Put" in a or "Delete" in a)}
    for st in found:
        assert table in json.dumps(st["Resource"])


# ---------------------------------------------------------------- authorization
def test_a_lambda_authorizer_on_connect(maximal: Synthesized) -> None:
    (key, authorizer) = next(iter(maximal.resources("AWS::ApiGatewayV2::Authorizer").items()))
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "REQUEST"
    assert props["IdentitySource"] == ["route.request.header.Authorization", "route.request.querystring.room"]
    found = routes(maximal)
    assert found["$connect"]["AuthorizationType"] == "CUSTOM"
    assert found["$connect"]["AuthorizerId"] == {"Ref": key}
    assert all("AuthorizerId" not in r for k, r in found.items() if k != "$connect")
    (permission,) = [
        p for k, p in maximal.resources("AWS::Lambda::Permission").items() if "AuthorizerPermission" in k
    ]
    assert permission["Properties"]["SourceArn"]["Fn::Join"][1][-2:] == ["/authorizers/", {"Ref": key}]
    assert "AuthorizerFunction" in json.dumps(props["AuthorizerUri"])


def test_none_leaves_connect_open_and_says_so(open: Synthesized) -> None:
    assert routes(open)["$connect"]["AuthorizationType"] == "NONE"
    reasons = {a["reason"] for a in open.acknowledged() if a["ruleName"] == "AwsSolutions-APIG4"}
    assert "Authorization was explicitly set to 'none' by the user: any client may connect" in reasons


# ---------------------------------------------------------------- maximal settings
def test_the_maximal_stage(maximal: Synthesized) -> None:
    stage = one(maximal, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == "live"
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 80, "ThrottlingRateLimit": 50}
    groups = maximal.resources("AWS::Logs::LogGroup")
    (access,) = [g for k, g in groups.items() if "AccessLogs" in k]
    assert access["Properties"]["RetentionInDays"] == 90


def test_route_ids_follow_the_route_keys(maximal: Synthesized) -> None:
    ids = sorted(k[len("Chat") :].split("Route")[0] for k in maximal.resources("AWS::ApiGatewayV2::Route"))
    assert ids == ["Connect", "Default", "Disconnect", "SendMessage", "SendMessage2"]


# ---------------------------------------------------------------- alarms
def stage_alarms(s: Synthesized) -> tuple[dict[str, Any], dict[str, Any]]:
    """The integration error rate alarm (metric math) and the latency alarm, as rendered."""
    found = {k: a["Properties"] for k, a in s.resources("AWS::CloudWatch::Alarm").items()}
    (rate,) = [a for k, a in found.items() if "IntegrationErrorRateAlarm" in k]
    (latency,) = [a for k, a in found.items() if "IntegrationLatencyP99Alarm" in k]
    return rate, latency


def test_the_stage_alarms_roll_the_canaries_back(default: Synthesized) -> None:
    rate, latency = stage_alarms(default)
    assert rate["Threshold"] == 1 and rate["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    used = {q["MetricStat"]["Metric"]["MetricName"] for q in rate["Metrics"] if "MetricStat" in q}
    assert used == {"IntegrationError", "ConnectCount", "MessageCount"}
    (metric,) = latency["Metrics"]
    assert metric["MetricStat"]["Metric"]["MetricName"] == "IntegrationLatency"
    assert metric["MetricStat"]["Stat"] == "p99" and latency["Threshold"] == 3000
    assert {"IntegrationError", "IntegrationLatency"} <= rollback_metrics(default)
    assert default.count("AWS::CloudWatch::Alarm") == 2 + 2 * 3  # the stage's two, each function's two


def test_thresholds_reach_the_alarms(maximal: Synthesized) -> None:
    rate, latency = stage_alarms(maximal)
    assert (rate["Threshold"], latency["Threshold"]) == (2, 1000)


def test_metrics_name_the_websocket_metrics_of_the_stage() -> None:
    stack = cdk.Stack(cdk.App())
    api = WebSocketApi(stack, "Chat", routes={"$connect": spec()})
    named = {
        api.metric_connect_count(): "ConnectCount",
        api.metric_message_count(): "MessageCount",
        api.metric_integration_error(): "IntegrationError",
        api.metric_execution_error(): "ExecutionError",
        api.metric_client_error(): "ClientError",
        api.metric_integration_latency(): "IntegrationLatency",
    }
    for metric, name in named.items():
        assert metric.metric_name == name  # type: ignore[attr-defined]
        assert set(metric.dimensions) == {"ApiId", "Stage"}  # type: ignore[attr-defined]
    assert api.metric_integration_latency().statistic == "p99"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- validation
def test_every_problem_is_reported_at_once() -> None:
    stack = cdk.Stack(cdk.App())
    with pytest.raises(PatternValidationError) as raised:
        WebSocketApi(
            stack,
            "Chat",
            routes={"sendMessage": spec(timeout=cdk.Duration.minutes(1)), "$ping": spec()},
            authorization=WebSocketAuthorizer(spec(), identity_source=["header.x"]),
            stage_name="",
            throttling_burst_limit=-1,
        )
    assert len(raised.value.problems) == 6, raised.value.problems
