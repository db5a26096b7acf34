"""Runs a deployed function's handler in worker processes of its own, the way Lambda would run it.

What runs is the zip the deployment uploaded, with its layers, in a process per execution
environment (see :mod:`.workers`): kept warm, reused, killed past the function's timeout.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Required, TypedDict

from . import moto_adapter, workers

__all__ = ["HandlerRuntime", "Invocation", "InvokeOptions", "InvokeResult", "LambdaContext"]


@dataclass(frozen=True)
class Invocation:
    """One run of a handler, as the local cloud saw it."""

    function_name: str
    """Name of the function."""
    qualifier: str
    """Version or alias the caller named (``$LATEST`` when none)."""
    source: str
    """What invoked it: ``api``, ``sqs``, ``dynamodb``, ``sns``, ``s3``, ``invoke``, ``async``..."""
    request_id: str
    """The context's ``aws_request_id``."""
    started_at: float
    """Wall-clock start (``time.time()``)."""
    duration_ms: float
    """How long the handler ran, including its first import."""
    error: str | None = None
    """``ErrorType: message`` when the handler failed, else None."""
    detail: str = ""
    """A short description of the event (batch size, route...)."""
    logs: str = field(default="", repr=False)
    """What the handler printed (Lambda would send it to CloudWatch Logs), at most 64 KiB."""
    status: int | None = None
    """The HTTP status the API answered with, for an invocation by an API; else None."""
    version: str = ""
    """The version that ran (``$LATEST``, or the version an alias routed the call to)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class InvokeResult:
    """The handler's answer, serialised as Lambda would return it."""

    payload: bytes
    """JSON of the return value, or of the error object when it failed."""
    invocation: Invocation
    """The record of this run."""
    error_type: str | None = None
    """Set when the function failed (``FunctionError`` in Lambda's API)."""

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


@dataclass
class LambdaContext:
    """The context object a Python handler receives (built in its worker; this is its shape)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float = field(repr=False)
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class FunctionError(Exception):
    """Raised when a function cannot run here at all (runtime not emulated, dependencies missing)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


_POWERTOOLS_LAYER = "AWSLambdaPowertoolsPython"


def _signal_name(number: int) -> str:
    """``killed`` for SIGKILL, as Lambda words it."""
    try:
        return "killed" if number == signal.SIGKILL else signal.Signals(number).name.lower()
    except ValueError:
        return str(number)


def _trace_header(now: float) -> str:
    """An X-Ray trace header, not sampled: nothing is sent anywhere, but SDKs find a trace."""
    return f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


class InvokeOptions(TypedDict, total=False):
    """What :meth:`HandlerRuntime.invoke` is told besides the function, the event and the qualifier,
    for a caller that passes them on (``Dispatcher.invoke``)."""

    source: Required[str]
    detail: str
    status_of: Callable[[bytes, bool], int] | None


