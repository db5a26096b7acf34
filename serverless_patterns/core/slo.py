"""SLOs as code: an availability (and optionally a latency) target over a window, watched by
multi-window, multi-burn-rate alarms (the Google SRE workbook's method) and shown as an
error-budget panel on the pattern's dashboard section.

``slo=Slo(availability=99.9, latency=Latency(p99=Duration.millis(300)), window=Duration.days(28))``
is a prop of every pattern. It measures what the pattern serves: for an API (``ApiToLambda``,
``ServiceApi``) the API stage (5XX responses of all requests, the stage's ``Latency``), otherwise
each of the pattern's functions on its own (``Errors`` of ``Invocations``, ``Duration``; for
``WebSocketApi`` each route's function).

**Why a pattern prop, not a ``FunctionSpec`` field.** An SLO is a promise about what the pattern
serves, beside ``monitoring=`` (whose thresholds it shares): an API's callers see the stage, whose
5XX responses and latency include API Gateway's own, and ``ServiceApi`` has no function at all. A
``FunctionSpec`` says what to run and how it is sized, and one spec is often shared by several
routes. One prop, one type, on every pattern; where a pattern has several functions, each gets
its own budget and alarms (a fast burn rolls back that function's canary only).

**The error budget.** ``budget = 1 - availability / 100`` (99.9 -> 0.001) of the requests may
fail; with a latency target ``Latency(p99=300 ms)``, ``100 - 99 = 1`` percent of them may be
slower than 300 ms. A window's *burn rate* is the share of bad requests over the share allowed:
1 spends the budget exactly over the SLO window, 14.4 spends 2% of a 30-day budget in one hour.

**The alarms.** Two burn levels, each an AND of a long and a short window (the short one, a twelfth
of the long, makes the alarm reset soon after the burn stops):

============  ======================  ==========  ===================================================
alarm         windows                 burn rate   action
============  ======================  ==========  ===================================================
fast burn     1 hour AND 5 minutes    >= 14.4     alarm topic; rolls the canary back (``slo_fast_burn``)
slow burn     6 hours AND 30 minutes  >= 6        alarm topic only (``slo_slow_burn``)
============  ======================  ==========  ===================================================

The rates are the workbook's (2% and 5% of a 30-day budget in 1 and 6 hours) whatever the window;
``AlarmThresholds(others={"slo_fast_burn": 10, "slo_slow_burn": 3})`` changes them. A rate above
``1 / budget`` cannot be reached (an error rate over 100%); it is capped there, so a 100% error
rate still fires.

Each window is one ``AWS::CloudWatch::Alarm`` whose period is the window (3600, 300, 21600 and
1800 seconds: periods are multiples of 60 and the alarm's period times its one evaluation period
stays within CloudWatch's one day) on one metric math expression; each burn level is an
``AWS::CloudWatch::CompositeAlarm`` whose rule is ``ALARM("<long>") AND ALARM("<short>")``, and
only the composite alarm notifies. The window alarms notify through it; missing data (no traffic)
is not breaching.
The fast-burn composite alarm joins the function's CodeDeploy deployment group by its name, as
every rollback alarm does; CodeDeploy reads alarm states with ``DescribeAlarms``. (CloudWatch takes
no AND of two periods inside one metric alarm: the metrics of one alarm share its period, and
metric math has no moving sum an alarm could use, hence the composite alarm.)

**The expressions**, with ``e`` the bad requests (``Sum`` of ``Errors`` or ``5XXError``/``5xx``),
``n`` all requests (``Sum`` of ``Invocations`` or ``Count``) and ``t`` the percentile rank
``PR(:<threshold ms>)`` of ``Duration`` or ``Latency`` (the percent of requests at or under the
threshold; CloudWatch computes percentile ranks for every metric that has percentiles, as these
two have), all over the window's period. Only standard CloudWatch metric math (``IF``, ``MAX``,
``FILL``, arithmetic and ``>``) is used:

- burn rate, availability only: ``IF(n > 0, e / n, 0) / <budget>``
  (99.9%: ``IF(n > 0, e / n, 0) / 0.001``);
- burn rate with a latency target: ``MAX([IF(n > 0, e / n, 0) / <budget>, (100 - FILL(t, 100)) /
  <100 - percentile>])`` (p99: ``... (100 - FILL(t, 100)) / 1``): the faster of the two burns;
- budget left on the panel, in percent, over the SLO window: ``100 * (1 - IF(n > 0, e / n, 0) /
  <budget>)`` and ``100 * (1 - (100 - FILL(t, 100)) / <100 - percentile>)``.

Latency is measured by percentile rank rather than by alarming on p99 against the threshold: the
share of slow requests is what a latency budget counts, and it adds up across windows as the
error share does. No traffic in a window leaves ``e`` and ``n`` without data (so no alarm), and a
missing ``t`` is filled with 100 (nothing slow).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from ..errors import Problems, is_token
from .monitoring import (
    AlarmKindSpec,
    AlarmThresholds,
    ExpressionSpec,
    Graph,
    MetricSpec,
    Monitoring,
    register_alarm_kind,
    threshold_of,
)

__all__ = [
    "SLO_FAST_BURN",
    "SLO_SLOW_BURN",
    "Latency",
    "Sli",
    "Slo",
    "SloAlarms",
    "SloTargets",
    "build_slo",
    "burn_rate_expression",
    "slo_problems",
]

SLO_FAST_BURN = register_alarm_kind(
    "slo_fast_burn",
    AlarmKindSpec(
        "Sum",
        60,
        1,
        "{subject}: error budget burn rate >= {threshold:g}x over 1 hour and 5 minutes (fast burn)",
        about_code=True,
        default_threshold=14.4,
    ),
)
"""The fast-burn alarm: about the new code, so it rolls a canary back."""
SLO_SLOW_BURN = register_alarm_kind(
    "slo_slow_burn",
    AlarmKindSpec(
        "Sum",
        360,
        1,
        "{subject}: error budget burn rate >= {threshold:g}x over 6 hours and 30 minutes (slow burn)",
        default_threshold=6,
    ),
)
"""The slow-burn alarm: it notifies only (a slow burn outlives the version that started it)."""

# (kind, construct id stem, long window minutes, short window minutes)
_LEVELS = ((SLO_FAST_BURN, "SloFastBurn", 60, 5), (SLO_SLOW_BURN, "SloSlowBurn", 360, 30))
_PERCENTILES: dict[str, Decimal] = {
    name: Decimal(value)
    for name, value in (
        ("p50", "50"),
        ("p75", "75"),
        ("p90", "90"),
        ("p95", "95"),
        ("p99", "99"),
        ("p99_9", "99.9"),
    )
}
DEFAULT_WINDOW_DAYS = 28
MIN_AVAILABILITY, MAX_AVAILABILITY = 90, 99.999


@dataclass(frozen=True)
class Latency:
    """A latency target: the percentile of requests that must finish within a duration. Give one
    field: ``Latency(p99=Duration.millis(300))`` (99% of requests within 300 ms)."""

    p50: cdk.Duration | None = None
    """Half of the requests within this duration. Default: - none"""
    p75: cdk.Duration | None = None
    """75% of the requests within this duration. Default: - none"""
    p90: cdk.Duration | None = None
    """90% of the requests within this duration. Default: - none"""
    p95: cdk.Duration | None = None
    """95% of the requests within this duration. Default: - none"""
    p99: cdk.Duration | None = None
    """99% of the requests within this duration. Default: - none"""
    p99_9: cdk.Duration | None = None
    """99.9% of the requests within this duration. Default: - none"""

    def given(self) -> list[tuple[str, object]]:
        """The fields given, as (name, value)."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None]


