"""EventBridge Scheduler in the local cloud: schedules deploy, fire when asked and, when asked,
on their own clock.

moto has a Scheduler backend but no CloudFormation model for it, so ``AWS::Scheduler::ScheduleGroup``
and ``AWS::Scheduler::Schedule`` are modelled here (:data:`MODELS`): they are created in moto's
Scheduler backend (the Scheduler API lists and describes them) and removed with their stack. A
schedule fires when ``LocalCloud.fire`` asks (:func:`find_schedule`, then :func:`fire_schedule`), and, with
``LocalCloud(run_schedules=True)``, when its expression says (:class:`ScheduleClock`: ``rate(...)``,
``cron(...)`` in the schedule's time zone, ``at(...)``; the flexible time window is not applied,
nor the start and end dates). Fired, it does what Scheduler does for a Lambda target:

- the input is the target's ``Input`` with Scheduler's context attributes filled in (schedule ARN,
  scheduled time, execution id, attempt number);
- the schedule's role must allow ``lambda:InvokeFunction`` on the target (its identity policies,
  evaluated as :mod:`.iam` does), and the target must exist; otherwise the invocation is not retried
  (these errors are not retriable) and goes to the schedule's dead-letter queue with Scheduler's
  message attributes (``ERROR_CODE``, ``ERROR_MESSAGE``, ``EXECUTION_ID``, ``RETRY_ATTEMPTS``,
  ``SCHEDULE_ARN``, ``TARGET_ARN``), or is dropped without one;
- delivered, it is an asynchronous invocation (:meth:`.events.Dispatcher.invoke_async`): Lambda's
  retries, then the on-failure destination of the alias' event invoke config.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ... import event_shapes
from .. import moto_adapter
from ..iam import Request, evaluate
from ..resources import LocalModel, ResourceRequest
from ..schedule_expressions import Expression, ExpressionError
from ..state import ACCEPTED, NOT_EMULATED, State

__all__ = [
    "MODELS",
    "FiredSchedule",
    "ScheduleClock",
    "ScheduleGroupModel",
    "ScheduleModel",
    "find_schedule",
    "fire_schedule",
]

_NOT_RUN = (
    "no clock runs schedules locally: fire one with LocalCloud.fire(name, logical id or construct path), "
    "or start the cloud with run_schedules=True"
)
_RUN = "fires on the local clock (LocalCloud(run_schedules=True)); no flexible time window, start or end date"


def _backend(account_id: str, region: str) -> Any:
    return moto_adapter.backend("scheduler", account_id, region)


class _SchedulerModel(LocalModel):
    """A resource of moto's Scheduler backend, named by its ``Name`` or one generated (``ResourceRequest.physical_name``)."""

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        return cls._create(_backend(r.account_id, r.region), r.physical_name(), r)

    @classmethod
    def _create(cls, backend: Any, name: str, r: ResourceRequest) -> LocalModel:
        raise NotImplementedError


class ScheduleGroupModel(_SchedulerModel):
    TYPE = "AWS::Scheduler::ScheduleGroup"

    @classmethod
    def _create(cls, backend: Any, group_name: str, r: ResourceRequest) -> LocalModel:
        group = backend.create_schedule_group(group_name, list(r.props.get("Tags") or []))
        return cls._made(
            group_name, {"Arn": group.arn}, on_delete=lambda: backend.delete_schedule_group(group_name)
        )


class ScheduleModel(_SchedulerModel):
    TYPE = "AWS::Scheduler::Schedule"

    @classmethod
    def _create(cls, backend: Any, schedule_name: str, r: ResourceRequest) -> LocalModel:
        props = r.props
        group = str(props.get("GroupName") or "default")
        schedule = backend.create_schedule(
            description=props.get("Description"),
            end_date=None,
            flexible_time_window=dict(props.get("FlexibleTimeWindow") or {"Mode": "OFF"}),
            group_name=group,
            kms_key_arn=props.get("KmsKeyArn"),
            name=schedule_name,
            schedule_expression=str(props["ScheduleExpression"]),
            schedule_expression_timezone=props.get("ScheduleExpressionTimezone"),
            start_date=None,
            state=props.get("State"),
            target=dict(props["Target"]),
            action_after_completion=props.get("ActionAfterCompletion"),
        )
        if cls.state is not None and cls.state.run_schedules:
            cls._note_own(r.kwargs, ACCEPTED, _RUN)
        else:
            cls._note_own(r.kwargs, NOT_EMULATED, _NOT_RUN)
        return cls._made(
            schedule_name,
            {"Arn": schedule.arn},
            on_delete=lambda: backend.delete_schedule(group, schedule_name),
        )


