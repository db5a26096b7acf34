"""What the services of the local cloud are given of the cloud that runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..events import Dispatcher
from ..state import State

__all__ = ["Running"]


@dataclass(frozen=True)
class Running:
    """The running cloud, as its services see it."""

    state: State
    port: int
    """The embedded endpoint's port (on 127.0.0.1)."""
    dispatcher: Dispatcher
    """Runs handlers: invocations, asynchronous ones, event source mappings."""
    credentials: Callable[[str], tuple[str, str, str] | None]
    """Credentials the local STS issued to a role ARN, or None."""
