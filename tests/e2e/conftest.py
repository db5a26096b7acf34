"""End-to-end tests: CDK apps deployed with the CDK CLI to the embedded local cloud."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["serverless_patterns.local.pytest_plugin"]

APPS = Path(__file__).parent / "apps"


def synth(app_dir: Path, out: Path, timeout: float = 240) -> Path:
    """Synthesize ``app_dir/app.py`` into ``out`` with this interpreter; return the assembly."""
    env = {**os.environ, "CDK_OUTDIR": str(out), "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
    subprocess.run(
        [sys.executable, "app.py"], cwd=app_dir, env=env, check=True, timeout=timeout, capture_output=True
    )
    return out


@pytest.fixture(scope="session")
def fixture_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture app (tests/e2e/apps/fixture), synthesized once per session."""
    return synth(APPS / "fixture", tmp_path_factory.mktemp("fixture") / "cdk.out")
