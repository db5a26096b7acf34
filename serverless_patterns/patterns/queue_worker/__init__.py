"""QueueWorker: an SQS queue (standard or FIFO) with its dead-letter queue, drained by a Lambda
function that reports partial batch failures.

- ``pattern``: the :class:`QueueWorker` construct, which attaches a
  :class:`~serverless_patterns.core.sources.QueueSource` to its function.
"""

from .pattern import QueueWorker

__all__ = ["QueueWorker"]
