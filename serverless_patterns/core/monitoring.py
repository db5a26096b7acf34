"""Monitoring shared by every pattern: one alarm topic and one dashboard per stack, one alarm
factory that knows every kind of alarm the patterns raise, and the one rollback policy.

Metrics, alarms and dashboard widgets are built as plain Python values and cross into jsii once
each (an alarm is one ``CfnAlarm``; the dashboard body is rendered in Python at synth): every jsii
round trip costs about a millisecond, and a pattern raises a dozen alarms. The templates are the
ones aws-cdk-lib's ``Alarm``, ``Metric`` and ``Dashboard`` render. ``metric_*`` methods give
aws-cdk-lib ``Metric`` objects on demand.
"""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypedDict, Unpack

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from ..errors import Problems, is_token
from .policies import service_allow

__all__ = [
    "AlarmAbout",
    "AlarmKind",
    "AlarmKindSpec",
    "AlarmThresholds",
    "ExpressionSpec",
    "Graph",
    "MetricOptions",
    "MetricSpec",
    "Monitoring",
    "MonitoringOptions",
    "alarm_kind",
    "register_alarm_kind",
    "rolls_back",
    "threshold_of",
]


class AlarmKind(StrEnum):
    """The kinds of alarm the patterns raise. Each is built by :meth:`Monitoring.alarm`; its value is
    the :class:`AlarmThresholds` field that holds its threshold."""

    ERRORS = "errors"
    ERROR_RATE = "error_rate_percent"
    THROTTLES = "throttles"
    LATENCY_P99 = "latency_p99_ms"
    DLQ_DEPTH = "dlq_depth"
    MESSAGE_AGE = "message_age_seconds"
    ITERATOR_AGE = "iterator_age_seconds"
    SERVER_ERROR_RATE = "server_error_rate_percent"
    NOTIFICATIONS_FAILED = "notifications_failed"
    EXECUTIONS_FAILED = "executions_failed"
    EXECUTIONS_TIMED_OUT = "executions_timed_out"
    EXECUTIONS_THROTTLED = "executions_throttled"
    EXECUTIONS_ABORTED = "executions_aborted"


@dataclass(frozen=True)
class AlarmThresholds:
    """Thresholds for every kind of alarm. An alarm fires when its metric is at or above the threshold.

    Override only what you need: ``AlarmThresholds(latency_p99_ms=2500)``.
    """

    errors: float = 1
    """Function errors (Sum over one minute). Default: 1"""
    error_rate_percent: float = 5
    """Function errors as a percentage of invocations over five minutes. Default: 5"""
    throttles: float = 1
    """Function throttles (Sum over one minute). Default: 1"""
    latency_p99_ms: float = 3000
    """p99 latency of an API in milliseconds, over five minutes. Default: 3000"""
    server_error_rate_percent: float = 1
    """API 5XX responses as a percentage of requests, over five minutes. Default: 1"""
    dlq_depth: float = 1
    """Messages visible in a dead-letter or on-failure queue. Default: 1"""
    message_age_seconds: float = 300
    """Age of the oldest message in a queue, in seconds. Default: 300"""
    iterator_age_seconds: float = 60
    """Iterator age of a stream event source, in seconds (Maximum over one minute). Default: 60"""
    notifications_failed: float = 1
    """SNS notifications that failed to deliver (Sum over five minutes). Default: 1"""
    executions_failed: float = 1
    """State machine executions failed (Sum over five minutes). Default: 1"""
    executions_timed_out: float = 1
    """State machine executions timed out (Sum over five minutes). Default: 1"""
    executions_throttled: float = 1
    """State machine executions throttled (Sum over five minutes). Default: 1"""
    executions_aborted: float = 1
    """State machine executions aborted (Sum over five minutes). Default: 1"""
    others: Mapping[str, float] = field(default_factory=dict, hash=False)
    """Thresholds of the alarm kinds that event sources register (``{"failed_invocations": 2}``), by
    kind name. Default: - each registered kind's own default threshold"""


