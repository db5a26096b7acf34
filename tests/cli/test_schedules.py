"""Schedules in the app graph, its diagram and its cost: an EventBridge Scheduler schedule is an entry
point that fires as its expression says and feeds its target; the dead-letter queue of a schedule's or
a rule's target carries failures only; EventBridge Scheduler is priced per invocation.

Worked figures: an average month is 365.25 / 12 = 30.4375 days. A nightly cron fires 30.4375 times,
``rate(5 minutes)`` 30.4375 x 288 = 8,766 times. Scheduler: $1.00 per million invocations.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from typer.testing import CliRunner

from serverless_patterns import EventHandler, FunctionSpec
from serverless_patterns.cli.assembly import Assembly, Template, read_assembly
from serverless_patterns.cli.cost import Estimate, Usage, estimate, firings_per_month, prices
from serverless_patterns.cli.diagram import to_mermaid
from serverless_patterns.cli.graph import Graph, build_graph

from .support import invoke

NIGHTLY = 365.25 / 12  # cron(0 2 * * ? *): once a day
EVERY_5_MINUTES = 365.25 / 12 * 24 * 12  # 8,766
SCHEDULER_PER_MILLION = 1.00


def _arm64_512(invocations: float) -> float:
    """A 512 MB arm64 function running 100 ms: $0.20 per million + 0.05 GB-s x $0.0000133334 each."""
    return invocations / 1e6 * 0.20 + invocations * 0.05 * 0.0000133334


def _graph(resources: dict[str, Any]) -> Graph:
    return build_graph(Assembly(templates=[Template(stack="T", body={"Resources": resources})]))


def _lines(result: Estimate) -> dict[str, float]:
    return {line.resource: line.monthly_usd for line in result.lines if line.group == "resources"}


def _usage(result: Estimate, resource: str) -> str:
    [usage] = [line.usage for line in result.lines if line.resource == resource]
    return usage


def _edges(graph: Graph) -> set[tuple[str, str, str, str]]:
    label = {node.id: node.label for node in graph.nodes.values()}
    return {(label[e.source], label[e.target], e.label, e.kind) for e in graph.edges}


def _schedule(expression: str, target: str, **extra: Any) -> dict[str, Any]:
    """A Scheduler schedule invoking ``target`` with role ``Role``, its dead letters to ``Dlq``."""
    return {
        "Type": "AWS::Scheduler::Schedule",
        "Properties": {
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": {"Fn::GetAtt": [target, "Arn"]},
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
            },
            **extra,
        },
    }


def _scheduled_function(expression: str, **extra: Any) -> dict[str, Any]:
    """A schedule invoking a function's alias, as ScheduleSource builds it (role with inline policy)."""
    resources: dict[str, Any] = {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Architectures": ["arm64"], "MemorySize": 512},
        },
        "Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"}},
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "invoke-target",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": {"Ref": "Live"},
                                },
                                {
                                    "Effect": "Allow",
                                    "Action": "sqs:SendMessage",
                                    "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]},
                                },
                            ]
                        },
                    }
                ]
            },
        },
        "Schedule": _schedule(expression, "Fn", **extra),
    }
    # ScheduleSource's target is the function's alias.
    resources["Schedule"]["Properties"]["Target"]["Arn"] = {"Ref": "Live"}
    return resources


# -- price table -------------------------------------------------------------------------------------


def test_scheduler_is_priced_per_invocation_with_its_source() -> None:
    table = prices()
    assert table["scheduler"]["invocations_per_million"] == SCHEDULER_PER_MILLION
    assert table["sources"]["scheduler"] == "https://aws.amazon.com/eventbridge/pricing/"


@pytest.mark.parametrize(
    ("expression", "per_month"),
    [
        ("rate(5 minutes)", EVERY_5_MINUTES),
        ("rate(1 minute)", 365.25 / 12 * 24 * 60),
        ("cron(0 2 * * ? *)", NIGHTLY),
        ("at(2026-12-31T23:00:00)", 1),
        ("at(tomorrow)", 0),
    ],
)
def test_scheduler_expressions_fire_as_they_say(expression: str, per_month: float) -> None:
    assert firings_per_month(expression) == pytest.approx(per_month)


# -- graph -------------------------------------------------------------------------------------------


def test_a_schedule_feeds_its_target_and_parks_failures_only() -> None:
    graph = _graph(_scheduled_function("rate(5 minutes)"))
    assert {n.label: n.kind for n in graph.nodes.values()} == {
        "Fn": "function",
        "Dlq": "queue",
        "Schedule": "schedule",
    }
    # The alias is the function; the role's inline grants (invoke, send to the DLQ) add nothing drawn twice.
    assert _edges(graph) == {
        ("Schedule", "Fn", "schedule", "flow"),
        ("Schedule", "Dlq", "dead letters", "failure"),
    }
    dlq = next(n.id for n in graph.nodes.values() if n.label == "Dlq")
    assert graph.is_failure_only(dlq)


