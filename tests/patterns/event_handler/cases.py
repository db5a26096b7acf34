"""EventHandler's material for the shared tests (tests/pattern_cases.py), and the configurations its
own test module snapshots and gates: the schedule form and the rule form, each default and maximal."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events

from serverless_patterns import AlarmThresholds, DeploymentStrategy, MonitoringOptions
from serverless_patterns.patterns.event_handler import EventHandler
from tests.pattern_cases import PatternCases, spec

ORDERS = {"source": ["com.example.orders"], "detail-type": ["OrderPlaced"]}
PARTNER_BUS_ARN = "arn:aws:events:us-east-1:210987654321:event-bus/orders"


def build_default(stack: cdk.Stack) -> None:
    EventHandler(stack, "Nightly", function=spec(), schedule="cron(0 2 * * ? *)")


def build_maximal(stack: cdk.Stack) -> None:
    """A schedule with every option set."""
    EventHandler(
        stack,
        "Report",
        function=spec(memory_size=1024, timeout=cdk.Duration.minutes(5)),
        schedule="cron(30 6 ? * MON-FRI *)",
        time_zone="Europe/Paris",
        flexible_time_window=cdk.Duration.minutes(15),
        detail={"report": "daily", "formats": ["pdf", "csv"]},
        retry_attempts=10,
        max_event_age=cdk.Duration.hours(2),
        deployment=DeploymentStrategy.linear(20, 2),
        monitoring=MonitoringOptions(
            thresholds=AlarmThresholds(dlq_depth=3, others={"target_errors": 2, "invocations_dropped": 5})
        ),
    )


def build_rule(stack: cdk.Stack) -> None:
    EventHandler(stack, "Orders", function=spec(), event_pattern=ORDERS)


def build_rule_maximal(stack: cdk.Stack) -> None:
    """A rule on a bus of the stack with content filters, and one on another account's bus."""
    bus = events.EventBus(stack, "Bus")
    EventHandler(
        stack,
        "BigOrders",
        function=spec(),
        event_pattern={
            **ORDERS,
            "detail": {"total": [{"numeric": [">", 100]}], "country": [{"anything-but": ["FR"]}]},
        },
        event_bus=bus,
        retry_attempts=0,
        max_event_age=cdk.Duration.seconds(60),
        deployment=DeploymentStrategy.none(),
        monitoring=MonitoringOptions(
            thresholds=AlarmThresholds(others={"failed_invocations": 3}), dashboard=False
        ),
    )
    EventHandler(
        stack,
        "PartnerOrders",
        function=spec(),
        event_pattern={"source": [{"prefix": "com.partner."}]},
        event_bus=events.EventBus.from_event_bus_arn(stack, "PartnerBus", PARTNER_BUS_ARN),
    )


CASES = PatternCases(
    base_props=lambda: {"function": spec(), "schedule": "rate(5 minutes)"},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: EventHandler(stack, "EventHandler", function=spec(), schedule="rate(1 hour)"),
    stage_log_groups=1,
    function_prop=lambda function: {"function": function},
    invalid=[
        ({"function": "handlers/nightly"}, r"function must be a FunctionSpec, got str"),
        ({"function": spec(memory_size=64)}, r"function\.memory_size must be 128\.\.10240 MB, got 64"),
        ({"schedule": None}, r"give exactly one of schedule .* and event_pattern .*, got neither"),
        ({"event_pattern": ORDERS}, r"give exactly one of schedule .* and event_pattern .*, got both"),
        ({"schedule": "cron(0 2 * * *)"}, r"schedule cron needs 6 fields .* got 5 in 'cron\(0 2 \* \* \*\)'"),
        ({"schedule": "rate(0 minutes)"}, r"schedule must be rate\(1 unit\) or rate\(N units\) with N >= 1"),
        (
            {"schedule": "at(2026-02-30T10:00:00)"},
            r"schedule at\(\.\.\.\) takes a date and time yyyy-mm-ddThh:mm:ss",
        ),
        ({"schedule": "every night"}, r"schedule must be cron\(minutes hours"),
        ({"time_zone": "Paris"}, r"time_zone must be an IANA time zone name .* got 'Paris'"),
        (
            {"flexible_time_window": cdk.Duration.minutes(1441)},
            r"flexible_time_window must be 60\.\.86400 seconds, got 86460",
        ),
        (
            {"flexible_time_window": cdk.Duration.seconds(90)},
            r"flexible_time_window must be a whole number of minutes",
        ),
        ({"detail": ["a"]}, r"detail must be a mapping \(the event's detail\), got \['a'\]"),
        ({"retry_attempts": 186}, r"retry_attempts must be 0\.\.185, got 186"),
        ({"retry_attempts": 1.5}, r"retry_attempts must be a whole number, got 1\.5"),
        ({"max_event_age": cdk.Duration.seconds(59)}, r"max_event_age must be 60\.\.86400 seconds, got 59"),
        ({"max_event_age": cdk.Duration.hours(25)}, r"max_event_age must be 60\.\.86400 seconds, got 90000"),
        (
            {"event_bus": "orders"},
            r"event_bus is the bus of the rule; it needs event_pattern, not schedule",
        ),
        (
            {"schedule": None, "event_pattern": ORDERS, "time_zone": "UTC"},
            r"time_zone configure the schedule; they need schedule, not event_pattern",
        ),
        (
            {"schedule": None, "event_pattern": {}},
            r"event_pattern must be a non-empty mapping of event fields",
        ),
        (
            {"schedule": None, "event_pattern": {"detail_type": ["X"]}},
            r"'detail_type' is not a field of an EventBridge event \(did you mean 'detail-type'\?\)",
        ),
        (
            {"schedule": None, "event_pattern": {"source": "com.example"}},
            r"event_pattern\['source'\] must be a list of values",
        ),
        (
            {"schedule": None, "event_pattern": {"source": [{"prefix": ""}]}},
            r"prefix takes a non-empty string",
        ),
        (
            {"schedule": None, "event_pattern": ORDERS, "event_bus": "orders"},
            r"event_bus must be an events\.IEventBus, got str",
        ),
    ],
    valid=[
        {"schedule": "rate(1 minute)", "retry_attempts": 0, "max_event_age": cdk.Duration.seconds(60)},
        {"schedule": "at(2030-12-31T23:59:59)", "flexible_time_window": cdk.Duration.minutes(1440)},
        {
            "schedule": "cron(0/5 8-18 ? * MON-FRI *)",
            "retry_attempts": 185,
            "max_event_age": cdk.Duration.hours(24),
        },
        {"schedule": None, "event_pattern": {"detail": {"a": [{"exists": False}]}}},
    ],
    acknowledgments={
        "event-handler-schedule": lambda stack, fn: EventHandler(
            stack, "Handler", function=fn, schedule="rate(1 hour)"
        ),
        "event-handler-rule": lambda stack, fn: EventHandler(
            stack, "Handler", function=fn, event_pattern=ORDERS
        ),
    },
)
