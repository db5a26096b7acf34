"""What the shared blocks promise, asserted where mutation testing (area ``core-validation``) found
nothing checking it: the queue and dead-letter queue every buffering pattern builds, the parking
queue of failed events, the deployment strategies' factories and checks, the CodeDeploy group's
rollback, the one function of a single-function pattern, and FunctionSpec's checks.

Small stacks, read with ``aws_cdk.assertions.Template``; no pattern snapshot.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from serverless_patterns import DeploymentStrategy, QueueOptions
from serverless_patterns.core.deployment import DeploymentKind
from serverless_patterns.core.queue import QueueWithDlq, parking_queue
from tests.validation.support import build

TLS_ONLY = {
    "Action": "sqs:*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "S")


def _queues(stack: cdk.Stack) -> dict[str, dict[str, Any]]:
    """Logical ID to properties of every queue in ``stack``."""
    found = Template.from_stack(stack).find_resources("AWS::SQS::Queue")
    return {k: v.get("Properties", {}) for k, v in found.items()}


def _acknowledged(construct: Any) -> list[dict[str, str]]:
    return [m.data for m in construct.node.metadata if m.type == "aws:cdk:acknowledged-rules"]


def _tls_only(template: Template, logical_id: str) -> None:
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": [{**TLS_ONLY, "Resource": {"Fn::GetAtt": [logical_id, "Arn"]}}],
            },
            "Queues": [{"Ref": logical_id}],
        },
    )


# ---------------------------------------------------------------------------------- parking queue
def test_a_parking_queue_keeps_14_days_encrypted_tls_only_and_says_why_it_has_no_dlq() -> None:
    stack = _stack()
    queue = parking_queue(stack, "Parked", role="the on-failure destination of X")
    logical = stack.get_logical_id(queue.node.default_child)
    assert _queues(stack) == {logical: {"MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True}}
    _tls_only(Template.from_stack(stack), logical)
    assert _acknowledged(queue) == [
        {
            "Serverless::Serverless-SQSRedrivePolicy": "This queue is itself the on-failure destination "
            "of X; an alarm fires on its depth"
        },
        {"AwsSolutions::AwsSolutions-SQS3": "This queue is itself the on-failure destination of X"},
    ]


def test_a_fifo_parking_queue_is_fifo() -> None:
    stack = _stack()
    parking_queue(stack, "Parked", role="r", fifo=True)
    assert [p.get("FifoQueue") for p in _queues(stack).values()] == [True]


# ---------------------------------------------------------------------------------- queue with DLQ
def test_a_queue_with_dlq_by_default() -> None:
    stack = _stack()
    made = QueueWithDlq(stack, "Q")
    assert made.queue.node.id == "Resource"
    assert made.dead_letter_queue.node.id == "DeadLetterQueue"
    queue = stack.get_logical_id(made.queue.node.default_child)
    dlq = stack.get_logical_id(made.dead_letter_queue.node.default_child)
    assert _queues(stack) == {
        dlq: {"MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True},
        queue: {
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 3},
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": 30,
        },
    }
    template = Template.from_stack(stack)
    _tls_only(template, queue)
    _tls_only(template, dlq)
    assert _acknowledged(made.dead_letter_queue)[1] == {
        "AwsSolutions::AwsSolutions-SQS3": "This queue is itself the dead-letter queue of its sibling queue"
    }


@pytest.mark.parametrize(
    ("consumer", "window", "expected"),
    [
        (10, None, 60),  # six times the function's timeout
        (10, 5, 65),  # plus its batching window
        (7_300, None, 43_200),  # at most SQS's 12 hours
    ],
)
def test_visibility_follows_the_consumer(consumer: float, window: float | None, expected: int) -> None:
    stack = _stack()
    extra = {} if window is None else {"consumer_batching_window_seconds": window}
    made = QueueWithDlq(stack, "Q", consumer_timeout_seconds=consumer, **extra)
    queue = stack.get_logical_id(made.queue.node.default_child)
    assert _queues(stack)[queue]["VisibilityTimeout"] == expected


def test_queue_options_reach_the_queue() -> None:
    stack = _stack()
    options = QueueOptions(
        max_receive_count=7,
        retention_period=cdk.Duration.days(2),
        visibility_timeout=cdk.Duration.seconds(45),
    )
    made = QueueWithDlq(stack, "Q", options=options, consumer_timeout_seconds=100)
    queue = _queues(stack)[stack.get_logical_id(made.queue.node.default_child)]
    assert queue["VisibilityTimeout"] == 45
    assert queue["MessageRetentionPeriod"] == 172_800
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 7


@pytest.mark.parametrize(
    ("fifo", "dedup", "expected"),
    [
        (True, False, {"FifoQueue": True}),
        (True, True, {"FifoQueue": True, "ContentBasedDeduplication": True}),
        (False, True, {}),
    ],
)
def test_fifo_and_content_based_deduplication(fifo: bool, dedup: bool, expected: dict[str, bool]) -> None:
    stack = _stack()
    made = QueueWithDlq(stack, "Q", fifo=fifo, content_based_deduplication=dedup)
    queues = _queues(stack)
    queue = queues[stack.get_logical_id(made.queue.node.default_child)]
    dlq = queues[stack.get_logical_id(made.dead_letter_queue.node.default_child)]
    assert {k: v for k, v in queue.items() if k in ("FifoQueue", "ContentBasedDeduplication")} == expected
    assert dlq.get("FifoQueue") == (True if fifo else None)


# ---------------------------------------------------------------------------------- deployments
def _hook(name: str) -> lambda_.IFunction:
    return lambda_.Function.from_function_name(_stack(), name, name)


def test_strategy_factories() -> None:
    pre, post = _hook("Pre"), _hook("Post")
    assert DeploymentStrategy.canary() == DeploymentStrategy(DeploymentKind.CANARY, 10, 5, None, None)
    assert DeploymentStrategy.linear() == DeploymentStrategy(DeploymentKind.LINEAR, 10, 1, None, None)
    assert DeploymentStrategy.all_at_once() == DeploymentStrategy(DeploymentKind.ALL_AT_ONCE, 100, 0)
    assert DeploymentStrategy.none() == DeploymentStrategy(DeploymentKind.NONE, 100, 0, None, None)
    hooks = {"pre_traffic_hook": pre, "post_traffic_hook": post}
    assert DeploymentStrategy.canary(20, 15, **hooks) == DeploymentStrategy(
        DeploymentKind.CANARY, 20, 15, pre, post
    )
    assert DeploymentStrategy.linear(25, 3, **hooks) == DeploymentStrategy(
        DeploymentKind.LINEAR, 25, 3, pre, post
    )
    assert DeploymentStrategy.all_at_once(**hooks) == DeploymentStrategy(
        DeploymentKind.ALL_AT_ONCE, 100, 0, pre, post
    )


def test_a_deployment_group_rolls_back_on_failure_stop_and_alarm() -> None:
    app, made = build("S3Processor", {"deployment": DeploymentStrategy.canary()})
    template = Template.from_stack(cdk.Stack.of(made))
    application = template.find_resources("AWS::CodeDeploy::Application")
    assert len(application) == 1
    template.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "ApplicationName": {"Ref": next(iter(application))},
            "AutoRollbackConfiguration": {
                "Enabled": True,
                "Events": Match.array_equals(
                    ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"]
                ),
            },
        },
    )


# ---------------------------------------------------------------------------------- pattern
def test_the_function_of_a_single_function_pattern_is_function() -> None:
    _, made = build("S3Processor", {})
    assert list(made.functions) == ["Function"]
    assert made.functions["Function"] is made.function
    assert made.function.node.scope.node.id == "Function"
    assert made.function.node.scope.node.scope is made
