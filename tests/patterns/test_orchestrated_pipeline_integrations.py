"""OrchestratedPipeline: resources bound by name, with exactly the grants each state needs.

``examples/bring_your_own_state_machine.py`` runs ``examples/workflows/fulfilment.asl.json``, which
uses DynamoDB (putItem and aws-sdk query), an encrypted SQS queue, an EventBridge bus, a nested state
machine (``.sync:2``) and a Distributed Map reading S3. Each grant is asserted: its exact actions on
its exact resource.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from serverless_patterns import DeploymentStrategy, FunctionSpec, PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline
from tests.support import Synthesized, pattern_tests

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")


def _example() -> Any:
    spec = importlib.util.spec_from_file_location(
        "bring_your_own_state_machine", ROOT / "examples" / "bring_your_own_state_machine.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def build_integrations(stack: cdk.Stack) -> None:
    _example().build(stack)


globals().update(pattern_tests(configs={"integrations": build_integrations}, snapshots=("integrations",)))


# ---------------------------------------------------------------- helpers
def logical(s: Synthesized, type_: str, prefix: str) -> str:
    """The logical ID of the one resource of ``type_`` whose construct ID is ``prefix``."""
    (found,) = (k for k in s.resources(type_) if re.fullmatch(rf"{prefix}[0-9A-F]{{8}}", k))
    return found


def fulfilment(s: Synthesized) -> dict[str, Any]:
    key = logical(s, "AWS::StepFunctions::StateMachine", "Fulfilment")
    return s.template["Resources"][key]["Properties"]  # type: ignore[no-any-return]


def policies_of_role(s: Synthesized, role: str) -> dict[str, list[dict[str, Any]]]:
    return {
        key: p["Properties"]["PolicyDocument"]["Statement"]
        for key, p in s.resources("AWS::IAM::Policy").items()
        if {"Ref": role} in p["Properties"]["Roles"]
    }


def by_policy(s: Synthesized) -> dict[str, list[dict[str, Any]]]:
    role = fulfilment(s)["RoleArn"]["Fn::GetAtt"][0]
    return {
        next(
            n
            for n in (
                "DefaultPolicy",
                "WildcardResourcePolicy",
                "DistributedMapPolicy",
                "LogDeliveryPolicy",
                "TracingPolicy",
            )
            if n in k
        ): v
        for k, v in policies_of_role(s, role).items()
    }


def arn(kind: str, rest: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":{kind}:us-east-1:123456789012:{rest}"]]}


# ---------------------------------------------------------------- the grants, one by one
def test_the_default_policy_holds_one_exact_statement_per_resource(integrations: Synthesized) -> None:
    statements = by_policy(integrations)["DefaultPolicy"]
    table = logical(integrations, "AWS::DynamoDB::GlobalTable", "Orders")
    queue = logical(integrations, "AWS::SQS::Queue", "Jobs")
    bus = logical(integrations, "AWS::Events::EventBus", "Events")
    child = logical(integrations, "AWS::StepFunctions::StateMachine", "Shipping")
    bucket = logical(integrations, "AWS::S3::Bucket", "Archive")
    key = logical(integrations, "AWS::KMS::Key", "JobsKey")
    alias = logical(integrations, "AWS::Lambda::Alias", "FulfilmentArchiveFileFunctionLiveAlias")
    grants = [(s["Action"], s["Resource"]) for s in statements if not str(s["Action"]).count("logs:")]
    grants = [g for g in grants if not (isinstance(g[0], list) and g[0][0].startswith("xray:"))]
    assert grants == [
        ("lambda:InvokeFunction", {"Ref": alias}),
        (["dynamodb:PutItem", "dynamodb:Query"], {"Fn::GetAtt": [table, "Arn"]}),
        ("sqs:SendMessage", {"Fn::GetAtt": [queue, "Arn"]}),
        ("events:PutEvents", {"Fn::GetAtt": [bus, "Arn"]}),
        ("states:StartExecution", {"Ref": child}),
        (
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            arn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
        ),
        ("s3:ListBucket", {"Fn::GetAtt": [bucket, "Arn"]}),
        (["kms:GenerateDataKey", "kms:Decrypt"], {"Fn::GetAtt": [key, "Arn"]}),
    ]


def test_nested_sync_executions_are_in_their_own_policy(integrations: Synthesized) -> None:
    child = logical(integrations, "AWS::StepFunctions::StateMachine", "Shipping")
    (statement,) = by_policy(integrations)["WildcardResourcePolicy"]
    assert statement["Action"] == ["states:DescribeExecution", "states:StopExecution"]
    name = {"Fn::Select": [6, {"Fn::Split": [":", {"Ref": child}]}]}
    assert statement["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":states:us-east-1:123456789012:execution:", name, "*"],
        ]
    }


def test_the_distributed_map_runs_child_executions_of_its_own_state_machine(
    integrations: Synthesized,
) -> None:
    machine = logical(integrations, "AWS::StepFunctions::StateMachine", "Fulfilment")
    statements = by_policy(integrations)["DistributedMapPolicy"]
    assert [s["Action"] for s in statements] == [
        "states:StartExecution",
        ["states:DescribeExecution", "states:StopExecution"],
        "states:RedriveExecution",
    ]
    assert statements[0]["Resource"] == {"Ref": machine}
    name = {"Fn::Select": [6, {"Fn::Split": [":", {"Ref": machine}]}]}
    prefix = ["arn:", {"Ref": "AWS::Partition"}, ":states:us-east-1:123456789012:execution:", name]
    assert statements[1]["Resource"] == {"Fn::Join": ["", [*prefix, ":*"]]}
    assert statements[2]["Resource"] == {"Fn::Join": ["", [*prefix, "/ArchiveFiles:*"]]}
    # The state machine waits for every policy but this one, which names the state machine itself.
    depends = integrations.template["Resources"][machine]["DependsOn"]
    assert len(depends) == 4 and not any("DistributedMap" in d for d in depends)
    assert {d for d in depends if "LogDelivery" in d or "Tracing" in d} != set()


def test_each_reference_is_rebound_to_its_resource(integrations: Synthesized) -> None:
    props = fulfilment(integrations)
    states = json.loads(props["DefinitionString"])["States"]
    assert states["RecordOrder"]["Parameters"]["TableName"] == "${Table_Orders}"
    assert states["CountCustomerOrders"]["Parameters"]["TableName"] == "${Table_Orders}"
    assert states["QueuePackingJob"]["Parameters"]["QueueUrl"] == "${Queue_Jobs}"
    assert states["AnnounceOrder"]["Parameters"]["Entries"][0]["EventBusName"] == "${EventBus_Events}"
    assert states["Ship"]["Parameters"]["StateMachineArn"] == "${StateMachine_Child}"
    assert states["ArchiveFiles"]["ItemReader"]["Parameters"]["Bucket"] == "${Bucket_Archive}"
    assert states["ArchiveFiles"]["ItemReader"]["Resource"] == "${States_s3_listObjectsV2}"
    assert states["Ship"]["Resource"] == "${States_states_startExecution_sync_2}"
    substitutions = props["DefinitionSubstitutions"]
    queue = logical(integrations, "AWS::SQS::Queue", "Jobs")
    assert substitutions["Queue_Jobs"] == {"Ref": queue}  # a queue's Ref is its URL
    table = logical(integrations, "AWS::DynamoDB::GlobalTable", "Orders")
    assert substitutions["Table_Orders"] == {"Ref": table}


def test_every_wildcard_is_acknowledged_exactly(integrations: Synthesized) -> None:
    acknowledged = {
        (a["acknowledgedAt"].split("/")[-1], a["ruleName"]): a["reason"]
        for a in integrations.acknowledged()
        if "Fulfilment/" in a["acknowledgedAt"]
        and "Function" not in a["acknowledgedAt"]
        and a["ruleName"].startswith("AwsSolutions-IAM5")
    }
    executions = "arn:<AWS::Partition>:states:us-east-1:123456789012:execution:"
    shipping = logical(integrations, "AWS::StepFunctions::StateMachine", "Shipping")
    machine = logical(integrations, "AWS::StepFunctions::StateMachine", "Fulfilment")

    def name(of: str) -> str:
        return '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"' + of + '"}]}]}'

    assert set(acknowledged) == {
        ("LogDeliveryPolicy", "AwsSolutions-IAM5[Resource::*]"),
        ("TracingPolicy", "AwsSolutions-IAM5[Resource::*]"),
        ("WildcardResourcePolicy", f"AwsSolutions-IAM5[Resource::{executions}{name(shipping)}*]"),
        ("DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{executions}{name(machine)}:*]"),
        ("DistributedMapPolicy", f"AwsSolutions-IAM5[Resource::{executions}{name(machine)}/ArchiveFiles:*]"),
    }
    reason = acknowledged[
        ("WildcardResourcePolicy", f"AwsSolutions-IAM5[Resource::{executions}{name(shipping)}*]")
    ]
    assert reason.startswith("state 'Ship' runs states:startExecution.sync:2 on Test/Shipping/Resource")


# ---------------------------------------------------------------- what the pattern cannot map
def asl(tmp_path: Path, state: dict[str, Any]) -> Path:
    path = tmp_path / "workflow.asl.json"
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {**state, "End": True}}}))
    return path


GLUE = {
    "Type": "Task",
    "Resource": "arn:aws:states:::glue:startJobRun.sync",
    "Parameters": {"JobName": "nightly"},
}
EC2 = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances", "Parameters": {}}


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (GLUE, r"state 'A': the pattern cannot grant glue:startJobRun.sync .* allowing glue: actions"),
        (
            EC2,
            r"state 'A': the pattern cannot grant aws-sdk:ec2:describeInstances .* allowing ec2:DescribeInstances",
        ),
        (
            {**GLUE, "Resource": "arn:aws:states:::dynamodb:putItem.sync"},
            r"dynamodb:putItem does not support .sync",
        ),
    ],
)
def test_an_integration_the_pattern_cannot_map_is_refused(
    tmp_path: Path, state: dict[str, Any], message: str
) -> None:
    app = cdk.App()
    with pytest.raises(PatternValidationError, match=message):
        OrchestratedPipeline(cdk.Stack(app, "S"), "P", definition_file=asl(tmp_path, state))


def test_the_users_statement_grants_it_in_its_own_policy(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    statement = iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"])
    pipeline = OrchestratedPipeline(
        stack,
        "P",
        definition_file=asl(tmp_path, EC2),
        policies=[statement],
        deployment=DeploymentStrategy.none(),
    )
    policy = pipeline.node.find_child("AdditionalPolicy")
    assert isinstance(policy, iam.Policy)
    resolved = stack.resolve(policy.document.to_json())
    assert resolved["Statement"] == [{"Action": "ec2:DescribeInstances", "Effect": "Allow", "Resource": "*"}]
    # never acknowledged: the user answers for the statements they add
    assert not [m for m in policy.node.metadata if "acknowledg" in json.dumps(m.data).lower()]


def test_a_bucket_object_by_literal_key_is_granted_exactly(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    bucket = s3.Bucket(stack, "Archive")
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket": "Archive", "Key": "config/rules.json"},
        "ResultSelector": {"table.$": "$.Body"},
    }
    path = tmp_path / "w.asl.json"
    path.write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {
                    "A": {**state, "Next": "B"},
                    "B": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::dynamodb:getItem",
                        "Parameters": {"TableName": "${RulesTableName}", "Key": {"id": {"S": "1"}}},
                        "End": True,
                    },
                },
            }
        )
    )
    pipeline = OrchestratedPipeline(
        stack,
        "P",
        definition_file=path,
        resources={"Archive": bucket, "Rules": table},
        functions={},
        deployment=DeploymentStrategy.none(),
    )
    document = stack.resolve(pipeline.state_machine.role.node.find_child("DefaultPolicy").document.to_json())
    actions = {json.dumps(s["Action"]): s["Resource"] for s in document["Statement"]}
    bucket_arn = stack.resolve(bucket.bucket_arn)
    assert actions['"s3:GetObject"'] == {"Fn::Join": ["", [bucket_arn, "/config/rules.json"]]}
    assert actions['"dynamodb:GetItem"'] == stack.resolve(table.table_arn)
    assert pipeline.node.try_find_child("WildcardResourcePolicy") is None


def test_an_encrypted_queue_gets_its_key(integrations: Synthesized) -> None:
    key = logical(integrations, "AWS::KMS::Key", "JobsKey")
    statements = by_policy(integrations)["DefaultPolicy"]
    (kms,) = (s for s in statements if s["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"])
    assert kms["Resource"] == {"Fn::GetAtt": [key, "Arn"]}


def test_a_resource_given_but_not_used_is_an_error(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    with pytest.raises(PatternValidationError, match=r"resources\['Spare'\] is not used by any state"):
        OrchestratedPipeline(
            stack,
            "P",
            definition_file=asl(tmp_path, EC2),
            resources={"Spare": table},
            policies=[iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"])],
        )


def test_a_resource_of_no_known_kind_is_an_error(tmp_path: Path) -> None:
    app = cdk.App()
    with pytest.raises(PatternValidationError, match=r"resources\['Odd'\] must be a dynamodb.ITable"):
        OrchestratedPipeline(
            cdk.Stack(app, "S"),
            "P",
            definition_file=asl(tmp_path, EC2),
            resources={"Odd": object()},
            functions={"x": FunctionSpec(code=HANDLER, handler="app.handler")},
        )


def test_the_archive_handler_answers_where_the_file_went(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    spec = importlib.util.spec_from_file_location(
        "_fulfilment_archive_file", ROOT / "examples" / "handlers" / "fulfilment" / "archive_file.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    item = {"Key": "o-1/invoice.pdf", "Size": 1024, "Etag": '"abc"', "LastModified": "2026-11-26T10:00:00Z"}

    class Context:
        function_name = "archiveFile"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:archiveFile:live"
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    assert module.handler(item, Context()) == {
        "key": "o-1/invoice.pdf",
        "archiveKey": "archive/o-1/invoice.pdf",
    }


def test_the_documentation_shows_the_examples_as_they_are() -> None:
    page = (ROOT / "docs" / "patterns" / "orchestrated-pipeline.md").read_text()
    section = page[page.index("## Branching in Python") :]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 3
    sources = [
        (ROOT / "examples" / name).read_text()
        for name in ("branching_pipeline.py", "chain_pipeline.py", "bring_your_own_state_machine.py")
    ]
    for block, source in zip(blocks, sources, strict=True):
        assert block in source


def test_objects_by_run_time_keys_are_granted_in_the_wildcard_policy(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    bucket = s3.Bucket(stack, "Archive")
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
        "Parameters": {"Bucket": "Archive", "Key.$": "$.key", "Body.$": "$.body"},
    }
    pipeline = OrchestratedPipeline(
        stack,
        "P",
        definition_file=asl(tmp_path, state),
        resources={"Archive": bucket},
        deployment=DeploymentStrategy.none(),
    )
    policy = pipeline.node.find_child("WildcardResourcePolicy")
    assert isinstance(policy, iam.Policy)
    (statement,) = stack.resolve(policy.document.to_json())["Statement"]
    assert statement["Action"] == "s3:PutObject"
    assert statement["Resource"] == {"Fn::Join": ["", [stack.resolve(bucket.bucket_arn), "/*"]]}
    (ack,) = [m.data for m in policy.node.metadata if "acknowledge" in m.type.lower()] or [None]
    assert ack is not None and "state 'A' (aws-sdk:s3:putObject) reaches objects of S/Archive" in json.dumps(
        ack
    )


def test_a_name_in_both_functions_and_resources_is_an_error(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    mine = cdk.aws_lambda.Function.from_function_arn(
        stack, "Mine", "arn:aws:lambda:us-east-1:123456789012:function:x"
    )
    with pytest.raises(PatternValidationError, match=r"resources\['one'\] is also in functions"):
        OrchestratedPipeline(
            stack,
            "P",
            definition_file=asl(tmp_path, EC2),
            functions={"one": FunctionSpec(code=HANDLER, handler="app.handler")},
            resources={"one": mine},
        )


def test_a_users_function_in_resources_is_invoked_as_it_is(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:legacy:prod"
    legacy = cdk.aws_lambda.Function.from_function_arn(stack, "Legacy", arn)
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "arn:aws:lambda:REGION:ACCOUNT:function:legacy", "Payload.$": "$"},
    }
    pipeline = OrchestratedPipeline(
        stack,
        "P",
        definition_file=asl(tmp_path, state),
        resources={"legacy": legacy},
        deployment=DeploymentStrategy.none(),
    )
    assert pipeline.functions == {}
    cfn = pipeline.state_machine.node.default_child
    assert stack.resolve(cfn.definition_substitutions)["Function_legacy"] == arn  # type: ignore[union-attr]
    document = stack.resolve(pipeline.state_machine.role.node.find_child("DefaultPolicy").document.to_json())
    (invoke,) = (s for s in document["Statement"] if s["Action"] == "lambda:InvokeFunction")
    assert invoke["Resource"] == arn
    definition = json.loads(cfn.definition_string)  # type: ignore[union-attr]
    assert definition["States"]["A"]["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"
