"""One module per example stack; each defines ``build(app) -> Stack``."""

import os

import aws_cdk as cdk

# Every example uses the account and region the CLI passes, or a placeholder for synth-only runs.
ENV = cdk.Environment(
    account=os.environ.get("CDK_DEFAULT_ACCOUNT", "123456789012"),
    region=os.environ.get("CDK_DEFAULT_REGION", "us-east-1"),
)
