"""EventHandler on the local cloud: the catalog's handler deployed with the CDK CLI, once behind a
Scheduler schedule and once behind a rule on a bus of the stack. A schedule fired on demand runs the
handler with the event Scheduler sends; a matching event put on the bus runs it, a non-matching one
does not; a failing event ends in the on-failure queue after Lambda's retries; an invocation the
schedule's role may no longer make goes to the schedule's dead-letter queue."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events

import serverless_patterns.patterns.event_handler as event_handler
from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import Deployment, LocalCloud
from serverless_patterns.local.runtime import Invocation
from serverless_patterns.patterns.event_handler import EventHandler
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

NIGHTLY = Path(event_handler.__file__).parent / "catalog" / "handlers" / "nightly"
STACK = "LocalEventHandler"
ORDERS = {"source": ["com.example.orders"], "detail-type": ["OrderPlaced"]}


def build(app: cdk.App) -> None:
    # What the CDK CLI turns on: each resource's construct path in its metadata (fire() reads it).
    app.node.set_context("aws:cdk:enable-path-metadata", True)
    stack = cdk.Stack(app, STACK)
    function = FunctionSpec(code=str(NIGHTLY), handler="app.handler")
    nightly = EventHandler(
        stack,
        "Nightly",
        function=function,
        schedule="cron(0 2 * * ? *)",
        detail={"job": "report"},
        deployment=DeploymentStrategy.none(),
    )
    bus = events.EventBus(stack, "Bus")
    orders = EventHandler(
        stack,
        "Orders",
        function=function,
        event_pattern=ORDERS,
        event_bus=bus,
        deployment=DeploymentStrategy.none(),
    )
    assert nightly.scheduler_role is not None
    cdk.CfnOutput(stack, "NightlyFunction", value=nightly.function.function_name)
    cdk.CfnOutput(stack, "NightlyRole", value=nightly.scheduler_role.ref)
    cdk.CfnOutput(stack, "NightlyDeadLetterQueue", value=nightly.dead_letter_queue.queue_url)
    cdk.CfnOutput(stack, "OrdersFunction", value=orders.function.function_name)
    cdk.CfnOutput(stack, "OrdersFailureQueue", value=orders.failure_queue.queue_url)
    cdk.CfnOutput(stack, "BusName", value=bus.event_bus_arn)


class Runs:
    """Every handler run, as the local cloud reports them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: list[Invocation] = []

    def __call__(self, invocation: Invocation) -> None:
        with self._lock:
            self._runs.append(invocation)

    def of(self, function_name: str) -> list[Invocation]:
        with self._lock:
            return [r for r in self._runs if r.function_name == function_name]


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(build, tmp_path_factory.mktemp("event-handler") / "cdk.out")


@pytest.fixture(scope="module")
def runs(local_cloud: LocalCloud) -> Runs:
    recorded = Runs()
    local_cloud.on_invocation(recorded)
    return recorded


@pytest.fixture(scope="module")
def deployed(assembly: Path, local_cloud: LocalCloud, runs: Runs) -> Iterator[dict[str, str]]:
    deployment: Deployment = local_cloud.deploy(assembly)
    yield deployment.outputs[STACK]


def handled(run: Invocation) -> list[str]:
    return [line.split("HANDLED ", 1)[1] for line in run.logs.splitlines() if line.startswith("HANDLED ")]


def put(cloud: LocalCloud, bus: str, detail_type: str, detail: dict[str, Any]) -> None:
    answer = cloud.client("events").put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": "com.example.orders",
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0


