"""Shared building blocks, written once and composed by every pattern."""

from .deployment import Deployments, DeploymentStrategy
from .function import FunctionSpec, Invocation, PatternFunction
from .layer import PythonLayer
from .monitoring import AlarmKind, AlarmThresholds, Monitoring, MonitoringOptions
from .nag import acknowledge
from .queue import QueueOptions, QueueWithDlq

__all__ = [
    "AlarmKind",
    "AlarmThresholds",
    "DeploymentStrategy",
    "Deployments",
    "FunctionSpec",
    "Invocation",
    "Monitoring",
    "MonitoringOptions",
    "PatternFunction",
    "PythonLayer",
    "QueueOptions",
    "QueueWithDlq",
    "acknowledge",
]
