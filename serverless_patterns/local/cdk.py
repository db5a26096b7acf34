"""Finding and running the CDK CLI against the local cloud, on the Node.js that pip installed."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .._toolchain import ToolchainError, pinned_cdk_cli, run_tool

__all__ = ["CdkError", "cdk_command", "run_cdk"]


class CdkError(RuntimeError):
    """The CDK CLI failed; the message ends with the tail of its output."""


def cdk_command(start: Path | None = None) -> list[str]:
    """The CDK CLI to run for the app in ``start``: ``$CDK_CLI``, else the pinned version from the
    per-user cache, installed there on first use (see :mod:`serverless_patterns._toolchain`), the
    one ``serverless-patterns cdk`` runs. Never the app's ``node_modules``: what an ``npm install``
    there put in (an aws-cdk too old to read this aws-cdk-lib's cloud assembly, say) does not change
    which CLI deploys."""
    try:
        return pinned_cdk_cli()
    except ToolchainError as exc:
        raise CdkError(str(exc)) from None


def run_cdk(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    cli: Sequence[str] | None = None,
) -> str:
    """Run the CDK CLI with ``args``; return its output, raise :class:`CdkError` on failure or timeout.

    The CLI and the app it synthesizes run on the library's Node.js (``JSII_NODE``, first on ``PATH``)."""
    command = [*(cli or cdk_command(cwd)), *args]
    try:
        done = run_tool(command, cwd=cwd, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise CdkError(f"`cdk {' '.join(args[:2])}` took longer than {timeout:.0f} s") from exc
    output = (done.stdout or "") + (done.stderr or "")
    if done.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-25:])
        raise CdkError(f"`cdk {' '.join(args[:2])}` failed (exit {done.returncode}):\n{tail}")
    return output
