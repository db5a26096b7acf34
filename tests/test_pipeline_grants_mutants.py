"""OrchestratedPipeline's grants, checked one rule at a time on a small stack (no bundling, no rule
packs), so that each rule has a fast test of its own that mutation testing (scripts/mutation.sh
op-grants) runs per mutant. The pattern-level tests (tests/patterns/test_orchestrated_pipeline_*)
check the same grants through the examples; these check the rules they rely on:

- one statement per resource, its actions merged in first-use order, each action once;
- each function's invoke ARN once, each topic once (with ``sns:Publish``), each KMS key once;
- the exact ARN of every kind of resource (the default bus, the ``.sync`` managed rule, a nested
  state machine's executions, a bucket, its objects by a literal or a run-time key);
- statements whose resource holds a wildcard in ``WildcardResourcePolicy``, each acknowledged with
  exactly the finding cdk-nag prints and a reason naming the state and the resource;
- a Distributed Map's child executions and redrives in ``DistributedMapPolicy``;
- the user's statements in ``AdditionalPolicy``, never acknowledged;
- and how a wildcard resource is spelt as cdk-nag prints it in a finding (``nag_resource``).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns.core.nag import finding_resource as nag_resource
from serverless_patterns.patterns.orchestrated_pipeline.grants import (
    KMS_ACTIONS,
    Plan,
    apply,
    chain_topic_plan,
    plan,
)
from serverless_patterns.patterns.orchestrated_pipeline.integrations import Use

ACCOUNT, REGION = "123456789012", "eu-west-1"
IAM5 = "AwsSolutions::AwsSolutions-IAM5"


def arn(rest: str) -> dict[str, Any]:
    """A stack-local ARN as ``Stack.format_arn`` writes it, with the partition left to deploy time."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def use(kind: str, name: str | None, *actions: str, state: str = "A", **more: Any) -> Use:
    return Use(
        state=state,
        field="Parameters.X",
        kind=kind,
        integration=more.pop("integration", f"{kind}:call"),
        actions=actions,
        name=name,
        **more,
    )


class World:
    """A stack with one resource of each kind the pipeline binds by name."""

    def __init__(self) -> None:
        self.app = cdk.App()
        self.stack = cdk.Stack(self.app, "S", env=cdk.Environment(account=ACCOUNT, region=REGION))
        s = self.stack
        self.queue_key = kms.Key(s, "QueueKey")
        self.topic_key = kms.Key(s, "TopicKey")
        self.resources: dict[tuple[str, str], Any] = {
            ("table", "Orders"): dynamodb.TableV2(
                s, "Orders", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
            ),
            ("table", "Stock"): dynamodb.TableV2(
                s, "Stock", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
            ),
            ("queue", "Plain"): sqs.Queue(s, "Plain"),
            ("queue", "Secret"): sqs.Queue(
                s, "Secret", encryption=sqs.QueueEncryption.KMS, encryption_master_key=self.queue_key
            ),
            ("queue", "Shared"): sqs.Queue(
                s, "Shared", encryption=sqs.QueueEncryption.KMS, encryption_master_key=self.topic_key
            ),
            ("topic", "Loud"): sns.Topic(s, "Loud"),
            ("topic", "Quiet"): sns.Topic(s, "Quiet", master_key=self.topic_key),
            ("bus", "Events"): events.EventBus(s, "Events"),
            ("state_machine", "Child"): sfn.StateMachine(
                s, "Child", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(s, "ChildStart"))
            ),
            ("bucket", "Archive"): s3.Bucket(s, "Archive"),
        }

    def __getitem__(self, kind_name: tuple[str, str]) -> Any:
        return self.resources[kind_name]

    def plan(self, *uses: Use) -> Plan:
        return plan(self.stack, uses, lambda kind, name: self.resources[(kind, name)], self.invoke_arn)

    @staticmethod
    def invoke_arn(name: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:live"

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)

    def statements(self, statements: list[Any]) -> list[tuple[list[str], list[Any]]]:
        return [(s.actions, [self.resolve(r) for r in s.resources]) for s in statements]

    def machine(self) -> sfn.StateMachine:
        return sfn.StateMachine(
            self.stack,
            "Machine",
            definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(self.stack, "Start")),
        )


def document(w: World, policy: iam.Policy | Any) -> list[dict[str, Any]]:
    return w.resolve(policy.document.to_json())["Statement"]  # type: ignore[no-any-return]


def logical_id(w: World, construct: Any) -> str:
    """The logical ID of ``construct``'s CloudFormation resource."""
    return w.stack.get_logical_id(construct.node.default_child)


def roles_of(w: World, policy: Any) -> Any:
    """The roles an ``iam.Policy`` is attached to, resolved."""
    return w.resolve(policy.node.default_child.roles)


