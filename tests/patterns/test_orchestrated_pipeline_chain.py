"""OrchestratedPipeline: a chain built with aws-cdk's ``aws_stepfunctions`` (``definition=``), with
the pattern's logging, tracing, alarms, triggers and notifications around it
(``examples/chain_pipeline.py``)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from serverless_patterns import DeploymentStrategy, PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Step
from tests.support import GateFailure, Synthesized, alarm_metric_names, pattern_tests, synth

ROOT = Path(__file__).parent.parent.parent


def build_chain(stack: cdk.Stack) -> None:
    spec = importlib.util.spec_from_file_location("chain_pipeline", ROOT / "examples" / "chain_pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(stack)


globals().update(pattern_tests(configs={"chain": build_chain}, snapshots=("chain",)))


def machine(s: Synthesized) -> dict[str, Any]:
    (props,) = (r["Properties"] for r in s.resources("AWS::StepFunctions::StateMachine").values())
    return props  # type: ignore[no-any-return]


def text(s: Synthesized) -> str:
    return json.dumps(machine(s)["DefinitionString"])


def test_the_chain_runs_inside_the_notifications(chain: Synthesized) -> None:
    definition = text(chain)
    assert '\\"StartAt\\":\\"Workflow\\"' in definition
    assert '\\"OutputPath\\":\\"$[0]\\"' in definition  # the chain's own output
    assert '\\"Next\\":\\"NotifyError\\"' in definition and '\\"Next\\":\\"NotifySuccess\\"' in definition
    assert '\\"StartAt\\":\\"RecordOrder\\"' in definition
    assert machine(chain)["TracingConfiguration"] == {"Enabled": True}
    assert machine(chain)["LoggingConfiguration"]["Level"] == "ALL"


def test_the_chains_tasks_grant_themselves_and_the_topic_key_is_granted(chain: Synthesized) -> None:
    role = machine(chain)["RoleArn"]["Fn::GetAtt"][0]
    (policy,) = (
        p
        for k, p in chain.resources("AWS::IAM::Policy").items()
        if p["Properties"]["Roles"] == [{"Ref": role}] and "DefaultPolicy" in k
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = [s["Action"] for s in statements]
    assert "dynamodb:PutItem" in actions and "sns:Publish" in actions
    assert ["kms:GenerateDataKey", "kms:Decrypt"] in actions
    assert chain.count("AWS::ApiGateway::RestApi") == 1
    names = set().union(*(alarm_metric_names(a) for a in chain.resources("AWS::CloudWatch::Alarm").values()))
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "NumberOfNotificationsFailed"} <= names


def test_a_chain_task_on_star_is_not_covered_by_the_patterns_acknowledgment() -> None:
    def build(stack: cdk.Stack) -> None:
        call = tasks.CallAwsService(
            stack,
            "ListBuckets",
            service="s3",
            action="listBuckets",
            iam_resources=["*"],
            iam_action="s3:ListAllMyBuckets",
        )
        OrchestratedPipeline(stack, "P", definition=call, deployment=DeploymentStrategy.none())

    with pytest.raises(
        GateFailure, match=r"AwsSolutions-IAM5\[Resource::\*\] on Test/P/Resource/Role/DefaultPolicy"
    ):
        synth(build)


def test_without_notifications_the_chain_is_the_definition() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pipeline = OrchestratedPipeline(
        stack, "P", definition=sfn.Pass(stack, "Only"), notify_failure=False, timeout=cdk.Duration.minutes(5)
    )
    assert pipeline.topic is None
    cfn = pipeline.state_machine.node.default_child
    assert json.loads(stack.resolve(cfn.definition_string)) == {  # type: ignore[union-attr]
        "StartAt": "Only",
        "States": {"Only": {"Type": "Pass", "End": True}},
        "TimeoutSeconds": 300,
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"steps": [Step("A", None)]}, "give one of steps, definition_file and definition, not several"),  # type: ignore[arg-type]
        ({"functions": {}}, "functions, topics, resources and substitutions go with definition_file"),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError, match=message):
        OrchestratedPipeline(stack, "P", definition=sfn.Pass(stack, "Only"), **props)


def test_a_definition_that_is_no_chain_is_an_error() -> None:
    app = cdk.App()
    with pytest.raises(PatternValidationError, match=r"definition must be an sfn.IChainable"):
        OrchestratedPipeline(cdk.Stack(app, "S"), "P", definition="StartAt: A")  # type: ignore[arg-type]
