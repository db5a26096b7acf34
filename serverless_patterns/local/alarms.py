"""CloudWatch alarms evaluated on the local cloud's metrics (:mod:`.metrics`), as CloudWatch does.

Each deployed ``AWS::CloudWatch::Alarm`` is evaluated at the end of each of its periods (aligned
on the cloud's start; ``LocalCloud(clock=N)`` makes a period N times shorter: with ``clock=60`` a
60 s period is 1 s), over its most recent complete periods:

- its metric with ``Statistic`` or ``ExtendedStatistic`` (``p99``), or its ``Metrics`` queries
  (metric math: see :mod:`.metric_math`), every input over the alarm's period;
- ``ALARM`` when at least ``DatapointsToAlarm`` (M) of the last ``EvaluationPeriods`` (N)
  datapoints breach ``Threshold`` by ``ComparisonOperator``, ``OK`` otherwise;
- missing datapoints as ``TreatMissingData`` says: ``breaching`` and ``notBreaching`` count them as
  such; with ``missing`` (the default) and ``ignore``, a range with no datapoint at all goes to
  ``INSUFFICIENT_DATA`` (``missing``) or keeps its state (``ignore``); otherwise, as CloudWatch
  fetches more datapoints than N, the most recent N present datapoints of the last N + 2 periods
  are evaluated: M breaching of them is ``ALARM``; fewer than M present all breaching is ``ALARM``
  too; else ``OK``.

A change of state is recorded (``DescribeAlarms``, ``DescribeAlarmHistory``), published to the
alarm's SNS actions (``AlarmActions``, ``OKActions``, ``InsufficientDataActions``) as the JSON
message CloudWatch sends, and passed to the listeners (``dev`` prints it, CodeDeploy stops a
deployment on it). An ``AWS::CloudWatch::CompositeAlarm`` is evaluated after the alarms it names:
``ALARM(x)``, ``OK(x)``, ``INSUFFICIENT_DATA(x)``, ``AND``, ``OR``, ``NOT``, ``TRUE``, ``FALSE``.

Not evaluated: anomaly detection bands (``ThresholdMetricId``), metrics of other accounts, Metrics
Insights queries, ``EvaluateLowSampleCountPercentile``; actions other than SNS topics.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .metric_math import MathError, Series
from .metric_math import evaluate as evaluate_math
from .metrics import MetricStore, aggregate, key_of

__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "AlarmChange",
    "AlarmDefinition",
    "Alarms",
    "Query",
    "decide",
]

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
_LOOKBACK = 2
"""Periods before the evaluation range read for ``missing`` and ``ignore``."""

_OPERATORS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
_REGIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-central-1": "EU (Frankfurt)",
}


@dataclass(frozen=True)
class Query:
    """One ``MetricDataQuery`` of an alarm (or its one metric, as ``m1``)."""

    id: str
    expression: str | None = None
    namespace: str = ""
    metric_name: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str = ""
    period: int = 60
    return_data: bool = True

    @classmethod
    def from_properties(cls, query: Mapping[str, Any]) -> Query:
        stat = query.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        return cls(
            id=str(query["Id"]),
            expression=query.get("Expression"),
            namespace=str(metric.get("Namespace", "")),
            metric_name=str(metric.get("MetricName", "")),
            dimensions=tuple((str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions") or []),
            stat=str(stat.get("Stat", "")),
            period=int(stat.get("Period") or query.get("Period") or 0),
            return_data=bool(query.get("ReturnData", True)),
        )


@dataclass(frozen=True)
class AlarmDefinition:
    """What CloudWatch evaluates of an alarm (``AWS::CloudWatch::Alarm`` properties)."""

    name: str
    arn: str
    description: str = ""
    comparison: str = "GreaterThanOrEqualToThreshold"
    threshold: float = 0.0
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    period: int = 60
    treat_missing: str = "missing"
    queries: tuple[Query, ...] = ()
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_enabled: bool = True
    rule: str | None = None
    """A composite alarm's ``AlarmRule`` (None for a metric alarm)."""
    updated: float = field(default_factory=time.time, compare=False)

    @classmethod
    def from_properties(cls, name: str, arn: str, props: Mapping[str, Any]) -> AlarmDefinition:
        """An ``AWS::CloudWatch::Alarm`` or ``AWS::CloudWatch::CompositeAlarm``'s properties."""
        queries = tuple(Query.from_properties(q) for q in props.get("Metrics") or [])
        if not queries and props.get("MetricName"):
            queries = (
                Query(
                    "m1",
                    namespace=str(props.get("Namespace", "")),
                    metric_name=str(props["MetricName"]),
                    dimensions=tuple(
                        (str(d["Name"]), str(d["Value"])) for d in props.get("Dimensions") or []
                    ),
                    stat=str(props.get("ExtendedStatistic") or props.get("Statistic") or "Average"),
                    period=int(props.get("Period") or 60),
                ),
            )
        periods = [q.period for q in queries if q.period]
        evaluation = int(props.get("EvaluationPeriods") or 1)
        return cls(
            name=name,
            arn=arn,
            description=str(props.get("AlarmDescription", "")),
            comparison=str(props.get("ComparisonOperator", "GreaterThanOrEqualToThreshold")),
            threshold=float(props.get("Threshold") or 0),
            evaluation_periods=evaluation,
            datapoints_to_alarm=int(props.get("DatapointsToAlarm") or evaluation),
            period=int(props.get("Period") or (max(periods) if periods else 60)),
            treat_missing=str(props.get("TreatMissingData") or "missing"),
            queries=queries,
            alarm_actions=tuple(str(a) for a in props.get("AlarmActions") or []),
            ok_actions=tuple(str(a) for a in props.get("OKActions") or []),
            insufficient_data_actions=tuple(str(a) for a in props.get("InsufficientDataActions") or []),
            actions_enabled=str(props.get("ActionsEnabled", True)).lower() != "false",
            rule=props.get("AlarmRule"),
        )

    def actions(self, state: str) -> tuple[str, ...]:
        if not self.actions_enabled:
            return ()
        return {ALARM: self.alarm_actions, OK: self.ok_actions}.get(state, self.insufficient_data_actions)


