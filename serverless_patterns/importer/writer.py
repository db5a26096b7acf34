"""An :class:`ImportedApp` written as a CDK app on the patterns: ``app.py``, ``cdk.json``,
``requirements.txt`` and ``IMPORT.md``, the report of what every element became.

Each function is a ``FunctionSpec`` of its handler where it is (never copied); each trigger is the
pattern that owns it (HTTP routes -> ApiToLambda, SQS -> QueueWorker, SNS -> FanoutQueue, S3 ->
S3Processor, a DynamoDB stream -> StreamToSns, schedules and EventBridge rules -> EventHandler). The
resources are kept, the stateful ones under their physical names with the settings the rule packs
ask for added (point-in-time recovery, encryption, TLS-only access, a dead-letter queue). IAM
statements are kept as each function's ``policies``, a resource the app defines narrowed to its own
reference; a wildcard stays as written, for the rule packs to judge.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import EventKind, Function, ImportedApp, Note, Resource, Status, Trigger
from .source import identifier, literal, pascal, token_literal

__all__ = ["Written", "current_runtime", "write_app"]

# The runtime each language moves to when the source's is deprecated (or absent).
CURRENT = {"python": "python3.14", "nodejs": "nodejs24.x"}
_SUPPORTED = re.compile(r"^(python3\.(1[0-9])|nodejs(2[2-9]|[3-9]\d)\.x)$")
_S3_EVENTS = {
    "s3:ObjectCreated:*": "OBJECT_CREATED",
    "s3:ObjectCreated:Put": "OBJECT_CREATED_PUT",
    "s3:ObjectCreated:Post": "OBJECT_CREATED_POST",
    "s3:ObjectCreated:Copy": "OBJECT_CREATED_COPY",
    "s3:ObjectCreated:CompleteMultipartUpload": "OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD",
    "s3:ObjectRemoved:*": "OBJECT_REMOVED",
}
# The source tools' folders, left out of a function's code beside FunctionSpec's own defaults.
_TOOL_FOLDERS = [".serverless", ".aws-sam"]
_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
}
# How `cdk import` identifies each kind of stateful resource in a resource mapping file.
_IMPORT_KEY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueUrl",
    "AWS::SNS::Topic": "TopicArn",
    "AWS::S3::Bucket": "BucketName",
}


def current_runtime(runtime: str) -> tuple[str | None, bool]:
    """The runtime to deploy, the latest of the source's language (None: a language the patterns do
    not deploy), and whether it changed: the rule packs ask for the latest (AwsSolutions-L1,
    Serverless-LambdaLatestVersion)."""
    language = (
        "python" if runtime.startswith("python") else "nodejs" if runtime.startswith("nodejs") else None
    )
    if language is None:
        return None, False
    return CURRENT[language], runtime != CURRENT[language]


def _runtime_change(runtime: str) -> str:
    """Why the source's ``runtime`` moved to the latest of its language."""
    if _SUPPORTED.match(runtime):
        return f"{runtime} is not the latest of its language, which the rule packs ask for (AwsSolutions-L1)"
    return f"{runtime} is deprecated in Lambda (or not given)"


@dataclass
class Written:
    """The files of the app, by relative path, and the report."""

    files: dict[str, str]
    notes: list[Note]

    def counts(self) -> dict[Status, int]:
        return {status: sum(1 for n in self.notes if n.status == status) for status in Status}


@dataclass
class _Kept:
    """A resource of the source in the new app: its variable and how to refer to it."""

    resource: Resource
    variable: str
    name: str | None
    """Its physical name, when the source gives one."""


