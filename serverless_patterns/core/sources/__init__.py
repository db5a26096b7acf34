"""Event sources, one module each: what triggers a pattern function (see :mod:`.base`)."""

from .base import Binding, Source, SourceAlarm, SourceTarget
from .queue import QueueSource

__all__ = ["Binding", "QueueSource", "Source", "SourceAlarm", "SourceTarget"]
