"""The app of the update-lifecycle tests (``tests/e2e/test_update_lifecycle.py``): one ApiToLambda
behind a REST API and one behind an HTTP API, every function with the same ``PythonLayer``.

The tests edit a copy of this file as a user would: a route commented out and back, a resource
the local cloud rejects added (``# BROKEN:`` lines uncommented). The stack's name is the
``lifecycle:stack`` context value (default: Lifecycle), so that each test deploys its own.
"""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_  # noqa: F401 (the BROKEN lines use it)

from serverless_patterns import ApiToLambda, ApiType, Authorization, FunctionSpec
from serverless_patterns.core import PythonLayer

app = cdk.App()
stack = cdk.Stack(app, app.node.try_get_context("lifecycle:stack") or "Lifecycle")
shared = PythonLayer(stack, "Shared", code="layers/shared")
apis = [
    ApiToLambda(
        stack,
        name,
        api_type=api_type,
        authorization=Authorization.none(),
        routes={
            "GET /hello": FunctionSpec(code="handlers/hello", handler="hello.handler"),
            "GET /health": FunctionSpec(code="handlers/health", handler="health.handler"),
        },
    )
    for name, api_type in (("Rest", ApiType.REST), ("Http", ApiType.HTTP))
]
for api in apis:
    api.add_layers(shared)
# BROKEN: missing = f"arn:aws:lambda:{stack.region}:{stack.account}:layer:missing:1"
# BROKEN: broken = lambda_.Function(
# BROKEN:     stack,
# BROKEN:     "Broken",
# BROKEN:     runtime=lambda_.Runtime.PYTHON_3_12,
# BROKEN:     handler="index.handler",
# BROKEN:     code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
# BROKEN:     layers=[lambda_.LayerVersion.from_layer_version_arn(stack, "Missing", missing)],
# BROKEN: )
# BROKEN: broken.node.add_dependency(*apis)  # created last: after the new versions and aliases
app.synth()
