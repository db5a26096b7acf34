"""What every event source is: a unit that validates its own props, wires itself to a pattern
function with exact grants, and declares its alarms, dashboard graphs and sample event.

The model is aws-cdk-lib's ``IEventSource`` (``SqsEventSource(queue, batch_size=...)`` checks its
props in its constructor; ``bind(target)`` adds the mapping and the grant). A source here also says
what it costs a pattern to watch it: each :class:`SourceAlarm` names a registered alarm kind, whose
``about_code`` (see :mod:`..monitoring`) decides whether it rolls a canary back or only notifies.

A pattern attaches a source with :meth:`Pattern.attach` (the one public way); a source never calls a
pattern's private methods, and a pattern never re-does a source's wiring.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ...errors import PatternValidationError, Problems
from ..monitoring import ExpressionSpec, Graph, MetricSpec

if TYPE_CHECKING:
    from ..function import FunctionSpec, PatternFunction

__all__ = ["Binding", "Source", "SourceAlarm", "SourceTarget"]


@dataclass(frozen=True)
class SourceAlarm:
    """An alarm a source asks for: built by the pattern under ``id`` in the scope it bound into,
    with the threshold the pattern's monitoring options set for ``kind``."""

    id: str
    """The alarm's construct id (``"DeadLetterQueueDepthAlarm"``)."""
    kind: str
    """A registered alarm kind (:class:`~..monitoring.AlarmKind` or one added with
    :func:`~..monitoring.register_alarm_kind`): how it measures and whether it rolls back."""
    metric: MetricSpec | ExpressionSpec
    subject: str
    """What the description names (``"Stack/Worker queue"``)."""


@dataclass(frozen=True)
class SourceTarget:
    """What a source is bound to."""

    function: PatternFunction | None
    """The function the source invokes, through its ``live`` alias; None when the source's resources
    are built for a consumer outside the stack."""
    title: str
    """How alarms and graphs name the source (``"Test/Worker"``)."""
    scope_path: str
    """The path of the scope the source builds into, given so it is not read back from jsii."""


@dataclass
class Binding:
    """What a source made when it was bound."""

    alarms: list[SourceAlarm] = field(default_factory=list)
    """The alarms the pattern builds for it, in this order."""
    graphs: list[Graph] = field(default_factory=list)
    """Its graphs for the pattern's dashboard section."""
    resources: dict[str, Any] = field(default_factory=dict)
    """What it created, by attribute name (``{"queue": ..., "dead_letter_queue": ...}``)."""


class Source(ABC):
    """One kind of trigger for a pattern function.

    A subclass is a frozen dataclass of its props (keyword-only, each with its documented default),
    reports what is wrong with them in :meth:`problems`, and builds its wiring in :meth:`bind`.
    """

    @abstractmethod
    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with this source's props, each message naming ``prop + "." + option``.
        ``function`` is the spec of the function it will invoke, for the checks that need both (a
        queue's visibility timeout against the function's timeout)."""

    @abstractmethod
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Creates the source's resources in ``scope`` and connects them to ``target.function`` with
        exact grants. Called once, after :meth:`problems` found nothing."""

    @abstractmethod
    def sample_event(self) -> Mapping[str, Any]:
        """An event as the function receives it from this source (the shape Powertools' event classes
        read), for tests, ``serverless-patterns events`` and local delivery."""

    def check(self, construct_path: str, prop: str, *, function: FunctionSpec | None = None) -> None:
        """Raises one PatternValidationError naming ``construct_path`` when :meth:`problems` finds any."""
        found = Problems()
        found.extend(self.problems(prop, function=function))
        if found:
            raise PatternValidationError(construct_path, list(found))
