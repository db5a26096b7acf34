"""CloudWatch on the local cloud: the metrics of local runs (``local/metrics.py``) read through the
API, and alarms deployed, evaluated (``local/alarms.py``) and described as CloudWatch does.

- ``AWS::CloudWatch::Alarm`` and ``AWS::CloudWatch::CompositeAlarm`` deploy into moto's backend
  (``DescribeAlarms`` lists them, with the state the evaluation gives them) and into the cloud's
  :class:`~..alarms.Alarms`;
- ``GetMetricData`` (metric stats and metric math) and ``GetMetricStatistics`` (statistics and
  percentiles) answer from the cloud's metrics and from what ``PutMetricData`` stored, periods
  aligned on the epoch as CloudWatch aligns them;
- ``DescribeAlarmHistory`` (moto has none) lists the alarms' configuration updates, state changes
  and actions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .. import moto_adapter
from ..alarms import AlarmChange, AlarmDefinition
from ..metric_math import evaluate as evaluate_math
from ..metrics import Datapoint, aggregate, key_of, statistic
from ..moto_adapter import Patches, as_method
from ..resources import LocalModel, NamedModel, ResourceRequest
from ..state import State
from .running import RunningService

__all__ = ["MODELS", "CloudWatch"]

_RESPONSES = "moto.cloudwatch.responses"


class CloudWatch(RunningService):
    name = "cloudwatch"

    def install(self, patches: Patches) -> None:
        patches.replace(_RESPONSES, "CloudWatchResponse.get_metric_data", as_method(self.get_metric_data))
        patches.replace(
            _RESPONSES, "CloudWatchResponse.get_metric_statistics", as_method(self.get_metric_statistics)
        )
        patches.add(_RESPONSES, "CloudWatchResponse.describe_alarm_history", as_method(self.alarm_history))
        if self.state.alarms is not None:
            self.state.alarms.listeners.append(self.mirror)

    # -- reads -------------------------------------------------------------------------------------

    def _points(
        self, namespace: str, name: str, dimensions: Mapping[str, str], start: float, end: float
    ) -> list[Datapoint]:
        """What the cloud recorded of a metric, and what ``PutMetricData`` stored in moto."""
        found = self.state.metrics.points(key_of(namespace, name, dimensions), start, end)
        backend = moto_adapter.backend("cloudwatch", self.state.account_id, self.state.region)
        wanted = sorted(dimensions.items())
        for datum in list(backend.metric_data):
            value = getattr(datum, "value", None)
            if value is None or datum.namespace != namespace or datum.name != name:
                continue
            if sorted((d.name, d.value) for d in datum.dimensions) != wanted:
                continue
            when = datum.timestamp.timestamp()
            if start <= when < end:
                found.append(Datapoint(when, float(value), str(datum.unit or "None")))
        return found

    def get_metric_data(self, response: Any) -> Any:
        params = response._get_params()
        start, end = _seconds(params["StartTime"]), _seconds(params["EndTime"])
        queries = params.get("MetricDataQueries", [])
        named: dict[str, dict[int, float]] = {}
        results = []
        period = max(
            [int((q.get("MetricStat") or {}).get("Period") or q.get("Period") or 60) for q in queries] or [60]
        )
        indexes = list(range(math.floor(start / period), math.ceil(end / period)))
        for query in queries:
            stat = query.get("MetricStat")
            if stat is None:
                continue
            metric = stat["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            points = self._points(metric["Namespace"], metric["MetricName"], dims, start, end)
            named[query["Id"]] = {
                round(begin / period): value
                for begin, value in aggregate(points, stat["Stat"], period, start, end)
            }
        for query in queries:
            if "Expression" in query and query.get("MetricStat") is None:
                named[query["Id"]] = evaluate_math(query["Expression"], named, indexes, period)
        descending = (params.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
        for query in queries:
            if not query.get("ReturnData", True):
                continue
            series = sorted(named.get(query["Id"], {}).items(), reverse=descending)
            results.append(
                {
                    "id": query["Id"],
                    "label": query.get("Label") or query["Id"],
                    "values": [v for _, v in series],
                    "timestamps": [datetime.fromtimestamp(i * period, UTC) for i, _ in series],
                    "status_code": "Complete",
                }
            )
        return moto_adapter.read("moto.core.responses", "ActionResult")({"MetricDataResults": results})

    def get_metric_statistics(self, response: Any) -> Any:
        period = int(response._get_param("Period") or 60)
        start, end = _seconds(response._get_param("StartTime")), _seconds(response._get_param("EndTime"))
        dims = {d["Name"]: d["Value"] for d in response._get_param("Dimensions", [])}
        points = self._points(
            response._get_param("Namespace"), response._get_param("MetricName"), dims, start, end
        )
        unit = response._get_param("Unit")
        points = [p for p in points if unit is None or p.unit == unit]
        buckets: dict[int, list[Datapoint]] = {}
        for point in points:
            buckets.setdefault(math.floor(point.when / period), []).append(point)
        stats = response._get_param("Statistics", [])
        extended = response._get_param("ExtendedStatistics", [])
        datapoints = []
        for index, bucket in sorted(buckets.items()):
            values = [p.value for p in bucket]
            found: dict[str, Any] = {
                "Timestamp": datetime.fromtimestamp(index * period, UTC),
                "Unit": unit or bucket[0].unit,
            }
            found.update({name: statistic(values, name) for name in stats})
            if extended:
                found["ExtendedStatistics"] = {name: statistic(values, name) for name in extended}
            datapoints.append(found)
        label = response._get_param("MetricName")
        return moto_adapter.read("moto.core.responses", "ActionResult")(
            {"Label": label, "Datapoints": datapoints}
        )

    def alarm_history(self, response: Any) -> Any:
        alarms = self.state.alarms
        items = [] if alarms is None else list(alarms.history)
        name = response._get_param("AlarmName")
        kind = response._get_param("HistoryItemType")
        items = [
            i
            for i in items
            if (not name or i["AlarmName"] == name) and (not kind or i["HistoryItemType"] == kind)
        ]
        items.reverse()  # newest first, as CloudWatch lists them
        limit = int(response._get_param("MaxRecords") or 100)
        return moto_adapter.read("moto.core.responses", "ActionResult")({"AlarmHistoryItems": items[:limit]})

    # -- the state moto describes -------------------------------------------------------------------

    def mirror(self, change: AlarmChange) -> None:
        backend = moto_adapter.backend("cloudwatch", self.state.account_id, self.state.region)
        found = backend.alarms.get(change.alarm.name)
        if found is not None:
            found.update_state(change.reason, change.reason_data, change.new)


def _seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


# -- alarms deployed --------------------------------------------------------------------------------


class MetricAlarm(NamedModel):
    """An alarm in moto's backend (described) and in the cloud's alarms (evaluated). An update that
    keeps its name keeps its state; a new name replaces it."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        name = r.physical_name(cls.NAME_PROPERTY)
        arn = f"arn:aws:cloudwatch:{r.region}:{r.account_id}:alarm:{name}"
        definition = AlarmDefinition.from_properties(name, arn, r.props)
        _describe(definition, r)
        state = cls.state

        def remove() -> None:
            backend = moto_adapter.backend("cloudwatch", r.account_id, r.region)
            backend.alarms.pop(name, None)
            if state is not None and state.alarms is not None:
                state.alarms.remove(name)

        if state is not None and state.alarms is not None:
            state.alarms.put(definition)
        return cls._made(name, {"Arn": arn}, on_delete=remove)


