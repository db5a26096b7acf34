"""When an EventBridge schedule expression fires: ``rate(...)``, ``cron(...)`` (six fields, in the
schedule's time zone) and ``at(...)``, as EventBridge Scheduler reads them. Plain Python."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Expression", "ExpressionError", "parse"]

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): n for n, name in enumerate(calendar.month_abbr) if name}
_DAYS = {name: n for n, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_SEARCH_DAYS = 366 * 8  # a cron whose next time is further (a leap day on a Monday) never fires


class ExpressionError(ValueError):
    """A schedule expression this module cannot read."""


@dataclass(frozen=True)
class Expression:
    """A parsed schedule expression; :meth:`next_after` gives its next time."""

    text: str
    timezone: str = "UTC"

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """The first time strictly after ``after`` (aware) that the expression fires, in UTC, or
        None when it never will again. A rate counts its periods from ``anchor`` (when the
        schedule started)."""
        text = self.text.strip()
        zone = ZoneInfo(self.timezone or "UTC")
        rate = _RATE.match(text)
        if rate:
            period = timedelta(seconds=int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")])
            if period <= timedelta(0):
                raise ExpressionError(f"{text}: the rate must be positive")
            periods = max(0, (after - anchor) // period + 1)
            return (anchor + period * periods).astimezone(UTC)
        at = _AT.match(text)
        if at:
            when = datetime.fromisoformat(at.group(1)).replace(tzinfo=zone).astimezone(UTC)
            return when if when > after else None
        cron = _CRON.match(text)
        if cron:
            return _Cron(cron.group(1)).next_after(after, zone)
        raise ExpressionError(f"{text}: not a rate(...), cron(...) or at(...) expression")


def parse(text: str, timezone: str | None = None) -> Expression:
    """``text`` as an :class:`Expression` (checked now: raises :class:`ExpressionError`)."""
    expression = Expression(text, timezone or "UTC")
    expression.next_after(datetime.now(UTC), datetime.now(UTC))
    return expression


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The numbers a plain cron field (``*``, ``?``, lists, ranges, steps, names) names."""
    found: set[int] = set()
    for part in field.upper().split(","):
        step = 1
        if "/" in part:
            part, _, given = part.partition("/")
            step = _number(given, None)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, _, last = part.partition("-")
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise ExpressionError(f"cron field {field!r}: values must be {low}..{high}")
        found.update(range(start, end + 1, step))
    return found


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise ExpressionError(f"cron value {text!r} is not a number")
    return int(text)


def _weekday(day: date) -> int:
    """EventBridge's day of week: 1 is Sunday, 7 Saturday."""
    return (day.weekday() + 1) % 7 + 1


class _Cron:
    def __init__(self, fields: str) -> None:
        parts = fields.split()
        if len(parts) != 6:
            raise ExpressionError(
                f"cron({fields}): six fields (minutes hours day-of-month month day-of-week year)"
            )
        minutes, hours, self.dom, months, self.dow, years = (p.upper() for p in parts)
        self.minutes = sorted(_values(minutes, 0, 59))
        self.hours = sorted(_values(hours, 0, 23))
        self.months = _values(months, 1, 12, _MONTHS)
        self.years = _values(years, 1970, 2199)
        if self.dom != "?" and self.dow != "?":
            raise ExpressionError(f"cron({fields}): day-of-month or day-of-week must be '?'")
        self.plain_dom = None if self.dom == "?" or re.search(r"[LW]", self.dom) else _values(self.dom, 1, 31)
        self.plain_dow = (
            None if self.dow == "?" or re.search(r"[L#]", self.dow) else _values(self.dow, 1, 7, _DAYS)
        )

    def day_matches(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom != "?":
            if self.plain_dom is not None:
                return day.day in self.plain_dom
            if self.dom == "L":
                return day.day == last
            if self.dom.endswith("W"):
                return day == _nearest_weekday(day.replace(day=min(int(self.dom[:-1] or 1), last)))
            raise ExpressionError(f"cron day-of-month {self.dom!r} is not read")
        if self.plain_dow is not None:
            return _weekday(day) in self.plain_dow
        if self.dow.endswith("L"):
            return _weekday(day) == _number(self.dow[:-1], _DAYS) and day.day + 7 > last
        if "#" in self.dow:
            weekday, _, nth = self.dow.partition("#")
            return _weekday(day) == _number(weekday, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        raise ExpressionError(f"cron day-of-week {self.dow!r} is not read")

    def next_after(self, after: datetime, zone: ZoneInfo) -> datetime | None:
        local = after.astimezone(zone)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            if self.day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                        if when.astimezone(UTC) > after:
                            return when.astimezone(UTC)
            day += timedelta(days=1)
        return None


def _nearest_weekday(day: date) -> date:
    """The weekday nearest ``day`` in its month (``15W``)."""
    if day.weekday() < 5:
        return day
    last = calendar.monthrange(day.year, day.month)[1]
    if day.weekday() == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    return day + timedelta(days=1) if day.day < last else day - timedelta(days=2)  # Sunday
