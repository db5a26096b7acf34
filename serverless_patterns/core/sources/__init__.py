"""Event sources, one module each: what triggers a pattern function (see :mod:`.base`)."""

from .base import Binding, Source, SourceAlarm, SourceTarget

__all__ = ["Binding", "Source", "SourceAlarm", "SourceTarget"]
