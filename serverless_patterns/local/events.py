"""How events reach handlers, with Lambda's rules for each source.

- SQS event source mappings: a poller per mapping receives batches, deletes what succeeded, honours
  ``batchItemFailures`` (with ``ReportBatchItemFailures``) and leaves failed messages for redelivery,
  so the queue's redrive policy parks them in its DLQ after ``maxReceiveCount`` receives.
- DynamoDB stream mappings: a worker per mapping batches records, retries a failing batch
  ``MaximumRetryAttempts`` times (bisecting it when asked), honours ``batchItemFailures``, then sends
  the batch description to the on-failure destination.
- Asynchronous invocations (S3, SNS, ``InvocationType=Event``): retried ``MaximumRetryAttempts`` times
  (default 2), then sent to the on-failure destination of the event invoke config of the qualifier
  that was invoked; successes go to the on-success destination.

Waits that Lambda spreads over minutes (visibility timeout, retry back-off) are ``retry_delay``
seconds here (default 1), so a test sees redrive within seconds.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Unpack

from .. import event_shapes
from . import moto_adapter
from .moto_adapter import speedups
from .runtime import HandlerRuntime, InvokeOptions, InvokeResult
from .state import NOT_EMULATED, State

__all__ = ["Dispatcher"]


class Dispatcher:
    """Turns events into handler runs. One per local cloud."""

    def __init__(
        self, state: State, runtime: HandlerRuntime, *, retry_delay: float, poll_interval: float = 0.05
    ) -> None:
        self.state = state
        self.runtime = runtime
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.unbounded_stream_retries = 2
        """Retries for a stream mapping whose MaximumRetryAttempts is -1 (infinite in AWS)."""
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="local-async")
        self._pollers: dict[str, threading.Thread] = {}
        self._streams: dict[str, queue.Queue[dict[str, Any]]] = {}
        self._inflight = 0
        self._lock = threading.Lock()
        self._supervisor = threading.Thread(target=self._supervise, name="local-event-sources", daemon=True)
        self._supervisor.start()

    # -- bookkeeping ------------------------------------------------------------------------------

    @contextmanager
    def _busy(self) -> Iterator[None]:
        with self._lock:
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1

    def idle(self) -> bool:
        """No invocation running or queued, no stream record waiting, and every queue that a
        mapping reads is empty (visible or in flight)."""
        with self._lock:
            if self._inflight:
                return False
        if not all(q.empty() for q in self._streams.values()):
            return False
        try:
            mappings = list(self._lambda()._event_source_mappings.values())
        except Exception:
            return True
        for esm in mappings:
            arn = str(esm.event_source_arn)
            if ":sqs:" not in arn or not esm.enabled:
                continue
            try:
                queue_ = self._sqs(arn).get_queue(arn.split(":")[5])
            except Exception:
                continue
            if queue_.approximate_number_of_messages or queue_.approximate_number_of_messages_not_visible:
                return False
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        for thread in [self._supervisor, *self._pollers.values()]:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- backends ---------------------------------------------------------------------------------

    def _lambda(self) -> Any:
        return moto_adapter.lambda_backend(self.state.account_id, self.state.region)

    def _sqs(self, arn: str) -> Any:
        return moto_adapter.backend_of(arn)

    def resolve(self, target: str, qualifier: str | None = None) -> tuple[Any, str]:
        """The moto function object for ``target`` (name, ARN, ``name:alias``) and the qualifier used."""
        tail = target.split(":function:")[-1] if ":function:" in target else target
        if ":" in tail:
            qualifier = tail.split(":", 1)[1]
        fn = self._lambda().get_function(target, qualifier if ":" not in tail else None)
        return self._weighted(fn, qualifier), qualifier or "$LATEST"

    def _weighted(self, fn: Any, qualifier: str | None) -> Any:
        """The version an alias with ``AdditionalVersionWeights`` sends this call to: each listed
        version gets its weight's share of calls, the alias's own version the rest."""
        if not qualifier or qualifier == "$LATEST" or qualifier.isdigit():
            return fn
        try:
            alias = self._lambda().get_alias(qualifier, str(fn.function_name))
        except Exception:
            return fn
        weights = (getattr(alias, "routing_config", None) or {}).get("AdditionalVersionWeights") or {}
        draw = random.random()
        for version, weight in weights.items():
            if draw < float(weight):
                return self._lambda().get_function(str(fn.function_name), str(version))
            draw -= float(weight)
        return fn

    # -- synchronous ------------------------------------------------------------------------------

    def invoke(
        self, target: str, event: Any, *, qualifier: str | None = None, **options: Unpack[InvokeOptions]
    ) -> InvokeResult:
        """:meth:`Runtime.invoke` of the function (or version, or alias) ``target`` names."""
        fn, used = self.resolve(target, qualifier)
        with self._busy():
            return self.runtime.invoke(fn, event, qualifier=used, **options)

    # -- asynchronous -----------------------------------------------------------------------------

    def invoke_async(
        self, target: str, event: Any, *, source: str, qualifier: str | None = None, detail: str = ""
    ) -> None:
        with self._lock:
            self._inflight += 1
        try:
            self._pool.submit(self._run_async, target, event, source, qualifier, detail)
        except RuntimeError:  # shutting down
            with self._lock:
                self._inflight -= 1

    def _run_async(self, target: str, event: Any, source: str, qualifier: str | None, detail: str) -> None:
        try:
            fn, used = self.resolve(target, qualifier)
            config = self.state.invoke_configs.get((str(fn.function_name), used), {})
            retries = int(config.get("MaximumRetryAttempts", 2))
            result: InvokeResult | None = None
            attempt = 0
            for attempt in range(1, retries + 2):
                result = self.runtime.invoke(fn, event, source=source, qualifier=used, detail=detail)
                if result.error_type is None or self._stop.is_set():
                    break
                if attempt <= retries:
                    self._stop.wait(self.retry_delay)
            assert result is not None
            destinations = config.get("DestinationConfig") or {}
            key = "OnSuccess" if result.error_type is None else "OnFailure"
            destination = (destinations.get(key) or {}).get("Destination")
            if destination:
                record = {
                    "version": "1.0",
                    "timestamp": event_shapes.iso_millis(),
                    "requestContext": {
                        "requestId": result.invocation.request_id,
                        "functionArn": f"{str(fn.function_arn).rsplit(':' + str(fn.version), 1)[0]}:{used}",
                        "condition": "Success" if result.error_type is None else "RetriesExhausted",
                        "approximateInvokeCount": attempt,
                    },
                    "requestPayload": event,
                    "responseContext": {
                        "statusCode": 200,
                        "executedVersion": str(fn.version),
                        **({"functionError": "Unhandled"} if result.error_type else {}),
                    },
                    "responsePayload": result.json(),
                }
                self.deliver(destination, record)
        except Exception as exc:  # a target that vanished: Lambda drops the event too
            self.state.note(
                "", target, "AWS::Lambda::Function", NOT_EMULATED, f"async invocation failed: {exc}"
            )
        finally:
            with self._lock:
                self._inflight -= 1

    def deliver(self, arn: str, record: dict[str, Any]) -> None:
        """Send a destination record to an SQS queue, SNS topic or function."""
        service = arn.split(":")[2]
        body = json.dumps(record)
        if service == "sqs":
            self._sqs(arn).send_message(arn.split(":")[5], body)
        elif service == "sns":
            moto_adapter.backend_of(arn).publish(body, arn=arn)
        elif service == "lambda":
            self.invoke_async(arn, record, source="destination")
        else:
            self.state.note("", arn, "destination", NOT_EMULATED, f"{service} destinations are not delivered")

    # -- event source mappings --------------------------------------------------------------------

    def _supervise(self) -> None:
        while not self._stop.wait(0.1):
            try:
                mappings = list(self._lambda()._event_source_mappings.values())
            except Exception:
                continue
            for esm in mappings:
                if esm.uuid in self._pollers or ":sqs:" not in esm.event_source_arn:
                    continue
                thread = threading.Thread(
                    target=self._poll_sqs, args=(esm,), name=f"sqs-poller:{esm.uuid[:8]}", daemon=True
                )
                self._pollers[esm.uuid] = thread
                thread.start()

    def _poll_sqs(self, esm: Any) -> None:
        queue_arn = str(esm.event_source_arn)
        queue_name = queue_arn.split(":")[5]
        delay = self.poll_interval
        with contextlib.suppress(Exception):  # the function may be gone: its invocations say so
            self.runtime.prepare(self.resolve(str(esm.function_name))[0])
        while not self._stop.is_set():
            if esm.uuid not in self._lambda()._event_source_mappings:
                return
            if not esm.enabled:
                self._stop.wait(0.2)
                continue
            sqs_queue = None
            try:
                backend = self._sqs(queue_arn)
                sqs_queue = backend.get_queue(queue_name)
                with self._busy():
                    messages = backend.receive_message(
                        queue_name,
                        int(esm.batch_size or 10),
                        0,
                        int(sqs_queue.visibility_timeout),
                        # Lambda's poller delivers every message attribute; moto keeps none unless asked.
                        message_attribute_names=["All"],
                    )
                    if messages:
                        self._sqs_batch(esm, backend, queue_name, queue_arn, messages)
            except Exception:
                messages = []
            if messages:
                delay = self.poll_interval
                continue
            # Nothing to receive: woken by a message sent or one visible again, else polled less
            # and less often, down to 4 times a second.
            if sqs_queue is None:
                self._stop.wait(delay)
            else:
                speedups.wait_for_messages(sqs_queue, delay)
            delay = min(delay * 2, 0.25)

    def _sqs_batch(
        self, esm: Any, backend: Any, queue_name: str, queue_arn: str, messages: list[Any]
    ) -> None:
        records = [
            event_shapes.sqs_record(
                message_id=m.id,
                receipt_handle=m.receipt_handle,
                body=m.body,
                md5_of_body=m.body_md5,
                queue_arn=queue_arn,
                sent_timestamp=m.sent_timestamp,
                first_receive_timestamp=m.approximate_first_receive_timestamp,
                receive_count=m.approximate_receive_count,
                sender_id=self.state.account_id,
                message_attributes=event_shapes.sqs_message_attributes(m.message_attributes),
                group_id=getattr(m, "group_id", None),
                deduplication_id=getattr(m, "deduplication_id", None),
                sequence_number=getattr(m, "sequence_number", None),
            )
            for m in messages
        ]
        patterns = _filter_patterns(esm)
        if patterns is not None:  # Lambda deletes what no filter matches, without invoking
            kept = [r for r in records if _matches(patterns, r, sqs=True)]
            for m in messages:
                if m.id not in {r["messageId"] for r in kept}:
                    backend.delete_message(queue_name, m.receipt_handle)
            messages = [m for m in messages if m.id in {r["messageId"] for r in kept}]
            records = kept
            if not records:
                return
        result = self.invoke(
            str(esm.function_name),
            {"Records": records},
            source="sqs",
            detail=f"{len(records)} message(s) from {queue_name}",
        )
        ids = {m.id for m in messages}
        failed = set(ids)
        if result.error_type is None:
            failed = set()
            if "ReportBatchItemFailures" in (esm.function_response_types or []):
                failed = _batch_item_failures(result.json(), ids)
        for m in messages:
            if m.id in failed:
                backend.change_message_visibility(queue_name, m.receipt_handle, math.ceil(self.retry_delay))
            else:
                backend.delete_message(queue_name, m.receipt_handle)

    # -- streams ----------------------------------------------------------------------------------

    def stream_records(self, function_arn: str, stream_arn: str, records: list[dict[str, Any]]) -> None:
        """Queue DynamoDB stream records for the mapping of ``function_arn`` on ``stream_arn``."""
        for esm in list(self._lambda()._event_source_mappings.values()):
            if esm.function_arn != function_arn or esm.event_source_arn != stream_arn or not esm.enabled:
                continue
            with self._lock:
                pending = self._streams.get(esm.uuid)
                if pending is None:
                    pending = self._streams[esm.uuid] = queue.Queue()
                    thread = threading.Thread(
                        target=self._stream_worker,
                        args=(esm, pending),
                        name=f"stream:{esm.uuid[:8]}",
                        daemon=True,
                    )
                    self._pollers[esm.uuid] = thread
                    thread.start()
            patterns = _filter_patterns(esm)
            for record in records:
                if _matches(patterns, record):
                    pending.put(record)

    def _stream_worker(self, esm: Any, pending: queue.Queue[dict[str, Any]]) -> None:
        size = int(esm.batch_size or 100)
        while not self._stop.is_set():
            try:
                first = pending.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._busy():
                batch = [first]
                window = time.monotonic() + 0.05  # gather what arrives together into one batch
                while len(batch) < size:
                    try:
                        batch.append(pending.get(timeout=max(0.0, window - time.monotonic())))
                    except queue.Empty:
                        break
                try:
                    self._stream_batch(esm, batch)
                except Exception as exc:
                    self.state.note(
                        "",
                        esm.uuid,
                        "AWS::Lambda::EventSourceMapping",
                        NOT_EMULATED,
                        f"stream batch lost: {exc}",
                    )

    def _stream_batch(self, esm: Any, records: list[dict[str, Any]]) -> None:
        retries = esm.max_retry_attempts
        max_retries = self.unbounded_stream_retries if retries is None or int(retries) < 0 else int(retries)
        work: deque[tuple[list[dict[str, Any]], int]] = deque([(records, 0)])
        reports = "ReportBatchItemFailures" in (esm.function_response_types or [])
        stream = str(esm.event_source_arn)
        while work and not self._stop.is_set():
            batch, tries = work.popleft()
            result = self.invoke(
                str(esm.function_name),
                {"Records": batch},
                source="dynamodb",
                detail=f"{len(batch)} record(s) from {stream.split('/')[1]}",
            )
            if result.error_type is None:
                if not reports:
                    continue
                sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
                failed = _batch_item_failures(result.json(), set(sequence))
                if not failed:
                    continue
                batch = batch[min(sequence.index(s) for s in failed) :]
            if esm.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                work.appendleft((batch[half:], tries))
                work.appendleft((batch[:half], tries))
                continue
            if tries < max_retries:
                self._stop.wait(self.retry_delay)
                work.appendleft((batch, tries + 1))
                continue
            destination = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
            if destination:
                self.deliver(
                    destination,
                    {
                        "requestContext": {
                            "requestId": result.invocation.request_id,
                            "functionArn": str(esm.function_name),
                            "condition": "RetryAttemptsExhausted",
                            "approximateInvokeCount": tries + 1,
                        },
                        "responseContext": {
                            "statusCode": 200,
                            "executedVersion": "$LATEST",
                            "functionError": "Unhandled",
                        },
                        "version": "1.0",
                        "timestamp": event_shapes.iso_millis(),
                        "DDBStreamBatchInfo": {
                            "shardId": "shardId-local",
                            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                            "approximateArrivalOfFirstRecord": event_shapes.iso_millis(),
                            "approximateArrivalOfLastRecord": event_shapes.iso_millis(),
                            "batchSize": len(batch),
                            "streamArn": stream,
                        },
                    },
                )


def _filter_patterns(esm: Any) -> list[Any] | None:
    """The mapping's filter criteria as event patterns, or None when it has none."""
    filters = (esm.filter_criteria or {}).get("Filters") or []
    if not filters:
        return None
    return [moto_adapter.event_pattern(f["Pattern"]) for f in filters if f.get("Pattern")]


def _matches(patterns: list[Any] | None, record: dict[str, Any], *, sqs: bool = False) -> bool:
    """Whether ``record`` passes the filter criteria (an SQS body is matched as JSON when it is)."""
    if patterns is None:
        return True
    view = dict(record)
    if sqs:
        with contextlib.suppress(TypeError, ValueError):
            view["body"] = json.loads(record["body"])
    return any(p.matches_event(view) for p in patterns)


def _batch_item_failures(response: Any, known: set[str]) -> set[str]:
    """The identifiers a partial batch response names; the whole batch when the response is malformed."""
    if (
        response is None
        or response == {}
        or (isinstance(response, dict) and not response.get("batchItemFailures"))
    ):
        return set()
    if not isinstance(response, dict) or not isinstance(response.get("batchItemFailures"), list):
        return set(known)
    failed: set[str] = set()
    for entry in response["batchItemFailures"]:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not identifier or identifier not in known:
            return set(known)
        failed.add(str(identifier))
    return failed
