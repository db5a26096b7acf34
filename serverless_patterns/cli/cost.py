"""Monthly cost estimate of a synthesized app, from the dated price table in ``prices.json``.

The traffic model is deliberately simple and stated in every estimate: each request passes once
through every resource on the request path (every function runs once, every queue carries the
message once, every table takes one write and one read, ...). Dead-letter queues and the alarm topic
carry only failures and alarm notifications and are priced at zero. Free tiers are not applied.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .graph import Graph, Node, refs

__all__ = ["Estimate", "Line", "Usage", "estimate", "prices"]

PRICES_FILE = Path(__file__).with_name("prices.json")
MB_PER_GB = 1024
KB_PER_GB = 1024 * 1024


@cache
def prices() -> dict[str, Any]:
    """The price table (``prices.json``)."""
    table: dict[str, Any] = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    return table


@dataclass(frozen=True)
class Usage:
    """The traffic an estimate assumes."""

    requests_per_month: float
    """Requests entering the app per month."""
    avg_duration_ms: float = 100
    """Average run time of a function (and of an Express workflow), in milliseconds. Default: 100"""
    payload_kb: float = 1
    """Size of a request, message or item, in KB. Default: 1"""
    storage_gb: float = 1
    """Data kept in each table and bucket, in GB. Default: 1"""
    log_kb_per_request: float = 1
    """Log data written per function invocation (and per logged API request or execution), in KB. Default: 1"""


@dataclass
class Line:
    resource: str
    service: str
    usage: str
    monthly_usd: float
    group: str = "resources"
    """resources, monitoring, logs or keys."""


@dataclass
class Estimate:
    lines: list[Line]
    usage: Usage
    as_of: str
    region: str
    assumptions: list[str] = field(default_factory=list)
    arm64_savings_usd: float = 0.0
    """What the arm64 functions save over the same functions on x86_64."""
    x86_64_to_arm64_savings_usd: float = 0.0
    """What moving the x86_64 functions to arm64 would save."""

    @property
    def total_usd(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    def group_total(self, group: str) -> float:
        return sum(line.monthly_usd for line in self.lines if line.group == group)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["total_usd"] = self.total_usd
        data["monitoring_usd"] = self.group_total("monitoring")
        return data


def tiered(units: float, tiers: Sequence[Sequence[float | None]]) -> float:
    """Cost of ``units`` under cumulative tiers ``[[up_to, price], ...]`` (``up_to`` None: no bound)."""
    cost = 0.0
    lower = 0.0
    for up_to, price in tiers:
        assert price is not None
        upper = math.inf if up_to is None else float(up_to)
        if units <= lower:
            break
        cost += (min(units, upper) - lower) * price
        lower = upper
    return cost


def chunks(size_kb: float, chunk_kb: float) -> int:
    """How many billing chunks a payload of ``size_kb`` takes (at least one)."""
    return max(1, math.ceil(size_kb / chunk_kb))


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.2f}"


def lambda_cost(
    requests: float, duration_ms: float, memory_mb: float, architecture: str
) -> tuple[float, float]:
    """(cost, GB-seconds) of ``requests`` invocations of a function."""
    table = prices()["lambda"]
    gb_seconds = requests * (duration_ms / 1000) * (memory_mb / MB_PER_GB)
    cost = requests / 1e6 * table["requests_per_million"] + tiered(
        gb_seconds, table["gb_second_tiers"][architecture]
    )
    return cost, gb_seconds


class _Pricer:
    def __init__(self, graph: Graph, usage: Usage) -> None:
        self.graph = graph
        self.usage = usage
        self.p = prices()
        self.lines: list[Line] = []
        self.arm_savings = 0.0
        self.x86_savings = 0.0
        self.assumptions: list[str] = []

    def add(self, node: Node | str, service: str, usage: str, cost: float, group: str = "resources") -> None:
        name = node.label if isinstance(node, Node) else node
        self.lines.append(Line(name, service, usage, cost, group))

    def run(self) -> None:
        for node in self.graph.nodes.values():
            handler = getattr(self, f"_{node.kind}", None)
            if handler is not None:
                handler(node)
        self._monitoring()
        self._logs()
        self._keys()

    def _idle(self, node: Node) -> bool:
        if self.graph.is_failure_only(node.id):
            why = "alarm notifications only" if node.kind == "topic" else "failed messages only"
            self.add(node, node.title, why, 0.0)
            return True
        return False

    # -- request path ---------------------------------------------------------------------------
    def _function(self, node: Node) -> None:
        props = node.properties
        memory = props.get("MemorySize", 128)
        memory = float(memory) if isinstance(memory, int | float) else 128.0
        archs = props.get("Architectures") or ["x86_64"]
        arch = archs[0] if archs and archs[0] in ("arm64", "x86_64") else "x86_64"
        n, ms = self.usage.requests_per_month, self.usage.avg_duration_ms
        cost, gb_s = lambda_cost(n, ms, memory, arch)
        other = "x86_64" if arch == "arm64" else "arm64"
        other_cost, _ = lambda_cost(n, ms, memory, other)
        if arch == "arm64":
            self.arm_savings += other_cost - cost
        else:
            self.x86_savings += cost - other_cost
        self.add(node, f"Lambda {arch}, {memory:g} MB", f"{_n(n)} requests, {_n(gb_s)} GB-s", cost)

    def _api(self, node: Node) -> None:
        n = self.usage.requests_per_month
        cost = tiered(n / 1e6, _per_million(self.p["apigateway"]["rest_requests_per_million_tiers"]))
        self.add(node, "API Gateway REST", f"{_n(n)} requests", cost)

    def _http_api(self, node: Node) -> None:
        table = self.p["apigateway"]
        n = self.usage.requests_per_month * chunks(self.usage.payload_kb, table["http_request_metering_kb"])
        cost = tiered(n / 1e6, _per_million(table["http_requests_per_million_tiers"]))
        self.add(node, "API Gateway HTTP", f"{_n(n)} requests", cost)

    def _queue(self, node: Node) -> None:
        if self._idle(node):
            return
        table = self.p["sqs"]
        fifo = bool(node.properties.get("FifoQueue"))
        per_million = table["fifo_requests_per_million" if fifo else "standard_requests_per_million"]
        n = 3 * self.usage.requests_per_month * chunks(self.usage.payload_kb, table["request_chunk_kb"])
        self.add(
            node,
            f"SQS {'FIFO' if fifo else 'standard'}",
            f"{_n(n)} requests (send, receive, delete)",
            n / 1e6 * per_million,
        )

    def _topic(self, node: Node) -> None:
        if self._idle(node):
            return
        table = self.p["sns"]
        publishes = self.usage.requests_per_month * chunks(self.usage.payload_kb, table["publish_chunk_kb"])
        cost = publishes / 1e6 * table["publishes_per_million"]
        protocols = self._protocols(node)
        for protocol in protocols:
            cost += self.usage.requests_per_month / 1e6 * table["deliveries_per_million"].get(protocol, 0.0)
        plural = "delivery" if len(protocols) == 1 else "deliveries"
        deliveries = f", {len(protocols)} {plural} each ({', '.join(protocols)})" if protocols else ""
        self.add(node, "SNS standard", f"{_n(publishes)} publishes{deliveries}", cost)

    def _protocols(self, topic: Node) -> list[str]:
        found: list[str] = []
        template = topic.template
        if template is None:
            return found
        for resource in template.resources.values():
            props = resource.get("Properties") or {}
            if resource.get("Type") == "AWS::SNS::Subscription" and topic.logical_id in refs(
                props.get("TopicArn")
            ):
                found.append(str(props.get("Protocol", "sqs")).lower())
        for subscription in topic.properties.get("Subscription") or []:
            if isinstance(subscription, dict):
                found.append(str(subscription.get("Protocol", "sqs")).lower())
        return found

    def _table(self, node: Node) -> None:
        table = self.p["dynamodb"]
        n = self.usage.requests_per_month
        wru = n * chunks(self.usage.payload_kb, table["write_unit_kb"])
        rru = n * chunks(self.usage.payload_kb, table["read_unit_kb"])
        storage = self.usage.storage_gb
        cost = (
            wru / 1e6 * table["write_request_units_per_million"]
            + rru / 1e6 * table["read_request_units_per_million"]
            + storage * table["storage_gb_month"]
        )
        self.add(node, "DynamoDB on-demand", f"{_n(wru)} WRU, {_n(rru)} RRU, {storage:g} GB", cost)

    def _bucket(self, node: Node) -> None:
        table = self.p["s3"]
        if self._is_log_bucket(node):
            self.add(node, "S3 Standard", "server access logs only (not priced)", 0.0)
            return
        n = self.usage.requests_per_month
        storage = self.usage.storage_gb
        cost = (
            n / 1000 * table["put_requests_per_thousand"]
            + n / 1000 * table["get_requests_per_thousand"]
            + storage * table["storage_gb_month"]
        )
        self.add(node, "S3 Standard", f"{_n(n)} PUT, {_n(n)} GET, {storage:g} GB", cost)

    def _is_log_bucket(self, node: Node) -> bool:
        for other in self.graph.by_kind("bucket"):
            logging = other.properties.get("LoggingConfiguration") or {}
            if other.id != node.id and node.logical_id in refs(logging.get("DestinationBucketName")):
                return True
        return False

    def _state_machine(self, node: Node) -> None:
        table = self.p["stepfunctions"]
        n = self.usage.requests_per_month
        if str(node.properties.get("StateMachineType", "STANDARD")).upper() == "EXPRESS":
            gb_s = n * (self.usage.avg_duration_ms / 1000) * (table["express_memory_mb"] / MB_PER_GB)
            cost = n / 1e6 * table["express_requests_per_million"] + tiered(
                gb_s, table["express_gb_second_tiers"]
            )
            self.add(node, "Step Functions Express", f"{_n(n)} executions, {_n(gb_s)} GB-s", cost)
            return
        states = count_states(node.properties)
        transitions = n * states
        cost = transitions / 1000 * table["standard_transitions_per_thousand"]
        self.add(
            node, "Step Functions Standard", f"{_n(transitions)} transitions ({states} per execution)", cost
        )

    def _rule(self, node: Node) -> None:
        self.add(node, "EventBridge rule", "rules and AWS service events are free", 0.0)

    # -- monitoring, logs and keys --------------------------------------------------------------
    def _resources_of(self, *types: str) -> list[tuple[str, str, dict[str, Any]]]:
        found = []
        seen: set[int] = set()
        for node in self.graph.nodes.values():
            template = node.template
            if template is None or id(template) in seen:
                continue
            seen.add(id(template))
            for logical_id, resource in template.resources.items():
                if resource.get("Type") in types:
                    found.append((template.stack, logical_id, resource))
        return found

    def _monitoring(self) -> None:
        table = self.p["cloudwatch"]
        alarms = self._resources_of("AWS::CloudWatch::Alarm")
        metrics = 0
        cost = 0.0
        for _, _, alarm in alarms:
            props = alarm.get("Properties") or {}
            count = (
                sum(1 for m in props.get("Metrics") or [] if isinstance(m, dict) and "MetricStat" in m) or 1
            )
            period = props.get("Period")
            if period is None:
                periods = [
                    (m.get("MetricStat") or {}).get("Period")
                    for m in props.get("Metrics") or []
                    if isinstance(m, dict)
                ]
                period = min((p for p in periods if isinstance(p, int | float)), default=60)
            high = isinstance(period, int | float) and period < 60
            metrics += count
            cost += count * table["high_resolution_alarm_metric_month" if high else "alarm_metric_month"]
        if alarms:
            self.add(
                f"{len(alarms)} alarms", "CloudWatch alarms", f"{metrics} alarm metrics", cost, "monitoring"
            )
        composite = self._resources_of("AWS::CloudWatch::CompositeAlarm")
        if composite:
            self.add(
                f"{len(composite)} composite alarms",
                "CloudWatch alarms",
                f"{len(composite)} composite",
                len(composite) * table["composite_alarm_month"],
                "monitoring",
            )
        for stack, logical_id, _ in self._resources_of("AWS::CloudWatch::Dashboard"):
            label = self._label(stack, logical_id)
            self.add(label, "CloudWatch dashboard", "1 dashboard", table["dashboard_month"], "monitoring")

    def _label(self, stack: str, logical_id: str) -> str:
        for node in self.graph.nodes.values():
            if node.template is not None and node.stack == stack:
                return node.template.label(logical_id)
        return logical_id

    def _logs(self) -> None:
        table = self.p["cloudwatch"]
        n = self.usage.requests_per_month
        per_gb = table["logs_ingestion_gb"] + table["logs_storage_gb_month"]
        sources: list[tuple[str, str]] = []
        for node in self.graph.nodes.values():
            if node.kind == "function":
                sources.append((node.label, "function logs"))
            elif node.kind == "state_machine" and (node.properties.get("LoggingConfiguration") or {}).get(
                "Destinations"
            ):
                sources.append((node.label, "execution logs"))
        for stack, logical_id, stage in self._resources_of(
            "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"
        ):
            props = stage.get("Properties") or {}
            if props.get("AccessLogSetting") or props.get("AccessLogSettings"):
                sources.append((self._label(stack, logical_id), "API access logs"))
        for label, what in sources:
            gb = n * self.usage.log_kb_per_request / KB_PER_GB
            self.add(
                f"{label} logs",
                "CloudWatch Logs",
                f"{what}: {gb:,.3f} GB ingested and kept a month",
                gb * per_gb,
                "logs",
            )

    def _keys(self) -> None:
        keys = self._resources_of("AWS::KMS::Key")
        for stack, logical_id, _ in keys:
            self.add(
                self._label(stack, logical_id),
                "KMS key",
                "1 customer-managed key",
                self.p["kms"]["key_month"],
                "keys",
            )


def _per_million(tiers: Sequence[Sequence[float | None]]) -> list[list[float | None]]:
    """Request tiers expressed in millions of requests, to price a count of millions."""
    return [[None if up_to is None else float(up_to) / 1e6, price] for up_to, price in tiers]


def _definition(props: dict[str, Any]) -> dict[str, Any]:
    if isinstance(props.get("Definition"), dict):
        definition: dict[str, Any] = props["Definition"]
        return definition
    raw = props.get("DefinitionString")
    if isinstance(raw, dict) and "Fn::Join" in raw:
        parts = raw["Fn::Join"][1]
        raw = "".join(part if isinstance(part, str) else "X" for part in parts)
    if isinstance(raw, str):
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def count_states(props: dict[str, Any]) -> int:
    """States in a state machine definition, branches and map iterators included (at least one)."""

    def walk(definition: Any) -> int:
        if not isinstance(definition, dict):
            return 0
        total = 0
        for state in (definition.get("States") or {}).values():
            if not isinstance(state, dict):
                continue
            total += 1
            for branch in state.get("Branches") or []:
                total += walk(branch)
            for key in ("Iterator", "ItemProcessor"):
                total += walk(state.get(key))
        return total

    return max(1, walk(_definition(props)))


def estimate(graph: Graph, usage: Usage) -> Estimate:
    """The monthly cost of ``graph`` under ``usage``."""
    pricer = _Pricer(graph, usage)
    pricer.run()
    table = prices()
    assumptions = [
        "Every request passes once through each resource on the request path: each function runs once, "
        "each queue carries it once (send, receive, delete), each table takes one write and one read, "
        "each bucket one PUT and one GET, each standard state machine runs every state once.",
        "Dead-letter queues and the alarm topic carry only failures and alarm notifications: priced at $0. "
        "A topic a state machine publishes to is priced as if every execution published (an upper bound "
        "when it only notifies failures).",
        "Free tiers, data transfer, X-Ray traces, custom metrics and KMS requests are not included.",
    ]
    return Estimate(
        lines=pricer.lines,
        usage=usage,
        as_of=str(table["as_of"]),
        region=str(table["region"]),
        assumptions=assumptions,
        arm64_savings_usd=pricer.arm_savings,
        x86_64_to_arm64_savings_usd=pricer.x86_savings,
    )
