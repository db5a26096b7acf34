"""serverless-patterns: production-grade AWS serverless patterns for the AWS CDK.

The public names are imported on first use (PEP 562), so ``import serverless_patterns.local`` or
the catalog CLI's ``cost`` and ``diagram`` do not start jsii and Node for aws-cdk-lib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import PatternValidationError

if TYPE_CHECKING:
    from .core import (
        AlarmThresholds,
        DeploymentStrategy,
        FunctionSpec,
        Monitoring,
        MonitoringOptions,
        QueueOptions,
    )
    from .patterns.api_to_lambda import ApiToLambda, ApiType, Authorization, Cors
    from .patterns.fanout_queue import FanoutQueue, FanoutSubscriber, FilterPolicyScope, Subscriber
    from .patterns.orchestrated_pipeline import OrchestratedPipeline, Retry, Step, Trigger
    from .patterns.s3_processor import S3Delivery, S3Processor
    from .patterns.stream_to_sns import StreamEventName, StreamToSns

_MODULES = {
    ".core": (
        "AlarmThresholds",
        "DeploymentStrategy",
        "FunctionSpec",
        "Monitoring",
        "MonitoringOptions",
        "QueueOptions",
    ),
    ".patterns.api_to_lambda": ("ApiToLambda", "ApiType", "Authorization", "Cors"),
    ".patterns.fanout_queue": ("FanoutQueue", "FanoutSubscriber", "FilterPolicyScope", "Subscriber"),
    ".patterns.orchestrated_pipeline": ("OrchestratedPipeline", "Retry", "Step", "Trigger"),
    ".patterns.s3_processor": ("S3Delivery", "S3Processor"),
    ".patterns.stream_to_sns": ("StreamEventName", "StreamToSns"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "AlarmThresholds",
    "ApiToLambda",
    "ApiType",
    "Authorization",
    "Cors",
    "DeploymentStrategy",
    "FanoutQueue",
    "FanoutSubscriber",
    "FilterPolicyScope",
    "FunctionSpec",
    "Monitoring",
    "MonitoringOptions",
    "OrchestratedPipeline",
    "PatternValidationError",
    "QueueOptions",
    "Retry",
    "S3Delivery",
    "S3Processor",
    "Step",
    "StreamEventName",
    "StreamToSns",
    "Subscriber",
    "Trigger",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
