"""Event sources, one module each: what triggers a pattern function (see :mod:`.base`)."""

from .base import Binding, Source, SourceAlarm, SourceTarget
from .queue import QueueSource
from .rule import RuleSource
from .schedule import ScheduleSource
from .stream import StreamSource

__all__ = [
    "Binding",
    "QueueSource",
    "RuleSource",
    "ScheduleSource",
    "Source",
    "SourceAlarm",
    "SourceTarget",
    "StreamSource",
]