def acknowledged(construct: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == "aws:cdk:acknowledged-rules":
            found.update(entry.data)
    return found


# ---------------------------------------------------------------- plan: which statements, on what
def test_every_kind_of_resource_gets_its_exact_statement_in_order() -> None:
    w = World()
    executions_reason = (
        "state 'Ship' runs states:startExecution.sync:2 on S/Child: Step Functions describes and "
        "stops the child execution, whose name is chosen at run time, so the resource is the executions "
        "of that one state machine"
    )
    objects_reason = (
        "state 'Save' (aws-sdk:s3:putObject) reaches objects of S/Archive by keys chosen at run "
        "time, so the resource is the objects of that one bucket"
    )
    # every kind that ends its branch with `continue` (rule, default bus, function) comes before others
    result = w.plan(
        use("rule", None, "events:PutTargets", "events:PutRule"),
        use("bus", None, "events:PutEvents"),
        use("function", "Resize"),
        use("table", "Orders", "dynamodb:PutItem"),
        use("queue", "Plain", "sqs:SendMessage"),
        use("queue", "Secret", "sqs:SendMessage"),
        use("bus", "Events", "events:PutEvents"),
        use("state_machine", "Child", "states:StartExecution"),
        use(
            "state_machine",
            "Child",
            "states:DescribeExecution",
            "states:StopExecution",
            state="Ship",
            scope="executions",
            integration="states:startExecution.sync:2",
        ),
        use("bucket", "Archive", "s3:ListBucket", scope="resource"),
        use("bucket", "Archive", "s3:GetObject", scope="object", object_key="config/rules.json"),
        use(
            "bucket",
            "Archive",
            "s3:PutObject",
            state="Save",
            scope="objects",
            integration="aws-sdk:s3:putObject",
        ),
        use("topic", "Quiet", "sns:Publish"),
        use("topic", "Loud", "sns:Publish"),
    )
    bucket_arn = w.resolve(w["bucket", "Archive"].bucket_arn)
    child = w.resolve(w["state_machine", "Child"].state_machine_arn)
    child_name = {"Fn::Select": [6, {"Fn::Split": [":", child]}]}
    assert w.statements(result.exact) == [
        (["lambda:InvokeFunction"], [w.invoke_arn("Resize")]),
        (
            ["sns:Publish"],
            [w.resolve(w["topic", "Quiet"].topic_arn), w.resolve(w["topic", "Loud"].topic_arn)],
        ),
        (
            ["events:PutTargets", "events:PutRule"],
            [arn(f":events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")],
        ),
        (["events:PutEvents"], [arn(f":events:{REGION}:{ACCOUNT}:event-bus/default")]),
        (["dynamodb:PutItem"], [w.resolve(w["table", "Orders"].table_arn)]),
        (["sqs:SendMessage"], [w.resolve(w["queue", "Plain"].queue_arn)]),
        (["sqs:SendMessage"], [w.resolve(w["queue", "Secret"].queue_arn)]),
        (["events:PutEvents"], [w.resolve(w["bus", "Events"].event_bus_arn)]),
        (["states:StartExecution"], [child]),
        (["s3:ListBucket"], [bucket_arn]),
        (["s3:GetObject"], [{"Fn::Join": ["", [bucket_arn, "/config/rules.json"]]}]),
        # the queue's key first (the first resource to use one), then the topic's
        (KMS_ACTIONS, [w.resolve(w.queue_key.key_arn), w.resolve(w.topic_key.key_arn)]),
    ]
    assert w.statements(result.wildcard) == [
        (
            ["states:DescribeExecution", "states:StopExecution"],
            [
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            f":states:{REGION}:{ACCOUNT}:execution:",
                            child_name,
                            "*",
                        ],
                    ]
                }
            ],
        ),
        (["s3:PutObject"], [{"Fn::Join": ["", [bucket_arn, "/*"]]}]),
    ]
    assert [s.reason for s in result.wildcard] == [executions_reason, objects_reason]
    assert all(s.reason == "" for s in result.exact)
    assert result.topics == [w["topic", "Quiet"], w["topic", "Loud"]]


def test_uses_of_one_resource_merge_into_one_statement_each_action_once() -> None:
    w = World()
    result = w.plan(
        use("table", "Orders", "dynamodb:PutItem", state="A"),
        use("table", "Stock", "dynamodb:GetItem", state="B"),
        use("table", "Orders", "dynamodb:Query", "dynamodb:PutItem", state="C"),
        use("table", "Stock", "dynamodb:GetItem", state="D"),
    )
    assert w.statements(result.exact) == [
        (["dynamodb:PutItem", "dynamodb:Query"], [w.resolve(w["table", "Orders"].table_arn)]),
        (["dynamodb:GetItem"], [w.resolve(w["table", "Stock"].table_arn)]),
    ]
    assert result.wildcard == [] and result.topics == []


