"""ServiceApi on the local cloud: deployed with the CDK CLI, called through the local endpoint. A
POST lands in the queue, one its model refuses gets 400 and sends nothing, an item put is read back,
a POST starts an execution, an event reaches the default bus, and a route whose role lost its grant
is refused by IAM (the role's credentials sign the call, as API Gateway's do)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns.local import LocalCloud
from serverless_patterns.patterns.api_to_lambda import Authorization
from serverless_patterns.patterns.service_api import (
    GetItem,
    Param,
    PutEvents,
    PutItem,
    SendMessage,
    ServiceApi,
    StartExecution,
)
from tests.e2e.apps_support import synth
from tests.patterns.service_api.cases import ORDER_MODEL

pytestmark = pytest.mark.e2e

STACK = "LocalServiceApi"


def build(app: cdk.App) -> None:
    stack = cdk.Stack(app, STACK)
    table = dynamodb.Table(
        stack,
        "Items",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    machine = sfn.StateMachine(
        stack, "Workflow", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Done"))
    )
    api = ServiceApi(
        stack,
        "Shop",
        routes={
            "POST /orders": SendMessage(request_model=ORDER_MODEL),
            "PUT /items/{id}": PutItem(
                table,
                item={"pk": "ITEM#{id}", "name": Param.body("name"), "qty": Param.body("qty", number=True)},
            ),
            "GET /items/{id}": GetItem(table, key={"pk": "ITEM#{id}"}),
            "POST /workflows": StartExecution(machine),
            "POST /events": PutEvents(source="shop", detail_type="Ping"),
            "POST /denied": SendMessage(),
        },
        authorization=Authorization.none(),
    )
    # This test's own stack only: the route's role loses its one statement, so IAM must refuse it.
    denied = api.roles["POST /denied"].node.default_child
    assert isinstance(denied, cdk.CfnResource)
    denied.add_property_deletion_override("Policies")
    assert api.queue is not None
    cdk.CfnOutput(stack, "QueueUrl", value=api.queue.queue_url)
    cdk.CfnOutput(stack, "ApiId", value=api.api.rest_api_id)
    cdk.CfnOutput(stack, "TableName", value=table.table_name)
    cdk.CfnOutput(stack, "StateMachineArn", value=machine.state_machine_arn)


@pytest.fixture(scope="module")
def deployed(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    assembly = synth(build, tmp_path_factory.mktemp("service-api") / "cdk.out")
    deployment = local_cloud.deploy(assembly)
    yield {**deployment.outputs[STACK], "notes": deployment.notes}


def _messages(cloud: LocalCloud, url: str) -> list[dict[str, Any]]:
    got = cloud.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return list(got.get("Messages", []))


def test_validators_models_and_service_integrations_are_emulated(deployed: dict[str, Any]) -> None:
    reasons = [n.reason for n in deployed["notes"] if n.status == "not emulated"]
    assert not [r for r in reasons if "validated" in r or "integration answers 501" in r], reasons


def test_a_post_lands_in_the_queue_and_a_bad_body_is_refused(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    order = {"customerId": "c-1", "total": 12.5}
    sent = local_cloud.invoke_api("POST", "/orders", api_id=deployed["ApiId"], body=order)
    assert sent.status == 200, sent.text
    message_id = sent.json()["messageId"]
    (message,) = _messages(local_cloud, deployed["QueueUrl"])
    assert (message["MessageId"], json.loads(message["Body"])) == (message_id, order)
    refused = local_cloud.invoke_api("POST", "/orders", api_id=deployed["ApiId"], body={"customerId": "c-2"})
    assert (refused.status, refused.json()) == (400, {"message": "Invalid request body"})
    assert _messages(local_cloud, deployed["QueueUrl"]) == []


def test_put_item_then_get_item(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    api = deployed["ApiId"]
    put = local_cloud.invoke_api("PUT", "/items/7", api_id=api, body={"name": 'it\'s a "book"', "qty": 3})
    assert put.status == 200, put.text
    stored = local_cloud.client("dynamodb").get_item(
        TableName=deployed["TableName"], Key={"pk": {"S": "ITEM#7"}}
    )
    assert stored["Item"]["qty"] == {"N": "3"}
    got = local_cloud.invoke_api("GET", "/items/7", api_id=api)
    assert (got.status, got.json()) == (200, {"pk": "ITEM#7", "name": 'it\'s a "book"', "qty": 3})
    missing = local_cloud.invoke_api("GET", "/items/8", api_id=api)
    assert (missing.status, missing.json()) == (404, {"message": "Not found"})


def test_start_execution_starts_an_execution(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    started = local_cloud.invoke_api("POST", "/workflows", api_id=deployed["ApiId"], body={"run": 1})
    assert started.status == 200, started.text
    arn = started.json()["executionArn"]
    sfn_client = local_cloud.client("stepfunctions")
    executions = sfn_client.list_executions(stateMachineArn=deployed["StateMachineArn"])["executions"]
    assert arn in [e["executionArn"] for e in executions]
    described = sfn_client.describe_execution(executionArn=arn)
    assert json.loads(described["input"]) == {"run": 1}


def test_put_events_reaches_the_default_bus(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    put = local_cloud.invoke_api("POST", "/events", api_id=deployed["ApiId"], body={"ping": True})
    assert put.status == 200, put.text
    assert put.json()["eventId"]


def test_a_route_whose_role_lacks_the_action_is_refused(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    before = len(local_cloud.access_denied)
    refused = local_cloud.invoke_api("POST", "/denied", api_id=deployed["ApiId"], body={"x": 1})
    assert (refused.status, refused.json()) == (500, {"message": "Internal server error"})
    (denial,) = local_cloud.access_denied[before:]
    assert "sqs:SendMessage" in denial and "PostDeniedRole" in denial
    time.sleep(0.1)
    assert _messages(local_cloud, deployed["QueueUrl"]) == []
