"""The documentation site (``mkdocs.yml``, ``docs/``) and the README that is its front page.

- The pages read from a synth (``scripts/docs_pages.py``: the pattern list, each pattern's
  resources, alarms, acknowledgments and diagram) are what the script writes now: they cannot
  drift. (The nav, the API pages and the folder patterns' pages are made from the registry when
  the site is built, by ``docs/hooks.py``.)
- ``mkdocs build --strict`` passes (every link and anchor resolves, every include exists).
- Every public name is on the API reference of the built site; every pattern has a page with its
  diagram.
- Every Python block on the site runs in the tests: it compiles, and one that builds an app is
  synthesized (a catalog example, by the synth this module makes; an excerpt of an example file,
  by that file's own test; any other here).
- The README is at most 300 lines and every relative link of it resolves, anchors included.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from serverless_patterns import catalog
from serverless_patterns._registry import PATTERNS, SHARED

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


docs_pages = _load("docs_pages", ROOT / "scripts" / "docs_pages.py")
hooks = _load("docs_hooks", DOCS / "hooks.py")


@pytest.fixture(scope="module")
def reports() -> dict[str, Any]:
    """Every pattern's smallest example, synthesized once with the rule packs (cached across runs
    as ``serverless-patterns show`` caches it)."""
    return dict(docs_pages.synthesize())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with ``mkdocs build --strict``."""
    out = tmp_path_factory.mktemp("site")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    print(f"mkdocs build --strict: {time.monotonic() - started:.1f} s")
    return out


# ------------------------------------------------------------------ pages read from the code
def test_the_generated_pages_are_current(reports: dict[str, Any]) -> None:
    problems = docs_pages.differences(docs_pages.pages(reports))
    assert problems == [], (
        "docs/generated differs from the code: run "
        f"`python scripts/docs_pages.py` and commit the result: {problems}"
    )


def test_the_drift_check_sees_a_changed_a_missing_and_a_stale_file() -> None:
    page = Path("docs/generated/patterns.md")
    current = (ROOT / page).read_text(encoding="utf-8")
    written = {path: (ROOT / path).read_text(encoding="utf-8") for path in docs_pages.written_by_script()}
    assert docs_pages.differences(written) == []
    assert docs_pages.differences({**written, page: current + "x"}) == [f"changed: {page}"]
    gone = Path("docs/generated/nope.md")
    assert docs_pages.differences({**written, gone: "x"}) == [f"missing: {gone}"]
    fewer = {path: text for path, text in written.items() if path != page}
    assert docs_pages.differences(fewer) == [f"stale: {page}"]


def test_each_pattern_section_is_read_from_the_synth(reports: dict[str, Any]) -> None:
    """The generated sections hold what ``show`` and ``diagram`` print for the same synth."""
    from serverless_patterns.cli.diagram import to_mermaid
    from serverless_patterns.cli.graph import build_graph

    for pattern in PATTERNS:
        report = reports[pattern.name]
        folder = DOCS / "generated" / "patterns" / pattern.name
        assert to_mermaid(build_graph(report.assembly)) in (folder / "diagram.md").read_text()
        total = sum(report.resource_counts.values())
        assert f"| **total** | **{total}** |" in (folder / "resources.md").read_text()
        acknowledgments = (folder / "acknowledgments.md").read_text()
        for finding in report.findings():
            if finding.acknowledged:
                assert docs_pages._cell(finding.reason) in acknowledgments, finding
        alarms = (folder / "alarms.md").read_text()
        assert [line for line in alarms.splitlines() if line.startswith("- ")] == [
            f"- {docs_pages._cell(a)}" for a in report.alarms()
        ]


# ------------------------------------------------------------------ the built site
def test_mkdocs_build_strict_passes(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "patterns" / "index.html").is_file()


def _api_html(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (site / "api").rglob("*.html"))


def public_names() -> list[str]:
    """Every public name, qualified by the module the API reference documents it under: the
    registry's (SHARED and each pattern's), PatternValidationError, LocalCloud and the testing
    helpers."""
    names = [f"{module}.{name}" for module, names in SHARED.items() for name in names]
    names += [f"{p.qualified_module}.{name}" for p in PATTERNS for name in p.names]
    names += ["serverless_patterns.errors.PatternValidationError", "serverless_patterns.local.LocalCloud"]
    import serverless_patterns.testing

    names += [f"serverless_patterns.testing.{name}" for name in serverless_patterns.testing.__all__]
    return names


def test_every_public_name_is_on_the_api_reference(site: Path) -> None:
    html = _api_html(site)
    missing = [name for name in public_names() if f'id="{name}"' not in html]
    assert missing == []


def test_every_name_the_package_exports_is_on_the_api_reference(site: Path) -> None:
    """``serverless_patterns.__all__`` (what ``from serverless_patterns import ...`` offers) is the
    registry's names and PatternValidationError: each is documented under its defining module."""
    import serverless_patterns

    documented = {name.rsplit(".", 1)[1] for name in public_names()}
    assert set(serverless_patterns.__all__) <= documented


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_every_pattern_has_a_page_with_its_diagram(site: Path, pattern: Any) -> None:
    html = (site / "patterns" / pattern.name / "index.html").read_text(encoding="utf-8")
    assert re.search(rf"<h1[^>]*>{pattern.construct}<", html), "no title"
    assert '<pre class="mermaid">' in html, "no diagram"
    for section in ("Default settings", "Resources created", "Props", "Alarms", "Acknowledged findings"):
        assert f">{section}<" in html, f"no {section!r} section"
    assert "AWS::Lambda::Function" in html or "AWS::ApiGateway::RestApi" in html, "no resource counts"


