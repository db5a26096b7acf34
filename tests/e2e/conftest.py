"""End-to-end tests: CDK apps deployed with the CDK CLI to the embedded local cloud."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["serverless_patterns.local.pytest_plugin"]

APPS = Path(__file__).parent / "apps"
EXAMPLES = Path(__file__).parents[2] / "examples"


def _python(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 240) -> None:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**env, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"synth failed in {cwd.name}:\n{done.stderr[-3000:]}")


def synth(app_dir: Path, out: Path) -> Path:
    """Synthesize ``app_dir/app.py`` into ``out`` with this interpreter; return the assembly."""
    _python(["app.py"], app_dir, {**os.environ, "CDK_OUTDIR": str(out)})
    return out


@pytest.fixture(scope="session")
def fixture_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture app (tests/e2e/apps/fixture), synthesized once per session."""
    return synth(APPS / "fixture", tmp_path_factory.mktemp("fixture") / "cdk.out")


@pytest.fixture(scope="session")
def examples_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples app (the real patterns), synthesized once per session without the rule packs."""
    out = tmp_path_factory.mktemp("examples") / "cdk.out"
    env = {
        **os.environ,
        "CDK_OUTDIR": str(out),
        "CDK_DEFAULT_ACCOUNT": "123456789012",
        "CDK_DEFAULT_REGION": "us-east-1",
    }
    _python(["-c", "from app import build_app; build_app(with_rule_packs=False).synth()"], EXAMPLES, env)
    return out


@pytest.fixture(scope="session")
def patterns_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/apps/patterns (S3Processor both ways, StreamToSns), synthesized once per session."""
    return synth(APPS / "patterns", tmp_path_factory.mktemp("patterns") / "cdk.out")