@dataclass(frozen=True)
class AlarmKindSpec:
    """How one kind of alarm measures its metric, what its description says, and whether it is about
    the new code. The built-in kinds are :class:`AlarmKind`; an event source adds its own with
    :func:`register_alarm_kind`, and nothing else changes."""

    statistic: str
    period_minutes: int
    evaluation_periods: int
    describe: str
    """The alarm description, with ``{subject}`` and ``{threshold}`` filled in."""
    about_code: bool = False
    """True: the alarm reports what the new code does (errors, throttles, latency), so it rolls a
    canary back. False: it reports data at rest or delivery (a parked message, a backlog's age), so
    it notifies only. Default: False"""
    default_threshold: float | None = None
    """The threshold of a registered kind that has no :class:`AlarmThresholds` field
    (``AlarmThresholds(others={name: value})`` overrides it). Default: - the AlarmThresholds field
    named after the kind"""


# How each kind is measured, written once. The thresholds come from AlarmThresholds.
#
# The one rollback policy is each kind's about_code. Alarms about the new code (function errors and
# throttles, API 5XX rate and latency) roll a canary back. Alarms about data at rest (a parked
# message, a backlog's age, a stream's iterator age, failed SNS deliveries) notify only: what they
# report outlives the version that caused it, and would roll back every later deployment, the fix
# included.
_KINDS: dict[str, AlarmKindSpec] = {
    AlarmKind.ERRORS: AlarmKindSpec("Sum", 1, 1, "{subject}: errors >= {threshold:g} in 1 minute", True),
    AlarmKind.ERROR_RATE: AlarmKindSpec(
        "Average", 5, 1, "{subject}: error rate >= {threshold:g}% over 5 minutes", True
    ),
    AlarmKind.THROTTLES: AlarmKindSpec(
        "Sum", 1, 1, "{subject}: throttles >= {threshold:g} in 1 minute", True
    ),
    AlarmKind.LATENCY_P99: AlarmKindSpec(
        "p99", 5, 1, "{subject}: p99 latency >= {threshold:g} ms over 5 minutes", True
    ),
    AlarmKind.SERVER_ERROR_RATE: AlarmKindSpec(
        "Average", 5, 1, "{subject}: 5XX rate >= {threshold:g}% over 5 minutes", True
    ),
    AlarmKind.DLQ_DEPTH: AlarmKindSpec("Maximum", 1, 1, "{subject}: {threshold:g} or more messages parked"),
    AlarmKind.MESSAGE_AGE: AlarmKindSpec("Maximum", 1, 5, "{subject}: oldest message >= {threshold:g} s old"),
    AlarmKind.ITERATOR_AGE: AlarmKindSpec("Maximum", 1, 5, "{subject}: iterator age >= {threshold:g} s"),
    # Counts over five minutes: failed SNS deliveries and state machine executions.
    **{
        kind: AlarmKindSpec("Sum", 5, 1, "{subject}: {threshold:g} or more " + what)
        for kind, what in (
            (AlarmKind.NOTIFICATIONS_FAILED, "notifications failed"),
            (AlarmKind.EXECUTIONS_FAILED, "executions failed"),
            (AlarmKind.EXECUTIONS_TIMED_OUT, "executions timed out"),
            (AlarmKind.EXECUTIONS_THROTTLED, "executions throttled"),
            (AlarmKind.EXECUTIONS_ABORTED, "executions aborted"),
        )
    },
}
_THRESHOLD_FIELDS = frozenset(kind.value for kind in AlarmKind)


def register_alarm_kind(name: str, spec: AlarmKindSpec) -> str:
    """Adds a kind of alarm (``"failed_invocations"``) that :meth:`Monitoring.alarm` can build, and
    returns ``name``. A kind with no :class:`AlarmThresholds` field needs ``spec.default_threshold``.
    Registering the same spec again is a no-op; another spec under a known name is an error."""
    known = _KINDS.get(name)
    if known is not None:
        if known != spec:
            raise ValueError(f"alarm kind {name!r} is already registered with another spec")
        return name
    if name not in _THRESHOLD_FIELDS and spec.default_threshold is None:
        raise ValueError(f"alarm kind {name!r} needs a default_threshold (AlarmThresholds has no such field)")
    _KINDS[name] = spec
    return name


def alarm_kind(name: str) -> AlarmKindSpec:
    """The spec of a registered kind of alarm."""
    return _KINDS[name]


