"""Workflows with every state type and service integration, run end to end on the local cloud.

The app is the fulfilment workflow (``examples/bring_your_own_state_machine.py``: DynamoDB putItem
and an ``aws-sdk`` query, a Choice, a Wait, SQS, EventBridge, a nested ``.sync:2`` execution of a
Lambda pipeline, a Distributed Map reading S3) and the returns workflow on the same table
(``examples/returns_workflow.py``: getItem, a Choice with a Fail, a Parallel of an inline Map of
Lambda tasks, updateItem and SNS publish, a day-long Wait, lambda:invoke). It is synthesized once
with the rule packs on (the gate test reads that synthesis) and that same assembly is deployed.

Each workflow runs with inputs that take every branch, and every write is read back from where
it landed. The state machine roles' IAM policies are enforced on every call the states make.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns.local import Deployment, LocalCloud
from tests.support import Synthesized, cfn_lint, synth

from .apps_support import EXAMPLES, kept_process_state, load

pytestmark = pytest.mark.e2e

STACK = "Workflows"
ORDER_FILES = {"o-1": ["o-1/invoice.pdf", "o-1/label.pdf", "o-1/photo.jpg"], "o-2": ["o-2/invoice.pdf"]}
# Another order's files whose keys start with "o-1": the Map of order o-1 must not read them.
OTHER_FILES = ["o-10/invoice.pdf"]
ITEMS = [{"sku": "BOOK-42", "quantity": 2}, {"sku": "MUG-7", "quantity": 1}]


def build(stack: cdk.Stack) -> None:
    fulfilment = load(EXAMPLES / "bring_your_own_state_machine.py", "bring_your_own_state_machine")
    returns = load(EXAMPLES / "returns_workflow.py", "returns_workflow")
    fulfilment.build(stack)
    returns.build(stack, stack.node.find_child("Orders"))


@pytest.fixture(scope="module")
def gated() -> Synthesized:
    with kept_process_state():
        return synth(build, stack_name=STACK, gate=False)


def test_the_workflows_pass_the_gate(gated: Synthesized) -> None:
    assert gated.unacknowledged() == []
    assert cfn_lint(gated.template_path) == []


@dataclass
class App:
    cloud: LocalCloud
    deployment: Deployment
    resources: dict[str, tuple[str, str]]
    """Logical id -> (type, physical id) of the stack's resources."""
    announcements: str = ""
    """URL of a queue a rule on the fulfilment bus sends its events to."""
    notices: str = ""
    """URL of a queue subscribed to the returns topic."""

    def logical(self, construct_id: str, resource_type: str) -> str:
        """The logical id of the one resource of ``resource_type`` whose construct id this is."""
        found = [
            logical
            for logical, (kind, _) in self.resources.items()
            if kind == resource_type and re.fullmatch(rf"{construct_id}[0-9A-F]{{8}}", logical)
        ]
        assert len(found) == 1, (construct_id, resource_type, found)
        return found[0]

    def physical(self, construct_id: str, resource_type: str) -> str:
        return self.resources[self.logical(construct_id, resource_type)][1]


