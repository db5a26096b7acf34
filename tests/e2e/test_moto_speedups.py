"""moto's slow paths made fast (serverless_patterns/local/moto_adapter/speedups.py) answer what
moto answers: each replacement and moto's own code run on the same queues and are compared, so a
moto whose internals change under them fails here rather than in a load test."""

from __future__ import annotations

import string
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from serverless_patterns.local import moto_adapter
from serverless_patterns.local.moto_adapter import speedups

pytestmark = pytest.mark.e2e


@pytest.fixture
def moto_sqs() -> Iterator[Any]:
    """moto.sqs.models as moto defines it (no local cloud's patches in place)."""
    if moto_adapter.patched():
        pytest.skip("a local cloud runs in this process")
    import moto.sqs.models as models

    yield models


def _queue(models: Any, account: str) -> tuple[Any, Any, dict[str, Any]]:
    """A queue (of a backend of its own) holding a message in each state: visible, delayed, in
    flight, received then made visible again (so it has an old receipt handle), received twice.
    Returns the backend, the queue and the receipt handles by body."""
    backend = models.SQSBackend("us-east-1", account)
    queue = backend.create_queue("speedups")
    handles: dict[str, Any] = {}
    for body in ("in-flight", "returned", "twice"):
        backend.send_message("speedups", body)
    for body in ("in-flight", "returned", "twice"):
        (message,) = backend.receive_message("speedups", 1, 0, 60)
        assert message.body == body
        handles[body] = [message.receipt_handle]
    backend.change_message_visibility("speedups", handles["returned"][0], 0)
    backend.change_message_visibility("speedups", handles["twice"][0], 0)
    backend.send_message("speedups", "visible")
    backend.send_message("speedups", "delayed", delay_seconds=60)
    received = backend.receive_message("speedups", 10, 0, 60)
    assert [m.body for m in received] == ["returned", "twice", "visible"]
    for message in received:
        handles.setdefault(message.body, []).append(message.receipt_handle)
    for handle in (handles["returned"][-1], handles["visible"][0]):
        backend.change_message_visibility("speedups", handle, 0)
    return backend, queue, handles


def test_queue_counts_are_moto_s(moto_sqs: Any) -> None:
    _, queue, _ = _queue(moto_sqs, "000000000071")
    counts = speedups.QueueCounts()
    theirs = moto_sqs.Queue

    assert [m.body for m in counts.messages(queue)] == [m.body for m in theirs.messages.fget(queue)]
    assert [m.body for m in counts.messages(queue)] == ["returned", "visible"]
    pairs = {
        "approximate_number_of_messages": counts.visible,
        "approximate_number_of_messages_delayed": counts.delayed,
        "approximate_number_of_messages_not_visible": counts.not_visible,
    }
    found = {name: ours(queue) for name, ours in pairs.items()}
    assert found == {name: getattr(theirs, name).fget(queue) for name in pairs}
    assert found == {
        "approximate_number_of_messages": 2,
        "approximate_number_of_messages_delayed": 1,
        "approximate_number_of_messages_not_visible": 2,  # in-flight and twice
    }


def test_deletion_is_moto_s(moto_sqs: Any) -> None:
    """The same deletions on two queues built alike, one by moto and one by the replacement, leave
    the same messages, deleted handles and in-flight set, and fail alike."""
    counts = speedups.QueueCounts()
    done = []
    for account, delete in (
        ("000000000072", moto_sqs.Queue.delete_message),
        ("000000000073", counts.delete_message),
    ):
        _, queue, handles = _queue(moto_sqs, account)
        delete(queue, handles["twice"][0])  # an old handle of a message received twice
        delete(queue, handles["in-flight"][0])
        delete(queue, handles["in-flight"][0])  # deleted already: nothing happens
        with pytest.raises(moto_sqs.ReceiptHandleIsInvalid):
            delete(queue, "never-issued")
        done.append(
            (
                [m.body for m in queue._messages],
                len(queue.deleted_messages),
                sorted(m.body for m in queue.pending_messages),
            )
        )
    assert done[0] == done[1]
    # twice's three handles (its first receive's predecessor is None, as moto keeps it) and in-flight's
    assert done[1] == (["returned", "visible", "delayed"], 4, [])


