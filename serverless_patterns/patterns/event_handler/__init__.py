"""EventHandler: a Lambda function run on a schedule or for matching EventBridge events (see
``README.md`` in this folder)."""

from .pattern import EventHandler

__all__ = ["EventHandler"]
