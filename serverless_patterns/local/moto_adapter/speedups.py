"""moto's slow paths made fast, with the same answers: what a load test on the local cloud needs.

Profiled with 1000 messages published to a topic whose queue a function drains, moto 5.2 spent
30 to 50 s where these take a fraction of one:

- **Queue counts** (:func:`install_sqs`). moto reads the clock twice for every message of a queue
  each time it counts the queue's messages, counts them three ways each time it computes the
  queue's attributes, and computes the attributes once for each message sent (to read
  ``ContentBasedDeduplication``) and three times for each message received (to read
  ``MessageRetentionPeriod``): a message cost a dozen walks of the whole queue, slower as the
  queue filled. Here a count is one walk with one clock reading, and the retention period is read
  from the queue itself.
- **Deletion** walks the queue once and removes in place under the queue's lock (moto walks it
  twice, then assigns a rebuilt list, which drops a message another thread sends between the
  rebuild and the assignment).
- **Attribute names**: moto converts each of a queue's 14 attribute names from CamelCase, letter by
  letter, every time it computes the attributes; the conversion is remembered here.
- **Receipt handles**: 185 random letters drawn in one call rather than 185.
- **The server** (:func:`install_server`) lists moto's package folders on disk for every request
  (to match the Host header against them); the list is read once here.

``tests/e2e/test_moto_speedups.py`` runs these and moto's own code on the same queues and compares
what they answer, so a moto that changes what they rely on fails there.
:func:`wait_for_messages` is how the local poller waits on a queue with nothing to receive
(``local/events.py``).
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable
from typing import Any

from . import read
from .patching import Patches, as_method

__all__ = ["SQS_REPLACED", "QueueCounts", "install_server", "install_sqs", "wait_for_messages"]

_MODELS = "moto.sqs.models"
_RECEIPT_HANDLE_LENGTH = 185

SQS_REPLACED = (
    "Queue.messages",
    "Queue.approximate_number_of_messages",
    "Queue.approximate_number_of_messages_delayed",
    "Queue.approximate_number_of_messages_not_visible",
    "Queue.delete_message",
    "SQSBackend.is_message_valid_based_on_retention_period",
    "camelcase_to_underscores",
    "generate_receipt_handle",
)
"""The names of ``moto.sqs.models`` :func:`install_sqs` replaces."""


class QueueCounts:
    """The replacements, on moto's clock (``unix_time_millis`` as ``moto.sqs.models`` reads it,
    in milliseconds) and with moto's error for an unknown receipt handle."""

    def __init__(self) -> None:
        self._now: Callable[[], float] = read(_MODELS, "unix_time_millis")
        self._invalid: type[Exception] = read("moto.sqs.exceptions", "ReceiptHandleIsInvalid")
        self._random: Any = read("moto.moto_api._internal", "mock_random")

    def messages(self, queue: Any) -> list[Any]:
        """``Queue.messages``: the messages a receive may return, visible and not delayed, in order."""
        now = self._now()
        return [m for m in list(queue._messages) if now > m.visible_at and not now < m.delayed_until]

    def visible(self, queue: Any) -> int:
        """``Queue.approximate_number_of_messages``."""
        return len(self.messages(queue))

    def delayed(self, queue: Any) -> int:
        """``Queue.approximate_number_of_messages_delayed``."""
        now = self._now()
        return sum(1 for m in list(queue._messages) if now < m.delayed_until)

    def not_visible(self, queue: Any) -> int:
        """``Queue.approximate_number_of_messages_not_visible`` (in flight)."""
        now = self._now()
        return sum(1 for m in list(queue._messages) if not now > m.visible_at)

    def delete_message(self, queue: Any, receipt_handle: str) -> None:
        """``Queue.delete_message``: remove the message that had this receipt handle (nothing when it
        is already deleted; moto's error when no message ever had it)."""
        if receipt_handle in queue.deleted_messages:
            return
        with queue._messages_lock:
            found = [
                m
                for m in queue._messages
                if m.receipt_handle == receipt_handle or receipt_handle in m._old_receipt_handles
            ]
            if not found:
                raise self._invalid()
            for message in found:
                queue.pending_messages.discard(message)
                queue.deleted_messages.update(message.all_receipt_handles)
                queue._messages.remove(message)

    def retained(self, backend: Any, queue_name: str, message: Any) -> bool:
        """``SQSBackend.is_message_valid_based_on_retention_period``: whether ``message`` is younger
        than its queue's retention period."""
        retention = backend.get_queue(queue_name).message_retention_period
        return bool(retention + message.sent_timestamp / 1000 > self._now() / 1000)

    def receipt_handle(self) -> str:
        """``generate_receipt_handle``: 185 random lowercase letters, from moto's random source."""
        return "".join(self._random.choices(string.ascii_lowercase, k=_RECEIPT_HANDLE_LENGTH))


def install_sqs(patches: Patches) -> QueueCounts:
    """Replace moto's queue counts, deletion, retention check, attribute names and receipt handles
    (:data:`SQS_REPLACED`) through ``patches``; :meth:`Patches.uninstall` puts moto's back."""
    counts = QueueCounts()
    underscored = read(_MODELS, "camelcase_to_underscores")
    replacements: dict[str, object] = {
        "Queue.messages": property(counts.messages),
        "Queue.approximate_number_of_messages": property(counts.visible),
        "Queue.approximate_number_of_messages_delayed": property(counts.delayed),
        "Queue.approximate_number_of_messages_not_visible": property(counts.not_visible),
        "Queue.delete_message": as_method(counts.delete_message),
        "SQSBackend.is_message_valid_based_on_retention_period": as_method(counts.retained),
        "camelcase_to_underscores": functools.lru_cache(maxsize=512)(underscored),
        "generate_receipt_handle": counts.receipt_handle,
    }
    assert tuple(replacements) == SQS_REPLACED
    for name, value in replacements.items():
        patches.replace(_MODELS, name, value)
    return counts


def install_server(patches: Patches) -> None:
    """Have moto's server read the list of its package folders once, not once per request."""
    folders: Iterable[str] = tuple(read("moto.backends", "list_of_moto_modules")())
    patches.replace("moto.backends", "list_of_moto_modules", lambda: folders)


def wait_for_messages(queue: Any, longest: float) -> None:
    """Wait until a message is sent to ``queue`` (moto notifies its queue's condition), or until the
    first message in flight or delayed becomes visible again, at most ``longest`` seconds: how a
    poller waits on a queue with nothing to receive, without polling it."""
    now = float(read(_MODELS, "unix_time_millis")())
    returns = [t for m in list(queue._messages) if (t := max(m.visible_at, m.delayed_until)) >= now]
    timeout = longest if not returns else min(longest, (min(returns) - now) / 1000 + 0.002)
    with queue._messages_lock:
        queue._messages_lock.wait(max(0.0, timeout))
