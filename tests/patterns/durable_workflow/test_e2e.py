"""DurableWorkflow on the local cloud: the catalog's orders workflow deployed with the CDK CLI. An
invocation starts a durable execution whose real SDK checkpoints through the local endpoint under
the function's role; its payment step fails once and is retried, its wait is skipped, an approval
callback resumes it, and its steps are read back from the local cloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest

import serverless_patterns.patterns.durable_workflow as durable_workflow
from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from serverless_patterns.local.services.durable import DurableExecution
from serverless_patterns.patterns.durable_workflow import DurableWorkflow
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

ORDERS = Path(durable_workflow.__file__).parent / "catalog" / "handlers" / "orders"
STACK = "LocalDurableWorkflow"


def build(app: cdk.App) -> None:
    stack = cdk.Stack(app, STACK)
    workflow = DurableWorkflow(
        stack,
        "Orders",
        function=FunctionSpec(code=str(ORDERS), handler="app.handler", timeout=cdk.Duration.seconds(30)),
        deployment=DeploymentStrategy.none(),
    )
    cdk.CfnOutput(stack, "FunctionName", value=workflow.function.function_name)


@pytest.fixture(scope="module")
def deployed(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    assembly = synth(build, tmp_path_factory.mktemp("durable-workflow") / "cdk.out")
    yield local_cloud.deploy(assembly).outputs[STACK]


def test_a_failing_step_is_retried_the_wait_skipped_and_the_execution_completes(
    local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    name = deployed["FunctionName"]
    result = local_cloud.invoke(f"{name}:live", {"order_id": "o-1", "quantity": 2, "payment_outages": 1})
    assert result.error_type is None, result.payload
    assert result.json() == {
        "order_id": "o-1",
        "status": "shipped",
        "charge": "charge-o-1",
        "shipment": "shipment-o-1",
    }
    (execution,) = [e for e in local_cloud.durable_executions(name) if '"o-1"' in (e.result or "")]
    assert execution.status == "SUCCEEDED" and execution.version != "$LATEST"  # the alias's version
    assert execution.arn.startswith(
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}:{execution.version}/"
    )
    charge = execution.step("charge-payment")
    assert (charge.type, charge.status, charge.attempt) == ("STEP", "SUCCEEDED", 2)
    assert json.loads(charge.result or "null") == "charge-o-1"
    assert execution.step("cooling-off").type == "WAIT"
    assert execution.step("ship").status == "SUCCEEDED"
    # The first run, the replay after the retry delay, the replay after the wait: real invocations.
    assert execution.invocations >= 3
    replays = [i for i in local_cloud.invocations if i.function_name == name and i.source == "durable"]
    assert len(replays) >= execution.invocations and all(r.qualifier == execution.version for r in replays)
    assert "charge-payment: SUCCEEDED (attempt 2)" in result.invocation.logs
    assert local_cloud.access_denied == []  # every checkpoint was allowed by the role's own policy


def test_an_asynchronous_start_waits_for_its_callback(
    local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    name = deployed["FunctionName"]
    lambda_ = local_cloud.client("lambda")
    started = lambda_.invoke(
        FunctionName=f"{name}:live",
        InvocationType="Event",
        DurableExecutionName="order-o-2",
        Payload=json.dumps({"order_id": "o-2", "quantity": 1, "needs_approval": True}).encode(),
    )
    arn = started["DurableExecutionArn"]
    assert arn.endswith("/durable-execution/order-o-2/" + arn.rsplit("/", 1)[-1])

    def execution() -> DurableExecution:
        (found,) = [e for e in local_cloud.durable_executions(name) if e.arn == arn]
        return found

    def callback_id() -> str | None:
        return next((op.callback_id for op in execution().operations if op.type == "CALLBACK"), None)

    callback = local_cloud.wait_for(callback_id, timeout=60)
    assert execution().status == "RUNNING"
    lambda_.send_durable_execution_callback_success(CallbackId=callback, Result=b"approved")
    local_cloud.wait_for(lambda: execution().status == "SUCCEEDED", timeout=60)
    assert json.loads(execution().result or "null")["status"] == "shipped"
    described = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert (described["Status"], described["DurableExecutionName"]) == ("SUCCEEDED", "order-o-2")
