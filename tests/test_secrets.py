"""FunctionSpec.secrets and .parameters: the environment names them, never their values; the role
reads exactly those; validation; the one acknowledgment (a secret known by name only) is exact."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm

from serverless_patterns import PatternValidationError
from serverless_patterns.patterns.queue_worker import QueueWorker
from tests.pattern_cases import spec
from tests.support import Synthesized, cfn_lint, synth


def _build(stack: cdk.Stack, **function: Any) -> QueueWorker:
    return QueueWorker(stack, "Worker", function=spec(**function))


def _reads(stack: cdk.Stack) -> QueueWorker:
    key = kms.Key(stack, "SecretKey", enable_key_rotation=True)
    db = secretsmanager.Secret(stack, "Db", encryption_key=key)
    # The test's own secret: rotating it is its owner's concern, not the function's.
    cdk.Validations.of(db).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions::AwsSolutions-SMG4", reason="a secret made for this test only, never deployed"
        )
    )
    api = secretsmanager.Secret.from_secret_name_v2(stack, "ApiKey", "partner-api-key")
    flags = ssm.StringParameter(stack, "Flags", string_value="{}")
    region = ssm.StringParameter.from_string_parameter_name(stack, "Region", "/app/region")
    return _build(
        stack,
        environment={"STAGE": "prod"},
        secrets={"DB_SECRET": db, "API_KEY": api},
        parameters={"FEATURE_FLAGS": flags, "APP_REGION": region},
    )


@pytest.fixture(scope="module")
def reads() -> Synthesized:
    return synth(_reads, gate=False)


def _function(s: Synthesized) -> dict[str, Any]:
    (props,) = [r["Properties"] for r in s.resources("AWS::Lambda::Function").values()]
    return props


def _reads_policy(s: Synthesized) -> tuple[str, list[dict[str, Any]]]:
    found = [(k, r) for k, r in s.resources("AWS::IAM::Policy").items() if "ReadsPolicy" in k]
    assert len(found) == 1, list(s.resources("AWS::IAM::Policy"))
    logical, policy = found[0]
    return logical, policy["Properties"]["PolicyDocument"]["Statement"]


def _logical(s: Synthesized, type_: str, contains: str) -> str:
    (logical,) = [k for k in s.resources(type_) if contains in k]
    return logical


def test_the_environment_names_each_secret_and_parameter_never_its_value(reads: Synthesized) -> None:
    variables = _function(reads)["Environment"]["Variables"]
    assert variables["DB_SECRET"] == {"Ref": _logical(reads, "AWS::SecretsManager::Secret", "Db")}
    assert variables["API_KEY"] == "partner-api-key"  # known by name only: its name, not a partial ARN
    assert variables["FEATURE_FLAGS"] == {"Ref": _logical(reads, "AWS::SSM::Parameter", "Flags")}
    assert variables["APP_REGION"] == "/app/region"
    assert variables["STAGE"] == "prod"
    assert "SecretString" not in json.dumps(variables)


def test_the_role_reads_exactly_those_secrets_parameters_and_key(reads: Synthesized) -> None:
    db = _logical(reads, "AWS::SecretsManager::Secret", "Db")
    key = _logical(reads, "AWS::KMS::Key", "SecretKey")
    flags = _logical(reads, "AWS::SSM::Parameter", "Flags")
    _, statements = _reads_policy(reads)
    partition_region_account = [
        "arn:",
        {"Ref": "AWS::Partition"},
        ":secretsmanager:us-east-1:123456789012:secret:partner-api-key-??????",
    ]
    assert statements == [
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": db}},
        {
            "Action": "kms:Decrypt",
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [key, "Arn"]},
        },
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", partition_region_account]},
        },
        {
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Effect": "Allow",
            "Resource": [
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":ssm:us-east-1:123456789012:parameter/",
                            {"Ref": flags},
                        ],
                    ]
                },
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":ssm:us-east-1:123456789012:parameter/app/region",
                        ],
                    ]
                },
            ],
        },
    ]
    # Nothing else of the role names them: no DescribeSecret, no managed policy.
    others = json.dumps(
        {k: v for k, v in reads.resources("AWS::IAM::Policy").items() if "ReadsPolicy" not in k}
    )
    assert "secretsmanager" not in others and "ssm:" not in others


def test_gates_pass_with_nothing_acknowledged_for_the_reads(reads: Synthesized) -> None:
    """A partial ARN's ``-??????`` is no wildcard the rule packs flag: the reads need no acknowledgment."""
    assert reads.unacknowledged() == []
    assert cfn_lint(reads.template_path) == []
    assert [a for a in reads.acknowledged() if "ReadsPolicy" in json.dumps(a)] == []


def test_without_secrets_or_parameters_there_is_no_reads_policy() -> None:
    s = synth(lambda stack: _build(stack), gate=False)
    assert [k for k in s.resources("AWS::IAM::Policy") if "ReadsPolicy" in k] == []


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ({"secrets": {"1BAD": "x"}}, r"function\.secrets: '1BAD' is not a valid variable name"),
        (
            {"secrets": {"DB": "arn:aws:secretsmanager:..."}},
            r"function\.secrets\['DB'\] must be a secretsmanager\.ISecret, got str",
        ),
        (
            {"parameters": ["FLAGS"]},
            r"function\.parameters must be a mapping of variable names to an ssm\.IParameters, got list",
        ),
        (
            {"secrets": {"AWS_REGION": None}},
            r"function\.secrets may not set the reserved variable 'AWS_REGION'",
        ),
    ],
)
def test_wrong_secrets_and_parameters_are_refused(function: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        _build(cdk.Stack(cdk.App(), "S"), **function)


def test_a_variable_set_twice_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "S", "db")
    flags = ssm.StringParameter.from_string_parameter_name(stack, "P", "/flags")
    with pytest.raises(PatternValidationError) as raised:
        _build(
            stack,
            environment={"DB": "x"},
            secrets={"DB": secret, "FLAGS": secret},
            parameters={"FLAGS": flags},
        )
    text = str(raised.value)
    assert "function.secrets['DB']: DB is already set by function.environment" in text
    assert "function.parameters['FLAGS']: FLAGS is already set by function.secrets" in text
