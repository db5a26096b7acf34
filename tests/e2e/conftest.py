"""End-to-end tests: CDK apps deployed with the CDK CLI to the embedded local cloud.

The apps are synthesized in this process (once per session each, before any local cloud starts):
a jsii runtime already running here costs nothing more, a subprocess per app costs seconds.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

# `pytest_plugins = ["serverless_patterns.local.pytest_plugin"]` belongs in a top-level conftest;
# from this nested one the fixture is imported instead.
from serverless_patterns.local.pytest_plugin import local_cloud  # noqa: F401

APPS = Path(__file__).parent / "apps"
EXAMPLES = Path(__file__).parents[2] / "examples"


@contextmanager
def _kept_process_state() -> Iterator[None]:
    """Put back the working directory, ``sys.path`` and the environment an app may change."""
    cwd, path, env = os.getcwd(), list(sys.path), dict(os.environ)
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        for key in set(os.environ) - set(env):
            del os.environ[key]
        os.environ.update(env)


def synth(build: Callable[[cdk.App], Any], out: Path) -> Path:
    """Build an app with ``build(app)`` and synthesize it into ``out``; return the assembly."""
    with _kept_process_state():
        os.environ.setdefault("CDK_DEFAULT_ACCOUNT", "123456789012")
        os.environ.setdefault("CDK_DEFAULT_REGION", "us-east-1")
        app = cdk.App(outdir=str(out))
        build(app)
        app.synth()
    return out


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fixture_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture app (tests/e2e/apps/fixture), synthesized once per session."""
    app = _load(APPS / "fixture" / "app.py", "e2e_fixture_app")
    return synth(app.build, tmp_path_factory.mktemp("fixture") / "cdk.out")


@pytest.fixture(scope="session")
def patterns_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/apps/patterns (S3Processor both ways, StreamToSns), synthesized once per session."""
    app = _load(APPS / "patterns" / "app.py", "e2e_patterns_app")
    return synth(app.build, tmp_path_factory.mktemp("patterns") / "cdk.out")


@pytest.fixture(scope="session")
def examples_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples app (the real patterns), synthesized once per session without the rule packs."""
    with _kept_process_state():
        sys.path.insert(0, str(EXAMPLES))
        examples = _load(EXAMPLES / "app.py", "e2e_examples_app")

        def build(app: cdk.App) -> None:
            examples.build_app(app, with_rule_packs=False)

        out = synth(build, tmp_path_factory.mktemp("examples") / "cdk.out")
        for name in [m for m in sys.modules if m == "stacks" or m.startswith("stacks.")]:
            del sys.modules[name]  # examples/stacks is a package of that app only
    return out
