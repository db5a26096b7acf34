"""CloudWatch metric math, for the alarms the local cloud evaluates (:mod:`.alarms`).

A time series is a mapping of period index to value; a period with no datapoint is absent. As in
CloudWatch: an operation between two series keeps the periods both have, a series and a number
combine period by period, a comparison gives 1 or 0, ``IF(c, a, b)`` takes ``a`` where ``c`` is
not 0 and ``b`` elsewhere (nothing where ``c`` has no value; ``IF(c, a)`` nothing where it is 0),
``FILL(m, value)`` and ``FILL(m, REPEAT)`` fill the periods of the evaluation range ``m`` misses,
``MIN``/``MAX``/``SUM``/``AVG`` of one series give a number and of an array ``[a, b]`` a series,
``ABS``, ``CEIL``, ``FLOOR``, ``PERIOD``. Division by zero gives no value for that period.
Ids start with a lowercase letter; functions and keywords are upper case.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MathError", "Series", "evaluate"]

Series = dict[int, float]
Value = float | Series | list[Series]


_REPEAT: list[Series] = []
"""``REPEAT`` (and ``LINEAR``, filled as ``REPEAT`` locally) as FILL's second argument."""


class MathError(ValueError):
    """An expression the local evaluator cannot read or compute."""


_TOKEN = re.compile(
    r"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^(),<>\[\]]))"
)


def _tokens(text: str) -> list[str]:
    found: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise MathError(f"cannot read {text[position:]!r} in {text!r}")
        found.append(match.group(0).strip())
        position = match.end()
    return found


@dataclass
class _Context:
    series: Mapping[str, Series]
    periods: Sequence[int]
    """The period indexes of the evaluation range, oldest first (for FILL)."""
    period_seconds: float


class _Parser:
    """Recursive descent over the tokens, computing as it reads."""

    def __init__(self, tokens: list[str], context: _Context) -> None:
        self.tokens = tokens
        self.at = 0
        self.context = context

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token.upper() != expected:
            raise MathError(f"expected {expected!r}, got {token!r}")
        self.at += 1
        return token

    def expression(self) -> Value:
        return self._chain(self.conjunction, _OR)

    def conjunction(self) -> Value:
        return self._chain(self.comparison, _AND)

    def comparison(self) -> Value:
        left = self.sum()
        operator = _COMPARISONS.get(self.peek())
        if operator is not None:
            self.take()
            left = _binary(left, self.sum(), lambda a, b: float(operator(a, b)))
        return left

    def sum(self) -> Value:
        return self._chain(self.product, _SUMS)

    def product(self) -> Value:
        return self._chain(self.unary, _PRODUCTS)

    def _chain(
        self, operand: Callable[[], Value], operators: Mapping[str, Callable[[float, float], float]]
    ) -> Value:
        """``operand (operator operand)*``, left to right."""
        left = operand()
        while (operator := operators.get(self.peek().upper())) is not None:
            self.take()
            left = _binary(left, operand(), operator)
        return left

    def unary(self) -> Value:
        if self.peek() == "-":
            self.take()
            return _binary(0.0, self.unary(), lambda a, b: a - b)
        if self.peek().upper() == "NOT":
            self.take()
            return _map(self.unary(), lambda a: float(not a))
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return _binary(base, self.unary(), lambda a, b: a**b)
        return base

    def atom(self) -> Value:
        token = self.take()
        if token == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token == "[":
            items = self.arguments("]")
            return [_as_series(item, self.context) for item in items]
        if re.fullmatch(r"\d.*", token):
            return float(token)
        if token[:1].islower():
            if token not in self.context.series:
                raise MathError(f"unknown id {token!r}")
            return dict(self.context.series[token])
        if self.peek() != "(":
            raise MathError(f"unexpected {token!r}")
        self.take("(")
        return self.call(token.upper())

    def arguments(self, closing: str) -> list[Value]:
        found: list[Value] = []
        while self.peek() != closing:
            if self.peek().upper() in ("REPEAT", "LINEAR") and closing == ")":
                self.take()
                found.append(_REPEAT)
            else:
                found.append(self.expression())
            if self.peek() == ",":
                self.take()
        self.take(closing)
        return found

    def call(self, name: str) -> Value:
        arguments = self.arguments(")")
        function = _FUNCTIONS.get(name)
        if function is None:
            raise MathError(f"function {name} is not evaluated locally")
        return function(arguments, self.context)


_OR: dict[str, Callable[[float, float], float]] = {
    word: lambda a, b: float(bool(a) or bool(b)) for word in ("OR", "||")
}
_AND: dict[str, Callable[[float, float], float]] = {
    word: lambda a, b: float(bool(a) and bool(b)) for word in ("AND", "&&")
}
_SUMS: dict[str, Callable[[float, float], float]] = {"+": lambda a, b: a + b, "-": lambda a, b: a - b}
_PRODUCTS: dict[str, Callable[[float, float], float]] = {
    "*": lambda a, b: a * b,
    "/": lambda a, b: _divide(a, b),
}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError
    return a / b


