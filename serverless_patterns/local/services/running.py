"""What the services of the local cloud are given of the cloud that runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..events import Dispatcher
from ..moto_adapter import Patches
from ..state import State

__all__ = ["Running", "RunningService"]


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


class RunningService:
    """A service of the local cloud that holds the running cloud's state and dispatcher, and
    installs its patches into moto through the patch registry (:meth:`install`)."""

    name = ""

    def __init__(self, running: Running) -> None:
        self.state = running.state
        self.dispatcher = running.dispatcher

    def install(self, patches: Patches) -> None:
        raise NotImplementedError