def test_the_schedule_role_acts_for_the_schedule() -> None:
    # A universal target (an AWS SDK call) names no resource in Target.Arn: what the schedule's role
    # may do (its inline policy) is what it feeds.
    resources = {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "send",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sqs:SendMessage",
                                    "Resource": {"Fn::GetAtt": ["Jobs", "Arn"]},
                                }
                            ]
                        },
                    }
                ]
            },
        },
        "Schedule": _schedule("rate(1 hour)", "Jobs"),
    }
    resources["Schedule"]["Properties"]["Target"]["Arn"] = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage"
    graph = _graph(resources)
    assert _edges(graph) == {
        ("Schedule", "Jobs", "send", "flow"),
        ("Schedule", "Dlq", "dead letters", "failure"),
    }
    result = estimate(graph, Usage())
    # 730.5 hourly runs: 3 x 730.5 SQS requests on Jobs; the DLQ and nothing else at $0.
    assert _lines(result)["Jobs"] == pytest.approx(3 * 730.5 * 0.40 / 1e6)
    assert _lines(result)["Dlq"] == 0


def test_a_schedule_draws_as_a_stadium_with_its_title() -> None:
    text = to_mermaid(_graph(_scheduled_function("rate(5 minutes)")))
    assert 'Schedule(["Schedule<br/><small>EventBridge Scheduler schedule</small>"])' in text
    assert '  Schedule -->|"schedule"| Fn\n' in text
    assert '  Schedule -.->|"dead letters"| Dlq\n' in text


# -- cost --------------------------------------------------------------------------------------------


def test_a_rate_schedule_invokes_its_function_8766_times_a_month() -> None:
    result = estimate(_graph(_scheduled_function("rate(5 minutes)")), Usage())
    lines = _lines(result)
    [entry] = result.entry_points
    assert (entry.resource, entry.traffic) == ("Schedule", "scheduled runs")
    assert entry.per_month == pytest.approx(EVERY_5_MINUTES)
    assert lines["Fn"] == pytest.approx(_arm64_512(EVERY_5_MINUTES))  # $0.0076
    assert lines["Schedule"] == pytest.approx(EVERY_5_MINUTES / 1e6 * SCHEDULER_PER_MILLION)  # $0.0088
    assert _usage(result, "Schedule") == "rate(5 minutes) in UTC: 8,766 invocations"
    assert lines["Dlq"] == 0
    assert any("EventBridge Scheduler costs $1.00 per million" in a for a in result.assumptions)
    assert _usage(result, "Dlq") == "failed messages only"


def test_a_one_time_schedule_fires_once_and_a_disabled_one_never() -> None:
    once = estimate(_graph(_scheduled_function("at(2026-12-31T23:00:00)")), Usage())
    assert _lines(once)["Fn"] == pytest.approx(_arm64_512(1))
    assert _lines(once)["Schedule"] == pytest.approx(1 / 1e6)
    off = estimate(_graph(_scheduled_function("rate(5 minutes)", State="DISABLED")), Usage())
    assert _lines(off)["Fn"] == 0
    assert _lines(off)["Schedule"] == 0
    assert _usage(off, "Schedule") == "rate(5 minutes) in UTC (disabled): 0 invocations"


def test_executions_given_replace_a_scheduler_schedule_that_starts_a_state_machine() -> None:
    # Standard, one state: each execution is one transition ($0.025 per 1,000).
    resources = {
        "Flow": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "DefinitionString": json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
            },
        },
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Schedule": _schedule("cron(0 2 * * ? *)", "Flow"),
    }
    scheduled = estimate(_graph(resources), Usage())
    assert _lines(scheduled)["Flow"] == pytest.approx(NIGHTLY * 0.025 / 1000)
    given = estimate(_graph(resources), Usage(executions=1_000))
    assert _lines(given)["Flow"] == pytest.approx(1_000 * 0.025 / 1000)
    assert [(e.resource, e.traffic, e.per_month) for e in given.entry_points] == [
        ("Flow", "workflow executions", 1_000)
    ]


def test_a_rule_targets_dead_letter_queue_carries_failures_only() -> None:
    resources = {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Architectures": ["arm64"], "MemorySize": 512},
        },
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": {"source": ["com.example.orders"]},
                "Targets": [
                    {
                        "Id": "Target0",
                        "Arn": {"Fn::GetAtt": ["Fn", "Arn"]},
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
                    }
                ],
            },
        },
    }
    graph = _graph(resources)
    assert _edges(graph) == {("Rule", "Fn", "event", "flow"), ("Rule", "Dlq", "dead letters", "failure")}
    result = estimate(graph, Usage(messages=1_000_000))
    assert [(e.resource, e.traffic, e.per_month) for e in result.entry_points] == [
        ("Rule", "events", 1_000_000)
    ]
    assert _lines(result)["Fn"] == pytest.approx(_arm64_512(1_000_000))
    assert _lines(result)["Dlq"] == 0
    assert not any("Scheduler" in a for a in result.assumptions)  # said only where a schedule is


# -- the EventHandler pattern, synthesized ------------------------------------------------------------


