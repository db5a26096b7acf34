"""Property: whatever value any prop of any pattern or shared option type is given, the pattern
either builds and synthesizes (with CloudFormation's schema checks on) or raises one
PatternValidationError. Any other exception (a raw Python error, a jsii error, a template
CloudFormation would reject) fails.

Bounded so the suite stays fast: a fixed number of examples per pattern, drawn deterministically.
``SERVERLESS_PATTERNS_HYPOTHESIS=explore`` draws many more, at random, to look for new holes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
)
from serverless_patterns import _registry as registry
from tests.pattern_cases import all_cases
from tests.validation.support import PATTERNS, base_props, build, spec

settings.register_profile(
    "suite",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
PROFILE = os.environ.get("SERVERLESS_PATTERNS_HYPOTHESIS", "suite")

# ---------------------------------------------------------------- values
_ODD_STRINGS = [
    "",
    "cron(0 2 * * ? *)",
    "cron(0 2 ? * MON-FRI *)",
    "cron(a b * * ? *)",
    "rate(5 minutes)",
    "rate(1 minutes)",
    "$.detail",
    " ",
    "*",
    "*.jpg",
    "in/",
    "a b",
    "{id}",
    "/users/{id}",
    "GET /x",
    "arn:aws:s3:::b",
    "x" * 300,
    "AWS_REGION",
    "ünïcødé",
    "10",
    "true",
]
_ENUMS = [
    cdk.RemovalPolicy.DESTROY,
    logs.RetentionDays.ONE_DAY,
    s3.EventType.OBJECT_REMOVED,
    lambda_.StartingPosition.AT_TIMESTAMP,
    lambda_.StartingPosition.LATEST,
]
_NUMBERS = [0, 1, -1, 2, 9, 10, 11, 29, 30, 60, 99, 100, 128, 1000, 10_000, 10_001, 43_201, 2**31, 0.5, 1.5]


def _durations() -> st.SearchStrategy[cdk.Duration]:
    return st.one_of(
        st.integers(0, 2_000_000).map(cdk.Duration.seconds),
        st.integers(0, 5_000).map(cdk.Duration.millis),
        st.integers(0, 30).map(cdk.Duration.days),
    )


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(_NUMBERS),
        st.integers(-(10**7), 10**7),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(_ODD_STRINGS),
        st.text(max_size=12),
    )


def values() -> st.SearchStrategy[Any]:
    """Any value a user might pass by mistake, or on purpose: wrong types, edge numbers, odd strings,
    None, durations, enum members of other props, small lists and dicts of those."""
    leaf = st.one_of(_scalars(), _durations(), st.sampled_from(_ENUMS))
    return st.one_of(
        leaf,
        st.lists(leaf, max_size=3),
        st.dictionaries(st.sampled_from(_ODD_STRINGS), leaf, max_size=2),
        st.dictionaries(st.sampled_from(["plan", "price", "$or"]), st.lists(leaf, max_size=2), max_size=2),
    )


# ---------------------------------------------------------------- where a value goes
def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _params(cls: type) -> list[str]:
    import inspect

    return [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "scope", "id")]


def _nested(cls: type, top: str, make: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[Any]:
    """Targets ``(top, field)``: ``field`` of a ``cls`` given as the prop ``top``."""
    return [(top, cls, name, make) for name in _fields(cls)]


def _function_field(pattern: str) -> list[Any]:
    wrap = all_cases()[pattern].function_prop
    if wrap is None:
        return []
    return [("function-spec", name, wrap) for name in _fields(FunctionSpec)]


def targets(pattern: str) -> list[Any]:
    """Every prop of ``pattern`` and every field of the option types it takes: the shared ones, and
    those its ``cases.py`` names (``options``, ``groups``)."""
    cases = all_cases()[pattern]
    found: list[Any] = [("prop", name) for name in _params(PATTERNS[pattern])]
    found += _function_field(pattern)
    if "deployment" in _params(PATTERNS[pattern]):  # a pattern with no function has no deployment
        found += [
            ("option", "deployment", DeploymentStrategy.canary, name) for name in _fields(DeploymentStrategy)
        ]
    found += [("option", "monitoring", MonitoringOptions, name) for name in _fields(MonitoringOptions)]
    found += [("thresholds", name) for name in _fields(AlarmThresholds)]
    for top, make in cases.options.items():
        found += [("option", top, make, name) for name in _fields(type(make()))]
    for group_name, group in cases.groups.items():
        found += [("group", group_name, name) for name in group.fields]
    return found


def overrides(pattern: str, changes: list[tuple[Any, Any]]) -> dict[str, Any]:
    """The props that put each value where its target says; fields of one option type (a function
    spec, a deployment strategy, a subscriber...) are set on one instance of it."""
    groups = all_cases()[pattern].groups
    props: dict[str, Any] = {}
    function: dict[str, Any] = {}
    options: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {}
    thresholds: dict[str, Any] = {}
    grouped: dict[str, dict[str, Any]] = {}
    wrap = None
    for target, value in changes:
        kind = target[0]
        if kind == "prop":
            props[target[1]] = value
        elif kind == "function-spec":
            function[target[1]] = value
            wrap = target[2]
        elif kind == "option":
            options.setdefault(target[1], (target[2], {}))[1][target[3]] = value
        elif kind == "thresholds":
            thresholds[target[1]] = value
        else:
            grouped.setdefault(target[1], {})[target[2]] = value
    if wrap is not None:
        props.update(wrap(spec(**function)))
    for top, (make, fields) in options.items():
        props[top] = dataclasses.replace(make(), **fields)
    if thresholds:
        given_monitoring = props.get("monitoring")
        if not isinstance(given_monitoring, MonitoringOptions):
            given_monitoring = MonitoringOptions()
        props["monitoring"] = dataclasses.replace(given_monitoring, thresholds=AlarmThresholds(**thresholds))
    for group_name, group in groups.items():
        if group_name in grouped:
            props.update(group.props(grouped[group_name]))
    return props


def _check(pattern: str, changes: list[tuple[Any, Any]]) -> None:
    props = overrides(pattern, changes)
    shown = ", ".join(f"{target[:2]}={value!r}" for target, value in changes)
    try:
        app, _ = build(pattern, props)
    except PatternValidationError:
        return
    except Exception as error:  # a raw error instead of a PatternValidationError
        pytest.fail(f"{pattern} {shown}: {type(error).__name__}: {error}")
    try:
        app.synth()
    except Exception as error:  # a template CloudFormation would reject, or a late raw error
        pytest.fail(f"{pattern} {shown} synthesized to an error: {type(error).__name__}: {error}")


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_any_value_of_any_prop_is_a_stack_or_a_validation_error(pattern: str) -> None:
    """One to three props or option fields changed at once, so combinations are tried too."""
    change = st.tuples(st.sampled_from(targets(pattern)), values())

    @settings(settings.get_profile(PROFILE))
    @given(changes=st.lists(change, min_size=1, max_size=3, unique_by=lambda c: c[0][:2] + c[0][-1:]))
    def check(changes: list[tuple[Any, Any]]) -> None:
        _check(pattern, changes)

    check()


def test_every_prop_is_a_target() -> None:
    """The property reaches every prop of every registered pattern, and the base props are valid."""
    assert list(PATTERNS) == [exports.construct for exports in registry.PATTERNS]
    for pattern, cls in PATTERNS.items():
        names = {t[1] for t in targets(pattern) if t[0] == "prop"}
        assert names == set(_params(cls)), pattern
        assert set(base_props(pattern)) <= names
        build(pattern, {})  # the base props build


def test_every_group_field_reaches_the_props() -> None:
    """Each field of a pattern's option types and groups, drawn alone, changes the props built."""
    for pattern in PATTERNS:
        for target in targets(pattern):
            if target[0] in ("option", "group", "function-spec"):
                assert overrides(pattern, [(target, None)]), (pattern, target)
