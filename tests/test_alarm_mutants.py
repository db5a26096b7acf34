"""Alarm wiring, the alarm topic and the dashboard, each built in its own small stack.

The pattern tests synthesize once per module (with the rule packs), so a mutant of
``core/monitoring.py`` or ``core/topic.py`` is only run against the first test that built the
fixture. These tests build what they check themselves, and compare with what aws-cdk-lib's own
``Alarm``, ``GraphWidget``, ``TextWidget``, ``AlarmStatusWidget`` and ``Dashboard`` render, so they
are the fast tests of the ``alarms`` mutation area (``scripts/mutation.sh alarms``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from serverless_patterns import Monitoring, MonitoringOptions, PatternValidationError
from serverless_patterns.core import monitoring as monitoring_module
from serverless_patterns.core.monitoring import (
    AlarmKind,
    AlarmThresholds,
    ExpressionSpec,
    Graph,
    MetricSpec,
    rolls_back,
    threshold_problems,
)
from serverless_patterns.core.topic import encrypted_topic, grant_publish

ENV = cdk.Environment(account="123456789012", region="us-east-1")

# How each kind of alarm measures its metric, as the README and AlarmThresholds document it:
# statistic, period (seconds), evaluation periods (= datapoints to alarm), rolls a canary back.
KINDS: dict[AlarmKind, tuple[str, int, int, bool]] = {
    AlarmKind.ERRORS: ("Sum", 60, 1, True),
    AlarmKind.ERROR_RATE: ("Average", 300, 1, True),
    AlarmKind.THROTTLES: ("Sum", 60, 1, True),
    AlarmKind.LATENCY_P99: ("p99", 300, 1, True),
    AlarmKind.SERVER_ERROR_RATE: ("Average", 300, 1, True),
    AlarmKind.DLQ_DEPTH: ("Maximum", 60, 1, False),
    AlarmKind.MESSAGE_AGE: ("Maximum", 60, 5, False),
    AlarmKind.ITERATOR_AGE: ("Maximum", 60, 5, False),
    AlarmKind.NOTIFICATIONS_FAILED: ("Sum", 300, 1, False),
    AlarmKind.EXECUTIONS_FAILED: ("Sum", 300, 1, False),
    AlarmKind.EXECUTIONS_TIMED_OUT: ("Sum", 300, 1, False),
    AlarmKind.EXECUTIONS_THROTTLED: ("Sum", 300, 1, False),
    AlarmKind.EXECUTIONS_ABORTED: ("Sum", 300, 1, False),
}


@pytest.fixture(autouse=True)
def _empty_process_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The module's per-process caches (the region token, Durations), emptied for each test: a
    mutant runs in a process forked after the unmutated tests filled them."""
    monkeypatch.setattr(monitoring_module, "_DURATIONS", {})
    monkeypatch.setattr(monitoring_module, "_REGION", [])


def _stack() -> tuple[cdk.App, cdk.Stack]:
    app = cdk.App()
    return app, cdk.Stack(app, "S", env=ENV)


def _template(app: cdk.App) -> dict[str, Any]:
    return app.synth().get_stack_by_name("S").template  # type: ignore[no-any-return]