@pytest.fixture(scope="module")
def app(gated: Synthesized, local_cloud: LocalCloud) -> App:
    deployment = local_cloud.deploy(gated.template_path.parent)
    listed = local_cloud.client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    found = App(
        local_cloud,
        deployment,
        {r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId", "")) for r in listed},
    )
    # Observers, made with the local cloud's own API (not part of the example app): a queue for what
    # a rule on the fulfilment bus routes, and one subscribed to the returns topic.
    sqs, events, sns = (local_cloud.client(s) for s in ("sqs", "events", "sns"))
    found.announcements = sqs.create_queue(QueueName="announcements")["QueueUrl"]
    # The bus is named in the template (CDK names it); moto's stack resource has no physical id for it.
    bus = gated.template["Resources"][found.logical("Events", "AWS::Events::EventBus")]["Properties"]["Name"]
    assert bus in {b["Name"] for b in events.list_event_buses()["EventBuses"]}
    pattern = json.dumps({"source": ["shop.fulfilment"]})
    events.put_rule(Name="orders-queued", EventBusName=bus, EventPattern=pattern)
    events.put_targets(
        Rule="orders-queued",
        EventBusName=bus,
        Targets=[{"Id": "announcements", "Arn": _queue_arn(local_cloud, found.announcements)}],
    )
    found.notices = sqs.create_queue(QueueName="notices")["QueueUrl"]
    sns.subscribe(
        TopicArn=found.physical("Returns", "AWS::SNS::Topic"),
        Protocol="sqs",
        Endpoint=_queue_arn(local_cloud, found.notices),
    )
    s3 = local_cloud.client("s3")
    bucket = found.physical("Archive", "AWS::S3::Bucket")
    for keys in [*ORDER_FILES.values(), OTHER_FILES]:
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return found


def _queue_arn(cloud: LocalCloud, url: str) -> str:
    attributes = cloud.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _drain(cloud: LocalCloud, url: str, wanted: int) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    got: list[dict[str, Any]] = []

    def enough() -> bool:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            got.append(message)
        return len(got) >= wanted

    cloud.wait_for(enough, timeout=15)
    time.sleep(0.3)  # nothing more arrives
    enough()
    return got


@dataclass
class Run:
    arn: str
    described: dict[str, Any]
    history: list[dict[str, Any]]

    @property
    def output(self) -> Any:
        return json.loads(self.described["output"])

    def entered(self) -> list[str]:
        return [
            e["stateEnteredEventDetails"]["name"] for e in self.history if "stateEnteredEventDetails" in e
        ]

    def seconds_in(self, state: str) -> float:
        (entered,) = (
            e["timestamp"] for e in self.history if e.get("stateEnteredEventDetails", {}).get("name") == state
        )
        (exited,) = (
            e["timestamp"] for e in self.history if e.get("stateExitedEventDetails", {}).get("name") == state
        )
        return float((exited - entered).total_seconds())


def _run_all(cloud: LocalCloud, machine: str, inputs: list[dict[str, Any]]) -> list[Run]:
    """Start one execution per input, all at once, and wait for every one to end."""
    sfn = cloud.client("stepfunctions")

    def run(payload: dict[str, Any]) -> Run:
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload))["executionArn"]
        described = cloud.wait_for(
            lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d, timeout=30
        )
        assert isinstance(described, dict)
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return Run(arn, described, history)

    with ThreadPoolExecutor(len(inputs)) as pool:
        return list(pool.map(run, inputs))


@pytest.fixture(scope="module")
def fulfilled(app: App) -> dict[str, Run]:
    """The fulfilment workflow, once for a priority order (no Wait) and once for a normal one."""
    machine = app.physical("Fulfilment", "AWS::StepFunctions::StateMachine")
    priority, normal = _run_all(
        app.cloud, machine, [{"orderId": "o-1", "priority": True}, {"orderId": "o-2", "priority": False}]
    )
    return {"o-1": priority, "o-2": normal}


def test_fulfilment_takes_both_choice_branches(fulfilled: dict[str, Run]) -> None:
    for run in fulfilled.values():
        assert run.described["status"] == "SUCCEEDED", run.described
    common = ["RecordOrder", "CountCustomerOrders", "IsPriority"]
    rest = ["QueuePackingJob", "AnnounceOrder", "Ship", "ArchiveFiles"]
    assert fulfilled["o-1"].entered()[: len(common) + len(rest)] == common + rest
    assert fulfilled["o-2"].entered()[: len(common) + 1 + len(rest)] == [*common, "WaitForNextBatch", *rest]
    # The 60-second Wait passed in about retry_delay (1 s) seconds.
    assert 0.5 <= fulfilled["o-2"].seconds_in("WaitForNextBatch") < 5


def test_fulfilment_writes_are_visible(app: App, fulfilled: dict[str, Run]) -> None:
    # DynamoDB putItem, then the aws-sdk query that counts it.
    table = app.physical("Orders", "AWS::DynamoDB::GlobalTable")
    dynamodb = app.cloud.client("dynamodb")
    for order, run in fulfilled.items():
        item = dynamodb.get_item(TableName=table, Key={"orderId": {"S": order}})["Item"]
        assert item["status"] == {"S": "RECEIVED"}
        assert run.output["previous"] == {"count": 1}
    # SQS sendMessage to the encrypted jobs queue.
    jobs = _drain(app.cloud, app.physical("Jobs", "AWS::SQS::Queue"), 2)
    assert sorted(json.loads(m["Body"])["orderId"] for m in jobs) == ["o-1", "o-2"]
    # EventBridge putEvents on the workflow's bus, routed by a rule to its target queue.
    announced = [json.loads(m["Body"]) for m in _drain(app.cloud, app.announcements, 2)]
    assert sorted((e["detail-type"], e["source"], e["detail"]["orderId"]) for e in announced) == [
        ("OrderQueued", "shop.fulfilment", "o-1"),
        ("OrderQueued", "shop.fulfilment", "o-2"),
    ]


