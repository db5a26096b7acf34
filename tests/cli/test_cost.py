"""``cost``: figures checked against worked examples, computed by hand from prices.json.

The arithmetic is written out in each test with the table's figures, so a price change in
prices.json fails here until the worked examples are redone (test_price_table_is_the_one_worked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serverless_patterns.cli.assembly import Assembly, Template
from serverless_patterns.cli.cost import (
    PROFILES,
    Estimate,
    Traffic,
    Usage,
    estimate,
    firings_per_month,
    prices,
    tiered,
)
from serverless_patterns.cli.graph import build_graph

from .support import invoke, run_script

ONE_MILLION = 1_000_000


def _estimate(resources: dict[str, Any], usage: Usage) -> Estimate:
    template = Template(stack="T", body={"Resources": resources})
    return estimate(build_graph(Assembly(templates=[template])), usage)


def _line(result: Estimate, resource: str) -> float:
    [cost] = [line.monthly_usd for line in result.lines if line.resource == resource]
    return cost


def _function(arch: str = "arm64", memory: int = 512) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Architectures": [arch],
            "MemorySize": memory,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        },
    }


def test_price_table_is_the_one_worked() -> None:
    table = prices()
    assert table["as_of"] == "2026-11-01"
    assert table["region"] == "us-east-1"
    assert table["lambda"]["requests_per_million"] == 0.20
    assert table["lambda"]["gb_second_tiers"]["arm64"][0] == [7_500_000_000, 0.0000133334]
    assert table["lambda"]["gb_second_tiers"]["x86_64"][0] == [6_000_000_000, 0.0000166667]
    assert table["apigateway"]["rest_requests_per_million_tiers"][0] == [333_000_000, 3.50]
    assert table["sqs"]["standard_requests_per_million"] == 0.40
    assert table["dynamodb"]["write_request_units_per_million"] == 0.625
    assert table["cloudwatch"]["dashboard_month"] == 3.00
    assert set(table["sources"]) >= {
        "lambda",
        "apigateway",
        "sqs",
        "sns",
        "dynamodb",
        "s3",
        "stepfunctions",
        "scheduler",
    }


def test_lambda_arm64_and_what_it_saves_over_x86_64() -> None:
    # 1,000,000 requests x 100 ms x 0.5 GB = 50,000 GB-s.
    # arm64:  1 x $0.20 + 50,000 x $0.0000133334 = 0.20 + 0.66667 = $0.86667
    # x86_64: 1 x $0.20 + 50,000 x $0.0000166667 = 0.20 + 0.833335 = $1.033335
    result = _estimate({"Fn": _function("arm64")}, Usage(ONE_MILLION, avg_duration_ms=100))
    assert _line(result, "Fn") == pytest.approx(0.86667)
    assert result.arm64_savings_usd == pytest.approx(1.033335 - 0.86667)
    assert result.x86_64_to_arm64_savings_usd == 0


def test_lambda_x86_64_shows_what_moving_would_save() -> None:
    # 2,000,000 requests x 250 ms x 1 GB = 500,000 GB-s.
    # x86_64: 2 x $0.20 + 500,000 x $0.0000166667 = 0.40 + 8.33335 = $8.73335
    # arm64:  2 x $0.20 + 500,000 x $0.0000133334 = 0.40 + 6.6667  = $7.0667
    result = _estimate({"Fn": _function("x86_64", 1024)}, Usage(2 * ONE_MILLION, avg_duration_ms=250))
    assert _line(result, "Fn") == pytest.approx(8.73335)
    assert result.x86_64_to_arm64_savings_usd == pytest.approx(8.73335 - 7.0667)


def test_lambda_gb_second_tiers() -> None:
    # arm64, 10 billion GB-s: 7.5e9 x 0.0000133334 + 2.5e9 x 0.0000120001 = 100,000.5 + 30,000.25
    arm = prices()["lambda"]["gb_second_tiers"]["arm64"]
    assert tiered(10e9, arm) == pytest.approx(130_000.75)
    assert tiered(0, arm) == 0


def test_queue_with_dlq_and_large_payloads() -> None:
    # 1,000,000 messages of 100 KB = 2 chunks of 64 KB; send + receive + delete:
    # 3 x 2 x 1,000,000 = 6,000,000 requests x $0.40 / million = $2.40. The DLQ carries failures only: $0.
    resources = {
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
        },
    }
    result = _estimate(resources, Usage(ONE_MILLION, payload_kb=100))
    assert _line(result, "Queue") == pytest.approx(2.40)
    assert _line(result, "Dlq") == 0


def test_rest_and_http_apis() -> None:
    # REST: 1,000,000 x $3.50 / million = $3.50.
    # HTTP: 600 KB requests are metered in 512 KB steps: 2 x 1,000,000 x $1.00 / million = $2.00.
    resources = {
        "Rest": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
    }
    result = _estimate(resources, Usage(ONE_MILLION, payload_kb=600))
    assert _line(result, "Rest") == pytest.approx(3.50)
    assert _line(result, "Http") == pytest.approx(2.00)


def test_table_and_bucket() -> None:
    # DynamoDB, 3 KB items: 3 WRU per write, 1 RRU per read (4 KB), 10 GB:
    #   3,000,000 x $0.625 / million + 1,000,000 x $0.125 / million + 10 x $0.25 = 1.875 + 0.125 + 2.50 = $4.50
    # S3: 1,000,000 PUT x $0.005 / 1,000 + 1,000,000 GET x $0.0004 / 1,000 + 10 GB x $0.023
    #   = 5.00 + 0.40 + 0.23 = $5.63
    resources = {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
    }
    result = _estimate(resources, Usage(ONE_MILLION, payload_kb=3, storage_gb=10))
    assert _line(result, "Table") == pytest.approx(4.50)
    assert _line(result, "Bucket") == pytest.approx(5.63)


def test_topic_with_an_https_subscription() -> None:
    # 1,000,000 publishes x $0.50 / million + SQS deliveries (free) + HTTPS deliveries x $0.60 / million = $1.10
    resources = {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "ToQueue": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "sqs",
                "TopicArn": {"Ref": "Topic"},
                "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
            },
        },
        "ToHook": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "https",
                "TopicArn": {"Ref": "Topic"},
                "Endpoint": "https://example.com",
            },
        },
    }
    result = _estimate(resources, Usage(ONE_MILLION))
    assert _line(result, "Topic") == pytest.approx(1.10)


def test_state_machines_standard_and_express() -> None:
    # Standard, 3 states: 1,000,000 x 3 = 3,000,000 transitions x $0.025 / 1,000 = $75.00
    # Express: 1,000,000 x $1.00 / million + 1,000,000 x 0.1 s x 64 MB (0.0625 GB) = 6,250 GB-s
    #   x $0.00001667 = 1.00 + 0.1041875 = $1.1041875
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Succeed"},
        },
    }
    resources = {
        "Standard": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"DefinitionString": json.dumps(definition)},
        },
        "Express": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"StateMachineType": "EXPRESS", "DefinitionString": json.dumps(definition)},
        },
    }
    result = _estimate(resources, Usage(ONE_MILLION, avg_duration_ms=100))
    assert _line(result, "Standard") == pytest.approx(75.00)
    assert _line(result, "Express") == pytest.approx(1.1041875)


def test_alarms_dashboard_logs_and_keys() -> None:
    # Alarms: 2 single-metric alarms + 1 metric-math alarm on 2 metrics = 4 alarm metrics x $0.10 = $0.40
    # Dashboard: $3.00. KMS key: $1.00.
    # Function logs: 1,000,000 x 1 KB = 1,000,000 / 1,048,576 GB = 0.95367 GB x ($0.50 + $0.03) = $0.505447
    math_metrics = [{"Id": "n", "MetricStat": {"Period": 300}}, {"Id": "d", "MetricStat": {"Period": 300}}]
    resources = {
        "Fn": _function(),
        "A1": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}},
        "A2": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}},
        "A3": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [*math_metrics, {"Id": "rate"}]}},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
    }
    result = _estimate(resources, Usage(ONE_MILLION, log_kb_per_request=1))
    assert result.group_total("monitoring") == pytest.approx(0.40 + 3.00)
    assert _line(result, "Key") == pytest.approx(1.00)
    assert _line(result, "Fn logs") == pytest.approx(1_000_000 / 1_048_576 * 0.53)
    assert result.total_usd == pytest.approx(0.86667 + 0.40 + 3.00 + 1.00 + 1_000_000 / 1_048_576 * 0.53)


def test_cost_of_a_synthesized_app_as_json(plain_app: Path, runner: CliRunner) -> None:
    code, stdout, _ = invoke(
        runner, "cost", str(plain_app), "--no-synth", "--requests-per-month", "1000000", "--json"
    )
    assert code == 0
    data = json.loads(stdout)
    lines = {line["resource"]: line["monthly_usd"] for line in data["lines"]}
    # ApiFn, StepFn arm64 512 MB at 100 ms: $0.86667 each; Worker x86_64: 0.20 + 50,000 x 0.0000166667
    assert lines["ApiFn"] == pytest.approx(0.86667)
    assert lines["Worker"] == pytest.approx(1.033335)
    assert lines["OrdersApi"] == pytest.approx(3.50)
    assert lines["Work"] == pytest.approx(1.20)  # 3 x 1,000,000 x $0.40 / million
    assert lines["WorkDlq"] == 0
    assert data["total_usd"] == pytest.approx(sum(lines.values()))
    assert data["monitoring_usd"] == pytest.approx(2 * 0.10 + 3.00)  # two alarms and one dashboard


def test_cost_command_prints_a_table(plain_app: Path) -> None:
    done = run_script("cost", str(plain_app), "--no-synth", "--requests-per-month", "5000000")
    assert done.returncode == 0, done.stderr
    assert "Total" in done.stdout
    assert "as of 2026-11-01" in done.stdout
    assert "Moving the x86_64 functions to arm64 would save" in done.stdout
    assert "Alarms and dashboard: $3.20/month" in done.stdout


# -- traffic per entry point ---------------------------------------------------------------------
# Worked figures, arm64 512 MB at 100 ms: an invocation is $0.20 / million + 0.05 GB-s x $0.0000133334.
def _arm64_512(invocations: float) -> float:
    return invocations / 1e6 * 0.20 + invocations * 0.05 * 0.0000133334


def _cost_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    code, stdout, stderr = invoke(runner, "cost", *args, "--json")
    assert code == 0, stderr
    data: dict[str, Any] = json.loads(stdout)
    return data


def _lines(data: dict[str, Any]) -> dict[str, float]:
    return {line["resource"]: line["monthly_usd"] for line in data["lines"]}


def test_traffic_from_a_profile_from_every_entry_point_at_once_or_one_by_one() -> None:
    assert Usage().traffic() == PROFILES["moderate"]
    assert PROFILES["moderate"] == Traffic(
        api_requests=1_000_000, uploads=100_000, messages=1_000_000, executions=10_000
    )
    assert Usage(profile="low", uploads=5).traffic() == Traffic(10_000, 5, 10_000, 1_000)
    assert Usage(2_000).traffic() == Traffic(2_000, 2_000, 2_000, 2_000)
    assert Usage(2_000, messages=7, profile="high").traffic() == Traffic(2_000, 2_000, 7, 2_000)
    with pytest.raises(ValueError, match="profile must be one of low, moderate, high, got 'huge'"):
        Usage(profile="huge")
    with pytest.raises(ValueError, match=r"the share of 'GET /a' must be 0\.\.1, got 1\.5"):
        Usage(shares={"GET /a": 1.5})


def test_an_api_request_reaches_only_its_routes_function(runner: CliRunner) -> None:
    # api-to-lambda: three routes, one function each. 3,000,000 requests split evenly: 1,000,000 each,
    # $0.86667 a function (it was 3,000,000 each: $2.60 a function). REST: 3 x $3.50 = $10.50.
    data = _cost_json(runner, "api-to-lambda", "--api-requests", "3000000")
    lines = _lines(data)
    functions = ["UsersApi/GetUsersIdFunction", "UsersApi/GetUsersFunction", "UsersApi/PostUsersFunction"]
    for name in functions:
        assert lines[name] == pytest.approx(_arm64_512(1_000_000)) == pytest.approx(0.86667)
        # Function logs follow the invocations: 1,000,000 KB x ($0.50 + $0.03) per GB.
        assert lines[f"{name} logs"] == pytest.approx(1_000_000 / 1_048_576 * 0.53)
    assert lines["UsersApi"] == pytest.approx(10.50)
    assert lines["UsersApi/DeploymentStage.prod logs"] == pytest.approx(3_000_000 / 1_048_576 * 0.53)
    assert data["entry_points"] == [
        {"resource": "UsersApi", "traffic": "API requests", "per_month": 3_000_000}
    ]


def test_a_route_share_moves_requests_between_functions(runner: CliRunner) -> None:
    # GET /users takes half of 2,000,000: 1,000,000 ($0.86667); the other two split the rest: 500,000
    # each, $0.10 + 25,000 GB-s x $0.0000133334 = $0.433335.
    lines = _lines(
        _cost_json(runner, "api-to-lambda", "--api-requests", "2000000", "--share", "GET /users=0.5")
    )
    assert lines["UsersApi/GetUsersFunction"] == pytest.approx(0.86667)
    assert lines["UsersApi/GetUsersIdFunction"] == pytest.approx(0.433335)
    assert lines["UsersApi/PostUsersFunction"] == pytest.approx(0.433335)


def test_a_scheduled_workflow_runs_as_often_as_its_schedule(runner: CliRunner) -> None:
    # orchestrated-pipeline: cron(0 2 * * ? *) fires 365.25 / 12 = 30.4375 times a month; each
    # execution runs each of the three steps once and takes 5 transitions (3 tasks, 2 states around them).
    data = _cost_json(runner, "orchestrated-pipeline")
    lines = _lines(data)
    assert data["entry_points"] == [
        {"resource": "Etl/ScheduleRule", "traffic": "scheduled runs", "per_month": 30.4375}
    ]
    assert lines["Etl"] == pytest.approx(30.4375 * 5 * 0.025 / 1000)
    for step in ("Extract", "Transform", "Load"):
        assert lines[f"Etl/{step}DataFunction"] == pytest.approx(_arm64_512(30.4375))
    # What is left is the fixed part: 12 alarms ($1.20), the dashboard ($3.00) and two keys ($2.00).
    assert data["total_usd"] == pytest.approx(6.20, abs=0.01)


def test_a_workflow_execution_runs_each_step_once(runner: CliRunner) -> None:
    # 1,000,000 executions given: they replace the schedule. Standard: 5,000,000 transitions x $0.025 /
    # 1,000 = $125.00; each step's function runs 1,000,000 times ($0.86667); the notification topic is
    # priced as if every execution published: $0.50.
    data = _cost_json(runner, "orchestrated-pipeline", "--executions", "1000000")
    lines = _lines(data)
    assert lines["Etl"] == pytest.approx(125.00)
    for step in ("Extract", "Transform", "Load"):
        assert lines[f"Etl/{step}DataFunction"] == pytest.approx(0.86667)
    assert lines["Etl/NotificationTopic"] == pytest.approx(0.50)
    assert data["entry_points"] == [
        {"resource": "Etl", "traffic": "workflow executions", "per_month": 1_000_000}
    ]


def _fanout() -> dict[str, Any]:
    """A topic with two queue subscribers, a function polling each queue."""
    resources: dict[str, Any] = {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}
    for name in ("Emails", "Analytics"):
        resources[f"{name}Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        resources[f"{name}Subscription"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "sqs",
                "TopicArn": {"Ref": "Topic"},
                "Endpoint": {"Fn::GetAtt": [f"{name}Queue", "Arn"]},
            },
        }
        resources[f"{name}Fn"] = _function()
        resources[f"{name}Mapping"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": {"Ref": f"{name}Fn"},
                "EventSourceArn": {"Fn::GetAtt": [f"{name}Queue", "Arn"]},
            },
        }
    return resources


def test_a_fanout_message_reaches_every_subscriber_unless_a_share_is_given() -> None:
    # 1,000,000 messages: 1,000,000 publishes x $0.50 / million; each queue 3,000,000 requests x $0.40 /
    # million = $1.20, each function 1,000,000 invocations ($0.86667).
    result = _estimate(_fanout(), Usage(messages=ONE_MILLION))
    assert _line(result, "Topic") == pytest.approx(0.50)
    for name in ("Emails", "Analytics"):
        assert _line(result, f"{name}Queue") == pytest.approx(1.20)
        assert _line(result, f"{name}Fn") == pytest.approx(0.86667)
    # A filter that lets a quarter through: 750,000 queue requests ($0.30), 250,000 invocations:
    # $0.05 + 12,500 GB-s x $0.0000133334 = $0.2166675. The other subscriber keeps every message.
    filtered = _estimate(_fanout(), Usage(messages=ONE_MILLION, shares={"AnalyticsQueue": 0.25}))
    assert _line(filtered, "AnalyticsQueue") == pytest.approx(0.30)
    assert _line(filtered, "AnalyticsFn") == pytest.approx(0.2166675)
    assert _line(filtered, "EmailsFn") == pytest.approx(0.86667)
    assert [(e.resource, e.traffic, e.per_month) for e in filtered.entry_points] == [
        ("Topic", "messages", ONE_MILLION)
    ]


def test_a_share_that_names_nothing_is_refused(runner: CliRunner) -> None:
    with pytest.raises(ValueError, match="no route or resource is named 'Nope'"):
        _estimate(_fanout(), Usage(shares={"Nope": 0.5}))
    code, _, stderr = invoke(runner, "cost", "api-to-lambda", "--share", "GET /users")
    assert code != 0
    assert "--share must be NAME=FRACTION" in stderr


@pytest.mark.parametrize(
    ("expression", "per_month"),
    [
        ("rate(5 minutes)", 365.25 / 12 * 86400 / 300),  # 8,766
        ("rate(1 day)", 30.4375),
        ("cron(0 2 * * ? *)", 30.4375),
        ("cron(0/15 9-17 ? * MON-FRI *)", 4 * 9 * 5 * 30.4375 / 7),
        ("cron(0 12 1 * ? *)", 1),
        ("cron(0 8 1 JAN ? *)", 1 / 12),
        ("cron(bad)", 0),
    ],
)
def test_schedule_firings_per_month(expression: str, per_month: float) -> None:
    assert firings_per_month(expression) == pytest.approx(per_month)
