"""An embedded local cloud: deploy CDK apps to moto with the real CDK CLI and run their handlers.

The smallest use::

    from serverless_patterns.local import LocalCloud

    with LocalCloud() as cloud:                       # moto on 127.0.0.1, in this process
        deployment = cloud.deploy("path/to/app")      # bootstrapped, then cdk deploy --method=direct
        sqs = cloud.client("sqs")                     # boto3 clients bound to the local cloud
        sqs.send_message(QueueUrl=deployment.outputs["MyStack"]["QueueUrl"], MessageBody="hi")
        cloud.wait_for(idle=True, timeout=10)         # the queue's function has run
        print(cloud.invocations[-1])                  # what ran, from what, how long, error
        print(cloud.invoke_api("GET", "/users/1", stack="UsersApi").json())

In tests, ``pytest_plugins = ["serverless_patterns.local.pytest_plugin"]`` gives a module-scoped
``local_cloud`` fixture. ``python -m serverless_patterns.local.demo [APP_DIR]`` deploys an app and
sends a sample event through every pattern it finds.

What runs: Python and Node.js handlers, each function in worker processes of its own (see
:mod:`.workers`), from the code and layers the deployment uploaded, with the function's environment,
its role's local credentials (every call checked against the role's policies, see :mod:`.iam`), a
Lambda context and its timeout (enforced: the worker is killed); SQS, DynamoDB stream, SNS, S3, EventBridge
and Step Functions deliver to them with Lambda's retry, partial batch and destination rules. What
does not is listed per resource in :attr:`Deployment.notes` (usage plans, custom domains...). Metrics
are recorded (:mod:`.metrics`), alarms evaluated (:mod:`.alarms`) and CodeDeploy deployments run
(:mod:`.services.codedeploy`), ``LocalCloud(clock=N)`` N times faster.
"""

from .._toolchain import missing_extra

try:
    from .apigw import ApiResponse
    from .cdk import CdkError
    from .cloud import Deployment, LocalCloud, LocalCloudError
    from .runtime import Invocation, LambdaContext
except ModuleNotFoundError as _error:
    # moto, boto3...: one line that names the extra, not a traceback through our imports.
    _message = missing_extra(_error)
    if _message is None:
        raise
    raise ModuleNotFoundError(_message, name=_error.name) from None

__all__ = [
    "ApiResponse",
    "CdkError",
    "Deployment",
    "Invocation",
    "LambdaContext",
    "LocalCloud",
    "LocalCloudError",
]
