"""serverless-patterns: production-grade AWS serverless patterns for the AWS CDK.

The public names are imported on first use (PEP 562), so ``import serverless_patterns.local`` or
the catalog CLI's ``cost`` and ``diagram`` do not start jsii and Node for aws-cdk-lib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _registry, _toolchain
from .errors import PatternValidationError as PatternValidationError

# jsii reads JSII_NODE once, when the first `import aws_cdk` starts its kernel; this runs before the
# patterns below import aws_cdk, so an app that imports serverless_patterns first (as the apps of
# `serverless-patterns new` do) runs on the Node.js 24 that pip installed, whatever `node` is on PATH.
# A JSII_NODE already set is kept. NODE_OPTIONS gets the file that keeps the kernel's template
# validation in V8's baseline compiler (serverless_patterns/_jsii_kernel_flags.js says why).
_toolchain.export_jsii_node()
_toolchain.export_jsii_flags()

if TYPE_CHECKING:
    # For type checkers, which cannot follow the lazy imports below; "X as X" marks a re-export.
    # tests/test_registry.py checks that they name only registered names; a new pattern's names
    # need no line here (they are importable lazily), though one may be added for type checkers.
    from .core import AlarmThresholds as AlarmThresholds
    from .core import Batching as Batching
    from .core import DeploymentStrategy as DeploymentStrategy
    from .core import Domain as Domain
    from .core import FunctionSpec as FunctionSpec
    from .core import Latency as Latency
    from .core import Monitoring as Monitoring
    from .core import MonitoringOptions as MonitoringOptions
    from .core import QueueOptions as QueueOptions
    from .core import Slo as Slo
    from .core import Stage as Stage
    from .patterns.api_to_lambda import ApiToLambda as ApiToLambda
    from .patterns.api_to_lambda import ApiType as ApiType
    from .patterns.api_to_lambda import Authorization as Authorization
    from .patterns.api_to_lambda import Cors as Cors
    from .patterns.fanout_queue import FanoutQueue as FanoutQueue
    from .patterns.fanout_queue import FanoutSubscriber as FanoutSubscriber
    from .patterns.fanout_queue import FilterPolicyScope as FilterPolicyScope
    from .patterns.fanout_queue import Subscriber as Subscriber
    from .patterns.orchestrated_pipeline import Choice as Choice
    from .patterns.orchestrated_pipeline import Map as Map
    from .patterns.orchestrated_pipeline import OrchestratedPipeline as OrchestratedPipeline
    from .patterns.orchestrated_pipeline import Parallel as Parallel
    from .patterns.orchestrated_pipeline import Retry as Retry
    from .patterns.orchestrated_pipeline import Step as Step
    from .patterns.orchestrated_pipeline import Trigger as Trigger
    from .patterns.orchestrated_pipeline import Wait as Wait
    from .patterns.orchestrated_pipeline import When as When
    from .patterns.queue_worker import QueueWorker as QueueWorker
    from .patterns.s3_processor import S3Delivery as S3Delivery
    from .patterns.s3_processor import S3Processor as S3Processor
    from .patterns.stream_to_sns import StreamEventName as StreamEventName
    from .patterns.stream_to_sns import StreamToSns as StreamToSns

# The public names and their modules come from the registry (_registry.py), the one list of them.
_MODULES: dict[str, tuple[str, ...]] = _registry.public_names()
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted([*_WHERE, "PatternValidationError"])


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
