"""What each state of a definition uses, and the IAM actions that takes (no jsii).

The actions are those aws-cdk-lib's ``aws_stepfunctions_tasks`` grants for the same integration
(``DynamoPutItem``, ``SqsSendMessage``, ``EventBridgePutEvents``, ``StepFunctionsStartExecution``,
``CallAwsService``) and ``aws_stepfunctions`` grants for a Distributed Map's ``ItemReader`` and
``ResultWriter``; :func:`find_uses` reads them from the ASL, so a definition file gets the grants a
definition built with those classes would get. An integration it cannot map is :class:`Unmapped`:
the user grants it (``policies``) or the pattern refuses the definition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import asl
from .references import Reference, name_in, pseudo_free

__all__ = [
    "OPTIMIZED",
    "SDK_FIELDS",
    "Unmapped",
    "Use",
    "find_uses",
    "iam_action",
    "integration_of",
]

_INTEGRATION = re.compile(r"^arn:[^:]+:states:::(.+)$")
_SUFFIXES = (".sync:2", ".sync", ".waitForTaskToken")

# Optimized integrations: the kind of resource, the field of Parameters/Arguments naming it, and the
# IAM actions on it (aws-cdk-lib's taskPolicies for the same task).
OPTIMIZED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "lambda:invoke": ("function", "FunctionName", ("lambda:InvokeFunction",)),
    "sns:publish": ("topic", "TopicArn", ("sns:Publish",)),
    "dynamodb:getItem": ("table", "TableName", ("dynamodb:GetItem",)),
    "dynamodb:putItem": ("table", "TableName", ("dynamodb:PutItem",)),
    "dynamodb:updateItem": ("table", "TableName", ("dynamodb:UpdateItem",)),
    "dynamodb:deleteItem": ("table", "TableName", ("dynamodb:DeleteItem",)),
    "sqs:sendMessage": ("queue", "QueueUrl", ("sqs:SendMessage",)),
    "states:startExecution": ("state_machine", "StateMachineArn", ("states:StartExecution",)),
}
# The suffixes each optimized integration supports (aws-cdk-lib's SUPPORTED_INTEGRATION_PATTERNS).
_SUPPORTED_SUFFIXES = {
    "states:startExecution": ("", ".sync", ".sync:2", ".waitForTaskToken"),
    "events:putEvents": ("", ".waitForTaskToken"),
}
# Fields of an aws-sdk integration's Parameters that name a resource the pattern can bind.
SDK_FIELDS = {
    "FunctionName": "function",
    "TopicArn": "topic",
    "TableName": "table",
    "QueueUrl": "queue",
    "EventBusName": "bus",
    "StateMachineArn": "state_machine",
    "Bucket": "bucket",
}
# aws-cdk-lib's CallAwsService iamServiceMap: SDK service names whose IAM prefix differs.
_IAM_SERVICE = {"sfn": "states", "cloudwatchlogs": "logs"}
# A Distributed Map's readers and writer: the S3 action each calls and the IAM actions on it.
_ITEM_READERS = {
    "s3:listObjectsV2": (("s3:ListBucket",), "resource"),
    "s3:getObject": (("s3:GetObject",), "object"),
}
_RESULT_WRITER = (
    ("s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"),
    "objects",
)


@dataclass
class Use:
    """One resource a state uses, where the definition names it, and the IAM actions it takes."""

    state: str
    """Qualified state label, for messages."""
    field: str
    """Where the reference sits (``Parameters.TableName``), for messages."""
    kind: str
    """function, topic, table, queue, bus, state_machine or bucket."""
    integration: str
    """The integration (``dynamodb:putItem``, ``aws-sdk:s3:getObject``, ``map:itemReader``)."""
    actions: tuple[str, ...]
    """IAM actions the state takes on the resource."""
    reference: Reference | None = None
    """What the definition says; None for the account's default event bus."""
    container: dict[str, Any] | None = None
    """The object holding the reference, rewritten when it is bound."""
    key: str | None = None
    """The key of the reference in ``container``."""
    scope: str = "resource"
    """``resource`` (the resource's ARN), ``objects`` (every object of a bucket), ``object`` (the
    object named by ``object_key``) or ``executions`` (a state machine's executions)."""
    object_key: str | None = None
    """The literal S3 key of an ``object`` scope."""
    name: str | None = None
    """The resource name, once resolved."""
    attribute: str = ""
    """The attribute bound in place of the reference (``arn``, ``name``, ``url``); ``""`` for the
    field's own."""


