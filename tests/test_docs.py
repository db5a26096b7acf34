"""Every public prop documents its default (house rule 4), read from the code itself."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import itertools
import pkgutil
import re
import textwrap

import pytest

import serverless_patterns
import serverless_patterns.patterns

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
    """Attribute docstrings (the string right after a field) from the class source."""
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


def _param_docs(func: object) -> dict[str, str]:
    doc = inspect.getdoc(func) or ""
    parts = re.split(r":param (\w+):", doc)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


CLASSES = _public_classes()


@pytest.mark.parametrize("cls", [c for c in CLASSES if dataclasses.is_dataclass(c)], ids=lambda c: c.__name__)
def test_dataclass_fields_document_their_defaults(cls: type) -> None:
    docs = _field_docs(cls)
    missing = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        has_default = (
            field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        )
        doc = docs.get(field.name, "")
        if not doc:
            missing.append(f"{field.name}: no docstring")
        elif has_default and "Default:" not in doc:
            missing.append(f"{field.name}: no 'Default:' note")
    assert missing == []


CONSTRUCTS = [
    c
    for c in CLASSES
    if not dataclasses.is_dataclass(c) and "scope" in inspect.signature(c.__init__).parameters
]


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_construct_props_document_their_defaults(cls: type) -> None:
    signature = inspect.signature(cls.__init__)
    docs = _param_docs(cls.__init__)
    missing = []
    for name, param in signature.parameters.items():
        if param.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        doc = docs.get(name, "")
        if not doc.strip():
            missing.append(f"{name}: not documented")
        elif param.default is not inspect.Parameter.empty and "Default:" not in doc:
            missing.append(f"{name}: no 'Default:' note")
    assert missing == []


def test_documented_literal_defaults_match_the_code() -> None:
    """Where a docstring states a number or a boolean as the default, it is the value in the code."""
    mismatches = []
    for cls in (c for c in CLASSES if dataclasses.is_dataclass(c)):
        docs = _field_docs(cls)
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            match = re.search(r"Default: ([^\s-][^\n]*)$", docs.get(field.name, "").strip())
            if match is None or field.default is dataclasses.MISSING:
                continue
            stated = match.group(1).strip().rstrip(".")
            value = field.default
            first = stated.split()[0]
            if (
                isinstance(value, bool | int | float)
                and first != str(value)
                and not (isinstance(value, float) and first == f"{value:g}")
            ):
                mismatches.append(f"{cls.__name__}.{field.name}: docs say {stated!r}, code has {value!r}")
    assert mismatches == []


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