@dataclass(frozen=True)
class Slo:
    """A service level objective: the share of requests that succeed (and, with ``latency``, that
    are fast enough) over a rolling window. See :mod:`serverless_patterns.core.slo` for the alarms
    and the panel it adds.

    Every pattern takes one as its ``slo`` prop, measured on what that prop names (the function,
    each function, or the API stage): fast- and slow-burn error-budget alarms (the fast burn rolls
    a canary back, the slow one notifies) and an error-budget panel. Left out: no SLO.
    """

    availability: float = 99.9
    """Percent of requests that must succeed, 90..99.999. Default: 99.9"""
    latency: Latency | None = None
    """A latency target (``Latency(p99=Duration.millis(300))``), under the function's or the API's
    timeout. Default: - no latency target"""
    window: cdk.Duration | None = None
    """The rolling window the error budget is counted over, 1..90 whole days. Default: - 28 days"""

    def problems(self, prop: str = "slo") -> list[str]:
        """Everything wrong with this SLO, each message naming ``prop`` (the timeouts its latency
        target must be under are checked by :meth:`timeout_problems`)."""
        found = Problems()
        found.number(f"{prop}.availability", self.availability, MIN_AVAILABILITY, MAX_AVAILABILITY, "percent")
        if self.latency is not None:
            _latency_problems(found, f"{prop}.latency", self.latency)
        if self.window is not None:
            if not isinstance(self.window, cdk.Duration):
                found.add(f"{prop}.window must be a Duration, got {type(self.window).__name__}")
            elif not self.window.is_unresolved():
                days = float(self.window.to_milliseconds()) / 86_400_000
                found.in_range(f"{prop}.window", days, 1, 90, "days")
                found.require(
                    days.is_integer() or not 1 <= days <= 90,
                    f"{prop}.window must be a whole number of days, got {days:g}",
                )
        return list(found)

    def timeout_problems(self, prop: str, under: Sequence[tuple[str, float | None]]) -> list[str]:
        """The latency threshold must be under each of ``under`` (what, seconds; None: unknown)."""
        threshold = self._threshold_seconds()
        if threshold is None:
            return []
        name, seconds = threshold
        return [
            f"{prop}.latency.{name} must be under {what} ({limit:g} seconds), got {seconds:g} seconds"
            for what, limit in under
            if limit is not None and not is_token(limit) and seconds >= limit
        ]

    def _threshold_seconds(self) -> tuple[str, float] | None:
        """The latency field and its seconds, when there is one well-formed and resolved."""
        if not isinstance(self.latency, Latency):
            return None
        given = self.latency.given()
        if len(given) != 1 or not isinstance(given[0][1], cdk.Duration) or given[0][1].is_unresolved():
            return None
        return given[0][0], float(given[0][1].to_milliseconds()) / 1000

    def targets(self) -> SloTargets:
        """The targets as plain values (read from jsii once). Only for a valid SLO."""
        budget = (100 - Decimal(str(self.availability))) / 100
        latency = None
        if self.latency is not None:
            ((name, duration),) = self.latency.given()
            assert isinstance(duration, cdk.Duration)
            latency = (name, 100 - _PERCENTILES[name], float(duration.to_milliseconds()))
        days = DEFAULT_WINDOW_DAYS if self.window is None else round(self.window.to_days())
        return SloTargets(self.availability, budget, latency, days)