@dataclass
class Unmapped:
    """A state whose integration the pattern cannot grant: the user's ``policies`` must."""

    state: str
    integration: str
    actions: tuple[str, ...] = ()
    """IAM actions it needs, when known."""
    service: str = ""
    """The IAM service prefix it needs actions of, when the actions are not known."""
    why: str = ""


@dataclass
class Found:
    uses: list[Use] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    distributed_maps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def integration_of(resource: str) -> tuple[str, str] | None:
    """``("dynamodb:putItem", ".sync")`` for a service-integration ARN, else None."""
    match = _INTEGRATION.match(pseudo_free(resource))
    if not match:
        return None
    rest = match.group(1)
    for suffix in _SUFFIXES:
        if rest.endswith(suffix):
            return rest[: -len(suffix)], suffix
    return rest, ""


def iam_action(service: str, action: str) -> str:
    """The IAM action of an ``aws-sdk:SERVICE:action`` integration, as aws-cdk-lib's CallAwsService
    derives it: ``aws-sdk:s3:getObject`` needs ``s3:GetObject``."""
    return f"{_IAM_SERVICE.get(service.lower(), service.lower())}:{action[:1].upper()}{action[1:]}"


def find_uses(definition: Mapping[str, Any]) -> Found:
    """Every resource every state uses, the integrations it cannot map, and the references that are
    not the form of anything."""
    found = Found()
    for label, state in asl.walk_states(definition):
        kind = state.get("Type")
        if kind == "Task":
            _task(label, state, found)
        elif kind == "Map":
            _map(label, state, found)
    return found


