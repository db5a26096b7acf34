"""FanoutQueue: snapshots, documented defaults, validation, rule packs, cfn-lint, example handlers."""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
    QueueOptions,
)
from serverless_patterns.patterns.fanout_queue import FanoutQueue, FilterPolicyScope, Subscriber
from tests.support import Synthesized, alarm_properties, one, pattern_tests

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")
EXAMPLE_HANDLERS = ROOT / "examples" / "handlers" / "fanout"
IMPORTED_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:orders"


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=kwargs.pop("handler", "app.handler"), **kwargs)


def build_default(stack: cdk.Stack) -> None:
    FanoutQueue(stack, "UserCreated", subscribers={"welcome-email": Subscriber(function=spec())})


def build_maximal(stack: cdk.Stack) -> None:
    """A standard topic you own, three subscribers using every subscriber option."""
    topic = sns.Topic.from_topic_arn(stack, "Orders", IMPORTED_TOPIC_ARN)
    FanoutQueue(
        stack,
        "OrderPlaced",
        topic=topic,
        subscribers={
            "billing": Subscriber(
                function=spec(memory_size=1024, timeout=cdk.Duration.seconds(30)),
                filter_policy={"region": ["eu", "us"], "total": [{"numeric": [">", 100]}]},
                raw_message_delivery=False,
                batch_size=500,
                max_batching_window=cdk.Duration.seconds(20),
                max_concurrency=5,
                queue=QueueOptions(max_receive_count=5, retention_period=cdk.Duration.days(7)),
            ),
            "shipping_v2": Subscriber(
                function=spec(handler="app.ship"),
                filter_policy={"order": {"lines": {"sku": [{"prefix": "SHIP-"}]}}},
                filter_policy_scope=FilterPolicyScope.MESSAGE_BODY,
                queue=QueueOptions(visibility_timeout=cdk.Duration.minutes(2)),
            ),
            "audit": Subscriber(),
        },
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(message_age_seconds=900, dlq_depth=5)),
    )


def build_fifo(stack: cdk.Stack) -> None:
    """A FIFO topic with content-based deduplication, no CodeDeploy, no dashboard, and a publisher."""
    fanout = FanoutQueue(
        stack,
        "Ledger",
        fifo=True,
        content_based_deduplication=True,
        subscribers={
            "posting": Subscriber(function=spec(), batch_size=5, max_concurrency=2),
            "export": Subscriber(),
        },
        deployment=DeploymentStrategy.none(),
        monitoring=MonitoringOptions(dashboard=False),
    )
    publisher = iam.Role(stack, "Publisher", assumed_by=iam.AccountRootPrincipal())
    fanout.grant_publish(publisher)


# ---------------------------------------------------------------- configurations and gates
globals().update(
    pattern_tests(
        configs={"default": build_default, "maximal": build_maximal, "fifo": build_fifo},
        snapshots=("default", "maximal", "fifo"),
    )
)


# ---------------------------------------------------------------- documented defaults


def queue(s: Synthesized, subscriber: str) -> dict[str, Any]:
    """The subscriber's queue (not its DLQ)."""
    prefix = f"Subscribers{subscriber}Queue"
    found = [
        v["Properties"]
        for k, v in s.resources("AWS::SQS::Queue").items()
        if prefix in k and "DeadLetterQueue" not in k
    ]
    assert len(found) == 1
    return found[0]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["Statement"]  # type: ignore[no-any-return]


def test_resources_of_the_smallest_fanout(default: Synthesized) -> None:
    counts = {
        "AWS::SNS::Topic": 2,  # the fanout topic and the shared alarm topic
        "AWS::KMS::Key": 2,
        "AWS::SQS::Queue": 3,  # queue, its DLQ, the subscription's DLQ
        "AWS::SNS::Subscription": 1,
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::Lambda::EventSourceMapping": 1,
        "AWS::CodeDeploy::DeploymentGroup": 1,
        "AWS::CloudWatch::Alarm": 6,
        "AWS::CloudWatch::Dashboard": 1,
    }
    assert {t: default.count(t) for t in counts} == counts