def _latency_problems(found: Problems, prop: str, latency: object) -> None:
    if not isinstance(latency, Latency):
        found.add(f"{prop} must be a Latency, got {type(latency).__name__}")
        return
    given = latency.given()
    if len(given) != 1:
        names = ", ".join(name for name, _ in given) or "none"
        found.add(f"{prop} must set exactly one of {', '.join(_PERCENTILES)}, got {names}")
        return
    ((name, value),) = given
    where = f"{prop}.{name}"
    if not isinstance(value, cdk.Duration):
        found.add(f"{where} must be a Duration, got {type(value).__name__}")
        return
    if value.is_unresolved():
        return
    seconds = float(value.to_milliseconds()) / 1000
    if seconds <= 0:
        found.add(f"{where} must be a positive duration, got {seconds:g} seconds")


@dataclass(frozen=True)
class SloTargets:
    """An SLO's targets as plain values."""

    availability: float
    budget: Decimal
    """The share of requests that may fail (0.001 for 99.9)."""
    latency: tuple[str, Decimal, float] | None
    """(field, percent that may be slow, threshold in milliseconds), or None."""
    window_days: int


@dataclass(frozen=True)
class Sli:
    """What an SLO is measured on: bad and all requests, and a metric with percentiles in ms."""

    errors: MetricSpec
    requests: MetricSpec
    latency: MetricSpec
    subject: str
    """What the alarm descriptions name (``"Stack/Worker/Function function"``)."""
    title: str
    """What the dashboard graphs name (``"Function"``, ``"API"``)."""

    @classmethod
    def of_function(cls, function_name: str, subject: str, title: str) -> Sli:
        dims = {"FunctionName": function_name}
        return cls(
            Monitoring.metric("AWS/Lambda", "Errors", dims, label="Errors"),
            Monitoring.metric("AWS/Lambda", "Invocations", dims, label="Invocations"),
            Monitoring.metric("AWS/Lambda", "Duration", dims, statistic="Average", label="Duration"),
            subject,
            title,
        )