@dataclass(frozen=True)
class AlarmChange:
    """One change of an alarm's state."""

    alarm: AlarmDefinition
    old: str
    new: str
    reason: str
    reason_data: str
    when: float


# -- one evaluation -----------------------------------------------------------------------------------


def _breaches(value: float, comparison: str, threshold: float) -> bool:
    return _OPERATORS[comparison][0](value, threshold)


def decide(
    values: Sequence[float | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    comparison: str,
    threshold: float,
    treat_missing: str,
    current: str,
) -> tuple[str, int, int]:
    """(state, datapoints breaching, datapoints considered) for ``values``, a datapoint or None per
    period, oldest first (the evaluation range last, the lookback before it)."""
    n, m = evaluation_periods, datapoints_to_alarm
    recent = list(values[-n:])
    if treat_missing in ("breaching", "notBreaching"):
        missing_breaches = treat_missing == "breaching"
        breaching = sum(
            1 for v in recent if (missing_breaches if v is None else _breaches(v, comparison, threshold))
        )
        return (ALARM if breaching >= m else OK), breaching, len(recent)
    if all(v is None for v in recent):
        return (INSUFFICIENT_DATA if treat_missing != "ignore" else current), 0, 0
    present = [v for v in values if v is not None][-n:]
    breaching = sum(1 for v in present if _breaches(v, comparison, threshold))
    if len(present) >= m:
        return (ALARM if breaching >= m else OK), breaching, len(present)
    return (ALARM if breaching == len(present) else OK), breaching, len(present)


def _series(
    definition: AlarmDefinition, store: MetricStore, periods: list[int], origin: float, seconds: float
) -> Series:
    """The alarm's returned series over ``periods`` (indexes of ``seconds``-long periods)."""
    start, end = origin + periods[0] * seconds, origin + (periods[-1] + 1) * seconds
    named: dict[str, Series] = {}
    for query in definition.queries:
        if query.expression is None:
            key = key_of(query.namespace, query.metric_name, dict(query.dimensions))
            points = store.points(key, start, end)
            named[query.id] = {
                round((begin - origin) / seconds): value
                for begin, value in aggregate(points, query.stat, seconds, start, end, origin)
            }
    for query in definition.queries:
        if query.expression is not None:
            named[query.id] = evaluate_math(query.expression, named, periods, definition.period)
    returned = [q for q in definition.queries if q.return_data] or list(definition.queries[-1:])
    return named.get(returned[0].id, {}) if returned else {}


def _reason(
    definition: AlarmDefinition,
    new: str,
    old: str,
    points: list[tuple[float, float]],
    counts: tuple[int, int],
) -> str:
    breaching, considered = counts
    if not points:
        treated = {"breaching": "Breaching", "notBreaching": "NonBreaching"}.get(definition.treat_missing)
        n = definition.evaluation_periods
        if treated is None:
            return f"Insufficient Data: {n} datapoint{'s' if n > 1 else ''} were unknown."
        return (
            f"Threshold Crossed: no datapoints were received for {n} period{'s' if n > 1 else ''} and "
            f"{n} missing datapoint{'s were' if n > 1 else ' was'} treated as [{treated}]."
        )
    shown = ", ".join(f"{value:g} ({stamp})" for stamp, value in _stamped(points))
    verb = "was" if new == ALARM else "was not"
    what = _OPERATORS[definition.comparison][1]
    m = definition.datapoints_to_alarm
    count = breaching if new == ALARM else considered - breaching
    return (
        f"Threshold Crossed: {count} out of the last {considered} datapoints [{shown}] {verb} {what} the "
        f"threshold ({definition.threshold:g}) (minimum {m} datapoint{'s' if m > 1 else ''} for "
        f"{old} -> {new} transition)."
    )


def _stamped(points: list[tuple[float, float]]) -> list[tuple[str, float]]:
    return [(datetime.fromtimestamp(when, UTC).strftime("%d/%m/%y %H:%M:%S"), v) for when, v in points]


# -- composite alarms ----------------------------------------------------------------------------------

_RULE_TOKEN = re.compile(
    r"\s*(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*\"?([^\")]+)\"?\s*\)|\s*(AND|OR|NOT|TRUE|FALSE|\(|\))"
)

_BINARY: tuple[tuple[str, Callable[[bool, bool], bool]], ...] = (
    ("OR", lambda left, right: left or right),
    ("AND", lambda left, right: left and right),
)
"""An alarm rule's binary operators, the loosest first."""


def rule_holds(rule: str, state_of: Callable[[str], str | None]) -> bool:
    """Whether a composite alarm's ``AlarmRule`` holds, given each named alarm's state."""
    tokens: list[str | bool] = []
    position = 0
    while position < len(rule.rstrip()):
        found = _RULE_TOKEN.match(rule, position)
        if found is None:
            raise ValueError(f"cannot read alarm rule {rule[position:]!r}")
        if found.group(1):
            name = found.group(2).strip().split(":alarm:")[-1]
            tokens.append(state_of(name) == found.group(1))
        else:
            word = found.group(3)
            tokens.append({"TRUE": True, "FALSE": False}.get(word, word))
        position = found.end()

    def binary(at: int, level: int = 0) -> tuple[bool, int]:
        """The operands joined by the operator of ``_BINARY[level]`` (each one an expression of the
        next level, or below the last, a negation): OR binds loosest, then AND."""
        if level == len(_BINARY):
            return negation(at)
        word, join = _BINARY[level]
        value, at = binary(at, level + 1)
        while at < len(tokens) and tokens[at] == word:
            right, at = binary(at + 1, level + 1)
            value = join(value, right)
        return value, at

    def negation(at: int) -> tuple[bool, int]:
        if tokens[at] == "NOT":
            value, at = negation(at + 1)
            return not value, at
        if tokens[at] == "(":
            value, at = binary(at + 1)
            return value, at + 1
        return bool(tokens[at]), at + 1

    return binary(0)[0]


# -- the alarms of one cloud ---------------------------------------------------------------------------


@dataclass
class _Status:
    value: str = INSUFFICIENT_DATA
    reason: str = "Unchecked: Initial alarm creation"
    last_period: int | None = None


class Alarms:
    """The deployed alarms of one cloud, evaluated on a background clock (:meth:`start`).

    :param publish: sends ``(topic ARN, subject, message)`` to an SNS topic.
    :param clock: alarm periods run this many times faster. Default: 1
    """

    def __init__(
        self,
        store: MetricStore,
        *,
        account_id: str,
        region: str,
        publish: Callable[[str, str, str], None] | None = None,
        clock: float = 1.0,
        origin: float | None = None,
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.region = region
        self.clock = clock
        self.origin = time.time() if origin is None else origin
        self._publish = publish
        self._definitions: dict[str, AlarmDefinition] = {}
        self._status: dict[str, _Status] = {}
        self.history: list[dict[str, Any]] = []
        """Every ``DescribeAlarmHistory`` item so far, oldest first."""
        self.listeners: list[Callable[[AlarmChange], None]] = []
        """Called with every change of state."""
        self.samplers: list[Callable[[], None]] = []
        """Called on each tick of the clock, before alarms are evaluated."""
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- definitions ------------------------------------------------------------------------------

    def put(self, definition: AlarmDefinition) -> None:
        with self._lock:
            known = definition.name in self._definitions
            self._definitions[definition.name] = definition
            self._status.setdefault(definition.name, _Status())
            summary = f'Alarm "{definition.name}" {"updated" if known else "created"}'
            self._history(definition.name, "ConfigurationUpdate", summary, {})

    def remove(self, name: str) -> None:
        with self._lock:
            self._definitions.pop(name, None)
            self._status.pop(name, None)

    def definitions(self) -> list[AlarmDefinition]:
        with self._lock:
            return list(self._definitions.values())

    def state(self, name: str) -> str | None:
        """An alarm's state (by name or ARN), or None for an alarm not deployed here."""
        name = name.split(":alarm:")[-1]
        with self._lock:
            status = self._status.get(name)
            return None if status is None else status.value

    def reason(self, name: str) -> str:
        with self._lock:
            status = self._status.get(name.split(":alarm:")[-1])
            return "" if status is None else status.reason

    # -- the clock --------------------------------------------------------------------------------

    def period_seconds(self, definition: AlarmDefinition) -> float:
        """How long one of the alarm's periods lasts here."""
        return max(definition.period, 1) / self.clock

    def start(self) -> Alarms:
        self._thread = threading.Thread(target=self._run, name="local-alarms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            periods = [self.period_seconds(d) for d in self.definitions()]
            interval = min([1.0, *(p / 4 for p in periods)])
            with contextlib.suppress(Exception):  # an alarm that cannot be read waits for the next tick
                self.tick()
            self._stop.wait(max(0.05, interval))

    def tick(self, now: float | None = None) -> list[AlarmChange]:
        """Sample what is sampled, then evaluate every alarm whose period ended since its last
        evaluation; returns the changes of state."""
        for sample in list(self.samplers):
            with contextlib.suppress(Exception):
                sample()
        now = time.time() if now is None else now
        changes: list[AlarmChange] = []
        definitions = self.definitions()
        for definition in [d for d in definitions if d.rule is None] + [d for d in definitions if d.rule]:
            change = self._evaluate(definition, now)
            if change is not None:
                changes.append(change)
        for change in changes:
            self._announce(change)
        return changes

    def _evaluate(self, definition: AlarmDefinition, now: float) -> AlarmChange | None:
        with self._lock:
            status = self._status.get(definition.name)
        if status is None:
            return None
        if definition.rule is not None:
            new = ALARM if rule_holds(definition.rule, self.state) else OK
            reason = (
                f"{'At least one alarm' if new == ALARM else 'No alarm'} in the rule is in the state it names"
            )
            return self._set(definition, status, new, reason, "{}", now)
        seconds = self.period_seconds(definition)
        last = math.floor((now - self.origin) / seconds) - 1
        if status.last_period == last:
            return None
        status.last_period = last
        periods = list(range(last - definition.evaluation_periods - _LOOKBACK + 1, last + 1))
        try:
            series = _series(definition, self.store, periods, self.origin, seconds)
        except (MathError, ValueError, KeyError) as error:
            return self._set(definition, status, INSUFFICIENT_DATA, f"Unable to evaluate: {error}", "{}", now)
        values = [series.get(p) for p in periods]
        new, *counts = decide(
            values,
            evaluation_periods=definition.evaluation_periods,
            datapoints_to_alarm=definition.datapoints_to_alarm,
            comparison=definition.comparison,
            threshold=definition.threshold,
            treat_missing=definition.treat_missing,
            current=status.value,
        )
        n = definition.evaluation_periods
        counted = periods[-n:] if definition.treat_missing in ("breaching", "notBreaching") else periods
        recent = [(self.origin + p * seconds, series[p]) for p in counted if p in series][-n:]
        reason = _reason(definition, new, status.value, recent, (counts[0], counts[1]))
        data = {
            "version": "1.0",
            "queryDate": _iso(now),
            "startDate": _iso(self.origin + periods[-definition.evaluation_periods] * seconds),
            "period": definition.period,
            "recentDatapoints": [v for _, v in recent],
            "threshold": definition.threshold,
        }
        return self._set(definition, status, new, reason, json.dumps(data), now)

    def _set(
        self, definition: AlarmDefinition, status: _Status, new: str, reason: str, data: str, now: float
    ) -> AlarmChange | None:
        with self._lock:
            old = status.value
            if new == old:
                return None
            status.value, status.reason = new, reason
            summary = f"Alarm updated from {old} to {new}"
            self._history(
                definition.name,
                "StateUpdate",
                summary,
                {"oldState": {"stateValue": old}, "newState": {"stateValue": new, "stateReason": reason}},
            )
        return AlarmChange(definition, old, new, reason, data, now)

    def _history(self, name: str, kind: str, summary: str, data: dict[str, Any]) -> None:
        self.history.append(
            {
                "AlarmName": name,
                "AlarmType": "CompositeAlarm"
                if getattr(self._definitions.get(name), "rule", None)
                else "MetricAlarm",
                "Timestamp": datetime.now(UTC),
                "HistoryItemType": kind,
                "HistorySummary": summary,
                "HistoryData": json.dumps({"version": "1.0", **data}),
            }
        )

    def _announce(self, change: AlarmChange) -> None:
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(change)
        if self._publish is None:
            return
        region = _REGIONS.get(self.region, self.region)
        subject = f'{change.new}: "{change.alarm.name}" in {region}'[:100]
        message = json.dumps(notification(change, self.account_id, region))
        for arn in change.alarm.actions(change.new):
            if ":sns:" in arn:
                with contextlib.suppress(Exception):  # a topic that is gone
                    self._publish(arn, subject, message)
                    self._history(change.alarm.name, "Action", f"Published a notification to {arn}", {})


def notification(change: AlarmChange, account_id: str, region_name: str) -> dict[str, Any]:
    """The JSON message CloudWatch publishes to an alarm's SNS actions."""
    alarm = change.alarm
    trigger: dict[str, Any] = {
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "ComparisonOperator": alarm.comparison,
        "Threshold": alarm.threshold,
        "TreatMissingData": alarm.treat_missing,
        "EvaluateLowSampleCountPercentile": "",
    }
    if len(alarm.queries) == 1 and alarm.queries[0].expression is None:
        query = alarm.queries[0]
        extended = query.stat.startswith("p")
        trigger.update(
            {
                "MetricName": query.metric_name,
                "Namespace": query.namespace,
                "StatisticType": "ExtendedStatistic" if extended else "Statistic",
                ("ExtendedStatistic" if extended else "Statistic"): query.stat
                if extended
                else query.stat.upper(),
                "Unit": None,
                "Dimensions": [{"value": v, "name": k} for k, v in query.dimensions],
            }
        )
    else:
        trigger["Metrics"] = [_query_json(q) for q in alarm.queries]
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description or None,
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": _iso(alarm.updated),
        "NewStateValue": change.new,
        "NewStateReason": change.reason,
        "StateChangeTime": _iso(change.when),
        "Region": region_name,
        "AlarmArn": alarm.arn,
        "OldStateValue": change.old,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": trigger,
    }


def _query_json(query: Query) -> dict[str, Any]:
    if query.expression is not None:
        return {"Id": query.id, "Expression": query.expression, "ReturnData": query.return_data}
    return {
        "Id": query.id,
        "MetricStat": {
            "Metric": {
                "Dimensions": [{"value": v, "name": k} for k, v in query.dimensions],
                "MetricName": query.metric_name,
                "Namespace": query.namespace,
            },
            "Period": query.period,
            "Stat": query.stat,
        },
        "ReturnData": query.return_data,
    }


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
