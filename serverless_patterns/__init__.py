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
from .patterns.fanout_queue import FanoutQueue, FanoutSubscriber, FilterPolicyScope, Subscriber
from .patterns.orchestrated_pipeline import OrchestratedPipeline, Retry, Step, Trigger
from .patterns.s3_processor import S3Delivery, S3Processor
from .patterns.stream_to_sns import StreamEventName, StreamToSns

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
