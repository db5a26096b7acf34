"""Every acknowledgment is true for the configuration it describes: each test reads a reason and
checks its claims against the synthesized template."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, Authorization
from tests.pattern_cases import all_cases
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


# ------------------------------------------------------------------ every reason, checked against its config
# Each configuration (from the patterns' cases.py) is synthesized once; every acknowledgment in it
# must have a reason one of CLAIMS recognises, and that claim must hold in the template for each
# construct it covers. A new reason the library writes fails test_every_acknowledgment_reason_is_known
# until it gets a claim (a pattern's own go in its cases.py).
def _configs(handler: str) -> dict[str, Callable[[cdk.Stack], object]]:
    """The ``acknowledgments`` configurations of every registered pattern's cases.py."""
    fn = FunctionSpec(code=handler, handler="app.handler")
    configs: dict[str, Callable[[cdk.Stack], object]] = {}
    for pattern, cases in all_cases().items():
        for name, build in cases.acknowledgments.items():
            assert name not in configs, f"{pattern}: configuration {name!r} is another pattern's name"
            configs[name] = lambda stack, build=build: build(stack, fn)  # type: ignore[misc]
    return configs


def _resource_at(s: Synthesized, path: str) -> tuple[str, dict[str, Any]]:
    """The logical ID and resource of a construct path (``Test/...``), as aws-cdk-lib allocates it."""
    from serverless_patterns.core.logical_id import make_unique_id

    parts = path.split("/")[1:]
    for candidate in (parts, [*parts, "Resource"], parts[:-1] if parts[-1] == "Resource" else None):
        if candidate:
            id = make_unique_id(candidate)
            if id in s.template["Resources"]:
                return id, s.template["Resources"][id]
    raise KeyError(path)


def _refs(value: Any) -> set[str]:
    """Every logical ID ``value`` references (Ref or Fn::GetAtt), at any depth."""
    text = json.dumps(value)
    return set(re.findall(r'"Ref": "(\w+)"', text)) | set(re.findall(r'"Fn::GetAtt": \["(\w+)"', text))


def _method(s: Synthesized, id: str, r: dict[str, Any], types: set[str]) -> None:
    assert r["Type"] == "AWS::ApiGateway::Method" and r["Properties"]["AuthorizationType"] in types


