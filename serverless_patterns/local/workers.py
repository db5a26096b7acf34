"""Worker processes: each function runs in processes of its own, like Lambda execution environments.

A worker is started for a function the first time it is invoked (its cold start: the process starts
and imports the handler), answers invocations one at a time, and is kept warm for the next ones.
When every worker of a function is busy another is started, up to the function's reserved
concurrency or :data:`DEFAULT_CONCURRENCY`; beyond that an invocation waits for one to be free.
A worker past its function's timeout is killed with every process it started (its process group),
so nothing the handler would have done afterwards happens; the next invocation starts a new one.

What a worker sees is built from scratch, never copied from this process:

- its deployed code (the zip the deployment uploaded, unpacked once per code hash), its layers
  unpacked in order into one directory as Lambda does in ``/opt`` (a later layer's file wins), on
  ``sys.path`` / ``NODE_PATH`` where Lambda puts them: code, ``python/lib/pythonX.Y/site-packages``,
  ``python``, then the runtime's own boto3 (Python); ``nodejs/nodeNN/node_modules``,
  ``nodejs/node_modules``, then the code (Node.js);
- third-party packages for this machine's platform, installed with uv from the dependency file
  (``requirements.txt``, else ``pyproject.toml``) found in the code or in the layers' ``python/``,
  cached by the file's hash, ahead of the bundled (target-platform) wheels. A package nobody
  declared is missing, as on AWS;
- its function's environment variables, Lambda's reserved ones, the local endpoint and the
  credentials of its role (issued by the local STS), ``AWS_CONFIG_FILE`` and
  ``AWS_SHARED_CREDENTIALS_FILE`` pointing at files that do not exist, an empty ``HOME`` and its own
  ``TMPDIR``. The host's AWS variables, profile and files are never visible, to the handler nor to
  any thread or process it starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._staging import staged_directory

__all__ = [
    "DEFAULT_CONCURRENCY",
    "WorkerCrashed",
    "WorkerImage",
    "WorkerPools",
    "WorkerTimedOut",
    "local_cache_dir",
]

DEFAULT_CONCURRENCY = 4
"""Workers per function when it has no reserved concurrency."""
INIT_TIMEOUT = 10.0
"""Seconds a worker may take to start and import its handler (Lambda's init phase limit)."""
LOG_LIMIT = 65536
CACHE_ENV = "SERVERLESS_PATTERNS_LOCAL_CACHE"

_HERE = Path(__file__).resolve().parent
PYTHON_WORKER = _HERE / "_worker_python.py"
NODE_WORKER = _HERE / "_worker_node.js"

# What the Python runtime itself provides on Lambda (``/var/runtime``): the AWS SDK.
RUNTIME_PYTHON_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
# What the public Powertools for AWS Lambda (Python) layer provides.
POWERTOOLS_DISTRIBUTIONS = (
    "aws-lambda-powertools",
    "aws-xray-sdk",
    "wrapt",
    "typing_extensions",
    "jmespath",
)
_PATH = "/usr/local/bin:/usr/bin:/bin"


def local_cache_dir() -> Path:
    """Where host-platform dependencies of functions are cached:
    ``$SERVERLESS_PATTERNS_LOCAL_CACHE``, else ``$XDG_CACHE_HOME/serverless-patterns/local``, else
    ``~/.cache/serverless-patterns/local``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "serverless-patterns" / "local"


class WorkerError(Exception):
    """An invocation that did not get an answer from its worker."""


class WorkerTimedOut(WorkerError):
    """The worker did not answer within the function's timeout; it has been killed."""


class WorkerCrashed(WorkerError):
    """The worker exited (or was stopped) before answering."""

    def __init__(self, message: str, exit_code: int | None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class WorkerImage:
    """Everything that decides what a function's workers run: workers of one image are alike."""

    key: str
    """Digest of everything below; a redeploy that changes any of it gets new workers."""
    function_name: str
    command: tuple[str, ...]
    config: str
    """JSON the worker reads after its protocol fds: handler, code directory, ``sys.path``."""
    env: Mapping[str, str] = field(repr=False)
    cwd: str
    concurrency: int
    reload_dir: str | None = None
    """The directory whose modules :meth:`WorkerPools.reload` re-imports (Python), else None."""


@dataclass
class Answer:
    """What a worker answered to one invocation."""

    payload: str | None
    error: dict[str, Any] | None
    logs: str
    cold_start_ms: float | None


# -- the protocol ---------------------------------------------------------------------------------


def _send(fd: int, message: Mapping[str, Any]) -> None:
    data = json.dumps(message).encode()
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, size - len(chunks))
        if not chunk:
            raise EOFError
        chunks.extend(chunk)
    return bytes(chunks)


def _receive(fd: int, deadline: float) -> dict[str, Any]:
    (size,) = struct.unpack(">I", _read_exact(fd, 4, deadline))
    value: dict[str, Any] = json.loads(_read_exact(fd, size, deadline))
    return value


# -- one worker -----------------------------------------------------------------------------------


class Worker:
    """One process of one function, with its protocol pipes and a thread draining its output."""

    def __init__(self, image: WorkerImage) -> None:
        self.image = image
        request_read, self._to_worker = os.pipe()
        self._from_worker, answer_write = os.pipe()
        begin = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [*image.command, str(request_read), str(answer_write), image.config],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=dict(image.env),
                cwd=image.cwd,
                pass_fds=(request_read, answer_write),
                start_new_session=True,  # its own process group: killed with all it started
            )
        except BaseException:
            for fd in (request_read, self._to_worker, self._from_worker, answer_write):
                os.close(fd)
            raise
        os.close(request_read)
        os.close(answer_write)
        assert self.process.stdout is not None
        self._output = self.process.stdout.fileno()
        self._buffer = bytearray()
        self._logs: dict[str, str] = {}
        self._seen = threading.Condition()
        self._closing = threading.Event()
        self._reader = threading.Thread(
            target=self._drain, name=f"local-worker-output:{image.function_name}", daemon=True
        )
        self._reader.start()
        self.started = begin
        self.ready = False
        self.busy = False
        self.stale = False
        """Its function's modules changed while it was busy: reloaded when released."""
        self.cold_start_ms: float | None = None

    # The worker's stdout and stderr: kept per invocation, cut at each end-of-logs marker.
    def _drain(self) -> None:
        try:
            while not self._closing.is_set():
                ready, _, _ = select.select([self._output], [], [], 0.2)
                if not ready:
                    continue
                chunk = os.read(self._output, 65536)
                if not chunk:
                    break
                with self._seen:
                    self._buffer.extend(chunk)
                    self._cut()
        except (OSError, ValueError):
            pass
        finally:
            with self._seen:
                self._closing.set()
                self._seen.notify_all()

    def _cut(self) -> None:
        while True:
            start = self._buffer.find(b"\x1e")
            if start < 0:
                return
            end = self._buffer.find(b"\x1e", start + 1)
            if end < 0:
                return
            request_id = self._buffer[start + 1 : end].decode(errors="replace")
            self._logs[request_id] = self._buffer[:start].decode(errors="replace")[-LOG_LIMIT:]
            del self._buffer[: end + 1]
            self._seen.notify_all()

    def _take_logs(self, request_id: str, wait: float) -> str:
        deadline = time.monotonic() + wait
        with self._seen:
            while request_id not in self._logs and not self._closing.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._seen.wait(remaining)
            if request_id in self._logs:
                return self._logs.pop(request_id)
            rest = self._buffer.decode(errors="replace")[-LOG_LIMIT:]
            self._buffer.clear()
            return rest

    def wait_ready(self) -> dict[str, Any] | None:
        """Wait for the handler to be imported; return the init error, if any."""
        try:
            message = _receive(self._from_worker, self.started + INIT_TIMEOUT)
        except TimeoutError:
            self.kill()
            return {
                "errorType": "Runtime.InitTimeout",
                "errorMessage": f"Init timed out after {INIT_TIMEOUT:.2f} seconds",
                "stackTrace": [],
            }
        except EOFError:
            code = self.kill()
            return {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited during init with exit status {code}" + self._tail(),
                "stackTrace": [],
            }
        self.cold_start_ms = (time.monotonic() - self.started) * 1000
        if "init_error" in message:
            self.kill()
            error: dict[str, Any] = message["init_error"]
            return error
        self.ready = True
        return None

    def _tail(self) -> str:
        self._reader.join(1.0)
        with self._seen:
            text = self._buffer.decode(errors="replace").strip()
        return f": {text[-2000:]}" if text else ""

    def invoke(self, request: dict[str, Any], timeout: float) -> tuple[dict[str, Any], str]:
        """Send one invocation and wait at most ``timeout`` seconds for its answer and logs."""
        request_id = str(request["id"])
        request["deadline"] = int((time.time() + timeout) * 1000)
        try:
            _send(self._to_worker, request)
            answer = _receive(self._from_worker, time.monotonic() + timeout)
        except TimeoutError:
            self.kill()
            raise WorkerTimedOut(self._take_logs(request_id, 0.5)) from None
        except (EOFError, OSError):
            code = self.kill()
            raise WorkerCrashed(self._take_logs(request_id, 0.5), code) from None
        return answer, self._take_logs(request_id, 2.0)

    def reload(self) -> bool:
        """Have the worker re-import its function's own modules; False (and killed) when it could
        not (an import error is reported again by the next worker's init)."""
        request_id = f"reload-{id(self)}-{time.monotonic_ns()}"
        try:
            _send(self._to_worker, {"id": request_id, "reload": True})
            answer = _receive(self._from_worker, time.monotonic() + INIT_TIMEOUT)
        except (TimeoutError, EOFError, OSError):
            self.kill()
            return False
        self._take_logs(request_id, 2.0)
        if "error" in answer:
            self.kill()
            return False
        return True

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> int | None:
        """Kill the worker and every process of its group, leaving its pipes open (a thread waiting
        for its answer then reads the end of the pipe). Returns the exit code."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int | None:
        """:meth:`terminate`, then close its pipes and stop reading its output."""
        code = self.terminate()
        self._reader.join(1.0)
        self._closing.set()
        self._reader.join(1.0)
        for fd in (self._to_worker, self._from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._to_worker = self._from_worker = -1
        if self.process.stdout is not None:
            with contextlib.suppress(OSError):
                self.process.stdout.close()
        return code


# -- the workers of one function ------------------------------------------------------------------


class _Pool:
    def __init__(self, image: WorkerImage) -> None:
        self.image = image
        self.idle: list[Worker] = []
        self.count = 0
        self.warming = 0
        self.retired = False
        self.cond = threading.Condition()


class WorkerPools:
    """The warm workers of every function of one local cloud."""

    def __init__(self) -> None:
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self._all: set[Worker] = set()
        self._closed = False

    def invoke(self, image: WorkerImage, request: dict[str, Any], timeout: float) -> Answer:
        """Run one invocation on a worker of ``image`` (warm when one is free)."""
        pool = self._pool(image)
        worker = self._acquire(pool)
        cold: float | None = None
        healthy = False
        try:
            if not worker.ready:
                init_error = worker.wait_ready()
                cold = worker.cold_start_ms
                if init_error is not None:
                    return Answer(None, init_error, worker._take_logs("", 0.0), cold)
            answer, logs = worker.invoke(request, timeout)
            healthy = True
            return Answer(answer.get("payload"), answer.get("error"), logs, cold)
        finally:
            self._release(pool, worker, healthy)

    def reload(self, directory: str) -> int:
        """Ask the idle workers whose function runs its modules from ``directory`` (their image's
        ``reload_dir``) to re-import them; busy ones do when they finish. Invocations meanwhile wait
        for them rather than start cold workers. Returns how many reloaded; one that fails is
        discarded (the next invocation starts a new worker, which reports the error)."""
        with self._lock:
            pools = [p for p in self._pools.values() if p.image.reload_dir == directory]
        return sum(self._reload(pool) for pool in pools)

    def _reload(self, pool: _Pool) -> int:
        image = pool.image
        with pool.cond:  # under it, each worker of the pool is idle or busy (see _acquire)
            idle, pool.idle = pool.idle, []
            pool.warming += 1
            with self._lock:
                for worker in self._all:
                    if worker.busy and worker.image.key == image.key:
                        worker.stale = True
        reloaded: list[Worker] = []
        try:
            for worker in idle:
                if worker.reload():
                    reloaded.append(worker)
                else:
                    self._discard(worker)
        finally:
            with pool.cond:
                pool.warming -= 1
                pool.count -= len(idle) - len(reloaded)
                pool.idle.extend(reloaded)
                pool.cond.notify_all()
        return len(reloaded)

    def _pool(self, image: WorkerImage) -> _Pool:
        with self._lock:
            if self._closed:
                raise WorkerCrashed("the local cloud is stopping", None)
            pool = self._pools.get(image.function_name)
            if pool is not None and pool.image.key == image.key:
                return pool
            fresh = self._pools[image.function_name] = _Pool(image)
        if pool is not None:  # a redeploy: the old workers never run again
            self._retire(pool)
        return fresh

    def _retire(self, pool: _Pool) -> None:
        with pool.cond:
            pool.retired = True
            idle, pool.idle = pool.idle, []
            pool.count -= len(idle)
            pool.cond.notify_all()
        for worker in idle:
            self._discard(worker)

    def _acquire(self, pool: _Pool) -> Worker:
        with pool.cond:
            while True:
                if self._closed or pool.retired:
                    raise WorkerCrashed("the local cloud is stopping", None)
                while pool.idle:
                    worker = pool.idle.pop()
                    if worker.alive():
                        worker.busy = True
                        return worker
                    pool.count -= 1
                    self._discard(worker)
                if pool.count < pool.image.concurrency and not pool.warming:
                    pool.count += 1
                    break
                pool.cond.wait(0.5)
        try:
            worker = Worker(pool.image)
            worker.busy = True
        except BaseException:
            with pool.cond:
                pool.count -= 1
                pool.cond.notify()
            raise
        with self._lock:
            self._all.add(worker)
            closed = self._closed
        if closed:
            self._discard(worker)
            raise WorkerCrashed("the local cloud is stopping", None)
        return worker

    def _release(self, pool: _Pool, worker: Worker, healthy: bool) -> None:
        keep = healthy and worker.alive()
        while True:
            with pool.cond:
                if keep and worker.stale:  # its modules changed while it ran: reload them first
                    worker.stale = False
                    stale = True
                else:
                    stale = False
                    worker.busy = False
                    if keep and not pool.retired and not self._closed:
                        pool.idle.append(worker)
                        worker = None  # type: ignore[assignment]
                    else:
                        pool.count -= 1
                    pool.cond.notify()
            if not stale:
                break
            keep = worker.reload()
        if worker is not None:
            self._discard(worker)

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def close(self) -> None:
        """Kill every worker, busy or idle. Invocations waiting on one fail at once."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            pools = list(self._pools.values())
        for pool in pools:
            with pool.cond:
                pool.retired = True
                pool.cond.notify_all()
        for worker in workers:
            if worker.busy:  # its invocation reads the end of the pipe, then discards it
                worker.terminate()
            else:
                self._discard(worker)

    def worker_count(self) -> int:
        with self._lock:
            return sum(1 for w in self._all if w.alive())