class CompositeAlarm(MetricAlarm):
    TYPE = "AWS::CloudWatch::CompositeAlarm"


def _describe(definition: AlarmDefinition, r: ResourceRequest) -> None:
    """The alarm as moto's ``DescribeAlarms`` lists it."""
    backend = moto_adapter.backend("cloudwatch", r.account_id, r.region)
    single = (
        definition.queries[0]
        if len(definition.queries) == 1 and not definition.queries[0].expression
        else None
    )
    stat = single.stat if single is not None else ""
    backend.put_metric_alarm(
        name=definition.name,
        namespace=single.namespace if single is not None else "",
        metric_name=single.metric_name if single is not None else "",
        comparison_operator=definition.comparison,
        evaluation_periods=definition.evaluation_periods,
        period=definition.period,
        threshold=definition.threshold,
        statistic="" if stat.startswith("p") else stat,
        extended_statistic=stat if stat.startswith("p") else None,
        description=definition.description,
        dimensions=[{"Name": k, "Value": v} for k, v in (single.dimensions if single is not None else ())],
        alarm_actions=list(definition.alarm_actions),
        ok_actions=list(definition.ok_actions),
        insufficient_data_actions=list(definition.insufficient_data_actions),
        datapoints_to_alarm=definition.datapoints_to_alarm,
        treat_missing_data=definition.treat_missing,
        actions_enabled=definition.actions_enabled,
        rule=definition.rule,
    )
    found = backend.alarms[definition.name]
    found.update_state("Unchecked: Initial alarm creation", "{}", "INSUFFICIENT_DATA")
    found.history.clear()


def publisher(state: State) -> Any:
    """How the alarms publish to an SNS topic of this cloud."""

    def publish(topic_arn: str, subject: str, message: str) -> None:
        topic = moto_adapter.backend("sns", state.account_id, state.region).get_topic(topic_arn)
        topic.publish(message, subject=subject)

    return publish


MODELS: dict[str, type] = {model.TYPE: model for model in (MetricAlarm, CompositeAlarm)}
