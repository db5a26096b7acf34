"""TopicSource (serverless_patterns/core/sources/topic.py) and the content-filter rules it shares with
RuleSource (serverless_patterns/core/sources/filters.py): each service's own messages, the source's
problems, its sample event as Powertools reads it, and what it binds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from serverless_patterns import FunctionSpec, QueueOptions
from serverless_patterns.core import InvocationType, Pattern
from serverless_patterns.core.consumer import Batching
from serverless_patterns.core.monitoring import AlarmKind, rolls_back
from serverless_patterns.core.sources.filters import EVENTBRIDGE, SNS, FilterSyntax, values_problems
from serverless_patterns.core.sources.rule import event_pattern_problems
from serverless_patterns.core.sources.topic import FilterPolicyScope, TopicSource, filter_policy_problems

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:orders"


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler", **kwargs)


# ---------------------------------------------------------------- one rule set, two services' words
@pytest.mark.parametrize(
    ("values", "eventbridge", "sns_"),
    [
        (
            [{"prefix": "a", "suffix": "b"}],
            "x: a content filter has exactly one operator, got {'prefix': 'a', 'suffix': 'b'}",
            "x: an operator dict must have exactly one operator, got {'prefix': 'a', 'suffix': 'b'}",
        ),
        (
            [{"prefx": "a"}],
            "x: unknown content filter 'prefx' (did you mean 'prefix'?); EventBridge knows anything-but, "
            "cidr, equals-ignore-case, exists, numeric, prefix, suffix, wildcard",
            "x: unknown operator 'prefx'; SNS knows anything-but, cidr, equals-ignore-case, exists, "
            "numeric, prefix, suffix, wildcard",
        ),
        (
            [{"prefix": ""}],
            "x: prefix takes a non-empty string (or {'equals-ignore-case': string}), got ''",
            "x: prefix takes a non-empty string (or {'equals-ignore-case': ...}), got ''",
        ),
        (
            [{"equals-ignore-case": 5}],
            "x: equals-ignore-case takes a non-empty string, got 5",
            "x: equals-ignore-case takes a string, got 5",
        ),
        (
            [{"exists": "yes"}],
            "x: exists takes True or False, got 'yes'",
            "x: exists takes true or false, got 'yes'",
        ),
        (
            [{"wildcard": "a**"}],
            "x: wildcard takes a string without consecutive '*', got 'a**'",
            "x: wildcard takes a string without consecutive '*', got 'a**'",
        ),
        (
            [{"cidr": "10.0.0.0"}],
            "x: cidr takes an IP address prefix such as '10.0.0.0/24', got '10.0.0.0'",
            "x: cidr takes an IP address prefix such as '10.0.0.0/24', got '10.0.0.0'",
        ),
        (
            [{"numeric": [">", 5, "<", 1]}],
            "x: numeric takes [op, n] or [lower op, n, upper op, m] with op among <, <=, =, >, >=, numbers "
            "within -5e9..5e9 and lower below upper; got ['>', 5, '<', 1]",
            "x: numeric takes ['=', n], [op, n] or [lower op, n, upper op, m] with op among <, <=, >, >= "
            "and numbers within -1e9..1e9, lower below upper; got ['>', 5, '<', 1]",
        ),
        (
            [None],
            "x may not list null: aws-cdk-lib drops null from a list on its way to CloudFormation, so the "
            "pattern would not match what it says; match a missing field with {'exists': False}",
            "x may not list null: aws-cdk-lib drops null from a list on its way to CloudFormation, so the "
            "policy would not match what it says; match a missing key with {'exists': False}",
        ),
        (
            [object],
            "x values must be strings, numbers, booleans or content filters such as {'prefix': 'a'}, "
            "got <class 'object'>",
            "x values must be strings, numbers, booleans or operator dicts such as {'prefix': 'a'}, "
            "got <class 'object'>",
        ),
        (
            [6e9],
            "x numbers must be within -5e9..5e9, got 6000000000.0",
            "x numbers must be within -1e9..1e9, got 6000000000",
        ),
        ([], "x must list at least one value, got []", "x must list at least one value, got []"),
    ],
)
def test_each_service_words_the_same_rule_its_way(values: list[Any], eventbridge: str, sns_: str) -> None:
    assert values_problems(EVENTBRIDGE, "x", values) == [eventbridge]
    assert values_problems(SNS, "x", values) == [sns_]


@pytest.mark.parametrize(
    ("syntax", "operand", "ok"),
    [
        (EVENTBRIDGE, ("<", 5), True),  # EventBridge takes a tuple for a list
        (SNS, ("<", 5), False),
        (EVENTBRIDGE, [1, 2e9], True),
        (SNS, [1, 2e9], True),
        (EVENTBRIDGE, [1, 6e9], False),  # EventBridge checks the numbers of an anything-but list
        (SNS, [1, 6e9], True),
        (EVENTBRIDGE, {"prefix": ["a", "b"]}, True),  # EventBridge takes a list for a nested filter
        (SNS, {"prefix": ["a", "b"]}, False),
        (SNS, {"suffix": "a"}, True),
        (SNS, 2e9, False),
        (EVENTBRIDGE, 2e9, True),
        (SNS, True, False),
    ],
)
def test_anything_but_and_numeric_follow_each_service(syntax: FilterSyntax, operand: Any, ok: bool) -> None:
    operator = "numeric" if isinstance(operand, tuple) else "anything-but"
    assert (values_problems(syntax, "x", [{operator: operand}]) == []) is ok


def test_or_alternatives_are_walked_in_both_services() -> None:
    assert event_pattern_problems("p", {"$or": [{"source": ["a"]}, {"source": [None]}]})[0].startswith(
        "p['$or'][1]['source'] may not list null"
    )
    assert event_pattern_problems("p", {"$or": [{"source": ["a"]}]}) == [
        "p['$or'] must be a list of at least two patterns, got [{'source': ['a']}]"
    ]
    assert event_pattern_problems("p", {"$or": ({"source": ["a"]}, 5)}) == [
        "p['$or'][1] must be a non-empty mapping, got 5"
    ]
    scope = FilterPolicyScope.MESSAGE_ATTRIBUTES
    assert filter_policy_problems("f", {"$or": [{"a": ["x"]}, {"b": [7e9]}]}, scope) == [
        "f['$or'][1]['b'] numbers must be within -1e9..1e9, got 7000000000"
    ]
    assert filter_policy_problems("f", {"$or": ({"a": ["x"]}, {"b": ["y"]})}, scope) == [
        "f['$or'] must be a list of at least two filter policies, got ({'a': ['x']}, {'b': ['y']})"
    ]
    assert filter_policy_problems("f", {"$or": [{"a": ["x"]}, {}]}, scope) == [
        "f['$or'][1] must be a non-empty dict, got {}"
    ]
    assert filter_policy_problems("f", {"": ["x"]}, scope) == ["f: names must be non-empty strings, got ''"]
    assert event_pattern_problems("p", {5: ["x"]}) == ["p: field names must be non-empty strings, got 5"]


def test_filter_policy_limits_count_leaves_and_combinations_across_alternatives() -> None:
    body = FilterPolicyScope.MESSAGE_BODY
    six = {f"k{i}": ["a"] for i in range(6)}
    assert filter_policy_problems("f", six, body) == ["f may match at most 5 names, got 6"]
    # 2 * 3 * 5 * (5 * 2: nested one level down) = 300 combinations
    many = {"a": ["1", "2"], "$or": [{"b": ["1", "2", "3"]}, {"c": list("12345")}], "d": {"e": list("12345")}}
    assert filter_policy_problems("f", many, body) == [
        "f must have at most 150 combinations of values, got 300"
    ]
    assert filter_policy_problems("f", {"a": {"b": ["x"]}}, FilterPolicyScope.MESSAGE_ATTRIBUTES) == [
        "f['a'] is a nested dict, which only a filter_policy_scope of FilterPolicyScope.MESSAGE_BODY "
        "allows; got {'b': ['x']}"
    ]


# ---------------------------------------------------------------- TopicSource problems
def test_problems_name_each_option_under_the_prop() -> None:
    source = TopicSource(
        topic="orders",  # type: ignore[arg-type]
        fifo=True,
        filter_policy={"plan": "pro"},
        filter_policy_scope="Body",  # type: ignore[arg-type]
        raw_message_delivery=1,  # type: ignore[arg-type]
        queue=QueueOptions(visibility_timeout=cdk.Duration.seconds(5)),
        batching=Batching(batch_size=20),
    )
    assert source.problems("sub", function=spec(timeout=cdk.Duration.seconds(10))) == [
        "sub.topic must be an sns.ITopic, got str",
        "sub.queue.visibility_timeout must be at least the function's timeout (10 s), got 5 s",
        "sub.batching.batch_size must be 1..10 messages for a FIFO queue, got 20",
        "sub.raw_message_delivery must be True or False, got 1",
        "sub.filter_policy_scope must be one of MessageAttributes, MessageBody, got 'Body'",
        "sub.filter_policy['plan'] must be a list of values, got 'pro'",
    ]
    assert TopicSource().problems("") == []
    assert TopicSource(filter_policy={}).subscription_problems("") == [
        "filter_policy must be a non-empty dict of name to a list of values, got {}"
    ]


# ---------------------------------------------------------------- sample event
@pytest.mark.parametrize("fifo", [False, True])
def test_raw_delivery_sample_is_the_message_with_its_attributes(fifo: bool) -> None:
    source = TopicSource(fifo=fifo, filter_policy={"plan": ["pro", "team"], "size": [{"numeric": [">", 1]}]})
    (record,) = list(SQSEvent(dict(source.sample_event())).records)
    assert record.json_body == {"id": "1234", "action": "process"}
    assert record.message_attributes["plan"].string_value == "pro"
    assert "size" not in record.message_attributes
    assert (record.attributes.message_group_id is not None) is fifo


def test_enveloped_sample_is_the_sns_notification_as_body() -> None:
    source = TopicSource(raw_message_delivery=False, filter_policy={"plan": ["pro"]})
    (record,) = list(SQSEvent(dict(source.sample_event())).records)
    envelope = record.json_body
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == TOPIC_ARN
    assert json.loads(envelope["Message"]) == {"id": "1234", "action": "process"}
    assert envelope["MessageAttributes"] == {"plan": {"Type": "String", "Value": "pro"}}
    assert record.message_attributes == {}
    body = TopicSource(filter_policy={"plan": ["pro"]}, filter_policy_scope=FilterPolicyScope.MESSAGE_BODY)
    assert next(iter(SQSEvent(dict(body.sample_event())).records)).message_attributes == {}


# ---------------------------------------------------------------- bind
def bound(source: TopicSource, *, with_function: bool) -> tuple[Pattern, Any, dict[str, Any]]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    if source.topic == "imported":
        source = TopicSource(**{**vars(source), "topic": sns.Topic.from_topic_arn(stack, "T", TOPIC_ARN)})
    pf = pattern._single_function(spec(), InvocationType.EVENT_SOURCE) if with_function else None
    binding = pattern.attach(source, pattern, function=pf, title="S/P")
    return pattern, binding, app.synth().get_stack_by_name("S").template["Resources"]


def of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template.items() if r["Type"] == type_}


def test_binding_subscribes_the_queue_with_its_filter_and_a_redrive_queue() -> None:
    source = TopicSource(
        topic="imported",  # type: ignore[arg-type]
        filter_policy={"plan": ["pro"]},
        raw_message_delivery=False,
    )
    pattern, binding, template = bound(source, with_function=True)
    (subscription,) = of_type(template, "AWS::SNS::Subscription").values()
    queues = of_type(template, "AWS::SQS::Queue")
    (queue_id,) = [k for k, q in queues.items() if "RedrivePolicy" in q]
    (redrive_id,) = [k for k in queues if "SubscriptionDeadLetterQueue" in k]
    assert subscription["TopicArn"] == TOPIC_ARN
    assert subscription["Endpoint"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert subscription["RawMessageDelivery"] is False
    assert subscription["FilterPolicy"] == {"plan": ["pro"]}
    assert subscription["FilterPolicyScope"] == "MessageAttributes"
    assert subscription["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [redrive_id, "Arn"]}}
    senders = [
        s
        for p in of_type(template, "AWS::SQS::QueuePolicy").values()
        if p["Queues"] == [{"Ref": queue_id}]
        for s in p["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert senders == [
        {
            "Action": "sqs:SendMessage",
            "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}},
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]
    assert [a.id for a in binding.alarms] == [
        "DeadLetterQueueDepthAlarm",
        "MessageAgeAlarm",
        "SubscriptionDeadLetterQueueDepthAlarm",
    ]
    assert not any(rolls_back(a.kind) for a in binding.alarms)
    assert binding.alarms[2].kind == AlarmKind.DLQ_DEPTH
    assert [g.title for g in binding.graphs] == ["P: messages", "P: oldest message age (s)"]
    assert [m.label for m in binding.graphs[0].metrics][-1] == "Undeliverable"  # type: ignore[union-attr]
    assert set(binding.resources) >= {
        "subscription",
        "subscription_dead_letter_queue",
        "event_source_mapping",
    }
    assert len(of_type(template, "AWS::Lambda::EventSourceMapping")) == 1
    assert len(pattern.alarms) == 2 + 3


def test_without_a_topic_binding_is_an_error() -> None:
    with pytest.raises(ValueError, match="subscribes to a topic"):
        bound(TopicSource(), with_function=False)


def test_without_a_function_the_queue_waits_for_an_outside_consumer() -> None:
    _, binding, template = bound(TopicSource(topic="imported"), with_function=False)  # type: ignore[arg-type]
    assert binding.resources["event_source_mapping"] is None
    assert of_type(template, "AWS::Lambda::EventSourceMapping") == {}
    (subscription,) = of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["RawMessageDelivery"] is True and "FilterPolicy" not in subscription
