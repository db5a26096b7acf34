"""``new``: scaffolds an app that synthesizes and passes its own tests right away."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from serverless_patterns.cli.scaffold import CDK_CLI_VERSION

from .support import invoke, run_script


def test_new_app_passes_its_own_tests(tmp_path: Path) -> None:
    directory = tmp_path / "welcome-service"
    done = run_script("new", "fanout-queue", str(directory))
    assert done.returncode == 0, done.stderr
    assert json.loads((directory / "cdk.json").read_text())["context"] == {
        "@aws-cdk/core:validateAgainstDefaultRules": True
    }
    # No package.json: `npm install` in the app would change which CDK CLI runs (and esbuild too).
    assert not (directory / "package.json").exists()
    readme = (directory / "README.md").read_text()
    for command in ("cdk synth", "cdk diff", "cdk deploy"):
        assert f"serverless-patterns {command}" in readme
    assert f"AWS CDK CLI {CDK_CLI_VERSION}" in readme and "npx" not in readme and "npm install" not in readme
    assert "serverless-patterns cdk deploy" in done.stdout
    assert "serverless-patterns" in (directory / "requirements.txt").read_text()
    app = (directory / "app.py").read_text()
    assert "add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))" in app
    assert "aws_lambda_powertools" in (directory / "handlers" / "fanout" / "welcome.py").read_text()
    # The app's tests: handler unit tests and a synth with the rule packs.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_new_refuses_a_non_empty_directory(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    code, _, stderr = invoke(runner, "new", "api-to-lambda", str(tmp_path))
    assert code == 2
    assert (
        stderr.strip() == f"error: {tmp_path} is not empty; choose a new directory (nothing was overwritten)"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_new_into_an_empty_directory(tmp_path: Path, runner: CliRunner) -> None:
    code, stdout, _ = invoke(runner, "new", "ApiToLambda", str(tmp_path))
    assert code == 0
    assert (tmp_path / "tests" / "test_app.py").is_file()
    assert "Next:" in stdout


def test_every_pattern_scaffolds_handlers_whose_tests_pass(tmp_path: Path) -> None:
    """The handler unit tests of every pattern's scaffold, in one pytest run (no synth)."""
    from serverless_patterns import catalog
    from serverless_patterns.cli.scaffold import write_app

    test_files = []
    for entry in catalog.entries():
        write_app(entry, tmp_path / entry.name)
        test_files += [str(p) for p in (tmp_path / entry.name / "tests").glob("test_handlers.py")]
    assert len(test_files) >= 2
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            *test_files,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
