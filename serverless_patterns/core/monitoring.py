"""Monitoring shared by every pattern: one alarm topic and one dashboard per stack, and one
alarm factory that knows every kind of alarm the patterns raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from ..errors import Problems, is_token

__all__ = [
    "AlarmKind",
    "AlarmThresholds",
    "Monitoring",
    "MonitoringOptions",
]


class AlarmKind:
    """The kinds of alarm the patterns raise. Each is built by :meth:`Monitoring.alarm`."""

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


@dataclass(frozen=True)
class _KindSpec:
    statistic: str
    period_minutes: int
    evaluation_periods: int
    describe: str


# How each kind is measured, written once. The thresholds come from AlarmThresholds.
_KINDS: dict[str, _KindSpec] = {
    AlarmKind.ERRORS: _KindSpec("Sum", 1, 1, "{subject}: errors >= {threshold:g} in 1 minute"),
    AlarmKind.ERROR_RATE: _KindSpec(
        "Average", 5, 1, "{subject}: error rate >= {threshold:g}% over 5 minutes"
    ),
    AlarmKind.THROTTLES: _KindSpec("Sum", 1, 1, "{subject}: throttles >= {threshold:g} in 1 minute"),
    AlarmKind.LATENCY_P99: _KindSpec(
        "p99", 5, 1, "{subject}: p99 latency >= {threshold:g} ms over 5 minutes"
    ),
    AlarmKind.SERVER_ERROR_RATE: _KindSpec(
        "Average", 5, 1, "{subject}: 5XX rate >= {threshold:g}% over 5 minutes"
    ),
    AlarmKind.DLQ_DEPTH: _KindSpec("Maximum", 1, 1, "{subject}: {threshold:g} or more messages parked"),
    AlarmKind.MESSAGE_AGE: _KindSpec("Maximum", 1, 5, "{subject}: oldest message >= {threshold:g} s old"),
    AlarmKind.ITERATOR_AGE: _KindSpec("Maximum", 1, 5, "{subject}: iterator age >= {threshold:g} s"),
    AlarmKind.NOTIFICATIONS_FAILED: _KindSpec(
        "Sum", 5, 1, "{subject}: {threshold:g} or more notifications failed"
    ),
    AlarmKind.EXECUTIONS_FAILED: _KindSpec("Sum", 5, 1, "{subject}: {threshold:g} or more executions failed"),
    AlarmKind.EXECUTIONS_TIMED_OUT: _KindSpec(
        "Sum", 5, 1, "{subject}: {threshold:g} or more executions timed out"
    ),
    AlarmKind.EXECUTIONS_THROTTLED: _KindSpec(
        "Sum", 5, 1, "{subject}: {threshold:g} or more executions throttled"
    ),
    AlarmKind.EXECUTIONS_ABORTED: _KindSpec(
        "Sum", 5, 1, "{subject}: {threshold:g} or more executions aborted"
    ),
}


# The SQS metric behind each queue alarm kind.
_QUEUE_METRICS = {
    AlarmKind.DLQ_DEPTH: "ApproximateNumberOfMessagesVisible",
    AlarmKind.MESSAGE_AGE: "ApproximateAgeOfOldestMessage",
}


@dataclass(frozen=True)
class MonitoringOptions:
    """How a pattern is monitored. Shared by every pattern."""

    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Alarm thresholds for this pattern. Default: - the values documented on AlarmThresholds"""
    monitoring: Monitoring | None = None
    """The monitoring (alarm topic and dashboard) to register with.
    Default: - the stack's shared Monitoring, created on first use"""
    dashboard: bool = True
    """Whether this pattern adds a section to the dashboard. Default: True"""


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
        self.key: kms.IKey | None = None
        if alarm_topic is None:
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
            alarm_topic = sns.Topic(
                self,
                "AlarmTopic",
                master_key=key,
                enforce_ssl=True,
                display_name="serverless-patterns alarms",
            )
            self.key = key
        for email in alarm_emails:
            alarm_topic.add_subscription(subs.EmailSubscription(email))
        self.topic = alarm_topic
        self._action = cw_actions.SnsAction(alarm_topic)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)

    @classmethod
    def of(cls, scope: Construct, options: MonitoringOptions | None = None) -> Monitoring:
        """The monitoring for ``scope``: the one in ``options``, else the stack's, created on first use."""
        if options is not None and options.monitoring is not None:
            return options.monitoring
        stack = cdk.Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        if isinstance(existing, Monitoring):
            return existing
        return cls(stack, cls.ID)

    def alarm(
        self,
        scope: Construct,
        id: str,
        *,
        kind: str,
        metric: cw.IMetric,
        subject: str,
        thresholds: AlarmThresholds,
    ) -> cw.Alarm:
        """Builds the alarm of ``kind`` on ``metric``, wired to the alarm topic.

        Every alarm treats missing data as not breaching and fires at or above its threshold.
        """
        spec = _KINDS[kind]
        threshold = float(getattr(thresholds, kind))
        alarm = cw.Alarm(
            scope,
            id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.evaluation_periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=spec.describe.format(subject=subject, threshold=threshold),
        )
        alarm.add_alarm_action(self._action)
        return alarm

    @staticmethod
    def metric(
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        *,
        kind: str | None = None,
        statistic: str = "Sum",
        period_minutes: int = 5,
        label: str | None = None,
    ) -> cw.Metric:
        """A metric. With ``kind``, measured the way alarms of that kind measure it (statistic and
        period); without, with ``statistic`` over ``period_minutes`` (for graphs and rate inputs)."""
        if kind is not None:
            spec = _KINDS[kind]
            statistic, period_minutes = spec.statistic, spec.period_minutes
        return cw.Metric(
            namespace=namespace,
            metric_name=name,
            dimensions_map=dict(dimensions),
            statistic=statistic,
            period=_minutes(period_minutes),
            label=label,
        )

    @staticmethod
    def queue_metric(queue_name: str, *, kind: str, label: str | None = None) -> cw.Metric:
        """The SQS metric an alarm of ``kind`` watches: queue depth (``DLQ_DEPTH``) or the age of the
        oldest message (``MESSAGE_AGE``), measured as that kind measures it."""
        return Monitoring.metric(
            "AWS/SQS", _QUEUE_METRICS[kind], {"QueueName": queue_name}, kind=kind, label=label
        )

    @staticmethod
    def rate_percent(
        numerator: cw.IMetric, denominator: cw.IMetric, *, kind: str, label: str
    ) -> cw.MathExpression:
        """``100 * numerator / denominator`` as a metric, for error-rate alarms."""
        spec = _KINDS[kind]
        return cw.MathExpression(
            expression="IF(d > 0, 100 * n / d, 0)",
            using_metrics={"n": numerator, "d": denominator},
            label=label,
            period=_minutes(spec.period_minutes),
        )

    def add_section(
        self, title: str, widgets: Sequence[cw.IWidget], alarms: Sequence[cw.IAlarm] = ()
    ) -> None:
        """Adds a titled section (a text header, the graphs, then an alarm status row) to the dashboard."""
        rows: list[cw.IWidget] = [cw.TextWidget(markdown=f"## {title}", width=24, height=1)]
        rows.extend(widgets)
        if alarms:
            rows.append(cw.AlarmStatusWidget(alarms=list(alarms), title=f"{title} alarms", width=24))
        self.dashboard.add_widgets(*rows)


_DURATIONS: dict[int, cdk.Duration] = {}


def _minutes(minutes: int) -> cdk.Duration:
    """``Duration.minutes``, created once per value: a Duration is immutable, and each creation is a
    jsii round trip (there is one per metric)."""
    duration = _DURATIONS.get(minutes)
    if duration is None:
        duration = _DURATIONS[minutes] = cdk.Duration.minutes(minutes)
    return duration


def threshold_problems(thresholds: AlarmThresholds) -> list[str]:
    """Validation of user-given thresholds: every threshold must be a non-negative number."""
    problems = []
    for f in fields(thresholds):
        value = getattr(thresholds, f.name)
        if not is_token(value) and (not isinstance(value, int | float) or value < 0):
            problems.append(f"thresholds.{f.name} must be a number >= 0, got {value!r}")
    return problems
