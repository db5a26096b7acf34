"""The rules of a queue drained by a function, written once: how its event source batches
(:class:`Batching`) and what its queue options must be (:func:`queue_options_problems`).

Every queue the library drains is a :class:`~.sources.QueueSource` (QueueWorker's, S3Processor's,
each FanoutQueue subscriber's), and so shares one batching options type with one validation.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from ..errors import Problems, is_number_token, is_token
from .function import FunctionSpec
from .queue import QueueOptions

__all__ = ["Batching", "duration_seconds", "queue_options_problems"]

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