# -- what a worker sees ---------------------------------------------------------------------------


def unpack(code: bytes, into: Path) -> Path:
    """Unpack a zip into ``into`` once (atomically: a concurrent caller never sees it half-written)."""
    if into.is_dir():
        return into
    with staged_directory(into) as tmp:
        if code:
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                for info in archive.infolist():
                    extracted = archive.extract(info, tmp)
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        os.chmod(extracted, mode | 0o400)
    return into


def merge_layers(layers: Sequence[tuple[str, bytes]], into: Path) -> Path:
    """Unpack layers in order into one directory, a later layer's file replacing an earlier one's
    (what Lambda does in ``/opt``). ``layers`` is (digest, zip bytes) per layer."""
    if into.is_dir():
        return into
    with staged_directory(into) as tmp:
        for _, code in layers:
            if code:
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    archive.extractall(tmp)
    return into


def link_distributions(names: Sequence[str], into: Path) -> Path:
    """A directory holding (symbolic links to) the installed files of these distributions of this
    Python environment, for ``sys.path``: what a runtime or a public layer would provide."""
    import importlib.metadata as metadata

    if into.is_dir():
        return into
    with staged_directory(into) as tmp:
        for name in names:
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                continue
            tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
            for top in tops:
                source = Path(str(dist.locate_file(top)))
                target = tmp / top
                if source.exists() and not target.exists() and top != "__pycache__":
                    target.symlink_to(source)
    return into


