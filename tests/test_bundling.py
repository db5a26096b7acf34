"""Python dependencies bundled without Docker: the right wheels, the cache, the errors, the excludes,
layers. These tests download wheels from PyPI (uv's own cache makes reruns fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import uv
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import FunctionSpec, PatternValidationError
from serverless_patterns.core import PythonLayer, bundling
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, ApiType
from tests.support import Synthesized, cfn_lint, junk_in, synth, write_handler

ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}


# ------------------------------------------------------------------------------------------- helpers
class ResolverRuns:
    """Counts the uv runs of the bundler."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commands: list[list[str]] = []
        real = bundling._run

        def counting(command: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
            self.commands.append(command)
            return real(command, cwd)

        monkeypatch.setattr(bundling, "_run", counting)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "bundle-cache"
    monkeypatch.setenv(bundling.CACHE_ENV, str(directory))
    return directory


def api(code: str, **spec: Any) -> Any:
    def build(stack: cdk.Stack) -> None:
        ApiToLambda(
            stack,
            "Api",
            function=FunctionSpec(code=code, handler="app.handler", **spec),
            api_type=ApiType.HTTP,
        )

    return build


def function_code(synthesized: Synthesized) -> tuple[str, Path]:
    """The (only) function's asset hash and its staged directory in cdk.out."""
    (function,) = synthesized.resources("AWS::Lambda::Function").values()
    key = function["Properties"]["Code"]["S3Key"]
    asset_hash = key.removesuffix(".zip")
    return asset_hash, synthesized.template_path.parent / f"asset.{asset_hash}"


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


def pydantic_handler(root: Path) -> str:
    code = write_handler(root, "import pydantic\n\ndef handler(event, context):\n    return {}\n")
    (root / "requirements.txt").write_text("pydantic\n")
    return code


# ------------------------------------------------------------------------- the wheels of the target
@pytest.mark.parametrize("architecture", ["arm64", "x86_64"])
def test_dependencies_are_wheels_for_the_runtime_and_architecture(
    architecture: str, tmp_path: Path, cache: Path
) -> None:
    code = pydantic_handler(tmp_path / "handler")
    arch = lambda_.Architecture.ARM_64 if architecture == "arm64" else lambda_.Architecture.X86_64
    synthesized = synth(api(code, architecture=arch))
    _, asset = function_code(synthesized)

    assert (asset / "app.py").is_file()
    assert (asset / "pydantic" / "__init__.py").is_file()
    (extension,) = (asset / "pydantic_core").glob("_pydantic_core.*.so")
    assert ".cpython-314-" in extension.name
    assert elf_machine(extension) == ELF_MACHINE[architecture]
    assert synthesized.unacknowledged() == []
    assert cfn_lint(synthesized.template_path) == []


def test_an_older_runtime_gets_its_own_cpython_wheels(tmp_path: Path, cache: Path) -> None:
    code = pydantic_handler(tmp_path / "handler")
    # Without the rule packs, which want the newest runtime.
    app = cdk.App(outdir=str(tmp_path / "out"))
    api(code, runtime=lambda_.Runtime.PYTHON_3_12)(cdk.Stack(app, "S"))
    app.synth()
    template = json.loads((tmp_path / "out" / "S.template.json").read_text())
    _, asset = function_code(Synthesized(template, {}, tmp_path / "out" / "S.template.json"))
    (extension,) = (asset / "pydantic_core").glob("_pydantic_core.*.so")
    assert ".cpython-312-aarch64-" in extension.name


def test_targets_map_to_amazon_linux_glibc() -> None:
    assert bundling.Target("python3.14", "arm64").platform == "aarch64-manylinux_2_34"
    assert bundling.Target("python3.12", "x86_64").platform == "x86_64-manylinux_2_34"
    assert bundling.Target("python3.11", "x86_64").platform == "x86_64-manylinux2014"
    assert bundling.Target("nodejs22.x", "arm64").python_version is None


# -------------------------------------------------------------------------------------------- cache
def test_an_unchanged_app_resynthesizes_from_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = pydantic_handler(tmp_path / "handler")
    runs = ResolverRuns(monkeypatch)
    first, _ = function_code(synth(api(code)))
    assert len(runs.commands) == 1
    deps = next((cache / "deps").iterdir())
    deps_mtime = deps.stat().st_mtime_ns

    second, asset = function_code(synth(api(code)))
    assert len(runs.commands) == 1  # not resolved again
    assert second == first  # cdk deploy sees no change
    assert deps.stat().st_mtime_ns == deps_mtime
    assert (asset / "pydantic").is_dir()

    # A handler edit makes a new asset from the same dependencies, still without the resolver.
    (tmp_path / "handler" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    third, asset = function_code(synth(api(code)))
    assert len(runs.commands) == 1
    assert third != first
    assert "return 1" in (asset / "app.py").read_text()

    # New requirements are resolved again.
    (tmp_path / "handler" / "requirements.txt").write_text("pydantic\ntyping-extensions\n")
    function_code(synth(api(code)))
    assert len(runs.commands) == 2
    # Nothing half-written is left beside the entries.
    assert sorted(p.name for p in cache.iterdir()) == ["assets", "deps"]
    assert not [p for p in (cache / "deps").iterdir() if p.name.startswith(".")]


def test_the_cache_lives_in_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(bundling.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bundling.bundle_cache_dir() == tmp_path / "xdg" / "serverless-patterns" / "bundles"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert bundling.bundle_cache_dir() == tmp_path / "home" / ".cache" / "serverless-patterns" / "bundles"
    monkeypatch.setenv(bundling.CACHE_ENV, str(tmp_path / "own"))
    assert bundling.bundle_cache_dir() == tmp_path / "own"


# ------------------------------------------------------------------------------------------- errors
def test_a_package_without_a_wheel_is_one_clear_error(tmp_path: Path, cache: Path) -> None:
    code = write_handler(tmp_path / "handler")
    (tmp_path / "handler" / "requirements.txt").write_text("docopt==0.6.2\n")  # sdist only
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError) as raised:
        api(code)(stack)
    (problem,) = raised.value.problems
    assert "docopt 0.6.2" in problem
    assert "CPython 3.14 on aarch64-manylinux_2_34 (Lambda python3.14, arm64)" in problem
    assert "pin a version" in problem and "lambda_.Code" in problem and "Docker" in problem
    assert raised.value.construct_path.startswith("S/Api/")
    # Nothing half-written in the cache.
    assert list((cache / "deps").iterdir()) == []
    assert not (cache / "assets").exists()


def test_a_version_without_a_wheel_for_the_runtime_is_named(tmp_path: Path, cache: Path) -> None:
    code = write_handler(tmp_path / "handler")
    # pydantic-core 2.14.6 predates CPython 3.14: no cp314 wheel.
    (tmp_path / "handler" / "requirements.txt").write_text("pydantic-core==2.14.6\n")
    with pytest.raises(PatternValidationError, match=r"pydantic-core 2\.14\.6, which publishes no wheel"):
        api(code)(cdk.Stack(cdk.App(), "S"))


# ------------------------------------------------------------------------------------------ excludes
def _app_directory(root: Path, *, requirements: bool) -> None:
    write_handler(root)
    (root / "cdk.out").mkdir()
    (root / "cdk.out" / "manifest.json").write_text("{}")
    (root / ".venv" / "lib").mkdir(parents=True)
    (root / ".venv" / "lib" / "site.py").write_text("")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (root / "tests").mkdir()
    (root / "tests" / "test_app.py").write_text("")
    (root / "lib").mkdir()
    (root / "lib" / "util.py").write_text("")
    if requirements:
        (root / "requirements.txt").write_text("six\n")


@pytest.mark.parametrize("requirements", [False, True], ids=["plain", "bundled"])
def test_code_dot_leaves_out_cdk_out_and_the_virtualenv(
    requirements: bool, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _app_directory(tmp_path / "app", requirements=requirements)
    monkeypatch.chdir(tmp_path / "app")
    _, asset = function_code(synth(api(".")))
    names = {p.relative_to(asset).as_posix() for p in asset.rglob("*")}
    assert {"app.py", "lib/util.py"} <= names
    for left_out in ("cdk.out", ".venv", "__pycache__", "tests"):
        assert left_out not in names
    assert not [n for n in names if n.endswith(".pyc")]
    assert ("six.py" in names) is requirements


def test_exclude_overrides_the_defaults(tmp_path: Path, cache: Path) -> None:
    _app_directory(tmp_path / "app", requirements=True)
    _, asset = function_code(synth(api(str(tmp_path / "app"), exclude=["cdk.out", ".venv", "lib"])))
    assert (asset / "tests" / "test_app.py").is_file()
    assert not (asset / "lib").exists() and not (asset / "cdk.out").exists()


def test_a_function_without_dependency_files_keeps_its_asset_hash(tmp_path: Path, cache: Path) -> None:
    """The excludes change nothing for a directory that has none of the excluded files."""
    code = write_handler(tmp_path / "handler")
    (tmp_path / "handler" / "lib").mkdir()
    (tmp_path / "handler" / "lib" / "util.py").write_text("X = 1\n")

    def build(stack: cdk.Stack) -> None:
        api(code)(stack)
        lambda_.Function(
            stack,
            "AsToday",
            code=lambda_.Code.from_asset(code),
            handler="app.handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
        )

    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "S")
    build(stack)
    template = app.synth().get_stack_by_name("S").template
    keys = {
        name: resource["Properties"]["Code"]["S3Key"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert len(set(keys.values())) == 1, keys
    assert not cache.exists()  # nothing bundled, nothing cached


# ------------------------------------------------------------------------------ only the code ships
def _with_tool_leftovers(root: Path) -> None:
    """What a developer's tools leave in a function directory."""
    for relative in (
        ".pytest_cache/v/cache/lastfailed",
        ".mypy_cache/3.14/app.data.json",
        ".ruff_cache/0.8.0/123",
        "lib/__pycache__/util.cpython-314.pyc",
        "stale.pyc",
        "uv.lock",
        ".lock",
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("")


@pytest.mark.parametrize(
    ("requirements", "exclude"),
    [(False, None), (True, None), (False, ["tests"]), (True, ["tests"])],
    ids=["plain", "bundled", "plain-own-exclude", "bundled-own-exclude"],
)
def test_an_asset_holds_no_lock_cache_or_bytecode(
    requirements: bool, exclude: list[str] | None, tmp_path: Path, cache: Path
) -> None:
    """Neither the function's directory's leftovers nor uv's ``.lock`` in its install target reach
    the asset, whatever ``exclude`` says; a layer's neither."""
    _app_directory(tmp_path / "app", requirements=requirements)
    _with_tool_leftovers(tmp_path / "app")
    shared = tmp_path / "shared"
    (shared / "common").mkdir(parents=True)
    (shared / "common" / "__init__.py").write_text("")
    (shared / "requirements.txt").write_text("six==1.17.0\n")
    _with_tool_leftovers(shared)

    def build(stack: cdk.Stack) -> None:
        layer = PythonLayer(stack, "Shared", code=str(shared), exclude=exclude)
        spec = {"exclude": exclude} if exclude is not None else {}
        api(str(tmp_path / "app"), layers=[layer], **spec)(stack)

    synthesized = synth(build)
    _, asset = function_code(synthesized)
    assert (asset / "app.py").is_file() and (asset / "lib" / "util.py").is_file()
    assert (asset / "six.py").is_file() is requirements
    assembly = synthesized.template_path.parent
    (layer,) = synthesized.resources("AWS::Lambda::LayerVersion").values()
    assert (
        assembly / f"asset.{layer['Properties']['Content']['S3Key'][:-4]}" / "python" / "six.py"
    ).is_file()
    assert list(cache.glob("deps/*/.lock")), "uv no longer leaves .lock: this test checks less"
    assert junk_in(assembly) == []


# ---------------------------------------------------------------------------------------- lock files
def test_uv_lock_is_honoured(tmp_path: Path, cache: Path) -> None:
    root = tmp_path / "handler"
    write_handler(root)
    pyproject = '[project]\nname = "handler"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    (root / "pyproject.toml").write_text(pyproject + 'dependencies = ["six==1.16.0"]\n')
    subprocess.run(
        [uv.find_uv_bin(), "lock", "--quiet", "--python", sys.executable],
        cwd=root,
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    # Loosened after locking: the lock, not a fresh resolution (six 1.17+), decides.
    (root / "pyproject.toml").write_text(pyproject + 'dependencies = ["six"]\n')
    _, asset = function_code(synth(api(str(root))))
    assert (asset / "six-1.16.0.dist-info").is_dir()
    assert not (asset / "handler").exists()  # the project itself is not installed


def test_poetry_lock_pins_the_versions(tmp_path: Path, cache: Path) -> None:
    root = tmp_path / "handler"
    write_handler(root)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "handler"\nversion = "0.1.0"\ndependencies = ["six"]\n'
    )
    (root / "poetry.lock").write_text(
        '[[package]]\nname = "six"\nversion = "1.16.0"\ndescription = ""\noptional = false\n'
        'python-versions = "*"\nfiles = []\n\n[metadata]\nlock-version = "2.0"\n'
        'python-versions = "^3.11"\ncontent-hash = "x"\n'
    )
    _, asset = function_code(synth(api(str(root))))
    assert (asset / "six-1.16.0.dist-info").is_dir()


# -------------------------------------------------------------------------------------------- layers
@pytest.fixture
def layered(tmp_path: Path, cache: Path) -> Iterator[tuple[Synthesized, Path]]:
    shared = tmp_path / "shared"
    (shared / "common").mkdir(parents=True)
    (shared / "common" / "__init__.py").write_text("GREETING = 'hi'\n")
    (shared / "requirements.txt").write_text("six==1.17.0\n")
    (shared / "tests").mkdir()
    (shared / "tests" / "test_common.py").write_text("")
    handler = write_handler(tmp_path / "handler", "import common, six\n\ndef handler(e, c):\n    return 1\n")

    def build(stack: cdk.Stack) -> None:
        layer = PythonLayer(stack, "Shared", code=str(shared), description="shared code")
        ApiToLambda(
            stack,
            "Api",
            function=FunctionSpec(code=handler, handler="app.handler", layers=[layer]),
            api_type=ApiType.HTTP,
        )

    yield synth(build), shared


def test_a_layer_puts_its_packages_and_dependencies_under_python(layered: tuple[Synthesized, Path]) -> None:
    synthesized, _ = layered
    (layer,) = synthesized.resources("AWS::Lambda::LayerVersion").values()
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    asset = synthesized.template_path.parent / f"asset.{layer['Properties']['Content']['S3Key'][:-4]}"
    assert (asset / "python" / "common" / "__init__.py").is_file()
    assert (asset / "python" / "six.py").is_file()
    assert (asset / "python" / "six-1.17.0.dist-info").is_dir()
    assert not (asset / "python" / "tests").exists()
    assert sorted(p.name for p in asset.iterdir()) == ["python"]


def test_a_function_uses_the_layer(layered: tuple[Synthesized, Path]) -> None:
    synthesized, _ = layered
    (layer_id,) = synthesized.resources("AWS::Lambda::LayerVersion")
    (function,) = synthesized.resources("AWS::Lambda::Function").values()
    layers = json.dumps(function["Properties"]["Layers"])
    assert layer_id in layers and "AWSLambdaPowertoolsPythonV3" in layers
    assert synthesized.unacknowledged() == []
    assert cfn_lint(synthesized.template_path) == []


@pytest.mark.parametrize("architecture", ["arm64", "x86_64"])
def test_a_layer_carries_the_native_extension_of_its_architecture(
    architecture: str, tmp_path: Path, cache: Path
) -> None:
    """MarkupSafe publishes cp311 manylinux wheels for both machines, with a compiled ``_speedups``:
    the layer's copy is the one for the layer's architecture (ELF e_machine), not the host's."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "requirements.txt").write_text("markupsafe==3.0.2\n")
    arch = lambda_.Architecture.ARM_64 if architecture == "arm64" else lambda_.Architecture.X86_64
    # Without the rule packs, which want the newest runtime.
    app = cdk.App(outdir=str(tmp_path / "out"))
    PythonLayer(
        cdk.Stack(app, "S"),
        "Native",
        code=str(shared),
        runtime=lambda_.Runtime.PYTHON_3_11,
        architecture=arch,
    )
    app.synth()
    template = json.loads((tmp_path / "out" / "S.template.json").read_text())
    (layer,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion")
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    asset = tmp_path / "out" / f"asset.{layer['Properties']['Content']['S3Key'][:-4]}"
    (extension,) = (asset / "python" / "markupsafe").glob("_speedups.*.so")
    assert ".cpython-311-" in extension.name
    assert elf_machine(extension) == ELF_MACHINE[architecture]


def test_a_layer_validates_its_props(tmp_path: Path) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(PatternValidationError) as raised:
        PythonLayer(stack, "L", code=str(tmp_path / "missing"), runtime=lambda_.Runtime.NODEJS_22_X)
    assert raised.value.construct_path == "S/L"
    assert [p.split(" got")[0] for p in raised.value.problems] == [
        "code must be a directory with the layer's code,",
        "runtime must be a Python runtime,",
    ]


def test_the_documented_excludes_are_the_defaults() -> None:
    """The exclude default is stated in the docstrings; it must stay the value in the code."""
    from tests.test_docs import _field_docs

    doc = _field_docs(FunctionSpec)["exclude"]
    layer_doc = PythonLayer.__init__.__doc__ or ""
    for pattern in bundling.DEFAULT_EXCLUDES:
        assert f"``{pattern}``" in doc and f"``{pattern}``" in layer_doc
