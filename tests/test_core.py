"""The shared building blocks, tested once: monitoring, deployment strategies, errors."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from constructs import Construct

from serverless_patterns import (
    DeploymentStrategy,
    FunctionSpec,
    Monitoring,
    MonitoringOptions,
    PatternValidationError,
)
from serverless_patterns.errors import Problems, is_token
from serverless_patterns.patterns.api_to_lambda import ApiToLambda
from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber
from tests.support import write_handler


def test_monitoring_is_one_per_stack() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    first = Monitoring.of(stack)
    assert Monitoring.of(stack) is first
    other_stack = cdk.Stack(app, "T")
    assert Monitoring.of(other_stack) is not first
    own = Monitoring(cdk.Stack(app, "U"), "Own")
    assert Monitoring.of(stack, MonitoringOptions(monitoring=own)) is own


def test_monitoring_with_emails_and_validation() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    monitoring = Monitoring(stack, alarm_emails=["oncall@example.com"])
    template = app.synth().get_stack_by_name("S").template
    subscriptions = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert [s["Properties"]["Endpoint"] for s in subscriptions] == ["oncall@example.com"]
    assert monitoring.topic_key is not None
    keys = [r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    assert keys[0]["Properties"]["EnableKeyRotation"] is True
    assert "cloudwatch.amazonaws.com" in str(keys[0]["Properties"]["KeyPolicy"])

    topic = sns.Topic.from_topic_arn(stack, "T", "arn:aws:sns:us-east-1:123456789012:alarms")
    with pytest.raises(PatternValidationError, match="alarm_emails cannot be combined with alarm_topic"):
        Monitoring(stack, "M2", alarm_topic=topic, alarm_emails=["a@example.com"])
    with pytest.raises(PatternValidationError, match="alarm_emails must be email addresses, got 'oncall'"):
        Monitoring(stack, "M3", alarm_emails=["oncall"])


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (DeploymentStrategy.canary(0, 5), r"deployment.percent must be 1..99, got 0"),
        (DeploymentStrategy.canary(10, 0), r"deployment.interval_minutes must be 1..2880, got 0"),
        (DeploymentStrategy.linear(1, 60), "takes longer than CodeDeploy's 2880 minutes"),
        (
            DeploymentStrategy("blue_green"),
            "deployment.kind must be one of canary, linear, all_at_once, none",
        ),
    ],
)
def test_deployment_strategy_validation(strategy: DeploymentStrategy, message: str) -> None:
    problems = strategy.problems()
    assert any(__import__("re").search(message, p) for p in problems), problems


def test_valid_strategies_have_no_problems() -> None:
    for strategy in (
        DeploymentStrategy.canary(),
        DeploymentStrategy.linear(10, 1),
        DeploymentStrategy.all_at_once(),
        DeploymentStrategy.none(),
    ):
        assert strategy.problems() == []
    assert DeploymentStrategy.canary() == DeploymentStrategy()  # the documented default
    assert not DeploymentStrategy.none().uses_codedeploy


def test_problems_collects_and_raises_once() -> None:
    problems = Problems()
    problems.in_range("batch_size", 0, 1, 10_000)
    problems.in_range("memory_size", 256, 128, 10240)
    problems.one_of("kind", "x", ("a", "b"))
    with pytest.raises(PatternValidationError) as raised:
        problems.raise_if_any("Stack/Pattern")
    assert raised.value.problems == [
        "batch_size must be 1..10000, got 0",
        "kind must be one of a, b, got 'x'",
    ]
    assert str(raised.value).startswith("Stack/Pattern: invalid props")


def test_tokens_are_recognised_without_jsii() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    number = cdk.CfnParameter(stack, "N", type="Number").value_as_number
    text = cdk.CfnParameter(stack, "T").value_as_string
    assert is_token(number) and is_token(text)
    assert not is_token(5) and not is_token("plain") and not is_token(True)
    problems = Problems()
    problems.in_range("batch_size", number, 1, 10)
    assert not problems


def test_powertools_layer_matches_runtime_and_architecture() -> None:
    from serverless_patterns.core.function import powertools_layer_name

    assert powertools_layer_name("python3.14", "arm64") == "AWSLambdaPowertoolsPythonV3-python314-arm64"
    assert powertools_layer_name("python3.9", "x86_64") == "AWSLambdaPowertoolsPythonV3-python39-x86_64"
    assert powertools_layer_name("python3.8", "arm64") is None  # no v3 layer
    assert powertools_layer_name("nodejs22.x", "arm64") is None


# ------------------------------------------------------------------------------------ logical IDs
def _all_in_stack(stack: cdk.Stack) -> list[cdk.CfnElement]:
    return [
        c
        for c in stack.node.find_all()
        if isinstance(c, cdk.CfnElement) and cdk.Stack.of(c) is stack and not isinstance(c, cdk.CfnOutput)
    ]


@pytest.mark.parametrize("where", ["app", "stage", "nested"])
def test_logical_ids_computed_in_python_match_aws_cdk_lib(tmp_path: Path, where: str) -> None:
    from serverless_patterns.core.logical_id import logical_id

    app = cdk.App()
    scope: Construct = cdk.Stage(app, "Prod") if where == "stage" else app
    stack = cdk.Stack(scope, "My-Stack")
    if where == "nested":
        stack = cdk.NestedStack(stack, "Inner")
    FanoutQueue(
        stack,
        "Orders-Fanout",
        subscribers={
            "billing": Subscriber(function=FunctionSpec(code=write_handler(tmp_path), handler="app.handler"))
        },
    )
    elements = _all_in_stack(stack)
    assert len(elements) > 20
    for element in elements:
        if element.node.id == "Resource" and element.node.scope.node.id == "CurrentVersion":
            continue  # aws-cdk-lib overrides a version's logical ID with a hash of the function
        assert logical_id(stack, element.node.path) == stack.resolve(element.logical_id), element.node.path


def test_a_stack_allocating_its_own_logical_ids_is_not_guessed(tmp_path: Path) -> None:
    from serverless_patterns.core.logical_id import logical_id

    class Prefixed(cdk.Stack):
        def _allocate_logical_id(self, element: cdk.CfnElement) -> str:
            return "X" + super()._allocate_logical_id(element)

    app = cdk.App()
    stack = Prefixed(app, "S")
    assert logical_id(stack, "S/Anything/Resource") is None
    ApiToLambda(stack, "Api", function=FunctionSpec(code=write_handler(tmp_path), handler="app.handler"))
    template = app.synth().get_stack_by_name("S").template
    (fn,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert fn["DependsOn"] and all(d.startswith("X") and d in template["Resources"] for d in fn["DependsOn"])


def test_traffic_hooks_need_a_codedeploy_strategy(tmp_path: Path) -> None:
    import dataclasses

    from aws_cdk import aws_lambda as lambda_

    stack = cdk.Stack(cdk.App(), "S")
    hook = lambda_.Function.from_function_name(stack, "Hook", "CodeDeployHook_check")
    strategy = dataclasses.replace(DeploymentStrategy.none(), pre_traffic_hook=hook)
    assert strategy.problems() == ["deployment: traffic hooks need a CodeDeploy strategy, got kind 'none'"]
    with pytest.raises(PatternValidationError, match="traffic hooks need a CodeDeploy strategy"):
        ApiToLambda(
            stack,
            "Api",
            function=FunctionSpec(code=write_handler(tmp_path), handler="app.handler"),
            deployment=strategy,
        )
