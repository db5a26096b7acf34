"""When schedules fire on the local cloud's clock: the expressions (``local/schedule_expressions.py``)
and the clock that fires each deployed schedule when its expression says
(``local/services/scheduler.py``), with times given by the test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from serverless_patterns.local.schedule_expressions import Expression, ExpressionError, parse
from serverless_patterns.local.services import scheduler
from serverless_patterns.local.services.scheduler import ScheduleClock
from serverless_patterns.local.state import State

T0 = datetime(2026, 1, 15, 12, 0, 30, tzinfo=UTC)  # a Thursday


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# ----------------------------------------------------------------------------- expressions
@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("rate(1 minute)", T0, T0 + timedelta(minutes=1)),
        ("rate(5 minutes)", T0 + timedelta(minutes=7), T0 + timedelta(minutes=10)),
        ("rate(2 hours)", T0, T0 + timedelta(hours=2)),
        ("rate(1 day)", T0 + timedelta(days=1), T0 + timedelta(days=2)),
    ],
)
def test_a_rate_counts_its_periods_from_the_schedules_start(
    text: str, after: datetime, expected: datetime
) -> None:
    assert Expression(text).next_after(after, anchor=T0) == expected


@pytest.mark.parametrize(
    ("text", "zone", "after", "expected"),
    [
        ("cron(0 2 * * ? *)", "UTC", T0, _at(2026, 1, 16, 2, 0)),
        ("cron(*/15 * * * ? *)", "UTC", T0, _at(2026, 1, 15, 12, 15)),
        ("cron(5/10 9-10 * * ? *)", "UTC", T0, _at(2026, 1, 16, 9, 5)),
        # in the schedule's time zone: 09:00 in Paris is 08:00 UTC in winter, 07:00 in summer
        ("cron(0 9 * * ? *)", "Europe/Paris", T0, _at(2026, 1, 16, 8, 0)),
        ("cron(0 9 * * ? *)", "Europe/Paris", _at(2026, 7, 1), _at(2026, 7, 1, 7, 0)),
        ("cron(0 9 ? * MON-FRI *)", "UTC", _at(2026, 1, 16, 10), _at(2026, 1, 19, 9, 0)),
        ("cron(0 0 ? * 1 *)", "UTC", T0, _at(2026, 1, 18, 0, 0)),  # 1 is Sunday
        ("cron(0 12 L * ? *)", "UTC", T0, _at(2026, 1, 31, 12, 0)),
        ("cron(0 12 ? * 6L *)", "UTC", T0, _at(2026, 1, 30, 12, 0)),  # the last Friday
        ("cron(0 12 ? * 2#1 *)", "UTC", T0, _at(2026, 2, 2, 12, 0)),  # the first Monday
        ("cron(0 12 17W * ? *)", "UTC", T0, _at(2026, 1, 16, 12, 0)),  # the 17th is a Saturday
        ("cron(0 0 1 JAN ? 2027)", "UTC", T0, _at(2027, 1, 1, 0, 0)),
        ("at(2026-01-15T14:00:00)", "Europe/Paris", T0, _at(2026, 1, 15, 13, 0)),
    ],
)
def test_a_cron_or_at_fires_at_its_next_time_in_its_time_zone(
    text: str, zone: str, after: datetime, expected: datetime | None
) -> None:
    assert Expression(text, zone).next_after(after, anchor=after) == expected


def test_an_at_in_the_past_never_fires_again() -> None:
    assert Expression("at(2026-01-15T12:00:00)").next_after(T0, anchor=T0) is None


@pytest.mark.parametrize(
    "text",
    [
        "rate(0 minutes)",
        "rate(1 week)",
        "cron(0 2 * * *)",
        "cron(0 2 1 * MON *)",
        "cron(61 * * * ? *)",
        "daily",
    ],
)
def test_an_expression_scheduler_would_refuse_is_an_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text)


# ----------------------------------------------------------------------------- the clock
@dataclass
class Schedule:
    name: str
    schedule_expression: str
    group_name: str = "default"
    schedule_expression_timezone: str = "UTC"
    state: str = "ENABLED"


class Backend:
    def __init__(self, *schedules: Schedule) -> None:
        self.schedules = list(schedules)

    def list_schedules(
        self, group_names: Any, state: Any, next_token: str | None = None
    ) -> tuple[list[Schedule], str | None]:
        """As moto pages it: two a page."""
        start = int(next_token or 0)
        more = str(start + 2) if start + 2 < len(self.schedules) else None
        return self.schedules[start : start + 2], more


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> tuple[ScheduleClock, Backend, list[tuple[str, str, datetime]]]:
    backend = Backend()
    monkeypatch.setattr(scheduler, "_backend", lambda account, region: backend)
    fired: list[tuple[str, str, datetime]] = []
    state = State("123456789012", "us-east-1", "http://localhost:1")
    return ScheduleClock(state, lambda group, name, when: fired.append((group, name, when))), backend, fired


def test_a_rate_schedule_fires_each_period_after_it_is_first_seen(clock: Any) -> None:
    cloud_clock, backend, fired = clock
    backend.schedules.append(Schedule("every-minute", "rate(1 minute)"))
    assert cloud_clock.run_due(T0) == []  # first seen: the first run is a period later
    assert cloud_clock.run_due(T0 + timedelta(seconds=59)) == []
    cloud_clock.run_due(T0 + timedelta(seconds=61))
    cloud_clock.run_due(T0 + timedelta(seconds=62))  # not twice for one period
    cloud_clock.run_due(T0 + timedelta(seconds=121))
    assert fired == [
        ("default", "every-minute", T0 + timedelta(minutes=1)),
        ("default", "every-minute", T0 + timedelta(minutes=2)),
    ]


def test_missed_periods_fire_once_at_the_latest_due_time(clock: Any) -> None:
    cloud_clock, backend, fired = clock
    backend.schedules.append(Schedule("every-minute", "rate(1 minute)", group_name="jobs"))
    cloud_clock.run_due(T0)
    cloud_clock.run_due(T0 + timedelta(minutes=5, seconds=1))
    cloud_clock.run_due(T0 + timedelta(minutes=5, seconds=2))
    assert fired == [("jobs", "every-minute", T0 + timedelta(minutes=1))]
    cloud_clock.run_due(T0 + timedelta(minutes=6, seconds=1))
    assert fired[-1] == ("jobs", "every-minute", T0 + timedelta(minutes=6))


def test_a_cron_schedule_fires_at_its_time_in_its_zone_and_a_disabled_one_never(clock: Any) -> None:
    cloud_clock, backend, fired = clock
    backend.schedules += [
        Schedule("off", "rate(1 minute)", state="DISABLED"),
        Schedule("later", "rate(1 day)"),
        Schedule("paris", "cron(0 13 * * ? *)", schedule_expression_timezone="Europe/Paris"),
    ]
    cloud_clock.run_due(T0)
    cloud_clock.run_due(_at(2026, 1, 15, 11, 59))
    assert fired == []
    cloud_clock.run_due(_at(2026, 1, 16, 12, 0, 1))
    assert fired == [("default", "paris", _at(2026, 1, 16, 12, 0))]


def test_a_changed_expression_counts_from_when_it_changed(clock: Any) -> None:
    cloud_clock, backend, fired = clock
    backend.schedules.append(Schedule("job", "rate(10 minutes)"))
    cloud_clock.run_due(T0)
    backend.schedules[0] = Schedule("job", "rate(1 minute)")
    cloud_clock.run_due(T0 + timedelta(minutes=5))
    cloud_clock.run_due(T0 + timedelta(minutes=6))
    assert fired == [("default", "job", T0 + timedelta(minutes=6))]


def test_an_expression_the_clock_cannot_read_is_noted_and_never_fires(clock: Any) -> None:
    cloud_clock, backend, fired = clock
    backend.schedules.append(Schedule("odd", "cron(0 0 ? * 1-7/x *)"))
    cloud_clock.run_due(T0)
    cloud_clock.run_due(T0 + timedelta(days=8))
    assert fired == []
    assert next(n.reason for n in cloud_clock.state.notes).startswith("never fires: ")


def test_the_clock_runs_at_its_speed() -> None:
    state = State("123456789012", "us-east-1", "http://localhost:1")
    fast = ScheduleClock(state, lambda *a: None, speed=60)
    start = fast.now()
    with pytest.raises(ValueError, match="speed must be positive"):
        ScheduleClock(state, lambda *a: None, speed=0)
    import time

    time.sleep(0.2)
    assert timedelta(seconds=10) <= fast.now() - start <= timedelta(seconds=30)
