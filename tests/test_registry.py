"""The registry (serverless_patterns/_registry.py) is the one list of public names: the package's
lazy exports and the imports its type checkers read agree with it."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import serverless_patterns
from serverless_patterns import _registry

INIT = Path(serverless_patterns.__file__)


def _type_checking_imports() -> dict[str, set[str]]:
    """The names imported under ``if TYPE_CHECKING:`` in ``__init__.py``, by absolute module."""
    tree = ast.parse(INIT.read_text())
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1
    found: dict[str, set[str]] = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1 and node.module, ast.unparse(node)
        for alias in node.names:
            # "X as X" marks an explicit re-export for strict type checkers
            assert alias.asname == alias.name, f"{ast.unparse(node)}: write '{alias.name} as {alias.name}'"
            found.setdefault(f"serverless_patterns.{node.module}", set()).add(alias.name)
    return found


def test_type_checking_imports_name_only_registered_names() -> None:
    """Each import under ``if TYPE_CHECKING:`` is a registered name of the module that defines it. A
    subset: a new pattern's names are importable (lazily) without an edit to ``__init__.py``."""
    registered = _registry.public_names()
    found = _type_checking_imports()
    unknown = {module: names - set(registered.get(module, ())) for module, names in found.items()}
    assert {module: names for module, names in unknown.items() if names} == {}
    # the shared names are there for type checkers
    assert {module: found.get(module) for module in _registry.SHARED} == {
        module: set(names) for module, names in _registry.SHARED.items()
    }


def test_a_name_outside_the_registry_is_caught() -> None:
    """The subset check above reads the real block: an extra import there would be reported."""
    found = _type_checking_imports()
    found.setdefault("serverless_patterns.patterns.api_to_lambda", set()).add("NotRegistered")
    registered = _registry.public_names()
    assert any(names - set(registered.get(module, ())) for module, names in found.items())


def test_lazy_exports_are_the_registry() -> None:
    assert _registry.public_names() == serverless_patterns._MODULES
    names = [name for names in _registry.public_names().values() for name in names]
    assert len(names) == len(set(names)), "a public name is registered twice"
    assert serverless_patterns.__all__ == sorted([*names, "PatternValidationError"])


def test_registered_names_are_defined_by_their_module() -> None:
    """Each name is its module's own, or a source's vocabulary from core that the module re-exports
    (S3Delivery of core/sources/bucket.py, FilterPolicyScope of core/sources/topic.py)."""
    for module, names in _registry.public_names().items():
        for name in names:
            found = getattr(serverless_patterns, name)
            defined = found.__module__
            reexported = defined.startswith("serverless_patterns.core.") and (
                getattr(importlib.import_module(module), name) is found
            )
            assert defined.startswith(module) or reexported, (module, name)


def test_importing_the_package_and_catalog_does_not_start_jsii() -> None:
    code = (
        "import sys, serverless_patterns, serverless_patterns.catalog\n"
        "serverless_patterns.PatternValidationError\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
