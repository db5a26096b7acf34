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
from .patterns.api_to_lambda import ApiToLambda, ApiType, Authorization, Cors

__all__ = [
    "AlarmThresholds",
    "ApiToLambda",
    "ApiType",
    "Authorization",
    "Cors",
    "DeploymentStrategy",
    "FunctionSpec",
    "Monitoring",
    "MonitoringOptions",
    "PatternValidationError",
    "QueueOptions",
]