def test_fulfilment_waits_for_its_child_execution(app: App, fulfilled: dict[str, Run]) -> None:
    shipping = app.physical("Shipping", "AWS::StepFunctions::StateMachine")
    sfn = app.cloud.client("stepfunctions")
    children = sfn.list_executions(stateMachineArn=shipping)["executions"]
    assert len(children) == 2 and {c["status"] for c in children} == {"SUCCEEDED"}
    for order, run in fulfilled.items():
        shipment = run.output["shipment"]  # .sync:2: the child's description, its output as JSON
        child = sfn.describe_execution(executionArn=shipment["ExecutionArn"])
        assert child["stateMachineArn"] == shipping
        assert shipment["Status"] == "SUCCEEDED"
        assert shipment["Output"] == json.loads(child["output"])
        assert shipment["Output"]["orderId"] == order
        assert shipment["Output"]["trackingNumber"].startswith("TRK")
        assert json.loads(child["input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] == run.arn
        # The parent went on only after the child had ended.
        (ship_exited,) = (
            e["timestamp"] for e in run.history if e.get("stateExitedEventDetails", {}).get("name") == "Ship"
        )
        assert ship_exited >= child["stopDate"]


def test_fulfilment_distributed_map_reads_the_order_files(app: App, fulfilled: dict[str, Run]) -> None:
    assert fulfilled  # both executions have ended
    archived = [
        json.loads(line)
        for invocation in app.cloud.invocations
        if "ArchiveFile" in invocation.function_name
        for line in invocation.logs.splitlines()
        if line.startswith("{") and json.loads(line).get("message") == "file archived"
    ]
    assert sorted(a["key"] for a in archived) == sorted(k for keys in ORDER_FILES.values() for k in keys)
    assert all(a["archive_key"] == f"archive/{a['key']}" for a in archived)


@pytest.fixture(scope="module")
def returned(app: App, fulfilled: dict[str, Run]) -> dict[str, Run]:
    """The returns workflow, after fulfilment: damaged goods (Wait), a change of mind, an unknown order."""
    machine = app.physical("ReturnsWorkflow", "AWS::StepFunctions::StateMachine")
    damaged, changed, unknown = _run_all(
        app.cloud,
        machine,
        [
            {"orderId": "o-1", "reason": "damaged", "items": ITEMS},
            {"orderId": "o-2", "reason": "changed-mind", "items": ITEMS[:1]},
            {"orderId": "o-404", "reason": "damaged", "items": ITEMS},
        ],
    )
    return {"damaged": damaged, "changed": changed, "unknown": unknown}


def test_returns_take_every_branch(returned: dict[str, Run]) -> None:
    damaged, changed, unknown = returned["damaged"], returned["changed"], returned["unknown"]
    assert damaged.described["status"] == changed.described["status"] == "SUCCEEDED"
    # Choice default: an order nobody placed fails.
    assert unknown.described["status"] == "FAILED"
    assert unknown.described["error"] == "UnknownOrder"
    assert unknown.entered() == ["LoadOrder", "IsKnownOrder", "UnknownOrder"]
    assert "WaitForInspection" in damaged.entered() and "WaitForInspection" not in changed.entered()
    assert damaged.entered()[-3:] == ["IsDamaged", "WaitForInspection", "Refund"]
    assert changed.entered()[-2:] == ["IsDamaged", "Refund"]
    assert 0.5 <= damaged.seconds_in("WaitForInspection") < 5  # a day, compressed
    # Parallel: one result per branch, in order; the inline Map ran the Lambda task per item.
    processed = damaged.output["processed"]
    assert processed["restocked"] == [{"sku": "BOOK-42", "restocked": 2}, {"sku": "MUG-7", "restocked": 1}]
    assert processed["status"] == "RETURNED"
    assert changed.output["processed"]["restocked"] == [{"sku": "BOOK-42", "restocked": 2}]
    # lambda:invoke of the refund, with what the Map restocked.
    assert damaged.output["refund"] == {"refundCents": 2 * 1999 + 850}
    assert changed.output["refund"] == {"refundCents": 2 * 1999}


def test_returns_writes_are_visible(app: App, returned: dict[str, Run]) -> None:
    table = app.physical("Orders", "AWS::DynamoDB::GlobalTable")
    dynamodb = app.cloud.client("dynamodb")
    for order, reason in (("o-1", "damaged"), ("o-2", "changed-mind")):
        item = dynamodb.get_item(TableName=table, Key={"orderId": {"S": order}})["Item"]
        assert (item["status"], item["returnReason"]) == ({"S": "RETURNED"}, {"S": reason})
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"orderId": {"S": "o-404"}})
    notices = [json.loads(m["Body"]) for m in _drain(app.cloud, app.notices, 2)]  # SNS envelopes
    assert sorted(n["Message"] for n in notices) == [
        "Order o-1 returned: damaged",
        "Order o-2 returned: changed-mind",
    ]
    published = {returned[r].output["processed"]["announcement"] for r in ("damaged", "changed")}
    assert published == {n["MessageId"] for n in notices}
    restocked = [i for i in app.cloud.invocations if "RestockItem" in i.function_name]
    assert len(restocked) == 3 and all(i.ok for i in restocked)


