"""DurableWorkflow: a Lambda durable function (steps checkpointed, waits, callbacks, replay) with its
checkpoint permissions, dead-letter queue and execution alarms (see ``README.md`` in this folder)."""

from .pattern import DurableWorkflow

__all__ = ["DurableWorkflow"]
