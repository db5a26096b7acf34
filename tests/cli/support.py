"""Helpers of the CLI tests: run a command in-process (Typer's CliRunner) or as the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from serverless_patterns.cli.app import app

SCRIPT = Path(sys.executable).with_name("serverless-patterns")


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Runs the CLI in-process; returns (exit code, stdout, stderr)."""
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", "TERM": "xterm-256color"})
    return result.exit_code, result.stdout, result.stderr


def run_script(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Runs the installed ``serverless-patterns`` console script as a user would."""
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"}
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
