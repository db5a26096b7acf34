"""Monthly cost estimate of a synthesized app, from the dated price table in ``prices.json``.

The traffic model is stated in every estimate. Traffic enters at the app's entry points, a figure per
kind (API requests, uploads, messages, workflow executions) from a low/moderate/high profile or given
one by one; a schedule (an EventBridge rule's ``ScheduleExpression`` or an EventBridge Scheduler
schedule) fires as its expression says. From there it reaches only what it flows to: an
API request reaches its route's function, a topic's message each subscriber (all of them unless a
share says what fraction a filter lets through), a workflow execution each of its steps once, a
function's invocation what it sends, publishes, starts or writes once. Dead-letter queues and the
alarm topic carry only failures and alarm notifications and are priced at zero. EventBridge rules
cost nothing; EventBridge Scheduler is priced per invocation. Free tiers are not applied.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .graph import Edge, Graph, Node, refs

__all__ = [
    "PROFILES",
    "EntryPoint",
    "Estimate",
    "Line",
    "Traffic",
    "Usage",
    "estimate",
    "firings_per_month",
    "prices",
]

PRICES_FILE = Path(__file__).with_name("prices.json")
MB_PER_GB = 1024
KB_PER_GB = 1024 * 1024


@cache
def prices() -> dict[str, Any]:
    """The price table (``prices.json``)."""
    table: dict[str, Any] = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    return table


@dataclass(frozen=True)
class Traffic:
    """What enters the app per month, per entry point of each kind."""

    api_requests: float
    """Requests to each API, split across its routes."""
    uploads: float
    """Objects uploaded to each bucket that triggers processing or that nothing in the app writes."""
    messages: float
    """Messages, events, items or invocations entering each topic, queue, stream, bus, event rule,
    table or function that nothing in the app feeds."""
    executions: float
    """Executions of each state machine that nothing in the app starts (no API, rule or function)."""


PROFILES: dict[str, Traffic] = {
    "low": Traffic(api_requests=10_000, uploads=1_000, messages=10_000, executions=1_000),
    "moderate": Traffic(api_requests=1_000_000, uploads=100_000, messages=1_000_000, executions=10_000),
    "high": Traffic(api_requests=100_000_000, uploads=10_000_000, messages=100_000_000, executions=1_000_000),
}
"""Traffic profiles: a month of each kind of traffic, per entry point."""


@dataclass(frozen=True)
class Usage:
    """The traffic an estimate assumes."""

    requests_per_month: float | None = None
    """Traffic of every entry point at once (API requests, uploads, messages and executions alike),
    where its own figure is not given. Default: - the profile's figures"""
    avg_duration_ms: float = 100
    """Average run time of a function (and of an Express workflow), in milliseconds. Default: 100"""
    payload_kb: float = 1
    """Size of a request, message or item, in KB. Default: 1"""
    storage_gb: float = 1
    """Data kept in each table and bucket, in GB. Default: 1"""
    log_kb_per_request: float = 1
    """Log data written per function invocation (and per logged API request or execution), in KB. Default: 1"""
    profile: str = "moderate"
    """A key of ``PROFILES`` (low, moderate, high): the figures of the kinds not given.
    Default: "moderate"
    """
    api_requests: float | None = None
    """Requests to each API per month. Default: - ``requests_per_month``, else the profile's"""
    uploads: float | None = None
    """Uploads to each triggering bucket per month. Default: - ``requests_per_month``, else the profile's"""
    messages: float | None = None
    """Messages into each topic, queue or stream the app does not feed itself, per month.
    Default: - ``requests_per_month``, else the profile's"""
    executions: float | None = None
    """Executions of each state machine the app does not start itself, per month.
    Default: - ``requests_per_month``, else the profile's"""
    shares: Mapping[str, float] = field(default_factory=dict)
    """Fraction (0..1) of its source's traffic that reaches a route (key ``"GET /users"``: of its
    API's requests) or a topic's subscriber (key: its path, a part of it such as ``"analytics"``, or
    its logical ID: the fraction its filter lets through).
    Default: - an API's requests split evenly across its routes; every subscriber gets every message"""

    def __post_init__(self) -> None:
        problems = []
        if self.profile not in PROFILES:
            problems.append(f"profile must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        for name in ("requests_per_month", "api_requests", "uploads", "messages", "executions"):
            value = getattr(self, name)
            if value is not None and value < 0:
                problems.append(f"{name} must be 0 or more, got {value:g}")
        for key, share in self.shares.items():
            if not 0 <= share <= 1:
                problems.append(f"the share of {key!r} must be 0..1, got {share:g}")
        if problems:
            raise ValueError("; ".join(problems))

    def traffic(self) -> Traffic:
        """The figure of each kind: its own if given, else ``requests_per_month``, else the profile's."""
        profiled = PROFILES[self.profile]

        def pick(own: float | None, default: float) -> float:
            if own is not None:
                return own
            return self.requests_per_month if self.requests_per_month is not None else default

        return Traffic(
            api_requests=pick(self.api_requests, profiled.api_requests),
            uploads=pick(self.uploads, profiled.uploads),
            messages=pick(self.messages, profiled.messages),
            executions=pick(self.executions, profiled.executions),
        )


@dataclass
class EntryPoint:
    """Where traffic enters the app, and how much per month."""

    resource: str
    traffic: str
    """API requests, uploads, messages (events, items written, invocations), workflow executions or
    scheduled runs."""
    per_month: float


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
    entry_points: list[EntryPoint] = field(default_factory=list)
    """Where traffic enters the app and how much, per month."""
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
        self.traffic = usage.traffic()
        self.entry_points: list[EntryPoint] = []
        self._entries: dict[str, float] = {}
        self._reach: dict[str, float] = {}
        self._visiting: set[str] = set()
        self._route_shares: dict[str, dict[str, float]] = {}
        self._unscheduled: set[str] = set()
        """State machines whose executions are given: their schedules add nothing."""
        self._check_shares()
        for node in graph.nodes.values():
            self._entry(node)
        replaced = {
            node.label
            for node in graph.nodes.values()
            if _scheduled(node)
            and (targets := [e.target for e in graph.outgoing(node.id) if e.kind == "flow"])
            and all(t in self._unscheduled for t in targets)
        }
        self.entry_points = [e for e in self.entry_points if e.resource not in replaced]

    # -- traffic --------------------------------------------------------------------------------
    def _feeds(self, edge: Edge) -> bool:
        """An edge that carries traffic: a flow, or a grant that writes (a function into a table)."""
        return edge.kind == "flow" or (edge.kind == "grant" and "write" in edge.label)

    def _entry(self, node: Node) -> None:
        fed = any(self._feeds(e) for e in self.graph.incoming(node.id))
        if node.kind == "alarms" or self.graph.is_failure_only(node.id):
            return
        what, count = "", 0.0
        if node.kind in ("api", "http_api"):
            what, count = "API requests", self.traffic.api_requests
        elif _scheduled(node):
            what, count = "scheduled runs", _firings(node)
        elif node.kind == "state_machine":
            feeders = [self.graph.nodes[e.source] for e in self.graph.incoming(node.id) if self._feeds(e)]
            if not feeders:
                what, count = "workflow executions", self.traffic.executions
            elif self.usage.executions is not None and all(_scheduled(f) for f in feeders):
                # Executions given explicitly replace what the schedule alone would start.
                what, count = "workflow executions", self.usage.executions
                self._unscheduled.add(node.id)
        elif node.kind == "bucket":
            triggers = any(e.kind == "flow" for e in self.graph.outgoing(node.id))
            if (triggers or not fed) and not self._is_log_bucket(node):
                what, count = "uploads", self.traffic.uploads
        elif not fed:
            kinds = {"rule": "events", "table": "items written", "function": "invocations"}
            what, count = kinds.get(node.kind, "messages"), self.traffic.messages
        if what:
            self._entries[node.id] = count
            self.entry_points.append(EntryPoint(node.label, what, count))

    def reach(self, node_id: str) -> float:
        """What reaches a node per month: its entry traffic and what its feeding edges carry to it."""
        if node_id in self._reach:
            return self._reach[node_id]
        if node_id in self._visiting:
            return 0.0  # a loop: what comes back around is not counted twice
        self._visiting.add(node_id)
        total = self._entries.get(node_id, 0.0)
        for edge in self.graph.incoming(node_id):
            if node_id in self._unscheduled and _scheduled(self.graph.nodes[edge.source]):
                continue
            if self._feeds(edge) and not self.graph.is_failure_only(node_id):
                total += self.reach(edge.source) * self._share(edge)
        self._visiting.discard(node_id)
        self._reach[node_id] = total
        return total

    def _share(self, edge: Edge) -> float:
        """The fraction of its source's traffic that an edge carries."""
        source = self.graph.nodes[edge.source]
        if source.kind in ("api", "http_api"):
            shares = self._routes(source)
            return sum(shares.get(route, 0.0) for route in edge.label.split(", "))
        if source.kind == "topic":
            return self._subscriber_share(self.graph.nodes[edge.target])
        return 1.0

    def _routes(self, api: Node) -> dict[str, float]:
        """Route -> share of the API's requests: the given shares, the rest split evenly."""
        if api.id not in self._route_shares:
            routes = [
                route
                for edge in self.graph.outgoing(api.id)
                if edge.kind == "flow"
                for route in edge.label.split(", ")
            ]
            given = {r: self.usage.shares[r] for r in routes if r in self.usage.shares}
            rest = [r for r in routes if r not in given]
            left = 1.0 - sum(given.values())
            if left < -1e-9:
                raise ValueError(f"the shares of {api.label}'s routes add up to more than 1: {given}")
            shares = dict(given)
            for route in rest:
                shares[route] = max(left, 0.0) / len(rest)
            self._route_shares[api.id] = shares
        return self._route_shares[api.id]

    def _subscriber_share(self, node: Node) -> float:
        for key in self._names(node):
            if key in self.usage.shares:
                return self.usage.shares[key]
        return 1.0

    @staticmethod
    def _names(node: Node) -> list[str]:
        """The names a share may give a node by: its label, a part of its path, its logical ID."""
        return [node.label, node.logical_id, *node.label.split("/")]

    def _check_shares(self) -> None:
        known: set[str] = set()
        for node in self.graph.nodes.values():
            known.update(self._names(node))
            for edge in self.graph.outgoing(node.id):
                known.update(edge.label.split(", "))
        unknown = sorted(set(self.usage.shares) - known)
        if unknown:
            raise ValueError(
                f"no route or resource is named {', '.join(map(repr, unknown))} "
                "(a share names a route, such as 'GET /users', or a subscriber)"
            )

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
        n, ms = self.reach(node.id), self.usage.avg_duration_ms
        cost, gb_s = lambda_cost(n, ms, memory, arch)
        other = "x86_64" if arch == "arm64" else "arm64"
        other_cost, _ = lambda_cost(n, ms, memory, other)
        if arch == "arm64":
            self.arm_savings += other_cost - cost
        else:
            self.x86_savings += cost - other_cost
        self.add(node, f"Lambda {arch}, {memory:g} MB", f"{_n(n)} invocations, {_n(gb_s)} GB-s", cost)

    def _api(self, node: Node) -> None:
        n = self.reach(node.id)
        cost = tiered(n / 1e6, _per_million(self.p["apigateway"]["rest_requests_per_million_tiers"]))
        self.add(node, "API Gateway REST", f"{_n(n)} requests", cost)

    def _http_api(self, node: Node) -> None:
        table = self.p["apigateway"]
        n = self.reach(node.id) * chunks(self.usage.payload_kb, table["http_request_metering_kb"])
        cost = tiered(n / 1e6, _per_million(table["http_requests_per_million_tiers"]))
        self.add(node, "API Gateway HTTP", f"{_n(n)} requests", cost)

    def _queue(self, node: Node) -> None:
        if self._idle(node):
            return
        table = self.p["sqs"]
        fifo = bool(node.properties.get("FifoQueue"))
        per_million = table["fifo_requests_per_million" if fifo else "standard_requests_per_million"]
        n = 3 * self.reach(node.id) * chunks(self.usage.payload_kb, table["request_chunk_kb"])
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
        messages = self.reach(node.id)
        publishes = messages * chunks(self.usage.payload_kb, table["publish_chunk_kb"])
        cost = publishes / 1e6 * table["publishes_per_million"]
        protocols = self._protocols(node)
        for protocol in protocols:
            cost += messages / 1e6 * table["deliveries_per_million"].get(protocol, 0.0)
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
        n = self.reach(node.id)
        wru = n * chunks(self.usage.payload_kb, table["write_unit_kb"])
        rru = n * chunks(self.usage.payload_kb, table["read_unit_kb"])
        cost = self._with_storage(
            table, {"write_request_units_per_million": wru, "read_request_units_per_million": rru}
        )
        usage = f"{_n(wru)} WRU, {_n(rru)} RRU, {self.usage.storage_gb:g} GB"
        self.add(node, "DynamoDB on-demand", usage, cost)

    def _bucket(self, node: Node) -> None:
        table = self.p["s3"]
        if self._is_log_bucket(node):
            self.add(node, "S3 Standard", "server access logs only (not priced)", 0.0)
            return
        n = self.reach(node.id)
        cost = self._with_storage(table, {"put_requests_per_thousand": n, "get_requests_per_thousand": n})
        self.add(node, "S3 Standard", f"{_n(n)} PUT, {_n(n)} GET, {self.usage.storage_gb:g} GB", cost)

    def _with_storage(self, table: Mapping[str, float], requests: Mapping[str, float]) -> float:
        """The price of ``requests`` (a price key of ``table``, per million or per thousand, to a
        count) and of this usage's storage in GB-months."""
        cost = 0.0
        for key, count in requests.items():
            cost += count / (1e6 if key.endswith("_per_million") else 1000) * table[key]
        return cost + self.usage.storage_gb * table["storage_gb_month"]

    def _is_log_bucket(self, node: Node) -> bool:
        for other in self.graph.by_kind("bucket"):
            logging = other.properties.get("LoggingConfiguration") or {}
            if other.id != node.id and node.logical_id in refs(logging.get("DestinationBucketName")):
                return True
        return False

    def _state_machine(self, node: Node) -> None:
        table = self.p["stepfunctions"]
        n = self.reach(node.id)
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
            node,
            "Step Functions Standard",
            f"{_n(n)} executions, {_n(transitions)} transitions ({states} per execution)",
            cost,
        )

    def _schedule(self, node: Node) -> None:
        n = self.reach(node.id)
        props = node.properties
        expression = props.get("ScheduleExpression")
        zone = props.get("ScheduleExpressionTimezone")
        when = f"{expression} in {zone}" if isinstance(zone, str) else str(expression)
        disabled = " (disabled)" if _disabled(node) else ""
        cost = n / 1e6 * self.p["scheduler"]["invocations_per_million"]
        self.add(node, "EventBridge Scheduler", f"{when}{disabled}: {_n(n)} invocations", cost)

    def _rule(self, node: Node) -> None:
        expression = node.properties.get("ScheduleExpression")
        fired = f"{expression}: {_n(self.reach(node.id))} a month; " if isinstance(expression, str) else ""
        self.add(node, "EventBridge rule", f"{fired}rules and AWS service events are free", 0.0)

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
        per_gb = table["logs_ingestion_gb"] + table["logs_storage_gb_month"]
        sources: list[tuple[str, str, float]] = []
        for node in self.graph.nodes.values():
            if node.kind == "function":
                sources.append((node.label, "function logs", self.reach(node.id)))
            elif node.kind == "state_machine" and (node.properties.get("LoggingConfiguration") or {}).get(
                "Destinations"
            ):
                sources.append((node.label, "execution logs", self.reach(node.id)))
        for stack, logical_id, stage in self._resources_of(
            "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"
        ):
            props = stage.get("Properties") or {}
            if props.get("AccessLogSetting") or props.get("AccessLogSettings"):
                api = self._owner(stack, props.get("RestApiId") or props.get("ApiId"))
                requests = self.reach(api.id) if api else self.traffic.api_requests
                sources.append((self._label(stack, logical_id), "API access logs", requests))
        for label, what, n in sources:
            gb = n * self.usage.log_kb_per_request / KB_PER_GB
            self.add(
                f"{label} logs",
                "CloudWatch Logs",
                f"{what}: {gb:,.3f} GB ingested and kept a month",
                gb * per_gb,
                "logs",
            )

    def _owner(self, stack: str, value: Any) -> Node | None:
        for logical_id in refs(value):
            for node in self.graph.nodes.values():
                if node.stack == stack and node.logical_id == logical_id:
                    return node
        return None

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


