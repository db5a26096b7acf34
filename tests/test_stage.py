"""Stages: the context key sets the defaults of every registered pattern; a prop the user passes still wins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs

from serverless_patterns import (
    ApiToLambda,
    DeploymentStrategy,
    FanoutQueue,
    FunctionSpec,
    PatternValidationError,
    S3Processor,
    Stage,
    Subscriber,
)
from serverless_patterns.core import STAGE_CONTEXT_KEY
from tests.pattern_cases import all_cases
from tests.support import Synthesized, cfn_lint, synth

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler", **kwargs)


def build_all(stack: cdk.Stack) -> None:
    """One of each registered pattern (its cases.py's ``stage``), with every created log group,
    table and bucket the stage governs."""
    for cases in all_cases().values():
        cases.stage(stack)


# The log groups of build_all: each function's, a state machine's executions, an API's access log.
LOG_GROUPS = sum(cases.stage_log_groups for cases in all_cases().values())


@pytest.fixture(scope="module")
def dev() -> Synthesized:
    return synth(build_all, context={STAGE_CONTEXT_KEY: "dev"}, gate=False)


@pytest.fixture(scope="module")
def prod() -> Synthesized:
    return synth(build_all, gate=False)


def _deletion_policies(synthesized: Synthesized, type_: str) -> set[str]:
    return {r.get("DeletionPolicy", "Delete") for r in synthesized.resources(type_).values()}


def _deployment_configs(synthesized: Synthesized) -> set[str]:
    return {
        g["Properties"]["DeploymentConfigName"]
        for g in synthesized.resources("AWS::CodeDeploy::DeploymentGroup").values()
    }


def test_dev_deploys_all_at_once_keeps_logs_a_week_and_lets_data_go(dev: Synthesized) -> None:
    assert _deployment_configs(dev) == {"CodeDeployDefault.LambdaAllAtOnce"}
    assert dev.count("AWS::Logs::LogGroup") == LOG_GROUPS
    assert {g["Properties"]["RetentionInDays"] for g in dev.resources("AWS::Logs::LogGroup").values()} == {7}
    for type_ in ("AWS::Logs::LogGroup", "AWS::DynamoDB::Table", "AWS::S3::Bucket"):
        assert _deletion_policies(dev, type_) == {"Delete"}, type_


def test_prod_is_the_default_and_keeps_todays_defaults(prod: Synthesized) -> None:
    assert {c.split(".")[1][:16] for c in _deployment_configs(prod)} == {"LambdaCanary10Pe"}
    assert {g["Properties"]["RetentionInDays"] for g in prod.resources("AWS::Logs::LogGroup").values()} == {
        30
    }
    for type_ in ("AWS::Logs::LogGroup", "AWS::DynamoDB::Table", "AWS::S3::Bucket"):
        assert _deletion_policies(prod, type_) == {"Retain"}, type_


@pytest.mark.parametrize("config", ["dev", "prod"])
def test_both_stages_pass_the_gates(config: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(config)
    assert synthesized.unacknowledged() == []
    assert cfn_lint(synthesized.template_path) == []


def test_a_prop_the_user_passes_wins_over_the_stage() -> None:
    def build(stack: cdk.Stack) -> None:
        ApiToLambda(
            stack,
            "Api",
            routes={"GET /items": spec(log_retention=logs.RetentionDays.THREE_MONTHS)},
            deployment=DeploymentStrategy.linear(),
            access_log_retention=logs.RetentionDays.ONE_YEAR,
        )
        S3Processor(stack, "Uploads", function=spec(), removal_policy=cdk.RemovalPolicy.RETAIN)

    synthesized = synth(build, context={STAGE_CONTEXT_KEY: "dev"}, gate=False)
    # the API's functions shift linearly as asked; the S3 function keeps the stage's all-at-once
    assert _deployment_configs(synthesized) == {
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "CodeDeployDefault.LambdaAllAtOnce",
    }
    retention = sorted(
        g["Properties"]["RetentionInDays"] for g in synthesized.resources("AWS::Logs::LogGroup").values()
    )
    assert retention == [7, 90, 365]  # the S3 function's log group keeps the stage's week
    assert _deletion_policies(synthesized, "AWS::S3::Bucket") == {"Retain"}


def test_the_pattern_says_its_stage() -> None:
    app = cdk.App(context={STAGE_CONTEXT_KEY: "dev"})
    stack = cdk.Stack(app, "S")
    pattern = FanoutQueue(stack, "Fanout", subscribers={"worker": Subscriber(function=spec())})
    assert pattern.stage is Stage.DEV
    assert (
        FanoutQueue(cdk.Stack(cdk.App(), "P"), "F", subscribers={"w": Subscriber(function=spec())}).stage
        is Stage.PROD
    )


@pytest.mark.parametrize("value", ["staging", "DEV", 1, ""])
def test_an_unknown_stage_is_one_clear_error(value: object) -> None:
    app = cdk.App(context={STAGE_CONTEXT_KEY: value})
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError) as raised:
        FanoutQueue(stack, "Fanout", subscribers={"worker": Subscriber(function=spec())})
    assert f"context {STAGE_CONTEXT_KEY} must be one of 'dev', 'prod', got {value!r}" in str(raised.value)
