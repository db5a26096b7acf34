"""A definition the user built with aws-cdk's ``aws_stepfunctions``, wrapped with the pattern's
failure and success notifications.

The chain runs as the one branch of a ``Workflow`` Parallel state (output ``$[0]``, the chain's own
output); an error left after the chain's retries is caught there, published to the notification
topic (``NotifyError``) and fails the execution (``PipelineFailed``), as with Python steps. The
chain's tasks grant their own permissions, as aws-cdk-lib's tasks always do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .definition import NOTIFY_ERROR, NOTIFY_SUCCESS, PIPELINE_FAILED

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions_tasks as tasks

__all__ = ["WORKFLOW", "wrap"]

WORKFLOW = "Workflow"


def wrap(
    scope: Construct,
    chain: sfn.IChainable,
    topic: sns.ITopic | None,
    *,
    notify_success: bool,
    notify_failure: bool,
) -> sfn.IChainable:
    """``chain`` inside the notifications asked for (itself when none is)."""
    if topic is None or not (notify_success or notify_failure):
        return chain
    workflow = sfn.Parallel(
        scope,
        WORKFLOW,
        comment="Runs the user's definition; its output is the definition's",
        output_path="$[0]",
    )
    workflow.branch(chain)
    if notify_failure:
        failed = sfn.Fail(
            scope,
            PIPELINE_FAILED,
            comment="Fails the execution with the error of the step that failed",
            error_path="$.error.Error",
            cause_path="$.error.Cause",
        )
        notify_error = _notify(
            scope,
            NOTIFY_ERROR,
            topic,
            "Pipeline failed",
            {
                "status": "FAILED",
                "error": sfn.JsonPath.string_at("$.error.Error"),
                "cause": sfn.JsonPath.string_at("$.error.Cause"),
            },
        )
        notify_error.add_catch(failed, errors=["States.ALL"], result_path="$.notificationError")
        notify_error.next(failed)
        workflow.add_catch(notify_error, errors=["States.ALL"], result_path="$.error")
    if notify_success:
        workflow.next(_notify(scope, NOTIFY_SUCCESS, topic, "Pipeline succeeded", {"status": "SUCCEEDED"}))
    return workflow


def _notify(
    scope: Construct, id: str, topic: sns.ITopic, subject: str, message: dict[str, Any]
) -> tasks.SnsPublish:
    """Publishes ``message`` about the execution, retried three times; the state input passes on."""
    # aws-cdk-lib's tasks module is large (about 0.2 s to import): loaded only for a chain's notices.
    from aws_cdk import aws_stepfunctions_tasks as tasks

    task = tasks.SnsPublish(
        scope,
        id,
        topic=topic,
        subject=subject,
        message=sfn.TaskInput.from_object(
            {
                "stateMachine": sfn.JsonPath.string_at("$$.StateMachine.Id"),
                "execution": sfn.JsonPath.string_at("$$.Execution.Id"),
                **message,
            }
        ),
        result_path=sfn.JsonPath.DISCARD,
    )
    task.add_retry(
        errors=["States.ALL"],
        interval=cdk.Duration.seconds(1),
        max_attempts=3,
        backoff_rate=2.0,
        jitter_strategy=sfn.JitterType.FULL,
    )
    return task
