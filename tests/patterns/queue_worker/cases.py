"""QueueWorker's material for the shared tests (tests/pattern_cases.py), and the configurations its
own test module snapshots and gates."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from serverless_patterns import (
    AlarmThresholds,
    Batching,
    DeploymentStrategy,
    MonitoringOptions,
    QueueOptions,
)
from serverless_patterns.patterns.queue_worker import QueueWorker
from tests.pattern_cases import PatternCases, spec


def build_default(stack: cdk.Stack) -> None:
    QueueWorker(stack, "Orders", function=spec())


def build_maximal(stack: cdk.Stack) -> None:
    """A standard queue with every option set, and a producer granted to send."""
    worker = QueueWorker(
        stack,
        "Jobs",
        function=spec(memory_size=1024, timeout=cdk.Duration.seconds(30), reserved_concurrency=20),
        queue=QueueOptions(
            max_receive_count=5,
            retention_period=cdk.Duration.days(7),
            visibility_timeout=cdk.Duration.minutes(5),
        ),
        batching=Batching(batch_size=100, max_batching_window=cdk.Duration.seconds(10), max_concurrency=10),
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(message_age_seconds=600, dlq_depth=3)),
    )
    producer = iam.Role(stack, "Producer", assumed_by=iam.AccountRootPrincipal())
    worker.grant_send(producer)


def build_fifo(stack: cdk.Stack) -> None:
    """A FIFO queue, no CodeDeploy, no dashboard section."""
    QueueWorker(
        stack,
        "Ledger",
        function=spec(),
        fifo=True,
        batching=Batching(batch_size=5, max_concurrency=2),
        deployment=DeploymentStrategy.none(),
        monitoring=MonitoringOptions(dashboard=False),
    )


CASES = PatternCases(
    base_props=lambda: {"function": spec()},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: QueueWorker(stack, "QueueWorker", function=spec()),
    stage_log_groups=1,
    function_prop=lambda function: {"function": function},
    invalid=[
        ({"function": "handlers/orders"}, r"function must be a FunctionSpec, got 'handlers/orders'"),
        ({"function": spec(memory_size=64)}, r"function\.memory_size must be 128\.\.10240 MB, got 64"),
        ({"fifo": "yes"}, r"fifo must be True or False, got 'yes'"),
        (
            {"fifo": True, "batching": Batching(batch_size=11)},
            r"batching\.batch_size must be 1\.\.10 messages for a FIFO queue, got 11",
        ),
        (
            {"fifo": True, "batching": Batching(max_batching_window=cdk.Duration.seconds(1))},
            r"batching\.max_batching_window is not supported for FIFO queues",
        ),
        ({"batching": Batching(batch_size=0)}, r"batching\.batch_size must be 1\.\.10000 messages, got 0"),
        (
            {"batching": Batching(batch_size=11)},
            r"batching\.batch_size above 10 needs a max_batching_window of at least 1 second",
        ),
        (
            {"batching": Batching(max_batching_window=cdk.Duration.minutes(6))},
            r"batching\.max_batching_window must be 0\.\.300 seconds, got 360",
        ),
        ({"batching": Batching(max_concurrency=1)}, r"batching\.max_concurrency must be 2\.\.1000, got 1"),
        (
            {"function": spec(reserved_concurrency=10), "batching": Batching(max_concurrency=50)},
            r"batching\.max_concurrency must not exceed the function's reserved_concurrency \(10\), got 50",
        ),
        ({"batching": 10}, r"batching must be a Batching, got int"),
        ({"queue": {"max_receive_count": 3}}, r"queue must be a QueueOptions, got dict"),
        ({"queue": QueueOptions(max_receive_count=0)}, r"queue\.max_receive_count must be 1\.\.1000, got 0"),
        (
            {"queue": QueueOptions(retention_period=cdk.Duration.seconds(30))},
            r"queue\.retention_period must be 60\.\.1209600 seconds, got 30",
        ),
        (
            {"queue": QueueOptions(visibility_timeout=cdk.Duration.seconds(5))},
            r"queue\.visibility_timeout must be at least the function's timeout \(10 s\), got 5 s",
        ),
    ],
    valid=[
        {"batching": Batching(batch_size=10000, max_batching_window=cdk.Duration.seconds(300))},
        {"batching": Batching(batch_size=1, max_concurrency=2)},
        {"fifo": True, "batching": Batching(batch_size=10, max_concurrency=1000)},
        {
            "queue": QueueOptions(
                max_receive_count=1000,
                retention_period=cdk.Duration.seconds(60),
                visibility_timeout=cdk.Duration.seconds(10),
            )
        },
        {"function": spec(reserved_concurrency=5), "batching": Batching(max_concurrency=5)},
    ],
    options={"queue": QueueOptions, "batching": Batching},
    acknowledgments={"queue-worker": lambda stack, fn: QueueWorker(stack, "Worker", function=fn)},
)
