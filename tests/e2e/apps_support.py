"""Building the e2e apps in this process: synthesized once each, the process left as it was."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk

__all__ = ["kept_process_state", "load", "processes_running", "synth"]


@contextmanager
def kept_process_state() -> Iterator[None]:
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
    with kept_process_state():
        os.environ.setdefault("CDK_DEFAULT_ACCOUNT", "123456789012")
        os.environ.setdefault("CDK_DEFAULT_REGION", "us-east-1")
        app = cdk.App(outdir=str(out))
        build(app)
        app.synth()
    return out


def load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def processes_running(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in command and state != "Z":
            found.append(int(entry.name))
    return found
