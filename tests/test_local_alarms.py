"""CloudWatch alarm evaluation on the local cloud (``local/alarms.py``, ``local/metrics.py``,
``local/metric_math.py``) against values computed by hand."""

from __future__ import annotations

from typing import Any

import pytest

from serverless_patterns.local.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmChange,
    AlarmDefinition,
    Alarms,
    decide,
    notification,
    rule_holds,
)
from serverless_patterns.local.metric_math import MathError, evaluate
from serverless_patterns.local.metrics import MetricStore, record_api_response, statistic

X, G, M = 5.0, 0.0, None  # breaching, good (not breaching) (threshold 1, >=), missing


def state(values: list[float | None], treat: str, *, n: int = 3, m: int = 3, current: str = OK) -> str:
    return decide(
        values,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        comparison="GreaterThanOrEqualToThreshold",
        threshold=1,
        treat_missing=treat,
        current=current,
    )[0]


@pytest.mark.parametrize(
    ("values", "missing", "ignore", "breaching", "not_breaching"),
    [
        # oldest first: two lookback periods, then the three of the evaluation range
        ([G, M, X, M, X], OK, OK, ALARM, OK),  # the lookback's 0 is one of the last 3 present
        ([M, M, M, M, G], OK, OK, OK, OK),
        ([M, M, M, M, M], INSUFFICIENT_DATA, "kept", ALARM, OK),
        ([G, X, X, M, X], ALARM, ALARM, ALARM, OK),  # X X X present, M of N = 3 of 3
        ([M, M, X, M, M], ALARM, ALARM, ALARM, OK),  # fewer than M present, all breaching
        ([M, M, G, M, X], OK, OK, OK, OK),  # fewer than M present, not all breaching
    ],
)
def test_each_missing_data_treatment(
    values: list[float | None], missing: str, ignore: str, breaching: str, not_breaching: str
) -> None:
    assert state(values, "missing") == missing
    assert state(values, "ignore", current="kept") == ignore
    assert state(values, "breaching") == breaching
    assert state(values, "notBreaching") == not_breaching


def test_m_of_n_datapoints_to_alarm() -> None:
    assert state([X, G, X, G, G], "notBreaching", n=5, m=2) == ALARM
    assert state([X, G, G, G, G], "notBreaching", n=5, m=2) == OK
    assert state([X, M, M, M, X], "breaching", n=5, m=5) == ALARM
    assert state([X, M, G, M, X], "breaching", n=5, m=5) == OK
    # only the last N count: the breach before them is out of range
    assert state([X, X, G, G, G], "notBreaching", n=3, m=1) == OK


def test_statistics_and_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert statistic(values, "Sum") == 5050
    assert statistic(values, "Average") == 50.5
    assert statistic(values, "SampleCount") == 100
    assert (statistic(values, "Minimum"), statistic(values, "Maximum")) == (1, 100)
    assert statistic(values, "p99") == 99  # nearest rank: the 99th of 100
    assert statistic(values, "p50") == 50
    assert statistic([10.0, 20.0, 30.0], "p99") == 30
    assert statistic([], "Sum") is None


def test_the_metric_math_the_patterns_use() -> None:
    errors = {0: 1.0, 1: 0.0, 2: 3.0}
    requests = {0: 10.0, 1: 0.0, 2: 12.0}
    # Monitoring.rate_percent: 0 without traffic, no division by zero
    assert evaluate("IF(d > 0, 100 * n / d, 0)", {"n": errors, "d": requests}, [0, 1, 2], 300) == {
        0: 10.0,
        1: 0.0,
        2: 25.0,
    }
    # WebSocketApi's error rate over connects and messages
    assert evaluate(
        "IF(c + m > 0, 100 * e / (c + m), 0)",
        {"e": {0: 1.0}, "c": {0: 2.0}, "m": {0: 2.0}},
        [0],
        300,
    ) == {0: 25.0}
    # stream iterator age in seconds
    assert evaluate("m / 1000", {"m": {0: 1500.0}}, [0], 60) == {0: 1.5}
    # FILL, AND/OR, MAX of an array (burn-rate style)
    assert evaluate("FILL(m, 0)", {"m": {1: 2.0}}, [0, 1, 2], 60) == {0: 0.0, 1: 2.0, 2: 0.0}
    assert evaluate("FILL(m, REPEAT)", {"m": {1: 2.0}}, [0, 1, 2], 60) == {1: 2.0, 2: 2.0}
    assert evaluate("a > 1 AND b > 1", {"a": {0: 2.0, 1: 2.0}, "b": {0: 2.0, 1: 0.0}}, [0, 1], 60) == {
        0: 1.0,
        1: 0.0,
    }
    assert evaluate("MAX([a, b])", {"a": {0: 1.0, 1: 5.0}, "b": {0: 3.0}}, [0, 1], 60) == {0: 3.0, 1: 5.0}
    assert evaluate("a / b", {"a": {0: 1.0}, "b": {1: 1.0}}, [0, 1], 60) == {}  # no common period
    with pytest.raises(MathError, match="unknown id"):
        evaluate("x + 1", {}, [0], 60)