def test_a_schedule_fired_on_demand_runs_the_handler_with_the_event_scheduler_sends(
    local_cloud: LocalCloud, deployed: dict[str, str], runs: Runs
) -> None:
    fired = local_cloud.fire(f"{STACK}/Nightly/Schedule")
    assert fired.delivered and fired.error is None
    event = fired.event
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "aws.scheduler",
        "Scheduled Event",
        {"job": "report"},
    )
    assert event["resources"] == [fired.schedule_arn] and ":schedule/" in fired.schedule_arn
    assert (event["account"], event["region"]) == (local_cloud.account_id, local_cloud.region)
    assert "<aws.scheduler" not in json.dumps(event)
    function = deployed["NightlyFunction"]
    (run,) = local_cloud.wait_for(lambda: runs.of(function), timeout=60)  # type: ignore[misc]
    assert run.ok and run.source == "scheduler" and run.qualifier == "live"
    assert handled(run) == [f"aws.scheduler Scheduled Event {event['id']}"]
    # The same schedule by its logical id; an unknown one is one clear error.
    logical = next(k for k in local_cloud.resources(STACK, "AWS::Scheduler::Schedule"))
    assert local_cloud.fire(logical).delivered
    local_cloud.wait_for(lambda: len(runs.of(function)) == 2, timeout=60)
    with pytest.raises(Exception, match="0 deployed schedules are called 'Nope'"):
        local_cloud.fire("Nope")


def test_a_matching_event_on_the_bus_runs_the_handler_and_another_does_not(
    local_cloud: LocalCloud, deployed: dict[str, str], runs: Runs
) -> None:
    function, bus = deployed["OrdersFunction"], deployed["BusName"]
    put(local_cloud, bus, "OrderCancelled", {"order": "o-0"})  # another detail-type: no match
    put(local_cloud, bus, "OrderPlaced", {"order": "o-1"})
    local_cloud.wait_for(lambda: runs.of(function), timeout=60)
    local_cloud.wait_for(idle=True, timeout=60)  # nothing else is on its way
    (run,) = runs.of(function)
    assert run.ok and run.source == "events" and run.qualifier == "live"
    assert [line.split(" ")[:2] for line in handled(run)] == [["com.example.orders", "OrderPlaced"]]


def test_an_event_the_function_fails_on_ends_in_the_on_failure_queue(
    local_cloud: LocalCloud, deployed: dict[str, str], runs: Runs
) -> None:
    function, bus = deployed["OrdersFunction"], deployed["BusName"]
    before = len(runs.of(function))
    put(local_cloud, bus, "OrderPlaced", {"order": "o-2", "fail": True})
    sqs = local_cloud.client("sqs")

    def parked() -> list[dict[str, Any]]:
        found = sqs.receive_message(QueueUrl=deployed["OrdersFailureQueue"], MaxNumberOfMessages=10)
        return found.get("Messages", [])

    (message,) = local_cloud.wait_for(parked, timeout=60)  # type: ignore[misc]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["detail"] == {"order": "o-2", "fail": True}
    failed = [r for r in runs.of(function)[before:] if not r.ok]
    assert len(failed) == 3  # the first attempt and Lambda's two retries


def test_an_invocation_the_schedule_role_may_not_make_goes_to_its_dead_letter_queue(
    local_cloud: LocalCloud, deployed: dict[str, str], runs: Runs
) -> None:
    iam = local_cloud.client("iam")
    role = deployed["NightlyRole"]
    (policy,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    iam.delete_role_policy(RoleName=role, PolicyName=policy)
    before = len(runs.of(deployed["NightlyFunction"]))
    fired = local_cloud.fire(f"{STACK}/Nightly/Schedule/Resource")
    assert not fired.delivered and fired.error is not None
    assert fired.error.startswith("AccessDeniedException: ")
    found = local_cloud.client("sqs").receive_message(
        QueueUrl=deployed["NightlyDeadLetterQueue"], MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    (message,) = found["Messages"]
    assert json.loads(message["Body"]) == fired.event
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "AccessDeniedException"
    assert attributes["SCHEDULE_ARN"] == fired.schedule_arn
    assert attributes["TARGET_ARN"].endswith(":live")
    local_cloud.wait_for(idle=True, timeout=30)
    assert len(runs.of(deployed["NightlyFunction"])) == before  # the handler never ran


def test_serverless_patterns_send_finds_a_schedule_by_its_construct_path(
    assembly: Path, local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    """`serverless-patterns send <schedule>` resolves names as `dev` does (construct path, logical
    id, name) and fires what it finds."""
    from serverless_patterns.local.dev_names import resolve, resources_of

    physical = {STACK: local_cloud.resources(STACK)}
    found = resolve(f"{STACK}/Nightly/Schedule", resources_of(assembly, physical), ["schedule", "bus"])
    assert found.kind == "schedule"
    assert found.physical_id in local_cloud.fire(found.physical_id).schedule_arn
