"""Every registered pattern has what CONTRIBUTING.md ("Adding a pattern") asks of it: its exports,
its documentation, its catalog folder, its tests (``tests/patterns/<module>/cases.py`` and the
snapshots of its default and maximal configurations); and the top README's pattern table agrees
with the registry.

Documentation: a pattern package with a ``README.md`` is documented there (a title, the smallest
example, then the sections in :data:`FOLDER_SECTIONS`); any other pattern by a ``## Name`` section
of the top README with its ``### Default settings``, ``### Resources created`` and ``### Props``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from serverless_patterns import _registry, catalog
from serverless_patterns._registry import PATTERNS, PatternExports
from tests.pattern_cases import PatternCases, cases_of

ROOT = Path(__file__).resolve().parents[1]
PATTERNS_DIR = ROOT / "serverless_patterns" / "patterns"
IDS = [p.name for p in PATTERNS]

FOLDER_SECTIONS = ("Default settings", "Resources created", "Props", "Alarms", "Acknowledged findings")
"""The ``##`` sections a pattern folder's README.md has, in this order."""
TOP_SECTIONS = ("Default settings", "Resources created", "Props")
"""The ``###`` sections of a pattern's ``## Name`` section in the top README, in this order."""


def folder_readme(pattern: PatternExports) -> Path | None:
    """The pattern package's README.md, when it has one."""
    path = PATTERNS_DIR / pattern.module / "README.md"
    return path if path.is_file() else None


def _in_order(found: list[str], wanted: tuple[str, ...]) -> list[str]:
    """The ``wanted`` headings missing from ``found`` or out of their order."""
    problems = [f"no '{w}' section" for w in wanted if w not in found]
    present = [w for w in wanted if w in found]
    if [h for h in found if h in present] != present:
        problems.append(f"sections out of order: {[h for h in found if h in present]}, want {present}")
    return problems


def folder_readme_problems(text: str, construct: str, example: str | None) -> list[str]:
    """What a pattern folder's README.md lacks: ``# Construct`` first, the smallest example (the
    first python block, equal to ``example``) before the sections, the sections in order."""
    problems: list[str] = []
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.strip() != f"# {construct}":
        problems.append(f"the first line must be '# {construct}', got {first!r}")
    headings = re.findall(r"^## +(.+?)\s*$", text, re.M)
    problems += _in_order(headings, FOLDER_SECTIONS)
    block = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
    if block is None:
        problems.append("no python example")
    else:
        sections = re.search(r"^## ", text, re.M)
        if sections is not None and sections.start() < block.start():
            problems.append("the smallest example must come before the sections")
        if example is not None and block.group(1) != example:
            problems.append("the first python example is not the catalog's app.py")
    return problems


