"""What a running local cloud keeps that the moto side (its services' patches, the local resource
models, stack updates, delivery) reads and adds to: one :class:`State` per cloud, passed to what
needs it (there is no process-wide one)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .metrics import MetricStore

if TYPE_CHECKING:
    from .alarms import Alarms

__all__ = ["ACCEPTED", "NOT_EMULATED", "ResourceNote", "State"]


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
    """(function name, qualifier) -> the event invoke config deployed for it."""
    foreign_layers: set[str] = field(default_factory=set)
    """Layers of other accounts functions referred to (each noted once)."""
    bucket_notifications: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Bucket -> the notification configuration each stack resource gave it (the bucket has their union)."""
    run_schedules: bool = False
    """Whether a clock fires the deployed schedules (``LocalCloud(run_schedules=True)``)."""
    metrics: MetricStore = field(default_factory=MetricStore)
    """What CloudWatch would have recorded of the cloud's runs (see :mod:`.metrics`)."""
    clock: float = 1.0
    """Alarm periods and deployment bake times run this many times faster (``LocalCloud(clock=N)``)."""
    alarms: Alarms | None = None
    """The deployed alarms, evaluated (see :mod:`.alarms`)."""
    codedeploy: Any = None
    """The local CodeDeploy (``services/codedeploy.py``), once installed."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, stack_id: str, logical_id: str, resource_type: str, status: str, reason: str) -> None:
        stack = stack_id.split(":stack/")[-1].split("/")[0] if ":stack/" in stack_id else stack_id
        with self.lock:
            self.notes.append(ResourceNote(stack, logical_id, resource_type, status, reason))
