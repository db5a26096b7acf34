"""Event sources, one module each: what triggers a pattern function (see :mod:`.base`)."""

from .base import Binding, Source, SourceAlarm, SourceTarget
from .bucket import BucketSource
from .queue import QueueSource
from .rule import RuleSource
from .schedule import ScheduleSource
from .stream import StreamSource
from .topic import TopicSource

__all__ = [
    "Binding",
    "BucketSource",
    "QueueSource",
    "RuleSource",
    "ScheduleSource",
    "Source",
    "SourceAlarm",
    "SourceTarget",
    "StreamSource",
    "TopicSource",
]