_install_lock = threading.Lock()


def host_dependencies(directory: Path, cache: Path) -> Path | None:
    """Install, for this machine, the packages that ``directory``'s ``requirements.txt`` (else
    ``pyproject.toml``) declares, into ``cache/deps-<hash>``; None when it declares none.

    Raises :class:`RuntimeError` with uv's message when they cannot be installed."""
    requirements = directory / "requirements.txt"
    pyproject = directory / "pyproject.toml"
    if requirements.is_file():
        source = requirements.read_bytes()
        args = ["-r", str(requirements)]
    elif pyproject.is_file():
        import tomllib

        declared = tomllib.loads(pyproject.read_text()).get("project", {}).get("dependencies", [])
        if not declared:
            return None
        source = "\n".join(declared).encode()
        args = [str(d) for d in declared]
    else:
        return None
    if not source.strip():
        return None
    tag = f"{sys.implementation.cache_tag}-{sys.platform}-{os.uname().machine}"
    digest = hashlib.sha256(tag.encode() + b"\0" + source).hexdigest()[:32]
    target = cache / f"deps-{digest}"
    if target.is_dir():
        return target
    with _install_lock:
        if target.is_dir():
            return target
        uv = shutil.which("uv", path=os.path.dirname(sys.executable)) or shutil.which("uv")
        command = [uv] if uv else [sys.executable, "-m", "uv"]
        with staged_directory(target) as tmp:  # removed again if the install fails
            done = subprocess.run(
                [
                    *command,
                    "pip",
                    "install",
                    "--quiet",
                    "--target",
                    str(tmp),
                    "--python",
                    sys.executable,
                    *args,
                ],
                cwd=str(directory),
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"installing the dependencies of {directory.name} for this machine failed: "
                    f"{done.stderr.strip()[-2000:]}"
                )
    return target


