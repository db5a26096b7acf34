"""What the sources that deliver to a function's ``live`` alias themselves share (an EventBridge rule,
a Scheduler schedule): their props for the target's retry policy and its checks
(:class:`DeliveringSource`), the function they invoke, and the dead-letter queue where they park what
they could not deliver, with its depth alarm and graph.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...errors import Problems
from ..monitoring import AlarmKind, Graph, MetricSpec, Monitoring
from ..queue import parking_queue
from .base import Binding, Source, SourceAlarm, SourceTarget

if TYPE_CHECKING:
    from ..function import FunctionSpec, PatternFunction

__all__ = [
    "DEFAULT_MAX_EVENT_AGE_SECONDS",
    "DEFAULT_RETRY_ATTEMPTS",
    "DeadLetters",
    "DeliveringSource",
    "invoked_function",
    "retry_policy",
    "retry_problems",
]

DEFAULT_RETRY_ATTEMPTS = 185
"""EventBridge's (and Scheduler's) own: the most retries a target allows."""
MAX_RETRY_ATTEMPTS = 185
MIN_EVENT_AGE_SECONDS = 60
MAX_EVENT_AGE_SECONDS = 86_400
DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400
"""EventBridge's (and Scheduler's) own: 24 hours, the longest an event may wait for delivery."""


@dataclass(frozen=True, kw_only=True)
class DeliveringSource(Source):
    """A source that delivers to the function's alias itself, through a target with a retry policy
    (EventBridge's and Scheduler's): these props, checked after the source's own
    (:meth:`_own_problems`)."""

    retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    """Delivery retries before an event or invocation goes to the dead-letter queue, 0..185.
    Default: 185"""
    max_event_age: cdk.Duration | None = None
    """How long the target keeps trying to deliver an event or invocation, 60 s..24 h.
    Default: - 24 hours"""

    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with the props, each message naming ``prop + "." + option`` (just the
        option when ``prop`` is empty: a pattern whose own props these are)."""
        at = f"{prop}." if prop else ""
        found = Problems()
        self._own_problems(at, found)
        found.extend(retry_problems(at, self.retry_attempts, self.max_event_age))
        return list(found)

    @abstractmethod
    def _own_problems(self, at: str, found: Problems) -> None:
        """Adds to ``found`` what is wrong with the props of this kind of source (``at`` prefixes
        their names)."""

    def _retry_policy(self) -> dict[str, Any]:
        """The target's ``RetryPolicy`` properties (:func:`retry_policy`)."""
        return retry_policy(self.retry_attempts, self.max_event_age)


def retry_problems(at: str, retry_attempts: object, max_event_age: object) -> list[str]:
    """The target retry policy both EventBridge and Scheduler take: 0..185 retries, an event age of
    60 s..24 h. ``at`` prefixes the option names (``"trigger."``, or ``""``)."""
    found = Problems()
    found.whole_number(f"{at}retry_attempts", retry_attempts, 0, MAX_RETRY_ATTEMPTS)
    found.duration(f"{at}max_event_age", max_event_age, MIN_EVENT_AGE_SECONDS, MAX_EVENT_AGE_SECONDS)
    return list(found)


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
