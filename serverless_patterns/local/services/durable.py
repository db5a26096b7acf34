"""Lambda durable functions on the local cloud: invoking a function deployed with a
``DurableConfig`` starts a durable execution, and the local cloud plays Lambda's durable execution
service for it.

The service is the durable execution SDK's own testing package (its ``Executor``, checkpoint
processor and API handlers), driven from here: each replay is a real invocation of the deployed
handler in its worker (``source="durable"``), whose SDK checkpoints through the local endpoint with
boto3 (``CheckpointDurableExecution``, ``GetDurableExecutionState``), checked against the
function's role like any other call (``local/iam.py``). Execution ARNs have AWS's form,
``<function ARN>:<version>/durable-execution/<name>/<id>``.

Time: waits, step retry delays and callback timeouts are skipped (``speed=None``, the default: the
next replay starts at once, the execution's clock jumps ahead) or run ``speed`` times faster.

Not emulated: chained invokes (``context.invoke``), pause and resume; an execution started
asynchronously by an event source (S3, SNS, a schedule) is waited for as a synchronous invocation.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from ..runtime import Invocation, InvokeResult

__all__ = ["DURABLE_SOURCE", "DurableExecution", "DurableOperation", "LocalDurable", "ScaledClock"]

DURABLE_SOURCE = "durable"
"""The ``source`` of the invocations that run a durable execution's handler (its replays)."""
API_VERSION = "2025-12-01"
SYNC_LIMIT_SECONDS = 900  # a synchronous invocation waits at most 15 minutes, as in Lambda
_EXECUTION = re.compile(
    rf"^/{API_VERSION}/durable-executions/(arn:[^/]+/durable-execution/[^/]+/([^/]+))(/\w+)?$"
)
_CALLBACK = re.compile(rf"^/{API_VERSION}/durable-execution-callbacks/(.+)/(succeed|fail|heartbeat)$")
_BY_FUNCTION = re.compile(rf"^/{API_VERSION}/functions/([^/]+)/durable-executions$")


@dataclass(frozen=True)
class DurableOperation:
    """One operation of a durable execution (a step, a wait, a callback, a child context)."""

    name: str | None
    type: str
    """``STEP``, ``WAIT``, ``CALLBACK``, ``CONTEXT``, ``EXECUTION``..."""
    status: str
    """``SUCCEEDED``, ``FAILED``, ``STARTED``, ``PENDING``..."""
    attempt: int | None = None
    """The attempt that ended it (steps)."""
    result: str | None = None
    """Its checkpointed result, as JSON text (steps, callbacks)."""
    error: str | None = None
    """``ErrorType: message`` when it failed."""
    callback_id: str | None = None
    """The id to answer a callback with (``SendDurableExecutionCallbackSuccess``)."""


@dataclass(frozen=True)
class DurableExecution:
    """One durable execution, as the local durable execution service holds it."""

    arn: str
    name: str
    function_name: str
    version: str
    """The version it runs on (``$LATEST`` or a number), whatever alias started it."""
    status: str
    """``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT`` or ``STOPPED``."""
    result: str | None
    """The handler's result, as JSON text, once it succeeded."""
    error: str | None
    """``ErrorType: message`` once it failed."""
    invocations: int
    """How many times the handler was invoked for it (the first run and each replay)."""
    operations: list[DurableOperation] = field(default_factory=list)

    def step(self, name: str) -> DurableOperation:
        """The operation named ``name``."""
        found = [op for op in self.operations if op.name == name]
        if not found:
            raise KeyError(f"{self.arn} has no operation {name!r}: {[op.name for op in self.operations]}")
        return found[-1]

    def summary(self) -> list[str]:
        """One line for the execution, then one per named operation."""
        lines = [f"durable execution {self.arn}: {self.status} after {self.invocations} invocation(s)"]
        for op in self.operations:
            if op.name is None or op.type == "EXECUTION":
                continue
            attempt = f" (attempt {op.attempt})" if op.attempt and op.attempt > 1 else ""
            lines.append(f"  {op.type.lower()} {op.name}: {op.status}{attempt}")
        if self.error:
            lines.append(f"  error: {self.error}")
        return lines


class ScaledClock:
    """A clock whose timers fire ``speed`` times sooner than the time they model: a wait of N
    seconds takes N / ``speed`` real seconds, and the execution's clock jumps ahead by the rest."""

    def __init__(self, speed: float) -> None:
        self._speed = speed
        self._ahead = datetime.timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        with self._lock:
            return datetime.datetime.now(datetime.UTC) + self._ahead

    def arm(self, wake: datetime.datetime) -> float:
        with self._lock:
            gap = (wake - (datetime.datetime.now(datetime.UTC) + self._ahead)).total_seconds()
            if gap <= 0:
                return 0.0
            real = gap / self._speed
            self._ahead += datetime.timedelta(seconds=gap - real)
            return real