def rolls_back(kind: AlarmKind | str) -> bool:
    """Whether an alarm of ``kind`` rolls a canary deployment back: whether it is about the new code
    (see the README's rollback policy)."""
    spec = _KINDS.get(kind)
    return spec is not None and spec.about_code


def threshold_of(thresholds: AlarmThresholds, kind: AlarmKind | str) -> float:
    """The threshold ``thresholds`` sets for an alarm of ``kind``."""
    if kind in _THRESHOLD_FIELDS:
        return float(getattr(thresholds, kind))
    value = thresholds.others.get(kind, _KINDS[kind].default_threshold)
    return float(value if value is not None else 0)


# The SQS metric behind each queue alarm kind.
_QUEUE_METRICS = {
    AlarmKind.DLQ_DEPTH: "ApproximateNumberOfMessagesVisible",
    AlarmKind.MESSAGE_AGE: "ApproximateAgeOfOldestMessage",
}


class AlarmAbout(TypedDict):
    """What an alarm is about: its kind, the metric it watches and what its description names."""

    kind: AlarmKind | str
    metric: MetricSpec | ExpressionSpec
    subject: str
    """What the description names (``"Stack/Pattern function"``)."""


class MetricOptions(TypedDict, total=False):
    """What a ``metric_*`` method lets you change, as aws-cdk-lib's ``MetricOptions`` does."""

    period: cdk.Duration
    statistic: str
    label: str
    color: str
    unit: cw.Unit
    account: str
    region: str


@dataclass(frozen=True)
class MetricSpec:
    """A CloudWatch metric as a plain value: graphed, alarmed and turned into an aws-cdk-lib
    ``Metric`` (:meth:`to_metric`) without a round trip to jsii until one is needed."""

    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str = "Sum"
    period_minutes: int = 5
    label: str | None = None

    def to_metric(self, **options: Any) -> cw.Metric:
        """The aws-cdk-lib ``Metric``, with any of :class:`MetricOptions` changed."""
        props: dict[str, Any] = {
            "namespace": self.namespace,
            "metric_name": self.metric_name,
            "dimensions_map": dict(self.dimensions),
            "statistic": self.statistic,
            "period": _minutes(self.period_minutes),
            "label": self.label,
        }
        props.update(options)
        return cw.Metric(**props)

    def _metric_stat(self) -> cw.CfnAlarm.MetricStatProperty:
        return cw.CfnAlarm.MetricStatProperty(
            metric=cw.CfnAlarm.MetricProperty(
                metric_name=self.metric_name,
                namespace=self.namespace,
                dimensions=[cw.CfnAlarm.DimensionProperty(name=k, value=v) for k, v in self.dimensions],
            ),
            period=self.period_minutes * 60,
            stat=self.statistic,
        )

    def alarm_props(self) -> dict[str, Any]:
        """The ``CfnAlarm`` properties that name this metric, as ``cloudwatch.Alarm`` renders them."""
        if self.label is None:
            extended = self.statistic.startswith("p")
            return {
                "metric_name": self.metric_name,
                "namespace": self.namespace,
                "dimensions": [cw.CfnAlarm.DimensionProperty(name=k, value=v) for k, v in self.dimensions],
                "period": self.period_minutes * 60,
                ("extended_statistic" if extended else "statistic"): self.statistic,
            }
        query = cw.CfnAlarm.MetricDataQueryProperty(
            id="m1", label=self.label, metric_stat=self._metric_stat(), return_data=True
        )
        return {"metrics": [query]}

    def graph_json(self) -> list[Any]:
        """The metric as a dashboard graph lists it, as ``cloudwatch.GraphWidget`` renders it."""
        entry: list[Any] = [self.namespace, self.metric_name]
        for name, value in self.dimensions:
            entry.extend((name, value))
        options: dict[str, Any] = {}
        if self.label is not None:
            options["label"] = self.label
        if self.period_minutes != 5:
            options["period"] = self.period_minutes * 60
        if self.statistic != "Average":
            options["stat"] = self.statistic
        if options:
            entry.append(options)
        return entry


