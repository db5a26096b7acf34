"""What CloudWatch would record of local runs: the metrics AWS services publish, with timestamps.

A :class:`MetricStore` per cloud keeps every datapoint (namespace, name, dimensions, time, value)
and answers with a statistic per period, as CloudWatch does: ``Sum``, ``Average``, ``Minimum``,
``Maximum``, ``SampleCount`` and percentiles (``p99``, ``p99.9``: nearest rank over the raw
values). Recorded, as the services publish them:

- Lambda (:func:`record_invocation`, every handler run): ``Invocations``, ``Errors`` (0 or 1, so
  that a period with calls has a datapoint), ``Throttles`` (0), ``Duration`` (ms) and
  ``ConcurrentExecutions`` by ``FunctionName``; by ``FunctionName`` and ``Resource``
  (``name:alias`` or ``name:version``) for a qualified call; by ``FunctionName``, ``Resource`` and
  ``ExecutedVersion`` for a call through an alias;
- API Gateway (:func:`record_api_response`, every answer): ``Count``, ``Latency`` and, 0 or 1,
  ``4XXError``/``5XXError`` by ``ApiName`` and ``Stage`` (REST), ``4xx``/``5xx`` by ``ApiId`` and
  ``Stage`` (HTTP);
- SQS: ``NumberOfMessagesSent``/``Received``/``Deleted`` as they happen (``services/sqs.py``),
  ``ApproximateNumberOfMessagesVisible`` and ``ApproximateAgeOfOldestMessage`` sampled by
  :class:`Sampler`, by ``QueueName``;
- Step Functions (:class:`Sampler`): ``ExecutionsStarted``, ``ExecutionsSucceeded``,
  ``ExecutionsFailed``, ``ExecutionsTimedOut``, ``ExecutionsAborted`` by ``StateMachineArn``;
- SNS (``services/sns.py``): ``NumberOfMessagesPublished``, ``NumberOfNotificationsDelivered`` and
  ``NumberOfNotificationsFailed`` by ``TopicName``.

Reads through the local CloudWatch API (``GetMetricData``, ``GetMetricStatistics``) are served from
here (``services/cloudwatch.py``), with what ``PutMetricData`` stored in moto; the alarms read it
directly (:mod:`.alarms`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import moto_adapter

__all__ = [
    "Datapoint",
    "MetricKey",
    "MetricStore",
    "Sampler",
    "aggregate",
    "record_api_response",
    "record_invocation",
    "statistic",
]

_KEPT = 200_000
"""Datapoints kept per metric (the oldest are dropped first)."""

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]
"""(namespace, metric name, dimensions)."""


@dataclass(frozen=True)
class Datapoint:
    when: float
    """Wall-clock time (``time.time()``)."""
    value: float
    unit: str = "None"


def key_of(namespace: str, name: str, dimensions: Mapping[str, str]) -> MetricKey:
    return namespace, name, frozenset((str(k), str(v)) for k, v in dimensions.items())


class _Concurrency:
    """How many runs of each function overlapped the start of each one (recent runs only)."""

    def __init__(self) -> None:
        self._runs: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    def at(self, function: str, start: float, end: float) -> int:
        with self._lock:
            runs = self._runs.setdefault(function, deque(maxlen=1000))
            overlapping = sum(1 for s, e in runs if s <= start < e)
            runs.append((start, end))
        return overlapping + 1


class MetricStore:
    """Every datapoint recorded so far, by metric (thread-safe)."""

    def __init__(self) -> None:
        self._data: dict[MetricKey, deque[Datapoint]] = {}
        self._lock = threading.Lock()
        self.runs = _Concurrency()
        """Recent handler runs, for ``ConcurrentExecutions``."""

    def record(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        value: float,
        *,
        unit: str = "None",
        when: float | None = None,
    ) -> None:
        point = Datapoint(time.time() if when is None else when, float(value), unit)
        key = key_of(namespace, name, dimensions)
        with self._lock:
            found = self._data.get(key)
            if found is None:
                found = self._data[key] = deque(maxlen=_KEPT)
            found.append(point)

    def points(self, key: MetricKey, start: float, end: float, unit: str | None = None) -> list[Datapoint]:
        """The datapoints of one metric (its exact dimensions) with ``start <= when < end``."""
        with self._lock:
            found = list(self._data.get(key, ()))
        return [p for p in found if start <= p.when < end and (unit is None or p.unit == unit)]

    def keys(self) -> list[MetricKey]:
        with self._lock:
            return list(self._data)


def statistic(values: Sequence[float], stat: str) -> float | None:
    """``stat`` of ``values`` as CloudWatch computes it; None without values (a missing datapoint)."""
    if not values:
        return None
    if stat == "Sum":
        return float(sum(values))
    if stat == "Average":
        return float(sum(values)) / len(values)
    if stat == "Minimum":
        return float(min(values))
    if stat == "Maximum":
        return float(max(values))
    if stat == "SampleCount":
        return float(len(values))
    if stat.startswith("p"):
        percent = float(stat[1:])
        ordered = sorted(values)
        rank = max(1, math.ceil(percent / 100 * len(ordered)))
        return float(ordered[min(rank, len(ordered)) - 1])
    raise ValueError(f"statistic {stat!r} is not computed locally")


def aggregate(
    points: Iterable[Datapoint], stat: str, period: float, start: float, end: float, origin: float = 0.0
) -> list[tuple[float, float]]:
    """(period start, ``stat``) of each period between ``start`` and ``end`` that has datapoints,
    periods aligned on ``origin``, oldest first."""
    buckets: dict[int, list[float]] = {}
    for point in points:
        if start <= point.when < end:
            buckets.setdefault(math.floor((point.when - origin) / period), []).append(point.value)
    found = []
    for index in sorted(buckets):
        value = statistic(buckets[index], stat)
        if value is not None:
            found.append((origin + index * period, value))
    return found


# -- what the services publish -------------------------------------------------------------------------


def record_invocation(store: MetricStore, invocation: Any) -> None:
    """The Lambda metrics of one handler run (a :class:`~.runtime.Invocation`)."""
    name = str(invocation.function_name)
    qualifier = str(invocation.qualifier or "$LATEST")
    version = str(getattr(invocation, "version", "") or qualifier)
    when = float(invocation.started_at)
    dimension_sets: list[dict[str, str]] = [{"FunctionName": name}]
    if qualifier != "$LATEST":
        dimension_sets.append({"FunctionName": name, "Resource": f"{name}:{qualifier}"})
        if qualifier != version:  # through an alias
            dimension_sets.append(
                {"FunctionName": name, "Resource": f"{name}:{qualifier}", "ExecutedVersion": version}
            )
    concurrent = store.runs.at(name, when, when + float(invocation.duration_ms) / 1000)
    failed = 0.0 if invocation.error is None else 1.0
    for dimensions in dimension_sets:
        for metric, value, unit in (
            ("Invocations", 1.0, "Count"),
            ("Errors", failed, "Count"),
            ("Throttles", 0.0, "Count"),
            ("Duration", float(invocation.duration_ms), "Milliseconds"),
            ("ConcurrentExecutions", float(concurrent), "Count"),
        ):
            store.record("AWS/Lambda", metric, dimensions, value, unit=unit, when=when)


def record_api_response(
    store: MetricStore, *, rest: bool, api: str, stage: str, status: int, latency_ms: float, when: float
) -> None:
    """The API Gateway metrics of one answer: ``api`` is a REST API's name or an HTTP API's id."""
    dimensions = {"ApiName" if rest else "ApiId": api, "Stage": stage}
    client, server = ("4XXError", "5XXError") if rest else ("4xx", "5xx")
    for metric, value, unit in (
        ("Count", 1.0, "Count"),
        (client, 1.0 if 400 <= status < 500 else 0.0, "Count"),
        (server, 1.0 if status >= 500 else 0.0, "Count"),
        ("Latency", latency_ms, "Milliseconds"),
    ):
        store.record("AWS/ApiGateway", metric, dimensions, value, unit=unit, when=when)


_ENDED = {
    "SUCCEEDED": "ExecutionsSucceeded",
    "FAILED": "ExecutionsFailed",
    "TIMED_OUT": "ExecutionsTimedOut",
    "ABORTED": "ExecutionsAborted",
}


class Sampler:
    """What CloudWatch samples rather than counts: queue depth and age (each call), and the state
    machine executions that started or ended since the last call."""

    def __init__(self, store: MetricStore, account_id: str, region: str) -> None:
        self.store = store
        self.account_id = account_id
        self.region = region
        self._seen: dict[str, str] = {}

    def sample(self) -> None:
        now = time.time()
        for sample in (self._queues, self._executions):
            try:
                sample(now)
            except Exception:  # a backend changing under the sampler: next time
                continue

    def _queues(self, now: float) -> None:
        for queue in list(moto_adapter.backend("sqs", self.account_id, self.region).queues.values()):
            dims = {"QueueName": str(queue.name)}
            self.store.record(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                dims,
                float(queue.approximate_number_of_messages),
                unit="Count",
                when=now,
            )
            sent = [m.sent_timestamp for m in list(queue._messages) if m.sent_timestamp]
            age = max(0.0, now - min(sent) / 1000) if sent else 0.0
            self.store.record(
                "AWS/SQS", "ApproximateAgeOfOldestMessage", dims, round(age), unit="Seconds", when=now
            )

    def _executions(self, now: float) -> None:
        backend = moto_adapter.backend("stepfunctions", self.account_id, self.region)
        for machine in list(backend.state_machines):
            dims = {"StateMachineArn": str(machine.arn)}
            for execution in list(machine.executions):
                arn = str(execution.execution_arn)
                status = _execution_status(execution)
                if arn not in self._seen:
                    self.store.record("AWS/States", "ExecutionsStarted", dims, 1, unit="Count", when=now)
                if self._seen.get(arn) != status and status in _ENDED:
                    self.store.record("AWS/States", _ENDED[status], dims, 1, unit="Count", when=now)
                self._seen[arn] = status


def _execution_status(execution: Any) -> str:
    status = getattr(execution, "exec_status", None)
    if status is None:
        return str(getattr(execution, "status", "RUNNING"))
    return str(getattr(status, "value", status))
