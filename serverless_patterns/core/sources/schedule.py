"""ScheduleSource: an EventBridge Scheduler schedule (``cron(...)``, ``rate(...)`` or ``at(...)``, in a
time zone, with an optional flexible time window) whose target is a pattern function's ``live`` alias.

The schedule lives in a schedule group of its own, so that Scheduler's metrics (dimension
``ScheduleGroup``) are this schedule's; it invokes the alias with a role that may invoke that alias
and send to its dead-letter queue, nothing else, and that only Scheduler may assume, for schedules of
this account and group. Failed deliveries are retried by the target's retry policy, then parked in
the dead-letter queue (the shared :func:`~..queue.parking_queue`).

Built from plain values (``scheduler.CfnScheduleGroup``, ``iam.CfnRole``, ``scheduler.CfnSchedule``):
three calls into jsii, where the ``aws_scheduler`` L2 ``Schedule`` with
``aws_scheduler_targets.LambdaInvoke`` makes dozens (and grants through the alias' role policy).
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from ...errors import Problems, is_token
from ..monitoring import AlarmKindSpec, Graph, Monitoring, register_alarm_kind
from ..schedule_expressions import schedule_expression_problems
from .base import Binding, SourceAlarm, SourceTarget
from .delivery import DeadLetters, DeliveringSource, invoked_function

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_TIME_ZONE",
    "INVOCATIONS_DROPPED",
    "TARGET_ERRORS",
    "ScheduleSource",
    "fill",
    "schedule_expression_problems",
    "scheduled_event",
]

DEFAULT_TIME_ZONE = "UTC"
MAX_FLEXIBLE_WINDOW_MINUTES = 1440

TARGET_ERRORS = register_alarm_kind(
    "target_errors",
    AlarmKindSpec(
        "Sum",
        5,
        1,
        "{subject}: {threshold:g} or more target errors in 5 minutes",
        about_code=False,
        default_threshold=1,
    ),
)
"""Scheduler's ``TargetErrorCount``: invocations of the alias that Lambda refused (a permission, a
missing alias, throttling), whatever version runs. Delivery, not the new code: it notifies only."""
INVOCATIONS_DROPPED = register_alarm_kind(
    "invocations_dropped",
    AlarmKindSpec(
        "Sum",
        5,
        1,
        "{subject}: {threshold:g} or more invocations dropped in 5 minutes",
        about_code=False,
        default_threshold=1,
    ),
)
"""Scheduler's ``InvocationDroppedCount``: invocations given up after the retry policy and not
parked either. Delivery: it notifies only."""

_SAMPLE_ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/nightly/schedule"

# Scheduler's context attributes: replaced in the input each time the schedule invokes its target.
EXECUTION_ID = "<aws.scheduler.execution-id>"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULE_ARN = "<aws.scheduler.schedule-arn>"
ATTEMPT_NUMBER = "<aws.scheduler.attempt-number>"


@dataclass(frozen=True, kw_only=True)
class ScheduleSource(DeliveringSource):
    """An EventBridge Scheduler schedule (``resources["schedule"]``, a ``scheduler.CfnSchedule``) in
    its own schedule group (``resources["schedule_group"]``), invoking the function's ``live`` alias
    with a role (``resources["role"]``) that may invoke that alias and send to the schedule's
    dead-letter queue (``resources["dead_letter_queue"]``) only.

    The function receives an EventBridge-shaped event (Powertools' ``EventBridgeEvent``): ``source``
    ``aws.scheduler``, ``detail-type`` ``Scheduled Event``, the schedule's ARN in ``resources``, the
    scheduled time in ``time``, Scheduler's execution id in ``id``, and ``detail``.

    Its alarms, on Scheduler's target errors and dropped invocations and the dead-letter queue's
    depth, report delivery and data at rest: they notify and never roll a canary back.
    """

    schedule: str
    """When to invoke: ``cron(minutes hours day-of-month month day-of-week year)`` (6 fields, ``?``
    in one of the two day fields), ``rate(N minutes|hours|days)`` or, once,
    ``at(yyyy-mm-ddThh:mm:ss)``."""
    time_zone: str = DEFAULT_TIME_ZONE
    """The IANA time zone ``cron`` and ``at`` are read in (``"Europe/Paris"``). Default: UTC"""
    flexible_time_window: cdk.Duration | None = None
    """A window of 1..1440 minutes after the scheduled time within which Scheduler may invoke, to
    spread load. Default: - off (invoked at the scheduled time)"""
    detail: Mapping[str, Any] = field(default_factory=dict)
    """The event's ``detail``: JSON values, constant for every invocation. Default: - {}"""

    # ------------------------------------------------------------------ validation
    def _own_problems(self, at: str, found: Problems) -> None:
        """The expression, time zone, window and detail (the retry policy: :class:`DeliveringSource`)."""
        found.extend(schedule_expression_problems(f"{at}schedule", self.schedule))
        if (
            found.string(f"{at}time_zone", self.time_zone, empty=False)
            and not is_token(self.time_zone)
            and self.time_zone
            and self.time_zone not in _time_zones()
        ):
            found.add(
                f"{at}time_zone must be an IANA time zone name such as 'UTC' or 'Europe/Paris', "
                f"got {self.time_zone!r}"
            )
        window = found.duration(
            f"{at}flexible_time_window", self.flexible_time_window, 60, MAX_FLEXIBLE_WINDOW_MINUTES * 60
        )
        if window is not None and window % 60:
            found.add(f"{at}flexible_time_window must be a whole number of minutes, got {window:g} seconds")
        if not isinstance(self.detail, Mapping):
            found.add(f"{at}detail must be a mapping (the event's detail), got {self.detail!r}")
        else:
            try:
                json.dumps(dict(self.detail))
            except (TypeError, ValueError) as error:
                found.add(f"{at}detail must hold JSON values only: {error}")

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds ``Group``, ``DeadLetterQueue``, ``Role`` and ``Resource`` (the schedule) in ``scope``."""
        alias_arn = invoked_function(self, target).alias.function_arn
        group = scheduler.CfnScheduleGroup(scope, "Group")
        group_name = group.ref
        dead_letters = DeadLetters.build(
            scope, invoker="schedule", title=target.title, what="invocations", by="Scheduler"
        )
        queue_arn = dead_letters.queue.queue_arn
        role = _invoker_role(scope, target, group.attr_arn, alias_arn, queue_arn)
        schedule = scheduler.CfnSchedule(
            scope,
            "Resource",
            description=f"Invokes {target.title} on {self.schedule}",
            group_name=group_name,
            schedule_expression=self.schedule,
            schedule_expression_timezone=self.time_zone,
            flexible_time_window=self._window(),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=alias_arn,
                role_arn=role.attr_arn,
                input=json.dumps(scheduled_event(self.detail), separators=(",", ":")),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=queue_arn),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(**self._retry_policy()),
            ),
        )
        dims = {"ScheduleGroup": group_name}
        errors = Monitoring.metric(
            "AWS/Scheduler", "TargetErrorCount", dims, kind=TARGET_ERRORS, label="Target errors"
        )
        dropped = Monitoring.metric(
            "AWS/Scheduler", "InvocationDroppedCount", dims, kind=INVOCATIONS_DROPPED, label="Dropped"
        )
        attempts = Monitoring.metric("AWS/Scheduler", "InvocationAttemptCount", dims, label="Attempts")
        subject = f"{target.title} schedule"
        return dead_letters.binding(
            "Schedule",
            subject,
            alarms=[
                SourceAlarm("TargetErrorsAlarm", TARGET_ERRORS, errors, subject),
                SourceAlarm("InvocationsDroppedAlarm", INVOCATIONS_DROPPED, dropped, subject),
            ],
            graph=Graph("Schedule: invocations", [attempts, errors, dropped], width=12),
            resources={"schedule": schedule, "schedule_group": group, "role": role},
        )

    def _window(self) -> scheduler.CfnSchedule.FlexibleTimeWindowProperty:
        """The flexible time window: off, or up to ``flexible_time_window`` in whole minutes."""
        window = self.flexible_time_window
        if window is None:
            return scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF")
        return scheduler.CfnSchedule.FlexibleTimeWindowProperty(
            mode="FLEXIBLE", maximum_window_in_minutes=int(window.to_minutes())
        )

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """An invocation as the function receives it (Powertools' ``EventBridgeEvent``), with
        Scheduler's context attributes filled in as it fills them."""
        event: dict[str, Any] = fill(
            scheduled_event(self.detail if isinstance(self.detail, Mapping) else {}),
            schedule_arn=_SAMPLE_ARN,
            scheduled_time="2026-01-15T02:00:00Z",
            execution_id="d32c5kddcf5bb8c3",
            account="123456789012",
            region="us-east-1",
        )
        return event


def scheduled_event(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The input a ScheduleSource's schedule sends: an EventBridge-shaped event whose id, time and
    resources are Scheduler's context attributes, with the stack's account and region."""
    return {
        "version": "0",
        "id": EXECUTION_ID,
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": cdk.Aws.ACCOUNT_ID,
        "time": SCHEDULED_TIME,
        "region": cdk.Aws.REGION,
        "resources": [SCHEDULE_ARN],
        "detail": dict(detail),
    }


def fill(
    event: Any,
    *,
    schedule_arn: str,
    scheduled_time: str,
    execution_id: str,
    attempt: int = 1,
    account: str | None = None,
    region: str | None = None,
) -> Any:
    """``event`` (a schedule's input) with Scheduler's context attributes replaced as Scheduler
    replaces them when it invokes (and the account and region tokens, for a sample)."""
    values = {
        SCHEDULE_ARN: schedule_arn,
        SCHEDULED_TIME: scheduled_time,
        EXECUTION_ID: execution_id,
        ATTEMPT_NUMBER: str(attempt),
    }
    if account is not None:
        values[cdk.Aws.ACCOUNT_ID] = account
    if region is not None:
        values[cdk.Aws.REGION] = region
    return fill_value(event, values)


def fill_value(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` with each keyword of ``values`` replaced in its strings, at any depth."""
    if isinstance(value, str):
        for keyword, replacement in values.items():
            value = value.replace(keyword, replacement)
        return value
    if isinstance(value, Mapping):
        return {key: fill_value(inner, values) for key, inner in value.items()}
    if isinstance(value, list):
        return [fill_value(inner, values) for inner in value]
    return value


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _invoker_role(
    scope: Construct, target: SourceTarget, group_arn: str, alias_arn: str, queue_arn: str
) -> iam.CfnRole:
    """``Role``: only Scheduler, for this account's schedules of this group, may assume it, and it may
    invoke the alias and send to the dead-letter queue, nothing else."""
    return iam.CfnRole(
        scope,
        "Role",
        description=f"Lets the schedule of {target.scope_path} invoke {target.title}",
        assume_role_policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "scheduler.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID, "aws:SourceArn": group_arn}
                    },
                }
            ],
        },
        policies=[
            iam.CfnRole.PolicyProperty(
                policy_name="invoke-target",
                policy_document={
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": alias_arn},
                        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
                    ],
                },
            )
        ],
    )
