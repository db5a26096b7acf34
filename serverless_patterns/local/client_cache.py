"""boto3 clients of the local endpoint, made once per key and shared: a boto3 client, once made, is
thread-safe, and making one takes tens of milliseconds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ClientCache"]


class ClientCache:
    """Clients by key (a service; a service, region and role), made on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The client kept for ``key``, else the one ``make()`` returns, kept from now on. It is made
        outside the lock, so that no caller waits for another key's client; two callers that both
        find none make one each, and both get the one kept first."""
        with self._lock:
            found = self._made.get(key)
        if found is not None:
            return found
        made = make()
        with self._lock:
            return self._made.setdefault(key, made)

    def clear(self) -> None:
        """Forget every client (the endpoint they call has stopped)."""
        with self._lock:
            self._made.clear()
