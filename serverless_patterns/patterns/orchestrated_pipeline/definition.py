"""The pipeline's Amazon States Language: what Python steps become, and the default retrier a file's
Lambda tasks get. Rebinding what a definition names is ``binding``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import asl
from .props import Choice, Map, Parallel, Retry, Step, StepLike, Wait, seconds_of

NOTIFY_SUCCESS = "NotifySuccess"
NOTIFY_ERROR = "NotifyError"
PIPELINE_FAILED = "PipelineFailed"
RESERVED_STATES = (NOTIFY_SUCCESS, NOTIFY_ERROR, PIPELINE_FAILED)
NOTIFICATION_TOPIC = "Notifications"
_STATES_ARN = "arn:aws:states:::"


def steps_definition(
    steps: Sequence[StepLike], path: str, notify_success: bool, notify_failure: bool
) -> dict[str, Any]:
    """The ASL for valid ``steps``; each step names its function, each notification state the
    ``Notifications`` topic, by name, rebound like a file's references."""
    return _build_steps(steps, path, notify_success, notify_failure)


def add_default_retries(definition: dict[str, Any], lambda_states: set[str]) -> None:
    """Lambda tasks (``lambda_states``, by label) without a Retry get the default retrier for
    transient Lambda errors."""
    for label, state in asl.walk_states(definition):
        if label in lambda_states and state.get("Type") == "Task" and "Retry" not in state:
            state["Retry"] = [Retry().to_asl()]


def _build_steps(
    steps: Sequence[StepLike], path: str, notify_success: bool, notify_failure: bool
) -> dict[str, Any]:
    """The ASL for ``steps``; each step names its function by the step name, rebound like a file's."""
    states = _chain(steps, top=True, notify_success=notify_success, notify_failure=notify_failure)
    if notify_success:
        states[NOTIFY_SUCCESS] = _notify("Pipeline succeeded", {"status": "SUCCEEDED"}, End=True)
    if notify_failure:
        states[NOTIFY_ERROR] = _notify(
            "Pipeline failed",
            {"status": "FAILED", "error.$": "$.error.Error", "cause.$": "$.error.Cause"},
            Catch=[
                {"ErrorEquals": ["States.ALL"], "Next": PIPELINE_FAILED, "ResultPath": "$.notificationError"}
            ],
            Next=PIPELINE_FAILED,
        )
        states[PIPELINE_FAILED] = {
            "Type": "Fail",
            "Comment": "Fails the execution with the error of the step that failed",
            "ErrorPath": "$.error.Error",
            "CausePath": "$.error.Cause",
        }
    return {
        "Comment": f"{path} (serverless-patterns OrchestratedPipeline)",
        "StartAt": steps[0].name,
        "States": states,
    }


def _chain(
    steps: Sequence[StepLike], *, top: bool, notify_success: bool, notify_failure: bool
) -> dict[str, Any]:
    """The states of ``steps`` at one level: the top level, or a Parallel branch or Map processor
    (where errors go to the enclosing state, not to NotifyError)."""
    states: dict[str, Any] = {}
    for index, step in enumerate(steps):
        if isinstance(step, Choice):
            choice: dict[str, Any] = {
                "Type": "Choice",
                "Choices": [{**dict(w.condition.render_condition()), "Next": w.next} for w in step.when],
            }
            if step.otherwise is not None:
                choice["Default"] = step.otherwise
            states[step.name] = choice
            continue
        following = steps[index + 1].name if index + 1 < len(steps) else None
        target = step.next or following or (NOTIFY_SUCCESS if top and notify_success else None)
        transition: dict[str, Any] = {"Next": target} if target else {"End": True}
        catchers = _catchers(step, top and notify_failure) if not isinstance(step, Wait) else []
        if isinstance(step, Step):
            state = _lambda_task(step)
        elif isinstance(step, Wait):
            state = {"Type": "Wait", **_wait_field(step)}
        elif isinstance(step, Parallel):
            state = {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": branch[0].name,
                        "States": _chain(branch, top=False, notify_success=False, notify_failure=False),
                    }
                    for branch in step.branches
                ],
            }
        else:
            state = {
                "Type": "Map",
                "ItemsPath": step.items_path,
                "MaxConcurrency": step.max_concurrency,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": step.steps[0].name,
                    "States": _chain(step.steps, top=False, notify_success=False, notify_failure=False),
                },
            }
        if isinstance(step, Parallel | Map) and step.retriers:
            state["Retry"] = [r.to_asl() for r in step.retriers]
        if catchers:
            state["Catch"] = catchers
        state.update(transition)
        states[step.name] = state
    return states


def _lambda_task(step: Step) -> dict[str, Any]:
    retriers = step.retriers
    named = {e for r in retriers for e in r.errors}
    asl_retriers = [r.to_asl() for r in retriers]
    if "States.ALL" not in named:
        remaining = [e for e in asl.TRANSIENT_LAMBDA_ERRORS if e not in named]
        if remaining:
            asl_retriers.append(Retry(errors=remaining).to_asl())
    return {
        "Type": "Task",
        "Comment": f"Invokes the live alias of the {step.name} function",
        "Resource": f"{_STATES_ARN}lambda:invoke",
        "Parameters": {"FunctionName": step.name, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "Retry": asl_retriers,
    }


def _catchers(step: Step | Parallel | Map, notify_failure: bool) -> list[dict[str, Any]]:
    catchers = [
        {"ErrorEquals": [error], "Next": target, "ResultPath": "$.error"}
        for error, target in step.catch.items()
        if error != "States.ALL"
    ]
    catch_all = step.catch.get("States.ALL") or (NOTIFY_ERROR if notify_failure else None)
    if catch_all is not None:
        catchers.append({"ErrorEquals": ["States.ALL"], "Next": catch_all, "ResultPath": "$.error"})
    return catchers


def _wait_field(step: Wait) -> dict[str, Any]:
    if step.duration is not None:
        return {"Seconds": int(seconds_of(step.duration) or 0)}
    if step.until is not None:
        return {"Timestamp": step.until}
    if step.seconds_path is not None:
        return {"SecondsPath": step.seconds_path}
    return {"TimestampPath": step.timestamp_path}


def _notify(subject: str, message: Mapping[str, Any], **transition: Any) -> dict[str, Any]:
    """A Task state that publishes ``message`` about the execution to the notification topic, retried
    three times; its result is dropped so the state input (with ``$.error``) passes on."""
    return {
        "Type": "Task",
        "Resource": f"{_STATES_ARN}sns:publish",
        "Parameters": {
            "TopicArn": NOTIFICATION_TOPIC,
            "Subject": subject,
            "Message": {"stateMachine.$": "$$.StateMachine.Id", "execution.$": "$$.Execution.Id", **message},
        },
        "ResultPath": None,
        "Retry": [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
                "JitterStrategy": "FULL",
            }
        ],
        **transition,
    }