def test_deletion_keeps_a_message_sent_meanwhile(moto_sqs: Any) -> None:
    """A thread sends while another receives and deletes: every message sent is deleted or still
    in the queue (moto's own deletion assigns a rebuilt list, which drops a message sent between
    the rebuild and the assignment)."""
    backend = moto_sqs.SQSBackend("us-east-1", "000000000074")
    queue = backend.create_queue("busy")
    sent = 2000
    deleted: list[str] = []
    patches = moto_adapter.Patches("test")
    try:
        speedups.install_sqs(patches)
        sending = threading.Thread(target=lambda: [backend.send_message("busy", str(i)) for i in range(sent)])
        sending.start()
        while sending.is_alive():
            for message in backend.receive_message("busy", 10, 0, 60):
                backend.delete_message("busy", message.receipt_handle)
                deleted.append(message.body)
        sending.join()
    finally:
        patches.uninstall()
    assert deleted
    assert sorted(deleted + [m.body for m in queue._messages], key=int) == [str(i) for i in range(sent)]


def test_retention_is_moto_s(moto_sqs: Any) -> None:
    backend, queue, _ = _queue(moto_sqs, "000000000075")
    queue.message_retention_period = 60
    expired = next(m for m in queue._messages if m.body == "visible")
    expired.sent_timestamp -= 120_000
    counts = speedups.QueueCounts()
    ours = {m.body: counts.retained(backend, "speedups", m) for m in queue._messages}
    theirs = {
        m.body: moto_sqs.SQSBackend.is_message_valid_based_on_retention_period(backend, "speedups", m)
        for m in queue._messages
    }
    assert ours == theirs
    assert [body for body, kept in ours.items() if not kept] == ["visible"]


def test_receipt_handles_look_like_moto_s(moto_sqs: Any) -> None:
    theirs = moto_sqs.generate_receipt_handle()
    ours = [speedups.QueueCounts().receipt_handle() for _ in range(500)]
    assert {len(h) for h in ours} == {len(theirs)}
    assert set("".join(ours)) == set(string.ascii_lowercase) >= set(theirs)
    assert len(set(ours)) == len(ours)


def test_installed_they_answer_what_moto_answers(moto_sqs: Any) -> None:
    """Installed through the patch registry, moto's own paths (attributes, receive, delete) give what
    they gave before; the server's list of moto's folders is moto's; uninstalling restores moto."""
    import moto.backends

    _, before, _ = _queue(moto_sqs, "000000000076")
    attributes = before.attributes
    folders = list(moto.backends.list_of_moto_modules())
    patches = moto_adapter.Patches("test")
    try:
        speedups.install_sqs(patches)
        speedups.install_server(patches)
        backend, queue, handles = _queue(moto_sqs, "000000000077")
        found = dict(queue.attributes)
        for name in ("QueueArn", "CreatedTimestamp", "LastModifiedTimestamp"):
            del found[name], attributes[name]
        assert found == attributes
        assert list(moto.backends.list_of_moto_modules()) == folders
        backend.delete_message("speedups", handles["visible"][0])
        assert [m.body for m in backend.receive_message("speedups", 10, 0, 60)] == ["returned"]
        assert queue.approximate_number_of_messages_not_visible == 3  # in-flight, twice, returned
    finally:
        patches.uninstall()
    assert not moto_adapter.patched()
    assert moto_sqs.generate_receipt_handle.__module__ == "moto.sqs.utils"
    assert moto_sqs.Queue.__dict__["messages"].fget.__module__ == "moto.sqs.models"


@pytest.mark.parametrize("wake", ["a message sent", "a message visible again"])
def test_a_waiting_poller_wakes_for(moto_sqs: Any, wake: str) -> None:
    """wait_for_messages returns when a message arrives or one in flight is visible again, well
    before its longest wait (a minute here)."""
    backend = moto_sqs.SQSBackend("us-east-1", "000000000078")
    queue = backend.create_queue("waiting")
    if wake == "a message visible again":
        backend.send_message("waiting", "back soon")
        backend.receive_message("waiting", 1, 0, 1)  # visible again in a second
    waiter = threading.Thread(target=speedups.wait_for_messages, args=(queue, 60.0))
    waiter.start()
    for _ in range(300):  # a message sent before the waiter waits wakes nobody: send until it wakes
        if wake == "a message sent":
            backend.send_message("waiting", "hello")
        waiter.join(0.1)
        if not waiter.is_alive():
            break
    assert not waiter.is_alive()
