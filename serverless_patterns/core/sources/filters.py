"""Content filters, checked once for the two services that match JSON with them: an EventBridge event
pattern (:class:`~.rule.RuleSource`) and an SNS subscription's filter policy
(:class:`~.topic.TopicSource`).

Both match a name against a list of values or of operators (``{"prefix": "a"}``,
``{"numeric": [">", 0, "<=", 5]}``...) and take ``$or`` alternatives; they differ in a few limits and
in how their messages say things, which a :class:`FilterSyntax` holds (:data:`EVENTBRIDGE`,
:data:`SNS`). What nests where (an event's ``detail``, a message body) stays with each source.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

__all__ = [
    "EVENTBRIDGE",
    "OPERATORS",
    "SNS",
    "FilterSyntax",
    "alternatives",
    "entries",
    "name_problem",
    "values_problems",
]

OPERATORS = (
    "anything-but",
    "cidr",
    "equals-ignore-case",
    "exists",
    "numeric",
    "prefix",
    "suffix",
    "wildcard",
)
"""The operators both services know."""
_NUMERIC_OPS = ("<", "<=", "=", ">", ">=")
_CASE_FILTERS = ("prefix", "suffix", "wildcard", "equals-ignore-case")


@dataclass(frozen=True)
class FilterSyntax:
    """What one service allows and how its messages name things."""

    service: str
    """``"EventBridge"``: who knows the operators."""
    number_limit: float
    """Numbers match within ``-limit..limit``."""
    limit_text: str
    """The limit as the messages write it (``"5e9"``)."""
    sequences: tuple[type, ...]
    """What counts as a list (EventBridge: lists and tuples; SNS: lists)."""
    suggest: bool
    """Whether an unknown operator's message suggests a close one."""
    names: str
    """What a key is called (``"field names"``)."""
    alternative: str
    """What an ``$or`` lists (``"patterns"``)."""
    mapping: str
    """What a mapping is called (``"mapping"``, ``"dict"``)."""
    filter: str
    """What an operator is called in a list of values (``"content filters"``)."""
    one_operator: str
    """The message of an operator mapping without exactly one key (``"a content filter has exactly
    one operator"``)."""
    unknown: str
    """What an unknown operator is called (``"content filter"``)."""
    null: str
    """The end of the message about ``None`` in a list."""
    case_operand: str
    """How ``{'equals-ignore-case': ...}`` is written in the prefix/suffix message."""
    ignore_case: str
    """What equals-ignore-case takes (``"a non-empty string"``)."""
    exists: str
    """How the booleans are written (``"True or False"``)."""
    numeric: str
    """What numeric takes, before ``; got <operand>``."""
    nested_operands: tuple[type, ...]
    """What anything-but's nested prefix/suffix/wildcard/equals-ignore-case takes."""
    ranged_lists: bool
    """Whether anything-but's list of numbers is checked against the limit."""
    whole_floats: bool
    """Whether the out-of-range message writes a whole float as an int (``1e10`` as ``10000000000``)."""

    def number_text(self, value: object) -> str:
        """A number as the out-of-range message writes it."""
        if self.whole_floats and isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)


EVENTBRIDGE = FilterSyntax(
    service="EventBridge",
    number_limit=5e9,
    limit_text="5e9",
    sequences=(list, tuple),
    suggest=True,
    names="field names",
    alternative="patterns",
    mapping="mapping",
    filter="content filters",
    one_operator="a content filter has exactly one operator",
    unknown="content filter",
    null="the pattern would not match what it says; match a missing field with {'exists': False}",
    case_operand="string",
    ignore_case="a non-empty string",
    exists="True or False",
    numeric="numeric takes [op, n] or [lower op, n, upper op, m] with op among <, <=, =, >, >=, numbers "
    "within -5e9..5e9 and lower below upper",
    nested_operands=(str, list),
    ranged_lists=True,
    whole_floats=False,
)
"""An EventBridge event pattern's content filters (numbers within -5e9..5e9)."""

