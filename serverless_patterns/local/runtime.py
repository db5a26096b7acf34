"""Runs a deployed function's handler in this process, the way Lambda would run it.

The code is the zip that the deployment uploaded (so what runs is what was deployed), unpacked once
per code hash. The handler module is imported in isolation: modules of the same name in different
functions (``index``, ``app``...) never see each other. Each invocation runs in its own thread with
the function's environment variables (see :mod:`._environ`), a Lambda context, and the function's
timeout.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._environ import ThreadEnviron
from ._environ import capture as capture_output

__all__ = ["HandlerRuntime", "Invocation", "InvokeResult", "LambdaContext"]

Handler = Callable[[Any, Any], Any]


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
    """The context object a Python handler receives."""

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
    """Raised when a function cannot run here at all (runtime not emulated, bad handler)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


_IMPORT_LOCK = threading.RLock()


def _import_isolated(code_dir: Path, handler: str) -> Handler:
    """Import ``module.function`` from ``code_dir`` without leaving a trace in ``sys.modules``."""
    module_path, _, attr = handler.rpartition(".")
    if not module_path or not attr:
        raise FunctionError(
            "Runtime.MalformedHandlerName", f"Bad handler {handler!r}: expected module.function"
        )
    module_name = module_path.replace("/", ".")
    own = {p.stem if p.suffix == ".py" else p.name for p in code_dir.iterdir()}
    root = str(code_dir)
    with _IMPORT_LOCK:
        saved_path = list(sys.path)
        shadowed = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] in own}
        for name in shadowed:
            del sys.modules[name]
        sys.path.insert(0, root)
        importlib.invalidate_caches()
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise FunctionError(
                "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
            ) from exc
        finally:
            for name in [
                n for n, m in sys.modules.items() if _loaded_from(m, root) or n.split(".")[0] in own
            ]:
                del sys.modules[name]
            sys.modules.update(shadowed)
            sys.path[:] = saved_path
    target = getattr(module, attr, None)
    if not callable(target):
        raise FunctionError("Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{module_name}'")
    return target  # type: ignore[no-any-return]


def _loaded_from(module: object, root: str) -> bool:
    origin = getattr(module, "__file__", None)
    return isinstance(origin, str) and origin.startswith(root)


class HandlerRuntime:
    """Runs handlers of functions known to moto's Lambda backend.

    :param workdir: where code is unpacked.
    :param base_env: variables every handler gets (endpoint, dummy credentials, region).
    :param environ: the installed per-thread environment.
    :param on_invocation: called with each :class:`Invocation` record.
    """

    def __init__(
        self,
        workdir: Path,
        base_env: Mapping[str, str],
        environ: ThreadEnviron,
        on_invocation: Callable[[Invocation], None],
    ) -> None:
        self._workdir = workdir
        self._base_env = dict(base_env)
        self._environ = environ
        self._on_invocation = on_invocation
        self._handlers: dict[tuple[str, str, str], Handler] = {}
        self._lock = threading.Lock()

    def invoke(
        self,
        fn: Any,
        event: Any,
        *,
        source: str,
        qualifier: str | None = None,
        detail: str = "",
    ) -> InvokeResult:
        """Run ``fn``'s handler on ``event`` (a JSON-able value) and wait for it, at most its timeout."""
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
        outcome: dict[str, Any] = {}
        printed = io.StringIO()

        def run() -> None:
            env = {
                **self._base_env,
                **{str(k): str(v) for k, v in (getattr(fn, "environment_vars", None) or {}).items()},
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_VERSION": version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(getattr(fn, "memory_size", 128)),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{request_id}",
                "_HANDLER": str(fn.handler),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            }
            try:
                with self._environ.scope(env), capture_output(printed):
                    handler = self._handler(fn)
                    env["LAMBDA_TASK_ROOT"] = str(self._code_dir(fn))
                    context = LambdaContext(
                        function_name=name,
                        function_version=version,
                        invoked_function_arn=arn,
                        memory_limit_in_mb=int(getattr(fn, "memory_size", 128)),
                        aws_request_id=request_id,
                        log_group_name=f"/aws/lambda/{name}",
                        log_stream_name=f"local/{request_id}",
                        deadline=begin + timeout,
                    )
                    outcome["value"] = handler(json.loads(json.dumps(event)), context)
            except FunctionError as exc:
                outcome["error"] = (exc.error_type, str(exc), [])
            except BaseException as exc:
                outcome["error"] = (type(exc).__name__, str(exc), traceback.format_exception(exc)[1:])

        worker = threading.Thread(target=run, name=f"lambda:{name}:{request_id[:8]}", daemon=True)
        worker.start()
        worker.join(timeout)
        duration_ms = (time.monotonic() - begin) * 1000
        error: tuple[str, str, list[str]] | None
        if worker.is_alive():
            error = ("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds", [])
        else:
            error = outcome.get("error")
        payload: bytes
        if error is None:
            try:
                payload = json.dumps(outcome.get("value")).encode()
            except (TypeError, ValueError) as exc:
                error = ("Runtime.MarshalError", f"Unable to marshal response: {exc}", [])
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
            logs=printed.getvalue()[-65536:],
        )
        self._on_invocation(record)
        return InvokeResult(
            payload=payload, invocation=record, error_type=None if error is None else "Unhandled"
        )

    def _code_dir(self, fn: Any) -> Path:
        digest = str(getattr(fn, "code_sha_256", "") or "nohash").replace("/", "_").replace("+", "-")[:24]
        path = self._workdir / f"{fn.function_name}-{digest}"
        if not path.exists():
            tmp = path.with_suffix(".tmp" + uuid.uuid4().hex[:6])
            tmp.mkdir(parents=True)
            code: bytes = getattr(fn, "code_bytes", b"") or b""
            if code:
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    archive.extractall(tmp)
            with contextlib.suppress(OSError):  # another thread unpacked it first
                tmp.rename(path)
        return path

    def _handler(self, fn: Any) -> Handler:
        runtime = str(fn.run_time or "")
        if not runtime.startswith("python"):
            raise FunctionError(
                "LocalCloud.RuntimeNotEmulated",
                f"{fn.function_name}: runtime {runtime or 'image'} is not emulated (only Python handlers run locally)",
            )
        key = (str(fn.function_arn), str(getattr(fn, "code_sha_256", "")), str(fn.handler))
        with self._lock:
            found = self._handlers.get(key)
        if found is not None:
            return found
        loaded = _import_isolated(self._code_dir(fn), str(fn.handler))
        with self._lock:
            return self._handlers.setdefault(key, loaded)