MODELS: dict[str, type[LocalModel]] = {m.TYPE: m for m in (ScheduleGroupModel, ScheduleModel)}
"""moto has no CloudFormation model for Scheduler: these join the local ones (``local/resources.py``)."""


@dataclass(frozen=True)
class FiredSchedule:
    """What one :func:`fire_schedule` did."""

    schedule_arn: str
    event: Any
    """The input the target was invoked with (or that went to the dead-letter queue)."""
    delivered: bool
    """Whether the function was invoked (asynchronously: see ``LocalCloud.invocations`` for the run)."""
    error: str | None = None
    """Why it was not delivered (``ERROR_CODE: message``)."""


def find_schedule(wanted: str, client: Callable[[str], Any]) -> tuple[str, str]:
    """The group and name of the deployed schedule that ``wanted`` designates: its name, its logical
    id, or its construct path (``Stack/Nightly/Schedule`` or ``.../Schedule/Resource``). ``client``
    gives a boto3 client bound to the local cloud; raises LookupError when none or several match."""
    cfn = client("cloudformation")
    matches: list[tuple[str, str]] = []
    for stack in cfn.describe_stacks()["Stacks"]:
        stack_name = stack["StackName"]
        resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if not any(r.get("ResourceType") == ScheduleModel.TYPE for r in resources):
            continue  # (the bootstrap stack's template is YAML, and has none)
        physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}
        body = cfn.get_template(StackName=stack_name)["TemplateBody"]
        template = json.loads(body) if isinstance(body, str) else body
        for logical_id, resource in (template.get("Resources") or {}).items():
            if resource.get("Type") != ScheduleModel.TYPE or logical_id not in physical:
                continue
            path = str((resource.get("Metadata") or {}).get("aws:cdk:path", ""))
            name = physical[logical_id]
            if wanted in (name, logical_id, path, path.removesuffix("/Resource")):
                group_ref = (resource.get("Properties") or {}).get("GroupName", "default")
                group = physical.get(group_ref["Ref"], "") if isinstance(group_ref, dict) else str(group_ref)
                matches.append((group or "default", name))
    if len(matches) != 1:
        raise LookupError(
            f"{len(matches)} deployed schedules are called {wanted!r} (by name, logical id or "
            "construct path): " + (", ".join(n for _, n in matches) or "none")
        )
    return matches[0]


def fire_schedule(
    group: str,
    name: str,
    *,
    state: State,
    invoke_async: Callable[..., None],
    resolve: Callable[[str], Any],
    client: Callable[[str], Any],
    now: datetime | None = None,
) -> FiredSchedule:
    """Fire the schedule ``name`` of ``group`` once, at ``now`` (its scheduled time: default, now),
    as Scheduler does at its scheduled time (see the module's docstring). ``invoke_async`` and
    ``resolve`` are the local cloud's dispatcher's; ``client`` gives a boto3 client bound to the
    local cloud."""
    schedule = _backend(state.account_id, state.region).get_schedule(group, name)
    target = dict(schedule.target)
    target_arn = str(target["Arn"])
    execution_id = secrets.token_hex(8)
    scheduled = event_shapes.iso_seconds(now)
    event = _input(target.get("Input"), schedule, scheduled, execution_id, 1, state)
    error = _delivery_error(target_arn, str(target.get("RoleArn", "")), state, resolve)
    if error is None:
        invoke_async(target_arn, event, source="scheduler", detail=f"schedule {name}")
        return FiredSchedule(schedule.arn, event, True)
    code, message = error
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter:
        _park(client, str(dead_letter), event, code, message, execution_id, schedule.arn, target_arn)
    else:
        state.note("", name, ScheduleModel.TYPE, NOT_EMULATED, f"invocation dropped: {code}: {message}")
    return FiredSchedule(schedule.arn, event, False, f"{code}: {message}")


def _input(raw: Any, schedule: Any, scheduled: str, execution_id: str, attempt: int, state: State) -> Any:
    """The target's input with the context attributes filled in (parsed: a Lambda target's input is
    JSON); without an input, Scheduler's default notification."""
    if raw is None:
        return event_shapes.eventbridge_event(
            event_id=str(uuid.uuid4()),
            detail_type="Scheduled Event",
            source="aws.scheduler",
            account=state.account_id,
            region=state.region,
            time=scheduled,
            resources=[schedule.arn],
            detail="{}",
        )
    text = str(raw)
    for keyword, value in (
        ("<aws.scheduler.schedule-arn>", schedule.arn),
        ("<aws.scheduler.scheduled-time>", scheduled),
        ("<aws.scheduler.execution-id>", execution_id),
        ("<aws.scheduler.attempt-number>", str(attempt)),
    ):
        text = text.replace(keyword, value)
    try:
        return json.loads(text)
    except ValueError:
        return text


