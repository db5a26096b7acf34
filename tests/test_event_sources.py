"""RuleSource and ScheduleSource on their own: every validation branch, the alarm kinds they register,
and sample events that Powertools reads and that the rule's own pattern matches. (Their wiring is
synthesized and asserted by tests/patterns/event_handler/.)"""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from serverless_patterns.core.monitoring import alarm_kind, rolls_back
from serverless_patterns.core.sources import RuleSource, ScheduleSource
from serverless_patterns.core.sources.rule import FAILED_INVOCATIONS, event_pattern_problems
from serverless_patterns.core.sources.schedule import (
    INVOCATIONS_DROPPED,
    TARGET_ERRORS,
    schedule_expression_problems,
)

ORDERS = {"source": ["com.example.orders"], "detail-type": ["OrderPlaced"]}


# ---------------------------------------------------------------- event patterns
@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ({}, r"event_pattern must be a non-empty mapping of event fields"),
        ([], r"event_pattern must be a non-empty mapping"),
        (
            {"detail_type": ["X"]},
            r"'detail_type' is not a field of an EventBridge event \(did you mean 'detail-type'\?\)",
        ),
        ({"source": "com.example"}, r"\['source'\] must be a list of values .*got 'com.example'"),
        ({"source": {"a": ["b"]}}, r"\['source'\] must be a list of values \(source is not an object"),
        ({"detail": "x"}, r"\['detail'\] must be a mapping of detail fields"),
        ({"detail": {}}, r"\['detail'\] must be a non-empty mapping or a list of values"),
        ({"source": []}, r"\['source'\] must list at least one value, got \[\]"),
        ({"source": [None]}, r"may not list null: aws-cdk-lib drops null"),
        ({"source": [["a"]]}, r"values must be strings, numbers, booleans or content filters"),
        ({"detail": {"n": [6e9]}}, r"numbers must be within -5e9\.\.5e9, got 6000000000\.0"),
        ({"source": [{"prefix": ""}]}, r"prefix takes a non-empty string"),
        ({"source": [{"suffix": 1}]}, r"suffix takes a non-empty string"),
        ({"source": [{"prefx": "a"}]}, r"unknown content filter 'prefx' \(did you mean 'prefix'\?\)"),
        ({"source": [{"prefix": "a", "suffix": "b"}]}, r"a content filter has exactly one operator"),
        ({"source": [{"equals-ignore-case": ""}]}, r"equals-ignore-case takes a non-empty string"),
        ({"source": [{"wildcard": "a**"}]}, r"wildcard takes a string without consecutive"),
        ({"detail": {"a": [{"exists": "yes"}]}}, r"exists takes True or False, got 'yes'"),
        ({"detail": {"ip": [{"cidr": "10.0.0.1"}]}}, r"cidr takes an IP address prefix"),
        ({"detail": {"n": [{"numeric": [">", 5, "<", 1]}]}}, r"numeric takes \[op, n\]"),
        ({"detail": {"n": [{"numeric": ["!", 5]}]}}, r"numeric takes"),
        ({"source": [{"anything-but": True}]}, r"anything-but takes a string, a number"),
        ({"source": [{"anything-but": ["a", 1]}]}, r"anything-but takes"),
        ({"$or": [{"source": ["a"]}]}, r"\['\$or'\] must be a list of at least two patterns"),
        ({"$or": [{"source": ["a"]}, {}]}, r"\['\$or'\]\[1\] must be a non-empty mapping"),
        ({1: ["a"]}, r"field names must be non-empty strings, got 1"),
    ],
)
def test_event_pattern_problems(pattern: Any, message: str) -> None:
    found = event_pattern_problems("event_pattern", pattern)
    assert found, pattern
    assert any(re.search(message, m) for m in found), found


@pytest.mark.parametrize(
    "pattern",
    [
        ORDERS,
        {"detail": {"order": {"total": [{"numeric": [">=", 0, "<", 100]}], "state": [{"exists": True}]}}},
        {"source": [{"prefix": {"equals-ignore-case": "com."}}], "detail": {"x": [{"anything-but": [1, 2]}]}},
        {"$or": [{"source": ["a"]}, {"detail-type": ["b"]}], "detail": {"ip": [{"cidr": "10.0.0.0/24"}]}},
        {"resources": [{"wildcard": "arn:*:orders"}], "account": ["123456789012"], "detail": {"a": [""]}},
    ],
)
def test_valid_event_patterns(pattern: dict[str, Any]) -> None:
    assert event_pattern_problems("event_pattern", pattern) == []


def test_rule_source_problems_name_each_option_once() -> None:
    source = RuleSource(
        event_pattern={}, event_bus="bus", retry_attempts=186, max_event_age=cdk.Duration.seconds(59)
    )  # type: ignore[arg-type]
    found = source.problems("trigger")
    assert [m.split(" ", 1)[0] for m in found] == [
        "trigger.event_pattern",
        "trigger.event_bus",
        "trigger.retry_attempts",
        "trigger.max_event_age",
    ]
    assert "retry_attempts must be 0..185, got 186" in found[2]
    assert "max_event_age must be 60..86400 seconds, got 59" in found[3]
    assert RuleSource(event_pattern=ORDERS).problems("") == []