def _scheduled(node: Node) -> bool:
    """An EventBridge Scheduler schedule, or an EventBridge rule with a schedule expression."""
    return node.kind == "schedule" or (
        node.kind == "rule" and node.properties.get("ScheduleExpression") is not None
    )


def _disabled(node: Node) -> bool:
    return str(node.properties.get("State", "ENABLED")).upper() == "DISABLED"


def _firings(node: Node) -> float:
    """How often a scheduled node fires in a month: as its expression says, never when disabled."""
    expression = node.properties.get("ScheduleExpression")
    if _disabled(node) or not isinstance(expression, str):
        return 0.0
    return firings_per_month(expression)


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
    traffic = pricer.traffic
    assumptions = [
        f"Per entry point and month: {_n(traffic.api_requests)} requests to each API, split evenly across "
        f"its routes unless a share is given; {_n(traffic.uploads)} uploads to each bucket that triggers "
        f"processing; {_n(traffic.messages)} messages into each topic, queue, stream or function nothing "
        f"in the app feeds; {_n(traffic.executions)} executions of each state machine nothing in the app "
        "starts; a schedule fires as its expression says (executions given explicitly replace a schedule "
        "that alone starts a state machine).",
        "Traffic reaches only what it flows to: a request its route's function, a topic's message every "
        "subscriber (unless a share says what fraction its filter lets through), an execution each of its "
        "steps once, an invocation what it sends, publishes, starts or writes once. A queued message is "
        "one send, receive and delete and one invocation (batching makes fewer, longer ones); each item "
        "or object reached is one write and one read.",
        "Dead-letter queues and the alarm topic carry only failures and alarm notifications: priced at $0. "
        "A topic a state machine publishes to is priced as if every execution published (an upper bound "
        "when it only notifies failures).",
        "Free tiers, data transfer, X-Ray traces, custom metrics and KMS requests are not included.",
    ]
    if graph.by_kind("schedule"):
        per_million = table["scheduler"]["invocations_per_million"]
        assumptions.insert(
            -1,
            f"EventBridge Scheduler costs ${per_million:.2f} per million scheduled invocations (a "
            "time zone moves when a cron fires, not how often; at(...) fires once); EventBridge rules "
            "cost nothing.",
        )
    return Estimate(
        lines=pricer.lines,
        usage=usage,
        as_of=str(table["as_of"]),
        region=str(table["region"]),
        assumptions=assumptions,
        arm64_savings_usd=pricer.arm_savings,
        x86_64_to_arm64_savings_usd=pricer.x86_savings,
        entry_points=pricer.entry_points,
    )


