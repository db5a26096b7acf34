"""Every public prop documents its default (CONTRIBUTING.md, "Props"), read from the code itself."""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import itertools
import pkgutil
import re
import textwrap

import pytest

import serverless_patterns
import serverless_patterns.patterns
from serverless_patterns import _registry

PATTERN_MODULES = sorted(
    m.name for m in pkgutil.iter_modules(serverless_patterns.patterns.__path__) if not m.name.startswith("_")
)


def _public_classes() -> list[type]:
    """Every class a user imports: the patterns' and the package's public names."""
    classes: list[type] = []
    modules = [importlib.import_module(f"serverless_patterns.patterns.{m}") for m in PATTERN_MODULES]
    modules.append(serverless_patterns)
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj not in classes:
                classes.append(obj)
    return classes


def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string right after a field) from the source of the class and of
    the dataclasses it inherits fields from (the class's own first)."""
    docs: dict[str, str] = {}
    for owner in cls.__mro__:
        if owner is cls or dataclasses.is_dataclass(owner):
            docs = {**_own_field_docs(owner), **docs}
    return docs


def _own_field_docs(cls: type) -> dict[str, str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
        ):
            docs[node.target.id] = str(following.value.value)
    return docs


def _param_docs(*objects: object) -> dict[str, str]:
    """``:param name:`` texts from the docstrings of ``objects`` (a class and its ``__init__``)."""
    docs: dict[str, str] = {}
    for obj in objects:
        doc = inspect.getdoc(obj) or ""
        parts = re.split(r":param (\w+):", doc)
        docs.update({parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)})
    return docs


def _states(stated: str, spelling: str) -> bool:
    """``stated`` begins with ``spelling`` as a whole word (``10`` is not ``100`` nor ``10.5``)."""
    return re.match(re.escape(spelling) + r"(?=[\s,;:()]|\.(?!\w)|$)", stated) is not None


def _default_problem(value: object, doc: str) -> str | None:
    """What is wrong with the ``Default:`` note in ``doc`` for a prop whose default is ``value``.

    CONTRIBUTING.md, "Props": a literal default is stated as itself (``Default: 10``, ``Default: True``,
    ``Default: prod``), an enum member by its name (``Default: ApiType.REST`` or ``Default: REST``),
    and a ``None`` default by what then happens (``Default: - <behaviour>``). Other defaults (tuples,
    objects) may use either form.
    """
    match = re.search(r"\bDefault:(.*)", doc, re.DOTALL)
    if match is None:
        return "no 'Default:' note"
    stated = " ".join(match.group(1).split())
    behaviour = stated.startswith("- ")
    if value is None:
        return None if behaviour else f"the default is None, so 'Default: - <behaviour>', got {stated!r}"
    if isinstance(value, enum.Enum):
        spellings = [value.name, f"{type(value).__name__}.{value.name}"]
        spellings += [str(value.value)] if isinstance(value, str) else []
        # A module may qualify the class: ``logs.RetentionDays.ONE_MONTH``.
        unqualified = re.sub(rf"^(?:\w+\.)+(?={re.escape(type(value).__name__)}\.)", "", stated)
        if behaviour or not any(_states(unqualified, s) for s in spellings):
            return f"docs say {stated!r}, code has {type(value).__name__}.{value.name}"
        return None
    if isinstance(value, bool | int | float | str):
        spellings = [str(value)]
        if isinstance(value, float):
            spellings.append(f"{value:g}")
        if isinstance(value, str):
            spellings += [repr(value), f'"{value}"', f"``{value}``"]
        if not value and isinstance(value, str):
            spellings = spellings[1:]  # an empty string is spelled with quotes
        if behaviour or not any(_states(stated, s) for s in spellings):
            return f"docs say {stated!r}, code has {value!r}"
    return None


CLASSES = _public_classes()


def _field_default(field: dataclasses.Field[object]) -> object:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return inspect.Parameter.empty


@pytest.mark.parametrize("cls", [c for c in CLASSES if dataclasses.is_dataclass(c)], ids=lambda c: c.__name__)
def test_dataclass_fields_document_their_defaults(cls: type) -> None:
    docs = _field_docs(cls)
    problems = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        default = _field_default(field)
        doc = docs.get(field.name, "")
        if not doc:
            problems.append(f"{field.name}: no docstring")
        elif default is inspect.Parameter.empty:
            if "Default:" in doc:
                problems.append(f"{field.name}: required, yet its docstring states a default")
        elif (problem := _default_problem(default, doc)) is not None:
            problems.append(f"{field.name}: {problem}")
    assert problems == []


CONSTRUCTS = [
    c
    for c in CLASSES
    if not dataclasses.is_dataclass(c) and "scope" in inspect.signature(c.__init__).parameters
]


def test_every_registered_pattern_is_checked() -> None:
    """The constructor check covers every pattern the registry lists, whatever its module exports."""
    constructs = {c.__name__ for c in CONSTRUCTS}
    assert {p.construct for p in _registry.PATTERNS} <= constructs


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_construct_props_document_their_defaults(cls: type) -> None:
    """Every prop after ``scope`` and ``id`` is keyword-only, documented, and its documented default
    is the one in the signature (CONTRIBUTING.md, "Props")."""
    signature = inspect.signature(cls.__init__)
    docs = _param_docs(cls, cls.__init__)
    problems = []
    for name, param in signature.parameters.items():
        if name in ("self", "scope", "id"):
            continue
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{name}: not keyword-only")
        doc = docs.get(name, "")
        if not doc.strip():
            problems.append(f"{name}: not documented")
        elif param.default is inspect.Parameter.empty:
            if "Default:" in doc:
                problems.append(f"{name}: required, yet its docstring states a default")
        elif (problem := _default_problem(param.default, doc)) is not None:
            problems.append(f"{name}: {problem}")
    problems += [
        f"{name}: documented, but not a parameter" for name in docs if name not in signature.parameters
    ]
    assert problems == []


def test_package_reexports_every_pattern() -> None:
    for module in PATTERN_MODULES:
        mod = importlib.import_module(f"serverless_patterns.patterns.{module}")
        for name in mod.__all__:
            assert hasattr(serverless_patterns, name), f"serverless_patterns does not re-export {name}"


def test_lazy_exports_resolve_and_match_all() -> None:
    lazy = set(serverless_patterns._WHERE)
    assert set(serverless_patterns.__all__) == lazy | {"PatternValidationError"}
    for name in serverless_patterns.__all__:
        assert getattr(serverless_patterns, name).__name__ == name