def test_every_call_the_states_made_was_allowed_by_their_roles(app: App, returned: dict[str, Run]) -> None:
    assert returned
    assert app.cloud.access_denied == []


# -- what the interpreter does beyond the example, on state machines made through the API ---------


def _role(cloud: LocalCloud, name: str, actions: list[str]) -> str:
    iam = cloud.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="grants", PolicyDocument=json.dumps(policy))
    return arn


def _machine(cloud: LocalCloud, name: str, role: str, states: dict[str, Any], start: str) -> str:
    definition = json.dumps({"StartAt": start, "States": states})
    created = cloud.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=role
    )
    return str(created["stateMachineArn"])


def test_a_call_outside_the_role_grants_is_denied(local_cloud: LocalCloud) -> None:
    child = _machine(
        local_cloud,
        "GrantedChild",
        _role(local_cloud, "child-role", ["states:*"]),
        {"Done": {"Type": "Succeed"}},
        "Done",
    )
    start = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": child},
        "End": True,
    }
    allowed = _role(local_cloud, "may-start", ["states:StartExecution"])
    refused = _role(local_cloud, "may-not-start", ["states:DescribeExecution", "dynamodb:*"])
    ran, denied = (
        _run_all(local_cloud, _machine(local_cloud, name, role, {"Start": start}, "Start"), [{}])[0]
        for name, role in (("MayStart", allowed), ("MayNotStart", refused))
    )
    assert ran.described["status"] == "SUCCEEDED", ran.described
    assert ran.output["ExecutionArn"].startswith(child.replace(":stateMachine:", ":execution:"))
    assert denied.described["status"] == "FAILED"
    assert denied.described["error"].startswith("StepFunctions.AccessDenied")
    assert "states:StartExecution" in denied.described["cause"]
    assert any(
        "may-not-start" in message and f"states:StartExecution on resource: {child}" in message
        for message in local_cloud.access_denied
    )


def test_paths_retries_and_item_readers_behave_as_on_aws(local_cloud: LocalCloud) -> None:
    from moto.s3.models import s3_backends

    s3 = local_cloud.client("s3")
    s3.create_bucket(Bucket="many-keys")
    backend = s3_backends[local_cloud.account_id]["aws"]
    for index in range(1001):  # more than one ListObjectsV2 page
        backend.put_object("many-keys", f"key-{index:04d}", b"")
    count_keys = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:listObjectsV2",
            "Parameters": {"Bucket": "many-keys", "Prefix.$": "$.prefix"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "Key",
            "States": {"Key": {"Type": "Pass", "Parameters": {"key.$": "$.Key"}, "End": True}},
        },
        "ResultSelector": {"count.$": "States.ArrayLength($)"},
        "ResultPath": "$.listed",
        "Next": "Paths",
    }
    paths = {
        "Type": "Pass",
        "Parameters": {"definite.$": "$.rows[1].status", "indefinite.$": "$.rows[*].status"},
        "ResultPath": "$.paths",
        "Next": "Flaky",
    }
    flaky = {  # fails (no such table), is retried twice a minute apart, then caught
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:getItem",
        "Parameters": {"TableName": "no-such-table", "Key": {"id": {"S": "x"}}},
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60, "MaxAttempts": 2}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Done"}],
        "End": True,
    }
    machine = _machine(
        local_cloud,
        "MotoGaps",
        _role(local_cloud, "gaps-role", ["s3:ListBucket", "dynamodb:GetItem", "states:*"]),
        {"CountKeys": count_keys, "Paths": paths, "Flaky": flaky, "Done": {"Type": "Succeed"}},
        "CountKeys",
    )
    rows = [{"status": "NEW"}, {"status": "RETURNED"}]
    began = time.monotonic()
    everything, nothing = _run_all(
        local_cloud, machine, [{"prefix": "key-", "rows": rows}, {"prefix": "none-", "rows": rows}]
    )
    assert time.monotonic() - began < 15  # two one-minute retry intervals took a second each
    assert everything.described["status"] == nothing.described["status"] == "SUCCEEDED"
    assert everything.output["listed"] == {"count": 1001}
    assert nothing.output["listed"] == {"count": 0}
    assert everything.output["paths"] == {"definite": "RETURNED", "indefinite": ["NEW", "RETURNED"]}
    assert everything.output["caught"]["Error"] == "DynamoDB.ResourceNotFoundException"
    retried = [e for e in everything.history if e["type"] == "TaskFailed"]
    assert len(retried) == 3  # the first attempt and two retries
