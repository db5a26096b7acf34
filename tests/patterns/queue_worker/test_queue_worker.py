"""QueueWorker: snapshots, gates, a test per documented default, validation, alarm and grant."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from serverless_patterns import Batching, PatternValidationError, QueueOptions
from serverless_patterns.core.sources import QueueSource
from serverless_patterns.patterns.queue_worker import QueueWorker
from tests.pattern_cases import spec
from tests.patterns.queue_worker.cases import CASES, build_fifo
from tests.support import Synthesized, one, pattern_tests, statements, synth
from tests.support import alarm_properties as alarms

globals().update(
    pattern_tests(
        configs={"default": CASES.build_default, "maximal": CASES.build_maximal, "fifo": build_fifo},
        snapshots=("default", "maximal", "fifo"),
    )
)

CONSUME = [
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
]


def queue(s: Synthesized) -> tuple[str, dict[str, Any]]:
    """The worker's queue (not its DLQ)."""
    found = [(k, v["Properties"]) for k, v in s.resources("AWS::SQS::Queue").items() if "DeadLetter" not in k]
    assert len(found) == 1
    return found[0]


# ---------------------------------------------------------------- resources and defaults
def test_resources_of_the_smallest_worker(default: Synthesized) -> None:
    counts = {
        "AWS::SQS::Queue": 2,
        "AWS::SQS::QueuePolicy": 2,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Version": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::Logs::LogGroup": 1,
        "AWS::CodeDeploy::DeploymentGroup": 1,
        "AWS::CloudWatch::Alarm": 4,
        "AWS::CloudWatch::Dashboard": 1,
    }
    assert {t: default.count(t) for t in counts} == counts


