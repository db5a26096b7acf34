"""ServiceApi's props checked before anything is built: every problem of every route, at once."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ...core.routes import Route, parse_routes
from ...errors import Problems, is_token
from . import props
from .templates import PLACEHOLDER

__all__ = ["key_schema", "route_problems"]

_SPEC_NAMES = ", ".join(t.__name__ for t in props.ROUTE_SPECS)
_NO_BODY = ("GET", "HEAD")
_BODY_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PARAMETER = re.compile(r"^[A-Za-z0-9!%&*+.^_`|~-]+$")
_LITERAL_FORBIDDEN = re.compile(r"[\"'\\$\x00-\x1f]")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_SOURCES = ("path", "querystring", "header", "body")


def route_problems(routes: object, problems: Problems) -> list[Route[props.RouteSpec]]:
    """The routes parsed from ``routes``; the problems of the map and of every spec go to ``problems``."""
    if not isinstance(routes, Mapping):
        problems.add(
            f"routes must be a mapping of 'METHOD /path' to a route spec, got {type(routes).__name__}"
        )
        return []
    parsed: list[Route[props.RouteSpec]] = []
    for route in parse_routes(routes, problems):
        if not isinstance(route.spec, props.ROUTE_SPECS):
            problems.add(
                f"routes[{route.key!r}] must be one of {_SPEC_NAMES}, got {type(route.spec).__name__}"
            )
            continue
        problems.extend(_spec_problems(route))
        parsed.append(route)
    return parsed


def _spec_problems(route: Route[props.RouteSpec]) -> list[str]:
    spec, label = route.spec, f"routes[{route.key!r}]"
    found = Problems()
    model = spec.request_model
    if model is not None:
        if route.method in _NO_BODY:
            found.add(f"{label}.request_model: a {route.method} request has no body to validate")
        elif not isinstance(model, Mapping):
            found.add(f"{label}.request_model must be a JSON schema (a dict), got {type(model).__name__}")
        else:
            try:
                json.dumps(model)
            except (TypeError, ValueError) as error:
                found.add(f"{label}.request_model must be JSON (a JSON schema), got {error}")
    for where, value in _values(spec):
        found.extend(_value_problems(f"{label}.{where}", value, route))
    found.extend(_resource_problems(spec, label))
    return list(found)


def _values(spec: props.RouteSpec) -> list[tuple[str, object]]:
    """Every value of the request a spec uses, with where it is given."""
    if isinstance(spec, props.PutItem):
        return [(f"item[{k!r}]", v) for k, v in _mapping(spec.item)]
    if isinstance(spec, props.GetItem | props.DeleteItem | props.Query):
        return [(f"key[{k!r}]", v) for k, v in _mapping(spec.key)]
    if isinstance(spec, props.SendMessage) and spec.message_group_id is not None:
        return [("message_group_id", spec.message_group_id)]
    return []


def _mapping(value: object) -> list[tuple[object, object]]:
    return list(value.items()) if isinstance(value, Mapping) else []


def _value_problems(label: str, value: object, route: Route[props.RouteSpec]) -> list[str]:
    found = Problems()
    params = route.path_parameters
    if isinstance(value, props.Param):
        if value.source not in _SOURCES:
            found.add(f"{label}.source must be one of {', '.join(_SOURCES)}, got {value.source!r}")
        elif value.source == "body":
            if route.method in _NO_BODY:
                found.add(f"{label}: a {route.method} request has no body, got Param.body({value.name!r})")
            elif not (isinstance(value.name, str) and _BODY_FIELD.match(value.name)):
                found.add(f"{label}: a body field is a dotted path of names (order.id), got {value.name!r}")
        elif value.source == "path" and value.name not in params:
            found.add(f"{label} uses the path parameter {{{value.name}}}, which {route.key!r} does not have")
        elif not (isinstance(value.name, str) and _PARAMETER.match(value.name)):
            found.add(f"{label}: a {value.source} parameter name must be a token, got {value.name!r}")
        found.boolean(f"{label}.number", value.number)
    elif isinstance(value, str):
        for name in PLACEHOLDER.findall(value):
            if name not in params:
                found.add(f"{label} uses the path parameter {{{name}}}, which {route.key!r} does not have")
        literal = PLACEHOLDER.sub("", value)
        if _LITERAL_FORBIDDEN.search(literal) or "{" in literal or "}" in literal:
            found.add(
                f"{label}: literal text may not hold quotes, backslashes, '$', braces other than a "
                f"{{path_parameter}} or control characters, got {value!r}"
            )
    else:
        found.add(f"{label} must be a string or a Param, got {type(value).__name__}")
    return list(found)


def key_schema(table: object) -> dict[str, bool] | None:
    """The key attributes of ``table`` in order (partition, then sort) and whether each is a
    number, when the table is a ``dynamodb.Table`` of this app; None otherwise."""
    from aws_cdk import aws_dynamodb as dynamodb

    if not isinstance(table, dynamodb.Table):
        return None
    schema = table.schema_v2()
    keys = [*schema.partition_keys, *(schema.sort_keys or [])]
    return {k.name: k.type == dynamodb.AttributeType.NUMBER for k in keys}


def _resource_problems(spec: props.RouteSpec, label: str) -> list[str]:
    found = Problems()
    if isinstance(spec, props.SendMessage):
        if spec.queue is not None and found.interface(
            f"{label}.queue", spec.queue, ("queue_arn",), "an sqs.IQueue"
        ):
            fifo = getattr(spec.queue, "fifo", False) is True
            if fifo and spec.message_group_id is None:
                found.add(f"{label}: the queue is FIFO, so message_group_id is required")
            if not fifo and spec.message_group_id is not None and _known_standard(spec.queue):
                found.add(f"{label}.message_group_id applies to FIFO queues only")
        elif spec.queue is None and spec.message_group_id is not None:
            found.add(
                f"{label}.message_group_id applies to FIFO queues only; the pattern's own queue is standard"
            )
    elif isinstance(spec, props.PutItem | props.GetItem | props.DeleteItem | props.Query):
        found.extend(_table_problems(spec, label))
    elif isinstance(spec, props.StartExecution | props.StartSyncExecution):
        machine = spec.state_machine
        if found.interface(f"{label}.state_machine", machine, ("state_machine_arn",), "an sfn.IStateMachine"):
            kind = _machine_type(machine)
            if isinstance(spec, props.StartSyncExecution) and kind not in (None, "EXPRESS"):
                found.add(f"{label}: StartSyncExecution runs EXPRESS state machines only, got a {kind} one")
    else:
        found.extend(_events_problems(spec, label))
    return list(found)


def _known_standard(queue: object) -> bool:
    from aws_cdk import aws_sqs as sqs

    return isinstance(queue, sqs.Queue)


def _machine_type(machine: object) -> str | None:
    from aws_cdk import aws_stepfunctions as sfn

    if not isinstance(machine, sfn.StateMachine):
        return None
    kind = machine.state_machine_type
    return None if kind is None else str(kind.value)


def _table_problems(
    spec: props.PutItem | props.GetItem | props.DeleteItem | props.Query, label: str
) -> list[str]:
    found = Problems()
    if not found.interface(f"{label}.table", spec.table, ("table_arn", "table_name"), "a dynamodb.ITable"):
        return list(found)
    given_name = "item" if isinstance(spec, props.PutItem) else "key"
    given: Any = spec.item if isinstance(spec, props.PutItem) else spec.key
    if not isinstance(given, Mapping) or not given:
        found.add(
            f"{label}.{given_name} must be a non-empty mapping of attribute name to value, got {given!r}"
        )
        return list(found)
    for name in given:
        found.require(
            isinstance(name, str) and 1 <= len(name) <= 255,
            f"{label}.{given_name}: attribute names must be strings of 1..255 characters, got {name!r}",
        )
    keys = key_schema(spec.table)
    if isinstance(spec, props.Query):
        found.require(len(given) == 1, f"{label}.key must name the partition key only, got {list(given)}")
        if spec.index is not None and not (isinstance(spec.index, str) and _INDEX_NAME.match(spec.index)):
            found.add(
                f"{label}.index must be an index name (3..255 of A-Z a-z 0-9 _ . -), got {spec.index!r}"
            )
        if spec.limit is not None:
            found.whole_number(f"{label}.limit", spec.limit, 1, 1000, "items")
        found.boolean(f"{label}.scan_forward", spec.scan_forward)
        if (
            keys is not None
            and spec.index is None
            and len(given) == 1
            and next(iter(given)) != next(iter(keys))
        ):
            found.add(
                f"{label}.key must name the table's partition key {next(iter(keys))!r}, got {list(given)}"
            )
    elif keys is not None:
        missing = [k for k in keys if k not in given]
        extra = [k for k in given if k not in keys] if given_name == "key" else []
        if missing or extra:
            found.add(f"{label}.{given_name} must give the table's key {list(keys)}, got {list(given)}")
    return list(found)


def _events_problems(spec: props.PutEvents, label: str) -> list[str]:
    found = Problems()
    if spec.bus is not None:
        found.interface(f"{label}.bus", spec.bus, ("event_bus_arn",), "an events.IEventBus")
    if found.string(f"{label}.source", spec.source, empty=False, max_length=256) and not is_token(
        spec.source
    ):
        found.require(
            not spec.source.startswith("aws."),
            f"{label}.source must not start with 'aws.' (reserved for AWS services), got {spec.source!r}",
        )
        found.require(
            _LITERAL_FORBIDDEN.search(spec.source) is None,
            f"{label}.source may not hold quotes, backslashes, '$' or control characters, got {spec.source!r}",
        )
    if found.string(f"{label}.detail_type", spec.detail_type, empty=False, max_length=128):
        found.require(
            is_token(spec.detail_type) or _LITERAL_FORBIDDEN.search(spec.detail_type) is None,
            f"{label}.detail_type may not hold quotes, backslashes, '$' or control characters, "
            f"got {spec.detail_type!r}",
        )
    return list(found)