@dataclass
class _Writer:
    app: ImportedApp
    code_root: str
    """The source file's directory, relative to the app's."""
    source_dir: Path
    out_dir: Path
    lines: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    kept: dict[str, _Kept] = field(default_factory=dict)
    core: set[str] = field(default_factory=set)
    """Names the app imports from serverless_patterns.core."""
    specs: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    consumed: set[str] = field(default_factory=set)
    """The source's queues that QueueWorkers own instead."""
    files: dict[str, str] = field(default_factory=dict)
    """Other files of the app (state machine definitions), by relative path."""
    authorizers: set[str] = field(default_factory=set)
    """Functions used as authorizers (they need no trigger of their own)."""
    """The construct ids the stack's patterns have."""
    """Function name -> its FunctionSpec expression."""

    def note(self, element: str, status: Status, became: str, why: str = "") -> None:
        self.notes.append(Note(element, status, became, why))

    def _id(self, base: str) -> str:
        """``base``, or ``base2``, ``base3``... when a construct of the stack already has it."""
        taken = {*self.ids, *self.kept}
        found = base
        for n in range(2, 1000):
            if found not in taken:
                break
            found = f"{base}{n}"
        self.ids.add(found)
        return found

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    # -- resources ------------------------------------------------------------------------------
    def resources(self) -> None:
        self.consumed = _consumed_queues(self.app)
        for resource in self.app.resources:
            if resource.logical_id in self.consumed:
                continue  # a trigger's queue: the QueueWorker owns it
            if resource.type.startswith("AWS::Serverless::"):
                why = "a SAM resource with no pattern here (a layer: build it with PythonLayer or lambda_.LayerVersion)"
                self.note(resource.element, Status.NOT_MAPPED, "", why)
                continue
            write = {
                "AWS::DynamoDB::Table": self._table,
                "AWS::SQS::Queue": self._queue,
                "AWS::SNS::Topic": self._topic,
            }.get(resource.type, self._as_written)
            write(resource)

    def _keep(self, resource: Resource) -> _Kept:
        name = resource.properties.get(_NAME_PROPERTY.get(resource.type, ""))
        kept = _Kept(resource, identifier(resource.logical_id), name if isinstance(name, str) else None)
        self.kept[resource.logical_id] = kept
        return kept

    def _as_written(self, resource: Resource) -> None:
        defined = {r.logical_id for r in self.app.resources}
        missing = sorted(
            {t for t in _targets(resource.properties) if t not in defined and not t.startswith("AWS::")}
        )
        if missing:
            why = f"refers to {', '.join(missing)}, which the source's tool generated and this app names otherwise"
            self.note(resource.element, Status.NOT_MAPPED, "", why)
            return
        kept = self._keep(resource)
        self.add(
            f"# {resource.element}: kept as written",
            f"{kept.variable} = cdk.CfnResource(stack, {resource.logical_id!r}, type={resource.type!r}, properties={literal(resource.properties)})",
            "",
        )
        self.note(resource.element, Status.MAPPED, f"CfnResource {resource.logical_id!r}, as written")

    def _table(self, resource: Resource) -> None:
        kept = self._keep(resource)
        props = dict(resource.properties)
        props.setdefault("PointInTimeRecoverySpecification", {"PointInTimeRecoveryEnabled": True})
        props.setdefault("SSESpecification", {"SSEEnabled": True})
        self.add(
            f"# {resource.element}: kept, with point-in-time recovery and encryption",
            f"{kept.variable} = cdk.CfnResource(stack, {resource.logical_id!r}, type={resource.type!r}, properties={literal(props)})",
            f"{kept.variable}.apply_removal_policy(cdk.RemovalPolicy.RETAIN)",
            "",
        )
        added = [
            k
            for k in ("PointInTimeRecoverySpecification", "SSESpecification")
            if k not in resource.properties
        ]
        why = (
            f"{', '.join(added)} added, as the rule packs ask; retained on stack deletion"
            if added
            else "retained on stack deletion"
        )
        self.note(resource.element, Status.APPROXIMATED, f"table {kept.name or resource.logical_id}", why)

    def _queue(self, resource: Resource) -> None:
        kept = self._keep(resource)
        props = resource.properties
        options = {
            "queue_name": props.get("QueueName"),
            "fifo": True if props.get("FifoQueue") else None,
            "visibility_timeout": _seconds(props.get("VisibilityTimeout")),
            "retention_period": _seconds(props.get("MessageRetentionPeriod")),
        }
        self.imports.add("from aws_cdk import aws_sqs as sqs")
        dlq = f"{kept.variable}_dlq"
        self.add(
            f"# {resource.element}: kept, encrypted, TLS only, with a dead-letter queue",
            f"{dlq} = sqs.Queue(stack, {resource.logical_id + 'Dlq'!r}, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, retention_period=cdk.Duration.days(14){', fifo=True' if options['fifo'] else ''})",
            f"{kept.variable} = sqs.Queue(stack, {resource.logical_id!r}, {_kwargs(options)}encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue={dlq}))",
            f"{kept.variable}.node.default_child.override_logical_id({resource.logical_id!r})",
            f"acknowledge({dlq}, 'Serverless-SQSRedrivePolicy', {'This queue is itself the dead-letter queue of ' + (kept.name or resource.logical_id)!r})",
            "",
        )
        self.core.add("acknowledge")
        carried = {"QueueName", "FifoQueue", "VisibilityTimeout", "MessageRetentionPeriod"}
        why = "a dead-letter queue (3 receives), SQS-managed encryption and a TLS-only policy added"
        self._approximated(resource, f"queue {kept.name or resource.logical_id}", carried, why)

    def _topic(self, resource: Resource) -> None:
        kept = self._keep(resource)
        props = resource.properties
        options = {
            "topic_name": props.get("TopicName"),
            "display_name": props.get("DisplayName"),
            "fifo": True if props.get("FifoTopic") else None,
        }
        self.imports.update({"from aws_cdk import aws_sns as sns", "from aws_cdk import aws_kms as kms"})
        self.add(
            f"# {resource.element}: kept, encrypted (AWS-managed key), TLS only",
            f"{kept.variable} = sns.Topic(stack, {resource.logical_id!r}, {_kwargs(options)}enforce_ssl=True, master_key=kms.Alias.from_alias_name(stack, {resource.logical_id + 'Key'!r}, 'alias/aws/sns'))",
            f"{kept.variable}.node.default_child.override_logical_id({resource.logical_id!r})",
            "",
        )
        carried = {"TopicName", "DisplayName", "FifoTopic"}
        why = "encryption with the AWS-managed key and a TLS-only policy added"
        self._approximated(resource, f"topic {kept.name or resource.logical_id}", carried, why)

    def _approximated(self, resource: Resource, became: str, carried: set[str], why: str) -> None:
        """Notes ``resource`` as approximated by ``became``: ``why``, then the properties it has beyond
        ``carried``, which the app leaves out."""
        left = sorted(set(resource.properties) - carried)
        self.note(
            resource.element,
            Status.APPROXIMATED,
            became,
            why + (f"; not carried: {', '.join(left)}" if left else ""),
        )

    # -- functions ------------------------------------------------------------------------------
    def functions(self) -> None:
        shared_env = _common_environment(self.app.functions)
        if shared_env:
            self.add(
                "# The environment every function has (the provider's).",
                f"ENVIRONMENT = {token_literal(shared_env)}",
                "",
            )
        if self.app.statements:
            self.imports.add("from aws_cdk import aws_iam as iam")
            statements = [
                rendered
                for i, s in enumerate(self.app.statements)
                if (rendered := self._statement(f"provider.iam.role.statements[{i}]", s)) is not None
            ]
            self.add(
                "# The provider's IAM statements, which every function's role had; resources the app defines are",
                "# narrowed to their own reference. Trim them per function: each has its own role here.",
                "POLICIES = [",
                *(f"    {statement}," for statement in statements),
                "]",
                "",
            )
        self.add(
            "# The functions, each from its handler where it is (serverless-patterns bundles it).",
            "FUNCTIONS = {",
        )
        for function in self.app.functions:
            spec = self._spec(function, shared_env)
            for trigger in function.triggers if spec is None else []:
                self.note(
                    trigger.element, Status.NOT_MAPPED, "", "its function is not deployed (its runtime)"
                )
            if spec is not None:
                self.add(f"    {function.name!r}: {spec},")
                self.specs[function.name] = f"FUNCTIONS[{function.name!r}]"
        self.add("}", "")

    def _spec(self, function: Function, shared_env: Mapping[str, Any]) -> str | None:
        runtime, changed = current_runtime(function.runtime)
        if runtime is None:
            self.note(
                function.element,
                Status.NOT_MAPPED,
                "",
                f"runtime {function.runtime}: the patterns deploy Python and Node.js",
            )
            return None
        if changed:
            self.note(
                f"{function.element}.runtime",
                Status.APPROXIMATED,
                runtime,
                f"{_runtime_change(function.runtime)}; moved to {runtime}",
            )
        code = os.path.normpath(os.path.join(self.code_root, function.code_dir)).replace(os.sep, "/")
        self.imports.add("from aws_cdk import aws_lambda as lambda_")
        plain = not runtime.startswith("python") and _plain_node(
            self.source_dir / function.code_dir, function.handler
        )
        if plain:
            why = "a Node.js directory with no dependencies to bundle: packaged as it is, as the source's tool does"
            self.note(f"{function.element}.handler", Status.MAPPED, f"lambda_.Code.from_asset({code!r})", why)
        left_out = self._left_out(function)
        args = [
            f"code=lambda_.Code.from_asset({code!r}, exclude={left_out!r})" if plain else f"code={code!r}",
            f"handler={function.handler!r}",
            f"runtime=lambda_.Runtime.{_runtime_constant(runtime)}",
        ]
        if not plain and not left_out[0].startswith("cdk.out"):  # this app's folder lies inside the code's
            self.imports.add("from serverless_patterns.core.bundling import DEFAULT_EXCLUDES")
            args.append(f"exclude=[{left_out[0]!r}, *DEFAULT_EXCLUDES, *{_TOOL_FOLDERS!r}]")
        if function.memory_size:
            args.append(f"memory_size={max(128, int(function.memory_size))}")
        if function.timeout:
            args.append(f"timeout=cdk.Duration.seconds({self._timeout(function)})")
        if function.architecture:
            args.append(
                f"architecture=lambda_.Architecture.{'ARM_64' if 'arm' in str(function.architecture) else 'X86_64'}"
            )
        own = {k: v for k, v in _environment(function).items() if shared_env.get(k) != v}
        if shared_env or own:
            args.append(
                "environment="
                + (
                    "{**ENVIRONMENT, " + token_literal(own)[1:]
                    if own and shared_env
                    else "ENVIRONMENT"
                    if shared_env
                    else token_literal(own)
                )
            )
        if function.reserved_concurrency:
            args.append(f"reserved_concurrency={int(function.reserved_concurrency)}")
        own_statements = [
            rendered
            for i, s in enumerate(function.statements)
            if (rendered := self._statement(f"{function.element}.iamRoleStatements[{i}]", s)) is not None
        ]
        if function.layers:
            why = "layers are not carried: build them with PythonLayer or give lambda_.LayerVersion objects in layers"
            self.note(f"{function.element}.layers", Status.NOT_MAPPED, "", why)
        if self.app.statements or own_statements:
            args.append(
                "policies=["
                + ", ".join([*(["*POLICIES"] if self.app.statements else []), *own_statements])
                + "]"
            )
        if not runtime.startswith("python"):
            args.append("powertools=False")
        self.note(
            function.element, Status.MAPPED, f"FunctionSpec(code={code!r}, handler={function.handler!r})"
        )
        return "FunctionSpec(" + ", ".join(args) + ")"

    def _left_out(self, function: Function) -> list[str]:
        """What a handler directory packaged as it is leaves out: this app's folder when it lies
        inside (its cdk.out would hold the asset itself), then tools' folders."""
        inside = os.path.relpath(self.out_dir.resolve(), (self.source_dir / function.code_dir).resolve())
        own = [] if inside.startswith("..") else [inside.replace(os.sep, "/")]
        return [*own, "cdk.out", ".git", "node_modules", *_TOOL_FOLDERS]

    def _timeout(self, function: Function) -> int:
        """The function's timeout, at most what the API in front of it waits (29 s REST, 30 s HTTP)."""
        timeout = int(function.timeout or 0)
        kinds = {t.kind for t in function.triggers}
        limit = 29 if EventKind.HTTP in kinds else 30 if EventKind.HTTP_API in kinds else 900
        if timeout > limit:
            why = f"{timeout} s is more than the API's integration waits; lowered to {limit} s"
            self.note(f"{function.element}.timeout", Status.APPROXIMATED, f"{limit} s", why)
        return min(timeout, limit)

    def _statement(self, element: str, statement: Mapping[str, Any]) -> str | None:
        """The statement as ``iam.PolicyStatement.from_json(...)``, narrowed, with its report line;
        None for one on a queue a QueueWorker owns, which grants its function what it needs."""
        if _targets(statement) & self.consumed:
            why = "on the queue a QueueWorker now owns, which grants its function what it needs"
            self.note(element, Status.APPROXIMATED, "left out", why)
            return None
        self.imports.add("from aws_cdk import aws_iam as iam")
        narrowed = self._narrowed(statement)
        if narrowed.get("Resource") == []:
            self.note(
                element,
                Status.APPROXIMATED,
                "left out",
                "its only resources are indexes of a table that has none",
            )
            return None
        if narrowed != dict(statement):
            self.note(
                element,
                Status.MAPPED,
                "policies, narrowed",
                "a resource the app defines is referred to by its own reference",
            )
        else:
            self.note(element, Status.MAPPED, "policies, as written", "judged by the rule packs as written")
        return f"iam.PolicyStatement.from_json({token_literal(narrowed, 1)})"

    def _narrowed(self, statement: Mapping[str, Any]) -> dict[str, Any]:
        """``statement`` with each resource the app keeps replaced by its own reference: a table's
        ``/stream/*`` by its stream's ARN, its ``/index/*`` left out when it has no index."""
        resources = statement.get("Resource")
        listed = resources if isinstance(resources, list) else [resources]
        narrowed = [n for r in listed if r is not None for n in self._reference(r)]
        out = {k: v for k, v in statement.items() if k != "Resource"}
        if resources is not None:
            out["Resource"] = narrowed if isinstance(resources, list) or len(narrowed) != 1 else narrowed[0]
        return out

    def _reference(self, arn: Any) -> list[Any]:
        """What ``arn`` becomes: the ``Fn::GetAtt`` of the kept resource it names (by its physical
        name or, in an ``Fn::Sub``, its reference), nothing for an index of a table without any,
        else ``arn`` as written."""
        text, names = _sub_text(arn)
        if text is None:
            return [arn]
        for kept in self.kept.values():
            if kept.resource.type not in _NAME_PROPERTY:
                continue
            ids = [re.escape(n) for n in (kept.name,) if n] + [
                re.escape(f"${{{var}}}")
                for var, value in names.items()
                if value in ({"Ref": kept.resource.logical_id}, kept.name)
            ]
            for identity in ids:
                found = re.search(rf"[:/]{identity}(/stream/\*|/index/\*)?$", text)
                if found is None:
                    continue
                suffix = found.group(1)
                if suffix == "/index/*":
                    indexes = ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
                    has_index = any(kept.resource.properties.get(k) for k in indexes)
                    return [arn] if has_index else []
                attribute = {"/stream/*": "StreamArn", None: "Arn"}[suffix]
                if kept.resource.type == "AWS::SNS::Topic":
                    attribute = "TopicArn"
                return [{"Fn::GetAtt": [kept.resource.logical_id, attribute]}]
        return [arn]

    # -- triggers -------------------------------------------------------------------------------
    def triggers(self) -> None:
        by_kind: dict[EventKind, list[tuple[Function, Trigger]]] = {}
        for function in self.app.functions:
            if function.name not in self.specs:
                continue
            for trigger in function.triggers:
                by_kind.setdefault(trigger.kind, []).append((function, trigger))
        for kind in (EventKind.HTTP, EventKind.HTTP_API):
            if by_kind.get(kind):
                self._api(kind, by_kind[kind])
        for function, trigger in by_kind.get(EventKind.SQS, []):
            self._queue_worker(function, trigger)
        self._fanouts(by_kind.get(EventKind.SNS, []))
        for function, trigger in by_kind.get(EventKind.S3, []):
            self._s3(function, trigger)
        for function, trigger in by_kind.get(EventKind.STREAM, []):
            self._stream(function, trigger)
        for function, trigger in [
            *by_kind.get(EventKind.SCHEDULE, []),
            *by_kind.get(EventKind.EVENT_RULE, []),
        ]:
            self._event_handler(function, trigger)
        if by_kind.get(EventKind.WEBSOCKET):
            self._websocket(by_kind[EventKind.WEBSOCKET])
        for function in self.app.functions:
            if (
                function.name in self.specs
                and not function.triggers
                and function.name not in self.authorizers
            ):
                why = "a function without a trigger: no pattern deploys one alone yet"
                self.note(function.element, Status.NOT_MAPPED, "", why)

    def _api(self, kind: EventKind, routes: list[tuple[Function, Trigger]]) -> None:
        self.patterns.update({"ApiToLambda", "ApiType", "Authorization"})
        rest = kind == EventKind.HTTP
        name = "RestApi" if rest else "HttpApi"
        keys: dict[str, str] = {}
        for function, trigger in routes:
            key = f"{trigger.props['method']} {trigger.props['path']}"
            if key in keys:
                self.note(
                    trigger.element, Status.NOT_MAPPED, "", f"route {key} is already served by {keys[key]}"
                )
                continue
            keys[key] = function.name
            self.note(trigger.element, Status.MAPPED, f"ApiToLambda {name!r}, route {key!r}")
        authorizers = {t.props.get("authorizer") for _, t in routes}
        authorization = "Authorization.iam()"
        lambdas = {a.split(":", 1)[1] for a in authorizers if a and a.startswith("lambda:")}
        if (
            len(lambdas) == 1
            and next(iter(lambdas)) in self.specs
            and authorizers - {None} == {f"lambda:{next(iter(lambdas))}"}
        ):
            (chosen,) = lambdas
            authorization = f"Authorization.lambda_authorizer({self.specs[chosen]})"
            self.authorizers.add(chosen)
            self.note(f"{name} authorizers", Status.MAPPED, f"Authorization.lambda_authorizer({chosen})")
            if None in authorizers:
                why = "routes without the authorizer in the source now have it too: ApiToLambda authorizes every route one way"
                self.note(f"{name} authorization", Status.APPROXIMATED, authorization, why)
        elif authorizers - {None, "iam"}:
            chosen = sorted(a for a in authorizers if a)
            why = f"authorizers {chosen} are not carried: choose Authorization.cognito(...) or lambda_authorizer(...)"
            self.note(f"{name} authorizers", Status.APPROXIMATED, "Authorization.iam()", why)
        elif None in authorizers:
            why = (
                "public routes in the source now require IAM (SigV4) signatures; Authorization.none() makes "
                "them public again, an open rule-pack finding"
            )
            self.note(f"{name} authorization", Status.APPROXIMATED, "Authorization.iam()", why)
        cors = any(t.props.get("cors") for _, t in routes)
        if cors:
            self.patterns.add("Cors")
        route_lines = "\n".join(f"        {key!r}: {self.specs[function]}," for key, function in keys.items())
        self.add(
            "ApiToLambda(",
            "    stack,",
            f"    {name!r},",
            f"    api_type=ApiType.{'REST' if rest else 'HTTP'},",
            f"    authorization={authorization},",
            *(["    cors=Cors(allow_origins=['*']),"] if cors else []),
            "    routes={",
            route_lines,
            "    },",
            ")",
            "",
        )

    def _websocket(self, routes: list[tuple[Function, Trigger]]) -> None:
        """The WebSocket routes, as one WebSocketApi (authorized on $connect)."""
        self.patterns.add("WebSocketApi")
        keys: dict[str, str] = {}
        authorizer: dict[str, Any] | None = None
        for function, trigger in routes:
            route = str(trigger.props.get("route") or "$default")
            if route in keys:
                self.note(
                    trigger.element,
                    Status.NOT_MAPPED,
                    "",
                    f"route {route} is already served by {keys[route]}",
                )
                continue
            keys[route] = function.name
            authorizer = authorizer or trigger.props.get("authorizer")
            self.note(trigger.element, Status.MAPPED, f"WebSocketApi 'WebSocket', route {route!r}")
        name = (authorizer or {}).get("name")
        if "$connect" not in keys:
            authorization = "'none'"
            why = "no $connect route, where API Gateway authorizes a WebSocket client: anyone may connect"
            self.note("WebSocket authorization", Status.APPROXIMATED, "authorization='none'", why)
        elif name in self.specs:
            self.patterns.add("WebSocketAuthorizer")
            sources = tuple(authorizer.get("identity_source") or ()) if authorizer else ()
            source_arg = f", identity_source={sources!r}" if sources else ""
            authorization = f"WebSocketAuthorizer(function={self.specs[name]}{source_arg})"
            self.note("WebSocket authorization", Status.MAPPED, f"WebSocketAuthorizer({name})")
        else:
            authorization = "'iam'"
            why = "the $connect route is public in the source; it now requires IAM (SigV4)"
            self.note("WebSocket authorization", Status.APPROXIMATED, "authorization='iam'", why)
        lines = "\n".join(f"        {key!r}: {self.specs[function]}," for key, function in keys.items())
        self.add(
            "WebSocketApi(",
            "    stack,",
            f"    {self._id('WebSocket')!r},",
            f"    authorization={authorization},",
            "    routes={",
            lines,
            "    },",
            ")",
            "",
        )
        self.authorizers.update({name} if name in self.specs and "$connect" in keys else set())

    def _state_machine(self, machine: Resource) -> None:
        """A state machine whose Lambda tasks name the app's functions, as an OrchestratedPipeline
        over its definition (written beside app.py, each function reference as the ARN of its name)."""
        names: set[str] = set()
        definition = _lambda_arns(
            machine.properties.get("Definition"),
            set(self.specs),
            names,
            machine.properties.get("DefinitionSubstitutions") or {},
        )
        left = _intrinsics(definition)
        if left or not isinstance(definition, Mapping) or not names:
            why = (
                f"its definition refers to {left[0]}, which cannot be rebound"
                if left
                else "no Lambda task names a function of this app"
            )
            self.note(
                machine.element,
                Status.NOT_MAPPED,
                "",
                why + ": give it to OrchestratedPipeline(definition_file=...) by hand",
            )
            return
        self.patterns.add("OrchestratedPipeline")
        construct = self._id(pascal(machine.logical_id))
        path = f"statemachines/{construct}.asl.json"
        self.files[path] = json.dumps(definition, indent=2) + "\n"
        functions = ", ".join(f"{name!r}: {self.specs[name]}" for name in sorted(names))
        express = str(machine.properties.get("Type", "STANDARD")).upper() == "EXPRESS"
        kind = ", state_machine_type=sfn.StateMachineType.EXPRESS" if express else ""
        if express:
            self.imports.add("from aws_cdk import aws_stepfunctions as sfn")
        self.add(
            f"OrchestratedPipeline(stack, {construct!r}, definition_file=HERE / {path!r}, functions={{{functions}}}{kind})",
            "",
        )
        self.note(machine.element, Status.MAPPED, f"OrchestratedPipeline {construct!r} ({path})")

    def _queue_worker(self, function: Function, trigger: Trigger) -> None:
        self.patterns.update({"QueueWorker", "Batching"})
        props = trigger.props
        batching = {
            "batch_size": props.get("batch_size"),
            "max_batching_window": _seconds(props.get("batch_window")),
            "max_concurrency": props.get("max_concurrency"),
        }
        queue = props.get("queue")
        name = _queue_name(queue, self.app)
        fifo = bool(name and name.endswith(".fifo"))
        construct = self._id(pascal(f"{function.name}Queue" if len(function.triggers) > 1 else function.name))
        args = f"function={self.specs[function.name]}" + (", fifo=True" if fifo else "")
        if any(v is not None for v in batching.values()):
            args += f", batching=Batching({_kwargs(batching).rstrip(', ')})"
        self.add(f"QueueWorker(stack, {construct!r}, {args})", "")
        why = f"QueueWorker owns its queue and DLQ; the source's queue {name or queue!r} keeps its messages: point producers at the new queue, or move it in with cdk import (IMPORT.md)"
        self.note(trigger.element, Status.APPROXIMATED, f"QueueWorker {construct!r}", why)

    def _fanouts(self, subscriptions: list[tuple[Function, Trigger]]) -> None:
        by_topic: dict[str, list[tuple[Function, Trigger]]] = {}
        for function, trigger in subscriptions:
            by_topic.setdefault(json.dumps(trigger.props.get("topic"), sort_keys=True), []).append(
                (function, trigger)
            )
        for topic_key, items in by_topic.items():
            self.patterns.update({"FanoutQueue", "Subscriber"})
            topic = json.loads(topic_key)
            construct = self._id(
                pascal(f"{_short(topic) or 'Topic'}Fanout") if len(by_topic) > 1 else "Fanout"
            )
            expression, why = self._topic_expression(topic, construct)
            subscribers = ", ".join(
                f"{function.name!r}: Subscriber(function={self.specs[function.name]}"
                + (
                    f", filter_policy={literal(t.props['filter_policy'])}"
                    if t.props.get("filter_policy")
                    else ""
                )
                + ")"
                for function, t in items
            )
            self.add(f"FanoutQueue(stack, {construct!r}, {expression}subscribers={{{subscribers}}})", "")
            for _, trigger in items:
                self.note(
                    trigger.element,
                    Status.APPROXIMATED,
                    f"FanoutQueue {construct!r}",
                    "delivered through an SQS queue with a DLQ (SNS -> SQS -> Lambda); " + why,
                )

    def _topic_expression(self, topic: Any, construct: str) -> tuple[str, str]:
        kept = self._kept_of(topic)
        if kept is not None:
            return f"topic={kept.variable}, ", f"the app's topic {kept.resource.logical_id}"
        if isinstance(topic, str) and not topic.startswith("arn:"):
            return "", f"FanoutQueue makes the topic {topic!r} (its name is not kept)"
        self.imports.add("from aws_cdk import aws_sns as sns")
        arn = token_literal(topic)
        return (
            f"topic=sns.Topic.from_topic_arn(stack, {construct + 'Topic'!r}, {arn}), ",
            "the existing topic, subscribed to by ARN",
        )

    def _kept_of(self, reference: Any) -> _Kept | None:
        """The kept resource a ``Ref``/``Fn::GetAtt``/name/ARN names, if any."""
        if isinstance(reference, Mapping):
            target = _referenced(reference)
            if target in self.kept:
                return self.kept[target]
            reference = reference.get("Fn::Sub")
        if isinstance(reference, str):
            for kept in self.kept.values():
                if kept.name and (reference == kept.name or reference.endswith(f":{kept.name}")):
                    return kept
        return None

    def _s3(self, function: Function, trigger: Trigger) -> None:
        self.patterns.add("S3Processor")
        props = trigger.props
        construct = self._id(pascal(function.name))
        args = [f"function={self.specs[function.name]}"]
        for key in ("prefix", "suffix"):
            if props.get(key):
                args.append(f"{key}={props[key]!r}")
        events = [_S3_EVENTS.get(str(e)) for e in props.get("events") or []]
        if events and all(events) and events != ["OBJECT_CREATED"]:
            self.imports.add("from aws_cdk import aws_s3 as s3")
            args.append("event_types=[" + ", ".join(f"s3.EventType.{e}" for e in events) + "]")
        bucket = props.get("bucket")
        kept = self._kept_of(bucket)
        if props.get("existing") and isinstance(bucket, str):
            self.imports.add("from aws_cdk import aws_s3 as s3")
            args.append(f"bucket=s3.Bucket.from_bucket_name(stack, {construct + 'Bucket'!r}, {bucket!r})")
            why = "the existing bucket, by name"
        elif kept is not None:
            why = f"the app's bucket {kept.resource.logical_id} is kept apart: S3Processor makes its own, secured"
        else:
            why = f"S3Processor makes the bucket, secured, with a queue and DLQ between it and the function; the name {bucket!r} is not kept"
        self.add(f"S3Processor(stack, {construct!r}, {', '.join(args)})", "")
        self.note(trigger.element, Status.APPROXIMATED, f"S3Processor {construct!r}", why)

    def _stream(self, function: Function, trigger: Trigger) -> None:
        kept = self._kept_of(trigger.props.get("arn"))
        if (
            trigger.props.get("type") != "dynamodb"
            or kept is None
            or kept.resource.type != "AWS::DynamoDB::Table"
        ):
            self.note(
                trigger.element,
                Status.NOT_MAPPED,
                "",
                "a stream of a table this app does not define (or Kinesis): no pattern takes it yet",
            )
            return
        self.patterns.add("StreamToSns")
        self.imports.add("from aws_cdk import aws_dynamodb as dynamodb")
        construct = self._id(pascal(f"{function.name}Stream"))
        table = (
            f"dynamodb.Table.from_table_attributes(stack, {construct + 'Table'!r}, "
            f"table_arn={kept.variable}.get_att('Arn').to_string(), table_stream_arn={kept.variable}.get_att('StreamArn').to_string())"
        )
        self.add(
            f"StreamToSns(stack, {construct!r}, table={table}, function={self.specs[function.name]})", ""
        )
        self.note(
            trigger.element,
            Status.APPROXIMATED,
            f"StreamToSns {construct!r}",
            "the function reads the stream and may publish to the pattern's topic",
        )

    def _event_handler(self, function: Function, trigger: Trigger) -> None:
        self.patterns.add("EventHandler")
        props = trigger.props
        construct = self._id(
            pascal(function.name if len(function.triggers) == 1 else f"{function.name}{trigger.kind.value}")
        )
        if trigger.kind == EventKind.SCHEDULE:
            args = f"schedule={props['expression']!r}" + (
                f", time_zone={props['time_zone']!r}" if props.get("time_zone") else ""
            )
            why = (
                ""
                if props.get("enabled", True)
                else "the source disables it; EventHandler's schedule is enabled"
            )
        else:
            args = f"event_pattern={literal(props.get('pattern') or {})}"
            if props.get("bus"):
                self.imports.add("from aws_cdk import aws_events as events")
                args += f", event_bus=events.EventBus.from_event_bus_name(stack, {construct + 'Bus'!r}, {token_literal(props['bus'])})"
            why = ""
        self.add(f"EventHandler(stack, {construct!r}, function={self.specs[function.name]}, {args})", "")
        self.note(
            trigger.element, Status.APPROXIMATED if why else Status.MAPPED, f"EventHandler {construct!r}", why
        )

    # -- the app --------------------------------------------------------------------------------
    def source(self) -> str:
        self.resources()
        body_resources = self.lines
        self.lines = []
        self.functions()
        body_functions = self.lines
        self.lines = []
        self.triggers()
        for machine in self.app.state_machines:
            self._state_machine(machine)
        body_patterns = self.lines
        stack_name = f"{self.app.name}-{self.app.stage}" if self.app.stage else self.app.name
        region = f", env=cdk.Environment(region={self.app.region!r})" if self.app.region else ""
        header = [
            f'"""{self.app.name}: imported from {self.app.source} by serverless-patterns import (IMPORT.md says what became of each element)."""',
            "",
            "from pathlib import Path",
            "",
            "import serverless_patterns  # noqa: F401  (first: it sets the Node.js that jsii runs on)",
            "import aws_cdk as cdk",
            *sorted(self.imports),
            "from cdk_nag import AwsSolutionsChecks, ServerlessChecks",
            f"from serverless_patterns import {', '.join(sorted({'FunctionSpec', *self.patterns}))}",
            *([f"from serverless_patterns.core import {', '.join(sorted(self.core))}"] if self.core else []),
            "",
            "HERE = Path(__file__).parent",
            "app = cdk.App()",
            "cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))",
            f"stack = cdk.Stack(app, {stack_name!r}{region})",
            "",
        ]
        if not self.patterns and not self.kept:  # an empty stack is a template CloudFormation refuses
            header[-2:] = ["# Nothing of the source maps onto the patterns yet (IMPORT.md): no stack.", ""]
            return "\n".join([*header, *body_functions, "app.synth()", ""])
        return "\n".join([*header, *body_resources, *body_functions, *body_patterns, "app.synth()", ""])


