"""The app of the canary tests (``tests/e2e/test_canary_local.py``): one ApiToLambda route in the
prod stage, so that every new version reaches traffic through a CodeDeploy canary (10% for 5
minutes) rolled back on the pattern's alarms.

The tests edit a copy of this app as a user would: the handler's answer (``handlers/api``), and
the ``# HOOK:`` lines uncommented to run a pre-traffic hook (``handlers/hook``) before each shift.
"""

from pathlib import Path  # noqa: F401 (the HOOK lines use it)

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_  # noqa: F401 (the HOOK lines use it)

from serverless_patterns import ApiToLambda, ApiType, Authorization, FunctionSpec
from serverless_patterns.core import DeploymentStrategy

app = cdk.App()
stack = cdk.Stack(app, app.node.try_get_context("canary:stack") or "Canary")
strategy = DeploymentStrategy.canary()
# HOOK: hook = lambda_.Function(
# HOOK:     stack,
# HOOK:     "PreTrafficHook",
# HOOK:     runtime=lambda_.Runtime.PYTHON_3_12,
# HOOK:     handler="hook.handler",
# HOOK:     code=lambda_.Code.from_asset(str(Path(__file__).resolve().parent / "handlers" / "hook")),
# HOOK: )
# HOOK: strategy = DeploymentStrategy.canary(pre_traffic_hook=hook)
ApiToLambda(
    stack,
    "Api",
    api_type=ApiType.REST,
    authorization=Authorization.none(),
    deployment=strategy,
    routes={"GET /version": FunctionSpec(code="handlers/api", handler="api.handler")},
)
app.synth()