def test_rule_sample_event_is_an_eventbridge_event_the_pattern_matches() -> None:
    from moto.events.models import EventPattern

    pattern = {**ORDERS, "detail": {"order": {"state": ["placed"], "total": [{"numeric": [">", 1]}]}}}
    event = dict(RuleSource(event_pattern=pattern).sample_event())
    parsed = EventBridgeEvent(event)
    assert (parsed.source, parsed.detail_type) == ("com.example.orders", "OrderPlaced")
    assert parsed.detail == {"order": {"state": "placed"}}
    assert EventPattern.load(json.dumps(ORDERS)).matches_event(event)


# ---------------------------------------------------------------- schedule expressions
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("every day", r"must be cron\(minutes hours .*\), rate\(N minutes\|hours\|days\) or at\("),
        ("cron(0 2 * * *)", r"cron needs 6 fields .* got 5 in 'cron\(0 2 \* \* \*\)'"),
        ("cron(0 2 * * * *)", r"cron needs '\?' in exactly one of day-of-month and day-of-week"),
        ("cron(0 25 * * ? *)", r"cron hours must be 0\.\.23, got 25"),
        ("cron(0 2 ? * MOX *)", r"cron day-of-week may hold numbers"),
        ("cron(0/0 2 ? * MON *)", r"cron minutes step must be a whole number >= 1"),
        ("cron(0 2 ? * MON#6 *)", r"cron day-of-week '#' must be 1\.\.5"),
        ("rate(0 minutes)", r"must be rate\(1 unit\) or rate\(N units\) with N >= 1"),
        ("rate(1 minutes)", r"must be rate\(1 unit\)"),
        ("rate(5 weeks)", r"must be cron"),
        ("at(2026-13-01T00:00:00)", r"at\(\.\.\.\) takes a date and time yyyy-mm-ddThh:mm:ss"),
        ("at(2026-12-01 10:00)", r"at\(\.\.\.\) takes a date and time"),
        (5, r"schedule must be a cron\(\.\.\.\), rate\(\.\.\.\) or at\(\.\.\.\) expression, got 5"),
    ],
)
def test_schedule_expression_problems(expression: Any, message: str) -> None:
    (found,) = schedule_expression_problems("schedule", expression)
    assert found.startswith("schedule ")
    assert re.search(message, found), found


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 2 * * ? *)",
        "cron(0/15 8-18 ? * MON-FRI *)",
        "rate(1 hour)",
        "rate(5 minutes)",
        "at(2026-12-31T23:59:00)",
    ],
)
def test_valid_schedule_expressions(expression: str) -> None:
    assert schedule_expression_problems("schedule", expression) == []


def test_schedule_source_problems() -> None:
    source = ScheduleSource(
        schedule="rate(5 minutes)",
        time_zone="Mars/Olympus",
        flexible_time_window=cdk.Duration.seconds(90),
        detail={"at": object()},
        retry_attempts=-1,
        max_event_age=cdk.Duration.days(2),
    )
    found = source.problems("")
    assert found[0] == (
        "time_zone must be an IANA time zone name such as 'UTC' or 'Europe/Paris', got 'Mars/Olympus'"
    )
    assert found[1] == "flexible_time_window must be a whole number of minutes, got 90 seconds"
    assert found[2].startswith("detail must hold JSON values only")
    assert found[3] == "retry_attempts must be 0..185, got -1"
    assert found[4] == "max_event_age must be 60..86400 seconds, got 172800"
    too_long = ScheduleSource(schedule="rate(1 day)", flexible_time_window=cdk.Duration.minutes(1441))
    assert too_long.problems("") == ["flexible_time_window must be 60..86400 seconds, got 86460"]
    assert ScheduleSource(schedule="rate(1 day)", time_zone="Europe/Paris").problems("") == []


def test_schedule_sample_event_is_what_scheduler_sends() -> None:
    event = dict(ScheduleSource(schedule="rate(1 day)", detail={"job": "report"}).sample_event())
    parsed = EventBridgeEvent(event)
    assert (parsed.source, parsed.detail_type, parsed.detail) == (
        "aws.scheduler",
        "Scheduled Event",
        {"job": "report"},
    )
    assert parsed.resources[0].startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/")
    assert (event["account"], event["region"], event["time"]) == (
        "123456789012",
        "us-east-1",
        "2026-01-15T02:00:00Z",
    )
    assert "<aws.scheduler" not in json.dumps(event)


# ---------------------------------------------------------------- alarm kinds
@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (FAILED_INVOCATIONS, "failed_invocations"),
        (TARGET_ERRORS, "target_errors"),
        (INVOCATIONS_DROPPED, "invocations_dropped"),
    ],
)
def test_delivery_alarm_kinds_notify_only(kind: str, name: str) -> None:
    assert kind == name
    spec = alarm_kind(kind)
    assert rolls_back(kind) is False  # delivery, not the new code
    assert (spec.statistic, spec.period_minutes, spec.evaluation_periods, spec.default_threshold) == (
        "Sum",
        5,
        1,
        1,
    )