@dataclass(frozen=True)
class FunctionLayout:
    """Paths that make up a function's execution environment here."""

    task_root: Path
    opt: Path | None
    home: Path
    tmp: Path


def python_path(
    runtime: str, layout: FunctionLayout, runtime_dir: Path, cache: Path, extra_layers: Sequence[Path]
) -> list[str]:
    """``sys.path`` entries ahead of the standard library, in Lambda's order, with host-platform
    dependencies ahead of the bundled ones they replace."""
    version = runtime.removeprefix("python") or f"{sys.version_info.major}.{sys.version_info.minor}"
    entries: list[Path] = []
    deps = host_dependencies(layout.task_root, cache)
    if deps is not None:
        entries.append(deps)
    entries.append(layout.task_root)
    if layout.opt is not None:
        layer_python = layout.opt / "python"
        layer_deps = host_dependencies(layer_python, cache) if layer_python.is_dir() else None
        if layer_deps is not None:
            entries.append(layer_deps)
        entries += [layer_python / "lib" / f"python{version}" / "site-packages", layer_python]
    entries += list(extra_layers)
    entries.append(runtime_dir)
    return [str(p) for p in entries]


def node_path(runtime: str, layout: FunctionLayout) -> list[str]:
    """``NODE_PATH`` as Lambda sets it, with this function's layers in place of ``/opt``."""
    major = "".join(ch for ch in runtime.removeprefix("nodejs").split(".")[0] if ch.isdigit())
    entries: list[Path] = []
    if layout.opt is not None:
        entries += [
            layout.opt / "nodejs" / f"node{major}" / "node_modules",
            layout.opt / "nodejs" / "node_modules",
        ]
    entries.append(layout.task_root)
    return [str(p) for p in entries]


