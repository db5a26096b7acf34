"""moto's own CloudFormation models that local models extend (``local/resources.py``): a state
machine, an API Gateway method, a custom resource."""

from __future__ import annotations

from moto.apigateway.models import Method
from moto.cloudformation.custom_model import CustomModel
from moto.stepfunctions.models import StateMachine

__all__ = ["CustomModel", "Method", "StateMachine"]