SNS = FilterSyntax(
    service="SNS",
    number_limit=1e9,
    limit_text="1e9",
    sequences=(list,),
    suggest=False,
    names="names",
    alternative="filter policies",
    mapping="dict",
    filter="operator dicts",
    one_operator="an operator dict must have exactly one operator",
    unknown="operator",
    null="the policy would not match what it says; match a missing key with {'exists': False}",
    case_operand="...",
    ignore_case="a string",
    exists="true or false",
    numeric="numeric takes ['=', n], [op, n] or [lower op, n, upper op, m] with op among <, <=, >, >= and "
    "numbers within -1e9..1e9, lower below upper",
    nested_operands=(str,),
    ranged_lists=False,
    whole_floats=True,
)
"""An SNS filter policy's operators (numbers within -1e9..1e9, five decimals)."""


def name_problem(syntax: FilterSyntax, where: str, key: object) -> str | None:
    """A key must be a non-empty string."""
    if isinstance(key, str) and key:
        return None
    return f"{where}: {syntax.names} must be non-empty strings, got {key!r}"


def alternatives(
    syntax: FilterSyntax, at: str, value: object, found: list[str]
) -> list[tuple[Mapping[Any, Any], str]]:
    """The branches of an ``$or`` at ``at``, each with where it is, to walk as the level it stands
    in; the problems of a list of fewer than two, or of a branch that is no non-empty mapping, go
    to ``found``."""
    if not _sequence(value, syntax) or len(value) < 2:
        found.append(f"{at} must be a list of at least two {syntax.alternative}, got {value!r}")
        return []
    branches = []
    for index, branch in enumerate(value):
        if isinstance(branch, Mapping) and branch:
            branches.append((branch, f"{at}[{index}]"))
        else:
            found.append(f"{at}[{index}] must be a non-empty {syntax.mapping}, got {branch!r}")
    return branches


def entries(
    syntax: FilterSyntax,
    node: Mapping[Any, Any],
    where: str,
    found: list[str],
    branch: Callable[[Mapping[Any, Any], str], None],
) -> Iterator[tuple[str, str, Any]]:
    """The entries of one level of a pattern or policy, ``(key, where it is, value)``, for the
    service's own rules. A key that is no non-empty string is a problem (in ``found``); each
    alternative of an ``$or`` goes to ``branch`` with where it is, to walk as the level it stands in."""
    for key, value in node.items():
        at = f"{where}[{key!r}]"
        if (problem := name_problem(syntax, where, key)) is not None:
            found.append(problem)
        elif key == "$or":
            for alternative, alternative_at in alternatives(syntax, at, value, found):
                branch(alternative, alternative_at)
        else:
            yield key, at, value


def values_problems(syntax: FilterSyntax, at: str, values: list[Any] | tuple[Any, ...]) -> list[str]:
    """A list of values to match: at least one, each a string, number, boolean or operator."""
    found = [] if values else [f"{at} must list at least one value, got []"]
    for item in values:
        if isinstance(item, Mapping):
            found.extend(_operator_problems(syntax, at, item))
        elif item is None:
            found.append(
                f"{at} may not list null: aws-cdk-lib drops null from a list on its way to "
                f"CloudFormation, so {syntax.null}"
            )
        elif not isinstance(item, str | int | float | bool):
            found.append(
                f"{at} values must be strings, numbers, booleans or {syntax.filter} such as "
                f"{{'prefix': 'a'}}, got {item!r}"
            )
        elif _is_number(item) and not _in_range(syntax, item):
            found.append(
                f"{at} numbers must be within -{syntax.limit_text}..{syntax.limit_text}, "
                f"got {syntax.number_text(item)}"
            )
    return found


