"""A per-thread view of ``os.environ``, so that handlers of different functions running at the same
time in one process each see their own function's environment (and boto3 inside them is pointed at
the local cloud), while every other thread keeps seeing the real process environment."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

__all__ = ["ThreadEnviron", "install", "uninstall"]

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


_installed: ThreadEnviron | None = None
_lock = threading.Lock()


def install() -> ThreadEnviron:
    """Put a :class:`ThreadEnviron` in place of ``os.environ`` (idempotent)."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = ThreadEnviron(os.environ)
            setattr(os, "environ", _installed)  # noqa: B010
        return _installed


def uninstall() -> None:
    """Give ``os.environ`` back."""
    global _installed
    with _lock:
        if _installed is not None:
            setattr(os, "environ", _installed.base)  # noqa: B010
            _installed = None
