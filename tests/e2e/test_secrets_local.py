"""FunctionSpec.secrets and .parameters on the local cloud: a handler reads its secret and its
parameter with Powertools' parameters utility, with its role enforced: a secret it was not given
is refused, as IAM would refuse it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm

from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from serverless_patterns.patterns.queue_worker import QueueWorker
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

STACK = "LocalSecrets"

HANDLER = """
import os

from aws_lambda_powertools.utilities import parameters


def handler(event, context):
    read = {
        "secret": parameters.get_secret(os.environ["DB_SECRET"]),
        "flags": parameters.get_parameter(os.environ["FEATURE_FLAGS"]),
        "named": parameters.get_secret(os.environ["API_KEY"]),
    }
    try:
        parameters.get_secret(event["other"])
        read["other"] = "read"
    except parameters.exceptions.GetParameterError as error:
        read["other"] = str(error)
    return read
"""


def build(code: Path) -> object:
    def app(app: cdk.App) -> None:
        stack = cdk.Stack(app, STACK)
        db = secretsmanager.Secret(
            stack, "Db", secret_string_value=cdk.SecretValue.unsafe_plain_text("s3cr3t")
        )
        secretsmanager.CfnSecret(stack, "ApiKey", name="partner-api-key", secret_string="k3y")
        other = secretsmanager.CfnSecret(stack, "Other", name="not-given", secret_string="nope")
        flags = ssm.StringParameter(
            stack, "Flags", parameter_name="/app/flags", string_value='{"beta": true}'
        )
        worker = QueueWorker(
            stack,
            "Worker",
            function=FunctionSpec(
                code=str(code),
                handler="app.handler",
                secrets={
                    "DB_SECRET": db,
                    "API_KEY": secretsmanager.Secret.from_secret_name_v2(stack, "Named", "partner-api-key"),
                },
                parameters={"FEATURE_FLAGS": flags},
            ),
            deployment=DeploymentStrategy.none(),
        )
        worker.node.add_dependency(other)
        cdk.CfnOutput(stack, "FunctionName", value=worker.function.function_name)
        cdk.CfnOutput(stack, "OtherSecret", value=other.ref)

    return app


@pytest.fixture(scope="module")
def deployed(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    code = tmp_path_factory.mktemp("secrets-handler")
    (code / "app.py").write_text(HANDLER)
    assembly = synth(build(code), tmp_path_factory.mktemp("secrets") / "cdk.out")
    yield local_cloud.deploy(assembly).outputs[STACK]


def test_a_function_reads_its_secret_and_parameter_and_no_other(
    local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    result = local_cloud.invoke(f"{deployed['FunctionName']}:live", {"other": deployed["OtherSecret"]})
    assert result.error_type is None, result.payload
    read = result.json()
    assert read["secret"] == "s3cr3t"
    assert read["named"] == "k3y"  # known by name only: allowed on its name-?????? ARN
    assert json.loads(read["flags"]) == {"beta": True}
    assert "AccessDenied" in read["other"] and "secretsmanager:GetSecretValue" in read["other"], read
