"""Every app of the import corpus (corpus/SOURCES.md) and the design documents' service: imported
into a Python app that compiles, every function and trigger in its report, and the counts of
RESULTS.md still what the importer makes of it (`python scripts/import_corpus.py` rewrites the
table, with each imported app's rule-pack and cfn-lint results, which take a synth each)."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from serverless_patterns.cli.importer import read_source
from serverless_patterns.importer.model import ImportedApp, Status
from serverless_patterns.importer.writer import write_app

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
APPS = [HERE / "design", *sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))]
_ROW = re.compile(
    r"^\| (?P<name>[\w.-]+) \| [^|]+ \| (?P<mapped>\d+) \| (?P<approximated>\d+) \| (?P<not_mapped>\d+) \|"
)


def _results() -> dict[str, tuple[int, int, int]]:
    found = {}
    for line in (HERE / "RESULTS.md").read_text().splitlines():
        match = _ROW.match(line)
        if match:
            found[match["name"]] = (
                int(match["mapped"]),
                int(match["approximated"]),
                int(match["not_mapped"]),
            )
    return found


def _script() -> ModuleType:
    """scripts/import_corpus.py, whose stubs stand in for the handlers the corpus does not hold."""
    path = HERE.parents[1] / "scripts" / "import_corpus.py"
    spec = importlib.util.spec_from_file_location("import_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _source(app: Path) -> Path:
    return next(app / n for n in ("serverless.yml", "template.yaml") if (app / n).is_file())


def test_the_corpus_holds_twenty_apps_and_the_table_lists_each() -> None:
    assert len(APPS) >= 21
    assert sorted(_results()) == sorted(a.name for a in APPS)


@pytest.mark.parametrize("app", APPS, ids=lambda a: a.name)
def test_each_app_imports_as_its_table_row_says(app: Path, tmp_path: Path) -> None:
    copy = tmp_path / app.name
    shutil.copytree(app, copy)
    imported = read_source(_source(copy), stage=None)
    assert isinstance(imported, ImportedApp)
    _script().stub_handlers(imported, copy)  # as the table was made
    written = write_app(imported, copy, copy / "cdk")
    compile(written.files["app.py"], f"{app.name}/app.py", "exec")
    report = written.files["IMPORT.md"]
    for function in imported.functions:  # every function and each of its triggers is in the report
        assert f"`{function.element}" in report, function.element
        for trigger in function.triggers:
            assert f"`{trigger.element}" in report, trigger.element
    counts = written.counts()
    assert _results()[app.name] == (
        counts[Status.MAPPED],
        counts[Status.APPROXIMATED],
        counts[Status.NOT_MAPPED],
    ), "the importer changed: rerun python scripts/import_corpus.py and read the table's diff"
