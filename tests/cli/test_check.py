"""``check``: rule packs and cfn-lint as a table, exit code 1 on any unacknowledged finding;
errors are one line (a traceback only with --debug)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from serverless_patterns.cli.assembly import read_assembly
from serverless_patterns.cli.check import findings

from .support import invoke, run_script


def test_findings_of_an_app_without_packs(plain_app: Path) -> None:
    found = findings(read_assembly(plain_app / "cdk.out"))
    open_rules = {f.rule for f in found if not f.acknowledged}
    # The runner added both packs to an app that registers none.
    assert {"AwsSolutions-SQS4", "AwsSolutions-S10", "Serverless-LambdaDLQ"} <= open_rules
    assert not any(
        f.rule == "AwsSolutions-SQS4" and "WorkDlq" in f.resource for f in found if not f.acknowledged
    )
    [acked] = [f for f in found if f.acknowledged and f.source != "cfn-lint"]
    assert (acked.rule, acked.resource, acked.reason) == (
        "AwsSolutions-SQS4",
        "Plain/WorkDlq/Resource",
        "Fixture: only the test suite reads this queue",
    )
    lint = [f for f in found if f.source == "cfn-lint"]
    assert lint and all(f.acknowledged and f.rule == "W3005" for f in lint)  # the CDK's redundant DependsOn


def test_check_command_fails_on_open_findings(plain_app: Path) -> None:
    done = run_script("check", str(plain_app), "--no-synth", "--no-cfn-lint")
    assert done.returncode == 1
    assert "AwsSolutions-SQS4" in done.stdout
    assert "unacknowledged" in done.stdout


def test_check_json_and_acknowledged(plain_app: Path, runner: CliRunner) -> None:
    code, stdout, _ = invoke(runner, "check", str(plain_app), "--no-synth", "--no-cfn-lint", "--json", "-a")
    assert code == 1
    data = json.loads(stdout)
    assert any(
        f["acknowledged"] and f["reason"] == "Fixture: only the test suite reads this queue" for f in data
    )
    assert all(f["source"] in ("AwsSolutions", "Serverless") for f in data)


def test_a_pattern_example_passes(runner: CliRunner, reports: dict[str, Any]) -> None:
    code, stdout, stderr = invoke(runner, "check", "api-to-lambda")
    assert code == 0, stdout + stderr
    assert "0 unacknowledged" in stdout


def test_errors_are_one_line(tmp_path: Path, runner: CliRunner) -> None:
    code, stdout, stderr = invoke(runner, "check", str(tmp_path / "missing"))
    assert code == 2
    assert "Traceback" not in stderr + stdout
    [line] = stderr.strip().splitlines()
    assert line.startswith(
        f"error: {tmp_path / 'missing'} is neither a path nor a pattern name; pass a CDK app"
    )
    assert "api-to-lambda" in line


def test_a_failing_synth_is_one_line_and_debug_shows_its_output(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "app.py").write_text("raise ValueError('bucket_name must be lower case')\n")
    code, stdout, stderr = invoke(runner, "check", str(tmp_path))
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert "ValueError: bucket_name must be lower case" in line and "--debug" in line
    assert "Traceback" not in stdout + stderr
    code, _, stderr = invoke(runner, "--debug", "check", str(tmp_path))
    assert code == 2
    assert "Traceback" in stderr