def _sequence(value: object, syntax: FilterSyntax) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    """Whether ``value`` is a list as the service takes one."""
    return isinstance(value, syntax.sequences)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_range(syntax: FilterSyntax, value: object) -> bool:
    limit = syntax.number_limit
    return _is_number(value) and math.isfinite(value) and -limit <= value <= limit  # type: ignore[arg-type,operator]


def _operator_problems(syntax: FilterSyntax, at: str, item: Mapping[Any, Any]) -> list[str]:
    """One operator: exactly one the service knows, with an operand of the kind it takes."""
    if len(item) != 1:
        return [f"{at}: {syntax.one_operator}, got {dict(item)!r}"]
    ((name, operand),) = item.items()
    if name not in OPERATORS:
        close = difflib.get_close_matches(str(name), OPERATORS, n=1) if syntax.suggest else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [
            f"{at}: unknown {syntax.unknown} {name!r}{hint}; {syntax.service} knows {', '.join(OPERATORS)}"
        ]
    text = isinstance(operand, str) and bool(operand)
    if name in ("prefix", "suffix"):
        ok = text or (
            isinstance(operand, Mapping)
            and list(operand) == ["equals-ignore-case"]
            and isinstance(operand["equals-ignore-case"], str)
            and bool(operand["equals-ignore-case"])
        )
        takes = f"{name} takes a non-empty string (or {{'equals-ignore-case': {syntax.case_operand}}}), got"
    elif name == "equals-ignore-case":
        ok, takes = text, f"equals-ignore-case takes {syntax.ignore_case}, got"
    elif name == "wildcard":
        ok, takes = text and "**" not in operand, "wildcard takes a string without consecutive '*', got"
    elif name == "exists":
        ok, takes = isinstance(operand, bool), f"exists takes {syntax.exists}, got"
    elif name == "cidr":
        ok, takes = _cidr_ok(operand), "cidr takes an IP address prefix such as '10.0.0.0/24', got"
    elif name == "numeric":
        ok, takes = _numeric_ok(syntax, operand), f"{syntax.numeric}; got"
    else:
        ok = _anything_but_ok(syntax, operand)
        takes = (
            "anything-but takes a string, a number, a list of strings or of numbers, or "
            "{'prefix'|'suffix'|'wildcard'|'equals-ignore-case': string}, got"
        )
    return [] if ok else [f"{at}: {takes} {operand!r}"]


def _cidr_ok(operand: object) -> bool:
    try:
        return (
            isinstance(operand, str) and "/" in operand and bool(ipaddress.ip_network(operand, strict=False))
        )
    except ValueError:
        return False


def _numeric_ok(syntax: FilterSyntax, operand: object) -> bool:
    """``[op, n]`` or ``[lower op, n, upper op, m]`` with lower below upper, numbers in range."""
    if not _sequence(operand, syntax) or len(operand) not in (2, 4):
        return False
    ops, values = list(operand[0::2]), list(operand[1::2])
    if not all(_in_range(syntax, v) for v in values) or not all(op in _NUMERIC_OPS for op in ops):
        return False
    if len(operand) == 2:
        return True
    return ops[0] in (">", ">=") and ops[1] in ("<", "<=") and values[0] < values[1]


def _anything_but_ok(syntax: FilterSyntax, operand: object) -> bool:
    """A value, a list of values of one kind, or a prefix/suffix/wildcard/ignore-case filter."""
    if isinstance(operand, bool) or operand is None:
        return False
    if isinstance(operand, str):
        return True
    if _is_number(operand):
        return _in_range(syntax, operand)
    if _sequence(operand, syntax):
        numbers = (lambda v: _in_range(syntax, v)) if syntax.ranged_lists else _is_number
        return bool(operand) and (
            all(isinstance(v, str) for v in operand) or all(numbers(v) for v in operand)
        )
    if isinstance(operand, Mapping):
        return (
            len(operand) == 1
            and next(iter(operand)) in _CASE_FILTERS
            and isinstance(next(iter(operand.values())), syntax.nested_operands)
        )
    return False