def _of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _one(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = _of_type(template, type_)
    assert len(found) == 1, found
    return next(iter(found.items()))


def _flat(value: Any) -> str:
    """A rendered string value with each token written as ``${...}`` (Fn::Join parts joined)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return str(sep).join(_flat(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"${{{value['Ref']}}}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"${{{'.'.join(value['Fn::GetAtt'])}}}"
    raise AssertionError(f"unexpected token {value!r}")


def _reference_alarm(
    stack: cdk.Stack, id: str, metric: cw.IMetric, kind: AlarmKind, **props: Any
) -> cw.Alarm:
    evaluations = KINDS[kind][2]
    alarm = cw.Alarm(
        stack,
        id,
        metric=metric,
        evaluation_periods=evaluations,
        datapoints_to_alarm=evaluations,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        **props,
    )
    return alarm


# ------------------------------------------------------------------------------------ alarms
def test_every_kind_of_alarm_measures_notifies_and_rolls_back_as_documented() -> None:
    app, stack = _stack()
    monitoring = Monitoring(stack)
    thresholds = AlarmThresholds(**{kind.value: 7 + i for i, kind in enumerate(AlarmKind)})
    for i, kind in enumerate(AlarmKind):
        metric = Monitoring.metric("NS", f"Metric{i}", {"Name": f"thing{i}"}, kind=kind)
        monitoring.alarm(
            stack, f"Alarm{i}", kind=kind, metric=metric, subject=f"thing {i}", thresholds=thresholds
        )
    template = _template(app)
    topic_id, _ = _one(template, "AWS::SNS::Topic")
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) == len(AlarmKind)
    for i, kind in enumerate(AlarmKind):
        statistic, period, evaluations, rollback = KINDS[kind]
        props = next(a["Properties"] for k, a in alarms.items() if k.startswith(f"Alarm{i}"))
        assert props["MetricName"] == f"Metric{i}"
        assert props["Namespace"] == "NS"
        assert props["Dimensions"] == [{"Name": "Name", "Value": f"thing{i}"}]
        assert props["Period"] == period
        stat_key = "ExtendedStatistic" if statistic.startswith("p") else "Statistic"
        assert props[stat_key] == statistic
        assert ({"ExtendedStatistic", "Statistic"} - {stat_key}).isdisjoint(props)
        assert props["Threshold"] == 7 + i
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["EvaluationPeriods"] == evaluations
        assert props["DatapointsToAlarm"] == evaluations
        assert props["TreatMissingData"] == "notBreaching"
        assert props["AlarmActions"] == [{"Ref": topic_id}]
        assert props["AlarmDescription"].startswith(f"thing {i}: ")
        assert f"{7 + i}" in props["AlarmDescription"]
        assert rolls_back(kind) is rollback
        assert rolls_back(kind.value) is rollback
    assert not rolls_back("no such kind")


def test_alarms_render_as_cloudwatch_alarm_renders_them() -> None:
    """The same alarm through Monitoring.alarm and through aws-cdk-lib's Alarm: a plain metric, a
    percentile, a labelled metric (a metric-math query) and an expression with hidden inputs."""
    app, stack = _stack()
    monitoring = Monitoring(stack)
    action = cw_actions.SnsAction(monitoring.topic)
    errors = Monitoring.metric("AWS/Lambda", "Errors", {"FunctionName": "f"}, kind=AlarmKind.ERRORS)
    p99 = Monitoring.metric("AWS/ApiGateway", "Latency", {"ApiName": "a"}, kind=AlarmKind.LATENCY_P99)
    labelled = Monitoring.queue_metric("q", kind=AlarmKind.MESSAGE_AGE, label="Oldest message")
    invocations = Monitoring.metric("AWS/Lambda", "Invocations", {"FunctionName": "f"}, label="Calls")
    # errors is measured over 1 minute: the expression's 5 minutes override it, as in MathExpression.
    rate = Monitoring.rate_percent(errors, invocations, kind=AlarmKind.ERROR_RATE, label="Error rate %")
    thresholds = AlarmThresholds()
    cases: list[tuple[str, AlarmKind, MetricSpec | ExpressionSpec, float]] = [
        ("Plain", AlarmKind.ERRORS, errors, 1),
        ("Percentile", AlarmKind.LATENCY_P99, p99, 3000),
        ("Labelled", AlarmKind.MESSAGE_AGE, labelled, 300),
        ("Rate", AlarmKind.ERROR_RATE, rate, 5),
    ]
    for id, kind, metric, threshold in cases:
        ours = monitoring.alarm(
            stack, f"Ours{id}", kind=kind, metric=metric, subject=id, thresholds=thresholds
        )
        reference = _reference_alarm(
            stack,
            f"Ref{id}",
            metric.to_metric(),
            kind,
            threshold=threshold,
            alarm_description=ours.alarm_description,
        )
        reference.add_alarm_action(action)
    alarms = _of_type(_template(app), "AWS::CloudWatch::Alarm")
    for id, *_ in cases:
        ours = next(a["Properties"] for k, a in alarms.items() if k.startswith(f"Ours{id}"))
        reference = next(a["Properties"] for k, a in alarms.items() if k.startswith(f"Ref{id}"))
        assert ours == reference, id


def test_alarm_descriptions_say_what_fired() -> None:
    _, stack = _stack()
    monitoring = Monitoring(stack)
    metric = Monitoring.metric("NS", "M", {}, kind=AlarmKind.ERRORS)
    alarm = monitoring.alarm(
        stack, "A", kind=AlarmKind.LATENCY_P99, metric=metric, subject="Api", thresholds=AlarmThresholds()
    )
    assert alarm.alarm_description == "Api: p99 latency >= 3000 ms over 5 minutes"
    dlq = monitoring.alarm(
        stack,
        "B",
        kind=AlarmKind.DLQ_DEPTH,
        metric=metric,
        subject="Q",
        thresholds=AlarmThresholds(dlq_depth=2.5),
    )
    assert dlq.alarm_description == "Q: 2.5 or more messages parked"
    assert dlq.threshold == 2.5


def test_an_alarm_notifies_the_topic_given() -> None:
    app, stack = _stack()
    arn = "arn:aws:sns:us-east-1:123456789012:oncall"
    monitoring = Monitoring(stack, alarm_topic=sns.Topic.from_topic_arn(stack, "Given", arn))
    assert monitoring.topic_key is None
    monitoring.alarm(
        stack,
        "A",
        kind=AlarmKind.ERRORS,
        metric=Monitoring.metric("NS", "M", {}),
        subject="x",
        thresholds=AlarmThresholds(),
    )
    template = _template(app)
    assert _of_type(template, "AWS::KMS::Key") == {}
    assert _of_type(template, "AWS::SNS::Topic") == {}
    _, alarm = _one(template, "AWS::CloudWatch::Alarm")
    assert alarm["Properties"]["AlarmActions"] == [arn]


# ------------------------------------------------------------------------------------ metrics
def test_metrics_are_measured_as_their_kind_or_as_asked() -> None:
    measured = Monitoring.metric(
        "NS", "M", {"A": "1", "B": "2"}, kind=AlarmKind.ITERATOR_AGE, statistic="Sum"
    )
    assert measured == MetricSpec("NS", "M", (("A", "1"), ("B", "2")), "Maximum", 1, None)
    plain = Monitoring.metric("NS", "M", {"A": "1"}, statistic="Average", period_minutes=15, label="L")
    assert plain == MetricSpec("NS", "M", (("A", "1"),), "Average", 15, "L")
    assert Monitoring.metric("NS", "M", {}) == MetricSpec("NS", "M", (), "Sum", 5, None)
    depth = Monitoring.queue_metric("q1", kind=AlarmKind.DLQ_DEPTH, label="Parked")
    assert depth == MetricSpec(
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", (("QueueName", "q1"),), "Maximum", 1, "Parked"
    )
    age = Monitoring.queue_metric("q2", kind=AlarmKind.MESSAGE_AGE)
    assert age == MetricSpec("AWS/SQS", "ApproximateAgeOfOldestMessage", (("QueueName", "q2"),), "Maximum", 1)
    rate = Monitoring.rate_percent(depth, age, kind=AlarmKind.SERVER_ERROR_RATE, label="R")
    assert rate == ExpressionSpec("IF(d > 0, 100 * n / d, 0)", (("n", depth), ("d", age)), "R", 5)


def test_metric_objects_match_their_specs() -> None:
    spec = MetricSpec("NS", "M", (("A", "1"),), "p90", 1, "Label")
    metric = spec.to_metric()
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("NS", "M", "p90")
    assert metric.dimensions == {"A": "1"}
    assert metric.period.to_minutes() == 1
    assert metric.label == "Label"
    changed = spec.to_metric(period=cdk.Duration.minutes(10), statistic="Maximum", label="Other")
    assert (changed.period.to_minutes(), changed.statistic, changed.label) == (10, "Maximum", "Other")
    expression = ExpressionSpec("m / 1000", (("m", spec),), "Seconds", 1).to_metric()
    assert expression.expression == "m / 1000"
    assert expression.label == "Seconds"
    assert expression.period.to_minutes() == 1
    assert set(expression.using_metrics) == {"m"}
    assert expression.using_metrics["m"].metric_name == "M"  # type: ignore[attr-defined]
    later = ExpressionSpec("m", (("m", spec),), "S", 1).to_metric(period=cdk.Duration.minutes(5))
    assert later.period.to_minutes() == 5
    # One Duration per number of minutes, one region token per process: each is a jsii round trip.
    seven = MetricSpec("NS", "M", (), period_minutes=7)
    assert monitoring_module._minutes(7) is monitoring_module._minutes(7)
    assert seven.to_metric().period.to_minutes() == 7
    assert monitoring_module._region() is monitoring_module._region() == cdk.Aws.REGION


# ------------------------------------------------------------------------------------ dashboard
def _graphs() -> list[Graph]:
    errors = Monitoring.metric(
        "AWS/Lambda", "Errors", {"FunctionName": "f"}, kind=AlarmKind.ERRORS, label="Errors"
    )
    plain = Monitoring.metric("AWS/Lambda", "Duration", {"FunctionName": "f"}, statistic="Average")
    p99 = Monitoring.metric(
        "AWS/Lambda", "Duration", {"FunctionName": "f"}, statistic="p99", period_minutes=5
    )
    invocations = Monitoring.metric("AWS/Lambda", "Invocations", {"FunctionName": "f"}, label="Calls")
    rate = Monitoring.rate_percent(errors, invocations, kind=AlarmKind.ERROR_RATE, label="Error rate %")
    age = ExpressionSpec(
        "m / 1000", (("m", Monitoring.metric("AWS/Lambda", "IteratorAge", {})),), "Age (s)", 1
    )
    # An input graphed with no options of its own (Average, 5 minutes, no label).
    average = Monitoring.metric(
        "AWS/Lambda", "ConcurrentExecutions", {"FunctionName": "f"}, statistic="Average"
    )
    double = ExpressionSpec("c * 2", (("c", average),), "Twice", 5)
    return [
        Graph("Errors", [errors, plain], width=12),
        Graph("Latency", [p99]),
        Graph("Rate", [rate], width=6, height=4),  # fills the row to 24 exactly: no wrap
        Graph("Age", [age, double], width=10),
        Graph("Wide", [invocations], width=24, height=3),
    ]


def _reference_graph(graph: Graph) -> cw.GraphWidget:
    return cw.GraphWidget(
        title=graph.title,
        left=[m.to_metric() for m in graph.metrics],
        width=graph.width,
        height=graph.height,
    )


def _body(template: dict[str, Any], id_prefix: str) -> list[dict[str, Any]]:
    dashboard = next(
        v for k, v in _of_type(template, "AWS::CloudWatch::Dashboard").items() if k.startswith(id_prefix)
    )
    return json.loads(_flat(dashboard["Properties"]["DashboardBody"]))["widgets"]  # type: ignore[no-any-return]


def test_dashboard_renders_as_cloudwatch_dashboard_renders_it() -> None:
    app, stack = _stack()
    monitoring = Monitoring(stack, dashboard_name="Ops")
    alarm = monitoring.alarm(
        stack,
        "A",
        kind=AlarmKind.ERRORS,
        metric=Monitoring.metric("NS", "M", {}),
        subject="x",
        thresholds=AlarmThresholds(),
    )
    second = monitoring.alarm(
        stack,
        "B",
        kind=AlarmKind.THROTTLES,
        metric=Monitoring.metric("NS", "T", {}),
        subject="x",
        thresholds=AlarmThresholds(),
    )
    graphs = _graphs()
    monitoring.add_section("First", graphs, [alarm, second])
    monitoring.add_section("Second", graphs[:2])
    own = cw.TextWidget(markdown="mine", width=20, height=2)
    monitoring.add_widgets(own, cw.TextWidget(markdown="more", width=6, height=5))

    reference = cw.Dashboard(stack, "Reference", dashboard_name="Ops")
    reference.add_widgets(
        cw.TextWidget(markdown="## First", width=24, height=1),
        *[_reference_graph(g) for g in graphs],
        cw.AlarmStatusWidget(
            title="First alarms",
            alarms=[cw.Alarm.from_alarm_arn(stack, f"Ref{a.node.id}", a.attr_arn) for a in (alarm, second)],
            width=24,
            height=3,
        ),
    )
    reference.add_widgets(
        cw.TextWidget(markdown="## Second", width=24, height=1), *[_reference_graph(g) for g in graphs[:2]]
    )
    reference.add_widgets(
        cw.TextWidget(markdown="mine", width=20, height=2), cw.TextWidget(markdown="more", width=6, height=5)
    )
    template = _template(app)
    ours = _body(template, "ServerlessPatternsMonitoring")
    expected = _body(template, "Reference")
    assert len(ours) == len(expected) == 12
    for index, (got, want) in enumerate(zip(ours, expected, strict=True)):
        assert got == want, index
    names = {
        k: v["Properties"].get("DashboardName")
        for k, v in _of_type(template, "AWS::CloudWatch::Dashboard").items()
    }
    assert sorted(names.values()) == ["Ops", "Ops"]


def test_a_section_without_alarms_has_no_alarm_row_and_an_empty_dashboard_has_no_widgets() -> None:
    app, stack = _stack()
    monitoring = Monitoring(stack)
    assert monitoring._body() == '{"widgets":[]}'
    monitoring.add_section("Only graphs", [Graph("G", [Monitoring.metric("NS", "M", {})])])
    widgets = json.loads(monitoring._body())["widgets"]
    assert [w["type"] for w in widgets] == ["text", "metric"]
    assert widgets[1]["y"] == 1 and widgets[1]["x"] == 0
    template = _template(app)
    _, dashboard = _one(template, "AWS::CloudWatch::Dashboard")
    assert "DashboardName" not in dashboard["Properties"]
    assert '"markdown":"## Only graphs"' in _flat(dashboard["Properties"]["DashboardBody"])


def test_dashboard_keeps_text_that_is_not_ascii() -> None:
    _, stack = _stack()
    monitoring = Monitoring(stack)
    monitoring.add_section("Tâches", [])
    assert '"markdown":"## Tâches"' in monitoring._body()


# ------------------------------------------------------------------------------------ topic and key
def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    document = policy.get("PolicyDocument", policy)
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def test_alarm_topic_is_encrypted_tls_only_and_open_to_this_accounts_alarms() -> None:
    app, stack = _stack()
    Monitoring(stack)
    template = _template(app)
    key_id, key = _one(template, "AWS::KMS::Key")
    topic_id, topic = _one(template, "AWS::SNS::Topic")
    dashboard_id, _ = _one(template, "AWS::CloudWatch::Dashboard")
    # Construct IDs are public API: a new logical ID replaces the topic (and its subscriptions).
    assert re.fullmatch(r"ServerlessPatternsMonitoringAlarmTopicKey[0-9A-F]{8}", key_id), key_id
    assert re.fullmatch(r"ServerlessPatternsMonitoringAlarmTopic[0-9A-F]{8}", topic_id), topic_id
    assert re.fullmatch(r"ServerlessPatternsMonitoringDashboard[0-9A-F]{8}", dashboard_id), dashboard_id
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["Description"] == "Encrypts the serverless-patterns alarm topic"
    cloudwatch_key = [
        s
        for s in _statements(key["Properties"]["KeyPolicy"])
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch_key == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Resource": "*",
        }
    ]
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert topic["Properties"]["DisplayName"] == "serverless-patterns alarms"
    assert "FifoTopic" not in topic["Properties"]
    _, policy = _one(template, "AWS::SNS::TopicPolicy")
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    statements = {s.get("Sid"): s for s in _statements(policy["Properties"])}
    allow = statements["AllowThisAccountsCloudWatchAlarms"]
    assert allow == {
        "Sid": "AllowThisAccountsCloudWatchAlarms",
        "Action": "sns:Publish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Resource": {"Ref": topic_id},
        "Condition": allow["Condition"],
    }
    # The account that deploys the stack, and only its alarms (confused-deputy protection).
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = _flat(allow["Condition"]["ArnLike"]["aws:SourceArn"])
    assert source_arn == "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
    assert set(allow["Condition"]) == {"StringEquals", "ArnLike"}
    _assert_tls_deny(statements, topic_id)


def _assert_tls_deny(statements: dict[str | None, dict[str, Any]], topic_id: str) -> None:
    deny = [s for s in statements.values() if s["Effect"] == "Deny"]
    assert len(deny) == 1, deny
    assert deny[0]["Action"] == "sns:Publish"
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny[0]["Resource"] == {"Ref": topic_id}


def test_alarm_emails_subscribe_to_the_topic() -> None:
    app, stack = _stack()
    email = cdk.CfnParameter(stack, "Email").value_as_string
    Monitoring(stack, alarm_emails=["oncall@example.com", email])
    template = _template(app)
    topic_id, _ = _one(template, "AWS::SNS::Topic")
    subscriptions = sorted(
        (
            json.dumps(s["Properties"]["Endpoint"]),
            s["Properties"]["Protocol"],
            s["Properties"]["TopicArn"]["Ref"],
        )
        for s in _of_type(template, "AWS::SNS::Subscription").values()
    )
    assert subscriptions == [
        ('"oncall@example.com"', "email", topic_id),
        ('{"Ref": "Email"}', "email", topic_id),
    ]


def test_monitoring_refuses_each_bad_email_and_emails_with_a_topic() -> None:
    _, stack = _stack()
    with pytest.raises(PatternValidationError) as raised:
        Monitoring(stack, "M", alarm_emails=["oncall", "ops@example.com", "pager"])
    assert raised.value.problems == [
        "alarm_emails must be email addresses, got 'oncall'",
        "alarm_emails must be email addresses, got 'pager'",
    ]
    assert str(raised.value).startswith("S/M: ")
    topic = sns.Topic.from_topic_arn(stack, "T", "arn:aws:sns:us-east-1:123456789012:alarms")
    with pytest.raises(PatternValidationError) as raised:
        Monitoring(stack, "N", alarm_topic=topic, alarm_emails=["a@example.com"])
    assert raised.value.problems == [
        "alarm_emails cannot be combined with alarm_topic: subscribe your own topic instead"
    ]


def test_monitoring_of_finds_the_stacks_own() -> None:
    app, stack = _stack()
    mine = Monitoring(stack)  # under the shared id, before any pattern asks
    assert Monitoring.of(stack) is mine
    assert Monitoring.of(stack, MonitoringOptions()) is mine
    nested = cdk.Stack(app, "Other")
    created = Monitoring.of(nested)
    assert created.node.id == Monitoring.ID == "ServerlessPatternsMonitoring"
    assert created.node.scope is nested
    assert Monitoring.of(nested) is created


def test_encrypted_topic_defaults() -> None:
    app, stack = _stack()
    topic, key = encrypted_topic(stack, "Topic", key_id="TopicKey", key_description="Encrypts it")
    assert topic.node.id == "Topic" and key.node.id == "TopicKey"
    template = _template(app)
    key_id, key_resource = _one(template, "AWS::KMS::Key")
    topic_id, topic_resource = _one(template, "AWS::SNS::Topic")
    assert key_id.startswith("TopicKey") and topic_id.startswith("Topic")
    assert key_resource["Properties"]["EnableKeyRotation"] is True
    assert key_resource["Properties"]["Description"] == "Encrypts it"
    services = [
        s for s in _statements(key_resource["Properties"]["KeyPolicy"]) if "Service" in s["Principal"]
    ]
    assert services == []  # principals in the account get the key through IAM
    assert topic_resource["Properties"] == {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    _, policy = _one(template, "AWS::SNS::TopicPolicy")
    statements = {s.get("Sid"): s for s in _statements(policy["Properties"])}
    _assert_tls_deny(statements, topic_id)


def test_encrypted_topic_options() -> None:
    app, stack = _stack()
    encrypted_topic(
        stack,
        "Topic",
        key_id="TopicKey",
        key_description="d",
        fifo=True,
        content_based_deduplication=True,
        display_name="Shown",
        service_publishers=("events.amazonaws.com", "cloudwatch.amazonaws.com"),
    )
    template = _template(app)
    key_id, key = _one(template, "AWS::KMS::Key")
    _, topic = _one(template, "AWS::SNS::Topic")
    assert topic["Properties"] == {
        "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
        "DisplayName": "Shown",
        "FifoTopic": True,
        "ContentBasedDeduplication": True,
        "TopicName": topic["Properties"]["TopicName"],
    }
    assert topic["Properties"]["TopicName"].endswith(".fifo")
    services = [s for s in _statements(key["Properties"]["KeyPolicy"]) if "Service" in s["Principal"]]
    assert services == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Effect": "Allow",
            "Principal": {"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]},
            "Resource": "*",
        }
    ]


def test_encrypted_topic_fifo_without_deduplication() -> None:
    app, stack = _stack()
    encrypted_topic(stack, "Topic", key_id="K", key_description="d", fifo=True)
    _, topic = _one(_template(app), "AWS::SNS::Topic")
    assert topic["Properties"]["FifoTopic"] is True
    assert "ContentBasedDeduplication" not in topic["Properties"]


def _role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    _, policy = _one(template, "AWS::IAM::Policy")
    return _statements(policy["Properties"])


def test_grant_publish_names_exactly_the_key_actions_publishing_needs() -> None:
    app, stack = _stack()
    topic, key = encrypted_topic(stack, "Topic", key_id="TopicKey", key_description="d")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = grant_publish(topic, key, role)
    assert grant.success
    template = _template(app)
    topic_id, _ = _one(template, "AWS::SNS::Topic")
    key_id, _ = _one(template, "AWS::KMS::Key")
    assert _role_statements(template) == [
        {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}},
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [key_id, "Arn"]},
        },
    ]


def test_grant_publish_to_a_topic_of_the_users() -> None:
    app, stack = _stack()
    topic = sns.Topic(stack, "Theirs")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant_publish(topic, None, role)
    template = _template(app)
    topic_id, _ = _one(template, "AWS::SNS::Topic")
    assert _role_statements(template) == [
        {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}}
    ]


# ------------------------------------------------------------------------------------ thresholds
@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({}, []),
        ({"errors": 0, "latency_p99_ms": 0.5, "error_rate_percent": 100, "server_error_rate_percent": 0}, []),
        ({"throttles": 10**6, "message_age_seconds": 1e9}, []),
        ({"errors": -1}, ["t.errors must be a number >= 0, got -1"]),
        ({"dlq_depth": -0.001}, ["t.dlq_depth must be a number >= 0, got -0.001"]),
        ({"throttles": True}, ["t.throttles must be a number >= 0, got True"]),
        ({"errors": "1"}, ["t.errors must be a number >= 0, got '1'"]),
        ({"errors": None}, ["t.errors must be a number >= 0, got None"]),
        ({"iterator_age_seconds": math.inf}, ["t.iterator_age_seconds must be a finite number, got inf"]),
        ({"executions_failed": math.nan}, ["t.executions_failed must be a finite number, got nan"]),
        ({"error_rate_percent": 100.5}, ["t.error_rate_percent must be 0..100 percent, got 100.5"]),
        ({"server_error_rate_percent": 101}, ["t.server_error_rate_percent must be 0..100 percent, got 101"]),
        (
            {"errors": -2, "executions_aborted": -3},
            ["t.errors must be a number >= 0, got -2", "t.executions_aborted must be a number >= 0, got -3"],
        ),
    ],
)
def test_threshold_problems(changes: dict[str, Any], problems: list[str]) -> None:
    assert threshold_problems(AlarmThresholds(**changes), "t") == problems


def test_threshold_problems_default_prop_and_tokens() -> None:
    _, stack = _stack()
    token = cdk.CfnParameter(stack, "N", type="Number").value_as_number
    assert threshold_problems(AlarmThresholds(errors=token, error_rate_percent=token)) == []
    # A token is skipped, and the thresholds after it are still checked.
    assert threshold_problems(AlarmThresholds(errors=token, executions_aborted=-1), "t") == [
        "t.executions_aborted must be a number >= 0, got -1"
    ]
    assert threshold_problems(AlarmThresholds(errors=-1)) == [
        "thresholds.errors must be a number >= 0, got -1"
    ]


def test_monitoring_options_problems_name_the_prop() -> None:
    assert MonitoringOptions().problems() == []
    _, stack = _stack()
    assert MonitoringOptions(monitoring=Monitoring(stack), dashboard=False).problems() == []
    wrong = MonitoringOptions(thresholds={"errors": 1}, monitoring="topic", dashboard="yes")  # type: ignore[arg-type]
    assert wrong.problems("opts") == [
        "opts.thresholds must be an AlarmThresholds, got dict",
        "opts.monitoring must be a Monitoring, got str",
        "opts.dashboard must be True or False, got 'yes'",
    ]
    assert MonitoringOptions(thresholds=AlarmThresholds(errors=-1)).problems() == [
        "monitoring.thresholds.errors must be a number >= 0, got -1"
    ]
