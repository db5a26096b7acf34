"""The real patterns, from examples/, deployed with the CDK CLI and driven through their front doors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import Deployment, LocalCloud

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(examples_assembly: Path, local_cloud: LocalCloud) -> Iterator[Deployment]:
    yield local_cloud.deploy(examples_assembly)


def _api(cloud: LocalCloud, stack: str) -> str:
    return next(iter(cloud.resources(stack, "AWS::ApiGateway::RestApi").values()))


def _queue(cloud: LocalCloud, stack: str, *fragments: str, without: str = "\\0") -> str:
    for logical, url in cloud.resources(stack, "AWS::SQS::Queue").items():
        if all(f in logical for f in fragments) and without not in logical:
            return url
    raise AssertionError(f"no queue with {fragments} in {stack}")


def test_every_example_stack_deploys_and_says_what_is_not_emulated(deployed: Deployment) -> None:
    assert {"UsersApi", "UserCreatedFanout", "OrchestratedPipelines"} <= set(deployed.stacks)
    missing = {n.resource_type for n in deployed.not_emulated}
    # What the patterns emit that has no local behaviour is named, never silently dropped: the
    # schedules of EventBridge rules; alarms and CodeDeploy are emulated (evaluated, shifted).
    assert "AWS::Events::Rule" in missing
    assert not {"AWS::CloudWatch::Alarm", "AWS::CodeDeploy::DeploymentGroup"} & missing
    assert not [n for n in deployed.notes if "moto has no model" in n.reason], deployed.summary()


def test_api_to_lambda_serves_its_routes(local_cloud: LocalCloud, deployed: Deployment) -> None:
    api = _api(local_cloud, "UsersApi")
    listed = local_cloud.invoke_api("GET", "/users", api_id=api)
    assert listed.status == 200, listed.text
    assert {u["id"] for u in listed.json()["users"]} >= {"1", "2"}
    one = local_cloud.invoke_api("GET", "/users/1", api_id=api)
    assert (one.status, one.json()["name"]) == (200, "Ada Lovelace")
    created = local_cloud.invoke_api("POST", "/users", api_id=api, body={"name": "Grace"})
    assert created.status == 201, created.text
    assert created.json()["name"] == "Grace"


def test_fanout_queue_delivers_and_parks_bad_messages(local_cloud: LocalCloud, deployed: Deployment) -> None:
    topic = deployed.outputs["UserCreatedFanout"]["TopicArn"]
    sns = local_cloud.client("sns")
    users = [
        {"id": f"u{i}", "email": f"u{i}@example.com", "plan": "pro" if i % 2 else "free"} for i in range(20)
    ]
    users += [
        {"id": f"bad{i}", "plan": "free"} for i in range(4)
    ]  # no email: the welcome handler rejects them
    for user in users:
        sns.publish(
            TopicArn=topic,
            Message=json.dumps(user),
            MessageAttributes={"plan": {"DataType": "String", "StringValue": user["plan"]}},
        )
    welcome_dlq = _queue(local_cloud, "UserCreatedFanout", "welcomeemailQueueDeadLetter")
    sqs = local_cloud.client("sqs")
    parked: list[dict[str, Any]] = []

    def all_parked() -> bool:
        got = sqs.receive_message(QueueUrl=welcome_dlq, MaxNumberOfMessages=10).get("Messages", [])
        for message in got:
            sqs.delete_message(QueueUrl=welcome_dlq, ReceiptHandle=message["ReceiptHandle"])
        parked.extend(got)
        return len(parked) >= 4

    local_cloud.wait_for(all_parked, timeout=30)
    local_cloud.wait_for(idle=True, timeout=30)
    assert sorted(json.loads(m["Body"])["id"] for m in parked) == [f"bad{i}" for i in range(4)]
    welcomed = {
        json.loads(line)["user_id"]
        for inv in local_cloud.invocations
        if "welcomeemail" in inv.function_name
        for line in inv.logs.splitlines()
        if line.startswith("{") and json.loads(line).get("message") == "welcome email sent"
    }
    assert welcomed == {u["id"] for u in users if "email" in u}
    analytics = [i for i in local_cloud.invocations if "analytics" in i.function_name]
    assert analytics and all(i.ok for i in analytics)
    counted = [
        json.loads(line)
        for inv in analytics
        for line in inv.logs.splitlines()
        if line.startswith("{") and json.loads(line).get("message") == "pro sign-up counted"
    ]
    # Only the "pro" users pass the filter policy {"plan": ["pro"]}: each counted once, no other.
    assert sorted(c["user_id"] for c in counted) == sorted(u["id"] for u in users if u["plan"] == "pro")
    assert {c.get("plan") for c in counted} == {"pro"}  # the message attribute reaches the handler


def _finished(local_cloud: LocalCloud, execution: str) -> dict[str, Any]:
    sfn = local_cloud.client("stepfunctions")
    done = local_cloud.wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout=30
    )
    assert isinstance(done, dict)
    return done


def test_orchestrated_pipeline_runs_orders_from_its_api(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    api = next(
        api_id
        for logical, api_id in local_cloud.resources(
            "OrchestratedPipelines", "AWS::ApiGateway::RestApi"
        ).items()
        if "Orders" in logical
    )
    order = {"orderId": "o-1", "customerId": "c-1", "items": [{"sku": "BOOK-42", "quantity": 2}]}
    started = local_cloud.invoke_api("POST", "/orders", api_id=api, body=order)
    assert started.status == 200, started.text
    done = _finished(local_cloud, started.json()["executionArn"])
    assert done["status"] == "SUCCEEDED", done

    rejected = local_cloud.invoke_api("POST", "/orders", api_id=api, body={"orderId": "o-2"})
    failed = _finished(local_cloud, rejected.json()["executionArn"])
    assert failed["status"] == "FAILED"
    assert failed.get("error") == "InvalidOrder"


def test_orchestrated_pipeline_runs_the_scheduled_etl(local_cloud: LocalCloud, deployed: Deployment) -> None:
    machine = next(
        arn
        for logical, arn in local_cloud.resources(
            "OrchestratedPipelines", "AWS::StepFunctions::StateMachine"
        ).items()
        if logical.startswith("Etl")
    )
    scheduled = {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    sfn = local_cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(scheduled))["executionArn"]
    done = _finished(local_cloud, execution)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["rowsLoaded"] >= 1


def test_orchestrated_pipeline_runs_orders_from_events(local_cloud: LocalCloud, deployed: Deployment) -> None:
    machine = next(
        arn
        for logical, arn in local_cloud.resources(
            "OrchestratedPipelines", "AWS::StepFunctions::StateMachine"
        ).items()
        if logical.startswith("Orders")
    )
    sfn = local_cloud.client("stepfunctions")
    before = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
    order = {"orderId": "o-3", "customerId": "c-3", "items": [{"sku": "BOOK-42", "quantity": 1}]}
    local_cloud.client("events").put_events(
        Entries=[{"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": json.dumps(order)}]
    )
    started = local_cloud.wait_for(
        lambda: [
            e["executionArn"]
            for e in sfn.list_executions(stateMachineArn=machine)["executions"]
            if e["executionArn"] not in before
        ],
        timeout=30,
    )
    assert isinstance(started, list) and len(started) == 1
    done = _finished(local_cloud, started[0])
    # The rule passes the event's detail ($.detail), so the workflow sees the order itself.
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["input"]) == order
