"""Building the e2e apps in this process: synthesized once each, the process left as it was."""

from __future__ import annotations

import importlib.util
import json
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

__all__ = [
    "EXAMPLES",
    "kept_process_state",
    "load",
    "processes_running",
    "synth",
    "synth_app",
    "synth_examples",
]

EXAMPLES = Path(__file__).parents[2] / "examples"


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


def synth_app(app_dir: Path, out: Path, context: Mapping[str, Any] | None = None) -> Path:
    """Synthesize the app of ``app_dir`` (whose ``cdk.json`` runs ``python3 app.py``) in this process
    into ``out``, as the CDK CLI would run it: from its directory, with ``cdk.json``'s context, then
    ``context``, and path and asset metadata on; return the assembly, for ``LocalCloud.deploy``.

    The jsii runtime already running here costs nothing more, where the CLI's synth starts Python
    and jsii again (seconds of CPU). That runtime does not see environment variables set after it
    started (``CDK_OUTDIR``, ``CDK_CONTEXT_JSON``), so the app's ``cdk.App()`` is given them as props.
    """
    config = json.loads((app_dir / "cdk.json").read_text())
    assert config["app"] == "python3 app.py", config["app"]
    given = {
        **config.get("context", {}),
        **(context or {}),
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:enable-asset-metadata": True,
    }
    app_class = cdk.App

    def app_here(*args: Any, **kwargs: Any) -> cdk.App:
        return app_class(*args, **{"outdir": str(out), "context": given, **kwargs})

    with kept_process_state(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(cdk, "App", app_here)
        os.chdir(app_dir)
        sys.path.insert(0, str(app_dir))
        runpy.run_path(str(app_dir / "app.py"), run_name="__main__")
    if not (out / "manifest.json").is_file():
        raise AssertionError(f"{app_dir}/app.py wrote no cloud assembly into {out}")
    return out


def load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synth_examples(out: Path) -> Path:
    """The examples app (the real patterns), synthesized into ``out`` without the rule packs."""
    with kept_process_state():
        sys.path.insert(0, str(EXAMPLES))
        examples = load(EXAMPLES / "app.py", "examples_app")

        def build(app: cdk.App) -> None:
            examples.build_app(app, with_rule_packs=False)

        synth(build, out)
        for name in [m for m in sys.modules if m == "stacks" or m.startswith("stacks.")]:
            del sys.modules[name]  # examples/stacks is a package of that app only
    return out


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
