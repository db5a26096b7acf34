"""The catalog and ``list`` / ``show``: entries match the documentation and a real synth of their example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_patterns import catalog
from serverless_patterns._registry import PATTERNS, PatternExports
from serverless_patterns.cli.examples import ExampleReport, default_settings

from .support import invoke, run_script

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = catalog.entries()
NAMES = [entry.name for entry in ENTRIES]


def test_only_importable_patterns_are_listed() -> None:
    assert "api-to-lambda" in NAMES
    for entry in catalog.CATALOG:
        assert (entry in ENTRIES) == entry.available()
    assert catalog.get("ApiToLambda") is catalog.get("api_to_lambda") is catalog.get("api-to-lambda")
    assert catalog.get("nope") is None


def test_every_registered_pattern_has_its_catalog_folder() -> None:
    """In its own package (``patterns/<module>/catalog/``) or under ``examples/catalog/``, not both;
    and every folder under ``examples/catalog/`` is a registered pattern's."""
    examples = sorted(p.name for p in (ROOT / "examples" / "catalog").iterdir() if p.is_dir())
    assert set(examples) <= {pattern.name for pattern in PATTERNS}
    for pattern in PATTERNS:
        packaged = (ROOT / "serverless_patterns" / "patterns" / pattern.module / "catalog").is_dir()
        assert packaged != (pattern.name in examples), pattern.name
    assert [(e.name, e.module, e.class_name) for e in catalog.CATALOG] == [
        (p.name, f"serverless_patterns.patterns.{p.module}", p.construct) for p in PATTERNS
    ]
    for entry in catalog.CATALOG:
        assert entry.summary and entry.trigger and entry.creates and entry.description
        assert "app.py" not in entry.files and "pattern.toml" not in entry.files


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_example_is_the_documented_example(entry: catalog.PatternEntry) -> None:
    """The first example of the pattern folder's README.md, else of its page of the documentation
    site (``docs/patterns/<name>.md``)."""
    own = ROOT / "serverless_patterns" / "patterns" / entry.module.rsplit(".", 1)[1] / "README.md"
    own = own if own.is_file() else ROOT / "docs" / "patterns" / f"{entry.name}.md"
    assert own.is_file(), f"{entry.name} is documented nowhere"
    match = re.search(r"^```python\n(.*?)```", own.read_text(), re.S | re.M)
    assert match is not None, f"{own.relative_to(ROOT)} has no python example"
    assert entry.example == match.group(1)


_FUNCTION_SPEC = re.compile(r'FunctionSpec\(code="([^"]+)", handler="([\w./]+)\.\w+"')


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_every_handler_of_the_smallest_app_ships_with_it(entry: catalog.PatternEntry) -> None:
    """What ``new`` writes runs: each function's handler module is among the files it copies, and
    the shared handlers it copies are the examples app's (the catalog reads them from there)."""
    specs = _FUNCTION_SPEC.findall(entry.example)
    if not specs:  # a built-in function (StreamToSns' forwarder): nothing of the user's to ship
        assert "code=" not in entry.example
        assert [f for f in entry.files if f.startswith("handlers/")] == []
    for code, module in specs:
        assert f"{code}/{module}.py" in entry.files, f"{code}/{module}.py is not shipped with {entry.name}"
    for relative, content in entry.files.items():
        shared = ROOT / "examples" / relative
        if relative.startswith("handlers/") and shared.is_file():
            assert content == shared.read_text()


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_example_synthesizes_clean_with_its_key_resources(
    entry: catalog.PatternEntry, reports: dict[str, ExampleReport]
) -> None:
    report = reports[entry.name]
    assert {k: report.resource_counts[k] for k in entry.key_resources} == dict(entry.key_resources)
    assert all(open_ == 0 for open_, _ in report.pack_status().values())
    assert all(f.reason for f in report.findings() if f.acknowledged)