def _api_key(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert r["Properties"]["ApiKeyRequired"] is True


def _preflight(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    props = r["Properties"]
    assert props["HttpMethod"] == "OPTIONS" and props["Integration"]["Type"] == "MOCK"


def _log_level(s: Synthesized, id: str, r: dict[str, Any], reason: str) -> None:
    level = re.search(r"set to (\w+)", reason).group(1)  # type: ignore[union-attr]
    assert r["Properties"]["LoggingConfiguration"]["Level"] == level != "ALL"


def _alarmed_depth(s: Synthesized, queue: str) -> bool:
    from tests.support import alarm_metric_names

    return any(
        "ApproximateNumberOfMessagesVisible" in alarm_metric_names(a) and queue in _refs(a["Properties"])
        for a in s.resources("AWS::CloudWatch::Alarm").values()
    )


def _parking_queue(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" not in r["Properties"]
    assert _alarmed_depth(s, id), f"no depth alarm on {id}"


def _queue_mapping(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    props = r["Properties"]
    assert "DestinationConfig" not in props
    (queue,) = _refs(props["EventSourceArn"])
    redrive = s.template["Resources"][queue]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] >= 1
    assert _alarmed_depth(s, next(iter(_refs(redrive["deadLetterTargetArn"]))))


def _invokers(s: Synthesized, function: str) -> dict[str, list[Any]]:
    def targets(r: dict[str, Any], key: str) -> bool:
        return function in _refs(r["Properties"].get(key))

    return {
        "mappings": [
            r for r in s.resources("AWS::Lambda::EventSourceMapping").values() if targets(r, "FunctionName")
        ],
        "configs": [
            r for r in s.resources("AWS::Lambda::EventInvokeConfig").values() if targets(r, "FunctionName")
        ],
        "permissions": [
            r for r in s.resources("AWS::Lambda::Permission").values() if targets(r, "FunctionName")
        ],
    }


def _sync_only(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    found = _invokers(s, id)
    aliases = [k for k, a in s.resources("AWS::Lambda::Alias").items() if id in _refs(a["Properties"])]
    for alias in aliases:
        for kind, items in _invokers(s, alias).items():
            found[kind] += items
    assert not found["mappings"] and not found["configs"]
    principals = {p["Properties"]["Principal"] for p in found["permissions"]}
    assert principals <= {"apigateway.amazonaws.com", "states.amazonaws.com"}, principals


def _event_source_only(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    aliases = [k for k, a in s.resources("AWS::Lambda::Alias").items() if id in _refs(a["Properties"])]
    found = [m for a in [id, *aliases] for m in _invokers(s, a)["mappings"]]
    assert found and not [c for a in [id, *aliases] for c in _invokers(s, a)["configs"]]


def _async_on_failure(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    aliases = [k for k, a in s.resources("AWS::Lambda::Alias").items() if id in _refs(a["Properties"])]
    configs = [c for a in [id, *aliases] for c in _invokers(s, a)["configs"]]
    assert configs
    for config in configs:
        (queue,) = _refs(config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        assert s.template["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def _wildcard_alone(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    (statement,) = r["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == "*" and statement["Effect"] == "Allow"


def _assumed_by(service: str) -> Callable[[Synthesized, str, dict[str, Any]], None]:
    def check(s: Synthesized, id: str, r: dict[str, Any]) -> None:
        (statement,) = r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": service}

    return check


def _no_waf(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert not s.resources("AWS::WAFv2::WebACLAssociation")


def _log_target(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert any(
        id in _refs(b["Properties"].get("LoggingConfiguration", {}).get("DestinationBucketName"))
        for b in s.resources("AWS::S3::Bucket").values()
    )


def _not_logged(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert "LoggingConfiguration" not in r["Properties"]


def _objects_under(s: Synthesized, id: str, r: dict[str, Any], reason: str) -> None:
    pattern = re.search(r"objects under '([^']*)' only", reason).group(1)  # type: ignore[union-attr]
    action = "s3:GetObject" if " read " in reason else "s3:PutObject"
    (statement,) = (x for x in r["Properties"]["PolicyDocument"]["Statement"] if x["Action"] == action)
    assert json.dumps(statement["Resource"]).endswith(f'"/{pattern}"]]}}') or pattern in json.dumps(statement)


def _own_keys(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    keys = set(s.resources("AWS::KMS::Key"))
    for statement in r["Properties"]["PolicyDocument"]["Statement"]:
        if any(
            a.startswith("kms:")
            for a in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        ):
            assert _refs(statement["Resource"]) <= keys and _refs(statement["Resource"])


def _notifications_handler(s: Synthesized, id: str, r: dict[str, Any]) -> None:
    assert r["Type"] == "AWS::IAM::Role" and "BucketNotificationsHandler" in id


CLAIMS: list[tuple[str, str, Callable[..., None]]] = [
    ("AwsSolutions-COG4", r"^Methods use IAM \(SigV4\)", lambda s, i, r: _method(s, i, r, {"AWS_IAM"})),
    ("AwsSolutions-COG4", r"^The method uses IAM \(SigV4\)", lambda s, i, r: _method(s, i, r, {"AWS_IAM"})),
    ("AwsSolutions-COG4", r"^Methods use a Lambda authorizer", lambda s, i, r: _method(s, i, r, {"CUSTOM"})),
    ("AwsSolutions-(COG4|APIG4)", r"^Methods require an API key", _api_key),
    (
        "AwsSolutions-(COG4|APIG4)",
        r"^Authorization was explicitly set to Authorization\.none",
        lambda s, i, r: _method(s, i, r, {"NONE"}),
    ),
    ("AwsSolutions-(COG4|APIG4)", r"^CORS preflight \(OPTIONS\)", _preflight),
    ("AwsSolutions-SF1", r"^log_level was explicitly set to", _log_level),
    (
        "Serverless-SQSRedrivePolicy",
        r"^This queue is itself .*; an alarm fires on its depth$",
        _parking_queue,
    ),
    ("AwsSolutions-SQS3", r"^This queue is itself ", _parking_queue),
    (
        "Serverless-LambdaEventSourceMappingDestination",
        r"^SQS event source mappings do not support",
        _queue_mapping,
    ),
    ("Serverless-LambdaDLQ", r"^Invoked synchronously only", _sync_only),
    ("Serverless-LambdaDLQ", r"^Invoked by an event source mapping only", _event_source_only),
    (
        "Serverless-LambdaDLQ",
        r"^Asynchronous failures go to an on-failure destination queue",
        _async_on_failure,
    ),
    ("AwsSolutions-IAM5[Resource::*]", r".", _wildcard_alone),
    (
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        r"^AmazonAPIGatewayPushToCloudWatchLogs is",
        _assumed_by("apigateway.amazonaws.com"),
    ),
    (
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]",
        r"^AWSCodeDeployRoleForLambdaLimited",
        _assumed_by("codedeploy.amazonaws.com"),
    ),
    (
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        r"^AWS CDK's BucketNotificationsHandler",
        _notifications_handler,
    ),
    ("AwsSolutions-APIG3", r"WAF", _no_waf),
    ("AwsSolutions-S1", r"^This bucket receives the server access logs of its sibling bucket", _log_target),
    (
        "AwsSolutions-S1",
        r"^Server access logging was turned off explicitly \(access_logs=False\)",
        _not_logged,
    ),
    ("AwsSolutions-IAM5[Resource::", r"^The function may (read|write) objects under", _objects_under),
    (
        "AwsSolutions-IAM5[Action::kms:",
        r"^KMS data-key actions on the output bucket's own key only",
        _own_keys,
    ),
]
# Every pattern's own claims (its cases.py) after the shared ones.
CLAIMS += [claim for cases in all_cases().values() for claim in cases.claims]
_WITH_REASON = {_log_level, _objects_under}


@pytest.fixture(scope="module")
def every_config(handler: str) -> dict[str, Synthesized]:
    return {name: synth(build) for name, build in _configs(handler).items()}


def test_every_acknowledgment_reason_is_known_and_true(every_config: dict[str, Synthesized]) -> None:
    checked: set[str] = set()
    for name, s in every_config.items():
        for ack in s.acknowledged():
            rule, reason = ack["ruleName"], ack["reason"]
            if not rule.startswith(("AwsSolutions-", "Serverless-")):
                continue  # aws-cdk-lib's own (a self-logging bucket's ACL), not the library's
            matching = [
                c
                for c in CLAIMS
                if re.match(re.escape(c[0]) if "[" in c[0] else c[0], rule) and re.search(c[1], reason)
            ]
            assert matching, f"{name}: no claim check for {rule}: {reason!r}"
            _, pattern, check = matching[0]
            for construct in ack["violatingConstructs"]:
                path = construct["constructPath"]
                id, resource = _resource_at(s, path)
                if check in _WITH_REASON:
                    check(s, id, resource, reason)
                else:
                    check(s, id, resource)
            checked.add(pattern)
    # Acknowledgments the rule packs raise no finding for in these configurations (so nothing is
    # suppressed to check): the access-log bucket's S1 and the CORS preflight's COG4/APIG4.
    not_flagged = {
        r"^This bucket receives the server access logs of its sibling bucket",
        r"^CORS preflight \(OPTIONS\)",
    }
    not_flagged |= {regex for cases in all_cases().values() for regex in cases.claims_not_flagged}
    assert {c[1] for c in CLAIMS} - checked == not_flagged