def base_environment(layout: FunctionLayout) -> dict[str, str]:
    """What every worker gets before its function's own variables: no host variable at all."""
    missing = layout.home / ".aws-not-here"
    return {
        "PATH": _PATH,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": str(layout.home),
        "TMPDIR": str(layout.tmp),
        "AWS_CONFIG_FILE": str(missing / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(missing / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
        "LAMBDA_TASK_ROOT": str(layout.task_root),
        "LAMBDA_RUNTIME_DIR": str(_HERE),
    }


def node_binary() -> str | None:
    """The Node.js that runs Node.js handlers: ``$JSII_NODE``, else ``node`` on ``PATH``."""
    explicit = os.environ.get("JSII_NODE")
    if explicit and os.path.isfile(explicit):
        return explicit
    return shutil.which("node")


def node_version() -> str:
    """``vNN.x.y`` of :func:`node_binary`, or ``none``."""
    node = node_binary()
    if node is None:
        return "none"
    global _node_version
    if _node_version is None:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
        _node_version = done.stdout.strip() or "unknown"
    return _node_version


_node_version: str | None = None


def distribution_version(name: str) -> str | None:
    """The version of a distribution installed in this Python environment, or None."""
    import importlib.metadata as metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def worker_command(runtime: str) -> tuple[str, ...] | None:
    """The command line of a worker of this runtime (its protocol fds and config are appended), or
    None when this machine cannot run it."""
    if runtime.startswith("python"):
        return (sys.executable, "-I", "-S", "-u", "-B", str(PYTHON_WORKER))
    if runtime.startswith("nodejs"):
        node = node_binary()
        return None if node is None else (node, str(NODE_WORKER))
    return None


def digest_of(parts: Iterator[str] | Sequence[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]
