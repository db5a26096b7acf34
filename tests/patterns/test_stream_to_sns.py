"""StreamToSns: snapshots, documented defaults, validation, rule packs and cfn-lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
)
from serverless_patterns.patterns.stream_to_sns import StreamEventName, StreamToSns
from tests.support import Synthesized, pattern_tests, rollback_metrics

HANDLER = str(Path(__file__).parent.parent / "fixtures" / "handlers" / "echo")
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-11-23T00:00:00.000"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:order-events"
LAYER_ARN = "arn:aws:lambda:us-east-1:123456789012:layer:powertools:3"


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=kwargs.pop("handler", "app.handler"), **kwargs)


def build_default(stack: cdk.Stack) -> None:
    StreamToSns(stack, "Orders", partition_key="id", event_names=["INSERT", "MODIFY"])


def build_maximal(stack: cdk.Stack) -> None:
    """The user's table, topic and function, every event source option."""
    table = dynamodb.Table.from_table_attributes(
        stack, "Table", table_name="Orders", table_stream_arn=STREAM_ARN
    )
    topic = sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN)
    StreamToSns(
        stack,
        "Orders",
        table=table,
        topic=topic,
        function=spec(memory_size=1024, timeout=cdk.Duration.seconds(30)),
        event_names=[StreamEventName.REMOVE],
        starting_position=lambda_.StartingPosition.LATEST,
        batch_size=500,
        max_batching_window=cdk.Duration.seconds(10),
        bisect_batch_on_error=False,
        retry_attempts=10,
        max_record_age=cdk.Duration.hours(6),
        parallelization_factor=4,
        idempotency=True,
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(iterator_age_seconds=300, errors=3)),
    )


def build_created_options(stack: cdk.Stack) -> None:
    """A created table with a composite key, the built-in forwarder on a given layer, no CodeDeploy."""
    layer = lambda_.LayerVersion.from_layer_version_arn(stack, "Layer", LAYER_ARN)
    StreamToSns(
        stack,
        "Events",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.NUMBER),
        table_removal_policy=cdk.RemovalPolicy.DESTROY,
        powertools_layer=layer,
        idempotency=True,
        deployment=DeploymentStrategy.none(),
    )


# ---------------------------------------------------------------- configurations and gates
globals().update(
    pattern_tests(
        configs={
            "default": build_default,
            "maximal": build_maximal,
            "created_options": build_created_options,
        },
        snapshots=("default", "maximal"),
    )
)


# ---------------------------------------------------------------- documented defaults
def the_function(s: Synthesized) -> dict[str, Any]:
    (fn,) = s.resources("AWS::Lambda::Function").values()
    return fn["Properties"]  # type: ignore[no-any-return]


def function_statements(s: Synthesized) -> list[dict[str, Any]]:
    (policy,) = (p for k, p in s.resources("AWS::IAM::Policy").items() if "DefaultPolicy" in k)
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def metric_name(alarm: dict[str, Any]) -> str:
    metrics = alarm["Properties"]["Metrics"]
    stat = next(m for m in metrics if "MetricStat" in m)
    return stat["MetricStat"]["Metric"]["MetricName"]  # type: ignore[no-any-return]


