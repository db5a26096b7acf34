"""mkdocs hooks of the documentation site (``mkdocs.yml``: ``hooks:``).

- **Pages from the registry** (``serverless_patterns/_registry.py``), made at build time, so a new
  pattern appears with no edit here or in ``mkdocs.yml``: the ``Patterns`` and ``API reference``
  sections of the nav get one page per registered pattern, in the registry's order; the API pages
  hold one mkdocstrings ``::: name`` per public name (rendered from the docstrings); a pattern
  documented by its folder's ``README.md`` gets a page that includes it, then the sections
  ``scripts/docs_pages.py`` reads from a synth (``docs/generated/patterns/<name>/``).
- **Includes**: a line ``--8<-- "path"`` (the syntax of pymdownx.snippets; the path relative to the
  repository) is replaced by that file, so a pattern folder's ``README.md``, ``CONTRIBUTING.md``
  and ``bench/RESULTS.md`` are included, never copied. The included file's relative links are
  rewritten for the page that includes it: a link to a page of the site stays a link, a link to
  another file of the repository becomes its path, so ``mkdocs build --strict`` checks every link
  that is left. A missing file stops the build.

``tests/test_docs_site.py`` loads this module to read the pages as the site shows them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
INCLUDE = re.compile(r'^--8<-- "([^"]+)"[ \t]*$', re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


class IncludeError(Exception):
    """An include names a file that does not exist."""


def _rewrite_links(text: str, source: Path, page: Path) -> str:
    """The links of ``text`` (read from ``source``) made right for ``page``, outside code blocks."""

    def link(match: re.Match[str]) -> str:
        bang, label, target = match.groups()
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = (source.parent / path).resolve()
        if resolved.is_relative_to(DOCS):
            relative = os.path.relpath(resolved, page.parent).replace(os.sep, "/")
            return f"{bang}[{label}]({relative}{'#' + anchor if anchor else ''})"
        shown = f"`{resolved.relative_to(ROOT).as_posix()}`" if resolved.is_relative_to(ROOT) else target
        if label.startswith("`") and label.endswith("`"):
            return shown
        return f"{label} ({shown})"

    parts: list[str] = []
    last = 0
    for fence in _FENCE.finditer(text):
        parts.append(_LINK.sub(link, text[last : fence.start()]))
        parts.append(fence.group(0))
        last = fence.end()
    parts.append(_LINK.sub(link, text[last:]))
    return "".join(parts)


def expand(markdown: str, page: Path, seen: tuple[Path, ...] = ()) -> str:
    """``markdown`` of ``page`` with every include replaced by its file, recursively."""

    def include(match: re.Match[str]) -> str:
        source = (ROOT / match.group(1)).resolve()
        if not source.is_file():
            raise IncludeError(f"{page.relative_to(ROOT)}: the included file {match.group(1)} does not exist")
        if source in seen:
            raise IncludeError(f"{page.relative_to(ROOT)}: {match.group(1)} includes itself")
        text = expand(source.read_text(encoding="utf-8"), source, (*seen, source))
        return _rewrite_links(text, source, page).rstrip("\n")

    return INCLUDE.sub(include, markdown)


def api_pages() -> dict[str, tuple[str, list[str]]]:
    """The API reference: page (under ``docs/``) -> (title, the qualified names it documents): the
    shared names, one page per pattern module, the local cloud and the test helpers."""
    from serverless_patterns._registry import PATTERNS, SHARED

    shared = [f"{module}.{name}" for module, names in SHARED.items() for name in names]
    shared += ["serverless_patterns.core.PythonLayer", "serverless_patterns.errors.PatternValidationError"]
    pages = {"api/shared.md": ("Shared types", shared)}
    for pattern in PATTERNS:
        pages[f"api/{pattern.name}.md"] = (
            pattern.construct,
            [f"{pattern.qualified_module}.{name}" for name in pattern.names],
        )
    pages["api/local.md"] = ("LocalCloud", ["serverless_patterns.local.LocalCloud"])
    pages["api/testing.md"] = ("Testing helpers", ["serverless_patterns.testing"])
    return pages


def folder_pattern_pages() -> dict[str, str]:
    """The page (under ``docs/``) of each pattern documented by its folder's README.md."""
    from serverless_patterns._registry import PATTERNS

    pages = {}
    for pattern in PATTERNS:
        readme = ROOT / "serverless_patterns" / "patterns" / pattern.module / "README.md"
        if not readme.is_file():
            continue
        generated = f"docs/generated/patterns/{pattern.name}"
        pages[f"patterns/{pattern.name}.md"] = "\n".join(
            [
                f'--8<-- "{readme.relative_to(ROOT).as_posix()}"',
                "",
                "## From a synth of the smallest example",
                "",
                *(
                    line
                    for title, fragment in (
                        ("Resources created", "resources"),
                        ("Alarms created", "alarms"),
                        ("Acknowledged findings, with their reasons", "acknowledgments"),
                        ("Diagram", "diagram"),
                    )
                    for line in (f"### {title}", "", f'--8<-- "{generated}/{fragment}.md"', "")
                ),
                "### API reference",
                "",
                f"[{pattern.construct} and its option types](../api/{pattern.name}.md), from their docstrings.",
                "",
            ]
        )
    return pages


def generated_pages() -> dict[str, str]:
    """Every page made at build time: path under ``docs/`` -> its Markdown."""
    pages = folder_pattern_pages()
    for path, (title, names) in api_pages().items():
        pages[path] = "\n".join([f"# {title}", "", *(f"::: {name}\n" for name in names)])
    return pages


def pattern_nav() -> list[Any]:
    """Each registered pattern's page, in the registry's order."""
    from serverless_patterns._registry import PATTERNS

    return [{p.construct: f"patterns/{p.name}.md"} for p in PATTERNS]


def api_nav() -> list[Any]:
    return [{title: path} for path, (title, _) in api_pages().items()]


def on_config(config: Any) -> Any:
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    sections = {"Patterns": pattern_nav, "API reference": api_nav}
    for item in config["nav"]:
        if isinstance(item, dict):
            for title, children in item.items():
                if title in sections and isinstance(children, list):
                    children.extend(sections[title]())
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for path, content in generated_pages().items():
        if files.get_file_from_path(path) is None:
            files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    from mkdocs.exceptions import PluginError

    try:
        return expand(markdown, DOCS / page.file.src_uri)
    except IncludeError as error:
        raise PluginError(str(error)) from error
