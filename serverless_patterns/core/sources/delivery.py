"""What the sources that deliver to a function's ``live`` alias themselves share (an EventBridge rule,
a Scheduler schedule): the function they invoke, the target's retry policy, and the dead-letter queue
where they park what they could not deliver, with its depth alarm and graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..monitoring import AlarmKind, Graph, MetricSpec, Monitoring
from ..queue import parking_queue
from .base import Binding, Source, SourceAlarm, SourceTarget

if TYPE_CHECKING:
    from ..function import PatternFunction

__all__ = ["DeadLetters", "invoked_function", "retry_policy"]

DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400
"""EventBridge's (and Scheduler's) own: 24 hours, the longest an event may wait for delivery."""


def invoked_function(source: Source, target: SourceTarget) -> PatternFunction:
    """The function ``source`` invokes: it is bound to one, or it is an error."""
    if target.function is None:
        raise ValueError(f"a {type(source).__name__} invokes a function: bind it to one")
    return target.function


def retry_policy(retry_attempts: int, max_event_age: cdk.Duration | None) -> dict[str, Any]:
    """A target's ``RetryPolicy`` properties, as EventBridge and Scheduler both spell them (the event
    age in seconds, default applied; a token stays one)."""
    return {
        "maximum_retry_attempts": retry_attempts,
        "maximum_event_age_in_seconds": DEFAULT_MAX_EVENT_AGE_SECONDS
        if max_event_age is None
        else max_event_age.to_seconds(),
    }


@dataclass(frozen=True)
class DeadLetters:
    """A target's dead-letter queue (``DeadLetterQueue``), what it holds and who parks it there."""

    queue: sqs.Queue
    depth: MetricSpec
    """The queue's depth, as the alarm on it measures it."""
    what: str
    """What it holds: ``events``, ``invocations``."""
    by: str
    """Who parks them: ``EventBridge``, ``Scheduler``."""

    @classmethod
    def build(cls, scope: Construct, *, invoker: str, title: str, what: str, by: str) -> DeadLetters:
        """The queue of the ``invoker`` (``EventBridge rule``) that invokes ``title``, in ``scope``."""
        queue = parking_queue(
            scope, "DeadLetterQueue", role=f"the dead-letter queue of the {invoker} that invokes {title}"
        )
        depth = Monitoring.queue_metric(
            queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label=f"Undelivered {what}"
        )
        return cls(queue, depth, what, by)

    def binding(
        self,
        source: str,
        subject: str,
        *,
        alarms: Sequence[SourceAlarm],
        graph: Graph,
        resources: Mapping[str, Any],
    ) -> Binding:
        """The binding of a ``source`` (``Rule``): its ``alarms`` and ``graph``, then this queue's
        depth alarm (``subject`` + ``dead-letter queue``) and graph; its ``resources`` and this queue."""
        return Binding(
            alarms=[
                *alarms,
                SourceAlarm(
                    "DeadLetterQueueDepthAlarm",
                    AlarmKind.DLQ_DEPTH,
                    self.depth,
                    f"{subject} dead-letter queue ({self.what} {self.by} could not deliver)",
                ),
            ],
            graphs=[graph, Graph(f"{source}: undelivered {self.what}", [self.depth], width=12)],
            resources={**resources, "dead_letter_queue": self.queue},
        )
