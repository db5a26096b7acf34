"""What the shared tests need from each pattern, found through the registry.

Each registered pattern has a package ``tests/patterns/<module>/`` whose ``cases.py`` defines
``CASES = PatternCases(...)`` (CONTRIBUTING.md, "Adding a pattern"). The shared tests read it:

- ``tests/validation/`` (``support.py``, ``test_corpus.py``, ``test_valid.py``,
  ``test_property.py``): :attr:`~PatternCases.base_props`, :attr:`~PatternCases.invalid`,
  :attr:`~PatternCases.valid`, :attr:`~PatternCases.function_prop`,
  :attr:`~PatternCases.options` and :attr:`~PatternCases.groups`;
- ``tests/test_stage.py``: :attr:`~PatternCases.stage` and :attr:`~PatternCases.stage_log_groups`;
- ``tests/test_acknowledgments.py``: :attr:`~PatternCases.acknowledgments` and
  :attr:`~PatternCases.claims`;
- ``tests/test_pattern_contract.py``: that every pattern has its cases, its snapshots of
  :attr:`~PatternCases.build_default` and :attr:`~PatternCases.build_maximal`, its documentation
  and its catalog folder.

So a new pattern edits no shared test: its registry line makes the shared tests import its cases.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from serverless_patterns import FunctionSpec
from serverless_patterns._registry import PATTERNS, PatternExports

__all__ = ["HANDLER", "Claim", "PatternCases", "PropertyGroup", "all_cases", "cases_of", "spec"]

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")
"""A handler directory (``app.handler`` returns 200) for cases that need a function."""

Build = Callable[[cdk.Stack], object]
Claim = tuple[str, str, Callable[..., None]]
"""``(rule, reason regex, check(synthesized, logical_id, resource))``: see ``tests/test_acknowledgments.py``."""


def spec(**kwargs: Any) -> FunctionSpec:
    """The echo handler's spec, with ``kwargs`` replaced (any value, right type or not)."""
    props: dict[str, Any] = {"code": HANDLER, "handler": "app.handler", **kwargs}
    return FunctionSpec(**props)


@dataclass(frozen=True)
class PropertyGroup:
    """Fields the property test varies together, and the props that carry them (a subscriber's
    fields become one ``Subscriber`` in ``subscribers``, a retrier's one ``Retry`` of a step)."""

    fields: Sequence[str]
    """The field names, in the order the property test draws from."""
    props: Callable[[dict[str, Any]], dict[str, Any]]
    """The props for the values drawn (a subset of :attr:`fields`, by name)."""


@dataclass(frozen=True)
class PatternCases:
    """One pattern's material for the shared tests. Props are given as a mapping of the
    constructor's keyword arguments; a value that needs the stack (a bucket, a table) is a
    ``tests.validation.support.Make``."""

    base_props: Callable[[], dict[str, Any]]
    """The smallest valid props. The validation corpus, the valid cases and the property test
    replace some of them."""
    build_default: Build
    """The pattern with its defaults, in a stack: the ``default`` configuration of its snapshot and
    gates (``pattern_tests`` in ``tests/support.py``)."""
    build_maximal: Build
    """The pattern with every option it has set: the ``maximal`` configuration."""
    stage: Build
    """One instance, added to the stack ``tests/test_stage.py`` builds with every pattern in it
    (a construct id of its own: the class name, say)."""
    stage_log_groups: int
    """The number of log groups :attr:`stage` creates (its retention and removal follow the stage)."""
    function_prop: Callable[[FunctionSpec], dict[str, Any]] | None = None
    """The props that give the pattern one ``FunctionSpec``, so the property test varies each of
    its fields. Default: - the pattern takes no ``FunctionSpec``."""
    invalid: Sequence[tuple[dict[str, Any], str]] = ()
    """Wrong props (replacing those of :attr:`base_props`) and the regex the message of the one
    ``PatternValidationError`` must match. Default: - none."""
    valid: Sequence[dict[str, Any]] = ()
    """Props at the edges of the checks (replacing those of :attr:`base_props`) that must build and
    synthesize with CloudFormation's schema checks on. Default: - none."""
    options: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    """Option dataclasses the property test varies field by field: prop name -> a function making a
    valid instance (``{"queue": QueueOptions}``). The shared ones (``deployment``, ``monitoring``)
    are varied for every pattern. Default: - none."""
    groups: Mapping[str, PropertyGroup] = field(default_factory=dict)
    """Nested fields the property test varies, by group name. Default: - none."""
    acknowledgments: Mapping[str, Callable[[cdk.Stack, FunctionSpec], object]] = field(default_factory=dict)
    """Configurations (by a name unique across patterns) whose every acknowledgment
    ``tests/test_acknowledgments.py`` checks against the template; each builds the pattern in the
    stack with the given function spec. Default: - none."""
    claims: Sequence[Claim] = ()
    """Checks of acknowledgment reasons the shared claims do not know. Default: - none."""
    claims_not_flagged: frozenset[str] = frozenset()
    """Reason regexes of :attr:`claims` that none of :attr:`acknowledgments` raises. Default: - none."""


def cases_of(pattern: PatternExports) -> PatternCases:
    """The ``CASES`` of ``tests/patterns/<module>/cases.py``."""
    name = f"tests.patterns.{pattern.module}.cases"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name not in (name, f"tests.patterns.{pattern.module}"):
            raise
        raise LookupError(
            f"{pattern.construct} is registered but has no {name.replace('.', '/')}.py "
            "(CONTRIBUTING.md, 'Adding a pattern')"
        ) from error
    cases = getattr(module, "CASES", None)
    if not isinstance(cases, PatternCases):
        raise LookupError(f"{name} must define CASES = PatternCases(...), got {cases!r}")
    return cases


@cache
def all_cases() -> dict[str, PatternCases]:
    """Every registered pattern's cases, by construct name, in the registry's order."""
    return {pattern.construct: cases_of(pattern) for pattern in PATTERNS}