def test_the_nav_lists_every_pattern_in_the_registrys_order(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    positions = [html.find(f'href="patterns/{p.name}/"') for p in PATTERNS]
    assert -1 not in positions
    assert positions == sorted(positions)


# ------------------------------------------------------------------ code samples
def site_pages() -> dict[Path, str]:
    """Every page of the site as mkdocs reads it (includes expanded): the files of ``docs/`` but
    the generated fragments, and the pages the hooks make."""
    pages = {}
    for path in sorted(DOCS.rglob("*.md")):
        if not path.is_relative_to(DOCS / "generated"):
            pages[path] = hooks.expand(path.read_text(encoding="utf-8"), path)
    for relative, text in hooks.generated_pages().items():
        pages[DOCS / relative] = hooks.expand(text, DOCS / relative)
    return pages


_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
EXAMPLE_FILES = sorted(
    p for p in (ROOT / "examples").rglob("*.py") if "__pycache__" not in p.parts and "handlers" not in p.parts
) + sorted((ROOT / "serverless_patterns" / "patterns").glob("*/catalog/app.py"))
"""The real files a block may be an excerpt of. Each is synthesized or run by its own test:
examples/catalog and the pattern folders' catalog/app.py by tests/cli/test_catalog.py (and the
synth here), examples/stacks through the examples app (tests/e2e/test_examples_app.py),
examples/your_code by tests/test_your_code_example.py, examples/run_locally.py by
tests/e2e/test_readme_example.py, the pipelines by tests/patterns/test_orchestrated_pipeline*."""


def python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path, text in site_pages().items():
        for index, block in enumerate(_BLOCK.findall(text)):
            blocks.append((f"{path.relative_to(ROOT)}[{index}]", block))
    for index, block in enumerate(_BLOCK.findall(README.read_text(encoding="utf-8"))):
        blocks.append((f"README.md[{index}]", block))
    return blocks


BLOCKS = python_blocks()


def _excerpt_of(block: str) -> Path | None:
    return next((p for p in EXAMPLE_FILES if block.strip() in p.read_text(encoding="utf-8")), None)


def _builds_an_app(block: str) -> bool:
    return re.search(r"\bApp\(\)", block) is not None


def test_the_site_has_python_blocks() -> None:
    assert len(BLOCKS) > 10
    assert any(name.startswith("README.md") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_every_python_block_compiles(name: str, block: str) -> None:
    source = _excerpt_of(block)
    if source is not None:  # an excerpt (an indented one does not compile alone): the file compiles
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
    else:
        compile(block, name, "exec")


APP_BLOCKS = [(name, block) for name, block in BLOCKS if _builds_an_app(block)]


@pytest.mark.parametrize(("name", "block"), APP_BLOCKS, ids=[name for name, _ in APP_BLOCKS])
def test_every_block_that_builds_an_app_is_synthesized(
    name: str, block: str, reports: dict[str, Any], tmp_path: Path
) -> None:
    entry = next((e for e in catalog.entries() if e.example == block), None)
    if entry is not None:  # a pattern's smallest example: synthesized with the rule packs, clean
        assert all(open_ == 0 for open_, _ in reports[entry.name].pack_status().values())
        return
    source = _excerpt_of(block)
    if source is not None:  # a real example file, synthesized by its own test (EXAMPLE_FILES)
        return
    code = block if ".synth()" in block else block + "\napp.synth()\n"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "CDK_OUTDIR": str(tmp_path / "cdk.out")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "manifest.json").is_file()


# ------------------------------------------------------------------ the README, the front page
def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    if path.is_relative_to(DOCS):
        text = hooks.expand(text, path)
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return {github_anchor(h) for h in re.findall(r"^#{1,6} +(.+?)\s*$", text, re.M)}


def link_problems(path: Path) -> list[str]:
    """Each relative link of a Markdown file that names no file, or an anchor no heading has."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors_of(linked):
            problems.append(f"{target}: no heading for #{anchor}")
    return problems


def test_the_readme_is_a_front_page_of_at_most_300_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_every_relative_link_of_the_readme_resolves() -> None:
    assert link_problems(README) == []


def test_the_link_check_catches_what_it_claims_to(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## The `dev` loop, quickly\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Stages\n\n[a](#stages) [b](other.md#the-dev-loop-quickly) [c](https://x.org/#y)\n"
        "[d](missing.md) [e](#nope) [f](other.md#stages)\n```\n[g](not-checked.md)\n```\n"
    )
    assert link_problems(page) == [
        "missing.md: no such file",
        "#nope: no heading for #nope",
        "other.md#stages: no heading for #stages",
    ]


def test_the_readme_links_every_page_of_the_site() -> None:
    readme = README.read_text(encoding="utf-8")
    for page in ("install", "concepts", "your-code", "local", "cli", "import", "redrive", "security"):
        assert f"docs/{page}.md" in readme, page
    assert "docs/benchmarks.md" in readme and "docs/api/index.md" in readme