def test_each_function_each_topic_and_each_key_is_named_once() -> None:
    w = World()
    result = w.plan(
        use("function", "Resize", state="A"),
        use("topic", "Quiet", "sns:Publish", state="B"),
        use("function", "Notify", state="C"),
        use("function", "Resize", state="D"),
        use("queue", "Shared", "sqs:SendMessage", state="E"),  # encrypted with the topic's key
        use("topic", "Quiet", "sns:Publish", state="F"),
        use("queue", "Secret", "sqs:SendMessage", state="G"),
        use("queue", "Secret", "sqs:SendMessage", state="H"),
    )
    assert result.exact[0].actions == ["lambda:InvokeFunction"]
    assert result.exact[0].resources == [w.invoke_arn("Resize"), w.invoke_arn("Notify")]
    assert w.statements([result.exact[1]]) == [(["sns:Publish"], [w.resolve(w["topic", "Quiet"].topic_arn)])]
    assert result.topics == [w["topic", "Quiet"]]
    assert w.statements([result.exact[-1]]) == [
        (KMS_ACTIONS, [w.resolve(w.topic_key.key_arn), w.resolve(w.queue_key.key_arn)])
    ]


def test_resources_without_a_key_get_no_kms_statement() -> None:
    w = World()
    result = w.plan(use("queue", "Plain", "sqs:SendMessage"), use("topic", "Loud", "sns:Publish"))
    assert [s.actions for s in result.exact] == [["sns:Publish"], ["sqs:SendMessage"]]


def test_a_plan_with_no_use_grants_nothing() -> None:
    result = World().plan()
    assert (result.exact, result.wildcard, result.topics) == ([], [], [])


def test_a_chains_topic_plan_grants_its_key_only() -> None:
    w = World()
    quiet = chain_topic_plan(w["topic", "Quiet"])
    assert quiet.topics == [w["topic", "Quiet"]] and quiet.wildcard == []
    assert w.statements(quiet.exact) == [(KMS_ACTIONS, [w.resolve(w.topic_key.key_arn)])]
    loud = chain_topic_plan(w["topic", "Loud"])
    assert (loud.topics, loud.exact, loud.wildcard) == ([w["topic", "Loud"]], [], [])


# ---------------------------------------------------------------- apply: where each statement goes
def test_exact_statements_go_to_the_roles_default_policy_and_nothing_else_is_made() -> None:
    w = World()
    machine = w.machine()
    before = apply(w.stack, machine, w.plan(use("table", "Orders", "dynamodb:PutItem")), [], [])
    assert before == []
    assert document(w, machine.role.node.find_child("DefaultPolicy")) == [
        {
            "Action": "dynamodb:PutItem",
            "Effect": "Allow",
            "Resource": w.resolve(w["table", "Orders"].table_arn),
        }
    ]
    for absent in ("WildcardResourcePolicy", "DistributedMapPolicy", "AdditionalPolicy"):
        assert w.stack.node.try_find_child(absent) is None


def test_wildcard_statements_go_to_their_own_policy_each_acknowledged_exactly() -> None:
    w = World()
    machine = w.machine()
    grants = w.plan(
        use(
            "bucket",
            "Archive",
            "s3:PutObject",
            state="Save",
            scope="objects",
            integration="aws-sdk:s3:putObject",
        ),
        use(
            "state_machine",
            "Child",
            "states:DescribeExecution",
            state="Ship",
            scope="executions",
            integration="states:startExecution.sync",
        ),
    )
    before = apply(w.stack, machine, grants, [], [])
    policy = w.stack.node.find_child("WildcardResourcePolicy")
    assert before == [policy]
    template = cdk.assertions.Template.from_stack(w.stack)
    role = logical_id(w, machine.role)
    bucket = logical_id(w, w["bucket", "Archive"])
    child = logical_id(w, w["state_machine", "Child"])
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyName": cdk.assertions.Match.string_like_regexp("^WildcardResourcePolicy"),
            "Roles": [{"Ref": role}],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "s3:PutObject",
                        "Effect": "Allow",
                        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]},
                    },
                    {
                        "Action": "states:DescribeExecution",
                        "Effect": "Allow",
                        "Resource": cdk.assertions.Match.any_value(),
                    },
                ]
            },
        },
    )
    executions = (
        f"arn:<AWS::Partition>:states:{REGION}:{ACCOUNT}:execution:"
        '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"' + child + '"}]}]}*'
    )
    assert acknowledged(policy) == {
        f"{IAM5}[Resource::<{bucket}.Arn>/*]": grants.wildcard[0].reason,
        f"{IAM5}[Resource::{executions}]": grants.wildcard[1].reason,
    }
    assert grants.wildcard[0].reason.startswith(
        "state 'Save' (aws-sdk:s3:putObject) reaches objects of S/Archive "
    )
    assert grants.wildcard[1].reason.startswith("state 'Ship' runs states:startExecution.sync on S/Child: ")
    assert machine.role.node.try_find_child("DefaultPolicy") is None  # nothing exact to grant