def test_queue_and_dlq_defaults(default: Synthesized) -> None:
    dlq_id, dlq = one(default, "AWS::SQS::Queue", "DeadLetterQueue")
    queue_id, props = queue(default)
    assert queue_id.startswith("OrdersQueue")  # Orders/Queue/Resource: stable logical ID
    assert props["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    assert props["VisibilityTimeout"] == 60  # six times the 10 s function timeout
    assert "MessageRetentionPeriod" not in props  # SQS default, 4 days
    assert "FifoQueue" not in props and "QueueName" not in props  # standard, CloudFormation-named
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    for q in (props, dlq):
        assert q["SqsManagedSseEnabled"] is True


def test_queues_are_tls_only(default: Synthesized) -> None:
    for policy in default.resources("AWS::SQS::QueuePolicy").values():
        (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_mapping_defaults(default: Synthesized) -> None:
    queue_id, _ = queue(default)
    alias_id, alias = one(default, "AWS::Lambda::Alias")
    assert alias["Name"] == "live"
    mapping_id, mapping = one(default, "AWS::Lambda::EventSourceMapping")
    assert mapping_id.startswith("OrdersEventSourceMapping")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert json.dumps({"Ref": alias_id}) in json.dumps(mapping["FunctionName"])  # through the alias
    assert mapping["FunctionName"]["Fn::Join"][1][1] == ":live"
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumBatchingWindowInSeconds" not in mapping
    assert "ScalingConfig" not in mapping  # no maximum concurrency


def test_function_defaults(default: Synthesized) -> None:
    _, fn = one(default, "AWS::Lambda::Function")
    assert fn["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "Orders"
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Timeout"] == 10 and fn["MemorySize"] == 512


def test_the_function_may_consume_its_queue_and_no_other(default: Synthesized) -> None:
    queue_id, _ = queue(default)
    sqs_grants = [s for s in statements(default, "Function") if '"sqs:' in json.dumps(s["Action"])]
    assert sqs_grants == [
        {"Action": CONSUME, "Effect": "Allow", "Resource": {"Fn::GetAtt": [queue_id, "Arn"]}}
    ]


def test_grant_send_is_send_messages_on_this_queue_only(maximal: Synthesized) -> None:
    queue_id, _ = queue(maximal)
    assert statements(maximal, "Producer") == [
        {
            "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]


def test_dlq_depth_alarm(default: Synthesized) -> None:
    dlq_id, _ = one(default, "AWS::SQS::Queue", "DeadLetterQueue")
    key, alarm = next((k, a) for k, a in alarms(default).items() if "DeadLetterQueueDepthAlarm" in k)
    assert key.startswith("OrdersDeadLetterQueueDepthAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    assert (alarm["Threshold"], alarm["Statistic"], alarm["Period"]) == (1, "Maximum", 60)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmDescription"] == "Test/Orders dead-letter queue: 1 or more messages parked"


def test_message_age_alarm(default: Synthesized) -> None:
    queue_id, _ = queue(default)
    key, alarm = next((k, a) for k, a in alarms(default).items() if "MessageAgeAlarm" in k)
    assert key.startswith("OrdersMessageAgeAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"]) == (300, 5)
    assert alarm["AlarmDescription"] == "Test/Orders queue: oldest message >= 300 s old"


def test_function_alarms_and_every_alarm_notifies_the_alarm_topic(default: Synthesized) -> None:
    found = alarms(default)
    assert sorted(a["MetricName"] for a in found.values()) == [
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesVisible",
        "Errors",
        "Throttles",
    ]
    topic_id, _ = one(default, "AWS::SNS::Topic", "ServerlessPatternsMonitoring")
    assert all(a["AlarmActions"] == [{"Ref": topic_id}] for a in found.values())


def test_canary_rolls_back_on_function_alarms_only(default: Synthesized) -> None:
    _, group = one(default, "AWS::CodeDeploy::DeploymentGroup")
    assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    rollback = sorted(json.dumps(a) for a in group["AlarmConfiguration"]["Alarms"])
    assert (
        len(rollback) == 2
        and "ErrorsAlarm" in rollback[0] + rollback[1]
        and "ThrottlesAlarm" in rollback[0] + rollback[1]
    )


def test_dashboard_section(default: Synthesized) -> None:
    (dashboard,) = default.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard)
    for title in (
        "QueueWorker Test/Orders",
        "Queue: messages",
        "Queue: oldest message age (s)",
        "Test/Orders alarms",
    ):
        assert title in body


# ---------------------------------------------------------------- options
def test_maximal_options_are_applied(maximal: Synthesized) -> None:
    _, props = queue(maximal)
    assert props["VisibilityTimeout"] == 300
    assert props["MessageRetentionPeriod"] == 7 * 24 * 3600
    assert props["RedrivePolicy"]["maxReceiveCount"] == 5
    _, mapping = one(maximal, "AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == 100
    assert mapping["MaximumBatchingWindowInSeconds"] == 10
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 10}
    _, fn = one(maximal, "AWS::Lambda::Function")
    assert (fn["MemorySize"], fn["Timeout"], fn["ReservedConcurrentExecutions"]) == (1024, 30, 20)
    assert maximal.count("AWS::CodeDeploy::DeploymentConfig") == 1  # linear 20% every 2 minutes
    found = alarms(maximal).values()
    assert {a["Threshold"] for a in found if a["MetricName"] == "ApproximateAgeOfOldestMessage"} == {600}
    assert {a["Threshold"] for a in found if a["MetricName"] == "ApproximateNumberOfMessagesVisible"} == {3}


def test_visibility_timeout_adds_the_batching_window() -> None:
    s = synth(
        lambda stack: QueueWorker(
            stack,
            "W",
            function=spec(timeout=cdk.Duration.seconds(20)),
            batching=Batching(batch_size=50, max_batching_window=cdk.Duration.seconds(15)),
        )
    )
    assert queue(s)[1]["VisibilityTimeout"] == 6 * 20 + 15


def test_fifo_queue_and_dlq(fifo: Synthesized) -> None:
    queues = fifo.resources("AWS::SQS::Queue")
    assert len(queues) == 2
    assert all(q["Properties"]["FifoQueue"] is True for q in queues.values())
    _, mapping = one(fifo, "AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == 5
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert fifo.count("AWS::CodeDeploy::DeploymentGroup") == 0  # DeploymentStrategy.none()
    (dashboard,) = fifo.resources("AWS::CloudWatch::Dashboard").values()
    assert "QueueWorker" not in json.dumps(dashboard)  # dashboard=False: no section


# ---------------------------------------------------------------- what it exposes
def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    worker = QueueWorker(stack, "W", function=spec(), fifo=True)
    assert isinstance(worker.queue, sqs.Queue) and isinstance(worker.dead_letter_queue, sqs.Queue)
    assert worker.queue is not worker.dead_letter_queue
    assert worker.queue.node.path == "S/W/Queue/Resource"
    assert worker.dead_letter_queue.node.path == "S/W/Queue/DeadLetterQueue"
    assert worker.queue.fifo and worker.fifo
    assert isinstance(worker.function, lambda_.Function) and worker.functions == {"Function": worker.function}
    assert worker.alias.alias_name == "live"
    assert isinstance(worker.event_source_mapping, lambda_.EventSourceMapping)
    assert worker.source == QueueSource(fifo=True)
    assert len(worker.alarms) == 4
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(worker.grant_send(role), iam.Grant)


@pytest.mark.parametrize(
    ("method", "metric", "statistic"),
    [
        ("metric_approximate_age_of_oldest_message", "ApproximateAgeOfOldestMessage", "Maximum"),
        ("metric_approximate_number_of_messages_visible", "ApproximateNumberOfMessagesVisible", "Maximum"),
        ("metric_number_of_messages_sent", "NumberOfMessagesSent", "Sum"),
        ("metric_dead_letter_queue_messages_visible", "ApproximateNumberOfMessagesVisible", "Maximum"),
    ],
)
def test_metrics(method: str, metric: str, statistic: str) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    worker = QueueWorker(stack, "W", function=spec())
    made = getattr(worker, method)()
    assert (made.metric_name, made.namespace, made.statistic) == (metric, "AWS/SQS", statistic)
    assert made.period.to_seconds() == 60
    watched = worker.dead_letter_queue if "dead_letter" in method else worker.queue
    assert stack.resolve(made.dimensions["QueueName"]) == stack.resolve(watched.queue_name)
    assert getattr(worker, method)(label="mine").label == "mine"


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    QueueWorker(cdk.Stack(app, "S"), "W", **{**CASES.base_props(), **props})


@pytest.mark.parametrize(("props", "message"), CASES.invalid, ids=[str(i) for i in range(len(CASES.invalid))])
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_every_problem_in_one_error_naming_the_construct() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(
            function=spec(memory_size=64),
            fifo=True,
            batching=Batching(batch_size=20),
            queue=QueueOptions(max_receive_count=0),
        )
    assert raised.value.construct_path == "S/W"
    assert raised.value.problems == [
        "function.memory_size must be 128..10240 MB, got 64",
        "queue.max_receive_count must be 1..1000, got 0",
        "batching.batch_size must be 1..10 messages for a FIFO queue, got 20",
    ]


def test_nothing_is_built_before_validation() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError):
        QueueWorker(stack, "W", function=spec(), batching=Batching(batch_size=0))
    worker = stack.node.find_child("W")
    assert [c.node.id for c in worker.node.children] == []


@pytest.mark.parametrize("props", CASES.valid, ids=[str(i) for i in range(len(CASES.valid))])
def test_valid_edges_build(props: dict[str, Any]) -> None:
    make(**props)


def test_token_values_are_left_to_deploy_time() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    size = cdk.Token.as_number(cdk.CfnParameter(stack, "Size", type="Number").value_as_number)
    QueueWorker(stack, "W", function=spec(), batching=Batching(batch_size=size))
    (mapping,) = [
        r["Properties"]
        for r in app.synth().get_stack_by_name("S").template["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mapping["BatchSize"] == {"Ref": "Size"}