def test_topic_is_encrypted_with_a_rotated_key_and_tls_only(default: Synthesized) -> None:
    topic_id, topic = one(default, "AWS::SNS::Topic", "UserCreated")
    key_id, key = one(default, "AWS::KMS::Key", "UserCreatedTopicKey")
    assert topic == {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}  # standard, CFN-generated name
    assert key["EnableKeyRotation"] is True
    policies = [p["Properties"] for p in default.resources("AWS::SNS::TopicPolicy").values()]
    mine = next(p for p in policies if p["Topics"] == [{"Ref": topic_id}])
    (deny,) = statements(mine["PolicyDocument"])
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_subscription_defaults(default: Synthesized) -> None:
    topic_id, _ = one(default, "AWS::SNS::Topic", "UserCreated")
    queue_id, _ = one(default, "AWS::SQS::Queue", "welcomeemailQueueA")
    sub_dlq_id, _ = one(default, "AWS::SQS::Queue", "SubscriptionDeadLetterQueue")
    _, sub = one(default, "AWS::SNS::Subscription")
    assert sub["TopicArn"] == {"Ref": topic_id}
    assert sub["Endpoint"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert sub["RawMessageDelivery"] is True
    assert sub["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [sub_dlq_id, "Arn"]}}
    assert "FilterPolicy" not in sub  # every message


def test_queues_are_encrypted_tls_only_and_only_the_topic_sends(default: Synthesized) -> None:
    topic_id, _ = one(default, "AWS::SNS::Topic", "UserCreated")
    queues = default.resources("AWS::SQS::Queue")
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    senders = {}
    for policy in default.resources("AWS::SQS::QueuePolicy").values():
        (queue,) = policy["Properties"]["Queues"]
        docs = statements(policy["Properties"]["PolicyDocument"])
        assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s) for s in docs)
        allows = [s for s in docs if s["Effect"] == "Allow"]
        senders[queue["Ref"]] = allows
    assert set(senders) == set(queues)
    for queue_id, allows in senders.items():
        if "SubscriptionDeadLetterQueue" in queue_id or "QueueA" in queue_id:
            (allow,) = allows
            assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
            assert allow["Action"] == "sqs:SendMessage"
            assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": topic_id}}}
        else:  # the queue's DLQ: only SQS redrive moves messages there
            assert allows == []


