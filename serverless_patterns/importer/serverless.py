"""The Serverless Framework reader: a ``serverless.yml`` (v2, v3, v4) into an :class:`ImportedApp`.

Variables are resolved first (``variables.py``); then the provider's settings, which every function
inherits unless it sets its own; the functions and their ``events``; ``resources`` (``Resources``,
``Outputs``); the step functions plugin's ``stepFunctions``; Lift's ``constructs`` of type
``queue``; and the plugins, each noted with what replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .model import EventKind, Function, ImportedApp, Resource, Status, Trigger
from .variables import Resolver, sub_pseudo
from .yaml_files import load_file

__all__ = ["read_serverless"]

# What replaces each plugin that changes packaging, running or deploying.
PLUGINS = {
    "serverless-python-requirements": (
        Status.MAPPED,
        "bundling from requirements.txt (FunctionSpec.code), without Docker",
    ),
    "serverless-plugin-tracing": (Status.MAPPED, "X-Ray tracing, always on in the patterns"),
    "serverless-offline": (Status.MAPPED, "serverless-patterns dev (the local cloud)"),
    "serverless-dynamodb-local": (Status.MAPPED, "the local cloud's DynamoDB"),
    "serverless-step-functions": (Status.MAPPED, "OrchestratedPipeline (stepFunctions)"),
    "serverless-lift": (Status.MAPPED, "QueueWorker (constructs of type queue)"),
    "serverless-iam-roles-per-function": (Status.MAPPED, "one role per function, in every pattern"),
    "serverless-esbuild": (Status.MAPPED, "esbuild bundling of Node.js handlers"),
    "serverless-webpack": (Status.APPROXIMATED, "esbuild bundling of Node.js handlers (not webpack)"),
    "serverless-prune-plugin": (Status.MAPPED, "nothing to prune: versions are published by CDK"),
}

_SETTINGS = {  # function setting <- serverless key
    "memory_size": "memorySize",
    "timeout": "timeout",
    "architecture": "architecture",
    "reserved_concurrency": "reservedConcurrency",
    "description": "description",
}


def read_serverless(
    path: Path,
    *,
    stage: str | None = None,
    region: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ImportedApp:
    """The service of ``path``. Raises ``ValueError`` when it is not a serverless.yml."""
    raw = load_file(path)
    if not isinstance(raw, Mapping) or "service" not in raw:
        raise ValueError(f"{path.name}: not a Serverless Framework service (no 'service' key)")
    provider_raw = raw.get("provider") or {}
    stage = stage or _plain(provider_raw.get("stage")) or "dev"
    region = region or _plain(provider_raw.get("region")) or "us-east-1"
    resolver = Resolver(raw, path.parent, stage=stage, region=region, environ=environ, load=load_file)
    doc = resolver.resolve(raw)
    service = doc["service"]["name"] if isinstance(doc["service"], Mapping) else str(doc["service"])
    version = str(doc.get("frameworkVersion", "")).strip("'\"") or "unspecified"
    app = ImportedApp(service, f"serverless {version}", path.name, region, stage)
    provider = doc.get("provider") or {}
    _read_provider(app, provider)
    for name, spec in (doc.get("functions") or {}).items():
        _read_function(app, name, spec or {}, provider)
    _read_resources(app, doc.get("resources") or {})
    _read_step_functions(app, doc.get("stepFunctions") or {})
    _read_constructs(app, doc.get("constructs") or {}, provider)
    _read_plugins(app, doc.get("plugins") or [])
    for variable in resolver.unresolved:
        app.note(
            f"variable {variable}",
            Status.NOT_MAPPED,
            "",
            "cannot be resolved before a deployment; kept as written",
        )
    return app


def _plain(value: Any) -> str | None:
    """A setting that is a literal (not a variable), else None."""
    return value if isinstance(value, str) and "${" not in value else None


def _read_provider(app: ImportedApp, provider: Mapping[str, Any]) -> None:
    role = (provider.get("iam") or {}).get("role") or {}
    statements = (role.get("statements") if isinstance(role, Mapping) else None) or []
    statements = [*statements, *(provider.get("iamRoleStatements") or [])]
    app.statements = [sub_pseudo(s) for s in statements if isinstance(s, Mapping)]
    if isinstance(role, str) or provider.get("role"):
        app.note(
            "provider.iam.role", Status.APPROXIMATED, "one role per function", "a shared role is not kept"
        )
    for key, what in (
        ("logRetentionInDays", "the stage's log retention (one month prod, one week dev)"),
        ("tracing", "X-Ray tracing, always on"),
        ("vpc", "FunctionSpec(vpc=...): give the imported VPC by hand"),
        ("apiGateway", "the API patterns' stage settings (throttling, logs)"),
        ("deploymentBucket", "the CDK bootstrap bucket"),
    ):
        if key in provider:
            status = (
                Status.APPROXIMATED if key in ("vpc", "apiGateway", "logRetentionInDays") else Status.MAPPED
            )
            app.note(f"provider.{key}", status, what)


def _function_settings(spec: Mapping[str, Any], provider: Mapping[str, Any]) -> dict[str, Any]:
    """The function's settings, each its own or the provider's."""
    found = {field: spec.get(key, provider.get(key)) for field, key in _SETTINGS.items()}
    found["runtime"] = str(spec.get("runtime") or provider.get("runtime") or "nodejs18.x")
    found["environment"] = sub_pseudo(
        {**(provider.get("environment") or {}), **(spec.get("environment") or {})}
    )
    found["layers"] = [*(spec.get("layers") or provider.get("layers") or [])]
    return found


def _read_function(app: ImportedApp, name: str, spec: Mapping[str, Any], provider: Mapping[str, Any]) -> None:
    element = f"functions.{name}"
    if spec.get("image") or not spec.get("handler"):
        app.note(
            element,
            Status.NOT_MAPPED,
            "",
            "a container image function: the patterns deploy code from a directory",
        )
        return
    code_dir, handler = _split_handler(str(spec["handler"]))
    settings = _function_settings(spec, provider)
    function = Function(name, element, handler, code_dir, **settings)
    function.statements = [
        sub_pseudo(s) for s in spec.get("iamRoleStatements") or [] if isinstance(s, Mapping)
    ]
    http_api_cors = bool((provider.get("httpApi") or {}).get("cors"))
    for index, event in enumerate(spec.get("events") or []):
        trigger = _trigger(f"{element}.events[{index}]", event)
        if trigger.kind == EventKind.HTTP_API:
            trigger.props["cors"] = http_api_cors
        function.triggers.append(trigger)
        if trigger.kind == EventKind.OTHER:
            kind = next(iter(event)) if isinstance(event, Mapping) and event else str(event)
            app.note(trigger.element, Status.NOT_MAPPED, "", f"no pattern takes a {kind!r} event yet")
    app.functions.append(function)


def _split_handler(handler: str) -> tuple[str, str]:
    """The code directory and handler of ``src/handlers/get.handler``: the service's directory,
    which the framework packages whole, and the handler as written (Lambda reads the module's path)."""
    return ".", handler


def _trigger(element: str, event: Any) -> Trigger:
    if not isinstance(event, Mapping) or len(event) != 1:
        return Trigger(EventKind.OTHER, element)
    ((kind, value),) = event.items()
    read = _EVENTS.get(str(kind))
    if read is None:
        return Trigger(EventKind.OTHER, f"{element}.{kind}")
    event_kind, props = read(value)
    return Trigger(event_kind, f"{element}.{kind}", sub_pseudo(props))


def _http(value: Any) -> tuple[EventKind, dict[str, Any]]:
    if isinstance(value, str):
        method, _, path = value.partition(" ")
        value = {"method": method, "path": path}
    authorizer = value.get("authorizer")
    return EventKind.HTTP, {
        "method": _method(value.get("method")),
        "path": "/" + str(value.get("path", "")).strip("/"),
        "cors": bool(value.get("cors")),
        "authorizer": _authorizer(authorizer),
        "private": bool(value.get("private")),
    }


def _http_api(value: Any) -> tuple[EventKind, dict[str, Any]]:
    if isinstance(value, str):
        method, _, path = value.partition(" ") if value != "*" else ("*", "", "/{proxy+}")
        value = {"method": method, "path": path or "/{proxy+}"}
    return EventKind.HTTP_API, {
        "method": _method(value.get("method")),
        "path": "/" + str(value.get("path", "")).strip("/"),
        "cors": False,
        "authorizer": _authorizer(value.get("authorizer")),
        "private": False,
    }


def _method(method: Any) -> str:
    text = str(method or "ANY").upper()
    return "ANY" if text == "*" else text


def _authorizer(authorizer: Any) -> str | None:
    if authorizer is None:
        return None
    if isinstance(authorizer, str):
        return "iam" if authorizer == "aws_iam" else f"lambda:{authorizer}"
    if isinstance(authorizer, Mapping):
        if authorizer.get("type") in ("aws_iam", "AWS_IAM") or authorizer.get("type") == "iam":
            return "iam"
        if "arn" in authorizer and "cognito-idp" in str(authorizer["arn"]):
            return "cognito"
        return f"{str(authorizer.get('type') or 'lambda').lower()}:{authorizer.get('name', '')}".rstrip(":")
    return str(authorizer)


def _sqs(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = {"arn": value} if not isinstance(value, Mapping) else value
    return EventKind.SQS, {
        "queue": value.get("arn"),
        "batch_size": value.get("batchSize"),
        "batch_window": value.get("maximumBatchingWindow", value.get("batchWindow")),
        "max_concurrency": value.get("maximumConcurrency"),
        "report_failures": value.get("functionResponseType") == "ReportBatchItemFailures",
    }


def _sns(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = (
        {"arn" if str(value).startswith("arn:") else "topicName": value}
        if not isinstance(value, Mapping)
        else value
    )
    return EventKind.SNS, {
        "topic": value.get("arn") or value.get("topicName"),
        "filter_policy": value.get("filterPolicy"),
    }


def _s3(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = {"bucket": value} if not isinstance(value, Mapping) else value
    rules = {k: v for rule in value.get("rules") or [] if isinstance(rule, Mapping) for k, v in rule.items()}
    events = value.get("event") or "s3:ObjectCreated:*"
    return EventKind.S3, {
        "bucket": value.get("bucket"),
        "events": events if isinstance(events, list) else [events],
        "prefix": rules.get("prefix"),
        "suffix": rules.get("suffix"),
        "existing": bool(value.get("existing")),
    }


def _stream(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = {"arn": value} if not isinstance(value, Mapping) else value
    arn = value.get("arn")
    kind = value.get("type") or ("kinesis" if ":kinesis:" in str(arn) else "dynamodb")
    return EventKind.STREAM, {
        "type": str(kind),
        "arn": arn,
        "batch_size": value.get("batchSize"),
        "starting_position": value.get("startingPosition", "TRIM_HORIZON"),
        "batch_window": value.get("maximumBatchingWindow", value.get("batchWindow")),
    }


def _schedule(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = {"rate": value} if not isinstance(value, Mapping) else value
    rate = value.get("rate")
    return EventKind.SCHEDULE, {
        "expression": rate[0] if isinstance(rate, list) else rate,
        "enabled": value.get("enabled", True) is not False,
        "input": value.get("input"),
        "time_zone": value.get("timezone"),
    }


def _event_bridge(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = value if isinstance(value, Mapping) else {}
    if value.get("schedule") and not value.get("pattern"):
        return EventKind.SCHEDULE, {
            "expression": value["schedule"],
            "enabled": value.get("enabled", True) is not False,
            "input": value.get("input"),
            "time_zone": None,
        }
    return EventKind.EVENT_RULE, {
        "pattern": value.get("pattern") or {},
        "bus": value.get("eventBus"),
        "schedule": None,
    }


def _websocket(value: Any) -> tuple[EventKind, dict[str, Any]]:
    value = value if isinstance(value, Mapping) else {"route": value}
    authorizer = value.get("authorizer")
    if isinstance(authorizer, Mapping):
        sources = authorizer.get("identitySource") or []
        authorizer = {
            "name": authorizer.get("name"),
            "identity_source": [sources] if isinstance(sources, str) else list(sources),
        }
    elif isinstance(authorizer, str):
        authorizer = {"name": authorizer, "identity_source": []}
    return EventKind.WEBSOCKET, {"route": value.get("route"), "authorizer": authorizer}


_EVENTS: dict[str, Callable[[Any], tuple[EventKind, dict[str, Any]]]] = {
    "http": _http,
    "httpApi": _http_api,
    "sqs": _sqs,
    "sns": _sns,
    "s3": _s3,
    "stream": _stream,
    "schedule": _schedule,
    "eventBridge": _event_bridge,
    "websocket": _websocket,
}


def _read_resources(app: ImportedApp, resources: Mapping[str, Any]) -> None:
    if isinstance(resources, list):  # several fragments, merged as the framework does
        merged: dict[str, Any] = {}
        for part in resources:
            for key, value in (part or {}).items():
                merged.setdefault(key, {}).update(value or {})
        resources = merged
    for logical_id, resource in (resources.get("Resources") or {}).items():
        if isinstance(resource, Mapping) and "Type" in resource:
            properties = sub_pseudo(resource.get("Properties") or {})
            app.resources.append(
                Resource(logical_id, str(resource["Type"]), properties, f"resources.Resources.{logical_id}")
            )
    app.outputs = dict(resources.get("Outputs") or {})


def _read_step_functions(app: ImportedApp, step_functions: Mapping[str, Any]) -> None:
    for name, machine in (step_functions.get("stateMachines") or {}).items():
        element = f"stepFunctions.stateMachines.{name}"
        if not isinstance(machine, Mapping) or not isinstance(machine.get("definition"), Mapping):
            app.note(element, Status.NOT_MAPPED, "", "no definition to read")
            continue
        properties = {
            "Definition": machine["definition"],
            "StateMachineName": machine.get("name"),
            "Type": machine.get("type", "STANDARD"),
        }
        app.state_machines.append(Resource(name, "AWS::StepFunctions::StateMachine", properties, element))
        for index, _ in enumerate(machine.get("events") or []):
            app.note(
                f"{element}.events[{index}]",
                Status.NOT_MAPPED,
                "",
                "start it with grant_start_execution from your own trigger",
            )


def _read_constructs(app: ImportedApp, constructs: Mapping[str, Any], provider: Mapping[str, Any]) -> None:
    for name, construct in constructs.items():
        element = f"constructs.{name}"
        worker = (construct or {}).get("worker") if isinstance(construct, Mapping) else None
        if (
            not isinstance(construct, Mapping)
            or construct.get("type") != "queue"
            or not isinstance(worker, Mapping)
        ):
            kind = construct.get("type") if isinstance(construct, Mapping) else construct
            app.note(element, Status.NOT_MAPPED, "", f"Lift construct of type {kind!r}: only queue is mapped")
            continue
        code_dir, handler = _split_handler(str(worker.get("handler", "")))
        function = Function(
            f"{name}Worker", element, handler, code_dir, **_function_settings(worker, provider)
        )
        props = {
            "queue": {"lift": name},
            "batch_size": construct.get("batchSize"),
            "batch_window": construct.get("maxBatchingWindow"),
            "max_concurrency": construct.get("maxConcurrency"),
            "report_failures": True,
        }
        function.triggers.append(Trigger(EventKind.SQS, element, props))
        app.functions.append(function)


def _read_plugins(app: ImportedApp, plugins: Any) -> None:
    names = plugins.get("modules", []) if isinstance(plugins, Mapping) else plugins
    for name in names or []:
        status, what = PLUGINS.get(str(name), (Status.NOT_MAPPED, ""))
        app.note(f"plugins.{name}", status, what, "" if what else "no equivalent; review what it did")
