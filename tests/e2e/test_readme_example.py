"""The documentation's "Run it locally" example (docs/local.md) is a real file that runs as a user
would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "run_locally.py"

pytestmark = pytest.mark.e2e


def test_the_documentation_shows_the_example_file() -> None:
    code = EXAMPLE.read_text().split('"""', 2)[2].lstrip("\n")
    assert code in (ROOT / "docs" / "local.md").read_text()


def test_example_deploys_and_calls_the_api() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "200 {'id': '1', 'name': 'Ada Lovelace', 'plan': 'pro'}"
    assert any(" api " in line and line.endswith(" ok") for line in lines[1:])
    # alarms are evaluated and CodeDeploy emulated: neither is listed as missing any more
    assert not any("AWS::CloudWatch::Alarm" in line or "AWS::CodeDeploy" in line for line in lines)