def test_queue_and_dlq_defaults(default: Synthesized) -> None:
    dlq_id, dlq = one(default, "AWS::SQS::Queue", "QueueDeadLetterQueue")
    _, queue = one(default, "AWS::SQS::Queue", "welcomeemailQueueA")
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    assert queue["VisibilityTimeout"] == 60  # six times the 10 s function timeout
    assert "MessageRetentionPeriod" not in queue  # SQS default, 4 days
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    _, sub_dlq = one(default, "AWS::SQS::Queue", "SubscriptionDeadLetterQueue")
    assert sub_dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_function_consumes_its_own_queue_through_the_alias(default: Synthesized) -> None:
    queue_id, _ = one(default, "AWS::SQS::Queue", "welcomeemailQueueA")
    alias_id, alias = one(default, "AWS::Lambda::Alias")
    assert alias["Name"] == "live"
    _, mapping = one(default, "AWS::Lambda::EventSourceMapping")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert alias_id in json.dumps(mapping["FunctionName"])
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumBatchingWindowInSeconds" not in mapping
    assert "ScalingConfig" not in mapping  # no maximum concurrency
    _, fn = one(default, "AWS::Lambda::Function")
    assert fn["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "UserCreated-welcome-email"
    assert fn["TracingConfig"] == {"Mode": "Active"}
    _, policy = one(default, "AWS::IAM::Policy", "DefaultPolicy")
    sqs_statements = [s for s in statements(policy["PolicyDocument"]) if "sqs:ReceiveMessage" in s["Action"]]
    assert sqs_statements == [
        {
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueUrl",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
            ],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]


def alarm_props(s: Synthesized) -> list[dict[str, Any]]:
    """Every alarm's properties, the metric lifted to the top level."""
    return list(alarm_properties(s).values())


def test_alarms(default: Synthesized) -> None:
    alarms = {a["AlarmDescription"]: a for a in alarm_props(default)}
    by_metric = {(a["Namespace"], a["MetricName"]): a for a in alarms.values()}
    assert sorted(by_metric) == [
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SNS", "NumberOfNotificationsFailed"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # two: the DLQ and the subscription DLQ
    ]
    depth = [a for a in alarms.values() if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
    dlq_id, _ = one(default, "AWS::SQS::Queue", "QueueDeadLetterQueue")
    sub_dlq_id, _ = one(default, "AWS::SQS::Queue", "SubscriptionDeadLetterQueue")
    watched = sorted(json.dumps(a["Dimensions"]) for a in depth)
    assert watched == sorted(
        json.dumps([{"Name": "QueueName", "Value": {"Fn::GetAtt": [q, "QueueName"]}}])
        for q in (dlq_id, sub_dlq_id)
    )
    assert all(a["Threshold"] == 1 for a in depth)
    assert by_metric[("AWS/SQS", "ApproximateAgeOfOldestMessage")]["Threshold"] == 300
    topic_id, _ = one(default, "AWS::SNS::Topic", "UserCreated")
    failed = by_metric[("AWS/SNS", "NumberOfNotificationsFailed")]
    assert failed["Dimensions"] == [{"Name": "TopicName", "Value": {"Fn::GetAtt": [topic_id, "TopicName"]}}]
    alarm_topic, _ = one(default, "AWS::SNS::Topic", "ServerlessPatternsMonitoring")
    assert all(a["AlarmActions"] == [{"Ref": alarm_topic}] for a in alarms.values())


def test_canary_rolls_back_on_function_alarms_only(default: Synthesized) -> None:
    _, group = one(default, "AWS::CodeDeploy::DeploymentGroup")
    assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    rollback = json.dumps(group["AlarmConfiguration"]["Alarms"])
    assert "ErrorsAlarm" in rollback and "ThrottlesAlarm" in rollback
    assert len(group["AlarmConfiguration"]["Alarms"]) == 2  # a parked message must not block the fix


def test_maximal_options_are_applied(maximal: Synthesized) -> None:
    assert maximal.count("AWS::SNS::Topic") == 1  # only the alarm topic: the fanout topic is yours
    assert maximal.count("AWS::KMS::Key") == 1
    subs = {
        k: p
        for k, p in ((k, v["Properties"]) for k, v in maximal.resources("AWS::SNS::Subscription").items())
    }
    assert len(subs) == 3
    assert all(s["TopicArn"] == IMPORTED_TOPIC_ARN for s in subs.values())
    billing = next(s for k, s in subs.items() if "billing" in k)
    assert billing["RawMessageDelivery"] is False
    assert billing["FilterPolicy"] == {"region": ["eu", "us"], "total": [{"numeric": [">", 100]}]}
    assert billing["FilterPolicyScope"] == "MessageAttributes"
    shipping = next(s for k, s in subs.items() if "shipping" in k)
    assert shipping["FilterPolicyScope"] == "MessageBody"
    assert shipping["FilterPolicy"] == {"order": {"lines": {"sku": [{"prefix": "SHIP-"}]}}}
    mappings = {k: v["Properties"] for k, v in maximal.resources("AWS::Lambda::EventSourceMapping").items()}
    assert len(mappings) == 2  # audit is a queue for a consumer outside the stack
    billing_mapping = next(m for k, m in mappings.items() if "billing" in k)
    assert billing_mapping["BatchSize"] == 500
    assert billing_mapping["MaximumBatchingWindowInSeconds"] == 20
    assert billing_mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    billing_queue = queue(maximal, "billing")
    assert billing_queue["VisibilityTimeout"] == 6 * 30 + 20  # timeout x 6 + batching window
    assert billing_queue["MessageRetentionPeriod"] == 7 * 24 * 3600
    assert billing_queue["RedrivePolicy"]["maxReceiveCount"] == 5
    shipping_queue = queue(maximal, "shippingv2")
    assert shipping_queue["VisibilityTimeout"] == 120
    audit_queue = queue(maximal, "audit")
    assert audit_queue["VisibilityTimeout"] == 30
    assert maximal.count("AWS::CodeDeploy::DeploymentConfig") == 1  # linear 20% every 2 minutes
    assert maximal.count("AWS::CodeDeploy::DeploymentGroup") == 2
    alarms = alarm_props(maximal)
    assert len(alarms) == 1 + 3 * 3 + 2 * 2
    age = [a for a in alarms if a["MetricName"] == "ApproximateAgeOfOldestMessage"]
    assert len(age) == 3 and {a["Threshold"] for a in age} == {900}
    depth = [a for a in alarms if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
    assert len(depth) == 6 and {a["Threshold"] for a in depth} == {5}
    failed = next(a for a in alarms if a["MetricName"] == "NumberOfNotificationsFailed")
    assert failed["Dimensions"] == [{"Name": "TopicName", "Value": "orders"}]


def test_fifo_topic_to_fifo_queues(fifo: Synthesized) -> None:
    _, topic = one(fifo, "AWS::SNS::Topic", "Ledger")
    assert topic["FifoTopic"] is True
    assert topic["ContentBasedDeduplication"] is True
    assert topic["TopicName"].endswith(".fifo")
    queues = fifo.resources("AWS::SQS::Queue")
    assert len(queues) == 6
    for queue in queues.values():
        assert queue["Properties"]["FifoQueue"] is True
    _, mapping = one(fifo, "AWS::Lambda::EventSourceMapping")
    assert mapping["BatchSize"] == 5
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert fifo.count("AWS::CodeDeploy::DeploymentGroup") == 0  # DeploymentStrategy.none()
    assert fifo.count("AWS::CodeDeploy::Application") == 0
    (dashboard,) = fifo.resources("AWS::CloudWatch::Dashboard").values()  # the stack's, unused
    assert "FanoutQueue" not in json.dumps(dashboard)  # dashboard=False: no section


def test_grant_publish_names_the_topic_and_its_key_without_wildcards(fifo: Synthesized) -> None:
    topic_id, _ = one(fifo, "AWS::SNS::Topic", "Ledger")
    key_id, _ = one(fifo, "AWS::KMS::Key", "LedgerTopicKey")
    _, policy = one(fifo, "AWS::IAM::Policy", "Publisher")
    assert statements(policy["PolicyDocument"]) == [
        {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}},
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [key_id, "Arn"]},
        },
    ]


