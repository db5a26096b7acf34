"""serverless-patterns: production-grade AWS serverless patterns for the AWS CDK."""

from .core import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    Monitoring,
    MonitoringOptions,
    QueueOptions,
)
from .errors import PatternValidationError

__all__ = [
    "AlarmThresholds",
    "DeploymentStrategy",
    "FunctionSpec",
    "Monitoring",
    "MonitoringOptions",
    "PatternValidationError",
    "QueueOptions",
]
