"""The README's "Your handler's dependencies and shared code" example: an app laid out as yours
would be, with a handler that has dependencies and code shared through a layer.

Synthesize from this directory: ``cdk synth --app "python app.py"`` (no Docker needed).
"""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import ApiToLambda, FunctionSpec
from serverless_patterns.core import PythonLayer

app = cdk.App()
stack = cdk.Stack(app, "Orders")
runtime, architecture = lambda_.Runtime.PYTHON_3_13, lambda_.Architecture.ARM_64
shared = PythonLayer(stack, "Shared", code="shared", runtime=runtime, architecture=architecture)
orders = ApiToLambda(
    stack,
    "OrdersApi",
    routes={
        # functions/orders/requirements.txt (pydantic) is bundled beside app.py: aarch64 wheels
        # for CPython 3.13, resolved by uv, cached; no Docker.
        "POST /orders": FunctionSpec(
            code="functions/orders", handler="app.handler", runtime=runtime, architecture=architecture
        ),
    },
)
orders.add_layers(shared)  # every function of the pattern gets the shared code
app.synth()
