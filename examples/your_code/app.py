"""The documentation's "Dependencies and shared code" example (docs/your-code.md): an app laid
out as yours would be, with a handler that has dependencies and code shared through a layer.

Synthesize from this directory: ``cdk synth`` (cdk.json names the app; no Docker needed).
"""

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from serverless_patterns import ApiToLambda, FunctionSpec
from serverless_patterns.core import PythonLayer

app = cdk.App()
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
stack = cdk.Stack(app, "Orders")
# Built for the default runtime and architecture (Python 3.14, arm64), as the functions are.
shared = PythonLayer(stack, "Shared", code="shared")
orders = ApiToLambda(
    stack,
    "OrdersApi",
    routes={
        # functions/orders/requirements.txt (pydantic) is bundled beside app.py: aarch64 wheels
        # for CPython 3.14, resolved by uv, cached; no Docker.
        "POST /orders": FunctionSpec(code="functions/orders", handler="app.handler"),
    },
)
orders.add_layers(shared)  # every function of the pattern gets the shared code
app.synth()
