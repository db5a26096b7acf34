"""StreamSource (serverless_patterns/core/sources/stream.py) on its own: its props' problems, its
filter patterns, its sample event as Powertools reads it, and what it binds: the mapping through the
alias, the exact grants, the on-failure queue and the alarms that only notify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName

from serverless_patterns import FunctionSpec, PatternValidationError
from serverless_patterns.core import InvocationType, Pattern
from serverless_patterns.core.monitoring import AlarmKind, rolls_back
from serverless_patterns.core.sources import Binding, StreamSource
from serverless_patterns.core.sources.stream import filter_problems

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-11-23T00:00:00.000"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SEC = cdk.Duration.seconds


def spec() -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler")


# ---------------------------------------------------------------- problems
@pytest.mark.parametrize(
    ("source", "message"),
    [
        (StreamSource(table="orders"), "changes.table must be a dynamodb.ITable, got str"),  # type: ignore[arg-type]
        (
            StreamSource(starting_position=lambda_.StartingPosition.AT_TIMESTAMP),
            "changes.starting_position must be TRIM_HORIZON or LATEST for a DynamoDB stream, got AT_TIMESTAMP",
        ),
        (
            StreamSource(starting_position="LATEST"),  # type: ignore[arg-type]
            "changes.starting_position must be TRIM_HORIZON or LATEST for a DynamoDB stream, got 'LATEST'",
        ),
        (
            StreamSource(batch_size=10_001),
            "changes.batch_size must be 1..10000 records for a DynamoDB stream, got 10001",
        ),
        (StreamSource(max_batching_window=SEC(301)), "changes.max_batching_window must be 0..300 seconds"),
        (StreamSource(bisect_batch_on_error=1), "changes.bisect_batch_on_error must be True or False"),  # type: ignore[arg-type]
        (StreamSource(retry_attempts=10_001), "changes.retry_attempts must be 0..10000, got 10001"),
        (StreamSource(max_record_age=SEC(59)), "changes.max_record_age must be 60..604800 seconds, got 59"),
        (StreamSource(parallelization_factor=0), "changes.parallelization_factor must be 1..10, got 0"),
        (
            StreamSource(report_batch_item_failures="yes"),  # type: ignore[arg-type]
            "changes.report_batch_item_failures must be True or False, got 'yes'",
        ),
        (
            StreamSource(on_failure_queue="arn:aws:sqs:us-east-1:1:q"),  # type: ignore[arg-type]
            "changes.on_failure_queue must be an sqs.IQueue, got str",
        ),
        (
            StreamSource(filter_criteria=[{"eventName": "INSERT"}]),
            "changes.filter_criteria[0]['eventName'] must be a non-empty list of values or a mapping",
        ),
    ],
)
def test_each_problem_names_the_prop(source: StreamSource, message: str) -> None:
    assert [p for p in source.problems("changes") if p.startswith(message)] != []


def test_a_table_without_a_stream_is_a_problem() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    table = dynamodb.Table.from_table_name(stack, "Mine", "orders")
    assert StreamSource(table=table).problems("") == [
        "table: S/Mine has no stream; enable one (NEW_AND_OLD_IMAGES) or pass the stream ARN to "
        "Table.from_table_attributes(table_stream_arn=...)"
    ]


def test_valid_props_have_no_problems() -> None:
    source = StreamSource(
        starting_position=lambda_.StartingPosition.LATEST,
        batch_size=10_000,
        max_batching_window=SEC(300),
        retry_attempts=0,
        max_record_age=cdk.Duration.days(7),
        parallelization_factor=10,
        filter_criteria=[
            {"eventName": ["INSERT"]},
            {"dynamodb": {"NewImage": {"total": {"N": [{"numeric": [">", 0]}]}}}},
        ],
    )
    assert source.problems("changes") == []


def test_tokens_are_left_to_deploy_time() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    size = cdk.CfnParameter(stack, "Size", type="Number").value_as_number
    assert StreamSource(batch_size=size, retry_attempts=size).problems("") == []  # type: ignore[arg-type]


def test_check_raises_one_error_naming_the_construct() -> None:
    source = StreamSource(batch_size=0, parallelization_factor=11)
    with pytest.raises(PatternValidationError) as raised:
        source.check("Stack/Changes", "changes")
    assert raised.value.construct_path == "Stack/Changes"
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"eventName": ["INSERT"]}, "f must be a list of filter patterns (mappings), got"),
        ([{}], "f[0] must be a non-empty mapping of record fields to lists of values, got {}"),
        ([{"eventName": ["INSERT"]}] * 6, "f must have at most 5 patterns, got 6"),
        ([{"eventName": []}], "f[0]['eventName'] must be a non-empty list of values"),
        ([{"": ["x"]}], "f[0]: field names must be non-empty strings, got ''"),
        ([{"eventName": [{"wildcard": "IN*"}]}], "f[0]['eventName'] values must be strings, numbers"),
        ([{"eventName": [object()]}], "f[0]['eventName'] values must be strings, numbers"),
        ([{"eventName": [{"prefix": object()}]}], "f[0]['eventName']: content filters take JSON values"),
        ([{"eventName": ["x" * 4100]}], "f[0] must be at most 4096 characters of JSON, got 4118"),
    ],
)
def test_filter_problems(filters: object, message: str) -> None:
    assert [p for p in filter_problems("f", filters) if p.startswith(message)] != []


def test_lambda_filter_patterns_are_valid() -> None:
    patterns = [
        {"eventName": ["INSERT", "MODIFY"]},
        {"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["draft"]}, None]}}}},
        {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "order#"}, {"exists": True}]}}}},
    ]
    assert filter_problems("f", patterns) == []


# ---------------------------------------------------------------- sample event
@pytest.mark.parametrize("event_name", ["INSERT", "MODIFY", "REMOVE"])
def test_sample_event_is_what_powertools_reads(event_name: str) -> None:
    source = StreamSource(filter_criteria=[{"eventName": [event_name]}])
    (record,) = list(DynamoDBStreamEvent(dict(source.sample_event())).records)
    assert record.event_source == "aws:dynamodb"
    assert record.event_name == DynamoDBRecordEventName[event_name]
    assert record.dynamodb is not None
    assert record.dynamodb.keys == {"id": "1234"}
    if event_name == "REMOVE":
        assert record.dynamodb.new_image == {}
    else:
        assert record.dynamodb.new_image["total"] == 42
    if event_name == "INSERT":
        assert record.dynamodb.old_image == {}
    else:
        assert record.dynamodb.old_image["status"] == "placed"


def test_sample_event_without_filters_is_an_insert() -> None:
    (record,) = StreamSource().sample_event()["Records"]
    assert record["eventName"] == "INSERT"


# ---------------------------------------------------------------- bind
def streamed(stack: cdk.Stack) -> dynamodb.ITable:
    return dynamodb.Table.from_table_attributes(
        stack, "Orders", table_name="Orders", table_stream_arn=STREAM_ARN
    )


def bound(
    source: StreamSource, *, table: Callable[[cdk.Stack], dynamodb.ITable] = streamed
) -> tuple[Pattern, Binding, dict[str, Any]]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    pf = pattern._single_function(spec(), InvocationType.EVENT_SOURCE)
    binding = pattern.attach(replace(source, table=table(stack)), pattern, function=pf, title="S/P")
    return pattern, binding, app.synth().get_stack_by_name("S").template["Resources"]


def of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template.items() if r["Type"] == type_}


def default_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if "DefaultPolicy" in k]
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def test_the_mapping_reads_the_stream_through_the_alias_with_every_option() -> None:
    source = StreamSource(
        starting_position=lambda_.StartingPosition.LATEST,
        batch_size=50,
        max_batching_window=SEC(5),
        filter_criteria=[{"eventName": ["REMOVE"]}, {"dynamodb": {"Keys": {"pk": {"S": ["é"]}}}}],
        bisect_batch_on_error=False,
        retry_attempts=7,
        max_record_age=cdk.Duration.hours(2),
        parallelization_factor=3,
        report_batch_item_failures=False,
    )
    _, binding, template = bound(source)
    ((mapping_id, mapping),) = of_type(template, "AWS::Lambda::EventSourceMapping").items()
    (alias_id,) = of_type(template, "AWS::Lambda::Alias")
    assert mapping_id.startswith("PFunctionLiveAliasDynamoDBEventSource")  # aws-cdk-lib's id, under the alias
    props = mapping["Properties"]
    assert {"Ref": alias_id} in props["FunctionName"]["Fn::Join"][1][0]["Fn::Select"][1]["Fn::Split"]
    assert props["EventSourceArn"] == STREAM_ARN
    assert props["StartingPosition"] == "LATEST"
    assert props["BatchSize"] == 50 and props["MaximumBatchingWindowInSeconds"] == 5
    assert props["BisectBatchOnFunctionError"] is False
    assert props["MaximumRetryAttempts"] == 7
    assert props["MaximumRecordAgeInSeconds"] == 7200
    assert props["ParallelizationFactor"] == 3
    assert "FunctionResponseTypes" not in props
    assert [f["Pattern"] for f in props["FilterCriteria"]["Filters"]] == [
        '{"eventName":["REMOVE"]}',
        '{"dynamodb":{"Keys":{"pk":{"S":["é"]}}}}',
    ]
    assert binding.resources["event_source_mapping"] is not None


DEFAULTS = {
    "StartingPosition": "TRIM_HORIZON",
    "BatchSize": 100,
    "BisectBatchOnFunctionError": True,
    "MaximumRetryAttempts": 3,
    "MaximumRecordAgeInSeconds": 86400,
    "ParallelizationFactor": 1,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
}


def test_defaults_report_failures_keep_records_a_day_and_park_them() -> None:
    _, binding, template = bound(StreamSource())
    (mapping,) = of_type(template, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    ((queue_id, queue),) = of_type(template, "AWS::SQS::Queue").items()
    assert queue_id.startswith("PFailureQueue")
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    assert {name: props.get(name) for name in DEFAULTS} == DEFAULTS
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert "FilterCriteria" not in props and "MaximumBatchingWindowInSeconds" not in props
    assert binding.resources["failure_queue"] is not None


def test_the_function_may_read_this_stream_and_park_in_this_queue_only() -> None:
    _, binding, template = bound(StreamSource())
    (queue_id,) = of_type(template, "AWS::SQS::Queue")
    statements = [s for s in default_statements(template) if not str(s["Action"]).startswith("['logs:")]
    assert statements == [
        {
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            "Effect": "Allow",
            "Resource": STREAM_ARN,
        },
        {
            "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        },
    ]
    ((streams_id, streams),) = [
        (k, p) for k, p in of_type(template, "AWS::IAM::Policy").items() if "StreamsPolicy" in k
    ]
    assert streams["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "dynamodb:ListStreams", "Effect": "Allow", "Resource": "*"}
    ]
    (mapping,) = of_type(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["DependsOn"] == [streams_id]
    assert binding.resources["streams_policy"] is not None


def test_the_tables_key_may_decrypt_the_stream() -> None:
    def encrypted(stack: cdk.Stack) -> dynamodb.ITable:
        key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
        return dynamodb.Table.from_table_attributes(
            stack, "Orders", table_name="Orders", table_stream_arn=STREAM_ARN, encryption_key=key
        )

    _, _, template = bound(StreamSource(), table=encrypted)
    (decrypt,) = [s for s in default_statements(template) if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == KEY_ARN


def test_a_queue_of_yours_is_the_destination_and_nothing_is_created() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    table = streamed(stack)
    queue = sqs.Queue(stack, "Mine", enforce_ssl=True)
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    pf = pattern._single_function(spec(), InvocationType.EVENT_SOURCE)
    binding = pattern.attach(
        StreamSource(table=table, on_failure_queue=queue), pattern, function=pf, title="S/P"
    )
    template = app.synth().get_stack_by_name("S").template["Resources"]
    ((queue_id, _),) = of_type(template, "AWS::SQS::Queue").items()
    assert queue_id.startswith("Mine")
    (mapping,) = of_type(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [queue_id, "Arn"]
    }
    assert binding.resources["failure_queue"] is queue


def test_alarms_on_iterator_age_and_parked_records_notify_only() -> None:
    pattern, binding, template = bound(StreamSource())
    assert [(a.id, a.kind) for a in binding.alarms] == [
        ("IteratorAgeAlarm", AlarmKind.ITERATOR_AGE),
        ("FailureQueueDepthAlarm", AlarmKind.DLQ_DEPTH),
    ]
    assert not any(rolls_back(a.kind) for a in binding.alarms)
    assert len(pattern.alarms) == 4  # the function's errors and throttles, then these two
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    iterator = next(a["Properties"] for k, a in alarms.items() if k.startswith("PIteratorAgeAlarm"))
    assert iterator["AlarmDescription"].startswith("S/P stream: iterator age")
    assert any(m.get("Expression") == "m / 1000" for m in iterator["Metrics"])
    parked = next(a["Properties"] for k, a in alarms.items() if k.startswith("PFailureQueueDepthAlarm"))
    assert parked["AlarmDescription"].startswith("S/P failure queue")
    assert [g.title for g in binding.graphs] == ["Iterator age (s)", "Failed records"]


def test_binding_needs_a_function_and_a_table() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    with pytest.raises(ValueError, match="bind it to one, with table"):
        pattern.attach(StreamSource(), pattern, function=None, title="S/P")
