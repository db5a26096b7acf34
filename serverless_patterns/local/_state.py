"""What moto-side code (resource models, patched backends) needs to reach the running local cloud."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .events import Dispatcher

__all__ = ["ResourceNote", "State", "active"]


@dataclass(frozen=True)
class ResourceNote:
    """A resource that deployed without (all of) its behaviour, and why."""

    stack: str
    logical_id: str
    resource_type: str
    status: str
    """``not emulated`` (the behaviour is missing locally) or ``accepted`` (deployed; nothing to run)."""
    reason: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id} ({self.resource_type}): {self.status}: {self.reason}"


NOT_EMULATED = "not emulated"
ACCEPTED = "accepted"


@dataclass
class State:
    account_id: str
    region: str
    endpoint_url: str
    notes: list[ResourceNote] = field(default_factory=list)
    invoke_configs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    dispatcher: Dispatcher | None = None
    foreign_layers: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, stack_id: str, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        stack = stack_id.split(":stack/")[-1].split("/")[0] if ":stack/" in stack_id else stack_id
        with self.lock:
            self.notes.append(ResourceNote(stack, logical_id, resource_type, status, reason))


_active: State | None = None


def active() -> State | None:
    """The running local cloud's state, or None when none runs in this process."""
    return _active


def set_active(state: State | None) -> None:
    global _active
    _active = state