def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    fanout = FanoutQueue(stack, "Fanout", subscribers={"a": Subscriber(function=spec()), "b": Subscriber()})
    assert isinstance(fanout.topic, sns.Topic)
    assert fanout.topic_key is not None and not fanout.fifo
    a, b = fanout.subscribers["a"], fanout.subscribers["b"]
    assert a.node.path == "S/Fanout/Subscribers/a"
    assert a.function is not None and a.alias is not None and a.alias.alias_name == "live"
    assert a.event_source_mapping is not None
    assert b.function is None and b.alias is None and b.event_source_mapping is None
    for subscriber in (a, b):
        assert subscriber.queue is not subscriber.dead_letter_queue
        assert subscriber.subscription_dead_letter_queue is not subscriber.dead_letter_queue
        assert isinstance(subscriber.subscription, sns.Subscription)
    assert len(a.alarms) == 5 and len(b.alarms) == 3
    assert len(fanout.alarms) == 1 + 5 + 3
    assert fanout.notifications_failed_alarm in fanout.alarms
    assert fanout.metric_number_of_notifications_failed().metric_name == "NumberOfNotificationsFailed"
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(fanout.grant_publish(role), iam.Grant)
    own = FanoutQueue(
        stack,
        "Own",
        topic=sns.Topic.from_topic_arn(stack, "T", IMPORTED_TOPIC_ARN + ".fifo"),
        subscribers={"a": Subscriber()},
    )
    assert own.fifo and own.topic_key is None and own.deployments is None
    assert isinstance(own.grant_publish(role), iam.Grant)


