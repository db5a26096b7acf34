"""The pattern catalog: one entry per pattern, what ``serverless-patterns list``, ``show`` and ``new`` use.

The patterns and their classes come from the registry (``serverless_patterns/_registry.py``); the
rest is real files, one catalog folder per pattern: ``catalog/`` inside a pattern's own package
(``serverless_patterns/patterns/<module>/catalog/``, see CONTRIBUTING.md, "Adding a pattern") when
it has one, else ``examples/catalog/<name>/``:

- ``pattern.toml``: the one-line summary, what triggers it, what it creates, a paragraph for
  ``show``, the handlers of the examples app (``examples/handlers/``) its smallest app uses, and
  the resource counts its generated synth test checks;
- ``app.py``: the smallest working app (the README's example);
- every other file (handler tests, handlers of its own) is copied into the app ``new`` writes.

Only patterns that import at run time are listed by :func:`entries`, so the catalog follows the
patterns as they land.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ._registry import PATTERNS, PatternExports

__all__ = ["CATALOG", "PatternEntry", "catalog_folder", "entries", "get"]

# The catalog's folders and the examples app's handlers: read from the repository's examples/ in a
# checkout, or from the copy the wheel ships (pyproject: force-include into _examples/).
_EXAMPLES = next(
    (d for d in (Path(__file__).parent / "_examples", Path(__file__).parents[1] / "examples") if d.is_dir()),
    Path(__file__).parents[1] / "examples",
)


def _example(relative: str) -> str:
    """A handler file of the examples app (``users/get_user.py``), as the scaffold writes it."""
    return (_EXAMPLES / "handlers" / relative).read_text()


@dataclass(frozen=True)
class PatternEntry:
    """One pattern of the catalog."""

    name: str
    """Command-line name, kebab case (``api-to-lambda``)."""
    class_name: str
    """The construct's class (``ApiToLambda``)."""
    module: str
    """The module that defines it."""
    summary: str
    """One line."""
    trigger: str
    """What starts the flow."""
    creates: str
    """The main resources, in a few words."""
    description: str
    """A paragraph for ``show``."""
    example: str
    """``app.py`` of the smallest working app; runs as is next to :attr:`files`."""
    files: Mapping[str, str] = field(default_factory=dict)
    """The other files of the smallest app (handler code, handler tests), by relative path."""
    key_resources: Mapping[str, int] = field(default_factory=dict)
    """Resource counts of the smallest app that its generated assertion test checks."""

    @property
    def import_path(self) -> str:
        return f"{self.module}.{self.class_name}"

    def available(self) -> bool:
        """Whether the pattern's module imports and defines the class."""
        try:
            module = importlib.import_module(self.module)
        except ImportError:
            return False
        return hasattr(module, self.class_name)

    def construct_class(self) -> type:
        construct: type = getattr(importlib.import_module(self.module), self.class_name)
        return construct


# The folder's files that are not copied as they are into the app ``new`` writes.
_NOT_COPIED = frozenset({"pattern.toml", "app.py"})


# The patterns' packages; a pattern added as a folder keeps its catalog folder in its own package.
_PATTERNS_ROOT = Path(__file__).parent / "patterns"


def catalog_folder(pattern: PatternExports) -> Path | None:
    """The catalog folder of a registered pattern: ``catalog/`` in its package when it holds a
    ``pattern.toml``, else its folder under ``examples/catalog/``; None when neither does."""
    for folder in (_PATTERNS_ROOT / pattern.module / "catalog", _EXAMPLES / "catalog" / pattern.name):
        if (folder / "pattern.toml").is_file():
            return folder
    return None


def _load(pattern: PatternExports) -> PatternEntry | None:
    """The entry of a registered pattern, from its catalog folder (None when it has none)."""
    folder = catalog_folder(pattern)
    if folder is None:
        return None
    spec = tomllib.loads((folder / "pattern.toml").read_text())
    # The shared handlers named in pattern.toml, then every other file of the folder.
    files = {f"handlers/{relative}": _example(relative) for relative in spec.get("handlers", [])}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in _NOT_COPIED and "__pycache__" not in path.parts:
            files[relative] = path.read_text()
    return PatternEntry(
        name=pattern.name,
        class_name=pattern.construct,
        module=pattern.qualified_module,
        summary=spec["summary"],
        trigger=spec["trigger"],
        creates=spec["creates"],
        description=spec["description"],
        example=(folder / "app.py").read_text(),
        files=files,
        key_resources=dict(spec.get("key_resources", {})),
    )


CATALOG: tuple[PatternEntry, ...] = tuple(
    entry for entry in (_load(pattern) for pattern in PATTERNS) if entry is not None
)
"""Every registered pattern with a catalog folder (:func:`catalog_folder`), in the registry's order
(the order ``list`` shows them)."""


def entries() -> list[PatternEntry]:
    """The catalog's patterns that are importable now."""
    return [entry for entry in CATALOG if entry.available()]


def get(name: str) -> PatternEntry | None:
    """The available pattern called ``name`` (kebab case, snake case or the class name)."""
    wanted = name.strip().lower().replace("_", "-")
    for entry in entries():
        if wanted in (entry.name, entry.class_name.lower()):
            return entry
    return None
