"""Queues, written once: an SQS queue with its dead-letter queue, encrypted and TLS-only."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..errors import Problems
from .nag import acknowledge_all

__all__ = ["QueueOptions", "QueueWithDlq", "parking_queue"]

VISIBILITY_TIMEOUT_FACTOR = 6
MAX_RETENTION_SECONDS = 1_209_600  # 14 days, SQS's limit
MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200  # 12 hours, SQS's limit


@dataclass(frozen=True)
class QueueOptions:
    """Options for a queue and its dead-letter queue. Shared by every pattern that buffers in SQS."""

    max_receive_count: int = 3
    """Receives before a message moves to the DLQ, 1..1000. Default: 3"""
    retention_period: cdk.Duration | None = None
    """How long the queue keeps a message. Default: - 4 days"""
    visibility_timeout: cdk.Duration | None = None
    """Visibility timeout. Default: - six times the consumer's timeout (30 s with no consumer)"""

    def problems(self, prop: str) -> list[str]:
        found = Problems()
        found.whole_number(f"{prop}.max_receive_count", self.max_receive_count, 1, 1000)
        found.duration(f"{prop}.retention_period", self.retention_period, 60, MAX_RETENTION_SECONDS)
        found.duration(
            f"{prop}.visibility_timeout", self.visibility_timeout, 0, MAX_VISIBILITY_TIMEOUT_SECONDS
        )
        return list(found)


def parking_queue(scope: Construct, id: str, *, role: str, fifo: bool = False) -> sqs.Queue:
    """A queue where failed messages or records are parked: kept 14 days (the maximum), SQS-managed
    encryption, TLS-only. ``role`` completes "This queue is itself ..." in the rule-pack
    acknowledgments, e.g. ``"the on-failure destination of the Orders stream mapping"``."""
    fifo_props: dict[str, object] = {"fifo": True} if fifo else {}
    queue = sqs.Queue(
        scope,
        id,
        retention_period=cdk.Duration.days(14),
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **fifo_props,  # type: ignore[arg-type]
    )
    acknowledge_all(
        queue,
        [
            (
                "Serverless-SQSRedrivePolicy",
                f"This queue is itself {role}; an alarm fires on its depth",
                None,
            ),
            ("AwsSolutions-SQS3", f"This queue is itself {role}", None),
        ],
    )
    return queue


class QueueWithDlq(Construct):
    """An SQS queue (``.queue``) and its dead-letter queue (``.dead_letter_queue``).

    Both use SQS-managed encryption and deny any request not made over TLS. The DLQ keeps messages
    14 days, the maximum. When a function consumes the queue, the visibility timeout is at least six
    times the function's timeout plus its event source's batching window
    (``consumer_batching_window_seconds``), as AWS recommends.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: QueueOptions | None = None,
        consumer_timeout_seconds: float | None = None,
        consumer_batching_window_seconds: float = 0,
        fifo: bool = False,
        content_based_deduplication: bool = False,
    ) -> None:
        super().__init__(scope, id)
        options = options or QueueOptions()
        fifo_props: dict[str, object] = {"fifo": True} if fifo else {}
        self.dead_letter_queue = parking_queue(
            self, "DeadLetterQueue", role="the dead-letter queue of its sibling queue", fifo=fifo
        )
        visibility = options.visibility_timeout
        if visibility is None:
            seconds = (
                30
                if consumer_timeout_seconds is None
                else VISIBILITY_TIMEOUT_FACTOR * consumer_timeout_seconds + consumer_batching_window_seconds
            )
            visibility = cdk.Duration.seconds(min(int(seconds), MAX_VISIBILITY_TIMEOUT_SECONDS))
        if fifo and content_based_deduplication:
            fifo_props["content_based_deduplication"] = True
        self.queue = sqs.Queue(
            self,
            "Resource",
            visibility_timeout=visibility,
            retention_period=options.retention_period,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=options.max_receive_count
            ),
            **fifo_props,  # type: ignore[arg-type]
        )