# ---------------------------------------------------------------- validation
def make(**props: Any) -> dict[str, Any]:
    """Builds the pattern and returns the synthesized template's resources (no rule packs)."""
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    if props.get("topic") == "imported":
        props["topic"] = sns.Topic.from_topic_arn(stack, "T", IMPORTED_TOPIC_ARN)
    FanoutQueue(stack, "Fanout", **props)
    return app.synth().get_stack_by_name("S").template["Resources"]  # type: ignore[no-any-return]


def mappings_by_subscriber(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each subscriber's event source mapping properties, by the subscriber's logical-ID fragment."""
    return {
        k.split("Subscribers", 1)[1].split("EventSourceMapping", 1)[0]: r["Properties"]
        for k, r in resources.items()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }


FN = Subscriber(function=spec())


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"subscribers": {}}, "subscribers must name at least one Subscriber"),
        ({"subscribers": {"a b": FN}}, r"names must be 1..64 letters, digits, '-' or '_', got 'a b'"),
        ({"subscribers": {"x" * 65: FN}}, "names must be 1..64"),
        ({"subscribers": {"a": spec()}}, r"subscribers\['a'\] must be a Subscriber, got FunctionSpec"),
        (
            {"subscribers": {"a": Subscriber(function=spec(memory_size=64))}},
            r"subscribers\['a'\].function.memory_size must be 128..10240 MB, got 64",
        ),
        (
            {"subscribers": {"a": Subscriber(function=spec(), batch_size=0)}},
            r"batch_size must be 1..10000 messages, got 0",
        ),
        (
            {
                "subscribers": {
                    "a": Subscriber(
                        function=spec(), batch_size=10001, max_batching_window=cdk.Duration.seconds(1)
                    )
                }
            },
            r"batch_size must be 1..10000 messages, got 10001",
        ),
        (
            {"subscribers": {"a": Subscriber(function=spec(), batch_size=11)}},
            "batch_size above 10 needs a max_batching_window of at least 1 second, got batch_size 11 and a window of 0 s",
        ),
        (
            {
                "subscribers": {
                    "a": Subscriber(
                        function=spec(), batch_size=50, max_batching_window=cdk.Duration.millis(500)
                    )
                }
            },
            "needs a max_batching_window of at least 1 second",
        ),
        (
            {"subscribers": {"a": Subscriber(function=spec(), max_batching_window=cdk.Duration.minutes(6))}},
            r"max_batching_window must be 0..300 seconds, got 360",
        ),
        (
            {"subscribers": {"a": Subscriber(function=spec(), max_batching_window=5)}},
            "max_batching_window must be a Duration, got 5",
        ),  # type: ignore[arg-type]
        (
            {"subscribers": {"a": Subscriber(function=spec(), max_concurrency=1)}},
            r"max_concurrency must be 2..1000, got 1",
        ),
        (
            {"subscribers": {"a": Subscriber(function=spec(), max_concurrency=1001)}},
            r"max_concurrency must be 2..1000, got 1001",
        ),
        (
            {"fifo": True, "subscribers": {"a": Subscriber(function=spec(), batch_size=11)}},
            r"batch_size must be 1..10 messages for a FIFO queue, got 11",
        ),
        (
            {
                "fifo": True,
                "subscribers": {
                    "a": Subscriber(function=spec(), max_batching_window=cdk.Duration.seconds(1))
                },
            },
            "max_batching_window is not supported for FIFO queues",
        ),
        (
            {"subscribers": {"a": Subscriber(batch_size=5, max_concurrency=3)}},
            r"batch_size, max_concurrency configure the function's event source; give a function",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"plan": "pro"})}},
            r"filter_policy\['plan'\] must be a list of values, got 'pro'",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"plan": []})}},
            r"filter_policy\['plan'\] must list at least one value",
        ),
        ({"subscribers": {"a": Subscriber(filter_policy={})}}, "filter_policy must be a non-empty dict"),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"a": {"b": ["c"]}})}},
            "only a filter_policy_scope of FilterPolicyScope.MESSAGE_BODY allows",
        ),
        (
            {
                "subscribers": {
                    "a": Subscriber(
                        filter_policy={"a": {}}, filter_policy_scope=FilterPolicyScope.MESSAGE_BODY
                    )
                }
            },
            r"filter_policy\['a'\] must be a non-empty dict or a list of values",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"a": [["nested"]]})}},
            "values must be strings, numbers, booleans or operator dicts",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={k: ["v"] for k in "abcdef"})}},
            "may match at most 5 names, got 6",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"a": list(range(20)), "b": list(range(10))})}},
            "at most 150 combinations of values, got 200",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"$or": [{"a": ["1"]}]})}},
            r"\['\$or'\] must be a list of at least two filter policies",
        ),
        (
            {"subscribers": {"a": Subscriber(filter_policy={"a": ["1"]}, filter_policy_scope="Body")}},
            "filter_policy_scope must be one of MessageAttributes, MessageBody, got 'Body'",
        ),
        (
            {"subscribers": {"a": Subscriber(queue=QueueOptions(max_receive_count=0))}},
            r"subscribers\['a'\].queue.max_receive_count must be 1..1000, got 0",
        ),
        (
            {
                "subscribers": {
                    "a": Subscriber(
                        function=spec(timeout=cdk.Duration.seconds(60)),
                        queue=QueueOptions(visibility_timeout=cdk.Duration.seconds(30)),
                    )
                }
            },
            r"queue.visibility_timeout must be at least the function's timeout \(60 s\), got 30 s",
        ),
        (
            {"content_based_deduplication": True, "subscribers": {"a": FN}},
            "content_based_deduplication needs a FIFO topic",
        ),
        (
            {"topic": "imported", "fifo": True, "subscribers": {"a": FN}},
            "fifo configure the topic this construct creates; they cannot be combined with topic",
        ),
        (
            {"topic": "imported", "content_based_deduplication": True, "subscribers": {"a": FN}},
            "content_based_deduplication configure the topic",
        ),
        (
            {"subscribers": {"a": FN}, "deployment": DeploymentStrategy.canary(0)},
            r"deployment.percent must be 1..99, got 0",
        ),
        (
            {
                "subscribers": {"a": FN},
                "monitoring": MonitoringOptions(thresholds=AlarmThresholds(dlq_depth=-1)),
            },
            "thresholds.dlq_depth must be a number >= 0",
        ),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_valid_edge_values_are_accepted() -> None:
    resources = make(
        subscribers={
            "a": Subscriber(function=spec(), batch_size=10000, max_batching_window=cdk.Duration.seconds(300)),
            "b": Subscriber(function=spec(), batch_size=1, max_concurrency=1000),
            "c": Subscriber(filter_policy={"$or": [{"a": ["1"]}, {"b": [{"exists": True}]}]}),
            "d": Subscriber(
                filter_policy={"a": {"b": ["x"], "c": [1, True]}},
                filter_policy_scope=FilterPolicyScope.MESSAGE_BODY,
            ),
            "e-f_G9": Subscriber(function=spec(), max_batching_window=cdk.Duration.seconds(0)),
        }
    )
    mappings = mappings_by_subscriber(resources)
    assert (mappings["a"]["BatchSize"], mappings["a"]["MaximumBatchingWindowInSeconds"]) == (10000, 300)
    assert (mappings["b"]["BatchSize"], mappings["b"]["ScalingConfig"]) == (1, {"MaximumConcurrency": 1000})
    assert mappings["efG9"].get("MaximumBatchingWindowInSeconds", 0) == 0
    policies = {
        json.dumps(r["Properties"].get("FilterPolicy"), sort_keys=True): r["Properties"].get(
            "FilterPolicyScope"
        )
        for r in resources.values()
        if r["Type"] == "AWS::SNS::Subscription" and "FilterPolicy" in r["Properties"]
    }
    assert policies == {
        json.dumps({"$or": [{"a": ["1"]}, {"b": [{"exists": True}]}]}, sort_keys=True): "MessageAttributes",
        json.dumps({"a": {"b": ["x"], "c": [1, True]}}, sort_keys=True): "MessageBody",
    }


def test_every_problem_in_one_error() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(
            content_based_deduplication=True,
            subscribers={
                "bad name": Subscriber(function=spec(handler="x"), max_concurrency=0),
                "ok": Subscriber(filter_policy={"a": "b"}),
            },
        )
    assert len(raised.value.problems) == 5, raised.value.problems
    assert isinstance(raised.value, ValueError)


def test_tokens_are_not_validated() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    number = cdk.CfnParameter(stack, "Number", type="Number").value_as_number
    window = cdk.Duration.seconds(cdk.CfnParameter(stack, "Window", type="Number").value_as_number)
    FanoutQueue(
        stack,
        "Fanout",
        subscribers={
            "a": Subscriber(
                function=spec(), batch_size=number, max_concurrency=number, max_batching_window=window
            )
        },
    )
    (mapping,) = mappings_by_subscriber(app.synth().get_stack_by_name("S").template["Resources"]).values()
    assert mapping["BatchSize"] == {"Ref": "Number"}  # passed through unchecked, not dropped
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "Number"}}
    assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "Window"}


# ---------------------------------------------------------------- example handlers
@dataclass
class Context:
    function_name: str = "fanout"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:fanout:live"
    aws_request_id: str = "0f4e1c1e-5b0a-4c1e-9a57-2f2a0e0f6b43"


def load_handler(name: str) -> ModuleType:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "fanout")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ServerlessPatterns")
    module_spec = importlib.util.spec_from_file_location(
        f"fanout_example_{name}", EXAMPLE_HANDLERS / f"{name}.py"
    )
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def sqs_record(
    message_id: str, body: dict[str, Any], attributes: dict[str, str] | None = None
) -> dict[str, Any]:
    """An SQS record as Lambda delivers it from a raw-delivery SNS subscription."""
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}",
        "body": json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1763900000000",
            "SenderId": "AIDAISMY7JYY5F7RTT6AO",
            "ApproximateFirstReceiveTimestamp": "1763900000001",
        },
        "messageAttributes": {
            k: {"stringValue": v, "stringListValues": [], "binaryListValues": [], "dataType": "String"}
            for k, v in (attributes or {}).items()
        },
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:welcome",
        "awsRegion": "us-east-1",
    }


def test_welcome_handler_reports_only_the_failed_record() -> None:
    welcome = load_handler("welcome")
    event = {
        "Records": [
            sqs_record("m1", {"id": "u1", "email": "ada@example.com"}),
            sqs_record("m2", {"id": "u2"}),
        ]
    }
    assert welcome.handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


def test_analytics_handler_counts_pro_signups(capsys: pytest.CaptureFixture[str]) -> None:
    analytics = load_handler("analytics")
    event = {
        "Records": [
            sqs_record("m1", {"id": "u1", "plan": "pro"}, {"plan": "pro"}),
            sqs_record("m2", {"plan": "pro"}, {"plan": "pro"}),
        ]
    }
    assert analytics.handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert '"ProSignups"' in capsys.readouterr().out  # the EMF metric was flushed
