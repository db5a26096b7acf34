"""The architecture of a synthesized app, read from its templates: the resources that matter and the
event flows between them. ``diagram`` draws it; ``cost`` prices it.

Noise is collapsed: a function's alias, versions, role, policies and log group belong to the function
node; a queue's dead-letter queue is an edge labelled ``redrive``; functions that only serve
CloudFormation custom resources (bucket notifications, log retention, providers) are left out; every
alarm of a stack is one ``alarms`` node wired to the topics it notifies. An EventBridge Scheduler
schedule is a node feeding its target; the dead-letter queue of a schedule's or a rule's target is a
``failure`` edge (only undeliverable invocations reach it), and the role a schedule or rule target
assumes acts for that schedule or rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .assembly import Assembly, Template

__all__ = ["Edge", "Graph", "Node", "build_graph", "refs"]

# Resource type -> node kind. Only these become nodes.
KINDS: dict[str, str] = {
    "AWS::ApiGateway::RestApi": "api",
    "AWS::ApiGatewayV2::Api": "http_api",
    "AWS::Lambda::Function": "function",
    "AWS::SQS::Queue": "queue",
    "AWS::SNS::Topic": "topic",
    "AWS::DynamoDB::Table": "table",
    "AWS::DynamoDB::GlobalTable": "table",
    "AWS::S3::Bucket": "bucket",
    "AWS::StepFunctions::StateMachine": "state_machine",
    "AWS::Events::Rule": "rule",
    "AWS::Scheduler::Schedule": "schedule",
    "AWS::Events::EventBus": "event_bus",
    "AWS::Kinesis::Stream": "stream",
    "AWS::Pipes::Pipe": "pipe",
}

KIND_TITLES: dict[str, str] = {
    "api": "API Gateway REST API",
    "http_api": "API Gateway HTTP API",
    "function": "Lambda function",
    "queue": "SQS queue",
    "topic": "SNS topic",
    "table": "DynamoDB table",
    "bucket": "S3 bucket",
    "state_machine": "Step Functions state machine",
    "rule": "EventBridge rule",
    "schedule": "EventBridge Scheduler schedule",
    "event_bus": "EventBridge event bus",
    "stream": "Kinesis stream",
    "pipe": "EventBridge pipe",
    "alarms": "CloudWatch alarms",
}

# Logical-ID prefixes of functions CDK adds to run custom resources.
_INFRA_FUNCTION = re.compile(
    r"^(BucketNotificationsHandler|LogRetention|CustomResourceProvider|AWS679f53fac002430cb0da5b7982bd2287|"
    r"Custom[A-Z]\w*CustomResourceProvider|CustomS3AutoDeleteObjects|CustomCDKBucketDeployment|"
    r"SingletonLambda)"
)
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")

_VERBS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^sqs:SendMessage"), "send"),
    (re.compile(r"^sns:Publish"), "publish"),
    (re.compile(r"^states:StartExecution|^states:StartSyncExecution"), "start"),
    (re.compile(r"^lambda:InvokeFunction"), "invoke"),
    (re.compile(r"^events:PutEvents"), "put events"),
    (re.compile(r"^kinesis:PutRecords?"), "put records"),
    (re.compile(r"^(dynamodb|s3):(Put|Update|Delete|BatchWrite|Abort|Restore|TransactWrite)"), "write"),
    (
        re.compile(r"^(dynamodb|s3):(Get|Query|Scan|BatchGet|List|ConditionCheck|Describe|TransactGet)"),
        "read",
    ),
    (re.compile(r"^(dynamodb|s3):\*"), "read/write"),
]


# How a state machine task uses a resource of each kind (anything else: "task").
_TASK_VERBS = {"topic": "publish", "queue": "send", "state_machine": "start", "table": "read/write"}

# Grants that carry the data flow itself (a function publishing, sending, starting) are drawn as flows.
_FLOW_VERBS = {"send", "publish", "start", "put events", "put records", "invoke"}


@dataclass
class Node:
    id: str
    kind: str
    label: str
    stack: str
    logical_id: str
    resource: dict[str, Any] = field(default_factory=dict)
    template: Template | None = None

    @property
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = self.resource.get("Properties") or {}
        return props

    @property
    def title(self) -> str:
        return KIND_TITLES.get(self.kind, self.kind)


@dataclass
class Edge:
    source: str
    target: str
    label: str
    kind: str = "flow"
    """flow (events or requests), redrive / failure (only failed messages), grant, alarm."""


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add_edge(self, source: str, target: str, label: str, kind: str = "flow") -> None:
        if source == target or source not in self.nodes or target not in self.nodes:
            return
        for edge in self.edges:
            if edge.source == source and edge.target == target:
                if label and label not in edge.label.split(", "):
                    edge.label = f"{edge.label}, {label}" if edge.label else label
                return
        self.edges.append(Edge(source, target, label, kind))

    def connected(self, a: str, b: str) -> bool:
        return any({e.source, e.target} == {a, b} for e in self.edges)

    def incoming(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id]

    def outgoing(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id]

    def by_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == kind]

    def stacks(self) -> list[str]:
        return list(dict.fromkeys(n.stack for n in self.nodes.values()))

    def is_failure_only(self, node_id: str) -> bool:
        """A queue or topic that only receives failures (a DLQ) or alarm notifications."""
        incoming = self.incoming(node_id)
        return bool(incoming) and all(e.kind in ("redrive", "failure", "alarm") for e in incoming)


def refs(value: Any) -> set[str]:
    """Logical IDs referenced by ``value`` (Ref, Fn::GetAtt and Fn::Sub), pseudo parameters excluded."""
    return set(ordered_refs(value))


def ordered_refs(value: Any) -> list[str]:
    """:func:`refs` in the order they appear in ``value``."""
    found: list[str] = []
    _collect(value, found)
    return [r for r in dict.fromkeys(found) if not r.startswith("AWS::")]


def _collect(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.append(value["Ref"])
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            if isinstance(att, list) and att and isinstance(att[0], str):
                found.append(att[0])
            elif isinstance(att, str):
                found.append(att.split(".", 1)[0])
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str):
                found.extend(_SUB_NAME.findall(text))
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dead_letter_target(props: dict[str, Any]) -> Any:
    """The ``deadLetterTargetArn`` of a queue's or a subscription's ``RedrivePolicy``."""
    return (props.get("RedrivePolicy") or {}).get("deadLetterTargetArn")


def _target(props: dict[str, Any]) -> dict[str, Any]:
    """A Scheduler schedule's ``Target`` (an empty mapping when it has none)."""
    target = props.get("Target")
    return target if isinstance(target, dict) else {}


