"""The install as a new user does it (scripts/try_fresh_install.sh): a wheel in a fresh virtualenv,
the system's old Node.js first on PATH and no node_modules; new, check, the app's tests, the local
cloud, no end-of-life banner, the CDK CLI from the per-user cache. Minutes long and needs the
network (PyPI, the npm registry): runs only with SERVERLESS_PATTERNS_SLOW=1."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("SERVERLESS_PATTERNS_SLOW") != "1",
        reason="minutes long: set SERVERLESS_PATTERNS_SLOW=1",
    ),
]


def test_a_fresh_install_from_the_wheel_works_as_written() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "try_fresh_install.sh")],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert done.stdout.rstrip().endswith("==> ok")
    assert "end-of-life" not in done.stdout + done.stderr
    assert "the CDK CLI 2.1148.1 from the per-user cache" in done.stdout
