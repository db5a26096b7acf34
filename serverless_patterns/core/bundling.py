"""Python code assets with their dependencies, bundled on this machine with uv: no Docker.

A code directory with a ``requirements.txt``, or a ``pyproject.toml`` (its ``uv.lock`` or
``poetry.lock`` honoured when present), gets its dependencies installed next to the handler code,
as manylinux wheels for the function's own runtime (``python3.14`` -> CPython 3.14) and
architecture (``arm64`` -> aarch64). Nothing is ever built from source: a package with no wheel for
the target is one :class:`PatternValidationError` naming the package, the version and the platform.

Bundles are cached per user (``$SERVERLESS_PATTERNS_BUNDLE_CACHE``, else
``$XDG_CACHE_HOME/serverless-patterns/bundles``, else ``~/.cache/serverless-patterns/bundles``):

- ``deps/<key>``: the installed dependencies, keyed by the dependency files' content, the runtime
  and the architecture. An unchanged requirement set is never resolved twice.
- ``assets/<key>``: those dependencies plus the code directory's own files, keyed by that and by
  the files' content; it is the asset, with that key as its asset hash, so an unchanged app
  re-synthesizes to the same hash (``cdk deploy`` sees no change) without resolving or copying.

An asset holds only the function's files and its dependencies: what tools leave behind is never
shipped, whatever ``exclude`` says (:data:`NEVER_SHIPPED`: lock files such as the ``.lock`` uv
writes into an install target, ``uv.lock`` or ``poetry.lock``; ``__pycache__`` and the caches of
pytest, mypy and ruff; bytecode).

Every entry is built in a temporary directory beside it and renamed into place, so an interrupted
or failed build leaves nothing half-written. The cache is never pruned: delete it at will.

Unpinned requirements resolve once: ``pydantic`` stays at the version first installed until the
dependency file changes (pin versions, or lock them, to control upgrades).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

from .._staging import staged_directory
from ..errors import PatternValidationError

__all__ = [
    "CACHE_ENV",
    "DEFAULT_EXCLUDES",
    "DEPENDENCY_FILES",
    "NEVER_SHIPPED",
    "Target",
    "bundle_cache_dir",
    "code_asset",
    "layer_asset",
]

CACHE_ENV = "SERVERLESS_PATTERNS_BUNDLE_CACHE"
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "cdk.out",
    ".venv",
    "node_modules",
    ".git",
    "__pycache__",
    "tests",
    "*.pyc",
)
DEPENDENCY_FILES = ("requirements.txt", "pyproject.toml")
NEVER_SHIPPED: tuple[str, ...] = (
    ".lock",
    "*.lock",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)
"""Names (globs, at any depth) left out of every asset, on top of ``exclude``: locks, caches, bytecode."""
# Bump when the layout of a bundle changes, so old cache entries are not reused.
_FORMAT = "1"


@dataclass(frozen=True)
class Target:
    """The Lambda environment a bundle is for."""

    runtime: str
    """Runtime name, ``python3.14``."""
    architecture: str
    """``arm64`` or ``x86_64``."""

    @property
    def python_version(self) -> str | None:
        """``3.14`` for ``python3.14``; None for a runtime that is not CPython."""
        match = re.fullmatch(r"python(3\.\d+)", self.runtime)
        return match.group(1) if match else None

    @property
    def platform(self) -> str:
        """uv's ``--python-platform``: the glibc of the runtime's Amazon Linux. Python 3.12 and
        later run on Amazon Linux 2023 (glibc 2.34), older ones on Amazon Linux 2 (glibc 2.26,
        so manylinux2014)."""
        machine = "aarch64" if self.architecture == "arm64" else "x86_64"
        version = self.python_version or "3.0"
        minor = int(version.split(".")[1])
        return f"{machine}-manylinux_2_34" if minor >= 12 else f"{machine}-manylinux2014"

    def describe(self) -> str:
        return (
            f"CPython {self.python_version} on {self.platform} (Lambda {self.runtime}, {self.architecture})"
        )


def bundle_cache_dir() -> Path:
    """Where bundles are cached (see the module docstring)."""
    own = os.environ.get(CACHE_ENV)
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "serverless-patterns" / "bundles"


def has_dependencies(directory: str) -> bool:
    return any(os.path.isfile(os.path.join(directory, name)) for name in DEPENDENCY_FILES)


def code_asset(
    directory: str,
    *,
    target: Target,
    exclude: Sequence[str] | None,
    construct_path: str,
) -> lambda_.Code:
    """A function's code: the directory as it is (minus ``exclude``) when it declares no
    dependencies or the runtime is not Python, else the directory with its dependencies bundled
    beside it."""
    excludes = list(DEFAULT_EXCLUDES if exclude is None else exclude)
    if target.python_version is None or not has_dependencies(directory):
        # Excluding names the directory does not hold leaves CDK's asset hash unchanged.
        return lambda_.Code.from_asset(directory, exclude=_with_never_shipped(excludes))
    return _bundled(directory, target, excludes, construct_path, prefix="")


def layer_asset(
    directory: str,
    *,
    target: Target,
    exclude: Sequence[str] | None,
    construct_path: str,
) -> lambda_.Code:
    """A layer's code: the directory's files and its dependencies under ``python/``."""
    excludes = list(DEFAULT_EXCLUDES if exclude is None else exclude)
    return _bundled(directory, target, excludes, construct_path, prefix="python")


# ------------------------------------------------------------------------------------------ internals
def _bundled(
    directory: str, target: Target, excludes: list[str], construct_path: str, *, prefix: str
) -> lambda_.Code:
    cache = bundle_cache_dir()
    deps = _dependencies(directory, target, cache, construct_path)
    digest = hashlib.sha256(f"{_FORMAT}\0asset\0{prefix}\0{deps.name if deps else ''}\0".encode())
    digest.update("\0".join(excludes).encode())
    # What is never shipped is part of the key: an asset built before a name was added is not reused.
    digest.update(("\0never\0" + "\0".join(NEVER_SHIPPED)).encode())
    files = sorted(_source_files(directory, _with_never_shipped(excludes)))
    for relative in files:
        digest.update(f"\0{relative}\0".encode())
        digest.update(_file_digest(os.path.join(directory, relative)))
    key = digest.hexdigest()
    asset = cache / "assets" / key
    if not asset.is_dir():
        with staged_directory(asset) as staging:
            root = staging / prefix if prefix else staging
            if deps is not None:
                # Hard links: the dependencies cost no copy and no space (copies across devices).
                shutil.copytree(
                    deps,
                    root,
                    copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns(*NEVER_SHIPPED),
                    dirs_exist_ok=True,
                )
            for relative in files:  # the code's own files win over a dependency's
                destination = root / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.unlink(missing_ok=True)
                shutil.copy2(os.path.join(directory, relative), destination)
    return lambda_.Code.from_asset(str(asset), asset_hash=key, asset_hash_type=AssetHashType.CUSTOM)


def _dependencies(directory: str, target: Target, cache: Path, construct_path: str) -> Path | None:
    """The installed dependencies of ``directory`` for ``target``, from the cache or built."""
    sources = _dependency_sources(directory)
    if not sources:
        return None
    digest = hashlib.sha256(f"{_FORMAT}\0deps\0{target.runtime}\0{target.platform}\0".encode())
    for name in sources:
        digest.update(f"\0{name}\0".encode())
        digest.update(_file_digest(os.path.join(directory, name)))
    installed = cache / "deps" / digest.hexdigest()
    if installed.is_dir():
        return installed
    with staged_directory(installed) as staging:
        _install(directory, sources, target, staging, construct_path)
    return installed


def _dependency_sources(directory: str) -> list[str]:
    """The files that decide the dependencies: requirements.txt, else pyproject.toml and its lock."""
    if os.path.isfile(os.path.join(directory, "requirements.txt")):
        return ["requirements.txt"]
    if not os.path.isfile(os.path.join(directory, "pyproject.toml")):
        return []
    for lock in ("uv.lock", "poetry.lock"):
        if os.path.isfile(os.path.join(directory, lock)):
            return ["pyproject.toml", lock]
    return ["pyproject.toml"]


def _install(directory: str, sources: list[str], target: Target, into: Path, construct_path: str) -> None:
    scratch = into.parent / f".{into.name}.inputs"
    scratch.mkdir()
    try:
        requirements = ["-r", os.path.join(directory, sources[0])]
        lock = sources[1] if len(sources) > 1 else None
        if lock == "uv.lock":
            exported = scratch / "requirements.txt"
            _uv(
                [
                    "export",
                    "--frozen",
                    "--format",
                    "requirements-txt",
                    "--no-dev",
                    "--no-emit-project",
                    "--no-header",
                    "--output-file",
                    str(exported),
                ],
                cwd=directory,
                construct_path=construct_path,
                target=target,
            )
            requirements = ["-r", str(exported)]
        elif lock == "poetry.lock":
            constraints = scratch / "constraints.txt"
            constraints.write_text(_poetry_pins(Path(directory, "poetry.lock")))
            requirements += ["--constraint", str(constraints)]
        _uv(
            [
                "pip",
                "install",
                "--target",
                str(into),
                "--python",
                sys.executable,
                "--python-version",
                str(target.python_version),
                "--python-platform",
                target.platform,
                "--only-binary",
                ":all:",
                "--quiet",
                *requirements,
            ],
            cwd=directory,
            construct_path=construct_path,
            target=target,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _poetry_pins(lock: Path) -> str:
    """poetry.lock as pip constraints: each locked registry package at its locked version. uv cannot
    read poetry.lock; constraining pyproject.toml's [project] dependencies to it installs the
    locked versions (a package's lock markers and hashes are not checked)."""
    data = tomllib.loads(lock.read_text())
    pins = [
        f"{package['name']}=={package['version']}"
        for package in data.get("package", [])
        if package.get("source", {}).get("type") in (None, "legacy")
    ]
    return "\n".join(pins) + "\n"


def _uv(args: list[str], *, cwd: str, construct_path: str, target: Target) -> None:
    import uv

    result = _run([uv.find_uv_bin(), *args], cwd)
    if result.returncode != 0:
        raise PatternValidationError(construct_path, [_explain(result.stderr, cwd, target)])


def _run(command: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    """Runs the resolver (one place, so tests can count the runs)."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


_NO_WHEEL = re.compile(
    r"(?:all versions of (?P<any>[\w.\-]+) have no usable wheels)"
    r"|(?:(?P<name>[\w.\-]+)(?P<spec>[=<>!~]=?[^\s,]+(?:,[=<>!~]=?[^\s,]+)*)? has no usable wheels)"
)


def _explain(stderr: str, directory: str, target: Target) -> str:
    """One message for a failed uv run: the package, version and platform when a wheel is missing."""
    ways_out = (
        "Ways out: pin a version that publishes a wheel for this platform, pass your own "
        "lambda_.Code as the code (a directory bundled elsewhere), or build with Docker where Docker "
        "exists (lambda_.Code.from_asset(..., bundling=cdk.BundlingOptions(...)))"
    )
    match = _NO_WHEEL.search(stderr)
    if match is not None:
        if match.group("any"):
            package, version = match.group("any"), "any version"
        else:
            package, spec = match.group("name"), match.group("spec") or ""
            version = spec[2:] if spec.startswith("==") else (spec or "the version required")
        return (
            f"the dependencies of {directory!r} need {package} {version}, which publishes no wheel for "
            f"{target.describe()}; nothing is built from source. {ways_out}"
        )
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("Using ")]
    detail = "\n      ".join(lines[-8:]) or "uv failed with no output"
    return (
        f"could not bundle the dependencies of {directory!r} for {target.describe()}:\n      {detail}\n"
        f"    {ways_out}"
    )


def _source_files(directory: str, excludes: list[str]) -> Iterator[str]:
    """The directory's files, relative, minus ``excludes``: glob patterns; one without a ``/``
    matches a file or directory name at any depth, one with a ``/`` the path from the directory."""
    for root, dirs, names in os.walk(directory):
        base = os.path.relpath(root, directory)
        base = "" if base == "." else base.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if not _excluded(base + d, excludes))
        for name in sorted(names):
            if not _excluded(base + name, excludes):
                yield base + name


def _with_never_shipped(excludes: list[str]) -> list[str]:
    return [*excludes, *(pattern for pattern in NEVER_SHIPPED if pattern not in excludes)]


def _excluded(relative: str, excludes: list[str]) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatchcase(relative if "/" in pattern else name, pattern.strip("/")) for pattern in excludes
    )


def _file_digest(path: str) -> bytes:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


def _link_or_copy(source: str, destination: str) -> object:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
    return destination
