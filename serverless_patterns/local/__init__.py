"""An embedded local cloud: deploy CDK apps to moto with the real CDK CLI and run their handlers.

``from serverless_patterns.local import LocalCloud``; see :class:`LocalCloud`.
"""

from .apigw import ApiResponse
from .cdk import CdkError
from .cloud import Deployment, LocalCloud, LocalCloudError
from .runtime import Invocation, LambdaContext

__all__ = [
    "ApiResponse",
    "CdkError",
    "Deployment",
    "Invocation",
    "LambdaContext",
    "LocalCloud",
    "LocalCloudError",
]