@dataclass(frozen=True)
class ExpressionSpec:
    """A metric math expression over named metrics (``"m / 1000"`` with ``{"m": ...}``), as a plain value."""

    expression: str
    using: tuple[tuple[str, MetricSpec], ...]
    label: str
    period_minutes: int

    def to_metric(self, **options: Any) -> cw.MathExpression:
        """The aws-cdk-lib ``MathExpression``, with any of :class:`MetricOptions` changed."""
        props: dict[str, Any] = {
            "expression": self.expression,
            "using_metrics": {name: metric.to_metric() for name, metric in self.using},
            "label": self.label,
            "period": _minutes(self.period_minutes),
        }
        props.update(options)
        return cw.MathExpression(**props)

    def alarm_props(self) -> dict[str, Any]:
        queries = [
            cw.CfnAlarm.MetricDataQueryProperty(
                id="expr_1", expression=self.expression, label=self.label, return_data=True
            )
        ]
        queries.extend(
            cw.CfnAlarm.MetricDataQueryProperty(
                id=name, label=metric.label, metric_stat=metric._metric_stat(), return_data=False
            )
            for name, metric in self._inputs()
        )
        return {"metrics": queries}

    def _inputs(self) -> list[tuple[str, MetricSpec]]:
        """The named metrics, each over the expression's period: ``MathExpression`` overrides the
        period of the metrics it uses with its own."""
        return [
            (
                name,
                MetricSpec(
                    m.namespace, m.metric_name, m.dimensions, m.statistic, self.period_minutes, m.label
                ),
            )
            for name, m in self.using
        ]

    def graph_entries(self) -> list[list[Any]]:
        """The expression and its hidden inputs, as ``cloudwatch.GraphWidget`` lists them."""
        top: dict[str, Any] = {"label": self.label, "expression": self.expression}
        if self.period_minutes != 5:
            top["period"] = self.period_minutes * 60
        entries: list[list[Any]] = [[top]]
        for name, metric in self._inputs():
            entry = metric.graph_json()
            options = entry.pop() if isinstance(entry[-1], dict) else {}
            entries.append([*entry, {**options, "visible": False, "id": name}])
        return entries


@dataclass(frozen=True)
class Graph:
    """A dashboard graph of metrics, rendered as ``cloudwatch.GraphWidget`` renders it."""

    title: str
    metrics: Sequence[MetricSpec | ExpressionSpec]
    width: int = 6
    height: int = 6
    view: str = "timeSeries"
    """``timeSeries`` or ``singleValue`` (the latest value of each metric). Default: timeSeries"""
    start: str | None = None
    """The graph's own time range, back from now (``-P28D``), whatever the dashboard's.
    Default: - the dashboard's time range"""
    annotations: tuple[tuple[str, float], ...] = ()
    """Horizontal lines, as (label, value). Default: - none"""

    def to_json(self, x: int, y: int, region: str) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "view": self.view,
            "title": self.title,
            "region": region,
            "metrics": [
                entry
                for m in self.metrics
                for entry in (m.graph_entries() if isinstance(m, ExpressionSpec) else [m.graph_json()])
            ],
            "yAxis": {},
        }
        if self.start is not None:
            properties.update(start=self.start, end="P0D")
        if self.annotations:
            properties["annotations"] = {
                "horizontal": [{"label": label, "value": value} for label, value in self.annotations]
            }
        return {
            "type": "metric",
            "width": self.width,
            "height": self.height,
            "x": x,
            "y": y,
            "properties": properties,
        }


@dataclass(frozen=True)
class MonitoringOptions:
    """How a pattern is monitored. Shared by every pattern: its ``monitoring`` prop.

    Left out, ``MonitoringOptions()``: the thresholds documented on :class:`AlarmThresholds`, and
    the stack's shared alarm topic and dashboard.
    """

    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Alarm thresholds for this pattern. Default: - the values documented on AlarmThresholds"""
    monitoring: Monitoring | None = None
    """The monitoring (alarm topic and dashboard) to register with.
    Default: - the stack's shared Monitoring, created on first use"""
    dashboard: bool = True
    """Whether this pattern adds a section to the dashboard. Default: True"""

    def problems(self, prop: str = "monitoring") -> list[str]:
        """Everything wrong with these options, each message naming ``prop``."""
        found = Problems()
        if not isinstance(self.thresholds, AlarmThresholds):
            found.add(f"{prop}.thresholds must be an AlarmThresholds, got {type(self.thresholds).__name__}")
        else:
            found.extend(threshold_problems(self.thresholds, f"{prop}.thresholds"))
        if self.monitoring is not None and not isinstance(self.monitoring, Monitoring):
            found.add(f"{prop}.monitoring must be a Monitoring, got {type(self.monitoring).__name__}")
        found.boolean(f"{prop}.dashboard", self.dashboard)
        return list(found)


