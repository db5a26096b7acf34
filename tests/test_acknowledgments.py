"""Every acknowledgment is true for the configuration it describes: each test reads a reason and
checks its claims against the synthesized template."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, Authorization
from tests.support import Synthesized, synth, write_handler

# AWSCodeDeployRoleForLambdaLimited v1, as AWS publishes it (AWS managed policy reference).
CODEDEPLOY_LIMITED_ACTIONS = {
    "cloudwatch:DescribeAlarms",
    "lambda:UpdateAlias",
    "lambda:GetAlias",
    "lambda:GetProvisionedConcurrencyConfig",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "lambda:InvokeFunction",
}


def reason(s: Synthesized, rule: str, path_end: str) -> str:
    (found,) = {
        a["reason"]
        for a in s.acknowledged()
        if a["ruleName"] == rule
        and any(c["constructPath"].endswith(path_end) for c in a["violatingConstructs"])
    }
    return found


def one(s: Synthesized, type_: str) -> dict[str, Any]:
    (resource,) = s.resources(type_).values()
    return resource["Properties"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def handler(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_handler(tmp_path_factory.mktemp("h"))


def rest_api(handler: str, authorization: Authorization, **props: Any) -> Synthesized:
    return synth(
        lambda stack: ApiToLambda(
            stack,
            "Api",
            function=FunctionSpec(code=handler, handler="app.handler"),
            authorization=authorization,
            **props,
        )
    )


@pytest.mark.parametrize(
    ("authorization", "method_type", "claim"),
    [
        (Authorization.iam(), "AWS_IAM", "every method requires an IAM (SigV4) signature"),
        (Authorization.none(), "NONE", "the methods take unauthenticated requests"),
    ],
    ids=["iam", "none"],
)
def test_the_waf_reason_states_the_authorization_and_throttle_of_the_stage(
    handler: str, authorization: Authorization, method_type: str, claim: str
) -> None:
    s = rest_api(handler, authorization, throttling_rate_limit=40, throttling_burst_limit=80)
    text = reason(s, "AwsSolutions-APIG3", "/DeploymentStage.prod/Resource")
    assert claim in text
    methods = [
        m
        for m in s.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS"
    ]
    assert methods and {m["Properties"]["AuthorizationType"] for m in methods} == {method_type}
    rate, burst = map(float, re.search(r"throttled to (\S+) requests/s \(burst (\d+)\)", text).groups())  # type: ignore[union-attr]
    (settings,) = one(s, "AWS::ApiGateway::Stage")["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (rate, burst) == (40, 80)


def test_the_codedeploy_reason_says_what_the_managed_policy_allows(handler: str) -> None:
    s = rest_api(handler, Authorization.iam())
    text = reason(
        s,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]",
        "ServerlessPatternsDeployments/ServiceRole/Resource",
    )
    assert set(re.findall(r"\b[a-z0-9]+:[A-Z][A-Za-z]+\b", text)) == CODEDEPLOY_LIMITED_ACTIONS
    assert "not scoped to this stack" in text
    roles = [
        r["Properties"]
        for r in s.resources("AWS::IAM::Role").values()
        if "codedeploy" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    (role,) = roles
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "codedeploy.amazonaws.com"}  # "only CodeDeploy can assume"


def test_the_alarm_topic_lets_only_this_accounts_alarms_publish(handler: str) -> None:
    s = rest_api(handler, Authorization.iam())
    (policy,) = (
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in s.resources("AWS::SNS::TopicPolicy").items()
        if "AlarmTopic" in k
    )
    deny, allow = policy
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    assert source_arn[2] == ":cloudwatch:" and source_arn[-1] == ":alarm:*"


def test_a_users_alarm_topic_is_left_as_given(handler: str) -> None:
    from aws_cdk import aws_sns as sns

    from serverless_patterns import Monitoring

    def build(stack: cdk.Stack) -> None:
        topic = sns.Topic.from_topic_arn(stack, "Mine", "arn:aws:sns:us-east-1:123456789012:oncall")
        Monitoring(stack, alarm_topic=topic)
        ApiToLambda(stack, "Api", function=FunctionSpec(code=handler, handler="app.handler"))

    s = synth(build)
    assert s.resources("AWS::SNS::TopicPolicy") == {}


def test_reasons_never_name_a_path_of_this_machine(handler: str) -> None:
    s = rest_api(handler, Authorization.iam())
    assert all(str(Path(handler).parent) not in a["reason"] for a in s.acknowledged())


# ------------------------------------------------------------------ S3Processor's object grants
def _s3_processor(handler: str, later: Callable[[Any, cdk.Stack], None] | None) -> Synthesized:
    """An S3Processor on a KMS-encrypted bucket, reading ``in/`` and writing ``out/`` of a second
    KMS-encrypted bucket; ``later(processor, stack)`` then grants the function something more."""
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    from serverless_patterns.patterns.s3_processor import S3Processor

    def build(stack: cdk.Stack) -> None:
        def encrypted(id: str) -> s3.Bucket:
            return s3.Bucket(
                stack,
                id,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=kms.Key(stack, f"{id}Key", enable_key_rotation=True),
                enforce_ssl=True,
                server_access_logs_bucket=logs,
            )

        logs = s3.Bucket(stack, "Logs", enforce_ssl=True)
        cdk.Validations.of(logs).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1", reason="test")
        )
        processor = S3Processor(
            stack,
            "Images",
            function=FunctionSpec(code=handler, handler="app.handler"),
            bucket=encrypted("In"),
            prefix="in/",
            output_bucket=encrypted("Out"),
            output_prefix="out/",
        )
        if later is not None:
            later(processor, stack)

    return synth(build, gate=False)


def _other_key_encrypt(processor: Any, stack: cdk.Stack) -> None:
    from aws_cdk import aws_kms as kms

    kms.Key(stack, "Other", enable_key_rotation=True).grant_encrypt(processor.function)


def _other_prefix_read(processor: Any, stack: cdk.Stack) -> None:
    processor.bucket.grant_read(processor.function, "private/*")


@pytest.mark.parametrize(
    ("later", "finding"),
    [
        (_other_key_encrypt, r"AwsSolutions-IAM5\[Action::kms:GenerateDataKey\*\] on .*/DefaultPolicy/"),
        (_other_prefix_read, r"AwsSolutions-IAM5\[Resource::<In\w+\.Arn>/private/\*\] on .*/DefaultPolicy/"),
    ],
    ids=["other-key-encrypt", "other-prefix-read"],
)
def test_the_s3_processor_acknowledgments_do_not_cover_a_later_grant(
    handler: str, later: Callable[[Any, cdk.Stack], None], finding: str
) -> None:
    """The pattern's own object and data-key grants are acknowledged; the same findings on a grant
    the user adds to the function's role afterwards are reported."""
    alone = _s3_processor(handler, None)
    assert not [f for f in alone.unacknowledged() if "IAM5" in f]
    acknowledged = {a["ruleName"] for a in alone.acknowledged()}
    assert "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]" in acknowledged
    granted = _s3_processor(handler, later)
    reported = [f for f in granted.unacknowledged() if re.match(finding, f)]
    assert reported, granted.unacknowledged()
