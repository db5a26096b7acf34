"""QueueSource: an SQS queue (standard or FIFO) with its dead-letter queue, drained by a pattern
function through an event source mapping that reports partial batch failures.

The queue and its DLQ come from the shared builder (:class:`~..queue.QueueWithDlq`), the batching
rules from the shared :class:`~..consumer.Batching`, the queue-options rules from
:func:`~..consumer.queue_options_problems`: every queue the library drains is one (QueueWorker's,
S3Processor's through :class:`~.bucket.BucketSource`, each FanoutQueue subscriber's through
:class:`~.topic.TopicSource`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ... import event_shapes
from ...errors import Problems, is_token
from ..consumer import Batching, duration_seconds, queue_options_problems
from ..monitoring import AlarmKind, ExpressionSpec, Graph, MetricSpec, Monitoring
from ..nag import acknowledge
from ..queue import QueueOptions, QueueWithDlq
from .base import Binding, Source, SourceAlarm, SourceTarget

if TYPE_CHECKING:
    from ..function import FunctionSpec, PatternFunction

__all__ = ["QueueSource", "queue_graphs"]

# Why the mapping has no on-failure destination.
_NO_DESTINATION = (
    "SQS event source mappings do not support on-failure destinations (only stream and Kafka "
    "sources do): a failed message returns to the queue and moves to its dead-letter queue "
    "after max_receive_count receives, where a depth alarm fires"
)
_SAMPLE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


@dataclass(frozen=True, kw_only=True)
class QueueSource(Source):
    """An SQS queue (``resources["queue"]``) with its dead-letter queue
    (``resources["dead_letter_queue"]``), consumed by the target function's ``live`` alias through
    ``resources["event_source_mapping"]``, which may consume this queue and no other.

    Its alarms, on the DLQ's depth and the oldest message's age, report data at rest: they notify
    and never roll a canary back. Without a target function the queue waits for a consumer outside
    the stack (no mapping, no grant).
    """

    fifo: bool = False
    """A FIFO queue (and a FIFO DLQ): batches of 1..10, no batching window. Default: False"""
    queue: QueueOptions | None = None
    """Receives before a message moves to the DLQ, retention and visibility timeout.
    Default: - QueueOptions() (3 receives, 4 days, six times the function timeout plus the batching window)"""
    batching: Batching | None = None
    """Batch size, batching window and maximum concurrency of the event source.
    Default: - Batching() (batches of 10, no window, no concurrency limit)"""
    report_batch_item_failures: bool = True
    """The function returns ``{"batchItemFailures": [...]}`` and only those messages return to the
    queue (Powertools' ``process_partial_response``); False retries the whole batch on any error.
    Default: True"""
    mapping_under_alias: bool = False
    """Build the event source mapping under the function's alias, with the id aws-cdk-lib's
    ``SqsEventSource`` gives it (``SqsEventSource:<queue id>``), as S3Processor always has, so that its
    logical ID stays. Default: False"""

    # ------------------------------------------------------------------ validation
    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with the props, each message naming ``prop + "." + option`` (just the
        option when ``prop`` is empty: a pattern whose own props these are)."""
        at = f"{prop}." if prop else ""
        found = Problems()
        found.boolean(f"{at}fifo", self.fifo)
        found.boolean(f"{at}report_batch_item_failures", self.report_batch_item_failures)
        found.boolean(f"{at}mapping_under_alias", self.mapping_under_alias)
        found.extend(queue_options_problems(f"{at}queue", self.queue, function))
        batching = self.batching
        if batching is not None and not isinstance(batching, Batching):
            found.add(f"{at}batching must be a Batching, got {type(batching).__name__}")
        elif batching is not None:
            found.extend(batching.problems(f"{at}batching.", fifo=self.fifo is True))
            found.extend(_concurrency_problems(f"{at}batching", batching, function))
        return list(found)

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds ``Queue`` (the queue, and ``Queue/DeadLetterQueue``) in ``scope`` and, with a target
        function, ``EventSourceMapping`` (or, with ``mapping_under_alias``, the alias's
        ``SqsEventSource:<queue id>``) to its ``live`` alias with ``grant_consume_messages`` on that
        queue only."""
        batching = self.batching or Batching()
        pf = target.function
        timeout = None if pf is None else duration_seconds(pf.function.timeout)
        queues = QueueWithDlq(
            scope,
            "Queue",
            options=self.queue,
            consumer_timeout_seconds=timeout,
            consumer_batching_window_seconds=batching.window_seconds,
            fifo=self.fifo,
        )
        resources: dict[str, Any] = {
            "queue": queues.queue,
            "dead_letter_queue": queues.dead_letter_queue,
            "event_source_mapping": None,
        }
        if pf is not None:
            resources["event_source_mapping"] = self._mapping(scope, pf, queues, batching)
        parked = Monitoring.queue_metric(
            queues.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Dead-letter queue"
        )
        age = Monitoring.queue_metric(
            queues.queue.queue_name, kind=AlarmKind.MESSAGE_AGE, label="Oldest message age (s)"
        )
        return Binding(
            alarms=[
                SourceAlarm(
                    "DeadLetterQueueDepthAlarm",
                    AlarmKind.DLQ_DEPTH,
                    parked,
                    f"{target.title} dead-letter queue",
                ),
                SourceAlarm("MessageAgeAlarm", AlarmKind.MESSAGE_AGE, age, f"{target.title} queue"),
            ],
            graphs=queue_graphs("Queue", queues.queue.queue_name, parked, age),
            resources=resources,
        )

    def _mapping(
        self, scope: Construct, pf: PatternFunction, queues: QueueWithDlq, batching: Batching
    ) -> lambda_.EventSourceMapping:
        mapping_scope: Construct = scope
        mapping_id = "EventSourceMapping"
        if self.mapping_under_alias:
            mapping_scope = pf.alias
            mapping_id = f"SqsEventSource:{cdk.Names.node_unique_id(queues.queue.node)}"
        # Consumes through the alias, so a new version gets its share of messages during a canary.
        mapping = lambda_.EventSourceMapping(
            mapping_scope,
            mapping_id,
            target=pf.alias,
            event_source_arn=queues.queue.queue_arn,
            batch_size=batching.batch_size,
            max_batching_window=batching.max_batching_window,
            max_concurrency=batching.max_concurrency,
            report_batch_item_failures=self.report_batch_item_failures,
        )
        # The function's role may consume this queue and no other.
        queues.queue.grant_consume_messages(pf.alias)
        acknowledge(mapping, "Serverless-LambdaEventSourceMappingDestination", _NO_DESTINATION)
        return mapping

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """One message as the function receives it (Powertools' ``SQSEvent``), with the FIFO
        attributes (``MessageGroupId``, ``MessageDeduplicationId``, ``SequenceNumber``) on a FIFO queue."""
        body = json.dumps({"id": "1234", "action": "process"})
        fifo = self.fifo is True
        record = event_shapes.sqs_record(
            message_id="059f36b4-87a3-44ab-83d2-661975830a7d",
            receipt_handle="AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
            body=body,
            md5_of_body=hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
            queue_arn=_SAMPLE_ARN + (".fifo" if fifo else ""),
            sent_timestamp="1545082649183",
            first_receive_timestamp="1545082649185",
            group_id="1" if fifo else None,
            deduplication_id=hashlib.sha256(body.encode()).hexdigest() if fifo else None,
            sequence_number="18849496460467696128" if fifo else None,
        )
        return event_shapes.records([record])


def _concurrency_problems(prop: str, batching: Batching, function: FunctionSpec | None) -> list[str]:
    """A maximum concurrency above the function's reserved concurrency makes the mapping start
    invocations the function may not run: they are throttled and their messages come back. (A
    reserved concurrency of 0 turns the function off on purpose, and is left alone.)"""
    limit = batching.max_concurrency
    reserved = getattr(function, "reserved_concurrency", None)
    if not (_plain_int(limit) and _plain_int(reserved)):
        return []
    assert isinstance(limit, int) and isinstance(reserved, int)
    if reserved == 0 or limit <= reserved:
        return []
    return [
        f"{prop}.max_concurrency must not exceed the function's reserved_concurrency ({reserved}), got "
        f"{limit}: invocations above it are throttled and their messages come back to the queue; "
        "lower max_concurrency (or drop it) or raise reserved_concurrency"
    ]


def _plain_int(value: object) -> bool:
    """An int that is no bool and no token."""
    return isinstance(value, int) and not isinstance(value, bool) and not is_token(value)


def queue_graphs(
    title: str,
    queue_name: str,
    parked: MetricSpec | ExpressionSpec,
    age: MetricSpec | ExpressionSpec,
    extra: Sequence[MetricSpec | ExpressionSpec] = (),
) -> list[Graph]:
    """A drained queue's graphs, titled ``title``: messages in, waiting and parked (and ``extra``),
    and the oldest message's age."""
    dims = {"QueueName": queue_name}
    received = Monitoring.metric("AWS/SQS", "NumberOfMessagesSent", dims, period_minutes=1, label="Received")
    waiting = Monitoring.metric(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        dims,
        statistic="Maximum",
        period_minutes=1,
        label="Waiting",
    )
    return [
        Graph(f"{title}: messages", [received, waiting, parked, *extra], width=12),
        Graph(f"{title}: oldest message age (s)", [age], width=12),
    ]
