"""BucketSource (serverless_patterns/core/sources/bucket.py) on its own: its props' problems, its
conflicts with the sources already bound in the app, its sample event as Powertools reads it, and what
it binds with queue and direct delivery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_lambda_powertools.utilities.data_classes import S3Event
from constructs import Construct

from serverless_patterns import FunctionSpec, QueueOptions
from serverless_patterns.core import Pattern
from serverless_patterns.core.monitoring import AlarmKind, rolls_back
from serverless_patterns.core.sources import BucketSource, SourceTarget
from serverless_patterns.core.sources.bucket import DEFAULT_RETRY_ATTEMPTS, S3Delivery

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler", **kwargs)


# ---------------------------------------------------------------- problems
@pytest.mark.parametrize(
    ("source", "message"),
    [
        (BucketSource(bucket="b"), "in.bucket must be an s3.IBucket, got str"),  # type: ignore[arg-type]
        (BucketSource(output_bucket=5), "in.output_bucket must be an s3.IBucket, got int"),  # type: ignore[arg-type]
        (BucketSource(event_types=[]), "in.event_types must name at least one s3.EventType, got []"),
        (
            BucketSource(event_types=[s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_CREATED_PUT]),
            "in.event_types: OBJECT_CREATED and OBJECT_CREATED_PUT overlap; keep the broader one",
        ),
        (
            BucketSource(prefix="a/", filters=[s3.NotificationKeyFilter(prefix="b/")]),
            "give in.prefix/in.suffix or in.filters, not both",
        ),
        (
            BucketSource(suffix="*.jpg"),
            "in.suffix must be a literal key suffix: S3 filters have no wildcards",
        ),
        (
            BucketSource(
                filters=[s3.NotificationKeyFilter(prefix="a/"), s3.NotificationKeyFilter(prefix="a/b")]
            ),
            "in.filters (prefix 'a/', suffix '') and (prefix 'a/b', suffix '') overlap",
        ),
        (BucketSource(delivery="sqs"), "in.delivery must be one of queue, direct, got 'sqs'"),  # type: ignore[arg-type]
        (
            BucketSource(delivery=S3Delivery.DIRECT, batch_size=5),
            "in.batch_size applies to queue delivery only",
        ),
        (
            BucketSource(delivery=S3Delivery.DIRECT, queue=QueueOptions()),
            "in.queue applies to queue delivery only",
        ),
        (BucketSource(delivery=S3Delivery.DIRECT, retry_attempts=3), "in.retry_attempts must be 0..2, got 3"),
        (BucketSource(retry_attempts=1), "in.retry_attempts applies to direct delivery only"),
        (BucketSource(batch_size=11), "in.batch_size above 10 needs a max_batching_window"),
        (BucketSource(output_prefix=""), "in.output_prefix must not be empty when writing to the processed"),
        (BucketSource(output_prefix="out/*"), "in.output_prefix must be a literal key prefix"),
        (
            BucketSource(prefix="in/", output_prefix="in/thumbs/"),
            "in.output_prefix 'in/thumbs/' overlaps the filter (prefix 'in/', suffix '')",
        ),
    ],
)
def test_each_problem_names_the_prop(source: BucketSource, message: str) -> None:
    assert [p for p in source.problems("in") if p.startswith(message)] != []


def test_queue_options_are_checked_against_the_function() -> None:
    source = BucketSource(queue=QueueOptions(visibility_timeout=cdk.Duration.seconds(5)))
    assert source.problems("", function=spec(timeout=cdk.Duration.seconds(9))) == [
        "queue.visibility_timeout must be at least the function's timeout (9 s), got 5 s"
    ]


def test_valid_props_have_no_problems() -> None:
    assert BucketSource().problems("") == []
    assert BucketSource(prefix="in/", output_prefix="out/").problems("") == []  # outside the filter
    # removals never trigger on what the function writes
    removed = BucketSource(event_types=[s3.EventType.OBJECT_REMOVED], output_prefix="x/")
    assert removed.problems("") == []


def test_defaults_of_what_the_pattern_asks() -> None:
    source = BucketSource()
    assert source.batching.batch_size == 10 and source.batching.max_batching_window is None
    assert source.write_bucket is None
    stack = cdk.Stack(cdk.App(), "S")
    bucket = s3.Bucket(stack, "B")
    assert BucketSource(bucket=bucket, output_prefix="out/").write_bucket is bucket
    assert source.function_wiring(stack, "S/P") == {}
    wiring = BucketSource(delivery=S3Delivery.DIRECT).function_wiring(stack, "S/P")
    assert wiring["retry_attempts"] == DEFAULT_RETRY_ATTEMPTS == 2
    assert wiring["on_failure_queue"] is stack.node.find_child("FailureQueue")
    fewer = BucketSource(delivery=S3Delivery.DIRECT, retry_attempts=0)
    assert fewer.function_wiring(Construct(stack, "Other"), "S/Q")["retry_attempts"] == 0


# ---------------------------------------------------------------- sample event
def test_sample_event_is_a_notification_the_filters_match() -> None:
    source = BucketSource(
        event_types=[s3.EventType.OBJECT_REMOVED_DELETE],
        filters=[s3.NotificationKeyFilter(prefix="in/", suffix=".csv")],
    )
    event = S3Event(dict(source.sample_event()))
    assert event.bucket_name == "my-bucket"
    assert event.object_key == "in/report.csv"
    (record,) = list(event.records)
    assert record.event_name == "ObjectRemoved:Delete"
    assert record.event_source == "aws:s3"
    assert record.s3.get_object.size == 1024
    assert next(iter(S3Event(dict(BucketSource().sample_event())).records)).event_name == "ObjectCreated:Put"


# ---------------------------------------------------------------- bind
def bound(source: BucketSource, **given: Any) -> tuple[Pattern, Any, dict[str, Any]]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    bucket = s3.Bucket(stack, "Uploads")
    source = BucketSource(**{**vars(source), "bucket": bucket, **given})
    pf = pattern._single_function(spec(), source.invocation, **source.function_wiring(pattern, "S/P"))
    binding = pattern.attach(source, pattern, function=pf, title="S/P")
    return pattern, binding, app.synth().get_stack_by_name("S").template["Resources"]


def of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: r.get("Properties", {}) for k, r in template.items() if r["Type"] == type_}


def test_queue_delivery_notifies_the_queue_per_filter_and_type_and_drains_it_under_the_alias() -> None:
    source = BucketSource(
        event_types=[s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED],
        filters=[s3.NotificationKeyFilter(prefix="a/"), s3.NotificationKeyFilter(suffix=".png")],
    )
    pattern, binding, template = bound(source)
    (queue_id,) = [k for k, q in of_type(template, "AWS::SQS::Queue").items() if "RedrivePolicy" in q]
    (notifications,) = of_type(template, "Custom::S3BucketNotifications").values()
    configurations = notifications["NotificationConfiguration"]["QueueConfigurations"]
    assert [(c["Events"], c.get("Filter")) for c in configurations] == [
        (["s3:ObjectCreated:*"], {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}),
        (["s3:ObjectRemoved:*"], {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}),
        (["s3:ObjectCreated:*"], {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}}),
        (["s3:ObjectRemoved:*"], {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}}),
    ]
    assert all(c["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]} for c in configurations)
    (mapping_id,) = of_type(template, "AWS::Lambda::EventSourceMapping")
    assert "LiveAliasSqsEventSource" in mapping_id  # under the alias, as S3Processor always built it
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if "ObjectAccessPolicy" in k]
    (read,) = policy["PolicyDocument"]["Statement"]
    assert read["Action"] == "s3:GetObject"
    # one filter has no prefix: every key may be read
    (bucket_id,) = of_type(template, "AWS::S3::Bucket")
    assert read["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]}
    assert binding.resources["object_access_policy"] is not None
    assert [a.id for a in binding.alarms] == ["DeadLetterQueueDepthAlarm", "MessageAgeAlarm"]
    assert not any(rolls_back(a.kind) for a in binding.alarms)
    assert len(pattern.alarms) == 4


def test_direct_delivery_invokes_the_alias_and_alarms_its_failure_queue() -> None:
    _, binding, template = bound(BucketSource(delivery=S3Delivery.DIRECT, prefix="in/"))
    (notifications,) = of_type(template, "Custom::S3BucketNotifications").values()
    (configuration,) = notifications["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    (alias_id,) = of_type(template, "AWS::Lambda::Alias")
    assert configuration["LambdaFunctionArn"] == {"Ref": alias_id}
    (failure_id,) = [k for k in of_type(template, "AWS::SQS::Queue") if "FailureQueue" in k]
    config = next(
        c for k, c in of_type(template, "AWS::Lambda::EventInvokeConfig").items() if "LiveAlias" in k
    )
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [failure_id, "Arn"]}
    assert of_type(template, "AWS::Lambda::EventSourceMapping") == {}
    (alarm,) = binding.alarms
    assert (alarm.id, alarm.kind, alarm.subject) == (
        "DeadLetterQueueDepthAlarm",
        AlarmKind.DLQ_DEPTH,
        "S/P on-failure queue",
    )
    assert binding.resources["queue"] is None
    assert [g.title for g in binding.graphs] == ["Parked events"]
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if "ObjectAccessPolicy" in k]
    (read,) = policy["PolicyDocument"]["Statement"]
    assert read["Resource"]["Fn::Join"][1][-1] == "/in/*"


def test_binding_needs_a_bucket_and_a_function() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="invokes a function"):
        BucketSource(bucket=s3.Bucket(stack, "B")).bind(stack, SourceTarget(None, "S", "S"))
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    pf = pattern._single_function(spec(), BucketSource().invocation)
    with pytest.raises(ValueError, match="give it one before binding"):
        BucketSource().bind(pattern, SourceTarget(pf, "S/P", "S/P"))


# ---------------------------------------------------------------- conflicts with the app's other sources
def test_an_overlapping_filter_on_a_bucket_already_bound_conflicts() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    shared = s3.Bucket.from_bucket_name(stack, "Shared", "shared-bucket")
    first = Pattern(stack, "First", deployment=None, monitoring=None)
    source = BucketSource(bucket=shared, prefix="in/")
    first.attach(source, first, function=first._single_function(spec(), source.invocation), title="S/First")
    assert BucketSource(bucket=shared, prefix="in/sub/").conflicts(stack) == [
        "filter (prefix 'in/sub/', suffix '') overlaps filter (prefix 'in/', suffix '') of S/First on the "
        "same bucket for OBJECT_CREATED and OBJECT_CREATED: S3 rejects overlapping notification filters"
    ]
    assert BucketSource(bucket=shared, prefix="out/").conflicts(stack) == []
    other = s3.Bucket.from_bucket_name(cdk.Stack(cdk.App(), "T"), "Shared", "shared-bucket")
    assert BucketSource(bucket=other, prefix="in/").conflicts(other) == []  # another app


def test_writing_into_a_bucket_that_writes_back_is_a_loop() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    a = s3.Bucket.from_bucket_name(stack, "A", "bucket-a")
    b = s3.Bucket.from_bucket_name(stack, "B", "bucket-b")
    back = Pattern(stack, "Back", deployment=None, monitoring=None)
    source = BucketSource(bucket=b, output_bucket=a, output_prefix="in/x")
    back.attach(source, back, function=back._single_function(spec(), source.invocation), title="S/Back")
    (loop,) = BucketSource(bucket=a, prefix="in/", output_bucket=b).conflicts(stack)
    assert loop.startswith(
        "output_bucket: what the function writes (under '') triggers S/Back, which writes back"
    )
    assert BucketSource(bucket=a, prefix="elsewhere/", output_bucket=b).conflicts(stack) == []