def durable_config(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """A function's ``DurableConfig`` from its template properties (and its ``DeadLetterConfig``
    target), or None for a function that is not durable."""
    config = props.get("DurableConfig")
    if not isinstance(config, Mapping):
        return None
    return {
        "timeout": int(config.get("ExecutionTimeout") or SYNC_LIMIT_SECONDS),
        "retention": int(config.get("RetentionPeriodInDays") or 14),
        "dead_letter": (props.get("DeadLetterConfig") or {}).get("TargetArn"),
    }


class LocalDurable:
    """The durable execution service of one local cloud.

    :param dispatcher: the local cloud's (``local/events.py``): it resolves a function's version
        (``resolve``), runs its handler once (``runtime.invoke``) and delivers an event to a
        dead-letter queue or topic (``deliver``).
    """

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        dispatcher: Any,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.speed: float | None = None
        """Waits run ``speed`` times faster; None skips them. Set before the first execution."""
        self.configs: dict[str, dict[str, Any]] = {}
        """Function name -> its durable configuration (see :func:`durable_config`)."""
        self._dispatcher = dispatcher
        self._service: Any = None
        self._lock = threading.Lock()
        self._invocations: dict[str, int] = {}

    # -- the service, built on first use ------------------------------------------------------------

    def _executor(self) -> Any:
        from aws_durable_execution_sdk_python_testing.checkpoint.processor import CheckpointProcessor
        from aws_durable_execution_sdk_python_testing.clock import SkipClock
        from aws_durable_execution_sdk_python_testing.executor import Executor
        from aws_durable_execution_sdk_python_testing.scheduler import Scheduler
        from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
        from aws_durable_execution_sdk_python_testing.worker.registry import ExecutionRegistry

        with self._lock:
            if self._service is None:
                store = InMemoryExecutionStore()
                scheduler = Scheduler()
                scheduler.start()  # type: ignore[no-untyped-call]
                clock = SkipClock() if self.speed is None else ScaledClock(self.speed)
                registry = ExecutionRegistry(store, scheduler)
                processor = CheckpointProcessor(store=store, scheduler=scheduler, clock=clock)
                executor = Executor(
                    store=store,
                    scheduler=scheduler,
                    invoker=_Invoker(self, store),
                    checkpoint_processor=processor,
                    registry=registry,
                    clock=clock,
                    region=self.region,
                )
                processor.add_execution_observer(executor)
                processor.set_chained_invoke_preflight(executor.preflight_chained_invoke)
                self._service = (executor, store, scheduler, registry)
            return self._service

    def close(self) -> None:
        """Stop the service's threads; executions still running are dropped."""
        with self._lock:
            service, self._service = self._service, None
        if service is not None:
            executor, _, scheduler, registry = service
            executor.shutdown()
            registry.shutdown()
            scheduler.stop()

    # -- starting executions ------------------------------------------------------------------------

    def hook(
        self, fn: Any, event: Any, *, source: str, qualifier: str | None = None, **_: Any
    ) -> InvokeResult | None:
        """What ``HandlerRuntime.invoke`` asks first: for a durable function, start an execution
        and wait for it (as a synchronous invocation does); else None (the handler runs)."""
        if source == DURABLE_SOURCE or str(fn.function_name) not in self.configs:
            return None
        return self.start(fn, event, qualifier=qualifier, source=source, wait=True)[1]

    def start(
        self,
        fn: Any,
        event: Any,
        *,
        qualifier: str | None,
        source: str,
        wait: bool,
        name: str | None = None,
    ) -> tuple[str, InvokeResult | None]:
        """Start an execution of ``fn`` (a moto function, resolved to its version) with ``event``;
        returns its ARN and, with ``wait``, the answer of a synchronous invocation."""
        from aws_durable_execution_sdk_python_testing.model import StartDurableExecutionInput

        executor, store, _, _ = self._executor()
        function_name = str(fn.function_name)
        config = self.configs[function_name]
        version = str(getattr(fn, "version", "$LATEST"))
        begin, started = time.monotonic(), time.time()
        output = executor.start_execution(
            StartDurableExecutionInput(
                account_id=self.account_id,
                function_name=function_name,
                function_qualifier=version,
                execution_name=name or str(uuid.uuid4()),
                execution_timeout_seconds=config["timeout"],
                execution_retention_period_days=config["retention"],
                input=json.dumps(event),
            )
        )
        internal = str(output.execution_arn)
        arn = self.public_arn(store.load(internal))
        if not wait:
            if config["dead_letter"]:
                threading.Thread(
                    target=self._park_if_failed, args=(internal, event, config), daemon=True
                ).start()
            return arn, None
        executor.wait_until_complete(internal, min(config["timeout"], SYNC_LIMIT_SECONDS))
        return arn, self._answer(internal, qualifier or version, source, started, begin)

    def _answer(
        self, internal: str, qualifier: str, source: str, started: float, begin: float
    ) -> InvokeResult:
        """A synchronous invocation's answer: the execution's result, or its error."""
        execution = self._read(internal)
        if execution.status == "SUCCEEDED":
            payload, error = (execution.result or "null").encode(), None
        else:
            error = execution.error or f"the durable execution is {execution.status}"
            kind, _, message = error.partition(": ")
            payload = json.dumps({"errorType": kind, "errorMessage": message or error}).encode()
        record = Invocation(
            function_name=execution.function_name,
            qualifier=qualifier,
            source=source,
            request_id=str(uuid.uuid4()),
            started_at=started,
            duration_ms=(time.monotonic() - begin) * 1000,
            error=error,
            detail=f"durable execution {execution.arn}",
            logs="\n".join(execution.summary()),
        )
        return InvokeResult(
            payload=payload, invocation=record, error_type=None if error is None else "Unhandled"
        )

    def _park_if_failed(self, internal: str, event: Any, config: Mapping[str, Any]) -> None:
        """Lambda sends the event of an asynchronously started execution that ended failed,
        stopped or timed out to the function's dead-letter queue."""
        executor = self._executor()[0]
        if executor.wait_until_complete(internal, config["timeout"]) and self._read(internal).status in (
            "FAILED",
            "STOPPED",
            "TIMED_OUT",
        ):
            self._dispatcher.deliver(str(config["dead_letter"]), event)

    # -- reading executions -------------------------------------------------------------------------

    def public_arn(self, execution: Any) -> str:
        """AWS's form of an execution's ARN (the testing package names them by a uuid)."""
        start = execution.start_input
        base = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{start.function_name}"
        # The SDK finds the EXECUTION operation by the ARN's last segment: its id, the invocation id.
        execution_id = str(execution.durable_execution_arn).rsplit("/", 1)[-1]
        return f"{base}:{start.function_qualifier}/durable-execution/{start.execution_name}/{execution_id}"

    def internal_arn(self, execution_id: str) -> str:
        """The testing package's ARN of an execution (``<uuid>/<invocation id>``), from the id that
        ends its ARN in AWS's form (the invocation id); the id itself when no execution has it."""
        store = self._executor()[1]
        found = [
            e.durable_execution_arn
            for e in store.list_all()
            if e.durable_execution_arn.endswith(f"/{execution_id}")
        ]
        return str(found[0]) if found else execution_id

    def executions(self, function_name: str | None = None) -> list[DurableExecution]:
        """Every execution (of one function), oldest first."""
        if self._service is None:
            return []
        store = self._service[1]
        found = [e for e in store.list_all() if function_name in (None, e.start_input.function_name)]
        return [self._read(e.durable_execution_arn) for e in found]

    def _read(self, internal: str) -> DurableExecution:
        execution = self._executor()[1].load(internal)
        result = execution.result
        error = None
        if result is not None and result.error is not None:
            error = f"{result.error.type or 'Error'}: {result.error.message or ''}"
        return DurableExecution(
            arn=self.public_arn(execution),
            name=str(execution.start_input.execution_name),
            function_name=str(execution.start_input.function_name),
            version=str(execution.start_input.function_qualifier),
            status=str(execution.current_status().value),
            result=result.result if result is not None and error is None else None,
            error=error,
            invocations=self._invocations.get(internal, 0),
            operations=[_operation(op) for op in execution.operations],
        )

    def counted(self, internal: str) -> None:
        with self._lock:
            self._invocations[internal] = self._invocations.get(internal, 0) + 1

    # -- the API the SDK calls ----------------------------------------------------------------------

    def api(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """A WSGI middleware in front of moto's app that serves the durable execution API
        (``/2025-12-01/durable-executions...``, callbacks, executions by function)."""

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            path = str(environ.get("PATH_INFO", ""))
            routed = self._route(path)
            if routed is None:
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            status, headers, answer = self._handle(
                str(environ.get("REQUEST_METHOD", "GET")), routed, str(environ.get("QUERY_STRING", "")), body
            )
            start_response(status, headers)
            return [answer]

        return serve

    def _route(self, path: str) -> str | None:
        """The testing package's path for a request of the API (ARNs in AWS's form turned into its
        own), or None for any other request."""
        if (found := _EXECUTION.match(path)) is not None:
            internal = quote(self.internal_arn(found.group(2)), safe="")
            return f"/{API_VERSION}/durable-executions/{internal}{found.group(3) or ''}"
        if (found := _CALLBACK.match(path)) is not None:
            return f"/{API_VERSION}/durable-execution-callbacks/{quote(found.group(1), safe='')}/{found.group(2)}"
        if (found := _BY_FUNCTION.match(path)) is not None:
            name = unquote(found.group(1)).split(":function:")[-1].split(":")[0]
            return f"/{API_VERSION}/functions/{name}/durable-executions"
        return None

    def _handle(
        self, method: str, path: str, query: str, body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException, ServiceException
        from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse
        from aws_durable_execution_sdk_python_testing.web.routes import BytesPayloadRoute, Router
        from aws_durable_execution_sdk_python_testing.web.server import WebServer

        executor, store, _, _ = self._executor()
        try:
            route = Router().find_route(path, method)
            handlers = WebServer._create_endpoint_handlers(_Handlers(executor))  # type: ignore[arg-type]
            params = parse_qs(query)
            if isinstance(route, BytesPayloadRoute):
                request = HTTPRequest.from_raw_bytes(body, method=method, path=route, query_params=params)
            else:
                request = HTTPRequest.from_bytes(body, method=method, path=route, query_params=params)
            response = handlers[type(route)].handle(route, request)
        except Exception as exc:
            error = exc if isinstance(exc, AwsApiException) else ServiceException(str(exc))
            response = HTTPResponse.create_error_from_exception(error)
        answer = response.body_to_bytes() if response.body else b""
        for execution in store.list_all():  # the testing package's ARNs, in AWS's form
            internal = execution.durable_execution_arn
            if internal.encode() in answer:
                answer = answer.replace(internal.encode(), self.public_arn(execution).encode())
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(answer))))
        return f"{response.status_code} {_REASONS.get(response.status_code, 'Status')}", headers, answer


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
}


