"""A per-thread view of ``os.environ``, so that handlers of different functions running at the same
time in one process each see their own function's environment (and boto3 inside them is pointed at
the local cloud), while every other thread keeps seeing the real process environment."""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = ["ThreadEnviron", "ThreadStream", "install", "uninstall"]

# Host variables a handler still sees: the ones a Lambda sandbox also has, nothing AWS-related.
_KEPT = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "HOME", "SYSTEMROOT")


class ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` replacement: threads inside :meth:`scope` see only the mapping given there."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self._local = threading.local()

    def _current(self) -> MutableMapping[str, str]:
        overlay: dict[str, str] | None = getattr(self._local, "env", None)
        return self.base if overlay is None else overlay

    @contextmanager
    def scope(self, env: Mapping[str, str]) -> Iterator[None]:
        """Run the body with a fresh environment made of ``env`` and a few harmless host variables."""
        previous = getattr(self._local, "env", None)
        fresh = {key: self.base[key] for key in _KEPT if key in self.base}
        fresh.update(env)
        self._local.env = fresh
        try:
            yield
        finally:
            self._local.env = previous

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def copy(self) -> dict[str, str]:
        return dict(self._current())

    def __repr__(self) -> str:
        return f"ThreadEnviron({dict(self._current())!r})"


_sinks = threading.local()


class ThreadStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` replacement: what a handler thread prints inside :func:`capture`
    is kept for its invocation record (Lambda sends it to CloudWatch Logs), everything else passes.

    The sink is per thread, shared by every instance: a logger that kept an older stream still
    writes to the running invocation's record."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def write(self, text: str) -> int:
        sink: io.StringIO | None = getattr(_sinks, "sink", None)
        if sink is not None:
            return sink.write(text)
        return int(self.base.write(text))

    def flush(self) -> None:
        if getattr(_sinks, "sink", None) is None:
            self.base.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.base, "isatty", lambda: False)())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.base, "encoding", "utf-8"))

    def fileno(self) -> int:
        return int(self.base.fileno())


_installed: ThreadEnviron | None = None
_streams: list[tuple[str, ThreadStream]] = []
_lock = threading.Lock()


_singleton: ThreadEnviron | None = None


def install() -> ThreadEnviron:
    """Put a :class:`ThreadEnviron` in place of ``os.environ`` and :class:`ThreadStream` in place of
    ``sys.stdout`` and ``sys.stderr`` (idempotent).

    The same :class:`ThreadEnviron` serves every local cloud of the process: botocore sessions keep
    the ``os.environ`` they were created with, and must keep seeing the handlers' variables. boto3's
    default session is dropped so that handlers build theirs under their own environment."""
    global _installed, _singleton
    with _lock:
        if _installed is None:
            if _singleton is None:
                _singleton = ThreadEnviron(os.environ)
            _installed = _singleton
            setattr(os, "environ", _installed)  # noqa: B010
            for name in ("stdout", "stderr"):
                stream = ThreadStream(getattr(sys, name))
                _streams.append((name, stream))
                setattr(sys, name, stream)
            _reset_boto3()
        return _installed


def _reset_boto3() -> None:
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]


@contextmanager
def capture(sink: io.StringIO) -> Iterator[None]:
    """Within this thread, send what is printed to ``sink``. Wraps ``sys.stdout``/``sys.stderr``
    again if someone (pytest's capture, say) replaced them since :func:`install`."""
    with _lock:
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if not isinstance(current, ThreadStream):
                stream = ThreadStream(current)
                _streams.append((name, stream))
                setattr(sys, name, stream)
    previous = getattr(_sinks, "sink", None)
    _sinks.sink = sink
    try:
        yield
    finally:
        _sinks.sink = previous


def uninstall() -> None:
    """Give ``os.environ`` back."""
    global _installed
    with _lock:
        if _installed is not None:
            setattr(os, "environ", _installed.base)  # noqa: B010
            _installed = None
            _reset_boto3()
        while _streams:
            name, stream = _streams.pop()
            if getattr(sys, name) is stream:
                setattr(sys, name, stream.base)
