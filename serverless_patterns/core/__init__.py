"""Shared building blocks, written once and composed by every pattern."""

from .consumer import Batching
from .deployment import DeploymentKind, Deployments, DeploymentStrategy
from .domain import Domain
from .function import FunctionSpec, InvocationType, PatternFunction
from .layer import PythonLayer
from .monitoring import (
    AlarmKind,
    AlarmThresholds,
    ExpressionSpec,
    Graph,
    MetricOptions,
    MetricSpec,
    Monitoring,
    MonitoringOptions,
    rolls_back,
)
from .nag import acknowledge, acknowledge_all
from .pattern import Pattern
from .queue import QueueOptions, QueueWithDlq
from .slo import Latency, Slo, SloAlarms
from .stage import STAGE_CONTEXT_KEY, Stage, StageDefaults

__all__ = [
    "STAGE_CONTEXT_KEY",
    "AlarmKind",
    "AlarmThresholds",
    "Batching",
    "DeploymentKind",
    "DeploymentStrategy",
    "Deployments",
    "Domain",
    "ExpressionSpec",
    "FunctionSpec",
    "Graph",
    "InvocationType",
    "Latency",
    "MetricOptions",
    "MetricSpec",
    "Monitoring",
    "MonitoringOptions",
    "Pattern",
    "PatternFunction",
    "PythonLayer",
    "QueueOptions",
    "QueueWithDlq",
    "Slo",
    "SloAlarms",
    "Stage",
    "StageDefaults",
    "acknowledge",
    "acknowledge_all",
    "rolls_back",
]