def _num(value: Decimal | float) -> str:
    """A number as metric math reads it: plain decimal notation, no exponent, no trailing zeros."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.removesuffix(".0") if "." in text and text.endswith(".0") else text


def _error_burn(targets: SloTargets) -> str:
    return f"IF(n > 0, e / n, 0) / {_num(targets.budget)}"


def _latency_burn(targets: SloTargets) -> str:
    assert targets.latency is not None
    return f"(100 - FILL(t, 100)) / {_num(targets.latency[1])}"


def burn_rate_expression(targets: SloTargets) -> str:
    """The burn rate of one window (see the module's docstring)."""
    if targets.latency is None:
        return _error_burn(targets)
    return f"MAX([{_error_burn(targets)}, {_latency_burn(targets)}])"


def _inputs(targets: SloTargets, sli: Sli) -> tuple[tuple[str, MetricSpec], ...]:
    using: list[tuple[str, MetricSpec]] = [("e", sli.errors), ("n", sli.requests)]
    if targets.latency is not None:
        rank = f"PR(:{_num(targets.latency[2])})"
        m = sli.latency
        using.append(("t", MetricSpec(m.namespace, m.metric_name, m.dimensions, rank, m.period_minutes)))
    # every input is a Sum but the percentile rank
    return tuple(
        (name, metric if name == "t" else MetricSpec(metric.namespace, metric.metric_name, metric.dimensions))
        for name, metric in using
    )


@dataclass
class SloAlarms:
    """The alarms and graphs of one SLO on one subject (an API, a function)."""

    fast_burn: cw.CfnCompositeAlarm
    """The fast-burn alarm (``ALARM(1 hour) AND ALARM(5 minutes)``): notifies and rolls back."""
    slow_burn: cw.CfnCompositeAlarm
    """The slow-burn alarm (``ALARM(6 hours) AND ALARM(30 minutes)``): notifies."""
    windows: dict[str, cw.CfnAlarm]
    """The window alarms the two composite alarms combine, by construct id."""
    targets: SloTargets
    sli: Sli
    fast_threshold: float
    slow_threshold: float

    def graphs(self, title: str | None = None) -> list[Graph]:
        """The error-budget panel: budget left over the SLO window and the hourly burn rate."""
        targets, name = self.targets, title or self.sli.title
        using = _inputs(targets, self.sli)
        window_minutes = targets.window_days * 1440
        left = [
            ExpressionSpec(
                f"100 * (1 - {_error_burn(targets)})", using, "Availability budget left %", window_minutes
            )
        ]
        if targets.latency is not None:
            left.append(
                ExpressionSpec(
                    f"100 * (1 - {_latency_burn(targets)})", using, "Latency budget left %", window_minutes
                )
            )
        burn = ExpressionSpec(burn_rate_expression(targets), using, "Burn rate (1 hour)", 60)
        return [
            Graph(
                f"{name}: error budget left, last {targets.window_days} days (SLO {targets.availability:g}%)",
                left,
                view="singleValue",
                start=f"-P{targets.window_days}D",
            ),
            Graph(
                f"{name}: error budget burn rate",
                [burn],
                width=18,
                annotations=(("fast burn", self.fast_threshold), ("slow burn", self.slow_threshold)),
            ),
        ]


def build_slo(
    scope: Construct, monitoring: Monitoring, thresholds: AlarmThresholds, targets: SloTargets, sli: Sli
) -> SloAlarms:
    """The window alarms and the two composite alarms of ``targets`` on ``sli``, in ``scope``."""
    using = _inputs(targets, sli)
    expression = burn_rate_expression(targets)
    # a burn rate above 1 / budget needs more than 100% bad requests: capped there
    ceiling = float(1 / targets.budget)
    if targets.latency is not None:
        ceiling = max(ceiling, float(100 / targets.latency[1]))
    windows: dict[str, cw.CfnAlarm] = {}
    composites: list[cw.CfnCompositeAlarm] = []
    rates: list[float] = []
    for kind, stem, *minutes in _LEVELS:
        rate = min(threshold_of(thresholds, kind), ceiling)
        rates.append(rate)
        pair = []
        for which, period in zip(("Long", "Short"), minutes, strict=True):
            metric = ExpressionSpec(expression, using, f"Burn rate ({_window(period)})", period)
            id = f"{stem}{which}WindowAlarm"
            windows[id] = monitoring.alarm(
                scope,
                id,
                thresholds=thresholds,
                kind=kind,
                metric=metric,
                subject=sli.subject,
                notify=False,
                threshold=rate,
                description=f"{sli.subject}: SLO {targets.availability:g}% burn rate >= {rate:g}x over "
                f"{_window(period)} (one window of {stem[3:].lower().replace('burn', ' burn')})",
            )
            pair.append(windows[id])
        composites.append(
            monitoring.composite_alarm(
                scope, f"{stem}Alarm", kind=kind, alarms=pair, subject=sli.subject, threshold=rate
            )
        )
    return SloAlarms(composites[0], composites[1], windows, targets, sli, rates[0], rates[1])


def _window(minutes: int) -> str:
    return f"{minutes // 60} hour{'s' if minutes > 60 else ''}" if minutes >= 60 else f"{minutes} minutes"


def slo_problems(slo: object, prop: str = "slo") -> list[str]:
    """The problems of a pattern's ``slo`` prop (None: no SLO)."""
    if slo is None:
        return []
    if not isinstance(slo, Slo):
        return [f"{prop} must be an Slo, got {type(slo).__name__}"]
    return slo.problems(prop)
