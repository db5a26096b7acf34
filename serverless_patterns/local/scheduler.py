"""EventBridge Scheduler in the local cloud: schedules deploy, and fire when asked.

moto has a Scheduler backend but no CloudFormation model for it, so ``AWS::Scheduler::ScheduleGroup``
and ``AWS::Scheduler::Schedule`` are modelled here: they are created in moto's Scheduler backend (the
Scheduler API lists and describes them) and removed with their stack. No clock runs them: a schedule
fires when :func:`fire` (``LocalCloud.fire``) asks, and then does what Scheduler does for a Lambda
target:

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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import _moto
from ._state import NOT_EMULATED, State
from .iam import Request, evaluate
from .resources import MODELS, LocalModel, _note

__all__ = ["FiredSchedule", "ScheduleGroupModel", "ScheduleModel", "find_schedule", "fire"]

_NOT_RUN = (
    "no clock runs schedules locally: fire one with LocalCloud.fire(name, logical id or construct path)"
)


def _backend(account_id: str, region: str) -> Any:
    from moto.scheduler.models import scheduler_backends

    return scheduler_backends[account_id][region]


def _generated_name(kwargs: dict[str, Any], fallback: str) -> str:
    """A name as CloudFormation generates one: the logical id and a random suffix, 1..64 characters."""
    logical = str(kwargs.get("LogicalId") or fallback)
    return f"{logical[:48]}-{secrets.token_hex(6).upper()}"


class ScheduleGroupModel(LocalModel):
    TYPE = "AWS::Scheduler::ScheduleGroup"

    @classmethod
    def create(
        cls, name: str, props: dict[str, Any], account_id: str, region: str, kwargs: dict[str, Any]
    ) -> LocalModel:
        backend = _backend(account_id, region)
        group_name = str(props.get("Name") or _generated_name(kwargs, name))
        group = backend.create_schedule_group(group_name, list(props.get("Tags") or []))
        model = cls(group_name, {"Arn": group.arn})
        model.on_delete = lambda: backend.delete_schedule_group(group_name)
        return model


class ScheduleModel(LocalModel):
    TYPE = "AWS::Scheduler::Schedule"

    @classmethod
    def create(
        cls, name: str, props: dict[str, Any], account_id: str, region: str, kwargs: dict[str, Any]
    ) -> LocalModel:
        backend = _backend(account_id, region)
        schedule_name = str(props.get("Name") or _generated_name(kwargs, name))
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
        _note(kwargs, cls.TYPE, NOT_EMULATED, _NOT_RUN)
        model = cls(schedule_name, {"Arn": schedule.arn})

        def delete() -> None:
            backend.delete_schedule(group, schedule_name)

        model.on_delete = delete
        return model


# moto has no CloudFormation model for Scheduler: these join the local ones (.resources).
MODELS.update({m.TYPE: m for m in (ScheduleGroupModel, ScheduleModel)})


@dataclass(frozen=True)
class FiredSchedule:
    """What one :func:`fire` did."""

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


def fire(
    wanted: str,
    *,
    state: State,
    invoke_async: Callable[..., None],
    resolve: Callable[[str], Any],
    client: Callable[[str], Any],
    now: datetime | None = None,
) -> FiredSchedule:
    """Fire the schedule ``wanted`` (name, logical id or construct path) once, as Scheduler does at
    its scheduled time (see the module's docstring). ``invoke_async`` and ``resolve`` are the local
    cloud's dispatcher's; ``client`` gives a boto3 client bound to the local cloud."""
    group, name = find_schedule(wanted, client)
    schedule = _backend(state.account_id, state.region).get_schedule(group, name)
    target = dict(schedule.target)
    target_arn = str(target["Arn"])
    execution_id = secrets.token_hex(8)
    scheduled = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
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
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "account": state.account_id,
            "time": scheduled,
            "region": state.region,
            "resources": [schedule.arn],
            "detail": "{}",
        }
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
        _moto.role_policies(state.account_id, role_arn), Request("lambda:InvokeFunction", (target_arn,))
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