@dataclass
class _Handlers:
    """What ``WebServer._create_endpoint_handlers`` reads of the server: its executor."""

    executor: Any


def _operation(op: Any) -> DurableOperation:
    step = op.step_details
    callback = op.callback_details
    details = step or callback or op.context_details
    error = getattr(details, "error", None)
    return DurableOperation(
        name=op.name,
        type=op.operation_type.value,
        status=op.status.value,
        attempt=getattr(step, "attempt", None),
        result=getattr(details, "result", None),
        error=None if error is None else f"{error.type}: {error.message}",
        callback_id=getattr(callback, "callback_id", None),
    )


class _Invoker:
    """How the testing package's executor invokes the handler: through the local cloud's runtime,
    with the durable invocation input Lambda sends (ARNs in AWS's form)."""

    def __init__(self, durable: LocalDurable, store: Any) -> None:
        self._durable = durable
        self._store = store

    def create_invocation_input(self, execution: Any) -> Any:
        from aws_durable_execution_sdk_python.execution import (
            DurableExecutionInvocationInput,
            InitialExecutionState,
        )
        from aws_durable_execution_sdk_python_testing.checkpoint.processor import (
            DEFAULT_MAX_INVOCATION_PAGE_BYTES,
        )
        from aws_durable_execution_sdk_python_testing.execution import OperationPaginatorState

        operations, marker = OperationPaginatorState.pin(execution).page(
            None, DEFAULT_MAX_INVOCATION_PAGE_BYTES
        )
        return DurableExecutionInvocationInput(
            durable_execution_arn=self._durable.public_arn(execution),
            checkpoint_token=execution.get_new_checkpoint_token(),
            initial_execution_state=InitialExecutionState(operations=operations, next_marker=marker or ""),
            updated_operation_ids=list(execution.updated_operation_ids),
        )

    def invoke(self, function_name: str, input: Any, *args: Any, **kwargs: Any) -> Any:
        from aws_durable_execution_sdk_python_testing.exceptions import DurableFunctionsTestError
        from aws_durable_execution_sdk_python_testing.invoker import InvokeResponse

        internal = self._durable.internal_arn(str(input.durable_execution_arn).rsplit("/", 1)[-1])
        start = self._store.load(internal).start_input
        dispatcher = self._durable._dispatcher
        fn, used = dispatcher.resolve(start.function_name, start.function_qualifier)
        self._durable.counted(internal)
        result = dispatcher.runtime.invoke(fn, input.to_json_dict(), source=DURABLE_SOURCE, qualifier=used)
        if result.error_type is not None:  # the service retries an invocation that failed
            raise DurableFunctionsTestError(f"Lambda invocation failed: {result.payload.decode()}")
        return InvokeResponse.from_payload(result.payload, result.invocation.request_id)

    def update_endpoint(self, endpoint_url: str, region_name: str) -> None:
        """No endpoint: invocations go through the runtime."""

    def inherit_endpoint(self, child_execution_arn: str, parent_execution_arn: str) -> None:
        """No endpoint: invocations go through the runtime."""