def _arguments(state: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    for key in ("Arguments", "Parameters"):
        value = state.get(key)
        if isinstance(value, dict):
            return key, value
    return "Parameters", {}


def _task(label: str, state: dict[str, Any], found: Found) -> None:
    resource = state.get("Resource")
    if not isinstance(resource, str):
        return
    integration = integration_of(resource)
    where, arguments = _arguments(state)
    if integration is None:
        if ":states:" in resource and ":activity:" in resource:
            return  # an activity: its workers call Step Functions, the state machine needs nothing
        reference = name_in("function", resource)
        if reference is None:
            found.problems.append(
                f"state {label!r}: Resource {resource!r} is neither a service integration "
                "(arn:aws:states:::SERVICE:ACTION) nor a Lambda function"
            )
            return
        found.uses.append(
            Use(
                label,
                "Resource",
                "function",
                "lambda",
                ("lambda:InvokeFunction",),
                reference,
                state,
                "Resource",
            )
        )
        return
    name, suffix = integration
    if name in OPTIMIZED:
        supported = _SUPPORTED_SUFFIXES.get(name, ("", ".waitForTaskToken"))
        if suffix not in supported:
            found.problems.append(
                f"state {label!r}: {name} does not support {suffix}; use one of "
                + ", ".join(f"arn:aws:states:::{name}{s}" for s in supported)
            )
            return
        kind, key, actions = OPTIMIZED[name]
        use = _field_use(label, where, arguments, key, kind, name, actions, found)
        if use is not None and name == "states:startExecution" and suffix.startswith(".sync"):
            found.uses.append(
                Use(
                    label,
                    f"{where}.{key}",
                    kind,
                    name + suffix,
                    ("states:DescribeExecution", "states:StopExecution"),
                    use.reference,
                    scope="executions",
                )
            )
            found.uses.append(
                Use(
                    label,
                    "",
                    "rule",
                    name + suffix,
                    ("events:PutTargets", "events:PutRule", "events:DescribeRule"),
                )
            )
    elif name == "events:putEvents":
        _put_events(label, where, arguments, found)
    elif name.startswith("aws-sdk:"):
        _sdk(label, name, where, arguments, found)
    else:
        service = name.split(":", 1)[0]
        found.unmapped.append(
            Unmapped(label, name + suffix, service=service, why="the pattern does not map this integration")
        )


def _field_use(
    label: str,
    where: str,
    arguments: dict[str, Any],
    key: str,
    kind: str,
    integration: str,
    actions: tuple[str, ...],
    found: Found,
    scope: str = "resource",
) -> Use | None:
    value = arguments.get(key)
    if f"{key}.$" in arguments or (isinstance(value, str) and value.strip().startswith("{%")):
        found.problems.append(
            f"state {label!r}: {where}.{key} is chosen at run time, so the pattern cannot bind or grant it; "
            f"name the {kind.replace('_', ' ')} in the definition"
        )
        return None
    if not isinstance(value, str):
        found.problems.append(
            f"state {label!r}: {where}.{key} must name the {kind.replace('_', ' ')}, got {value!r}"
        )
        return None
    reference = name_in(kind, value)
    if reference is None:
        found.problems.append(
            f"state {label!r}: {where}.{key} {value!r} is not a {kind.replace('_', ' ')} name, ARN or ${{Variable}}"
        )
        return None
    use = Use(label, f"{where}.{key}", kind, integration, actions, reference, arguments, key, scope)
    found.uses.append(use)
    return use


def _put_events(label: str, where: str, arguments: dict[str, Any], found: Found) -> None:
    entries = arguments.get("Entries")
    if not isinstance(entries, list):
        found.problems.append(
            f"state {label!r}: {where}.Entries must be a list of entries written in the definition, so the "
            "pattern can grant events:PutEvents on their buses"
        )
        return
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        if "EventBusName" not in entry and "EventBusName.$" not in entry:
            found.uses.append(
                Use(label, f"{where}.Entries[{index}]", "bus", "events:putEvents", ("events:PutEvents",))
            )
            continue
        _field_use(
            label,
            f"{where}.Entries[{index}]",
            entry,
            "EventBusName",
            "bus",
            "events:putEvents",
            ("events:PutEvents",),
            found,
        )


def _sdk(label: str, name: str, where: str, arguments: dict[str, Any], found: Found) -> None:
    parts = name.split(":")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        found.problems.append(f"state {label!r}: {name!r} is not aws-sdk:SERVICE:action")
        return
    action = iam_action(parts[1], parts[2])
    scope = "objects" if parts[1].lower() == "s3" and "Object" in action else "resource"
    before = len(found.uses)
    for key, kind in SDK_FIELDS.items():
        if key in arguments or f"{key}.$" in arguments:
            use = _field_use(label, where, arguments, key, kind, name, (action,), found, scope)
            if use is not None and scope == "objects" and isinstance(arguments.get("Key"), str):
                use.scope, use.object_key = "object", arguments["Key"]
    if len(found.uses) == before:
        found.unmapped.append(
            Unmapped(label, name, actions=(action,), why=f"its {where} name no resource the pattern can bind")
        )


def _map(label: str, state: dict[str, Any], found: Found) -> None:
    processor = state.get("ItemProcessor", state.get("Iterator"))
    config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
    if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED":
        found.distributed_maps.append((label, state))
    for part in ("ItemReader", "ResultWriter"):
        block = state.get(part)
        if not isinstance(block, dict):
            continue
        resource = block.get("Resource")
        integration = integration_of(resource) if isinstance(resource, str) else None
        where, arguments = _arguments(block)
        actions: tuple[str, ...]
        if part == "ItemReader" and integration is not None and integration[0] in _ITEM_READERS:
            actions, scope = _ITEM_READERS[integration[0]]
        elif part == "ResultWriter" and integration is not None and integration[0] == "s3:putObject":
            actions, scope = _RESULT_WRITER
        else:
            found.unmapped.append(
                Unmapped(
                    label, f"{part} {resource!r}", service="s3", why="the pattern does not map this reader"
                )
            )
            continue
        use = _field_use(
            label, f"{part}.{where}", arguments, "Bucket", "bucket", f"map:{part}", actions, found, scope
        )
        if use is not None and scope == "object" and not isinstance(arguments.get("Key"), str):
            use.scope = "objects"
        elif use is not None and scope == "object":
            use.object_key = arguments["Key"]
