"""EventHandler: a Lambda function run on a schedule (EventBridge Scheduler) or for the events an
EventBridge rule matches, with retries and dead-letter queues on both asynchronous edges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    Graph,
    InvocationType,
    Monitoring,
    MonitoringOptions,
    Pattern,
)
from ...core.queue import parking_queue
from ...core.slo import Slo
from ...core.sources import RuleSource, ScheduleSource, Source
from ...core.sources.rule import DEFAULT_RETRY_ATTEMPTS
from ...core.sources.schedule import DEFAULT_TIME_ZONE

__all__ = ["EventHandler"]

# Lambda's own retries of a failed asynchronous invocation, before the on-failure queue.
FUNCTION_RETRY_ATTEMPTS = 2


class EventHandler(Pattern):
    """A function run on a schedule or for matching EventBridge events, reliably.

    With ``schedule`` an EventBridge Scheduler schedule (``.schedule``, in a schedule group of its
    own) invokes the function's ``live`` alias through a role that may invoke that alias only; with
    ``event_pattern`` an EventBridge rule (``.rule``) on the default bus or ``event_bus`` does, with
    a permission for that rule only. Either way the delivery retries with a retry policy and parks
    what it could not deliver in ``.dead_letter_queue``; the function's own failed invocations, after
    Lambda's two retries, go to ``.failure_queue``. Alarms on both queues, on the rule's failed
    invocations (or the schedule's target errors and dropped invocations), on the function's errors
    and throttles; a dashboard section; canary deployments through the ``live`` alias.
    """

    source: Source
    """The trigger: a :class:`~serverless_patterns.core.sources.ScheduleSource` or a
    :class:`~serverless_patterns.core.sources.RuleSource`."""
    failure_queue: sqs.Queue
    """Where the function's failed asynchronous invocations go, after Lambda's two retries."""
    dead_letter_queue: sqs.Queue
    """Where EventBridge or Scheduler parks the events it could not deliver to the function."""
    rule: events.CfnRule | None
    """The EventBridge rule (with ``event_pattern``), else None."""
    schedule: scheduler.CfnSchedule | None
    """The Scheduler schedule (with ``schedule``), else None."""
    schedule_group: scheduler.CfnScheduleGroup | None
    """The schedule's own group (with ``schedule``), else None."""
    scheduler_role: iam.CfnRole | None
    """The role the schedule invokes the function with (with ``schedule``), else None."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionSpec,
        schedule: str | None = None,
        event_pattern: Mapping[str, Any] | None = None,
        event_bus: events.IEventBus | None = None,
        time_zone: str | None = None,
        flexible_time_window: cdk.Duration | None = None,
        detail: Mapping[str, Any] | None = None,
        retry_attempts: int = DEFAULT_RETRY_ATTEMPTS,
        max_event_age: cdk.Duration | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param function: The function to run. It is invoked asynchronously, with an EventBridge event
            (Powertools' ``EventBridgeEvent``).
        :param schedule: When to run it: ``cron(0 2 * * ? *)`` (6 fields), ``rate(5 minutes)`` or,
            once, ``at(2026-12-31T23:00:00)``, read in ``time_zone``. Exactly one of ``schedule`` and
            ``event_pattern``. Default: - none
        :param event_pattern: Run it for the events this EventBridge pattern matches
            (``{"source": ["com.example.orders"], "detail-type": ["OrderPlaced"]}``). Exactly one of
            ``schedule`` and ``event_pattern``. Default: - none
        :param event_bus: The bus the rule is on (``event_pattern`` only): yours, or another
            account's imported by ARN. Default: - the account's default event bus
        :param time_zone: IANA time zone of ``schedule`` (``schedule`` only). Default: - UTC
        :param flexible_time_window: Let Scheduler invoke up to this long (1..1440 minutes) after the
            scheduled time, to spread load (``schedule`` only). Default: - off
        :param detail: The ``detail`` of every scheduled event (``schedule`` only). Default: - {}
        :param retry_attempts: Delivery retries by EventBridge or Scheduler before an event goes to
            the dead-letter queue, 0..185. Default: 185
        :param max_event_age: How long EventBridge or Scheduler keeps trying to deliver an event,
            60 s..24 h. Default: - 24 hours
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the function. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        source = self._validate(
            function,
            schedule,
            event_pattern,
            event_bus,
            time_zone,
            flexible_time_window,
            detail,
            retry_attempts,
            max_event_age,
        )
        self.source = source
        self.failure_queue = parking_queue(
            self,
            "FailureQueue",
            role=f"the on-failure destination of the {self.path} function's asynchronous invocations",
        )
        pf = self._single_function(
            function,
            InvocationType.ASYNC,
            on_failure_queue=self.failure_queue,
            retry_attempts=FUNCTION_RETRY_ATTEMPTS,
        )
        kind = "Schedule" if isinstance(source, ScheduleSource) else "Rule"
        binding = self.attach(
            source, Construct(self, kind), function=pf, title=self.path, scope_path=f"{self.path}/{kind}"
        )
        made = binding.resources
        self.dead_letter_queue = made["dead_letter_queue"]
        self.rule = made.get("rule")
        self.schedule = made.get("schedule")
        self.schedule_group = made.get("schedule_group")
        self.scheduler_role = made.get("role")
        self._monitor(binding.graphs)

    def _monitor(self, graphs: list[Graph]) -> None:
        """The on-failure queue's alarm, and the dashboard section: the source's graphs and the queues'."""
        self._undelivered = Monitoring.queue_metric(
            self.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Undelivered events"
        )
        self._failed = Monitoring.queue_metric(
            self.failure_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Failed events"
        )
        self._alarms(
            self,
            (
                "FailureQueueDepthAlarm",
                AlarmKind.DLQ_DEPTH,
                self._failed,
                f"{self.path} on-failure queue (events the function failed on after its retries)",
            ),
        )
        self._dashboard_section([*graphs, Graph("Function: failed events", [self._failed], width=12)])

    # ------------------------------------------------------------------ public API
    def metric_dead_letter_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """Events waiting in the dead-letter queue (``ApproximateNumberOfMessagesVisible``, Maximum
        over one minute). ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._undelivered, options)

    def metric_failure_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """Events waiting in the on-failure queue (``ApproximateNumberOfMessagesVisible``, Maximum
        over one minute). ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._failed, options)

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        function: object,
        schedule: object,
        event_pattern: object,
        event_bus: object,
        time_zone: object,
        flexible_time_window: object,
        detail: object,
        retry_attempts: object,
        max_event_age: object,
    ) -> Source:
        problems = self._problems()
        spec: FunctionSpec | None = None
        if isinstance(function, FunctionSpec):
            spec = function
            problems.extend(function.problems("function"))
        else:
            problems.add(f"function must be a FunctionSpec, got {type(function).__name__}")
        if (schedule is None) == (event_pattern is None):
            problems.add(
                "give exactly one of schedule (a cron(...), rate(...) or at(...) expression) and "
                f"event_pattern (an EventBridge event pattern), got {'both' if schedule is not None else 'neither'}"
            )
        schedule_only = [
            name
            for name, value in (
                ("time_zone", time_zone),
                ("flexible_time_window", flexible_time_window),
                ("detail", detail),
            )
            if value is not None
        ]
        source: Source
        if event_pattern is not None or schedule is None:
            if schedule_only and schedule is None:
                problems.add(
                    f"{' and '.join(schedule_only)} configure the schedule; they need schedule, not "
                    "event_pattern"
                )
            source = RuleSource(
                event_pattern=event_pattern,  # type: ignore[arg-type]
                event_bus=event_bus,  # type: ignore[arg-type]
                retry_attempts=retry_attempts,  # type: ignore[arg-type]
                max_event_age=max_event_age,  # type: ignore[arg-type]
            )
            if event_pattern is not None:
                problems.extend(source.problems("", function=spec))
        else:
            if event_bus is not None:
                problems.add("event_bus is the bus of the rule; it needs event_pattern, not schedule")
            source = ScheduleSource(
                schedule=schedule,  # type: ignore[arg-type]
                time_zone=DEFAULT_TIME_ZONE if time_zone is None else time_zone,  # type: ignore[arg-type]
                flexible_time_window=flexible_time_window,  # type: ignore[arg-type]
                detail={} if detail is None else detail,  # type: ignore[arg-type]
                retry_attempts=retry_attempts,  # type: ignore[arg-type]
                max_event_age=max_event_age,  # type: ignore[arg-type]
            )
            problems.extend(source.problems("", function=spec))
        self._slo_timeouts(problems, [("function.timeout", function)])
        self._check(problems)
        return source