_GRID_WIDTH = 24
# The stack's shared Monitoring, by stack: found again without a round trip to jsii.
_SHARED: weakref.WeakKeyDictionary[cdk.Stack, Monitoring] = weakref.WeakKeyDictionary()


class Monitoring(Construct):
    """One per stack: an encrypted, TLS-only SNS alarm topic and one CloudWatch dashboard.

    Patterns find it with :meth:`Monitoring.of`; create one yourself to choose its options
    (email subscriptions, your own topic) before adding patterns.
    """

    ID = "ServerlessPatternsMonitoring"

    def __init__(
        self,
        scope: Construct,
        id: str = ID,
        *,
        alarm_topic: sns.ITopic | None = None,
        alarm_emails: Sequence[str] = (),
        dashboard_name: str | None = None,
    ) -> None:
        """
        :param alarm_topic: Topic that every alarm notifies.
            Default: - a topic encrypted with a customer-managed KMS key (rotation on) that
            CloudWatch may use, with a TLS-only policy
        :param alarm_emails: Email addresses subscribed to the alarm topic. Default: - none
        :param dashboard_name: Name of the dashboard. Default: - generated by CloudFormation
        """
        super().__init__(scope, id)
        problems = Problems()
        for email in alarm_emails:
            problems.require(
                is_token(email) or "@" in email, f"alarm_emails must be email addresses, got {email!r}"
            )
        problems.require(
            not (alarm_topic is not None and alarm_emails),
            "alarm_emails cannot be combined with alarm_topic: subscribe your own topic instead",
        )
        problems.raise_if_any(self.node.path)
        self.topic_key: kms.IKey | None = None
        if alarm_topic is None:
            alarm_topic, self.topic_key = self._alarm_topic()
        for email in alarm_emails:
            alarm_topic.add_subscription(subs.EmailSubscription(email))
        self.topic = alarm_topic
        self._alarm_actions = [alarm_topic.topic_arn]
        self._rows: list[list[dict[str, Any]]] = []
        self._height = 0
        self.dashboard = cw.CfnDashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=cdk.Lazy.string(_DashboardBody(self)),
        )
        """The dashboard (``AWS::CloudWatch::Dashboard``); add your own widgets with :meth:`add_widgets`."""

    def _alarm_topic(self) -> tuple[sns.Topic, kms.Key]:
        """``AlarmTopic``, encrypted with ``AlarmTopicKey``, that this account's alarms may publish to."""
        key = kms.Key(
            self,
            "AlarmTopicKey",
            enable_key_rotation=True,
            description="Encrypts the serverless-patterns alarm topic",
        )
        # CloudWatch publishes alarm notifications to the encrypted topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        topic = sns.Topic(
            self, "AlarmTopic", master_key=key, enforce_ssl=True, display_name="serverless-patterns alarms"
        )
        # CloudWatch's documented allow for alarms publishing to a topic, limited to this account's
        # alarms (confused-deputy protection), beside the TLS-only deny.
        account = cdk.Aws.ACCOUNT_ID
        topic.add_to_resource_policy(
            service_allow(
                "AllowThisAccountsCloudWatchAlarms",
                "cloudwatch.amazonaws.com",
                "sns:Publish",
                topic.topic_arn,
                {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{cdk.Aws.PARTITION}:cloudwatch:{_region()}:{account}:alarm:*"
                    },
                },
            )
        )
        return topic, key

    @classmethod
    def of(cls, scope: Construct, options: MonitoringOptions | None = None) -> Monitoring:
        """The monitoring for ``scope``: the one in ``options``, else the stack's, created on first use."""
        if options is not None and options.monitoring is not None:
            return options.monitoring
        stack = cdk.Stack.of(scope)
        shared = _SHARED.get(stack)
        if shared is None:
            existing = stack.node.try_find_child(cls.ID)
            shared = existing if isinstance(existing, Monitoring) else cls(stack, cls.ID)
            _SHARED[stack] = shared
        return shared

    def alarm(
        self,
        scope: Construct,
        id: str,
        *,
        thresholds: AlarmThresholds,
        notify: bool = True,
        threshold: float | None = None,
        description: str | None = None,
        **about: Unpack[AlarmAbout],
    ) -> cw.CfnAlarm:
        """Builds the alarm of ``kind`` on ``metric``, wired to the alarm topic.

        Every alarm treats missing data as not breaching and fires at or above its threshold. The
        alarm is an ``AWS::CloudWatch::Alarm`` (``cloudwatch.CfnAlarm``, an ``IAlarmRef``).
        ``notify=False`` leaves the topic out, for an alarm that a composite alarm
        (:meth:`composite_alarm`) combines and that notifies through it; ``threshold`` and
        ``description`` replace the kind's.
        """
        kind, metric = about["kind"], about["metric"]
        spec = _KINDS[kind]
        if threshold is None:
            threshold = threshold_of(thresholds, kind)
        return cw.CfnAlarm(
            scope,
            id,
            alarm_actions=self._alarm_actions if notify else None,
            alarm_description=description
            or spec.describe.format(subject=about["subject"], threshold=threshold),
            comparison_operator="GreaterThanOrEqualToThreshold",
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.evaluation_periods,
            threshold=threshold,
            treat_missing_data="notBreaching",
            **metric.alarm_props(),
        )

    def composite_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        kind: AlarmKind | str,
        alarms: Sequence[cw.CfnAlarm],
        subject: str,
        threshold: float,
    ) -> cw.CfnCompositeAlarm:
        """An ``AWS::CloudWatch::CompositeAlarm`` in ALARM when every one of ``alarms`` is
        (``ALARM("arn") AND ...``), wired to the alarm topic, described as ``kind`` says."""
        return cw.CfnCompositeAlarm(
            scope,
            id,
            alarm_rule=" AND ".join(f'ALARM("{alarm.attr_arn}")' for alarm in alarms),
            alarm_actions=self._alarm_actions,
            alarm_description=_KINDS[kind].describe.format(subject=subject, threshold=threshold),
        )

    @staticmethod
    def metric(
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        *,
        kind: AlarmKind | str | None = None,
        statistic: str = "Sum",
        period_minutes: int = 5,
        label: str | None = None,
    ) -> MetricSpec:
        """A metric. With ``kind``, measured the way alarms of that kind measure it (statistic and
        period); without, with ``statistic`` over ``period_minutes`` (for graphs and rate inputs)."""
        if kind is not None:
            spec = _KINDS[kind]
            statistic, period_minutes = spec.statistic, spec.period_minutes
        return MetricSpec(namespace, name, tuple(dimensions.items()), statistic, period_minutes, label)

    @staticmethod
    def queue_metric(queue_name: str, *, kind: AlarmKind, label: str | None = None) -> MetricSpec:
        """The SQS metric an alarm of ``kind`` watches: queue depth (``DLQ_DEPTH``) or the age of the
        oldest message (``MESSAGE_AGE``), measured as that kind measures it."""
        return Monitoring.metric(
            "AWS/SQS", _QUEUE_METRICS[kind], {"QueueName": queue_name}, kind=kind, label=label
        )

    @staticmethod
    def rate_percent(
        numerator: MetricSpec, denominator: MetricSpec, *, kind: AlarmKind, label: str
    ) -> ExpressionSpec:
        """``100 * numerator / denominator`` (0 without traffic) as a metric, for error-rate alarms."""
        return ExpressionSpec(
            "IF(d > 0, 100 * n / d, 0)",
            (("n", numerator), ("d", denominator)),
            label,
            _KINDS[kind].period_minutes,
        )

    def add_section(
        self,
        title: str,
        widgets: Sequence[Graph],
        alarms: Sequence[cw.CfnAlarm | cw.CfnCompositeAlarm] = (),
    ) -> None:
        """Adds a titled section (a text header, the graphs, then an alarm status row) to the dashboard."""
        row: list[tuple[int, int, Any]] = [(24, 1, _Text(f"## {title}"))]
        row.extend((w.width, w.height, w) for w in widgets)
        if alarms:
            row.append((24, 3, _AlarmStatus(f"{title} alarms", [a.attr_arn for a in alarms])))
        self._add_row(row)

    def add_widgets(self, *widgets: cw.IWidget) -> None:
        """Adds your own aws-cdk-lib widgets to the dashboard, as one row (``Dashboard.add_widgets``)."""
        self._add_row([(int(w.width), int(w.height), w) for w in widgets])

    def _add_row(self, row: Sequence[tuple[int, int, Any]]) -> None:
        """Lays a row out as ``cloudwatch.Row`` does (left to right, wrapping at 24) below the others."""
        laid: list[dict[str, Any]] = []
        x = y = height = 0
        for width, widget_height, widget in row:
            if x + width > _GRID_WIDTH:
                y, x = height, 0
            if isinstance(widget, Graph | _Text | _AlarmStatus):
                laid.append(widget.to_json(x, self._height + y, _region()))
            else:  # an aws-cdk-lib widget of the user's
                widget.position(x, self._height + y)
                laid.extend(widget.to_json())
            height = max(height, y + widget_height)
            x += width
        self._rows.append(laid)
        self._height += height

    def _body(self) -> str:
        widgets = [w for row in self._rows for w in row]
        return json.dumps({"widgets": widgets}, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class _Text:
    markdown: str

    def to_json(self, x: int, y: int, region: str) -> dict[str, Any]:
        return {
            "type": "text",
            "width": 24,
            "height": 1,
            "x": x,
            "y": y,
            "properties": {"markdown": self.markdown},
        }


@dataclass(frozen=True)
class _AlarmStatus:
    title: str
    alarm_arns: list[str]

    def to_json(self, x: int, y: int, region: str) -> dict[str, Any]:
        return {
            "type": "alarm",
            "width": 24,
            "height": 3,
            "x": x,
            "y": y,
            "properties": {"title": self.title, "alarms": self.alarm_arns},
        }


@jsii.implements(cdk.IStableStringProducer)
class _DashboardBody:
    """Renders the dashboard's body when the template is written, after every pattern has added its
    section (one callback from jsii instead of a call per widget and metric)."""

    def __init__(self, monitoring: Monitoring) -> None:
        self._monitoring = monitoring

    def produce(self) -> str:
        return self._monitoring._body()


_REGION: list[str] = []


def _region() -> str:
    """``${AWS::Region}``, read once per process (the same token in every stack)."""
    if not _REGION:
        _REGION.append(cdk.Aws.REGION)
    return _REGION[0]


_DURATIONS: dict[int, cdk.Duration] = {}


def _minutes(minutes: int) -> cdk.Duration:
    """``Duration.minutes``, created once per value: a Duration is immutable, and each creation is a
    jsii round trip (there is one per metric)."""
    duration = _DURATIONS.get(minutes)
    if duration is None:
        duration = _DURATIONS[minutes] = cdk.Duration.minutes(minutes)
    return duration


def threshold_problems(thresholds: AlarmThresholds, prop: str = "thresholds") -> list[str]:
    """Validation of user-given thresholds: every threshold must be a finite number >= 0, and a
    percentage at most 100 (a rate above it never fires)."""
    problems: list[str] = []
    values = [(f.name, getattr(thresholds, f.name)) for f in fields(thresholds) if f.name != "others"]
    others = thresholds.others
    if not isinstance(others, Mapping):
        problems.append(f"{prop}.others must be a mapping of alarm kind to threshold, got {others!r}")
    else:
        for name, value in others.items():
            if name not in _KINDS or name in _THRESHOLD_FIELDS:
                problems.append(
                    f"{prop}.others[{name!r}] is not a registered alarm kind without its own field; "
                    f"allowed: {', '.join(sorted(set(_KINDS) - _THRESHOLD_FIELDS)) or 'none'}"
                )
            else:
                values.append((f"others[{name!r}]", value))
    for name, value in values:
        if is_token(value):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"{prop}.{name} must be a number >= 0, got {value!r}")
        elif not math.isfinite(value):
            problems.append(f"{prop}.{name} must be a finite number, got {value!r}")
        elif name.endswith("_percent") and value > 100:
            problems.append(f"{prop}.{name} must be 0..100 percent, got {value:g}")
    return problems