def _plain_node(directory: Path, handler: str) -> bool:
    """Whether a Node.js handler's directory has nothing to bundle: a JavaScript entry and no
    package.json dependencies (in the directory or the one above it)."""
    module = handler.rpartition(".")[0]
    if not any((directory / f"{module}{ext}").is_file() for ext in (".js", ".mjs", ".cjs")):
        return False
    for folder in (directory, directory.parent):
        package = folder / "package.json"
        if package.is_file():
            try:
                declared = json.loads(package.read_text()).get("dependencies")
            except ValueError:
                return False
            return not declared
    return True


def _lambda_arns(value: Any, functions: set[str], used: set[str], substitutions: Mapping[str, Any]) -> Any:
    """``value`` (an ASL definition) with each reference to a function of ``functions``
    (``Fn::GetAtt [name, Arn]``, ``Ref name``, a ``${Sub}`` standing for one) written as the ARN of
    its name, which OrchestratedPipeline rebinds; the names found go to ``used``."""

    def named(reference: Any) -> str | None:
        target = _referenced(reference)
        if target is not None:
            for name in functions:  # a function key, or the framework's logical id of it
                if target in (name, f"{pascal(name)}LambdaFunction"):
                    return name
        return None

    if isinstance(value, Mapping):
        name = named(value)
        if name is not None:
            used.add(name)
            return f"arn:aws:lambda:REGION:ACCOUNT_ID:function:{name}"
        return {k: _lambda_arns(v, functions, used, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return [_lambda_arns(v, functions, used, substitutions) for v in value]
    if isinstance(value, str) and "${" in value:
        for key, reference in substitutions.items():
            name = named(reference)
            if name is not None and f"${{{key}}}" in value:
                used.add(name)
                value = value.replace(f"${{{key}}}", f"arn:aws:lambda:REGION:ACCOUNT_ID:function:{name}")
    return value


def _sub_text(arn: Any) -> tuple[str | None, dict[str, Any]]:
    """An ARN's text and its ``Fn::Sub`` variables (``({text}, {})`` for a plain string)."""
    if isinstance(arn, str):
        return arn, {}
    sub = arn.get("Fn::Sub") if isinstance(arn, Mapping) else None
    if isinstance(sub, str):
        return sub, {}
    if isinstance(sub, list) and len(sub) == 2 and isinstance(sub[0], str) and isinstance(sub[1], Mapping):
        return sub[0], dict(sub[1])
    return None, {}


def _referenced(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` (``[id, attribute]`` or ``"id.attribute"``)
    names, else None."""
    if not isinstance(value, Mapping):
        return None
    attribute = value.get("Fn::GetAtt")
    target = value.get("Ref") or (
        attribute.split(".")[0] if isinstance(attribute, str) else (attribute or [None])[0]
    )
    return target if isinstance(target, str) else None


def _targets(value: Any) -> set[str]:
    """The logical ids ``value``'s ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` refer to."""
    if isinstance(value, list):
        return {t for v in value for t in _targets(v)}
    if not isinstance(value, Mapping):
        return set()
    found = {t for v in value.values() for t in _targets(v)}
    target = _referenced(value)
    if target is not None:
        found.add(target)
    sub = value.get("Fn::Sub")
    text = sub[0] if isinstance(sub, list) and sub else sub
    names = set(sub[1]) if isinstance(sub, list) and len(sub) > 1 and isinstance(sub[1], Mapping) else set()
    if isinstance(text, str):
        found |= {
            m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text) if m.split(".")[0] not in names
        }
    return found


def _intrinsics(value: Any) -> list[str]:
    """The CloudFormation references and ``${...}`` left in ``value``, as text."""
    if isinstance(value, Mapping):
        if len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref")):
            return [json.dumps(value)]
        return [found for v in value.values() for found in _intrinsics(v)]
    if isinstance(value, list):
        return [found for v in value for found in _intrinsics(v)]
    return re.findall(r"\$\{[^}]+\}", value) if isinstance(value, str) else []


def _runtime_constant(runtime: str) -> str:
    """``nodejs24.x`` -> ``NODEJS_24_X``, ``python3.14`` -> ``PYTHON_3_14`` (aws_lambda.Runtime)."""
    match = re.fullmatch(r"(python|nodejs)(\d+)(?:\.(\d+|x))?", runtime)
    assert match is not None, runtime
    language, major, minor = match.groups()
    return f"{language.upper()}_{major}_{(minor or 'x').upper()}"


def _environment(function: Function) -> dict[str, Any]:
    """The function's variables as strings (booleans as Serverless writes them), intrinsics kept."""
    return {
        str(k): v if isinstance(v, Mapping) else str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in function.environment.items()
    }


def _common_environment(functions: list[Function]) -> dict[str, Any]:
    """The variables every function has with the same value (two functions at least)."""
    if len(functions) < 2:
        return {}
    first, *others = [_environment(f) for f in functions]
    return {k: v for k, v in first.items() if all(o.get(k) == v for o in others)}


def _kwargs(options: Mapping[str, Any]) -> str:
    """``name=value, `` for each option that is set."""
    return "".join(
        f"{k}={v if isinstance(v, str) and v.startswith('cdk.') else repr(v)}, "
        for k, v in options.items()
        if v is not None
    )


def _seconds(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping):
        return None
    return f"cdk.Duration.seconds({int(value)})"


def _short(reference: Any) -> str:
    text = reference.get("Fn::Sub", "") if isinstance(reference, Mapping) else str(reference or "")
    return text.rsplit(":", 1)[-1] if isinstance(text, str) else ""


def _queue_name(queue: Any, app: ImportedApp) -> str | None:
    if isinstance(queue, Mapping):
        target = _referenced(queue)
        for resource in app.resources:
            if resource.logical_id == target:
                name = resource.properties.get("QueueName")
                return name if isinstance(name, str) else resource.logical_id
        return _short(queue) or None
    return _short(queue) or None


def _consumed_queues(app: ImportedApp) -> set[str]:
    """The logical ids of the source's queues that a function's SQS trigger reads."""
    found: set[str] = set()
    for function in app.functions:
        for trigger in function.triggers:
            target = _referenced(trigger.props.get("queue")) if trigger.kind == EventKind.SQS else None
            found.update(r.logical_id for r in app.resources if r.logical_id == target)
    return found


def write_app(app: ImportedApp, source_dir: Path, out_dir: Path) -> Written:
    """The files of the app that ``app`` becomes in ``out_dir`` (handlers stay in ``source_dir``)."""
    writer = _Writer(
        app,
        os.path.relpath(source_dir.resolve(), out_dir.resolve()).replace(os.sep, "/"),
        source_dir,
        out_dir,
    )
    app_py = writer.source()
    files_extra = dict(writer.files)
    notes = [*app.notes, *writer.notes]
    cdk_json = {"app": "python3 app.py", "context": {"@aws-cdk/core:validateAgainstDefaultRules": True}}
    files = {
        "app.py": app_py,
        "cdk.json": json.dumps(cdk_json, indent=2) + "\n",
        "requirements.txt": _requirements(),
    }
    mapping = {
        k.resource.logical_id: {_IMPORT_KEY[k.resource.type]: k.name}
        for k in writer.kept.values()
        if k.name
        and k.resource.type in _IMPORT_KEY
        and k.resource.type != "AWS::SQS::Queue"
        and k.resource.type != "AWS::SNS::Topic"
    }
    files.update(files_extra)
    for key in app.outputs:
        why = "outputs name the source's resources; add a cdk.CfnOutput of the pattern's attribute you need"
        notes.append(Note(f"Outputs.{key}", Status.NOT_MAPPED, "", why))
    files["IMPORT.md"] = _report(app, notes, writer.kept)
    if mapping:
        files["resource-mapping.json"] = json.dumps(mapping, indent=2) + "\n"
    return Written(files, notes)


def _requirements() -> str:
    from .._requirements import requirements_txt

    return requirements_txt()


def _report(app: ImportedApp, notes: list[Note], kept: Mapping[str, _Kept]) -> str:
    counts = {s: sum(1 for n in notes if n.status == s) for s in Status}
    lines = [
        f"# {app.name}: imported from {app.source} ({app.tool})",
        "",
        f"{counts[Status.MAPPED]} elements mapped, {counts[Status.APPROXIMATED]} approximated, {counts[Status.NOT_MAPPED]} not mapped.",
        "",
        "| element | status | became | why |",
        "|---|---|---|---|",
        *(
            f"| `{n.element}` | {n.status.value} | {n.became.replace('|', '/')} | {n.why.replace('|', '/')} |"
            for n in notes
        ),
        "",
    ]
    stateful = [k for k in kept.values() if k.resource.type in _IMPORT_KEY and k.name]
    if stateful:
        lines += [
            "## Moving the existing stateful resources into this stack",
            "",
            "The app keeps their physical names. To adopt the ones that exist instead of creating new ones, remove",
            "them from the old stack with a `DeletionPolicy: Retain` first, then import them:",
            "",
            "```bash",
            "serverless-patterns cdk import --resource-mapping resource-mapping.json",
            "```",
            "",
            *(f"- `{k.resource.logical_id}` ({k.resource.type}): `{k.name}`" for k in stateful),
            "",
        ]
    return "\n".join(lines)