def _delivery_error(
    target_arn: str, role_arn: str, state: State, resolve: Callable[[str], Any]
) -> tuple[str, str] | None:
    """Why Scheduler could not invoke the target with the schedule's role, or None."""
    decision = evaluate(
        moto_adapter.role_policies(state.account_id, role_arn),
        Request("lambda:InvokeFunction", (target_arn,)),
    )
    if not decision.allowed:
        return "AccessDeniedException", f"{role_arn} may not invoke {target_arn}: {decision.reason}"
    try:
        resolve(target_arn)
    except Exception as exc:
        return "ResourceNotFoundException", f"{target_arn}: {exc}"
    return None


def _park(
    client: Callable[[str], Any],
    queue_arn: str,
    event: Any,
    code: str,
    message: str,
    execution_id: str,
    schedule_arn: str,
    target_arn: str,
) -> None:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
    attributes = {
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message[:256],
        "EXECUTION_ID": execution_id,
        "RETRY_ATTEMPTS": "0",
        "SCHEDULE_ARN": schedule_arn,
        "TARGET_ARN": target_arn,
    }
    sqs.send_message(
        QueueUrl=url,
        MessageBody=event if isinstance(event, str) else json.dumps(event),
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


class ScheduleClock:
    """Fires every deployed, enabled schedule when its expression says, until :meth:`stop`.

    :param speed: seconds of schedule time per real second: 1 is real time; a test compresses it
        (60 fires a ``rate(1 minute)`` schedule every second).
    :param fire: fires one schedule: (group, name, scheduled time).
    """

    def __init__(
        self,
        state: State,
        fire: Callable[[str, str, datetime], Any],
        *,
        speed: float = 1.0,
        tick: float = 0.1,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.state = state
        self.speed = speed
        self.tick = tick
        self._fire = fire
        self._started_real = time.monotonic()
        self._started = datetime.now(UTC)
        self._due: dict[tuple[str, str, str, str], datetime | None] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-schedules", daemon=True)

    def now(self) -> datetime:
        """The schedules' time: real time since the clock started, times :attr:`speed`."""
        return self._started + timedelta(seconds=(time.monotonic() - self._started_real) * self.speed)

    def start(self) -> ScheduleClock:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.run_due(self.now())
            except Exception as exc:  # the next tick tries again
                self.state.note("", "schedules", ScheduleModel.TYPE, NOT_EMULATED, f"schedule clock: {exc}")

    def run_due(self, now: datetime) -> list[tuple[str, str, datetime]]:
        """Fire what is due at ``now`` (each schedule once, at its latest due time); returns what fired."""
        schedules = _schedules(_backend(self.state.account_id, self.state.region))
        fired: list[tuple[str, str, datetime]] = []
        seen: set[tuple[str, str, str, str]] = set()
        for schedule in schedules:
            key = (
                str(schedule.group_name),
                str(schedule.name),
                str(schedule.schedule_expression),
                str(schedule.schedule_expression_timezone or "UTC"),
            )
            seen.add(key)
            expression = Expression(key[2], key[3])
            if key not in self._due:  # first seen (deployed or changed): count from now
                self._due[key] = self._next(expression, now, now)
            due = self._due[key]
            if due is None or due > now or str(schedule.state or "ENABLED") != "ENABLED":
                continue
            self._due[key] = self._next(expression, now, due)
            self._fire(key[0], key[1], due)
            fired.append((key[0], key[1], due))
        for gone in set(self._due) - seen:
            del self._due[gone]
        return fired

    def _next(self, expression: Expression, after: datetime, anchor: datetime) -> datetime | None:
        try:
            return expression.next_after(after, anchor)
        except ExpressionError as error:
            self.state.note("", expression.text, ScheduleModel.TYPE, NOT_EMULATED, f"never fires: {error}")
            return None


def _schedules(backend: Any) -> list[Any]:
    """Every schedule of every group (moto pages ``list_schedules``: (schedules, next token))."""
    found, token = backend.list_schedules(None, None)
    schedules = list(found)
    while token:
        more, token = backend.list_schedules(None, None, next_token=token)
        schedules += more
    return schedules
