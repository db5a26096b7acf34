"""SQS on the local cloud: a queue that a function's event source mapping reads is drained by the
dispatcher's poller (``local/events.py``: batches, partial failures, redrive), not by moto."""

from __future__ import annotations

from typing import Any

from .. import moto_adapter
from ..moto_adapter import Patches, as_method
from .running import Running

__all__ = ["Sqs"]


class Sqs:
    name = "sqs"

    def __init__(self, running: Running) -> None:
        self.state = running.state

    def install(self, patches: Patches) -> None:
        self._create = patches.replace(
            "moto.awslambda.models",
            "LambdaBackend.create_event_source_mapping",
            as_method(self.create_event_source_mapping),
        )

    def create_event_source_mapping(self, backend: Any, spec: dict[str, Any]) -> Any:
        esm = self._create(backend, spec)
        if ":sqs:" in esm.event_source_arn:
            for queue in moto_adapter.backend("sqs", backend.account_id, backend.region_name).queues.values():
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)  # the local poller drains it
        return esm