def test_composite_rules() -> None:
    states = {"a": ALARM, "b": OK}
    assert rule_holds('ALARM("a") AND NOT ALARM("b")', states.get)
    assert not rule_holds("ALARM(b) OR (OK(a) AND TRUE)", states.get)


def error_rate_alarm() -> AlarmDefinition:
    """Monitoring.alarm's 5XX rate alarm of a REST API, as the template has it."""
    metric = {"Dimensions": [{"Name": "ApiName", "Value": "Api"}, {"Name": "Stage", "Value": "prod"}]}
    props: dict[str, Any] = {
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:alarms"],
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "DatapointsToAlarm": 1,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
        "Metrics": [
            {"Expression": "IF(d > 0, 100 * n / d, 0)", "Id": "expr_1", "ReturnData": True},
            {
                "Id": "n",
                "MetricStat": {
                    "Metric": {**metric, "MetricName": "5XXError", "Namespace": "AWS/ApiGateway"},
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {
                "Id": "d",
                "MetricStat": {
                    "Metric": {**metric, "MetricName": "Count", "Namespace": "AWS/ApiGateway"},
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
        ],
    }
    return AlarmDefinition.from_properties(
        "rate", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:rate", props
    )


def test_an_alarm_on_recorded_metrics_changes_state_and_notifies() -> None:
    store = MetricStore()
    published: list[tuple[str, str, str]] = []
    alarms = Alarms(
        store,
        account_id="123456789012",
        region="us-east-1",
        publish=lambda *m: published.append(m),
        clock=60,
        origin=1000.0,
    )
    alarms.put(error_rate_alarm())
    changes: list[AlarmChange] = []
    alarms.listeners.append(changes.append)
    # period 300 s at clock 60: 5 s; period 0 is [1000, 1005)
    for status in [200] * 98 + [502] * 2:  # 2% of 100 requests fail: >= 1%
        record_api_response(
            store, rest=True, api="Api", stage="prod", status=status, latency_ms=5, when=1001.0
        )
    (first,) = alarms.tick(now=1004.0)  # period 0 has not ended: period -1, without data, is OK
    assert (first.old, first.new) == (INSUFFICIENT_DATA, OK)
    assert alarms.tick(now=1004.5) == []  # evaluated once per period
    (change,) = alarms.tick(now=1005.5)
    assert (change.old, change.new) == (OK, ALARM)
    assert "[2 (" in change.reason and "threshold (1)" in change.reason
    assert alarms.state("rate") == ALARM
    (topic, subject, message) = published[0]
    assert topic.endswith(":alarms") and subject == 'ALARM: "rate" in US East (N. Virginia)'
    assert '"NewStateValue": "ALARM"' in message and '"OldStateValue": "OK"' in message
    # the next period has no request: missing data is not breaching
    (back,) = alarms.tick(now=1010.5)
    assert (back.old, back.new) == (ALARM, OK)
    assert "treated as [NonBreaching]" in back.reason
    kinds = [item["HistoryItemType"] for item in alarms.history]
    assert kinds == ["ConfigurationUpdate", "StateUpdate", "StateUpdate", "Action", "StateUpdate"]


def test_a_p99_alarm_reads_the_percentile() -> None:
    store = MetricStore()
    props = {
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Threshold": 3000,
        "TreatMissingData": "notBreaching",
        "Namespace": "AWS/ApiGateway",
        "MetricName": "Latency",
        "Dimensions": [{"Name": "ApiId", "Value": "abc"}, {"Name": "Stage", "Value": "$default"}],
        "ExtendedStatistic": "p99",
        "Period": 60,
    }
    alarms = Alarms(store, account_id="123456789012", region="us-east-1", clock=60, origin=0.0)
    alarms.put(AlarmDefinition.from_properties("p99", "arn", props))
    for n in range(100):  # 1 slow answer in 100: the p99 (the 99th value) is fast
        record_api_response(
            store,
            rest=False,
            api="abc",
            stage="$default",
            status=200,
            latency_ms=4000 if n == 0 else 100,
            when=0.5,
        )
    (change,) = alarms.tick(now=1.5)
    assert change.new == OK
    record_api_response(store, rest=False, api="abc", stage="$default", status=200, latency_ms=4000, when=1.2)
    record_api_response(store, rest=False, api="abc", stage="$default", status=200, latency_ms=100, when=1.3)
    (change,) = alarms.tick(now=2.5)  # p99 of [100, 4000] is 4000
    assert change.new == ALARM


def test_the_notification_of_a_single_metric_alarm() -> None:
    definition = AlarmDefinition.from_properties(
        "errors",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:errors",
        {
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Statistic": "Sum",
            "Period": 60,
            "Threshold": 1,
            "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
        },
    )
    message = notification(
        AlarmChange(definition, OK, ALARM, "why", "{}", 0.0), "123456789012", "US East (N. Virginia)"
    )
    assert message["Trigger"]["Statistic"] == "SUM" and message["Trigger"]["MetricName"] == "Errors"
    assert message["Trigger"]["Dimensions"] == [{"value": "f", "name": "FunctionName"}]
    assert (message["OldStateValue"], message["NewStateValue"]) == (OK, ALARM)
