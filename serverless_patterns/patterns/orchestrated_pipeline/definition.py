"""The pipeline's Amazon States Language: what Python steps become, and the default retrier a file's
Lambda tasks get. Rebinding what a definition names is ``binding``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import asl
from .props import Retry, Step

NOTIFY_SUCCESS = "NotifySuccess"
NOTIFY_ERROR = "NotifyError"
PIPELINE_FAILED = "PipelineFailed"
RESERVED_STATES = (NOTIFY_SUCCESS, NOTIFY_ERROR, PIPELINE_FAILED)
NOTIFICATION_TOPIC = "Notifications"
_STATES_ARN = "arn:aws:states:::"


def steps_definition(
    steps: Sequence[Step], path: str, notify_success: bool, notify_failure: bool
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
    steps: Sequence[Step], path: str, notify_success: bool, notify_failure: bool
) -> dict[str, Any]:
    """The ASL for ``steps``; each step names its function by the step name, rebound like a file's."""
    lambda_invoke = f"{_STATES_ARN}lambda:invoke"
    states: dict[str, Any] = {}
    for index, step in enumerate(steps):
        retriers = step.retriers
        named = {e for r in retriers for e in r.errors}
        asl_retriers = [r.to_asl() for r in retriers]
        if "States.ALL" not in named:
            remaining = [e for e in asl.TRANSIENT_LAMBDA_ERRORS if e not in named]
            if remaining:
                asl_retriers.append(Retry(errors=remaining).to_asl())
        catchers = [
            {"ErrorEquals": [error], "Next": target, "ResultPath": "$.error"}
            for error, target in step.catch.items()
            if error != "States.ALL"
        ]
        catch_all = step.catch.get("States.ALL") or (NOTIFY_ERROR if notify_failure else None)
        if catch_all is not None:
            catchers.append({"ErrorEquals": ["States.ALL"], "Next": catch_all, "ResultPath": "$.error"})
        state: dict[str, Any] = {
            "Type": "Task",
            "Comment": f"Invokes the live alias of the {step.name} function",
            "Resource": lambda_invoke,
            "Parameters": {"FunctionName": step.name, "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": asl_retriers,
        }
        if catchers:
            state["Catch"] = catchers
        if index + 1 < len(steps):
            state["Next"] = steps[index + 1].name
        elif notify_success:
            state["Next"] = NOTIFY_SUCCESS
        else:
            state["End"] = True
        states[step.name] = state
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