DAYS_PER_MONTH = 365.25 / 12
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_NAMES = {
    name: number
    for names in (
        ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"),
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    )
    for number, name in enumerate(names, start=1)
}


def _values(field_: str, low: int, high: int) -> int:
    """How many values a cron field takes (``L``, ``W`` and ``#`` forms count as one)."""
    count = 0
    for part in field_.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else 1
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _NAMES.get(a) or int(a or low), _NAMES.get(b) or int(b or high)
        elif step_text:
            first, last = _NAMES.get(base) or int(base), high
        else:
            count += 1
            continue
        count += max(0, (last - first) // step + 1)
    return max(count, 1)


def firings_per_month(expression: str) -> float:
    """How often an EventBridge schedule fires in an average month (0 when it cannot be read).

    ``rate(...)`` and ``cron(...)`` as EventBridge rules and Scheduler read them (a time zone moves
    when a cron fires, not how often); Scheduler's one-time ``at(...)`` fires once, counted as one.
    """
    text = str(expression).strip()
    if re.fullmatch(r"at\(\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\s*\)", text):
        return 1.0
    rate = re.fullmatch(r"rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)", text)
    if rate:
        every = int(rate.group(1)) * _SECONDS[rate.group(2)]
        return DAYS_PER_MONTH * 86400 / every if every else 0.0
    cron = re.fullmatch(r"cron\((.+)\)", text)
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6:
        return 0.0
    minutes, hours, day_of_month, month, day_of_week, _ = fields
    try:
        per_day = _values(minutes, 0, 59) * _values(hours, 0, 23)
        if day_of_month not in ("*", "?"):
            days = float(_values(day_of_month, 1, 31))
        elif day_of_week not in ("*", "?"):
            days = _values(day_of_week, 1, 7) * DAYS_PER_MONTH / 7
        else:
            days = DAYS_PER_MONTH
        return per_day * days * _values(month, 1, 12) / 12
    except ValueError:
        return 0.0
