"""``--stage``: the CLI's synths pass the stage's context key to the app, and refuse what no stage fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_patterns._stages import STAGE_CONTEXT_KEY

from .support import invoke

APP = """
import aws_cdk as cdk
from serverless_patterns import FanoutQueue, FunctionSpec, Subscriber

app = cdk.App()
stack = cdk.Stack(app, "Staged", env=cdk.Environment(account="123456789012", region="us-east-1"))
FanoutQueue(stack, "Fanout", subscribers={"worker": Subscriber(function=FunctionSpec(code="handler", handler="app.handler"))})
app.synth()
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "handler").mkdir()
    (tmp_path / "handler" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    return tmp_path


def _template(app: Path) -> dict[str, dict[str, dict[str, object]]]:
    return json.loads((app / "cdk.out" / "Staged.template.json").read_text())  # type: ignore[no-any-return]


def _retention_and_deployment(app: Path) -> tuple[set[object], set[object]]:
    resources = _template(app)["Resources"].values()
    retention = {r["Properties"]["RetentionInDays"] for r in resources if r["Type"] == "AWS::Logs::LogGroup"}  # type: ignore[index]
    configs = {
        r["Properties"]["DeploymentConfigName"]  # type: ignore[index]
        for r in resources
        if r["Type"] == "AWS::CodeDeploy::DeploymentGroup"
    }
    return retention, configs


def test_check_synthesizes_in_the_stage_given_and_in_prod_without(app: Path, runner: CliRunner) -> None:
    code, stdout, stderr = invoke(runner, "check", str(app), "--stage", "dev", "--no-cfn-lint")
    assert code == 0, stdout + stderr
    assert _retention_and_deployment(app) == ({7}, {"CodeDeployDefault.LambdaAllAtOnce"})
    code, stdout, stderr = invoke(runner, "check", str(app), "--no-cfn-lint")
    assert code == 0, stdout + stderr
    retention, configs = _retention_and_deployment(app)
    assert retention == {30}
    assert configs != {"CodeDeployDefault.LambdaAllAtOnce"}


def test_the_stage_overrides_the_apps_own_context(app: Path, runner: CliRunner) -> None:
    (app / "cdk.json").write_text(
        json.dumps({"app": "python3 app.py", "context": {STAGE_CONTEXT_KEY: "dev"}})
    )
    code, stdout, stderr = invoke(runner, "diagram", str(app), "--stage", "prod")
    assert code == 0, stdout + stderr
    assert _retention_and_deployment(app)[0] == {30}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stage", "qa"], "error: --stage must be one of dev, prod, got 'qa'"),
        (["--stage", "dev", "--no-synth"], "error: --no-synth reads the existing cdk.out"),
    ],
)
def test_what_no_stage_fits_is_one_line(app: Path, runner: CliRunner, args: list[str], message: str) -> None:
    code, _, stderr = invoke(runner, "cost", str(app), *args)
    assert code == 2
    assert stderr.strip().startswith(message), stderr
    assert len(stderr.strip().splitlines()) == 1


def test_a_stage_needs_an_app_to_synthesize(tmp_path: Path, runner: CliRunner) -> None:
    template = tmp_path / "stack.template.json"
    template.write_text(json.dumps({"Resources": {}}))
    code, _, stderr = invoke(runner, "check", str(template), "--stage", "dev")
    assert code == 2
    assert "serverless-patterns:stage is synth context: pass a CDK app directory" in stderr
    code, _, stderr = invoke(runner, "check", "api-to-lambda", "--stage", "dev")
    assert code == 2
    assert "--stage applies to a CDK app directory" in stderr
