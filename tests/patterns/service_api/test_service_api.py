"""ServiceApi: snapshots, gates, a test per documented default, validation, alarm and grant."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

from serverless_patterns import PatternValidationError
from serverless_patterns.patterns.service_api import GetItem, SendMessage, ServiceApi, StartSyncExecution
from tests.patterns.service_api.cases import CASES, LEDGER, machine, table
from tests.support import Synthesized, pattern_tests, synth
from tests.validation.support import build

globals().update(
    pattern_tests(
        configs={"default": CASES.build_default, "maximal": CASES.build_maximal},
        snapshots=("default", "maximal"),
    )
)


def methods(s: Synthesized) -> dict[str, dict[str, Any]]:
    """Method properties by ``VERB resource-logical-id``."""
    return {
        f"{m['Properties']['HttpMethod']} {m['Properties']['ResourceId']['Ref']}": m["Properties"]
        for m in s.resources("AWS::ApiGateway::Method").values()
    }


def method(s: Synthesized, verb: str, role_fragment: str) -> dict[str, Any]:
    (found,) = [
        m
        for m in methods(s).values()
        if m["HttpMethod"] == verb and role_fragment in m["Integration"]["Credentials"]["Fn::GetAtt"][0]
    ]
    return found


def role_statements(s: Synthesized, fragment: str) -> list[dict[str, Any]]:
    (role,) = [r for k, r in s.resources("AWS::IAM::Role").items() if fragment in k]
    (policy,) = role["Properties"]["Policies"]
    return list(policy["PolicyDocument"]["Statement"])


def logical(s: Synthesized, type_: str, fragment: str) -> str:
    (found,) = [k for k in s.resources(type_) if k.startswith(fragment)]
    return found


# ---------------------------------------------------------------- resources and defaults
def test_resources_of_the_smallest_api(default: Synthesized) -> None:
    counts = {
        "AWS::ApiGateway::RestApi": 1,
        "AWS::ApiGateway::Method": 2,
        "AWS::ApiGateway::RequestValidator": 1,
        "AWS::ApiGateway::Model": 1,
        "AWS::SQS::Queue": 2,
        "AWS::Lambda::Function": 0,
        "AWS::CloudWatch::Alarm": 4,
    }
    assert {t: default.count(t) for t in counts} == counts


def test_send_message_goes_to_the_patterns_own_queue_with_its_dlq(default: Synthesized) -> None:
    queue = logical(default, "AWS::SQS::Queue", "OrdersQueue4")
    props = default.template["Resources"][queue]["Properties"]
    assert "deadLetterTargetArn" in props["RedrivePolicy"] and props["SqsManagedSseEnabled"] is True
    post = method(default, "POST", "PostOrders")
    integration = post["Integration"]
    assert integration["Type"] == "AWS" and integration["PassthroughBehavior"] == "NEVER"
    assert integration["RequestTemplates"] == {
        "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    }
    assert integration["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
    }
    uri = json.dumps(integration["Uri"])
    assert ":apigateway:us-east-1:sqs:path/123456789012/" in uri and queue in uri


def test_each_integration_role_may_take_its_one_action_on_its_one_resource(default: Synthesized) -> None:
    queue = logical(default, "AWS::SQS::Queue", "OrdersQueue4")
    table_id = logical(default, "AWS::DynamoDB::Table", "Table")
    assert role_statements(default, "PostOrdersRole") == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {"Fn::GetAtt": [queue, "Arn"]}}
    ]
    assert role_statements(default, "GetOrdersIdRole") == [
        {"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": {"Fn::GetAtt": [table_id, "Arn"]}}
    ]
    for role in default.resources("AWS::IAM::Role").values():
        principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        assert principal == {"Service": "apigateway.amazonaws.com"}


def test_customer_managed_keys_are_granted_on_that_key_only(maximal: Synthesized) -> None:
    key = {"Fn::GetAtt": [logical(maximal, "AWS::KMS::Key", "Key"), "Arn"]}
    write = role_statements(maximal, "PutOrdersIdVersionRole")
    assert write[1] == {"Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Effect": "Allow", "Resource": key}
    read = role_statements(maximal, "GetOrdersIdVersionRole")
    assert read[1] == {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key}
    send = role_statements(maximal, "PostLedgerAccountRole")
    assert send[0]["Resource"] == f"arn:aws:sqs:us-east-1:123456789012:{LEDGER}"
    assert send[1]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]


def test_query_on_an_index_is_granted_on_that_index(maximal: Synthesized) -> None:
    table_id = logical(maximal, "AWS::DynamoDB::Table", "Table")
    statement, key = role_statements(maximal, "GetCustomersIdOrdersRole")
    assert statement["Action"] == "dynamodb:Query" and key["Action"] == "kms:Decrypt"
    assert statement["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [table_id, "Arn"]}, "/index/byCustomer"]]
    }
    template = method(maximal, "GET", "GetCustomersIdOrders")["Integration"]["RequestTemplates"][
        "application/json"
    ]
    text = json.dumps(template)
    assert '\\"IndexName\\": \\"byCustomer\\"' in text and '\\"Limit\\": 50' in text
    assert 'ScanIndexForward\\": false' in text


def test_step_functions_and_eventbridge_roles(maximal: Synthesized) -> None:
    (start,) = role_statements(maximal, "PostWorkflowsRole")
    assert start["Action"] == "states:StartExecution" and "stateMachine:workflow" in json.dumps(
        start["Resource"]
    )
    (sync,) = role_statements(maximal, "PostQuotesRole")
    assert sync["Action"] == "states:StartSyncExecution"
    bus = logical(maximal, "AWS::Events::EventBus", "Bus")
    (put,) = role_statements(maximal, "PostEventsRole")
    assert put == {"Action": "events:PutEvents", "Effect": "Allow", "Resource": {"Fn::GetAtt": [bus, "Arn"]}}
    (default_bus,) = role_statements(maximal, "PostDefaultBusRole")
    assert json.dumps(default_bus["Resource"]).endswith(':event-bus/default"]]}')


def test_request_model_and_validator(default: Synthesized) -> None:
    post = method(default, "POST", "PostOrders")
    model = logical(default, "AWS::ApiGateway::Model", "OrdersPostOrdersModel")
    assert post["RequestModels"] == {"application/json": {"Ref": model}}
    validator = logical(default, "AWS::ApiGateway::RequestValidator", "OrdersRequestValidator")
    assert post["RequestValidatorId"] == {"Ref": validator}
    props = default.template["Resources"][validator]["Properties"]
    assert props["ValidateRequestBody"] is True and props["ValidateRequestParameters"] is True
    schema = default.template["Resources"][model]["Properties"]["Schema"]
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#" and schema["required"] == [
        "customerId",
        "total",
    ]


def test_path_and_named_parameters_are_required(default: Synthesized, maximal: Synthesized) -> None:
    get = method(default, "GET", "GetOrdersId")
    assert get["RequestParameters"] == {"method.request.path.id": True}
    put = method(maximal, "PUT", "PutOrdersIdVersion")
    assert put["RequestParameters"] == {
        "method.request.path.id": True,
        "method.request.path.version": True,
        "method.request.header.X-Tenant": True,
    }
    assert method(maximal, "GET", "GetOrdersRole")["RequestParameters"] == {
        "method.request.querystring.pk": True
    }


def test_key_types_follow_the_tables_schema(maximal: Synthesized) -> None:
    template = json.dumps(method(maximal, "GET", "GetOrdersIdVersion")["Integration"]["RequestTemplates"])
    assert '\\"sk\\": {\\"N\\"' in template and '\\"pk\\": {\\"S\\"' in template
    put = json.dumps(method(maximal, "PUT", "PutOrdersIdVersion")["Integration"]["RequestTemplates"])
    assert '\\"total\\": {\\"N\\": \\"$util.escapeJavaScript($input.path(\'$.total\'))' in put


def test_authorization_defaults_to_iam(default: Synthesized) -> None:
    assert {m["AuthorizationType"] for m in methods(default).values()} == {"AWS_IAM"}


def test_api_key_authorization_has_a_usage_plan(maximal: Synthesized) -> None:
    assert {m.get("ApiKeyRequired") for m in methods(maximal).values()} == {True}
    (plan,) = maximal.resources("AWS::ApiGateway::UsagePlan").values()
    assert plan["Properties"]["Throttle"] == {"BurstLimit": 100, "RateLimit": 50}


def test_stage_defaults(default: Synthesized) -> None:
    (stage,) = default.resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "prod" and props["TracingEnabled"] is True
    (settings,) = props["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (100, 200)
    assert default.count("AWS::ApiGateway::Account") == 1  # account_logging_role=True


def test_errors_of_the_service_answer_500(default: Synthesized) -> None:
    for m in methods(default).values():
        responses = m["Integration"]["IntegrationResponses"]
        assert responses[1] == {
            "ResponseTemplates": {"application/json": '{"message": "Internal server error"}'},
            "SelectionPattern": "[45]\\d{2}",
            "StatusCode": "500",
        }
        assert m["MethodResponses"] == [{"StatusCode": "200"}, {"StatusCode": "500"}]


# ---------------------------------------------------------------- alarms
def alarms(s: Synthesized) -> dict[str, dict[str, Any]]:
    return {k: a["Properties"] for k, a in s.resources("AWS::CloudWatch::Alarm").items()}


def test_alarms(default: Synthesized) -> None:
    found = alarms(default)
    by_name = {k.split("Alarm")[0]: a for k, a in found.items()}
    assert {k for k in by_name} == {
        "OrdersServerErrorRate",
        "OrdersClientErrorRate",
        "OrdersLatencyP99",
        "OrdersDeadLetterQueueDepth",
    }
    assert by_name["OrdersClientErrorRate"]["Threshold"] == 10
    assert (
        by_name["OrdersClientErrorRate"]["AlarmDescription"]
        == "Test/Orders API: 4XX rate >= 10% over 5 minutes"
    )
    assert by_name["OrdersServerErrorRate"]["Threshold"] == 1
    assert by_name["OrdersLatencyP99"]["Threshold"] == 3000
    topic = logical(default, "AWS::SNS::Topic", "ServerlessPatternsMonitoring")
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in found.values())


def test_alarm_thresholds_are_taken(maximal: Synthesized) -> None:
    thresholds = {k.split("Alarm")[0]: a["Threshold"] for k, a in alarms(maximal).items()}
    assert thresholds["ShopClientErrorRate"] == 20 and thresholds["ShopLatencyP99"] == 1000


# ---------------------------------------------------------------- what it exposes
def test_exposes_what_it_made_and_grants() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    api = ServiceApi(
        stack,
        "A",
        routes={"POST /orders": SendMessage(), "GET /x/{id}": GetItem(table(stack), key={"pk": "{id}"})},
    )
    assert isinstance(api.queue, sqs.Queue) and isinstance(api.dead_letter_queue, sqs.Queue)
    assert set(api.roles) == {"POST /orders", "GET /x/{id}"}
    assert api.url == api.api.url and api.api_key is None
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    api.grant_invoke(caller)
    consumer = iam.Role(stack, "Consumer", assumed_by=iam.AccountRootPrincipal())
    api.grant_consume_messages(consumer)
    policies = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in app.synth().get_stack_by_name("S").template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
    ]
    actions = [s["Action"] for statements in policies for s in statements]
    assert "execute-api:Invoke" in actions and any("sqs:ReceiveMessage" in a for a in actions)


def test_no_own_queue_without_a_send_message_to_it() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    api = ServiceApi(stack, "A", routes={"GET /x/{id}": GetItem(table(stack), key={"pk": "{id}"})})
    assert api.queue is None
    with pytest.raises(AttributeError):
        api.grant_consume_messages(iam.Role(stack, "R", assumed_by=iam.AccountRootPrincipal()))


@pytest.mark.parametrize(
    ("method_name", "metric", "statistic"),
    [
        ("metric_count", "Count", "Sum"),
        ("metric_server_errors", "5XXError", "Sum"),
        ("metric_client_errors", "4XXError", "Sum"),
        ("metric_latency", "Latency", "p99"),
    ],
)
def test_metrics(method_name: str, metric: str, statistic: str) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    api = ServiceApi(stack, "A", routes={"POST /orders": SendMessage()})
    made = getattr(api, method_name)()
    assert (made.metric_name, made.namespace, made.statistic) == (metric, "AWS/ApiGateway", statistic)
    assert made.dimensions["Stage"] == "prod"
    assert getattr(api, method_name)(label="mine").label == "mine"


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(("props", "message"), CASES.invalid, ids=[str(i) for i in range(len(CASES.invalid))])
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(props)


def make(props: dict[str, Any]) -> tuple[cdk.App, Any]:
    return build("ServiceApi", {**CASES.base_props(), **props}, base=False)


def test_start_sync_execution_of_an_express_machine_builds() -> None:
    synth(
        lambda stack: ServiceApi(
            stack, "A", routes={"POST /q": StartSyncExecution(machine(stack, express=True))}
        ),
        gate=False,
    )


def test_every_problem_in_one_error_and_nothing_built() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError) as raised:
        ServiceApi(
            stack,
            "A",
            routes={"GET /x": SendMessage(request_model={"type": "object"}), "POST /y": "sqs"},  # type: ignore[dict-item]
            throttling_rate_limit=0,
        )
    assert raised.value.construct_path == "S/A"
    assert len(raised.value.problems) == 3
    assert [c.node.id for c in stack.node.find_child("A").node.children] == []


@pytest.mark.parametrize("props", CASES.valid, ids=[str(i) for i in range(len(CASES.valid))])
def test_valid_edges_build(props: dict[str, Any]) -> None:
    app, _ = make(props)
    app.synth()
