"""S3Processor: snapshots, documented defaults, validation, rule packs and cfn-lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
    QueueOptions,
)
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.support import Synthesized, pattern_tests, rollback_metrics

HANDLER = str(Path(__file__).parent.parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=kwargs.pop("handler", "app.handler"), **kwargs)


def build_default(stack: cdk.Stack) -> None:
    S3Processor(stack, "Images", function=spec(), prefix="uploads/", suffix=".jpg")


def build_maximal(stack: cdk.Stack) -> None:
    """Queue delivery with every option of a created bucket."""
    S3Processor(
        stack,
        "Documents",
        function=spec(memory_size=1024, timeout=cdk.Duration.seconds(60)),
        event_types=[s3.EventType.OBJECT_CREATED_PUT, s3.EventType.OBJECT_REMOVED],
        filters=[
            s3.NotificationKeyFilter(prefix="invoices/", suffix=".pdf"),
            s3.NotificationKeyFilter(prefix="receipts/"),
        ],
        batch_size=100,
        max_batching_window=cdk.Duration.seconds(20),
        queue=QueueOptions(max_receive_count=5, retention_period=cdk.Duration.days(7)),
        output_prefix="processed/",
        versioned=True,
        noncurrent_version_expiration=cdk.Duration.days(7),
        access_logs=True,
        access_log_retention=cdk.Duration.days(365),
        removal_policy=cdk.RemovalPolicy.DESTROY,
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(message_age_seconds=900, errors=3)),
    )


def build_direct(stack: cdk.Stack) -> None:
    """Direct delivery on buckets the user owns, one KMS-encrypted output bucket."""
    key = kms.Key(stack, "OutputKey", enable_key_rotation=True)
    source = s3.Bucket.from_bucket_name(stack, "Source", "my-source-bucket")
    output = s3.Bucket.from_bucket_attributes(
        stack, "Output", bucket_name="my-output-bucket", encryption_key=key
    )
    S3Processor(
        stack,
        "Direct",
        function=spec(),
        bucket=source,
        suffix=".csv",
        delivery=S3Delivery.DIRECT,
        retry_attempts=1,
        output_bucket=output,
        output_prefix="out/",
        deployment=DeploymentStrategy.none(),
    )


def build_plain_bucket(stack: cdk.Stack) -> None:
    """A created bucket without versioning or access logs, for deletions, deployed all at once."""
    S3Processor(
        stack,
        "Deletions",
        function=spec(),
        event_types=[s3.EventType.OBJECT_REMOVED],
        versioned=False,
        access_logs=False,
        deployment=DeploymentStrategy.all_at_once(),
    )


# ---------------------------------------------------------------- configurations and gates
globals().update(
    pattern_tests(
        configs={
            "default": build_default,
            "maximal": build_maximal,
            "direct": build_direct,
            "plain_bucket": build_plain_bucket,
        },
        snapshots=("default", "maximal", "direct"),
    )
)


# ---------------------------------------------------------------- documented defaults
def buckets(s: Synthesized) -> tuple[dict[str, Any], dict[str, Any]]:
    """(processed bucket, access log bucket) properties with their resource entries."""
    found = s.resources("AWS::S3::Bucket")
    logs = next(b for b in found.values() if "LoggingConfiguration" not in b["Properties"])
    data = next(b for b in found.values() if "LoggingConfiguration" in b["Properties"])
    return data, logs


def test_bucket_defaults(default: Synthesized) -> None:
    data, logs = buckets(default)
    for bucket in (data, logs):
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ] == {"SSEAlgorithm": "AES256"}
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert "AccessControl" not in props  # log delivery by bucket policy, not ACL
        assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
    props = data["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "access-logs/"
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }
    (log_rule,) = logs["Properties"]["LifecycleConfiguration"]["Rules"]
    assert log_rule["ExpirationInDays"] == 90
    # The access-log bucket is versioned too (Checkov CKV_AWS_21), its noncurrent logs expiring
    # as the data bucket's noncurrent versions do.
    assert logs["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert log_rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    policies = [json.dumps(p["Properties"]) for p in default.resources("AWS::S3::BucketPolicy").values()]
    assert len(policies) == 2 and all("aws:SecureTransport" in p for p in policies)
    assert any("logging.s3.amazonaws.com" in p for p in policies)


def test_events_buffer_in_a_queue_with_a_dlq(default: Synthesized) -> None:
    (notifications,) = default.resources("Custom::S3BucketNotifications").values()
    (config,) = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert sorted(r["Value"] for r in config["Filter"]["Key"]["FilterRules"]) == [".jpg", "uploads/"]
    queues = default.resources("AWS::SQS::Queue")
    assert len(queues) == 2
    main = next(q for q in queues.values() if "RedrivePolicy" in q["Properties"])
    assert main["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3
    assert main["Properties"]["VisibilityTimeout"] == 60  # six times the function's 10 s
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    (mapping,) = default.resources("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["BatchSize"] == 10
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert ":live" in json.dumps(props["FunctionName"])


def test_function_reads_only_the_filtered_prefix(default: Synthesized) -> None:
    (fn,) = [  # the pattern's function, not CDK's BucketNotificationsHandler
        f for f in default.resources("AWS::Lambda::Function").values() if "TracingConfig" in f["Properties"]
    ]
    assert fn["Properties"]["Environment"]["Variables"]["BUCKET_NAME"] == {"Ref": bucket_id(default)}
    statements = function_statements(default)
    s3_statements = [s for s in statements if str(s["Action"]).startswith("s3:")]
    assert s3_statements == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id(default), "Arn"]}, "/uploads/*"]]},
        }
    ]
    assert not any("s3:PutObject" in str(s["Action"]) for s in statements)


def bucket_id(s: Synthesized) -> str:
    return next(
        k for k, v in s.resources("AWS::S3::Bucket").items() if "LoggingConfiguration" in v["Properties"]
    )


def function_statements(s: Synthesized) -> list[dict[str, Any]]:
    """The statements of every policy on the function's role: its DefaultPolicy and the pattern's
    ObjectAccessPolicy (object and data-key grants, in a policy of their own)."""
    return [
        statement
        for k, p in s.resources("AWS::IAM::Policy").items()
        if "FunctionServiceRoleDefaultPolicy" in k or "FunctionServiceRoleObjectAccessPolicy" in k
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def metric_name(alarm: dict[str, Any]) -> str:
    return alarm["Properties"]["Metrics"][0]["MetricStat"]["Metric"]["MetricName"]  # type: ignore[no-any-return]


def test_alarms_and_rollback(default: Synthesized) -> None:
    alarms = default.resources("AWS::CloudWatch::Alarm")
    described = sorted(a["Properties"]["AlarmDescription"] for a in alarms.values())
    assert len(alarms) == 4, described
    metrics = {metric_name(a): a["Properties"]["Threshold"] for a in alarms.values()}
    assert metrics == {
        "Errors": 1,
        "Throttles": 1,
        "ApproximateNumberOfMessagesVisible": 1,
        "ApproximateAgeOfOldestMessage": 300,
    }
    (group,) = default.resources("AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    # errors and throttles roll a deployment back; the DLQ depth and message age only notify
    assert rollback_metrics(default) == {"Errors", "Throttles"}
    assert default.count("AWS::CloudWatch::Dashboard") == 1


def test_maximal_options_are_applied(maximal: Synthesized) -> None:
    (notifications,) = maximal.resources("Custom::S3BucketNotifications").values()
    configs = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert len(configs) == 4  # two filters x two event types
    assert {e for c in configs for e in c["Events"]} == {"s3:ObjectCreated:Put", "s3:ObjectRemoved:*"}
    (mapping,) = maximal.resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["BatchSize"] == 100
    assert mapping["Properties"]["MaximumBatchingWindowInSeconds"] == 20
    main = next(
        q for q in maximal.resources("AWS::SQS::Queue").values() if "RedrivePolicy" in q["Properties"]
    )
    assert main["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
    assert main["Properties"]["MessageRetentionPeriod"] == 7 * 86400
    assert main["Properties"]["VisibilityTimeout"] == 6 * 60 + 20
    statements = function_statements(maximal)
    reads = next(s for s in statements if s["Action"] == "s3:GetObject")
    assert [r["Fn::Join"][1][1] for r in reads["Resource"]] == ["/invoices/*", "/receipts/*"]
    writes = next(s for s in statements if s["Action"] == "s3:PutObject")
    assert writes["Resource"]["Fn::Join"][1][1] == "/processed/*"
    data, logs = buckets(maximal)
    assert data["DeletionPolicy"] == "Delete"
    assert logs["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 365
    assert logs["Properties"]["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 7
    }
    assert maximal.count("AWS::CodeDeploy::DeploymentConfig") == 1
    thresholds = {a["Properties"]["Threshold"] for a in maximal.resources("AWS::CloudWatch::Alarm").values()}
    assert {900, 3} <= thresholds


def test_direct_delivery_with_on_failure_queue(direct: Synthesized) -> None:
    assert direct.count("AWS::S3::Bucket") == 0  # the user's buckets
    (notifications,) = direct.resources("Custom::S3BucketNotifications").values()
    props = notifications["Properties"]
    assert props["BucketName"] == "my-source-bucket"
    assert props["Managed"] is False  # keeps the bucket's other notifications
    (config,) = props["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert ":live" in json.dumps(config["LambdaFunctionArn"]) or "Alias" in json.dumps(config)
    (queue_id, queue) = next(iter(direct.resources("AWS::SQS::Queue").items()))
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    configs = direct.resources("AWS::Lambda::EventInvokeConfig").values()
    # the config S3's invocations of the live alias use, besides the one on $LATEST
    alias_config = next(c for c in configs if c["Properties"]["Qualifier"] != "$LATEST")
    assert "LiveAlias" in json.dumps(alias_config["Properties"]["Qualifier"])
    assert alias_config["Properties"]["MaximumRetryAttempts"] == 1
    assert alias_config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [queue_id, "Arn"]
    }
    (permission,) = direct.resources("AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "s3.amazonaws.com"
    assert direct.count("AWS::Lambda::EventSourceMapping") == 0
    assert direct.count("AWS::CodeDeploy::DeploymentGroup") == 0
    statements = function_statements(direct)
    assert any(
        s["Action"] == "s3:PutObject" and "my-output-bucket/out/*" in json.dumps(s) for s in statements
    )
    assert any("kms:GenerateDataKey*" in s["Action"] for s in statements if isinstance(s["Action"], list))
    metrics = {metric_name(a) for a in direct.resources("AWS::CloudWatch::Alarm").values()}
    assert metrics == {"Errors", "Throttles", "ApproximateNumberOfMessagesVisible"}


def test_plain_bucket_options(plain_bucket: Synthesized) -> None:
    (bucket,) = plain_bucket.resources("AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert "VersioningConfiguration" not in props and "LoggingConfiguration" not in props
    assert [r["Id"] for r in props["LifecycleConfiguration"]["Rules"]] == ["AbortIncompleteMultipartUploads"]
    (notifications,) = plain_bucket.resources("Custom::S3BucketNotifications").values()
    (config,) = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Events"] == ["s3:ObjectRemoved:*"] and "Filter" not in config
    statements = function_statements(plain_bucket)
    reads = next(s for s in statements if s["Action"] == "s3:GetObject")
    assert reads["Resource"]["Fn::Join"][1][1] == "/*"  # no prefix filter: every key
    (group,) = plain_bucket.resources("AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"


def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    processor = S3Processor(stack, "Images", function=spec())
    assert isinstance(processor.bucket, s3.Bucket)
    assert processor.queue is not None and processor.dead_letter_queue is not None
    assert processor.alias.alias_name == "live"
    assert processor.function is not None
    assert len(processor.alarms) == 4
    assert processor.metric_approximate_age_of_oldest_message().metric_name == "ApproximateAgeOfOldestMessage"
    parked = processor.metric_dead_letter_queue_messages_visible(period=cdk.Duration.minutes(5))
    assert parked.metric_name == "ApproximateNumberOfMessagesVisible" and parked.period.to_minutes() == 5
    direct = S3Processor(stack, "Direct", function=spec(), delivery=S3Delivery.DIRECT)
    assert direct.queue is None
    assert len(direct.alarms) == 3


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    if props.pop("user_bucket", False):
        props["bucket"] = s3.Bucket.from_bucket_name(stack, "Mine", "mine")
    S3Processor(stack, "Images", **{"function": spec(), **props})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"function": spec(memory_size=64)}, r"function.memory_size must be 128..10240 MB, got 64"),
        ({"user_bucket": True, "versioned": False}, r"give your own bucket or the options .* versioned"),
        ({"user_bucket": True, "removal_policy": cdk.RemovalPolicy.DESTROY}, "removal_policy"),
        (
            {"versioned": False, "noncurrent_version_expiration": cdk.Duration.days(3)},
            "noncurrent_version_expiration has no effect with versioned=False",
        ),
        (
            {"access_logs": False, "access_log_retention": cdk.Duration.days(3)},
            "access_log_retention has no effect with access_logs=False",
        ),
        (
            {"noncurrent_version_expiration": cdk.Duration.hours(36)},
            "noncurrent_version_expiration must be a whole number of days, got 1.5",
        ),
        ({"event_types": []}, "event_types must name at least one"),
        ({"event_types": ["s3:ObjectCreated:*"]}, "event_types must be s3.EventType values"),
        (
            {"event_types": [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_CREATED_PUT]},
            "OBJECT_CREATED and OBJECT_CREATED_PUT overlap",
        ),
        ({"prefix": "a/", "filters": [s3.NotificationKeyFilter(prefix="b/")]}, "prefix/suffix or filters"),
        ({"filters": []}, "at least one filter"),
        (
            {
                "filters": [
                    s3.NotificationKeyFilter(prefix="img/"),
                    s3.NotificationKeyFilter(prefix="img/raw/"),
                ]
            },
            r"filters \(prefix 'img/', suffix ''\) and \(prefix 'img/raw/', suffix ''\) overlap",
        ),
        (
            {
                "filters": [
                    s3.NotificationKeyFilter(suffix=".jpg"),
                    s3.NotificationKeyFilter(suffix="small.jpg"),
                ]
            },
            "overlap",
        ),
        ({"delivery": "eventbridge"}, "delivery must be one of queue, direct"),
        ({"batch_size": 0}, r"batch_size must be 1..10000 messages, got 0"),
        ({"batch_size": 20_000}, r"batch_size must be 1..10000"),
        ({"batch_size": 100}, r"batch_size above 10 needs a max_batching_window of at least 1 second"),
        (
            {"batch_size": 100, "max_batching_window": cdk.Duration.millis(500)},
            "batch_size above 10 needs a max_batching_window",
        ),
        ({"max_batching_window": cdk.Duration.minutes(10)}, r"max_batching_window must be 0..300 seconds"),
        (
            {"max_batching_window": cdk.Duration.millis(1500)},
            r"max_batching_window must be a whole number of seconds",
        ),
        (
            {"delivery": S3Delivery.DIRECT, "batch_size": 5},
            "batch_size applies to queue delivery only",
        ),
        (
            {"delivery": S3Delivery.DIRECT, "max_batching_window": cdk.Duration.seconds(5)},
            "max_batching_window applies to queue delivery only",
        ),
        ({"delivery": S3Delivery.DIRECT, "retry_attempts": 3}, r"retry_attempts must be 0..2, got 3"),
        ({"retry_attempts": 1}, "retry_attempts applies to direct delivery only"),
        ({"output_prefix": ""}, "output_prefix must not be empty"),
        ({"prefix": "uploads/", "output_prefix": "uploads/thumbs/"}, "would trigger it again"),
        ({"output_prefix": "thumbs/"}, "would trigger it again"),  # no prefix filter: every key
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(dlq_depth=-1))},
            "thresholds.dlq_depth must be a number >= 0",
        ),
        ({"deployment": DeploymentStrategy.canary(0)}, r"deployment.percent must be 1..99, got 0"),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_overlapping_filters_on_the_same_bucket_are_rejected() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    bucket = s3.Bucket(stack, "Shared")
    S3Processor(stack, "Jpeg", function=spec(), bucket=bucket, prefix="images/", suffix=".jpg")
    S3Processor(stack, "Png", function=spec(), bucket=bucket, prefix="images/", suffix=".png")  # disjoint
    S3Processor(  # same keys, other events: fine
        stack,
        "Removed",
        function=spec(),
        bucket=bucket,
        prefix="images/",
        event_types=[s3.EventType.OBJECT_REMOVED],
    )
    with pytest.raises(PatternValidationError, match=r"overlaps filter .* of S/Jpeg on the same bucket"):
        S3Processor(stack, "All", function=spec(), bucket=bucket, prefix="images/")
    # the same bucket imported twice by name is still the same bucket
    first = s3.Bucket.from_bucket_name(stack, "ByName1", "shared-bucket")
    second = s3.Bucket.from_bucket_name(stack, "ByName2", "shared-bucket")
    S3Processor(stack, "One", function=spec(), bucket=first, suffix=".csv")
    with pytest.raises(PatternValidationError, match="S/One on the same bucket"):
        S3Processor(stack, "Two", function=spec(), bucket=second, suffix="data.csv")


def test_every_problem_in_one_error() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(function=spec(memory_size=1, handler="x"), batch_size=0, delivery="nope")
    assert len(raised.value.problems) == 4
    assert isinstance(raised.value, ValueError)


def test_tokens_are_not_validated() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    size = cdk.CfnParameter(stack, "Batch", type="Number").value_as_number
    S3Processor(
        stack, "Images", function=spec(), batch_size=size, max_batching_window=cdk.Duration.seconds(5)
    )
    resources = app.synth().get_stack_by_name("S").template["Resources"].values()
    (mapping,) = (r["Properties"] for r in resources if r["Type"] == "AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == {"Ref": "Batch"}  # passed through unchecked, not dropped
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
