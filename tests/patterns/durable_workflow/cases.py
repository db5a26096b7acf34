"""DurableWorkflow's material for the shared tests (tests/pattern_cases.py), and the configurations
its own test module snapshots and gates."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import AlarmThresholds, DeploymentStrategy, MonitoringOptions
from serverless_patterns.patterns.durable_workflow import DurableWorkflow
from tests.pattern_cases import PatternCases, spec
from tests.support import Synthesized


def build_default(stack: cdk.Stack) -> None:
    DurableWorkflow(stack, "Orders", function=spec())


def build_maximal(stack: cdk.Stack) -> None:
    """Every option set, and a caller granted to start executions."""
    workflow = DurableWorkflow(
        stack,
        "Claims",
        function=spec(memory_size=1024, timeout=cdk.Duration.minutes(2)),
        execution_timeout=cdk.Duration.days(30),
        retention=cdk.Duration.days(90),
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(executions_failed=3, executions_timed_out=2)),
    )
    starter = iam.Role(stack, "Starter", assumed_by=iam.AccountRootPrincipal())
    workflow.grant_start(starter)


def _checkpoints_own_executions(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    """The policy holds one statement: the checkpoint actions on the executions of the function
    whose role it is attached to."""
    (statement,) = r["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"]
    (function_arn, suffix) = statement["Resource"]["Fn::Join"][1]
    assert suffix == ":*/durable-execution/*"
    function = s.template["Resources"][function_arn["Fn::GetAtt"][0]]["Properties"]
    assert "DurableConfig" in function
    (role,) = r["Properties"]["Roles"]
    assert function["Role"] == {"Fn::GetAtt": [role["Ref"], "Arn"]}


CASES = PatternCases(
    base_props=lambda: {"function": spec()},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: DurableWorkflow(stack, "DurableWorkflow", function=spec()),
    stage_log_groups=1,
    function_prop=lambda function: {"function": function},
    invalid=[
        ({"function": "handlers/orders"}, r"function must be a FunctionSpec, got 'handlers/orders'"),
        ({"function": spec(memory_size=64)}, r"function\.memory_size must be 128\.\.10240 MB, got 64"),
        (
            {"function": spec(runtime=lambda_.Runtime.PYTHON_3_12)},
            r"function\.runtime must be one that runs durable functions \(python3\.13, python3\.14, "
            r"nodejs22\.x, nodejs24\.x\), got python3\.12",
        ),
        (
            {"execution_timeout": cdk.Duration.days(367)},
            r"execution_timeout must be 1\.\.31622400 seconds, got 31708800",
        ),
        ({"execution_timeout": 3600}, r"execution_timeout must be a Duration, got 3600"),
        (
            {"function": spec(timeout=cdk.Duration.minutes(5)), "execution_timeout": cdk.Duration.minutes(1)},
            r"execution_timeout must be at least the function's timeout \(300 s\): one invocation may run "
            r"that long, got 60 s",
        ),
        ({"retention": cdk.Duration.days(91)}, r"retention must be 1\.\.90 days, got 91"),
        ({"retention": cdk.Duration.hours(36)}, r"retention must be a whole number of days, got 1\.5 days"),
        ({"retention": 14}, r"retention must be a Duration, got int"),
    ],
    valid=[
        {"execution_timeout": cdk.Duration.seconds(31_622_400), "retention": cdk.Duration.days(90)},
        {"function": spec(timeout=cdk.Duration.seconds(1)), "execution_timeout": cdk.Duration.seconds(1)},
        {"retention": cdk.Duration.days(1), "function": spec(runtime=lambda_.Runtime.PYTHON_3_13)},
    ],
    acknowledgments={"durable-workflow": lambda stack, fn: DurableWorkflow(stack, "Workflow", function=fn)},
    claims=[
        (
            "AwsSolutions-IAM5[Resource::<",
            re.escape("checkpoints and reads the state of this function's own executions"),
            _checkpoints_own_executions,
        )
    ],
)
