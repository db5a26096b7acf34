"""SQS on the local cloud: a queue that a function's event source mapping reads is drained by the
dispatcher's poller (``local/events.py``: batches, partial failures, redrive), not by moto; messages
sent, received and deleted are counted as CloudWatch counts them (``local/metrics.py``); a message
sent to or received from a queue of thousands costs moto one walk of the queue, not a dozen
(``moto_adapter/speedups.py``)."""

from __future__ import annotations

from typing import Any

from .. import moto_adapter
from ..moto_adapter import Patches, as_method, speedups
from .running import Running

__all__ = ["Sqs"]

_MODELS = "moto.sqs.models"


class Sqs:
    name = "sqs"

    def __init__(self, running: Running) -> None:
        self.state = running.state

    def install(self, patches: Patches) -> None:
        backend = "SQSBackend"
        self._send = patches.replace(_MODELS, f"{backend}.send_message", as_method(self.send_message))
        self._receive = patches.replace(
            _MODELS, f"{backend}.receive_message", as_method(self.receive_message)
        )
        self._delete = patches.replace(_MODELS, f"{backend}.delete_message", as_method(self.delete_message))
        self._create = patches.replace(
            "moto.awslambda.models",
            "LambdaBackend.create_event_source_mapping",
            as_method(self.create_event_source_mapping),
        )
        speedups.install_sqs(patches)

    def create_event_source_mapping(self, backend: Any, spec: dict[str, Any]) -> Any:
        esm = self._create(backend, spec)
        if ":sqs:" in esm.event_source_arn:
            for queue in moto_adapter.backend("sqs", backend.account_id, backend.region_name).queues.values():
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)  # the local poller drains it
        return esm

    # -- what CloudWatch counts ---------------------------------------------------------------------

    def _count(self, metric: str, queue_name: str, count: int) -> None:
        self.state.metrics.record("AWS/SQS", metric, {"QueueName": queue_name}, count, unit="Count")

    def send_message(self, backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        message = self._send(backend, queue_name, *args, **kwargs)
        self._count("NumberOfMessagesSent", queue_name, 1)
        return message

    def receive_message(self, backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        messages = self._receive(backend, queue_name, *args, **kwargs)
        self._count("NumberOfMessagesReceived", queue_name, len(messages))
        return messages

    def delete_message(self, backend: Any, queue_name: str, receipt_handle: str) -> None:
        self._delete(backend, queue_name, receipt_handle)
        self._count("NumberOfMessagesDeleted", queue_name, 1)