def _apply(function: Callable[..., float], *values: float) -> float | None:
    try:
        return function(*values)
    except (ZeroDivisionError, OverflowError, ValueError):
        return None


def _map(value: Value, function: Callable[[float], float]) -> Value:
    if isinstance(value, list):
        return [_map(item, function) for item in value]  # type: ignore[misc]
    if isinstance(value, dict):
        return {k: r for k, v in value.items() if (r := _apply(function, v)) is not None}
    result = _apply(function, value)
    return math.nan if result is None else result


def _binary(left: Value, right: Value, function: Callable[[float, float], float]) -> Value:
    if isinstance(left, list) or isinstance(right, list):
        raise MathError("arithmetic on an array: use MIN, MAX, SUM or AVG")
    if isinstance(left, dict) and isinstance(right, dict):
        keys = sorted(left.keys() & right.keys())
        return {k: r for k in keys if (r := _apply(function, left[k], right[k])) is not None}
    if isinstance(left, dict):
        return _map(left, lambda a: function(a, right))  # type: ignore[arg-type]
    if isinstance(right, dict):
        return _map(right, lambda b: function(left, b))
    result = _apply(function, left, right)
    return math.nan if result is None else result


def _as_series(value: Value, context: _Context) -> Series:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        raise MathError("an array inside an array")
    return {k: value for k in context.periods}


def _if(arguments: list[Value], context: _Context) -> Value:
    if len(arguments) not in (2, 3):
        raise MathError("IF takes 2 or 3 arguments")
    condition = arguments[0]
    if not isinstance(condition, dict):
        chosen = arguments[1] if condition else (arguments[2] if len(arguments) == 3 else {})
        return chosen
    found: Series = {}
    for period, value in condition.items():
        branch = arguments[1] if value else (arguments[2] if len(arguments) == 3 else None)
        if branch is None:
            continue
        picked = branch.get(period) if isinstance(branch, dict) else branch
        if isinstance(picked, int | float):
            found[period] = float(picked)
    return found


def _fill(arguments: list[Value], context: _Context) -> Value:
    if len(arguments) != 2 or not isinstance(arguments[0], dict):
        raise MathError("FILL takes a series and a value, REPEAT or LINEAR")
    series, how = dict(arguments[0]), arguments[1]
    last: float | None = None
    for period in context.periods:
        if period in series:
            last = series[period]
        elif how is _REPEAT:
            if last is not None:
                series[period] = last
        elif isinstance(how, int | float):
            series[period] = float(how)
        elif isinstance(how, dict) and period in how:
            series[period] = how[period]
    return series


def _reduce(function: Callable[[list[float]], float]) -> Callable[[list[Value], _Context], Value]:
    def reduce(arguments: list[Value], context: _Context) -> Value:
        if len(arguments) != 1:
            raise MathError("takes one series or one array")
        value = arguments[0]
        if isinstance(value, list):
            periods = sorted(set().union(*(s.keys() for s in value))) if value else []
            return {p: function([s[p] for s in value if p in s]) for p in periods}
        if isinstance(value, dict):
            return function(list(value.values())) if value else math.nan
        return value

    return reduce


def _unary(function: Callable[[float], float]) -> Callable[[list[Value], _Context], Value]:
    def apply(arguments: list[Value], context: _Context) -> Value:
        if len(arguments) != 1:
            raise MathError("takes one argument")
        return _map(arguments[0], function)

    return apply


_FUNCTIONS: dict[str, Callable[[list[Value], _Context], Value]] = {
    "IF": _if,
    "FILL": _fill,
    "MIN": _reduce(min),
    "MAX": _reduce(max),
    "SUM": _reduce(lambda values: float(sum(values))),
    "AVG": _reduce(lambda values: float(sum(values)) / len(values)),
    "ABS": _unary(abs),
    "CEIL": _unary(lambda a: float(math.ceil(a))),
    "FLOOR": _unary(lambda a: float(math.floor(a))),
    "PERIOD": lambda arguments, context: context.period_seconds,
}


def evaluate(
    expression: str, series: Mapping[str, Series], periods: Sequence[int], period_seconds: float
) -> Series:
    """``expression`` over the named ``series``, as a series over ``periods`` (a number is that
    number in every period)."""
    parser = _Parser(_tokens(expression), _Context(series, periods, period_seconds))
    value = parser.expression()
    if parser.peek():
        raise MathError(f"unexpected {parser.peek()!r} in {expression!r}")
    if isinstance(value, list):
        raise MathError(f"{expression!r} is an array, not a series")
    if isinstance(value, dict):
        return value
    return {} if math.isnan(value) else {p: value for p in periods}
