"""The process that runs one Python function's handler, like a Lambda execution environment.

Started by :mod:`serverless_patterns.local.workers` as
``python -I -S -u -B _worker_python.py FD_IN FD_OUT CONFIG_JSON`` with an environment built from
scratch: isolated mode and no ``site``, so nothing of the host's ``PYTHON*`` variables or
site-packages is on ``sys.path``; the config names what is (the function's code, its layers, the
runtime's boto3) in Lambda's order.

The protocol, on the two pipes given: frames of a 4-byte big-endian length and UTF-8 JSON.

- worker -> parent, once: ``{"ready": true}`` or ``{"init_error": {errorType, errorMessage, stackTrace}}``
- parent -> worker: ``{"id", "event" (JSON text), "deadline" (epoch ms), "arn", "version", ...}``
- worker -> parent: ``{"id", "payload" (JSON text)}`` or ``{"id", "error": {...}}``
- parent -> worker, when the config names a ``reload`` directory (``serverless-patterns dev``):
  ``{"id", "reload": true}``: the modules loaded from that directory are forgotten and the handler
  imported again; answered ``{"id", "reloaded": true}`` or ``{"id", "error": {...}}``

After each answer the worker writes ``\\x1e<id>\\x1e`` to its stdout, behind what the handler printed,
so the parent knows where this invocation's logs end. This file imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import struct
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object a Python handler receives."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name: str = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version: str = str(request.get("version", "$LATEST"))
        self.invoked_function_arn: str = str(request.get("arn", ""))
        self.memory_limit_in_mb: int = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id: str = str(request["id"])
        self.log_group_name: str = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name: str = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline_ms = int(request["deadline"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _read_exact(fd: int, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            raise EOFError
        chunks.extend(chunk)
    return bytes(chunks)


def _receive(fd: int) -> dict[str, Any]:
    (size,) = struct.unpack(">I", _read_exact(fd, 4))
    value: dict[str, Any] = json.loads(_read_exact(fd, size))
    return value


def _send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc)[1:],
    }


def _load(handler: str) -> Any:
    module_path, _, attr = handler.rpartition(".")
    if not module_path or not attr:
        raise LookupError(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler}': expected module.function"
        )
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise LookupError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    target = getattr(module, attr, None)
    if not callable(target):
        raise LookupError("Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{module_name}'")
    return target


def _reload(handler: str, directory: str) -> Any:
    """Forget the modules loaded from ``directory`` (the function's own code), then import the
    handler again; modules from elsewhere (dependencies, layers, the runtime) stay loaded."""
    root = os.path.realpath(directory) + os.sep
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if origin and os.path.realpath(origin).startswith(root):
            del sys.modules[name]
    importlib.invalidate_caches()
    return _load(handler)


def _end_of_logs(request_id: str) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a handler may have closed or replaced it
            stream.flush()
    os.write(1, b"\x1e" + request_id.encode() + b"\x1e")


def main() -> None:
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    for fd in (fd_in, fd_out):  # a subprocess the handler starts must not hold the protocol pipes
        os.set_inheritable(fd, False)
    sys.path[:0] = [str(p) for p in config["path"]]
    os.chdir(config["task_root"])
    try:
        handler = _load(str(config["handler"]))
    except LookupError as exc:
        kind, message = exc.args
        _send(fd_out, {"init_error": {"errorType": kind, "errorMessage": message, "stackTrace": []}})
        return
    except BaseException as exc:  # an error while importing the module (Lambda reports it as such)
        _send(fd_out, {"init_error": _error(exc, "Runtime.ImportModuleError")})
        return
    _send(fd_out, {"ready": True})
    while True:
        try:
            request = _receive(fd_in)
        except EOFError:
            return
        request_id = str(request["id"])
        if request.get("reload") and config.get("reload"):
            reloaded: dict[str, Any] = {"id": request_id, "reloaded": True}
            try:
                handler = _reload(str(config["handler"]), str(config["reload"]))
            except LookupError as exc:
                kind, message = exc.args
                reloaded = {"id": request_id, "error": {"errorType": kind, "errorMessage": message}}
            except BaseException as exc:
                reloaded = {"id": request_id, "error": _error(exc, "Runtime.ImportModuleError")}
            _end_of_logs(request_id)
            _send(fd_out, reloaded)
            continue
        os.environ["_X_AMZN_TRACE_ID"] = str(request.get("trace_id", ""))
        answer: dict[str, Any] = {"id": request_id}
        try:
            value = handler(json.loads(request["event"]), LambdaContext(request))
            try:
                answer["payload"] = json.dumps(value)
            except (TypeError, ValueError) as exc:
                answer["error"] = {
                    "errorType": "Runtime.MarshalError",
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "stackTrace": [],
                }
        except SystemExit as exc:  # Lambda: the runtime exits, the invocation fails with ExitError
            _end_of_logs(request_id)
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        except BaseException as exc:
            answer["error"] = _error(exc)
        _end_of_logs(request_id)
        _send(fd_out, answer)


if __name__ == "__main__":
    main()
