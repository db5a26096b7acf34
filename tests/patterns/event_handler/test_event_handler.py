"""EventHandler: snapshots and gates of both forms, then a test per documented default, validation,
alarm and grant."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import PatternValidationError
from serverless_patterns.core.sources import RuleSource, ScheduleSource
from serverless_patterns.patterns.event_handler import EventHandler
from tests.pattern_cases import spec
from tests.patterns.event_handler.cases import CASES, ORDERS, PARTNER_BUS_ARN, build_rule, build_rule_maximal
from tests.support import Synthesized, one, pattern_tests, synth
from tests.support import alarm_properties as alarms

globals().update(
    pattern_tests(
        configs={
            "default": CASES.build_default,
            "maximal": CASES.build_maximal,
            "rule": build_rule,
            "rule_maximal": build_rule_maximal,
        },
        snapshots=("default", "maximal", "rule", "rule_maximal"),
    )
)


def alarm(s: Synthesized, contains: str) -> dict[str, Any]:
    (found,) = [a for k, a in alarms(s).items() if contains in k]
    return found


def rollback_alarm_ids(s: Synthesized) -> list[str]:
    _, group = one(s, "AWS::CodeDeploy::DeploymentGroup")
    return sorted(a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"])


# ---------------------------------------------------------------- resources
def test_resources_of_the_smallest_schedule(default: Synthesized) -> None:
    counts = {
        "AWS::Scheduler::Schedule": 1,
        "AWS::Scheduler::ScheduleGroup": 1,
        "AWS::Events::Rule": 0,
        "AWS::SQS::Queue": 2,  # the schedule's DLQ, the function's on-failure queue
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::Lambda::Permission": 0,  # Scheduler invokes with its role, not a resource policy
        "AWS::IAM::Role": 3,  # the function's, the schedule's, CodeDeploy's
        "AWS::CodeDeploy::DeploymentGroup": 1,
        "AWS::CloudWatch::Alarm": 6,
        "AWS::CloudWatch::Dashboard": 1,
    }
    assert {t: default.count(t) for t in counts} == counts


def test_resources_of_the_smallest_rule(rule: Synthesized) -> None:
    counts = {
        "AWS::Events::Rule": 1,
        "AWS::Scheduler::Schedule": 0,
        "AWS::SQS::Queue": 2,
        "AWS::Lambda::Permission": 1,
        "AWS::CloudWatch::Alarm": 5,
    }
    assert {t: rule.count(t) for t in counts} == counts


# ---------------------------------------------------------------- schedule defaults
def test_schedule_defaults(default: Synthesized) -> None:
    group_id, group = one(default, "AWS::Scheduler::ScheduleGroup")
    assert group == {}  # a generated name: no physical name by default
    _, schedule = one(default, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"  # time_zone Default: - UTC
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}  # flexible_time_window Default: - off
    assert schedule["State"] == "ENABLED"
    assert schedule["GroupName"] == {"Ref": group_id}
    target = schedule["Target"]
    alias_id, _ = one(default, "AWS::Lambda::Alias")
    assert target["Arn"] == {"Ref": alias_id}  # the live alias
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    dlq_id, _ = one(default, "AWS::SQS::Queue", "ScheduleDeadLetterQueue")
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    role_id, _ = one(default, "AWS::IAM::Role", "ScheduleRole")
    assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_schedule_input_is_an_eventbridge_event_with_scheduler_context_attributes(
    default: Synthesized,
) -> None:
    _, schedule = one(default, "AWS::Scheduler::Schedule")
    parts = schedule["Target"]["Input"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    event = json.loads(text)
    assert event == {
        "version": "0",
        "id": "<aws.scheduler.execution-id>",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "<AWS::AccountId>",
        "time": "<aws.scheduler.scheduled-time>",
        "region": "<AWS::Region>",
        "resources": ["<aws.scheduler.schedule-arn>"],
        "detail": {},  # detail Default: - {}
    }


def test_schedule_role_may_invoke_the_alias_and_send_to_the_dlq_only(default: Synthesized) -> None:
    _, role = one(default, "AWS::IAM::Role", "ScheduleRole")
    alias_id, _ = one(default, "AWS::Lambda::Alias")
    dlq_id, _ = one(default, "AWS::SQS::Queue", "ScheduleDeadLetterQueue")
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Ref": alias_id}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": [dlq_id, "Arn"]}},
    ]
    assert "ManagedPolicyArns" not in role
    # The function's default and tracing policies only: nothing is added to the schedule's role.
    assert default.count("AWS::IAM::Policy") == 2


def test_only_scheduler_for_this_account_and_group_may_assume_the_schedule_role(default: Synthesized) -> None:
    group_id, _ = one(default, "AWS::Scheduler::ScheduleGroup")
    _, role = one(default, "AWS::IAM::Role", "ScheduleRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]},
        }
    }


def test_schedule_dlq_policy_allows_no_service(default: Synthesized) -> None:
    dlq_id, dlq = one(default, "AWS::SQS::Queue", "ScheduleDeadLetterQueue")
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = [
        p["Properties"]
        for p in default.resources("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": dlq_id}]
    ]
    (deny,) = policy["PolicyDocument"]["Statement"]  # Scheduler sends with the role: no allow here
    assert deny["Effect"] == "Deny"


def test_function_is_invoked_asynchronously_with_an_on_failure_queue(default: Synthesized) -> None:
    failure_id, _ = one(default, "AWS::SQS::Queue", "FailureQueue")
    alias_id, _ = one(default, "AWS::Lambda::Alias")
    _, config = one(default, "AWS::Lambda::EventInvokeConfig", "LiveAlias")
    assert alias_id in json.dumps(config["Qualifier"])  # the live alias' own config
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [failure_id, "Arn"]}}}


def test_maximal_schedule_options_reach_the_template(maximal: Synthesized) -> None:
    _, schedule = one(maximal, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpression"] == "cron(30 6 ? * MON-FRI *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert schedule["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 7200}
    assert '"detail":{"report":"daily","formats":["pdf","csv"]}' in json.dumps(
        schedule["Target"]["Input"]
    ).replace("\\", "")
    assert alarm(maximal, "TargetErrorsAlarm")["Threshold"] == 2
    assert alarm(maximal, "InvocationsDroppedAlarm")["Threshold"] == 5
    assert alarm(maximal, "ScheduleDeadLetterQueueDepthAlarm")["Threshold"] == 3


# ---------------------------------------------------------------- rule defaults and grants
def test_rule_defaults(rule: Synthesized) -> None:
    _, props = one(rule, "AWS::Events::Rule")
    assert props["EventPattern"] == ORDERS
    assert "EventBusName" not in props  # event_bus Default: - the account's default event bus
    assert props["State"] == "ENABLED"
    (target,) = props["Targets"]
    alias_id, _ = one(rule, "AWS::Lambda::Alias")
    dlq_id, _ = one(rule, "AWS::SQS::Queue", "RuleDeadLetterQueue")
    assert target["Arn"] == {"Ref": alias_id}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}


def test_only_the_rule_may_invoke_the_alias(rule: Synthesized) -> None:
    rule_id, _ = one(rule, "AWS::Events::Rule")
    alias_id, _ = one(rule, "AWS::Lambda::Alias")
    _, permission = one(rule, "AWS::Lambda::Permission")
    assert permission == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": alias_id},
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
    }


def test_only_the_rule_may_send_to_its_dlq(rule: Synthesized) -> None:
    rule_id, _ = one(rule, "AWS::Events::Rule")
    dlq_id, _ = one(rule, "AWS::SQS::Queue", "RuleDeadLetterQueue")
    (policy,) = [
        p["Properties"]
        for p in rule.resources("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": dlq_id}]
    ]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Action": "sqs:SendMessage",
            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}},
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Resource": {"Fn::GetAtt": [dlq_id, "Arn"]},
            "Sid": "AllowThisRuleOnly",
        }
    ]


def test_maximal_rules_on_their_buses(rule_maximal: Synthesized) -> None:
    bus_id, _ = one(rule_maximal, "AWS::Events::EventBus")
    _, big = one(rule_maximal, "AWS::Events::Rule", "BigOrders")
    assert big["EventBusName"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert big["EventPattern"]["detail"] == {
        "total": [{"numeric": [">", 100]}],
        "country": [{"anything-but": ["FR"]}],
    }
    assert big["Targets"][0]["RetryPolicy"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
    _, partner = one(rule_maximal, "AWS::Events::Rule", "PartnerOrders")
    assert partner["EventBusName"] == PARTNER_BUS_ARN  # an ARN names another account's bus
    failed = alarm(rule_maximal, "BigOrdersRuleFailedInvocationsAlarm")
    assert failed["Threshold"] == 3
    names = {d["Name"]: d["Value"] for d in failed["Dimensions"]}
    assert names["EventBusName"] == {"Ref": bus_id}
    assert names["RuleName"]["Fn::Select"][0] == 2  # arn:...:rule/<bus>/<name>
    partner_names = {
        d["Name"]: d["Value"] for d in alarm(rule_maximal, "PartnerOrdersRuleFailed")["Dimensions"]
    }
    assert partner_names["EventBusName"] == "orders"


# ---------------------------------------------------------------- alarms
def test_schedule_alarms_and_rollback(default: Synthesized) -> None:
    group_id, _ = one(default, "AWS::Scheduler::ScheduleGroup")
    for contains, metric in (
        ("TargetErrorsAlarm", "TargetErrorCount"),
        ("InvocationsDroppedAlarm", "InvocationDroppedCount"),
    ):
        found = alarm(default, contains)
        assert (found["Namespace"], found["MetricName"], found["Statistic"], found["Period"]) == (
            "AWS/Scheduler",
            metric,
            "Sum",
            300,
        )
        assert found["Dimensions"] == [{"Name": "ScheduleGroup", "Value": {"Ref": group_id}}]
        assert found["Threshold"] == 1
    dlq_id, _ = one(default, "AWS::SQS::Queue", "ScheduleDeadLetterQueue")
    depth = alarm(default, "ScheduleDeadLetterQueueDepthAlarm")
    assert depth["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    # Delivery and parked events never roll a canary back; the function's errors and throttles do.
    assert [k for k in rollback_alarm_ids(default)] == sorted(
        k for k in alarms(default) if ("ErrorsAlarm" in k and "Target" not in k) or "ThrottlesAlarm" in k
    )


def test_rule_alarms_and_rollback(rule: Synthesized) -> None:
    rule_id, _ = one(rule, "AWS::Events::Rule")
    failed = alarm(rule, "FailedInvocationsAlarm")
    assert (failed["Namespace"], failed["MetricName"], failed["Statistic"], failed["Period"]) == (
        "AWS/Events",
        "FailedInvocations",
        "Sum",
        300,
    )
    assert failed["Dimensions"] == [{"Name": "RuleName", "Value": {"Ref": rule_id}}]
    assert failed["Threshold"] == 1
    dlq_id, _ = one(rule, "AWS::SQS::Queue", "RuleDeadLetterQueue")
    depth = alarm(rule, "RuleDeadLetterQueueDepthAlarm")
    assert depth["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    rollback = rollback_alarm_ids(rule)
    assert len(rollback) == 2 and all("Function" in k for k in rollback)


def test_failure_queue_alarm(default: Synthesized) -> None:
    failure_id, _ = one(default, "AWS::SQS::Queue", "FailureQueue")
    found = alarm(default, "FailureQueueDepthAlarm")
    assert found["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [failure_id, "QueueName"]}}]
    assert "on-failure queue" in found["AlarmDescription"]


def test_dashboard_section(default: Synthesized, rule_maximal: Synthesized) -> None:
    _, dashboard = one(default, "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    for title in (
        "EventHandler Test/Nightly",
        "Schedule: invocations",
        "Schedule: undelivered events",
        "Function: failed events",
    ):
        assert title.replace("events", "invocations") in body or title in body
    _, other = one(rule_maximal, "AWS::CloudWatch::Dashboard")
    text = json.dumps(other["DashboardBody"])
    assert (
        "EventHandler Test/PartnerOrders" in text and "EventHandler Test/BigOrders" not in text
    )  # dashboard=False


# ---------------------------------------------------------------- attributes
def test_attributes() -> None:
    made: dict[str, EventHandler] = {}

    def build(stack: cdk.Stack) -> None:
        made["schedule"] = EventHandler(stack, "Nightly", function=spec(), schedule="rate(1 day)")
        made["rule"] = EventHandler(stack, "Orders", function=spec(), event_pattern=ORDERS)

    synth(build)
    nightly, orders = made["schedule"], made["rule"]
    assert isinstance(nightly.source, ScheduleSource) and isinstance(orders.source, RuleSource)
    assert nightly.schedule is not None and nightly.rule is None and nightly.scheduler_role is not None
    assert orders.rule is not None and orders.schedule is None and orders.schedule_group is None
    assert nightly.alias.alias_name == "live"
    assert len(nightly.alarms) == 6 and len(orders.alarms) == 5
    assert nightly.dead_letter_queue is not nightly.failure_queue
    metric = orders.metric_dead_letter_queue_messages_visible()
    assert metric.metric_name == "ApproximateNumberOfMessagesVisible"
    assert orders.metric_failure_queue_messages_visible().statistic == "Maximum"


# ---------------------------------------------------------------- validation
def _error(**props: Any) -> PatternValidationError:
    with pytest.raises(PatternValidationError) as raised:
        synth(lambda stack: EventHandler(stack, "Handler", **{"function": spec(), **props}))
    return raised.value


@pytest.mark.parametrize(("props", "message"), CASES.invalid)
def test_validation(props: dict[str, Any], message: str) -> None:
    error = _error(**{"schedule": "rate(5 minutes)", **props})
    assert any(re.search(message, p) for p in error.problems), error.problems


def test_every_problem_is_reported_at_once() -> None:
    error = _error(
        schedule="cron(0 2 * * *)",
        time_zone="Nowhere",
        retry_attempts=-1,
        max_event_age=cdk.Duration.seconds(1),
        event_bus="bus",
    )
    assert len(error.problems) == 5, error.problems
    assert error.construct_path == "Test/Handler"
