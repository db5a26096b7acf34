"""End-to-end tests: CDK apps deployed with the CDK CLI to the embedded local cloud.

The apps are synthesized in this process (once per session each, before any local cloud starts):
a jsii runtime already running here costs nothing more, a subprocess per app costs seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# `pytest_plugins = ["serverless_patterns.local.pytest_plugin"]` belongs in a top-level conftest;
# from this nested one the fixture is imported instead.
from serverless_patterns.local.pytest_plugin import local_cloud  # noqa: F401

from .apps_support import load, synth, synth_examples

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="session")
def fixture_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture app (tests/e2e/apps/fixture), synthesized once per session."""
    app = load(APPS / "fixture" / "app.py", "e2e_fixture_app")
    return synth(app.build, tmp_path_factory.mktemp("fixture") / "cdk.out")


@pytest.fixture(scope="session")
def patterns_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/apps/patterns (S3Processor both ways, StreamToSns), synthesized once per session."""
    app = load(APPS / "patterns" / "app.py", "e2e_patterns_app")
    return synth(app.build, tmp_path_factory.mktemp("patterns") / "cdk.out")


@pytest.fixture(scope="session")
def redrive_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/apps/redrive (one of each kind of parking queue), synthesized once per session."""
    app = load(APPS / "redrive" / "app.py", "e2e_redrive_app")
    return synth(app.build, tmp_path_factory.mktemp("redrive") / "cdk.out")


@pytest.fixture(scope="session")
def examples_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples app (the real patterns), synthesized once per session without the rule packs."""
    return synth_examples(tmp_path_factory.mktemp("examples") / "cdk.out")
