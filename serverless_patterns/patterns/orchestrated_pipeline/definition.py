"""The pipeline's Amazon States Language: what Python steps become, the default retrier a file's
Lambda tasks get, and the rebinding of every function and topic a definition names to what the
pattern built (``${Function_x}``/``${Topic_x}`` definition substitutions), in the stack's partition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

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
) -> tuple[dict[str, Any], list[asl.Target]]:
    """The ASL for valid ``steps``, and the targets of its notification states."""
    definition = _build_steps(steps, path, notify_success, notify_failure)
    notifications = [
        asl.Target(name, "topic", NOTIFICATION_TOPIC, definition["States"][name]["Parameters"], "TopicArn")
        for name in (NOTIFY_SUCCESS, NOTIFY_ERROR)
        if name in definition["States"]
    ]
    return definition, notifications


def add_default_retries(definition: dict[str, Any]) -> None:
    """Lambda tasks without a Retry get the default retrier for transient Lambda errors."""
    for _label, state in asl.walk_states(definition):
        if state.get("Type") == "Task" and "Retry" not in state and asl.is_lambda_task(state):
            state["Retry"] = [Retry().to_asl()]


def bind(
    definition: dict[str, Any],
    references: Sequence[asl.Target],
    aliases: Mapping[str, lambda_.Alias],
    topics: Mapping[str, sns.ITopic],
    default_topic: sns.ITopic | None,
    *,
    from_steps: bool,
) -> tuple[dict[str, str], dict[str, str], list[sns.ITopic]]:
    """Points every target at the alias or topic the pattern built, through a substitution.

    Returns the definition substitutions, the alias ARN of each function called, and the topics
    published to (each once).
    """
    substitutions: dict[str, str] = {}
    alias_arns: dict[str, str] = {}
    publish_to: list[sns.ITopic] = []
    for target in references:
        if target.kind == "function":
            key = f"Function_{_key(target.name)}"
            if key not in substitutions:
                arn = aliases[target.name].function_arn
                substitutions[key] = arn
                alias_arns[target.name] = arn
        else:
            topic = topics.get(target.name) or default_topic
            assert topic is not None
            key = f"Topic_{_key(target.name)}"
            if key not in substitutions:
                substitutions[key] = topic.topic_arn
                if all(topic is not t for t in publish_to):
                    publish_to.append(topic)
        target.bind("${" + key + "}")
    if from_steps:
        _partition_neutral(definition, substitutions)
    return substitutions, alias_arns, publish_to


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
            "TopicArn": "${Topic_" + NOTIFICATION_TOPIC + "}",
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


def _partition_neutral(definition: dict[str, Any], substitutions: dict[str, str]) -> None:
    """Service-integration ARNs of the pattern's own states, in the stack's partition."""
    for state in definition["States"].values():
        resource = state.get("Resource")
        if isinstance(resource, str) and resource.startswith(_STATES_ARN):
            action = resource[len(_STATES_ARN) :]
            key = f"States_{_key(action)}"
            substitutions[key] = f"arn:{cdk.Aws.PARTITION}:states:::{action}"
            state["Resource"] = "${" + key + "}"


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name)
