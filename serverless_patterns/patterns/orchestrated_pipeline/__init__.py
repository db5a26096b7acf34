"""OrchestratedPipeline: a Step Functions state machine whose Task states invoke Lambda functions
through their ``live`` alias, from Python steps or from an Amazon States Language file."""

from .pattern import OrchestratedPipeline, Retry, Step, Trigger

__all__ = ["OrchestratedPipeline", "Retry", "Step", "Trigger"]
