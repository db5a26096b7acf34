"""The queue consumer, written once: a queue with its DLQ drained by a pattern function through an
event source mapping that reports partial batch failures, with its alarms and dashboard graphs.

S3Processor (queue delivery) and every FanoutQueue subscriber use it, and so share one batching
options type with one validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..errors import Problems, is_number_token, is_token
from .function import FunctionSpec, InvocationType, PatternFunction
from .monitoring import AlarmKind, Graph, MetricSpec, Monitoring
from .nag import acknowledge
from .queue import QueueOptions, QueueWithDlq

if TYPE_CHECKING:
    from .pattern import Pattern

__all__ = ["Batching", "QueueConsumer", "duration_seconds", "queue_options_problems"]

DEFAULT_BATCH_SIZE = 10
MAX_BATCH_SIZE_FIFO = 10
MAX_BATCH_SIZE_STANDARD = 10_000
MAX_BATCH_SIZE_WITHOUT_WINDOW = 10
MAX_BATCHING_WINDOW_SECONDS = 300


def duration_seconds(duration: cdk.Duration | None) -> float | None:
    """Seconds of ``duration``, or None when it is None or an unresolved token."""
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_milliseconds()) / 1000


@dataclass(frozen=True)
class Batching:
    """How an SQS event source mapping batches messages for its function."""

    batch_size: int = DEFAULT_BATCH_SIZE
    """Messages per invocation: 1..10 for a FIFO queue, 1..10000 otherwise (above 10 needs a
    ``max_batching_window`` of at least 1 second). Default: 10"""
    max_batching_window: cdk.Duration | None = None
    """How long to gather a batch, 0..300 whole seconds (standard queues only). Default: - none (0 seconds)"""
    max_concurrency: int | None = None
    """Most concurrent invocations the event source starts, 2..1000. Default: - no limit"""

    @property
    def window_seconds(self) -> float:
        """The batching window in seconds (0 when none or a token)."""
        window = self.max_batching_window
        return (duration_seconds(window) or 0) if isinstance(window, cdk.Duration) else 0

    def given(self) -> list[str]:
        """The options set to something other than their default."""
        return [
            name
            for name, set_ in (
                ("batch_size", self.batch_size != DEFAULT_BATCH_SIZE),
                ("max_batching_window", self.max_batching_window is not None),
                ("max_concurrency", self.max_concurrency is not None),
            )
            if set_
        ]

    def problems(self, prefix: str = "", *, fifo: bool = False) -> list[str]:
        """Everything wrong, each message naming ``prefix + option`` (``"subscribers['a'].batch_size"``)."""
        found = Problems()
        batch, window = self.batch_size, self.max_batching_window
        if not is_number_token(batch) and (isinstance(batch, bool) or not isinstance(batch, int)):
            found.add(f"{prefix}batch_size must be a whole number, got {batch!r}")
            batch = DEFAULT_BATCH_SIZE
        if window is not None and not isinstance(window, cdk.Duration):
            found.add(f"{prefix}max_batching_window must be a Duration, got {window!r}")
            window = None
        seconds = duration_seconds(window)
        if fifo:
            found.in_range(f"{prefix}batch_size", batch, 1, MAX_BATCH_SIZE_FIFO, "messages for a FIFO queue")
            if window is not None:
                found.add(f"{prefix}max_batching_window is not supported for FIFO queues; drop it")
        else:
            found.in_range(f"{prefix}batch_size", batch, 1, MAX_BATCH_SIZE_STANDARD, "messages")
            found.in_range(f"{prefix}max_batching_window", seconds, 0, MAX_BATCHING_WINDOW_SECONDS, "seconds")
            if seconds is not None and not seconds.is_integer():
                found.add(f"{prefix}max_batching_window must be a whole number of seconds, got {seconds:g}")
            if (
                not is_token(batch)
                and MAX_BATCH_SIZE_WITHOUT_WINDOW < batch <= MAX_BATCH_SIZE_STANDARD
                and (window is None or (seconds is not None and seconds < 1))
            ):
                found.add(
                    f"{prefix}batch_size above {MAX_BATCH_SIZE_WITHOUT_WINDOW} needs a max_batching_window of "
                    f"at least 1 second, got batch_size {batch} and a window of {seconds or 0:g} s"
                )
        concurrency = self.max_concurrency
        if concurrency is not None:
            if not is_number_token(concurrency) and (
                isinstance(concurrency, bool) or not isinstance(concurrency, int)
            ):
                found.add(f"{prefix}max_concurrency must be a whole number, got {concurrency!r}")
            else:
                found.in_range(f"{prefix}max_concurrency", concurrency, 2, 1000)
        return list(found)


def queue_options_problems(prop: str, options: object, consumer: FunctionSpec | None) -> list[str]:
    """The problems of a ``QueueOptions`` given as ``prop`` for a queue ``consumer`` drains."""
    if options is None:
        return []
    if not isinstance(options, QueueOptions):
        return [f"{prop} must be a QueueOptions, got {type(options).__name__}"]
    found = options.problems(prop)
    visibility = (
        duration_seconds(options.visibility_timeout)
        if isinstance(options.visibility_timeout, cdk.Duration)
        else None
    )
    timeout = consumer.timeout_seconds if isinstance(consumer, FunctionSpec) else None
    if visibility is not None and timeout is not None and visibility < timeout:
        found.append(
            f"{prop}.visibility_timeout must be at least the function's timeout ({timeout:g} s), "
            f"got {visibility:g} s"
        )
    return found


class QueueConsumer:
    """A queue (``.queue``) with its DLQ (``.dead_letter_queue``), drained by a pattern function
    (``.function``, ``.alias``) through ``.event_source_mapping``, when a spec is given; otherwise the
    queue is left for a consumer outside the stack.

    Not a construct of its own: it builds into ``scope`` with the ids the pattern names, so that the
    logical IDs of the queues and the mapping stay those of the pattern's earlier releases.
    Its alarms (DLQ depth, oldest message age) notify and never roll back: they report data at rest.
    """

    def __init__(
        self,
        pattern: Pattern,
        scope: Construct,
        *,
        scope_path: str,
        title: str,
        spec: FunctionSpec | None,
        service_name: str,
        queue: QueueOptions | None = None,
        batching: Batching | None = None,
        fifo: bool = False,
        name: str | None = None,
        environment: Mapping[str, str] | None = None,
        deployment_group_id: str | None = None,
        mapping_in_alias: bool = False,
    ) -> None:
        """
        :param scope_path: ``scope``'s path, given so it is not read back from jsii.
        :param title: How alarms and graphs name this consumer (``"Test/Orders/Subscribers/billing"``).
        :param mapping_in_alias: Build the mapping under the alias with the id ``SqsEventSource``
            gives it (``SqsEventSource:<queue id>``), as S3Processor always has.
        """
        batching = batching or Batching()
        queues = QueueWithDlq(
            scope,
            "Queue",
            options=queue,
            consumer_timeout_seconds=spec.timeout_seconds if spec is not None else None,
            consumer_batching_window_seconds=batching.window_seconds,
            fifo=fifo,
        )
        self.queue: sqs.Queue = queues.queue
        self.dead_letter_queue: sqs.Queue = queues.dead_letter_queue
        self.pattern_function: PatternFunction | None = None
        self.event_source_mapping: lambda_.EventSourceMapping | None = None
        if spec is not None:
            pf = pattern._function(
                scope,
                "Function",
                spec=spec,
                invocation=InvocationType.EVENT_SOURCE,
                service_name=service_name,
                scope_path=scope_path,
                name=name,
                environment=environment,
                deployment_group_id=deployment_group_id,
            )
            mapping_scope: Construct = scope
            mapping_id = "EventSourceMapping"
            if mapping_in_alias:
                mapping_scope, mapping_id = (
                    pf.alias,
                    f"SqsEventSource:{cdk.Names.node_unique_id(self.queue.node)}",
                )
            # Consumes through the alias, so a new version gets its share of messages during a canary.
            self.event_source_mapping = lambda_.EventSourceMapping(
                mapping_scope,
                mapping_id,
                target=pf.alias,
                event_source_arn=self.queue.queue_arn,
                batch_size=batching.batch_size,
                max_batching_window=batching.max_batching_window,
                max_concurrency=batching.max_concurrency,
                report_batch_item_failures=True,
            )
            # The function's role may consume this queue and no other.
            self.queue.grant_consume_messages(pf.alias)
            acknowledge(
                self.event_source_mapping,
                "Serverless-LambdaEventSourceMappingDestination",
                "SQS event source mappings do not support on-failure destinations (only stream and Kafka "
                "sources do): a failed message returns to the queue and moves to its dead-letter queue "
                "after max_receive_count receives, where a depth alarm fires",
            )
            self.pattern_function = pf
        self._queue_dims = {"QueueName": self.queue.queue_name}
        self.parked_metric: MetricSpec = Monitoring.queue_metric(
            self.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Dead-letter queue"
        )
        self.age_metric: MetricSpec = Monitoring.queue_metric(
            self.queue.queue_name, kind=AlarmKind.MESSAGE_AGE, label="Oldest message age (s)"
        )
        self.alarms: list[cw.CfnAlarm] = pattern._alarms(
            scope,
            (
                "DeadLetterQueueDepthAlarm",
                AlarmKind.DLQ_DEPTH,
                self.parked_metric,
                f"{title} dead-letter queue",
            ),
            ("MessageAgeAlarm", AlarmKind.MESSAGE_AGE, self.age_metric, f"{title} queue"),
        )

    @property
    def function(self) -> lambda_.Function | None:
        return None if self.pattern_function is None else self.pattern_function.function

    @property
    def alias(self) -> lambda_.Alias | None:
        return None if self.pattern_function is None else self.pattern_function.alias

    def graphs(self, title: str, extra: Sequence[MetricSpec] = ()) -> list[Graph]:
        """The queue's graphs: messages in, waiting and parked (plus ``extra``), and the oldest
        message's age."""
        dims = self._queue_dims
        return [
            Graph(
                f"{title}: messages",
                [
                    Monitoring.metric(
                        "AWS/SQS", "NumberOfMessagesSent", dims, period_minutes=1, label="Received"
                    ),
                    Monitoring.metric(
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        dims,
                        statistic="Maximum",
                        period_minutes=1,
                        label="Waiting",
                    ),
                    self.parked_metric,
                    *extra,
                ],
                width=12,
            ),
            Graph(f"{title}: oldest message age (s)", [self.age_metric], width=12),
        ]