def _node_id(template: Template, logical_id: str, multi: bool) -> str:
    raw = f"{template.stack}_{logical_id}" if multi else logical_id
    return re.sub(r"[^A-Za-z0-9_]", "_", raw)


class _Builder:
    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        self.graph = Graph()
        self.multi = len(assembly.templates) > 1
        # (stack, logical id) -> node id, for nodes and for what collapses into them.
        self.owner: dict[tuple[str, str], str] = {}
        # (stack, role logical id) -> node ids of the principals using the role.
        self.principals: dict[tuple[str, str], list[str]] = {}

    def build(self) -> Graph:
        for template in self.assembly.templates:
            self._nodes(template)
        for template in self.assembly.templates:
            self._collapse(template)
        for template in self.assembly.templates:
            self._flows(template)
        for template in self.assembly.templates:
            self._grants(template)
        return self.graph

    # -- nodes ---------------------------------------------------------------------------------
    def _nodes(self, template: Template) -> None:
        resources = template.resources
        service_tokens: set[str] = set()
        for resource in resources.values():
            rtype = str(resource.get("Type", ""))
            if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
                service_tokens |= refs((resource.get("Properties") or {}).get("ServiceToken"))
        for logical_id, resource in resources.items():
            kind = KINDS.get(str(resource.get("Type", "")))
            if kind is None:
                continue
            if kind == "function" and (logical_id in service_tokens or _INFRA_FUNCTION.match(logical_id)):
                continue
            node_id = _node_id(template, logical_id, self.multi)
            self.graph.nodes[node_id] = Node(
                node_id, kind, template.label(logical_id), template.stack, logical_id, resource, template
            )
            self.owner[(template.stack, logical_id)] = node_id
        alarms = [lid for lid, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"]
        if alarms:
            node_id = _node_id(template, "CloudWatchAlarms", self.multi)
            self.graph.nodes[node_id] = Node(
                node_id,
                "alarms",
                f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}",
                template.stack,
                "",
                {},
                template,
            )
            for lid in alarms:
                self.owner[(template.stack, lid)] = node_id

    def _collapse(self, template: Template) -> None:
        """Aliases, versions, roles and log groups resolve to the node that owns them."""
        resources = template.resources
        stack = template.stack
        for logical_id, resource in resources.items():
            rtype = resource.get("Type")
            props = resource.get("Properties") or {}
            if rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::Lambda::Url"):
                target = props.get("FunctionName") or props.get("TargetFunctionArn")
                for ref in refs(target):
                    owner = self.owner.get((stack, ref))
                    if owner:
                        self.owner.setdefault((stack, logical_id), owner)
        for logical_id in resources:
            node_id = self.owner.get((stack, logical_id))
            node = self.graph.nodes.get(node_id or "")
            if node is None or node.logical_id != logical_id:
                continue
            props = node.properties
            role_refs: set[str] = set()
            if node.kind == "function":
                role_refs = refs(props.get("Role"))
                for ref in refs(props.get("LoggingConfig")):
                    self.owner.setdefault((stack, ref), node_id or "")
            elif node.kind in ("state_machine", "pipe"):
                role_refs = refs(props.get("RoleArn"))
                for ref in refs(props.get("LoggingConfiguration")):
                    self.owner.setdefault((stack, ref), node_id or "")
            elif node.kind == "rule":
                for target in _as_list(props.get("Targets")):
                    role_refs |= refs(target.get("RoleArn") if isinstance(target, dict) else None)
            elif node.kind == "schedule":
                role_refs = refs(_target(props).get("RoleArn"))
            for role in role_refs:
                self.principals.setdefault((stack, role), []).append(node_id or "")
                if node.kind in ("function", "state_machine"):
                    self.owner.setdefault((stack, role), node_id or "")
        # API integration roles act for the API.
        for resource in resources.values():
            props = resource.get("Properties") or {}
            if resource.get("Type") == "AWS::ApiGateway::Method":
                api = self._resolve(stack, props.get("RestApiId"))
                for role in refs((props.get("Integration") or {}).get("Credentials")):
                    if api:
                        self.principals.setdefault((stack, role), []).append(api)
            elif resource.get("Type") == "AWS::ApiGatewayV2::Integration":
                api = self._resolve(stack, props.get("ApiId"))
                for role in refs(props.get("CredentialsArn")):
                    if api:
                        self.principals.setdefault((stack, role), []).append(api)

    def _resolve(self, stack: str, value: Any) -> str | None:
        for node_id in self._resolve_all(stack, value):
            return node_id
        return None

    def _resolve_all(self, stack: str, value: Any) -> Iterator[str]:
        seen: set[str] = set()
        for ref in ordered_refs(value):
            owner = self.owner.get((stack, ref))
            if owner and owner not in seen:
                seen.add(owner)
                yield owner

    # -- flows ---------------------------------------------------------------------------------
    def _link(self, stack: str, source: str | None, value: Any, label: str, kind: str = "flow") -> None:
        """An edge from ``source`` to each node ``value`` names (none without a ``source``)."""
        for target in self._resolve_all(stack, value):
            if source:
                self.graph.add_edge(source, target, label, kind)

    def _link_in(self, stack: str, value: Any, target: str | None, label: str) -> None:
        """A flow from each node ``value`` names to ``target`` (none without a ``target``)."""
        for source in self._resolve_all(stack, value):
            if target:
                self.graph.add_edge(source, target, label)

    def _flows(self, template: Template) -> None:
        stack = template.stack
        link = self._link
        resources = template.resources
        for logical_id, resource in resources.items():
            rtype = resource.get("Type")
            props = resource.get("Properties") or {}
            own = self.owner.get((stack, logical_id))
            if rtype == "AWS::Lambda::EventSourceMapping":
                function = self._resolve(stack, props.get("FunctionName"))
                source = self._resolve(stack, props.get("EventSourceArn"))
                if function and source:
                    kind = self.graph.nodes[source].kind
                    self.graph.add_edge(source, function, "poll" if kind == "queue" else "stream")
                failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
                link(stack, function, failure, "on failure", "failure")
            elif rtype == "AWS::SNS::Subscription":
                topic = self._resolve(stack, props.get("TopicArn"))
                link(stack, topic, props.get("Endpoint"), "subscription")
                link(stack, topic, _dead_letter_target(props), "redrive", "redrive")
            elif rtype == "AWS::SNS::Topic":
                for subscription in _as_list(props.get("Subscription")):
                    link(stack, own, subscription, "subscription")
            elif rtype in ("Custom::S3BucketNotifications", "AWS::S3::Bucket"):
                bucket = (
                    self._resolve(stack, props.get("BucketName")) if rtype.startswith("Custom::") else own
                )
                config = props.get("NotificationConfiguration") or {}
                for key in ("LambdaFunctionConfigurations", "QueueConfigurations", "TopicConfigurations"):
                    for entry in _as_list(config.get(key)):
                        events = (
                            _as_list(entry.get("Events") or entry.get("Event"))
                            if isinstance(entry, dict)
                            else []
                        )
                        event = ", ".join(str(e).removeprefix("s3:") for e in events)
                        link(stack, bucket, entry, event or "notification")
            elif rtype == "AWS::ApiGateway::Method":
                api = self._resolve(stack, props.get("RestApiId"))
                integration = props.get("Integration") or {}
                label = (
                    f"{props.get('HttpMethod', 'ANY')} {self._rest_path(resources, props.get('ResourceId'))}"
                )
                link(stack, api, integration.get("Uri"), label)
            elif rtype == "AWS::ApiGatewayV2::Route":
                api = self._resolve(stack, props.get("ApiId"))
                for integration_id in refs(props.get("Target")):
                    integration = resources.get(integration_id, {}).get("Properties") or {}
                    link(stack, api, integration.get("IntegrationUri"), str(props.get("RouteKey", "")))
            elif rtype == "AWS::StepFunctions::StateMachine":
                definition = [
                    props.get("DefinitionString"),
                    props.get("Definition"),
                    props.get("DefinitionSubstitutions"),
                ]
                for target in self._resolve_all(stack, definition):
                    kind = self.graph.nodes[target].kind
                    if own and kind != "alarms":
                        self.graph.add_edge(own, target, _TASK_VERBS.get(kind, "task"))
            elif rtype == "AWS::Events::Rule":
                schedule = props.get("ScheduleExpression")
                for target in _as_list(props.get("Targets")):
                    if not isinstance(target, dict):
                        continue
                    link(stack, own, target.get("Arn"), "schedule" if schedule else "event")
                    link(
                        stack,
                        own,
                        (target.get("DeadLetterConfig") or {}).get("Arn"),
                        "dead letters",
                        "failure",
                    )
                self._link_in(stack, props.get("EventPattern"), own, "event")
                self._link_in(stack, props.get("EventBusName"), own, "event")
            elif rtype == "AWS::Scheduler::Schedule":
                invoked = _target(props)
                link(stack, own, invoked.get("Arn"), "schedule")
                link(
                    stack, own, (invoked.get("DeadLetterConfig") or {}).get("Arn"), "dead letters", "failure"
                )
            elif rtype == "AWS::SQS::Queue":
                link(stack, own, _dead_letter_target(props), "redrive", "redrive")
            elif rtype == "AWS::Lambda::Function":
                link(
                    stack,
                    own,
                    (props.get("DeadLetterConfig") or {}).get("TargetArn"),
                    "dead letters",
                    "failure",
                )
            elif rtype == "AWS::Lambda::EventInvokeConfig":
                function = self._resolve(stack, props.get("FunctionName"))
                destinations = props.get("DestinationConfig") or {}
                for key, label, kind in (
                    ("OnFailure", "on failure", "failure"),
                    ("OnSuccess", "on success", "flow"),
                ):
                    link(stack, function, (destinations.get(key) or {}).get("Destination"), label, kind)
            elif rtype == "AWS::CloudWatch::Alarm":
                link(stack, own, props.get("AlarmActions"), "alarm", "alarm")
            elif rtype == "AWS::Pipes::Pipe":
                self._link_in(stack, props.get("Source"), own, "poll")
                link(stack, own, [props.get("Enrichment"), props.get("Target")], "target")

    @staticmethod
    def _rest_path(resources: dict[str, Any], resource_id: Any) -> str:
        parts: list[str] = []
        current = resource_id
        for _ in range(50):
            ids = refs(current)
            if not ids or (isinstance(current, dict) and "Fn::GetAtt" in current):
                break
            resource = resources.get(next(iter(ids)), {})
            if resource.get("Type") != "AWS::ApiGateway::Resource":
                break
            props = resource.get("Properties") or {}
            parts.append(str(props.get("PathPart", "")))
            current = props.get("ParentId")
        return "/" + "/".join(reversed(parts))

    # -- grants --------------------------------------------------------------------------------
    def _grants(self, template: Template) -> None:
        stack = template.stack
        for logical_id, resource in template.resources.items():
            props = resource.get("Properties") or {}
            rtype = resource.get("Type")
            if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                roles = refs(props.get("Roles"))
                documents = [props.get("PolicyDocument")]
            elif rtype == "AWS::IAM::Role":
                # Inline policies (a Scheduler schedule's role holds its grants there).
                roles = {logical_id}
                policies = _as_list(props.get("Policies"))
                documents = [p.get("PolicyDocument") for p in policies if isinstance(p, dict)]
            else:
                continue
            principals = [p for role in roles for p in self.principals.get((stack, role), [])]
            if principals:
                for document in documents:
                    self._grant(stack, principals, document)

    def _grant(self, stack: str, principals: list[str], document: Any) -> None:
        """Edges from ``principals`` to what each Allow statement of a policy ``document`` names."""
        statements = document.get("Statement") if isinstance(document, dict) else None
        for statement in _as_list(statements):
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                continue
            verb = _verb(str(a) for a in _as_list(statement.get("Action")))
            for target in self._resolve_all(stack, statement.get("Resource")):
                if self.graph.nodes[target].kind == "alarms":
                    continue
                for principal in principals:
                    if principal == target or self.graph.connected(principal, target):
                        continue
                    kind = "flow" if verb in _FLOW_VERBS else "grant"
                    self.graph.add_edge(principal, target, verb, kind)


def _verb(actions: Iterable[str]) -> str:
    verbs: list[str] = []
    for action in actions:
        for pattern, verb in _VERBS:
            if pattern.match(action):
                if verb not in verbs:
                    verbs.append(verb)
                break
    if "read" in verbs and "write" in verbs:
        verbs = [v for v in verbs if v not in ("read", "write")]
        verbs.insert(0, "read/write")
    return ", ".join(verbs) or "uses"


def build_graph(assembly: Assembly) -> Graph:
    """The nodes and edges of every stack in ``assembly``."""
    return _Builder(assembly).build()