def test_a_distributed_map_runs_and_redrives_its_own_child_executions() -> None:
    w = World()
    machine = w.machine()
    maps = [("ProcessA", {"Label": "Batch"}), ("ProcessB", {}), ("ProcessC", {"Label": "Batch"})]
    before = apply(w.stack, machine, Plan(), maps, [])
    assert before == []  # the state machine cannot wait for a policy that names it
    policy = w.stack.node.find_child("DistributedMapPolicy")
    assert isinstance(policy, iam.Policy)
    own = w.resolve(machine.state_machine_arn)
    name = {"Fn::Select": [6, {"Fn::Split": [":", own]}]}
    prefix = ["arn:", {"Ref": "AWS::Partition"}, f":states:{REGION}:{ACCOUNT}:execution:", name]
    assert document(w, policy) == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": own},
        {
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [*prefix, ":*"]]},
        },
        {
            "Action": "states:RedriveExecution",
            "Effect": "Allow",
            # one per label, the unlabelled map's children under "*", sorted
            "Resource": [
                {"Fn::Join": ["", [*prefix, "/*:*"]]},
                {"Fn::Join": ["", [*prefix, "/Batch:*"]]},
            ],
        },
    ]
    role = logical_id(w, machine.role)
    assert roles_of(w, policy) == [{"Ref": role}]
    reason = (
        "the Distributed Map state(s) 'ProcessA', 'ProcessB', 'ProcessC' run child executions of this state "
        "machine, named at run time: the resource is this state machine's own executions"
    )
    machine_id = logical_id(w, machine)
    executions = (
        f"arn:<AWS::Partition>:states:{REGION}:{ACCOUNT}:execution:"
        '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"' + machine_id + '"}]}]}'
    )
    assert acknowledged(policy) == {
        f"{IAM5}[Resource::{executions}:*]": reason,
        f"{IAM5}[Resource::{executions}/*:*]": reason,
        f"{IAM5}[Resource::{executions}/Batch:*]": reason,
    }


def test_the_users_statements_go_to_their_own_policy_unacknowledged() -> None:
    w = World()
    machine = w.machine()
    mine = iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"])
    before = apply(w.stack, machine, Plan(), [], [mine])
    policy = w.stack.node.find_child("AdditionalPolicy")
    assert before == [policy]
    assert document(w, policy) == [{"Action": "ec2:DescribeInstances", "Effect": "Allow", "Resource": "*"}]
    role = logical_id(w, machine.role)
    assert roles_of(w, policy) == [{"Ref": role}]
    assert acknowledged(policy) == {}


def test_the_wildcard_policy_is_attached_to_the_state_machines_role() -> None:
    w = World()
    machine = w.machine()
    apply(w.stack, machine, w.plan(use("bucket", "Archive", "s3:PutObject", scope="objects")), [], [])
    policy = w.stack.node.find_child("WildcardResourcePolicy")
    role = logical_id(w, machine.role)
    assert roles_of(w, policy) == [{"Ref": role}]


# ---------------------------------------------------------------- nag_resource
@pytest.mark.parametrize(
    ("value", "flattened"),
    [
        ("arn:aws:states:us-east-1:123:execution:M:*", "arn:aws:states:us-east-1:123:execution:M:*"),
        ("arn:${AWS::Partition}:s3:::b/*", "arn:<AWS::Partition>:s3:::b/*"),
        ({"Ref": "Bucket"}, "<Bucket>"),
        ({"Fn::GetAtt": ["Machine", "Arn"]}, "<Machine.Arn>"),
        ({"Fn::Sub": "arn:${AWS::Partition}:states:::x"}, "arn:<AWS::Partition>:states:::x"),
        ({"Fn::ImportValue": "Shared-TableArn"}, "Shared-TableArn"),
        (
            {"Fn::Join": ["", [{"Fn::GetAtt": ["Machine", "Arn"]}, ":", {"Ref": "AWS::Region"}, "/*"]]},
            "<Machine.Arn>:<AWS::Region>/*",
        ),
        ({"Fn::Select": [0, ["a"]]}, '{"Fn::Select":[0,["a"]]}'),
        ({"Ref": "A", "Extra": 1}, '{"Ref":"A","Extra":1}'),
        ({}, "{}"),
    ],
    ids=[
        "plain",
        "sub-syntax",
        "ref",
        "getatt",
        "fn-sub",
        "import",
        "join",
        "other-function",
        "two-keys",
        "empty",
    ],
)
def test_a_resource_is_flattened_as_cdk_nag_prints_it(value: Any, flattened: str) -> None:
    assert nag_resource(value) == flattened
