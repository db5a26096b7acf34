"""Node.js and TypeScript handlers bundled with esbuild, without Docker: the bundle, the cache, the
errors, and a Node.js function in a pattern through the rule packs and cfn-lint.

esbuild comes from the repository's package.json (``npm ci``), found from the fixture upward."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import FunctionSpec, PatternValidationError
from serverless_patterns.core import bundling, node_bundling
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, ApiType
from tests.support import Synthesized, pattern_tests, rollback_metrics, synth

ROOT = Path(__file__).parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "handlers" / "node_greeter"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
GREETING = "tiny-greeting says hello, "


# ------------------------------------------------------------------------------------------- helpers
class EsbuildRuns:
    """Counts the bundling runs of esbuild (``--version`` runs are not bundling)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commands: list[list[str]] = []
        real = node_bundling._run

        def counting(command: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
            if "--bundle" in command:
                self.commands.append(command)
            return real(command, cwd)

        monkeypatch.setattr(node_bundling, "_run", counting)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "bundle-cache"
    monkeypatch.setenv(bundling.CACHE_ENV, str(directory))
    return directory


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture (with its vendored node_modules) outside the repository, with the
    repository's esbuild named by the environment variable."""
    directory = tmp_path / "app"
    shutil.copytree(FIXTURE, directory)
    monkeypatch.setenv(node_bundling.ESBUILD_ENV, str(ESBUILD))
    return directory


def node_api(code: Path | str, handler: str = "index.handler", **spec: Any) -> Any:
    spec.setdefault("runtime", lambda_.Runtime.NODEJS_24_X)

    def build(stack: cdk.Stack) -> None:
        ApiToLambda(
            stack,
            "Api",
            function=FunctionSpec(code=str(code), handler=handler, **spec),
            api_type=ApiType.HTTP,
        )

    return build


def function_of(synthesized: Synthesized) -> dict[str, Any]:
    (function,) = synthesized.resources("AWS::Lambda::Function").values()
    return function  # type: ignore[no-any-return]


def function_code(synthesized: Synthesized) -> tuple[str, Path]:
    """The (only) function's asset hash and its staged directory in cdk.out."""
    asset_hash = function_of(synthesized)["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return asset_hash, synthesized.template_path.parent / f"asset.{asset_hash}"


def files(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def node_binary() -> str:
    node = os.environ.get("JSII_NODE") or shutil.which("node")
    assert node, "Node.js is needed to run the bundle"
    return node


# ----------------------------------------------------------------------- a Node.js function, gated
@pytest.fixture(scope="module", autouse=True)
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(bundling.CACHE_ENV, str(tmp_path_factory.mktemp("node-bundle-cache")))
        yield


def build_node(stack: cdk.Stack) -> None:
    node_api(FIXTURE)(stack)


globals().update(pattern_tests(configs={"node": build_node}, snapshots=("node",)))


def test_a_typescript_handler_is_one_bundle_with_its_dependency(node: Synthesized) -> None:
    _, asset = function_code(node)
    assert files(asset) == {"index.js", "index.js.map"}
    bundle = (asset / "index.js").read_text()
    assert GREETING in bundle  # the dependency is in the bundle
    assert 'require("@aws-sdk/client-s3")' in bundle  # the SDK is the runtime's
    assert "S3Client {" not in bundle and "interface Event" not in bundle
    assert bundle.rstrip().endswith("//# sourceMappingURL=index.js.map")
    source_map = json.loads((asset / "index.js.map").read_text())
    # Relative to the code directory, as the bundle sits in /var/task: the same on every machine.
    assert source_map["sources"] == ["node_modules/tiny-greeting/index.js", "index.ts"]
    assert "sourcesContent" not in source_map


def test_the_function_is_a_node_function_with_source_maps_and_no_python_layer(node: Synthesized) -> None:
    props = function_of(node)["Properties"]
    assert props["Runtime"] == "nodejs24.x"
    assert props["Handler"] == "index.handler"
    assert props["Environment"]["Variables"]["NODE_OPTIONS"] == "--enable-source-maps"
    assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "Api"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert "Layers" not in props  # the Powertools layer is Python's
    # The same canary and alarms as a Python function.
    assert node.count("AWS::CodeDeploy::DeploymentGroup") == 1
    assert {"Errors", "Throttles"} <= rollback_metrics(node)


def test_the_bundle_runs_on_node_and_maps_errors_to_the_typescript(node: Synthesized, tmp_path: Path) -> None:
    _, asset = function_code(node)
    task = tmp_path / "task"
    shutil.copytree(asset, task)
    sdk = task / "node_modules" / "@aws-sdk" / "client-s3"  # the runtime's SDK, stubbed
    sdk.mkdir(parents=True)
    (sdk / "index.js").write_text(
        "exports.S3Client = class { send() { throw new Error('no S3 here'); } };\n"
        "exports.ListBucketsCommand = class {};\n"
    )
    script = (
        "const { handler } = require('./index.js');"
        "handler({ queryStringParameters: { name: 'Ada' } }).then(r => console.log(r.body))"
        ".then(() => handler({ queryStringParameters: { name: 'buckets' } }))"
        ".catch(e => console.log(e.stack))"
    )
    result = subprocess.run(
        [node_binary(), "--enable-source-maps", "-e", script],
        cwd=task,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{GREETING}Ada" in result.stdout
    assert "no S3 here" in result.stdout
    assert f"{task / 'index.ts'}:" in result.stdout  # the stack trace points into the TypeScript


# --------------------------------------------------------------------------------------- the target
@pytest.mark.parametrize(("runtime", "target"), [(lambda_.Runtime.NODEJS_22_X, "node22"), (None, "node24")])
def test_the_bundle_targets_the_runtimes_node_version(
    runtime: lambda_.Runtime | None,
    target: str,
    app_dir: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = EsbuildRuns(monkeypatch)
    app = cdk.App(outdir=str(app_dir.parent / "out"))
    node_api(app_dir, runtime=runtime or lambda_.Runtime.NODEJS_LATEST)(cdk.Stack(app, "S"))
    (command,) = runs.commands
    assert f"--target={target}" in command
    assert {"--platform=node", "--format=cjs", "--external:@aws-sdk/*", "--sourcemap"} <= set(command)


def test_a_nested_handler_keeps_its_path(app_dir: Path, cache: Path) -> None:
    (app_dir / "src" / "handlers").mkdir(parents=True)
    (app_dir / "index.ts").rename(app_dir / "src" / "handlers" / "get.ts")
    synthesized = synth(node_api(app_dir, handler="src/handlers/get.handler"))
    assert function_of(synthesized)["Properties"]["Handler"] == "src/handlers/get.handler"
    _, asset = function_code(synthesized)
    assert files(asset) == {"src/handlers/get.js", "src/handlers/get.js.map"}
    source_map = json.loads((asset / "src" / "handlers" / "get.js.map").read_text())
    assert source_map["sources"] == ["../../node_modules/tiny-greeting/index.js", "get.ts"]


def test_an_es_module_entry_is_an_es_module_bundle_with_top_level_await(
    app_dir: Path, cache: Path, tmp_path: Path
) -> None:
    (app_dir / "index.ts").unlink()
    (app_dir / "index.mts").write_text(
        'import { createRequire } from "node:module";\n'
        'import { greet } from "tiny-greeting";\n'
        "const require = createRequire(import.meta.url);\n"
        'const { platform } = require("node:os");\n'
        'const greeting: string = await Promise.resolve(greet("esm"));\n'
        "export const handler = async () => ({ statusCode: 200, body: `${greeting} on ${typeof platform}` });\n"
    )
    synthesized = synth(node_api(app_dir))
    assert function_of(synthesized)["Properties"]["Handler"] == "index.handler"
    _, asset = function_code(synthesized)
    assert files(asset) == {"index.mjs", "index.mjs.map"}
    script = "const m = await import('./index.mjs'); console.log((await m.handler()).body);"
    result = subprocess.run(
        [node_binary(), "--input-type=module", "-e", script],
        cwd=asset,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"{GREETING}esm on function"


# -------------------------------------------------------------------------------------------- cache
def test_an_unchanged_app_resynthesizes_from_the_cache(
    app_dir: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = EsbuildRuns(monkeypatch)
    first, _ = function_code(synth(node_api(app_dir)))
    assert len(runs.commands) == 1

    second, asset = function_code(synth(node_api(app_dir)))
    assert len(runs.commands) == 1  # esbuild did not run again
    assert second == first  # cdk deploy sees no change
    assert GREETING in (asset / "index.js").read_text()

    # A handler edit is bundled again.
    index = app_dir / "index.ts"
    index.write_text(index.read_text().replace('"world"', '"everyone"'))
    third, asset = function_code(synth(node_api(app_dir)))
    assert len(runs.commands) == 2 and third != first
    assert '"everyone"' in (asset / "index.js").read_text()

    # So is an edit inside node_modules (every file esbuild read is checked, not only the lockfile).
    dependency = app_dir / "node_modules" / "tiny-greeting" / "index.js"
    dependency.write_text(dependency.read_text().replace("hello", "hi"))
    fourth, asset = function_code(synth(node_api(app_dir)))
    assert len(runs.commands) == 3 and fourth != third
    assert "tiny-greeting says hi, " in (asset / "index.js").read_text()

    # Undoing the edits finds the earlier bundle's content again: the same asset hash.
    dependency.write_text(dependency.read_text().replace("hi", "hello"))
    index.write_text(index.read_text().replace('"everyone"', '"world"'))
    assert function_code(synth(node_api(app_dir)))[0] == first
    # Nothing half-written is left beside the entries.
    assert not [p for p in (cache / "assets").iterdir() if p.name.startswith(".")]
    assert not [p for p in (cache / "node-manifests").iterdir() if p.name.startswith(".")]


def test_the_asset_hash_does_not_depend_on_the_cache_location(
    app_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = set()
    for name in ("one", "elsewhere/two"):
        monkeypatch.setenv(bundling.CACHE_ENV, str(tmp_path / name))
        hashes.add(function_code(synth(node_api(app_dir)))[0])
    assert len(hashes) == 1


# ------------------------------------------------------------------------------------------- errors
def test_missing_esbuild_offline_is_one_clear_error(
    app_dir: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No esbuild of the app's, none in the per-user cache, and the npm registry unreachable."""
    monkeypatch.delenv(node_bundling.ESBUILD_ENV)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(PatternValidationError) as raised:
        node_api(app_dir)(cdk.Stack(cdk.App(), "S"))
    (problem,) = raised.value.problems
    assert "esbuild is needed" in problem
    assert "cannot install esbuild 0.28.2 from the npm registry" in problem and "ECONNREFUSED" in problem
    assert "npm install --save-dev --save-exact esbuild@0.28.2" in problem
    assert node_bundling.ESBUILD_ENV in problem
    assert raised.value.construct_path.startswith("S/Api/")
    assert not cache.exists()
    assert not (app_dir / "node_modules" / "esbuild").exists()


def test_an_esbuild_that_does_not_run_is_one_clear_error(
    app_dir: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(node_bundling.ESBUILD_ENV, str(app_dir / "no-such-esbuild"))
    with pytest.raises(PatternValidationError) as raised:
        node_api(app_dir)(cdk.Stack(cdk.App(), "S"))
    (problem,) = raised.value.problems
    assert f"esbuild at {str(app_dir / 'no-such-esbuild')!r} does not run" in problem
    assert "npm install --save-dev --save-exact esbuild@0.28.2" in problem
    assert not cache.exists()


def test_esbuild_is_the_apps_own_else_the_pinned_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(directory: Path, name: str = "esbuild") -> str:
        directory.mkdir(parents=True)
        binary = directory / name
        binary.write_text("#!/bin/sh\n")
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        return str(binary)

    code = tmp_path / "project" / "handlers" / "api"
    code.mkdir(parents=True)
    monkeypatch.delenv(node_bundling.ESBUILD_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    fake(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert node_bundling.find_esbuild(str(code), install=False) is None  # PATH is not looked at
    pinned = fake(
        tmp_path / "xdg" / "serverless-patterns" / "esbuild" / "0.28.2" / "node_modules" / "esbuild" / "bin"
    )
    assert node_bundling.find_esbuild(str(code)) == pinned
    in_cwd = fake(tmp_path / "node_modules" / ".bin")
    assert node_bundling.find_esbuild(str(code)) == in_cwd
    in_project = fake(tmp_path / "project" / "node_modules" / ".bin")
    assert node_bundling.find_esbuild(str(code)) == in_project
    monkeypatch.setenv(node_bundling.ESBUILD_ENV, "/opt/esbuild")
    assert node_bundling.find_esbuild(str(code)) == "/opt/esbuild"


def test_without_an_esbuild_of_its_own_the_pinned_one_is_installed_once_and_bundles(
    app_dir: Path,
    cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The real npm registry: esbuild 0.28.2 into the per-user cache by the wheel's npm, in a folder
    of its own; the app's package.json is not installed (its @aws-sdk/client-s3 stays absent)."""
    monkeypatch.delenv(node_bundling.ESBUILD_ENV)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm"))
    before = sorted(p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*"))
    _, asset = function_code(synth(node_api(app_dir)))
    assert files(asset) == {"index.js", "index.js.map"}
    assert GREETING in (asset / "index.js").read_text()
    installed = tmp_path / "xdg" / "serverless-patterns" / "esbuild"
    assert sorted(p.name for p in installed.iterdir()) == ["0.28.2", "0.28.2.lock"]
    version = subprocess.run(
        [str(installed / "0.28.2" / "node_modules" / "esbuild" / "bin" / "esbuild"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "0.28.2"
    assert sorted(p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*")) == before
    assert capfd.readouterr().err.count("Installing esbuild 0.28.2 into ") == 1
    # A second app bundles with the same esbuild, installing nothing.
    other = tmp_path / "other"
    shutil.copytree(app_dir, other)
    (other / "index.ts").write_text((other / "index.ts").read_text() + "\n// another app\n")
    synth(node_api(other))
    assert "Installing" not in capfd.readouterr().err


def test_uninstalled_dependencies_say_to_install_them(app_dir: Path, cache: Path) -> None:
    shutil.rmtree(app_dir / "node_modules")
    with pytest.raises(PatternValidationError) as raised:
        node_api(app_dir)(cdk.Stack(cdk.App(), "S"))
    (problem,) = raised.value.problems
    assert "declares tiny-greeting, which is not installed" in problem
    assert "npm ci" in problem
    assert not (cache / "assets").exists()


def test_an_esbuild_failure_is_one_error_and_leaves_nothing(app_dir: Path, cache: Path) -> None:
    (app_dir / "index.ts").write_text('import { nope } from "./missing";\nexport const handler = nope;\n')
    with pytest.raises(PatternValidationError) as raised:
        node_api(app_dir)(cdk.Stack(cdk.App(), "S"))
    (problem,) = raised.value.problems
    assert "esbuild could not bundle index.ts" in problem and "for Node.js 24" in problem
    assert 'Could not resolve "./missing"' in problem
    assert list((cache / "assets").iterdir()) == []
    assert not (cache / "node-manifests").exists()


def test_a_handler_without_an_entry_file_names_the_files_looked_for(app_dir: Path, cache: Path) -> None:
    with pytest.raises(
        PatternValidationError, match=r"'main\.handler' needs one of main\.ts, main\.js, main\.mjs"
    ):
        node_api(app_dir, handler="main.handler")(cdk.Stack(cdk.App(), "S"))


def test_a_typescript_handler_on_a_python_runtime_names_the_fix(app_dir: Path, cache: Path) -> None:
    with pytest.raises(
        PatternValidationError, match=r"index\.ts, a Node\.js module, but the runtime is python3\.14"
    ):
        node_api(app_dir, runtime=None)(cdk.Stack(cdk.App(), "S"))


def test_a_python_handler_beside_a_package_json_stays_python(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = EsbuildRuns(monkeypatch)
    code = tmp_path / "handler"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (code / "package.json").write_text('{"devDependencies": {"aws-cdk": "2.1148.1"}}\n')
    app = cdk.App(outdir=str(tmp_path / "out"))
    node_api(code, handler="app.handler", runtime=None)(cdk.Stack(app, "S"))
    app.synth()
    assert runs.commands == []
    assert not cache.exists()