def top_readme_problems(text: str, construct: str) -> list[str]:
    """What the top README's ``## Construct`` section lacks."""
    match = re.search(rf"^## {re.escape(construct)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if match is None:
        return [f"no '## {construct}' section"]
    return _in_order(re.findall(r"^### +(.+?)\s*$", match.group(1), re.M), TOP_SECTIONS)


# ------------------------------------------------------------------ the README's pattern table
def table_rows(readme: str) -> list[tuple[str, str]]:
    """(name, link) of each row of the table under ``## Patterns``."""
    section = re.search(r"^## Patterns\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section is not None, "the README has no '## Patterns' section"
    return re.findall(r"^\| *\[(\w+)\]\(([^)]+)\) *\|", section.group(1), re.M)


def table_problems(
    rows: list[tuple[str, str]], readme: str, patterns: tuple[PatternExports, ...]
) -> list[str]:
    """The table lists registered patterns only, in the registry's order, each linking its
    documentation; every pattern documented in the top README has a row."""
    order = [p.construct for p in patterns]
    problems = [f"row {name}: not a registered pattern" for name, _ in rows if name not in order]
    listed = [name for name, _ in rows if name in order]
    if listed != sorted(listed, key=order.index) or len(set(listed)) != len(listed):
        problems.append(f"rows not in the registry's order (or repeated): {listed}")
    by_name = {p.construct: p for p in patterns}
    for name, link in rows:
        pattern = by_name.get(name)
        if pattern is None:
            continue
        wanted = (
            f"serverless_patterns/patterns/{pattern.module}/README.md"
            if folder_readme(pattern) is not None
            else f"#{name.lower()}"
        )
        if link != wanted:
            problems.append(f"row {name}: links {link!r}, want {wanted!r}")
    for pattern in patterns:
        documented_here = re.search(rf"^## {pattern.construct}$", readme, re.M) is not None
        if documented_here and pattern.construct not in listed:
            problems.append(f"{pattern.construct} has a README section but no row in the table")
    return problems


def test_the_readmes_pattern_table_agrees_with_the_registry() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = table_rows(readme)
    assert rows, "the pattern table has no rows"
    assert table_problems(rows, readme, PATTERNS) == []


def test_the_table_check_catches_what_it_claims_to() -> None:
    readme = "## Patterns\n\n## ApiToLambda\n\n## S3Processor\n"
    patterns = PATTERNS[:2]
    assert (
        table_problems([("ApiToLambda", "#apitolambda"), ("S3Processor", "#s3processor")], readme, patterns)
        == []
    )
    assert table_problems(
        [("S3Processor", "#s3processor"), ("ApiToLambda", "#apitolambda")], readme, patterns
    ) == ["rows not in the registry's order (or repeated): ['S3Processor', 'ApiToLambda']"]
    assert table_problems([("ApiToLambda", "#apitolambda")], readme, patterns) == [
        "S3Processor has a README section but no row in the table"
    ]
    assert table_problems([("Nope", "#nope"), ("ApiToLambda", "#x")], "", patterns) == [
        "row Nope: not a registered pattern",
        "row ApiToLambda: links '#x', want '#apitolambda'",
    ]
    # a registered pattern without a README section needs no row
    assert table_problems([], "", patterns) == []


# ------------------------------------------------------------------ each registered pattern
@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_the_module_exports_the_registry_lines_names(pattern: PatternExports) -> None:
    module = importlib.import_module(pattern.qualified_module)
    assert sorted(module.__all__) == sorted(pattern.names)


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_every_pattern_is_documented(pattern: PatternExports) -> None:
    own = folder_readme(pattern)
    if own is None:
        assert top_readme_problems((ROOT / "README.md").read_text(), pattern.construct) == []
        return
    folder = catalog.catalog_folder(pattern)
    example = (folder / "app.py").read_text() if folder is not None else None
    assert folder_readme_problems(own.read_text(), pattern.construct, example) == []


def test_the_folder_readme_check_catches_what_it_claims_to() -> None:
    example = "from serverless_patterns import QueueWorker\n"
    sections = "".join(f"## {s}\n\ntext\n\n" for s in FOLDER_SECTIONS)
    good = f"# QueueWorker\n\nWhat it is.\n\n```python\n{example}```\n\n{sections}"
    assert folder_readme_problems(good, "QueueWorker", example) == []
    assert folder_readme_problems(good.replace("## Alarms\n", "## Alarm list\n"), "QueueWorker", example) == [
        "no 'Alarms' section"
    ]
    swapped = good.replace("## Props\n", "## X\n").replace("## Default settings\n", "## Props\n")
    assert folder_readme_problems(
        swapped.replace("## X\n", "## Default settings\n"), "QueueWorker", example
    ) == [
        "sections out of order: ['Props', 'Resources created', 'Default settings', 'Alarms', "
        "'Acknowledged findings'], want ['Default settings', 'Resources created', 'Props', 'Alarms', "
        "'Acknowledged findings']"
    ]
    assert folder_readme_problems(good, "QueueWorker", "other\n") == [
        "the first python example is not the catalog's app.py"
    ]
    late = f"# QueueWorker\n\n{sections}```python\n{example}```\n"
    assert folder_readme_problems(late, "QueueWorker", example) == [
        "the smallest example must come before the sections"
    ]
    assert folder_readme_problems(
        good.replace("# QueueWorker", "# Queue worker"), "QueueWorker", example
    ) == ["the first line must be '# QueueWorker', got '# Queue worker'"]


def test_the_top_readme_check_catches_what_it_claims_to() -> None:
    good = "## S3Processor\n\n### Default settings\n\n### Resources created\n\n### Props\n\n## Next\n\n### Alarms\n"
    assert top_readme_problems(good, "S3Processor") == []
    assert top_readme_problems(good.replace("### Props\n", ""), "S3Processor") == ["no 'Props' section"]
    assert top_readme_problems(good, "FanoutQueue") == ["no '## FanoutQueue' section"]


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_every_pattern_has_its_catalog_folder(pattern: PatternExports) -> None:
    folder = catalog.catalog_folder(pattern)
    assert folder is not None, f"{pattern.name}: no catalog folder"
    assert {"pattern.toml", "app.py"} <= {p.name for p in folder.iterdir()}
    assert pattern.name in [entry.name for entry in catalog.CATALOG]


def _snapshot_names(pattern: PatternExports) -> set[str]:
    """The snapshot names stored for the pattern's test modules: its tests folder's, else (the
    first five) ``tests/patterns/__snapshots__/test_<module>.ambr``."""
    files = sorted((ROOT / "tests" / "patterns" / pattern.module / "__snapshots__").glob("*.ambr"))
    files = files or [ROOT / "tests" / "patterns" / "__snapshots__" / f"test_{pattern.module}.ambr"]
    return {
        name for f in files if f.is_file() for name in re.findall(r"^# name: (\S+)$", f.read_text(), re.M)
    }


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_every_pattern_has_its_cases_and_snapshots(pattern: PatternExports) -> None:
    cases = cases_of(pattern)
    assert isinstance(cases, PatternCases)
    assert callable(cases.build_default) and callable(cases.build_maximal)
    assert {"test_snapshot[default]", "test_snapshot[maximal]"} <= _snapshot_names(pattern)
    assert cases.stage_log_groups >= 0


def test_a_registered_pattern_without_cases_is_named() -> None:
    with pytest.raises(
        LookupError, match=r"NoSuch is registered but has no tests/patterns/no_such/cases\.py"
    ):
        cases_of(PatternExports("no_such", "NoSuch"))


def test_the_registry_is_the_source_of_the_shared_tests() -> None:
    """The shared tests' pattern lists are the registry's (they read it; nothing else lists them)."""
    from tests.validation.support import PATTERNS as VALIDATED

    assert list(VALIDATED) == [p.construct for p in _registry.PATTERNS]
