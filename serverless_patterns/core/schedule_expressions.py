"""Schedule expressions, checked once for every place that takes one: EventBridge Scheduler's
``cron(...)``, ``rate(...)`` and ``at(...)`` (:class:`~.sources.ScheduleSource`), and an EventBridge
rule's ``cron(...)`` and ``rate(...)`` (the OrchestratedPipeline's schedule triggers), which read
``cron`` and ``rate`` alike and have no ``at``.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..errors import is_token

__all__ = ["schedule_expression_problem", "schedule_expression_problems"]

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^)]*)\)$")
_AT = re.compile(r"^at\(([^)]*)\)$")
# The cron fields, in order, with the range of their numbers (Scheduler's and EventBridge rules').
_CRON_FIELDS = (
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# What else each field may hold: wildcard characters and names (EventBridge's cron reference).
_CRON_SYNTAX: dict[str, tuple[str, tuple[str, ...]]] = {
    "minutes": (",-*/", ()),
    "hours": (",-*/", ()),
    "day-of-month": (",-*?/", ("L", "W", "LW")),
    "month": (",-*/", _MONTHS),
    "day-of-week": (",-*?#", (*_DAYS, "L")),
    "year": (",-*/", ()),
}


def schedule_expression_problems(prop: str, expression: object) -> list[str]:
    """What is wrong with a Scheduler expression, each message naming ``prop`` and the value."""
    if not isinstance(expression, str):
        return [f"{prop} must be a cron(...), rate(...) or at(...) expression, got {expression!r}"]
    problem = schedule_expression_problem(expression)
    return [] if problem is None else [f"{prop} {problem}"]


def schedule_expression_problem(expression: str, *, at: bool = True) -> str | None:
    """What is wrong with ``expression``, if anything (a token: nothing, it is known at deploy time).
    ``at``: Scheduler's grammar, with ``at(...)``; without, an EventBridge rule's."""
    if is_token(expression):
        return None
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            return f"must be rate(1 unit) or rate(N units) with N >= 1, got {expression!r}"
        return None
    once = _AT.match(expression) if at else None
    if once:
        try:
            datetime.strptime(once.group(1), "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return f"at(...) takes a date and time yyyy-mm-ddThh:mm:ss (no zone: see time_zone), got {expression!r}"
        return None
    cron = _CRON.match(expression)
    if cron is None:
        if not at:
            return f"must be cron(...) or rate(...), got {expression!r}"
        return (
            "must be cron(minutes hours day-of-month month day-of-week year), rate(N minutes|hours|days) "
            f"or at(yyyy-mm-ddThh:mm:ss), got {expression!r}"
        )
    return _cron_problem(cron.group(1).split(), expression, count=at)


def _cron_problem(fields: list[str], expression: str, *, count: bool) -> str | None:
    """The first problem of a cron expression's ``fields``; ``count``: say how many there are."""
    if len(fields) != 6:
        got = f"{len(fields)} in " if count else ""
        return f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {got}{expression!r}"
    if (fields[2] == "?") == (fields[4] == "?"):
        return f"cron needs '?' in exactly one of day-of-month and day-of-week, got {expression!r}"
    for value, (name, low, high) in zip(fields, _CRON_FIELDS, strict=True):
        problem = _cron_field_problem(name, low, high, value, expression)
        if problem is not None:
            return problem
    return None


def _cron_field_problem(name: str, low: int, high: int, value: str, expression: str) -> str | None:
    wildcards, words = _CRON_SYNTAX[name]
    unknown = [w for w in re.findall(r"[A-Za-z]+", value) if w.upper() not in words]
    odd = [c for c in re.sub(r"[A-Za-z0-9]", "", value) if c not in wildcards]
    if unknown or odd:
        shown = ", ".join(words) + " and " if words else ""
        return (
            f"cron {name} may hold numbers, {shown}the wildcards {' '.join(wildcards)}, "
            f"got {value!r} in {expression!r}"
        )
    for part in value.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) >= 1):
            return f"cron {name} step must be a whole number >= 1, got {part!r} in {expression!r}"
        base, _, nth = base.partition("#")
        if nth and not (nth.isdigit() and 1 <= int(nth) <= 5):
            return f"cron {name} '#' must be 1..5, got {part!r} in {expression!r}"
        for number in re.findall(r"\d+", base):
            if not low <= int(number) <= high:
                return f"cron {name} must be {low}..{high}, got {number} in {expression!r}"
    return None