@pytest.fixture(scope="module")
def event_handlers() -> Graph:
    """A rule-form EventHandler and a ``rate(5 minutes)`` one in Europe/Paris, synthesized in one app."""
    work = Path(tempfile.mkdtemp(prefix="sp-schedules-"))
    handlers = work / "handlers"
    handlers.mkdir()
    (handlers / "app.py").write_text("def handler(event, context):\n    return None\n")
    app = cdk.App(outdir=str(work / "cdk.out"))
    stack = cdk.Stack(app, "Events")
    function = FunctionSpec(code=str(handlers), handler="app.handler")
    EventHandler(stack, "Placed", function=function, event_pattern={"source": ["com.example.orders"]})
    EventHandler(stack, "Poll", function=function, schedule="rate(5 minutes)", time_zone="Europe/Paris")
    app.synth()
    return build_graph(read_assembly(work / "cdk.out"))


def test_a_rule_form_event_handlers_function_is_fed_by_the_rules_events(event_handlers: Graph) -> None:
    edges = _edges(event_handlers)
    assert ("Placed/Rule", "Placed/Function", "event", "flow") in edges
    assert ("Placed/Rule", "Placed/Rule/DeadLetterQueue", "dead letters", "failure") in edges
    result = estimate(event_handlers, Usage(messages=1_000_000))
    lines = _lines(result)
    assert lines["Placed/Function"] == pytest.approx(_arm64_512(1_000_000)) == pytest.approx(0.86667)
    assert lines["Placed/Rule"] == 0
    assert lines["Placed/Rule/DeadLetterQueue"] == 0
    assert lines["Placed/FailureQueue"] == 0


def test_a_rate_schedule_event_handler_runs_every_5_minutes(event_handlers: Graph) -> None:
    edges = _edges(event_handlers)
    assert ("Poll/Schedule", "Poll/Function", "schedule", "flow") in edges
    assert ("Poll/Schedule", "Poll/Schedule/DeadLetterQueue", "dead letters", "failure") in edges
    # The schedule's role and group are no nodes; the role's grants add no second edge.
    assert not [e for e in edges if e[0] == "Poll/Schedule" and e[3] not in ("flow", "failure")]
    result = estimate(event_handlers, Usage(messages=1_000_000))
    lines = _lines(result)
    assert lines["Poll/Function"] == pytest.approx(_arm64_512(EVERY_5_MINUTES))
    assert lines["Poll/Schedule"] == pytest.approx(EVERY_5_MINUTES / 1e6)
    assert _usage(result, "Poll/Schedule") == "rate(5 minutes) in Europe/Paris: 8,766 invocations"
    assert lines["Poll/Schedule/DeadLetterQueue"] == 0
    entries = {(e.resource, e.traffic) for e in result.entry_points}
    assert entries == {("Placed/Rule", "events"), ("Poll/Schedule", "scheduled runs")}


# -- the catalog's examples through the CLI -------------------------------------------------------------


def _cost_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    code, stdout, stderr = invoke(runner, "cost", *args, "--json")
    assert code == 0, stderr
    data: dict[str, Any] = json.loads(stdout)
    return data


def test_the_nightly_event_handler_costs_its_30_runs(runner: CliRunner) -> None:
    # cron(0 2 * * ? *): 30.4375 runs a month, each one Scheduler invocation and one of the function.
    data = _cost_json(runner, "event-handler")
    lines = {line["resource"]: line["monthly_usd"] for line in data["lines"]}
    assert data["entry_points"] == [
        {"resource": "Nightly/Schedule", "traffic": "scheduled runs", "per_month": NIGHTLY}
    ]
    assert lines["Nightly/Function"] == pytest.approx(_arm64_512(NIGHTLY))
    assert lines["Nightly/Schedule"] == pytest.approx(NIGHTLY / 1e6 * SCHEDULER_PER_MILLION)
    assert lines["Nightly/Schedule/DeadLetterQueue"] == 0
    assert lines["Nightly/FailureQueue"] == 0
    # What is left is the fixed part: 6 alarms ($0.60), the dashboard ($3.00) and the alarm topic's key.
    assert data["total_usd"] == pytest.approx(4.60, abs=0.01)


def test_the_nightly_event_handler_diagram(runner: CliRunner) -> None:
    code, stdout, stderr = invoke(runner, "diagram", "event-handler")
    assert code == 0, stderr
    assert '"Nightly/Schedule<br/><small>EventBridge Scheduler schedule</small>"' in stdout
    assert '-->|"schedule"| NightlyFunction' in stdout
    assert '-.->|"dead letters"| NightlyScheduleDeadLetterQueue' in stdout


def test_a_queue_worker_queue_is_an_entry_point_and_its_dlq_idle(runner: CliRunner) -> None:
    # 1,000,000 messages: 3,000,000 SQS requests ($1.20) and 1,000,000 invocations ($0.86667).
    data = _cost_json(runner, "queue-worker", "--messages", "1000000")
    lines = {line["resource"]: line["monthly_usd"] for line in data["lines"]}
    assert data["entry_points"] == [
        {"resource": "Orders/Queue", "traffic": "messages", "per_month": 1_000_000}
    ]
    assert lines["Orders/Queue"] == pytest.approx(1.20)
    assert lines["Orders/Function"] == pytest.approx(0.86667)
    assert lines["Orders/Queue/DeadLetterQueue"] == 0
