"""``check``: rule packs and cfn-lint as a table, exit code 1 on any unacknowledged finding;
errors are one line (a traceback only with --debug)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serverless_patterns.cli.assembly import read_assembly
from serverless_patterns.cli.check import findings

from .support import SCRIPT, invoke, run_script


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


# ---------------------------------------------------------------------------------- invalid apps
INVALID_APP = """\
import aws_cdk as cdk

from serverless_patterns import ApiToLambda, FunctionSpec

app = cdk.App()
stack = cdk.Stack(app, "MyApp")
ApiToLambda(
    stack,
    "OrdersApi",
    function=FunctionSpec(code="orders", handler="orders.creat", memory_size=64),
)
app.synth()
"""


def _app(directory: Path, source: str, command: str = "python3 app.py") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cdk.json").write_text(json.dumps({"app": command}))
    (directory / "app.py").write_text(source)
    return directory


def test_check_prints_every_problem_of_an_invalid_pattern(tmp_path: Path) -> None:
    app = _app(tmp_path / "app", INVALID_APP)
    (app / "orders").mkdir()
    (app / "orders" / "orders.py").write_text("def create(event, context):\n    return {}\n")
    done = run_script("check", str(app))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: the app in {app} is invalid: MyApp/OrdersApi: invalid props",
        "  - function.memory_size must be 128..10240 MB, got 64",
        "  - function.handler 'orders.creat': orders.py defines no 'creat'; did you mean 'create'? "
        "It defines: create",
    ]
    assert "Traceback" not in done.stdout + done.stderr


# An app that needs no aws_cdk (so no jsii start-up): it raises an error shaped like
# PatternValidationError, as a pattern would.
FAKE_ERROR = """\
class PatternValidationError(ValueError):
    def __init__(self, construct_path, problems):
        self.construct_path = construct_path
        self.problems = problems
        super().__init__(construct_path + ": invalid props\\n" + "\\n".join("  - " + p for p in problems))


"""


def test_the_runner_records_every_problem_even_of_an_error_raised_from_one(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from serverless_patterns.cli.assembly import synthesize
    from serverless_patterns.cli.errors import CliError

    monkeypatch.setenv("SERVERLESS_PATTERNS_ADD_PACKS", "0")
    raises = (
        "try:\n"
        "    raise PatternValidationError('S/Api', ['a must be 1..2, got 0', 'b must be a string,\\nnot 5'])\n"
        "except ValueError as error:\n"
        "    raise RuntimeError('jsii callback failed') from error\n"
    )
    app = _app(tmp_path, FAKE_ERROR + raises)
    with pytest.raises(CliError) as failure:
        synthesize(app)
    assert failure.value.message == (
        f"the app in {app} is invalid: S/Api: invalid props\n"
        "  - a must be 1..2, got 0\n"
        "  - b must be a string,\nnot 5"
    )
    assert "RuntimeError: jsii callback failed" in failure.value.detail  # what --debug shows


def test_problems_are_read_from_the_traceback_of_an_app_the_runner_does_not_run(
    tmp_path: Path, runner: CliRunner
) -> None:
    raises = "raise PatternValidationError('S/Api', ['a must be 1..2, got 0', 'b must be a string'])\n"
    app = _app(tmp_path, FAKE_ERROR + raises, command="python3 -m app")
    code, _, stderr = invoke(runner, "check", str(app))
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"error: the app in {app} is invalid: S/Api: invalid props",
        "  - a must be 1..2, got 0",
        "  - b must be a string",
    ]


def test_another_error_is_its_type_and_first_line_even_when_its_message_goes_on(
    tmp_path: Path, runner: CliRunner, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SERVERLESS_PATTERNS_ADD_PACKS", "0")
    app = _app(
        tmp_path, "class Oops(Exception):\n    pass\n\n\nraise Oops('the config is wrong\\nsee line 4')\n"
    )
    code, _, stderr = invoke(runner, "check", str(app))
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"error: the app in {app} failed to synthesize: Oops: the config is wrong "
        "(rerun with --debug for its output)"
    ]


def test_the_examples_runner_records_the_problems_of_each_app(tmp_path: Path) -> None:
    """``--many`` (how ``list``, ``show`` and ``check NAME`` synthesize the catalog's examples)."""
    import os
    import subprocess
    import sys

    from serverless_patterns._synth_runner import RUNNER
    from serverless_patterns.cli.assembly import synth_error

    raises = "raise PatternValidationError('S/Api', ['a must be 1..2, got 0', 'b must be a string'])\n"
    _app(tmp_path / "bad", FAKE_ERROR + raises)
    env = {**os.environ, "SERVERLESS_PATTERNS_ADD_PACKS": "0"}
    subprocess.run([sys.executable, str(RUNNER), "--many", str(tmp_path / "bad")], env=env, check=True)
    text = (tmp_path / "bad" / "synth-error.txt").read_text()
    error = synth_error("the bad example", text, tmp_path / "bad" / "synth-error.json")
    assert error.message == (
        "the bad example is invalid: S/Api: invalid props\n  - a must be 1..2, got 0\n  - b must be a string"
    )
    assert error.detail == text


def test_an_app_without_any_finding_checks_clean(tmp_path: Path) -> None:
    """aws-cdk-lib lists only the plugins with findings: a clean app's report lists none, and
    that is a pass when this CLI ran the synth (it installs both packs), not an error."""
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (tmp_path / "app.py").write_text(
        "import aws_cdk as cdk\n"
        "from aws_cdk import aws_kms as kms, aws_sns as sns\n"
        "app = cdk.App()\n"
        "stack = cdk.Stack(app, 'Clean')\n"
        "key = kms.Alias.from_alias_name(stack, 'Key', 'alias/aws/sns')\n"
        "sns.Topic(stack, 'Topic', enforce_ssl=True, master_key=key)\n"
        "app.synth()\n"
    )
    done = run_script("check", str(tmp_path), "--no-cfn-lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 unacknowledged and 0 acknowledged findings" in done.stdout


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="runs the console script of a virtualenv")
def test_the_app_runs_on_the_virtualenv_s_python_when_it_is_not_activated(tmp_path: Path) -> None:
    """``venv/bin/serverless-patterns check`` with that virtualenv not on PATH: ``python3`` of the
    app's cdk.json is the virtualenv's, as for ``serverless-patterns cdk``, not another one first on
    PATH (here one that only fails)."""
    other = tmp_path / "other-bin"
    other.mkdir()
    (other / "python3").write_text("#!/bin/sh\necho 'not the python of the virtualenv' >&2\nexit 3\n")
    (other / "python3").chmod(0o755)
    app = tmp_path / "app"
    app.mkdir()
    (app / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (app / "app.py").write_text(
        "import serverless_patterns\n"
        "import aws_cdk as cdk\n"
        "app = cdk.App()\n"
        "cdk.Stack(app, 'Empty').add_metadata('note', 'nothing')\n"
        "app.synth()\n"
    )
    venv_bin = os.path.dirname(sys.executable)
    path = [other, *(p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin)]
    env = {**os.environ, "PATH": os.pathsep.join(map(str, path))}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        [str(SCRIPT), "check", str(app), "--no-cfn-lint"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "not the python of the virtualenv" not in done.stdout + done.stderr
    assert (app / "cdk.out" / "Empty.template.json").is_file(), done.stdout + done.stderr
