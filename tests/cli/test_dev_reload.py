"""What ``serverless-patterns dev`` watches, how it finds a function's source directory, and how a
function's warm workers reload its modules (real worker processes)."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from serverless_patterns.local import workers
from serverless_patterns.local.dev import (
    _matches,
    _watch_rules,
    app_modules,
    asset_sources,
    changed,
    find_source,
    scan,
)
from serverless_patterns.local.stack_update import dependency_order, references

# -- watching ---------------------------------------------------------------------------------------


def test_scan_skips_hidden_build_cache_and_virtualenv_directories(tmp_path: Path) -> None:
    for relative in [
        "app.py",
        "handlers/users/get_user.py",
        "handlers/users/__pycache__/get_user.cpython-313.pyc",
        ".git/HEAD",
        ".serverless-patterns/dev.json",
        "cdk.out/manifest.json",
        "cdk.out-2/manifest.json",
        "node_modules/aws-cdk/package.json",
        "venv/pyvenv.cfg",
        "venv/lib/site.py",
        "handlers/users/get_user.py~",
    ]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")
    assert sorted(scan(tmp_path)) == ["app.py", "handlers/users/get_user.py"]


def test_changed_sees_edits_additions_and_removals(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a")
    (tmp_path / "b.py").write_text("b")
    before = scan(tmp_path)
    assert changed(before, scan(tmp_path)) == set()
    (tmp_path / "a.py").write_text("a changed")
    (tmp_path / "b.py").unlink()
    (tmp_path / "c.py").write_text("c")
    assert changed(before, scan(tmp_path)) == {"a.py", "b.py", "c.py"}


def test_watch_rules_come_from_cdk_json(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"watch": {"include": ["app.py", "handlers/**"]}}))
    include, exclude = _watch_rules(tmp_path)
    assert include == ["app.py", "handlers/**"]
    assert _matches("handlers/users/get_user.py", include)
    assert _matches("app.py", include)
    assert not _matches("stacks/orders.py", include)
    assert _matches("README.md", exclude) and _matches("docs/notes.md", exclude)


def test_without_watch_rules_every_file_but_docs_and_tests_is_watched(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    include, exclude = _watch_rules(tmp_path)
    assert _matches("stacks/orders.py", include) and not _matches("stacks/orders.py", exclude)
    assert _matches("tests/test_app.py", exclude)


# -- finding a function's source ------------------------------------------------------------------


def _write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    return directory


def test_the_source_is_the_directory_holding_the_same_handler_module(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "app",
        {
            "handlers/users/get_user.py": "def handler(e, c): return 1\n",
            "handlers/users/store.py": "USERS = {}\n",
            "handlers/orders/get_user.py": "def handler(e, c): return 2\n",
        },
    )
    asset = tmp_path / "cdk.out" / "asset.1"
    shutil.copytree(project / "handlers" / "users", asset)
    assert find_source(asset, "get_user.handler", project) == project / "handlers" / "users"


def test_a_bundle_maps_back_to_the_directory_sharing_most_files(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "app",
        {
            "copy/index.py": "def handler(e, c): return 1\n",
            "fn/index.py": "def handler(e, c): return 1\n",
            "fn/util.py": "X = 1\n",
            "fn/requirements.txt": "requests\n",
        },
    )
    asset = _write(
        tmp_path / "bundle",
        {
            "index.py": "def handler(e, c): return 1\n",
            "util.py": "X = 1\n",
            "requirements.txt": "requests\n",
            "requests/__init__.py": "",
        },
    )
    assert find_source(asset, "index.handler", project) == project / "fn"
    assert find_source(asset, "pkg/main.handler", project) is None


def test_no_source_when_the_project_holds_other_code(tmp_path: Path) -> None:
    project = _write(tmp_path / "app", {"fn/index.py": "def handler(e, c): return 1\n"})
    asset = _write(tmp_path / "asset", {"index.py": "def handler(e, c): return 2\n"})
    assert find_source(asset, "index.handler", project) is None


def test_app_modules_follow_the_apps_imports(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "app",
        {
            "cdk.json": json.dumps({"app": "python3 app.py"}),
            "app.py": "import aws_cdk\nfrom stacks.orders import Orders\n",
            "stacks/__init__.py": "",
            "stacks/orders.py": "from .common import tags\n",
            "stacks/common.py": "tags = {}\n",
            "stacks/unused.py": "",
            "handlers/new/new.py": "def handler(e, c): return 1\n",
        },
    )
    assert app_modules(project) == {"app.py", "stacks/__init__.py", "stacks/orders.py", "stacks/common.py"}
    (project / "cdk.json").write_text(json.dumps({"app": "npx ts-node bin/app.ts"}))
    assert app_modules(project) is None  # not a Python app: unknown


def test_asset_sources_map_function_and_layer_assets_to_their_directories(tmp_path: Path) -> None:
    project = _write(
        tmp_path / "app",
        {
            "handlers/hello/hello.py": "def handler(e, c): return 1\n",
            "layers/shared/shared_text.py": "GREETING = 'v1'\n",
            "handlers/new/new.py": "def handler(e, c): return 2\n",
        },
    )
    assembly = _write(
        tmp_path / "cdk.out",
        {
            "asset.1/hello.py": "def handler(e, c): return 1\n",
            "asset.2/python/shared_text.py": "GREETING = 'v1'\n",
            "asset.3/other.py": "nothing like the project\n",
        },
    )
    assert asset_sources(assembly, project) == [project / "handlers" / "hello", project / "layers" / "shared"]


# -- stack updates: what depends on what -----------------------------------------------------------


def test_references_are_refs_attributes_subs_and_not_sub_variables() -> None:
    value = {
        "A": {"Ref": "Fn"},
        "B": {"Fn::GetAtt": ["Version", "Version"]},
        "C": {"Fn::GetAtt": "Role.Arn"},
        "D": {"Fn::Sub": "${Api}/${Stage.Name}/${!Literal}"},
        "E": {"Fn::Sub": ["${Given}-${Table}", {"Given": "x"}]},
    }
    assert references(value) == {"Fn", "Version", "Role", "Api", "Stage", "Table"}


def test_dependency_order_puts_each_resource_after_what_it_refers_to() -> None:
    resources = {
        "Alias": {"Properties": {"FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]}}},
        "Version": {"Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Fn": {"Properties": {"Layers": [{"Ref": "Layer"}], "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Broken": {"DependsOn": ["Alias"], "Properties": {}},
        "Layer": {"Properties": {}},
        "Role": {"Properties": {}},
    }
    order = dependency_order(resources)
    assert sorted(order) == sorted(resources)
    for later, earlier in [
        ("Alias", "Version"),
        ("Version", "Fn"),
        ("Fn", "Layer"),
        ("Fn", "Role"),
        ("Broken", "Alias"),
    ]:
        assert order.index(earlier) < order.index(later)


# -- reloading in warm workers --------------------------------------------------------------------


@pytest.fixture
def pools() -> Iterator[workers.WorkerPools]:
    running = workers.WorkerPools()
    yield running
    running.close()


def _image(source: Path, deps: Path) -> workers.WorkerImage:
    config = {"handler": "app.handler", "task_root": str(source), "path": [str(source), str(deps)]}
    config["reload"] = str(source)
    return workers.WorkerImage(
        key="k",
        function_name="arn:aws:lambda:us-east-1:123456789012:function:fn",
        command=(sys.executable, "-I", "-S", "-u", "-B", str(workers.PYTHON_WORKER)),
        config=json.dumps(config),
        env={"PATH": "/usr/bin:/bin"},
        cwd=str(source),
        concurrency=2,
        reload_dir=str(source),
    )


APP = """import time
import dep
import helper

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"value": helper.VALUE, "dep_loaded_at": dep.LOADED_AT}
"""


def _call(pools: workers.WorkerPools, image: workers.WorkerImage, **event: float) -> workers.Answer:
    request = {"id": f"r{time.monotonic_ns()}", "event": json.dumps(event), "arn": "a", "version": "$LATEST"}
    return pools.invoke(image, request, 10)


@pytest.fixture
def image(tmp_path: Path) -> workers.WorkerImage:
    source = _write(tmp_path / "src", {"app.py": APP, "helper.py": "VALUE = 1\n"})
    deps = _write(tmp_path / "deps", {"dep.py": "import time\nLOADED_AT = time.time_ns()\n"})
    return _image(source, deps)


def test_reload_reimports_the_functions_modules_and_keeps_its_dependencies(
    pools: workers.WorkerPools, image: workers.WorkerImage
) -> None:
    first = _call(pools, image)
    assert first.cold_start_ms is not None
    before = json.loads(first.payload or "")
    source = Path(image.cwd)
    (source / "helper.py").write_text("VALUE = 2\n")
    assert pools.reload(str(source)) == 1
    after = _call(pools, image)
    assert after.cold_start_ms is None  # the same, warm worker
    assert json.loads(after.payload or "") == {"value": 2, "dep_loaded_at": before["dep_loaded_at"]}
    assert pools.worker_count() == 1


def test_reload_of_another_directory_reloads_nothing(
    pools: workers.WorkerPools, image: workers.WorkerImage, tmp_path: Path
) -> None:
    _call(pools, image)
    assert pools.reload(str(tmp_path / "elsewhere")) == 0


def test_a_worker_busy_during_the_edit_reloads_when_it_finishes(
    pools: workers.WorkerPools, image: workers.WorkerImage
) -> None:
    _call(pools, image)
    source = Path(image.cwd)
    slow = threading.Thread(target=_call, args=(pools, image), kwargs={"sleep": 1.0})
    slow.start()
    time.sleep(0.3)
    (source / "helper.py").write_text("VALUE = 3\n")
    assert pools.reload(str(source)) == 0  # busy: it reloads when released
    slow.join()
    after = _call(pools, image)
    assert (json.loads(after.payload or "")["value"], after.cold_start_ms) == (3, None)


def test_a_broken_edit_discards_the_worker_and_the_next_invocation_reports_it(
    pools: workers.WorkerPools, image: workers.WorkerImage
) -> None:
    _call(pools, image)
    source = Path(image.cwd)
    (source / "helper.py").write_text("VALUE = (\n")
    assert pools.reload(str(source)) == 0
    assert pools.worker_count() == 0
    broken = _call(pools, image)
    assert broken.error is not None and broken.error["errorType"] == "Runtime.ImportModuleError"
    assert "SyntaxError" in broken.error["errorMessage"] or "never closed" in broken.error["errorMessage"]
    (source / "helper.py").write_text("VALUE = 4\n")
    assert json.loads(_call(pools, image).payload or "")["value"] == 4