class HandlerRuntime:
    """Runs handlers of functions known to moto's Lambda backend, each in its own workers.

    :param workdir: where code and layers are unpacked, and the workers' ``HOME`` and ``TMPDIR``.
    :param base_env: variables every handler gets (endpoint, region, fallback credentials).
    :param on_invocation: called with each :class:`Invocation` record.
    :param credentials: the (access key, secret, session token) of a role ARN, or None.
    :param account_id: the account whose layers are looked up.
    :param region: the region whose layers are looked up.
    :param local_variables: a function's environment variables as its handler gets them here (the
        local cloud's endpoints in place of AWS ones). Default: - as deployed
    """

    def __init__(
        self,
        workdir: Path,
        base_env: Mapping[str, str],
        on_invocation: Callable[[Invocation], None],
        *,
        credentials: Callable[[str], tuple[str, str, str] | None],
        account_id: str,
        region: str,
        local_variables: Callable[[Mapping[str, str]], dict[str, str]] | None = None,
    ) -> None:
        self._workdir = workdir
        self._local_variables = local_variables
        self._base_env = dict(base_env)
        self._on_invocation = on_invocation
        self._credentials = credentials
        self._account_id = account_id
        self._region = region
        self._images: dict[str, workers.WorkerImage] = {}
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self.pools = workers.WorkerPools()
        self.cache = workers.local_cache_dir()
        self.cold_starts_ms: list[float] = []
        """Cold start of every worker started so far (process start and handler import)."""
        self.sources: dict[str, str] = {}
        """Function name -> source directory of Python functions whose modules run from the user's
        directory, ahead of the deployed code (``serverless-patterns dev``)."""
        self.durable: Callable[..., InvokeResult | None] | None = None
        """Asked first by :meth:`invoke`: the answer of a durable function's invocation (it starts
        a durable execution), or None to run the handler (``services/durable.py``)."""

    def close(self) -> None:
        """Kill every worker; invocations still running fail at once."""
        self.pools.close()

    def invoke(
        self,
        fn: Any,
        event: Any,
        *,
        source: str,
        qualifier: str | None = None,
        detail: str = "",
        status_of: Callable[[bytes, bool], int] | None = None,
    ) -> InvokeResult:
        """Run ``fn``'s handler on ``event`` (a JSON-able value) and wait for it, at most its timeout.

        :param status_of: what the caller answers (an API's HTTP status) given the payload and
            whether the handler failed; recorded in :attr:`Invocation.status`. Default: - none
        """
        if self.durable is not None:
            durable_answer = self.durable(fn, event, source=source, qualifier=qualifier, detail=detail)
            if durable_answer is not None:
                return durable_answer
        request_id = str(uuid.uuid4())
        timeout = float(getattr(fn, "timeout", 3) or 3)
        name = str(fn.function_name)
        version = str(getattr(fn, "version", "$LATEST"))
        # The ARN the caller used: unqualified for $LATEST, else ending in the version or alias.
        base = str(fn.function_arn)
        if version != "$LATEST" and base.endswith(f":{version}"):
            base = base[: -len(version) - 1]
        used = qualifier or version
        arn = base if used == "$LATEST" else f"{base}:{used}"
        started = time.time()
        begin = time.monotonic()
        error: tuple[str, str, list[str]] | None = None
        payload = b"null"
        logs = ""
        try:
            image = self._image(fn)
            answer = self.pools.invoke(
                image,
                {
                    "id": request_id,
                    "event": json.dumps(event),
                    "arn": arn,
                    "version": version,
                    "trace_id": _trace_header(started),
                },
                timeout,
            )
            logs = answer.logs
            if answer.cold_start_ms is not None:
                self.cold_starts_ms.append(answer.cold_start_ms)
            if answer.error is not None:
                error = (
                    str(answer.error.get("errorType", "Error")),
                    str(answer.error.get("errorMessage", "")),
                    [str(line) for line in answer.error.get("stackTrace") or []],
                )
            else:
                payload = (answer.payload or "null").encode()
        except FunctionError as exc:
            error = (exc.error_type, str(exc), [])
        except workers.WorkerTimedOut as exc:
            logs = str(exc)
            error = ("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds", [])
        except workers.WorkerCrashed as exc:
            logs = str(exc) if exc.exit_code is not None else ""
            status = (
                str(exc)
                if exc.exit_code is None
                else f"signal: {_signal_name(-exc.exit_code)}"
                if exc.exit_code < 0
                else f"exit status {exc.exit_code}"
            )
            error = (
                "Runtime.ExitError",
                f"RequestId: {request_id} Error: Runtime exited with error: {status}",
                [],
            )
        duration_ms = (time.monotonic() - begin) * 1000
        if error is not None:
            payload = json.dumps(
                {
                    "errorMessage": error[1],
                    "errorType": error[0],
                    "requestId": request_id,
                    "stackTrace": error[2],
                }
            ).encode()
        record = Invocation(
            function_name=name,
            qualifier=qualifier or version,
            source=source,
            request_id=request_id,
            started_at=started,
            duration_ms=duration_ms,
            error=None if error is None else f"{error[0]}: {error[1]}",
            detail=detail,
            logs=logs[-65536:],
            status=None if status_of is None else status_of(payload, error is not None),
            version=version,
        )
        self._on_invocation(record)
        return InvokeResult(
            payload=payload, invocation=record, error_type=None if error is None else "Unhandled"
        )

    def prepare(self, fn: Any) -> None:
        """Unpack ``fn``'s code and layers and issue its role's credentials now, ahead of its first
        invocation, as Lambda readies a function when it is created; its first worker still
        starts cold at that invocation. A function that cannot run here is left for that
        invocation to report."""
        try:
            self._image(fn)
        except Exception:
            return

    def reload(self, directory: str) -> int:
        """Make the warm workers of the functions that run from ``directory`` (see :attr:`sources`)
        re-import their modules; returns how many did."""
        return self.pools.reload(str(Path(directory).resolve()))

    # -- what a function's workers run ------------------------------------------------------------

    def _image(self, fn: Any) -> workers.WorkerImage:
        runtime = str(fn.run_time or "")
        command = workers.worker_command(runtime)
        if command is None:
            what = f"runtime {runtime}" if runtime else "a container image"
            why = "no node binary here" if runtime.startswith("nodejs") else "only Python and Node.js run"
            raise FunctionError(
                "LocalCloud.RuntimeNotEmulated",
                f"{fn.function_name}: {what} is not emulated ({why})",
            )
        code_sha, _ = moto_adapter.function_code(fn)
        layer_arns = [str(layer["Arn"]) for layer in (getattr(fn, "layers", None) or [])]
        variables = {str(k): str(v) for k, v in (getattr(fn, "environment_vars", None) or {}).items()}
        if self._local_variables is not None:
            variables = self._local_variables(variables)
        reserved = getattr(fn, "reserved_concurrency", None)
        source = self.sources.get(str(fn.function_name)) if runtime.startswith("python") else None
        key = workers.digest_of(
            [
                repr(source),
                str(fn.function_arn),
                code_sha,
                str(fn.handler),
                runtime,
                json.dumps(variables, sort_keys=True),
                str(getattr(fn, "memory_size", 128)),
                str(getattr(fn, "role", "")),
                str(reserved),
                *layer_arns,
            ]
        )
        with self._lock:
            found = self._images.get(key)
        if found is not None:
            return found
        with self._build_lock:  # unpacking and installing once, not once per concurrent invocation
            with self._lock:
                found = self._images.get(key)
            if found is not None:
                return found
            image = self._build(fn, key, runtime, command, layer_arns, variables, reserved, source)
            with self._lock:
                self._images[key] = image
            return image

    def _build(
        self,
        fn: Any,
        key: str,
        runtime: str,
        command: tuple[str, ...],
        layer_arns: list[str],
        variables: dict[str, str],
        reserved: Any,
        source: str | None = None,
    ) -> workers.WorkerImage:
        name = str(fn.function_name)
        code_sha, code = moto_adapter.function_code(fn)
        task_root = workers.unpack(code, self._workdir / "code" / workers.digest_of([name, code_sha]))
        known: list[tuple[str, bytes]] = []
        stand_ins: list[Path] = []
        for arn in layer_arns:
            found = moto_adapter.layer_version_code(self._account_id, self._region, arn)
            if found is not None:
                known.append(found)
            elif _POWERTOOLS_LAYER in arn and runtime.startswith("python"):
                stand_ins.append(
                    workers.link_distributions(
                        workers.POWERTOOLS_DISTRIBUTIONS, self._workdir / "runtime" / "powertools"
                    )
                )
        opt = (
            workers.merge_layers(known, self._workdir / "opt" / workers.digest_of([d for d, _ in known]))
            if known
            else None
        )
        home = self._workdir / "home"
        home.mkdir(parents=True, exist_ok=True)
        tmp = self._workdir / "tmp" / key
        tmp.mkdir(parents=True, exist_ok=True)
        layout = workers.FunctionLayout(task_root=task_root, opt=opt, home=home, tmp=tmp)
        version = str(getattr(fn, "version", "$LATEST"))
        env = workers.base_environment(layout)
        env.update(variables)
        env.update(self._base_env)
        role = str(getattr(fn, "role", "") or "")
        issued = self._credentials(role) if role else None
        if issued is not None:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"] = issued
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_VERSION": version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(getattr(fn, "memory_size", 128)),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[{version}]{key}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "_HANDLER": str(fn.handler),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            }
        )
        config: dict[str, Any] = {"handler": str(fn.handler), "task_root": str(task_root)}
        if runtime.startswith("python"):
            try:
                config["path"] = workers.python_path(
                    runtime,
                    layout,
                    workers.link_distributions(
                        workers.RUNTIME_PYTHON_DISTRIBUTIONS, self._workdir / "runtime" / "python"
                    ),
                    self.cache,
                    stand_ins,
                )
            except RuntimeError as exc:
                raise FunctionError("LocalCloud.DependenciesNotInstalled", str(exc)) from exc
            if source is not None:  # the user's own modules over the deployed (bundled) ones
                config["path"].insert(0, source)
                config["reload"] = source
        else:
            env["NODE_PATH"] = ":".join(workers.node_path(runtime, layout))
            # Lambda's PATH holds the runtime's own bin directory (/var/lang/bin): node, npm.
            env["PATH"] = f"{os.path.dirname(command[0])}:{env['PATH']}"
        concurrency = workers.DEFAULT_CONCURRENCY
        if reserved not in (None, ""):
            concurrency = max(1, min(int(reserved), concurrency))
        return workers.WorkerImage(
            key=key,
            function_name=str(fn.function_arn),
            command=command,
            config=json.dumps(config),
            env=env,
            cwd=str(task_root),
            concurrency=concurrency,
            reload_dir=config.get("reload"),
        )