def test_table_defaults(default: Synthesized) -> None:
    (table,) = default.resources("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


def test_topic_defaults(default: Synthesized) -> None:
    ((topic_id, topic),) = [
        (k, t) for k, t in default.resources("AWS::SNS::Topic").items() if "AlarmTopic" not in k
    ]
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = default.template["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    policy = next(
        p
        for p in default.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    )
    assert "aws:SecureTransport" in json.dumps(policy)


def test_built_in_forwarder(default: Synthesized) -> None:
    fn = the_function(default)
    assert fn["Handler"] == "app.handler"
    assert fn["Runtime"] == "python3.14"
    assert fn["Architectures"] == ["arm64"]
    assert fn["TracingConfig"] == {"Mode": "Active"}
    (layer,) = fn["Layers"]
    assert "017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27" in json.dumps(layer)
    env = fn["Environment"]["Variables"]
    topic_id = next(k for k in default.resources("AWS::SNS::Topic") if "AlarmTopic" not in k)
    assert env["TOPIC_ARN"] == {"Ref": topic_id}
    assert env["POWERTOOLS_SERVICE_NAME"] == "Orders"
    assert "IDEMPOTENCY_TABLE_NAME" not in env


def test_event_source_mapping_defaults(default: Synthesized) -> None:
    (mapping,) = default.resources("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    queue_id = next(iter(default.resources("AWS::SQS::Queue")))
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BatchSize"] == 100
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == 3
    assert props["MaximumRecordAgeInSeconds"] == 86400
    assert props["ParallelizationFactor"] == 1
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert json.loads(props["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["INSERT", "MODIFY"]}
    assert "MaximumBatchingWindowInSeconds" not in props
    assert ":live" in json.dumps(props["FunctionName"])
    (queue,) = default.resources("AWS::SQS::Queue").values()
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_function_may_only_publish_and_read_the_stream(default: Synthesized) -> None:
    by_action = {json.dumps(s["Action"]): s["Resource"] for s in function_statements(default)}
    topic_id = next(k for k in default.resources("AWS::SNS::Topic") if "AlarmTopic" not in k)
    table_id = next(iter(default.resources("AWS::DynamoDB::Table")))
    assert by_action['"sns:Publish"'] == {"Ref": topic_id}
    assert by_action['["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]'] == {
        "Fn::GetAtt": [table_id, "StreamArn"]
    }
    assert '"dynamodb:ListStreams"' not in by_action  # it needs "*": in a policy of its own
    (streams_id, streams) = next(
        (k, p) for k, p in default.resources("AWS::IAM::Policy").items() if "StreamsPolicy" in k
    )
    assert streams["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "dynamodb:ListStreams", "Effect": "Allow", "Resource": "*"}
    ]
    (mapping,) = default.resources("AWS::Lambda::EventSourceMapping").values()
    assert mapping["DependsOn"] == [streams_id]  # Lambda checks the permission at creation
    actions = set()
    for statement in function_statements(default):
        action = statement["Action"]
        actions.update(action if isinstance(action, list) else [action])
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey",  # exactly what publishing needs, no wildcard
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }


def test_alarms_and_rollback(default: Synthesized) -> None:
    alarms = default.resources("AWS::CloudWatch::Alarm")
    by_metric = {metric_name(a): a["Properties"] for a in alarms.values()}
    assert set(by_metric) == {"Errors", "Throttles", "IteratorAge", "ApproximateNumberOfMessagesVisible"}
    iterator = by_metric["IteratorAge"]
    assert iterator["Threshold"] == 60
    assert any(m.get("Expression") == "m / 1000" for m in iterator["Metrics"])  # milliseconds to seconds
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Threshold"] == 1
    (group,) = default.resources("AWS::CodeDeploy::DeploymentGroup").values()
    assert group["Properties"]["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert rollback_metrics(default) == {"Errors", "Throttles"}  # not the iterator age or parked records
    assert default.count("AWS::CloudWatch::Dashboard") == 1


def test_maximal_uses_the_users_resources_and_options(maximal: Synthesized) -> None:
    assert maximal.count("AWS::DynamoDB::Table") == 1  # only the idempotency table
    assert [k for k in maximal.resources("AWS::SNS::Topic") if "AlarmTopic" not in k] == []
    fn = the_function(maximal)
    assert fn["MemorySize"] == 1024 and fn["Timeout"] == 30 and fn["Runtime"] == "python3.14"
    (layer,) = fn["Layers"]  # the user's function gets the Powertools layer, like every FunctionSpec
    assert "AWSLambdaPowertoolsPythonV3-python314-arm64" in json.dumps(layer)
    env = fn["Environment"]["Variables"]
    assert env["TOPIC_ARN"] == TOPIC_ARN
    (idempotency_id, idempotency) = next(iter(maximal.resources("AWS::DynamoDB::Table").items()))
    assert env["IDEMPOTENCY_TABLE_NAME"] == {"Ref": idempotency_id}
    assert idempotency["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }
    (mapping,) = maximal.resources("AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["EventSourceArn"] == STREAM_ARN
    assert props["StartingPosition"] == "LATEST"
    assert props["BatchSize"] == 500
    assert props["MaximumBatchingWindowInSeconds"] == 10
    assert props["BisectBatchOnFunctionError"] is False
    assert props["MaximumRetryAttempts"] == 10
    assert props["MaximumRecordAgeInSeconds"] == 6 * 3600
    assert props["ParallelizationFactor"] == 4
    assert json.loads(props["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["REMOVE"]}
    statements = function_statements(maximal)
    assert {"Action": "sns:Publish", "Effect": "Allow", "Resource": TOPIC_ARN} in statements
    idempotency_actions = next(
        s["Action"] for s in statements if s["Resource"] == [{"Fn::GetAtt": [idempotency_id, "Arn"]}]
    )
    assert sorted(idempotency_actions) == [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert maximal.count("AWS::CodeDeploy::DeploymentConfig") == 1
    thresholds = {a["Properties"]["Threshold"] for a in maximal.resources("AWS::CloudWatch::Alarm").values()}
    assert {300, 3} <= thresholds


def test_created_table_options(created_options: Synthesized) -> None:
    tables = created_options.resources("AWS::DynamoDB::Table")
    source = next(t for t in tables.values() if "StreamSpecification" in t["Properties"])
    assert source["Properties"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert source["DeletionPolicy"] == "Delete"
    fn = the_function(created_options)
    assert fn["Layers"] == [LAYER_ARN]
    assert "IDEMPOTENCY_TABLE_NAME" in fn["Environment"]["Variables"]
    (mapping,) = created_options.resources("AWS::Lambda::EventSourceMapping").values()
    assert "FilterCriteria" not in mapping["Properties"]  # every event name: no filter
    assert created_options.count("AWS::CodeDeploy::DeploymentGroup") == 0


def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    orders = StreamToSns(stack, "Orders", partition_key="id")
    assert isinstance(orders.table, dynamodb.Table)
    assert isinstance(orders.topic, sns.Topic)
    assert orders.topic_key is not None
    assert orders.alias.alias_name == "live"
    assert orders.function is not None and orders.dead_letter_queue is not None
    assert orders.idempotency_table is None
    assert len(orders.alarms) == 4
    assert orders.metric_iterator_age().label == "Iterator age (s)"
    assert (
        orders.metric_dead_letter_queue_messages_visible().metric_name == "ApproximateNumberOfMessagesVisible"
    )


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    table = props.pop("user_table", None)
    if table == "with_stream":
        props["table"] = dynamodb.Table.from_table_attributes(
            stack, "Mine", table_name="Orders", table_stream_arn=STREAM_ARN
        )
    elif table == "no_stream":
        props["table"] = dynamodb.Table.from_table_name(stack, "Mine", "Orders")
    elif table == "created_no_stream":
        props["table"] = dynamodb.Table(
            stack, "Mine", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
        )
    if "table" not in props and "partition_key" not in props:
        props["partition_key"] = "id"
    StreamToSns(stack, "Orders", **props)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"user_table": "no_stream"}, r"table: S/Mine has no stream"),
        ({"user_table": "created_no_stream"}, r"table: S/Mine has no stream"),
        (
            {"user_table": "with_stream", "partition_key": "id"},
            r"give your own table or the options to build one, not both \(got table and partition_key\)",
        ),
        (
            {"user_table": "with_stream", "table_removal_policy": cdk.RemovalPolicy.DESTROY},
            "got table and table_removal_policy",
        ),
        ({"partition_key": None}, "partition_key is required"),
        ({"partition_key": ""}, "partition_key must be an attribute name of 1..255 characters"),
        ({"sort_key": 5}, "sort_key must be a name or a dynamodb.Attribute"),
        (
            {"event_names": ["INSERT", "UPDATE"]},
            r"event_names must be among INSERT, MODIFY, REMOVE, got 'UPDATE'",
        ),
        ({"event_names": []}, "event_names must name at least one"),
        ({"event_names": ["INSERT", "INSERT"]}, "event_names has duplicates"),
        (
            {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP},
            "starting_position must be TRIM_HORIZON or LATEST",
        ),
        ({"batch_size": 0}, r"batch_size must be 1..10000 records for a DynamoDB stream, got 0"),
        ({"batch_size": 10_001}, r"batch_size must be 1..10000 records for a DynamoDB stream, got 10001"),
        (
            {"max_batching_window": cdk.Duration.minutes(6)},
            r"max_batching_window must be 0..300 seconds, got 360",
        ),
        (
            {"max_batching_window": cdk.Duration.millis(200)},
            "max_batching_window must be a whole number of seconds, got 0.2",
        ),
        ({"retry_attempts": -1}, r"retry_attempts must be 0..10000, got -1"),
        ({"max_record_age": cdk.Duration.seconds(30)}, r"max_record_age must be 60..604800 seconds, got 30"),
        ({"max_record_age": cdk.Duration.days(8)}, r"max_record_age must be 60..604800 seconds"),
        ({"parallelization_factor": 11}, r"parallelization_factor must be 1..10, got 11"),
        ({"function": spec(memory_size=64)}, r"function.memory_size must be 128..10240 MB, got 64"),
        (
            {
                "function": spec(),
                "powertools_layer": lambda_.LayerVersion.from_layer_version_arn(
                    cdk.Stack(cdk.App(), "Other"), "L", LAYER_ARN
                ),
            },
            "powertools_layer is only for the built-in forwarder",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(iterator_age_seconds=-5))},
            "thresholds.iterator_age_seconds must be a number >= 0",
        ),
        ({"deployment": DeploymentStrategy.canary(100)}, r"deployment.percent must be 1..99, got 100"),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_every_problem_in_one_error() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(batch_size=0, parallelization_factor=0, event_names=["CREATE"])
    assert len(raised.value.problems) == 3
    assert isinstance(raised.value, ValueError)


def test_tokens_are_not_validated() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    size = cdk.CfnParameter(stack, "Batch", type="Number").value_as_number
    StreamToSns(stack, "Orders", partition_key="id", batch_size=size)
    resources = app.synth().get_stack_by_name("S").template["Resources"].values()
    (mapping,) = (r["Properties"] for r in resources if r["Type"] == "AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == {"Ref": "Batch"}  # passed through unchecked, not dropped


def test_the_built_in_forwarder_parks_whole_records_in_the_dead_letter_queue(
    default: Synthesized, maximal: Synthesized
) -> None:
    queue_id = next(k for k in default.resources("AWS::SQS::Queue") if "FailureQueue" in k)
    assert the_function(default)["Environment"]["Variables"]["DEAD_LETTER_QUEUE_URL"] == {"Ref": queue_id}
    sends = [s for s in function_statements(default) if "sqs:SendMessage" in json.dumps(s["Action"])]
    assert [s["Resource"] for s in sends] == [{"Fn::GetAtt": [queue_id, "Arn"]}]
    # A function of the user's is not told about the queue: it keeps the mapping's pointers only.
    assert "DEAD_LETTER_QUEUE_URL" not in the_function(maximal)["Environment"]["Variables"]