def test_a_pattern_package_with_a_catalog_folder_is_read_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pattern added as a folder keeps its catalog in ``catalog/``; the five keep examples/catalog/."""
    folder = tmp_path / "queue_worker" / "catalog"
    (folder / "handlers" / "jobs").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "pattern.toml").write_text(
        'summary = "s"\ntrigger = "t"\ncreates = "c"\ndescription = "d"\n'
        'handlers = ["users/store.py"]\n[key_resources]\n"AWS::SQS::Queue" = 2\n'
    )
    (folder / "app.py").write_text("# the smallest app\n")
    (folder / "handlers" / "jobs" / "app.py").write_text("def handler(event, context): ...\n")
    (folder / "tests" / "test_handlers.py").write_text("def test_it() -> None: ...\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setattr(catalog, "_PATTERNS_ROOT", tmp_path)
    worker = PatternExports("queue_worker", "QueueWorker")
    assert catalog.catalog_folder(worker) == folder
    entry = catalog._load(worker)
    assert entry is not None
    assert (entry.name, entry.class_name, entry.module) == (
        "queue-worker",
        "QueueWorker",
        "serverless_patterns.patterns.queue_worker",
    )
    assert (entry.summary, entry.example, dict(entry.key_resources)) == (
        "s",
        "# the smallest app\n",
        {"AWS::SQS::Queue": 2},
    )
    assert sorted(entry.files) == [
        "handlers/jobs/app.py",
        "handlers/users/store.py",
        "tests/test_handlers.py",
    ]
    assert (
        entry.files["handlers/users/store.py"]
        == (ROOT / "examples" / "handlers" / "users" / "store.py").read_text()
    )
    # a pattern without a package folder still reads examples/catalog/<name>/
    fanout = next(p for p in PATTERNS if p.module == "fanout_queue")
    assert catalog.catalog_folder(fanout) == ROOT / "examples" / "catalog" / "fanout-queue"
    assert catalog.catalog_folder(PatternExports("nothing_here", "NothingHere")) is None


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_default_settings_come_from_the_docstrings(entry: catalog.PatternEntry) -> None:
    settings = default_settings(entry)
    assert settings
    assert all(default for _, _, default in settings)


def test_list(runner: CliRunner, reports: dict[str, ExampleReport]) -> None:
    code, stdout, _ = invoke(runner, "list")
    assert code == 0
    for entry in ENTRIES:
        assert entry.name in stdout
        assert entry.summary[:30] in stdout
    assert "✓ pass" in stdout


def test_list_json(runner: CliRunner, reports: dict[str, ExampleReport]) -> None:
    code, stdout, _ = invoke(runner, "list", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert [item["name"] for item in data] == NAMES
    for item in data:
        assert set(item) == {"name", "class", "summary", "trigger", "creates", "rule_packs"}
        assert item["rule_packs"]["AwsSolutions"]["open"] == item["rule_packs"]["Serverless"]["open"] == 0


def test_list_through_the_console_script() -> None:
    done = run_script("list", "--no-synth", "--json")
    assert done.returncode == 0, done.stderr
    assert [item["name"] for item in json.loads(done.stdout)] == NAMES


def test_show(runner: CliRunner, reports: dict[str, ExampleReport]) -> None:
    code, stdout, _ = invoke(runner, "show", "api-to-lambda")
    assert code == 0
    report = reports["api-to-lambda"]
    total = sum(report.resource_counts.values())
    functions = report.resource_counts["AWS::Lambda::Function"]
    assert re.search(rf"AWS::Lambda::Function\W+{functions}\b", stdout)
    assert re.search(rf"total\W+{total}\b", stdout)
    assert "Default settings" in stdout and "throttling_rate_limit" in stdout
    assert "p99 latency >= 3000 ms" in stdout  # an alarm, from the template
    assert "Acknowledged rule-pack findings" in stdout and "AwsSolutions-IAM5" in stdout
    assert "flowchart LR" in stdout and '-->|"GET /users"|' in stdout


def test_show_unknown_pattern_is_one_line(runner: CliRunner) -> None:
    code, _, stderr = invoke(runner, "show", "nope")
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert line.startswith("error: no pattern called 'nope'; available: api-to-lambda")


def test_show_through_the_console_script(reports: dict[str, ExampleReport]) -> None:
    done = run_script("show", "fanout-queue")
    assert done.returncode == 0, done.stderr
    assert "FanoutQueue" in done.stdout and "flowchart LR" in done.stdout
    assert '-.->|"redrive"|' in done.stdout
