"""SLOs as code (core/slo.py): every registered pattern takes ``slo=``; its burn-rate alarms' metric
math, evaluated here by hand for known error rates, fires as the SRE workbook's method says; the
fast burn rolls canaries back and the slow burn only notifies; the rule packs and cfn-lint stay clean;
bad targets fail at construction with one error."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from constructs import Construct

from serverless_patterns import (
    AlarmThresholds,
    Latency,
    MonitoringOptions,
    PatternValidationError,
    QueueWorker,
    Slo,
)
from serverless_patterns._registry import PATTERNS
from serverless_patterns.core import rolls_back
from tests.pattern_cases import spec
from tests.support import Synthesized, cfn_lint, composite_children, synth
from tests.validation.support import PATTERNS as CLASSES
from tests.validation.support import _resolve, base_props

SLO = Slo(availability=99.9, latency=Latency(p99=cdk.Duration.millis(300)), window=cdk.Duration.days(28))
# The patterns measured on their API stage; every other one on each of its functions.
ON_API = {"ApiToLambda", "ServiceApi"}


# ---------------------------------------------------------------------- a tiny metric math evaluator
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|(.))")


class _Parser:
    """Evaluates the metric math forms core/slo.py emits for one datapoint: numbers, metric ids,
    ``+ - * /``, ``>``, ``IF(c, a, b)``, ``MAX([a, ...])`` and ``FILL(x, v)``. A metric without a
    datapoint is None; arithmetic on None, or a division by zero, is None (CloudWatch leaves the
    point out); ``IF`` evaluates both branches, as CloudWatch does element-wise, and keeps one."""

    def __init__(self, expression: str, values: Mapping[str, float | None]) -> None:
        self.tokens = [m.group(1) or m.group(2) or m.group(3) for m in _TOKEN.finditer(expression)]
        self.tokens = [t for t in self.tokens if t and not t.isspace()]
        self.values, self.at = values, 0

    def parse(self) -> float | None:
        value = self._comparison()
        assert self.at == len(self.tokens), self.tokens[self.at :]
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self.tokens[self.at]
        assert expected is None or token == expected, (token, expected)
        self.at += 1
        return token

    def _comparison(self) -> float | None:
        left = self._sum()
        if self._peek() == ">":
            self._take()
            right = self._sum()
            return None if left is None or right is None else float(left > right)
        return left

    def _sum(self) -> float | None:
        value = self._product()
        while self._peek() in ("+", "-"):
            op, right = self._take(), self._product()
            value = None if value is None or right is None else value + right if op == "+" else value - right
        return value

    def _product(self) -> float | None:
        value = self._atom()
        while self._peek() in ("*", "/"):
            op, right = self._take(), self._atom()
            if value is None or right is None or (op == "/" and right == 0):
                value = None  # no datapoint (CloudWatch leaves a division by zero out)
            else:
                value = value * right if op == "*" else value / right
        return value

    def _atom(self) -> float | None:
        token = self._take()
        if token == "(":
            value = self._comparison()
            self._take(")")
            return value
        if re.fullmatch(r"\d+(\.\d+)?", token):
            return float(token)
        if token in ("IF", "MAX", "FILL"):
            function: Callable[[], float | None] = getattr(self, f"_{token.lower()}")
            return function()
        return self.values[token]

    def _if(self) -> float | None:
        self._take("(")
        condition = self._comparison()
        self._take(",")
        yes = self._comparison()
        self._take(",")
        no = self._comparison()
        self._take(")")
        return None if condition is None else yes if condition else no

    def _max(self) -> float | None:
        self._take("(")
        self._take("[")
        items = [self._comparison()]
        while self._peek() == ",":
            self._take()
            items.append(self._comparison())
        self._take("]")
        self._take(")")
        present = [i for i in items if i is not None]
        return max(present) if present else None

    def _fill(self) -> float | None:
        self._take("(")
        value = self._comparison()
        self._take(",")
        fill = self._comparison()
        self._take(")")
        return fill if value is None else value


def evaluate(expression: str, **values: float | None) -> float | None:
    return _Parser(expression, values).parse()


def test_the_evaluator_reads_what_it_claims_to() -> None:
    assert evaluate("IF(n > 0, e / n, 0) / 0.001", e=5, n=1000) == pytest.approx(5)
    assert evaluate("IF(n > 0, e / n, 0) / 0.001", e=0, n=0) == 0
    assert evaluate("MAX([1 + 2 * 3, (100 - FILL(t, 100)) / 1])", t=None) == 7
    assert evaluate("MAX([1, (100 - FILL(t, 100)) / 0.1])", t=99) == pytest.approx(10)
    assert evaluate("e / n", e=None, n=3) is None


# ---------------------------------------------------------------------- the hand calculation
def _queue_worker(slo: Slo, thresholds: AlarmThresholds | None = None) -> Synthesized:
    def build(stack: cdk.Stack) -> None:
        QueueWorker(
            stack,
            "Worker",
            function=spec(),
            slo=slo,
            monitoring=MonitoringOptions(thresholds=thresholds or AlarmThresholds()),
        )

    return synth(build, gate=False)


@pytest.fixture(scope="module")
def worker() -> Synthesized:
    return _queue_worker(SLO)


def _windows(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """The SLO window alarms by their construct id (``SloFastBurnLongWindowAlarm``...)."""
    found = {}
    for logical_id, alarm in synthesized.resources("AWS::CloudWatch::Alarm").items():
        match = re.search(r"(Slo\w+WindowAlarm)[0-9A-F]{8}$", logical_id)
        if match:
            found[match.group(1)] = alarm["Properties"]
    return found


def _fires(
    window: dict[str, Any], errors: float | None, requests: float | None, fast_percent: float | None = 100
) -> bool:
    """Whether a window alarm is in ALARM for one datapoint of ``errors`` of ``requests`` with
    ``fast_percent`` of them under the latency threshold (PR(:300))."""
    (expression,) = [q["Expression"] for q in window["Metrics"] if "Expression" in q]
    value = evaluate(expression, e=errors, n=requests, t=fast_percent)
    assert window["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    return value is not None and value >= window["Threshold"]


# error rate of the long and the short window -> (fast burn fires, slow burn fires), against 99.9%:
# budget 0.1%; burn rate = error rate / 0.1%; fast burn at 14.4 (1.44% errors), slow at 6 (0.6%).
HAND = [
    # 0.5% errors: burn 0.005 / 0.001 = 5 -> under 6 and 14.4: nothing fires
    ((0.5, 0.5), (False, False)),
    # 2% errors: burn 0.02 / 0.001 = 20 -> over 14.4 and 6 in both windows: both fire
    ((2.0, 2.0), (True, True)),
    # 1% errors: burn 10 -> slow burn only
    ((1.0, 1.0), (False, True)),
    # 2% in the short window only (long 0.5%): the long window holds both alarms back (AND)
    ((0.5, 2.0), (False, False)),
    # 2% over the long window but recovered in the short one (0.5%): both reset
    ((2.0, 0.5), (False, False)),
]


@pytest.mark.parametrize(("rates", "expected"), HAND)
def test_burn_rate_alarms_match_the_hand_calculation(
    worker: Synthesized, rates: tuple[float, float], expected: tuple[bool, bool]
) -> None:
    windows = _windows(worker)
    requests = 100_000
    fired = []
    for level in ("Fast", "Slow"):
        long, short = (windows[f"Slo{level}Burn{w}WindowAlarm"] for w in ("Long", "Short"))
        fired.append(
            _fires(long, requests * rates[0] / 100, requests)
            and _fires(short, requests * rates[1] / 100, requests)
        )
    assert tuple(fired) == expected


def test_the_hand_calculation_values_reach_the_template(worker: Synthesized) -> None:
    windows = _windows(worker)
    expression = "MAX([IF(n > 0, e / n, 0) / 0.001, (100 - FILL(t, 100)) / 1])"
    periods = {"Fast": (3600, 300), "Slow": (21600, 1800)}
    for level, threshold in (("Fast", 14.4), ("Slow", 6)):
        for which, period in zip(("Long", "Short"), periods[level], strict=True):
            props = windows[f"Slo{level}Burn{which}WindowAlarm"]
            assert props["Threshold"] == threshold
            assert props["EvaluationPeriods"] == props["DatapointsToAlarm"] == 1
            assert props["TreatMissingData"] == "notBreaching"
            assert "AlarmActions" not in props  # it notifies through its composite alarm
            queries = {q["Id"]: q for q in props["Metrics"]}
            assert queries["expr_1"]["Expression"] == expression
            stats = {
                i: (q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"])
                for i, q in queries.items()
                if i != "expr_1"
            }
            assert stats == {
                "e": ("Errors", "Sum"),
                "n": ("Invocations", "Sum"),
                "t": ("Duration", "PR(:300)"),
            }
            assert {q["MetricStat"]["Period"] for i, q in queries.items() if i != "expr_1"} == {period}


@pytest.mark.parametrize(
    ("fast_percent", "expected"),
    [
        # p99 within 300 ms: 1% may be slow. 98.5% fast -> 1.5% slow -> burn 1.5: nothing
        (98.5, (False, False)),
        # 80% fast -> 20% slow -> burn 20: both
        (80.0, (True, True)),
        # 92% fast -> 8% slow -> burn 8: slow burn only
        (92.0, (False, True)),
    ],
)
def test_the_latency_target_burns_its_own_budget(
    worker: Synthesized, fast_percent: float, expected: tuple[bool, bool]
) -> None:
    windows = _windows(worker)
    fired = tuple(
        all(
            _fires(windows[f"Slo{level}Burn{w}WindowAlarm"], 0, 1000, fast_percent) for w in ("Long", "Short")
        )
        for level in ("Fast", "Slow")
    )
    assert fired == expected


def test_no_traffic_fires_nothing(worker: Synthesized) -> None:
    for window in _windows(worker).values():
        (expression,) = [q["Expression"] for q in window["Metrics"] if "Expression" in q]
        assert not _fires(window, None, None, None)
        assert evaluate(expression, e=0, n=0, t=None) == 0


def test_composites_and_their_actions(worker: Synthesized) -> None:
    composites = worker.resources("AWS::CloudWatch::CompositeAlarm")
    by_id = {
        re.sub(r"[0-9A-F]{8}$", "", k).removeprefix("WorkerFunction"): (k, v) for k, v in composites.items()
    }
    assert set(by_id) == {"SloFastBurnAlarm", "SloSlowBurnAlarm"}
    topic = next(iter(worker.resources("AWS::SNS::Topic")))
    for level in ("Fast", "Slow"):
        _, composite = by_id[f"Slo{level}BurnAlarm"]
        assert composite["Properties"]["AlarmActions"] == [{"Ref": topic}]
        children = composite_children(composite)
        assert [re.search(r"(Long|Short)Window", c).group(1) for c in children] == ["Long", "Short"]  # type: ignore[union-attr]
        assert " AND " in json.dumps(composite["Properties"]["AlarmRule"])
    # the fast burn rolls the canary back, the slow burn does not
    (group,) = worker.resources("AWS::CodeDeploy::DeploymentGroup").values()
    names = [a["Name"]["Ref"] for a in group["Properties"]["AlarmConfiguration"]["Alarms"]]
    assert by_id["SloFastBurnAlarm"][0] in names
    assert by_id["SloSlowBurnAlarm"][0] not in names
    assert rolls_back("slo_fast_burn") and not rolls_back("slo_slow_burn")


def test_the_error_budget_panel(worker: Synthesized) -> None:
    (dashboard,) = worker.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "error budget left, last 28 days (SLO 99.9%)" in body
    assert "100 * (1 - IF(n > 0, e / n, 0) / 0.001)" in body
    assert "100 * (1 - (100 - FILL(t, 100)) / 1)" in body
    assert '\\"period\\":2419200' in body  # the budget is counted over the 28-day window
    assert '\\"start\\":\\"-P28D\\"' in body
    assert "singleValue" in body
    assert '\\"label\\":\\"fast burn\\",\\"value\\":14.4' in body


def test_thresholds_override_the_burn_rates_and_an_unreachable_rate_is_capped() -> None:
    synthesized = _queue_worker(
        Slo(availability=95), AlarmThresholds(others={"slo_fast_burn": 30, "slo_slow_burn": 3})
    )
    windows = _windows(synthesized)
    # budget 5%: a burn of 30 would need 150% errors, so 1 / 0.05 = 20 (100% errors) it is
    assert windows["SloFastBurnLongWindowAlarm"]["Threshold"] == 20
    assert windows["SloSlowBurnLongWindowAlarm"]["Threshold"] == 3
    (expression,) = [
        q["Expression"] for q in windows["SloFastBurnLongWindowAlarm"]["Metrics"] if "Expression" in q
    ]
    assert expression == "IF(n > 0, e / n, 0) / 0.05"  # no latency target: availability only
    assert evaluate(expression, e=100, n=100) == 20  # every request failing still fires


# ---------------------------------------------------------------------- every registered pattern
def _takes_slo(cls: type) -> bool:
    return "slo" in inspect.signature(cls.__init__).parameters  # type: ignore[misc]


def test_every_registered_pattern_takes_an_slo() -> None:
    assert [p.construct for p in PATTERNS if not _takes_slo(CLASSES[p.construct])] == []


def build_all(stack: cdk.Stack) -> None:
    """Every registered pattern with its smallest props and :data:`SLO`, each in a scope of its own."""
    for name, cls in CLASSES.items():
        scope = Construct(stack, f"{name}Scope")
        # a Make builds in the pattern's own scope, so that two patterns' resources never share an id
        props = {k: _resolve(v, scope) for k, v in {**base_props(name), "slo": SLO}.items()}  # type: ignore[arg-type]
        cls(scope, name, **props)


@pytest.fixture(scope="module")
def every() -> Synthesized:
    return synth(build_all, gate=False)


def test_rule_packs_are_clean_with_an_slo_on_every_pattern(every: Synthesized) -> None:
    assert every.unacknowledged() == []


def test_cfn_lint_is_clean_with_an_slo_on_every_pattern(every: Synthesized) -> None:
    assert cfn_lint(every.template_path) == []


@pytest.mark.parametrize("name", list(CLASSES))
def test_each_pattern_has_its_burn_alarms(every: Synthesized, name: str) -> None:
    composites = {
        k: v
        for k, v in every.resources("AWS::CloudWatch::CompositeAlarm").items()
        if k.startswith(f"{name}Scope{name}")
    }
    fast = [k for k in composites if "SloFastBurnAlarm" in k]
    slow = [k for k in composites if "SloSlowBurnAlarm" in k]
    assert len(fast) == len(slow) >= 1
    if name in ON_API:
        assert len(fast) == 1 and f"{name}Scope{name}SloFastBurnAlarm" in fast[0]
    rolled_back = {
        a["Name"]["Ref"]
        for g in every.resources("AWS::CodeDeploy::DeploymentGroup").values()
        for a in g["Properties"].get("AlarmConfiguration", {}).get("Alarms", [])
    }
    assert not set(slow) & rolled_back
    if name != "ServiceApi":  # the one pattern with no function to roll back
        assert set(fast) <= rolled_back


def test_the_api_slo_is_measured_on_the_stage(every: Synthesized) -> None:
    alarms = every.resources("AWS::CloudWatch::Alarm")
    (long,) = [v for k, v in alarms.items() if k.startswith("ApiToLambdaScopeApiToLambdaSloFastBurnLong")]
    stats = {
        q["Id"]: (q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"])
        for q in long["Properties"]["Metrics"]
        if "MetricStat" in q
    }
    assert stats == {"e": ("5XXError", "Sum"), "n": ("Count", "Sum"), "t": ("Latency", "PR(:300)")}
    # its functions get no SLO of their own
    assert not [k for k in alarms if k.startswith("ApiToLambdaScopeApiToLambdaGet") and "Slo" in k]


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize("name", list(CLASSES))
def test_bad_targets_fail_at_construction_with_one_error(name: str) -> None:
    bad = Slo(
        availability=99.9999,
        latency=Latency(p99=cdk.Duration.minutes(20)),
        window=cdk.Duration.days(120),
    )
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(PatternValidationError) as raised:
        CLASSES[name](stack, "P", **{**base_props(name), "slo": bad})
    problems = raised.value.problems
    assert "slo.availability must be 90..99.999 percent, got 99.9999" in problems
    assert "slo.window must be 1..90 days, got 120" in problems
    assert any(
        re.match(r"slo\.latency\.p99 must be under .*timeout \(\d+ seconds\), got 1200 seconds", p)
        for p in problems
    ), problems
    # one message per problem (WebSocketApi: one per route function's timeout)
    assert len([p for p in problems if p.startswith(("slo.availability", "slo.window"))]) == 2


@pytest.mark.parametrize(
    ("slo", "message"),
    [
        (Slo(availability=89.9), r"slo\.availability must be 90\.\.99\.999 percent, got 89\.9"),
        (Slo(availability="99.9"), r"slo\.availability must be a number, got '99\.9'"),  # type: ignore[arg-type]
        (
            Slo(latency=Latency()),
            r"slo\.latency must set exactly one of p50, p75, p90, p95, p99, p99_9, got none",
        ),
        (
            Slo(latency=Latency(p50=cdk.Duration.millis(1), p99=cdk.Duration.millis(2))),
            r"slo\.latency must set exactly one of .*, got p50, p99",
        ),
        (Slo(latency=Latency(p99=300)), r"slo\.latency\.p99 must be a Duration, got int"),  # type: ignore[arg-type]
        (
            Slo(latency=Latency(p99_9=cdk.Duration.millis(0))),
            r"slo\.latency\.p99_9 must be a positive duration",
        ),
        (
            Slo(latency=Latency(p90=cdk.Duration.seconds(10))),
            r"slo\.latency\.p90 must be under function\.timeout \(10 seconds\), got 10 seconds",
        ),
        (Slo(window=cdk.Duration.hours(36)), r"slo\.window must be a whole number of days, got 1\.5"),
        (Slo(window=cdk.Duration.hours(12)), r"slo\.window must be 1\.\.90 days, got 0\.5"),
        (Slo(window=28), r"slo\.window must be a Duration, got int"),  # type: ignore[arg-type]
        ("99.9", r"slo must be an Slo, got str"),
    ],
)
def test_each_check_names_the_prop_and_the_value(slo: Any, message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        QueueWorker(cdk.Stack(cdk.App(), "S"), "W", function=spec(), slo=slo)


@pytest.mark.parametrize(
    "slo",
    [
        Slo(availability=90, window=cdk.Duration.days(1)),
        Slo(
            availability=99.999,
            latency=Latency(p99_9=cdk.Duration.millis(9999)),
            window=cdk.Duration.days(90),
        ),
        Slo(latency=Latency(p50=cdk.Duration.millis(1))),
    ],
)
def test_targets_at_the_edges_build(slo: Slo) -> None:
    worker = QueueWorker(cdk.Stack(cdk.App(), "S"), "W", function=spec(), slo=slo)
    (built,) = worker.slo_alarms
    assert built.targets.availability == slo.availability


def test_without_an_slo_nothing_is_added() -> None:
    worker = QueueWorker(cdk.Stack(cdk.App(), "S"), "W", function=spec())
    assert worker.slo_alarms == []
