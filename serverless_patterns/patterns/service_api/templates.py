"""The mapping templates (VTL, as API Gateway runs them) of each route spec, written by the library.

:func:`integration_of` turns a spec into what its AWS integration needs: the service and its action
(or path), the request template that renders the service's request from the method request, the
response template that renders the method's answer from the service's, the request parameters the
method requires, and the one IAM statement its role holds (:class:`Access`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aws_cdk as cdk

from . import props

if TYPE_CHECKING:
    from aws_cdk import aws_sqs as sqs

__all__ = ["PLACEHOLDER", "Access", "Integration", "integration_of"]

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``{name}`` in a string value: the path parameter ``name``."""

# A value escaped for a JSON string: API Gateway's escapeJavaScript escapes ' as \', which JSON
# does not know, so it is turned back.
_UNQUOTE = '.replaceAll("\\\\\'", "\'")'
NOT_FOUND = '{"message": "Not found"}'


def _escaped(expression: str) -> str:
    return f"$util.escapeJavaScript({expression}){_UNQUOTE}"


@dataclass(frozen=True)
class Access:
    """The one statement of an integration's role: ``action`` on ``resources``, and the KMS
    actions on ``key_arn`` when the resource is encrypted with a customer managed key."""

    action: str
    resources: tuple[str, ...]
    key_arn: str | None = None
    key_actions: tuple[str, ...] = ()


@dataclass
class Integration:
    """What the AWS integration of one route is built from."""

    service: str
    request_template: str
    response_template: str
    access: Access
    action: str | None = None
    path: str | None = None
    request_parameters: dict[str, str] = field(default_factory=dict)
    """Integration request parameters (``integration.request.header.Content-Type``)."""
    required: set[str] = field(default_factory=set)
    """Method request parameters (``method.request.querystring.status``) the method requires."""


class _Values:
    """Renders values of the request into a template, noting the parameters they need and the
    ``#set`` lines of literal text that holds a ``#`` (which VTL would read as a directive)."""

    def __init__(self) -> None:
        self.required: set[str] = set()
        self.prelude: list[str] = []

    def expression(self, value: props.Param) -> str:
        """The VTL expression of a parameter or body field."""
        if value.source == "body":
            return "$input.path('$." + value.name + "')"
        self.required.add(f"method.request.{value.source}.{value.name}")
        return f"$input.params().{value.source}.get('{value.name}')"

    def text(self, value: str | props.Param, encode: str = "json") -> str:
        """``value`` as text inside a JSON string (``encode="json"``) or a form (``"url"``)."""
        wrap = _escaped if encode == "json" else (lambda e: f"$util.urlEncode({e})")
        if isinstance(value, props.Param):
            return wrap(self.expression(value))
        out, last = [], 0
        for found in PLACEHOLDER.finditer(value):
            out.append(self._literal(value[last : found.start()], encode))
            out.append(wrap(self.expression(props.Param.path(found.group(1)))))
            last = found.end()
        out.append(self._literal(value[last:], encode))
        return "".join(out)

    def _literal(self, text: str, encode: str) -> str:
        if encode == "url":
            text = _url(text)
        if "#" not in text:
            return text
        name = f"$literal{len(self.prelude)}"
        self.prelude.append(f"#set({name} = '{text}')")
        return name

    def attribute(self, value: str | props.Param, number: bool) -> str:
        """A DynamoDB attribute value: ``{"S": "..."}`` or ``{"N": "..."}``."""
        return '{"' + ("N" if number else "S") + '": "' + self.text(value) + '"}'

    def attributes(self, values: Mapping[str, str | props.Param], numbers: Mapping[str, bool]) -> str:
        return (
            "{"
            + ", ".join(
                f"{json.dumps(name)}: {self.attribute(value, numbers.get(name, False) or _number(value))}"
                for name, value in values.items()
            )
            + "}"
        )

    def template(self, body: str) -> str:
        return "\n".join([*self.prelude, body])


def _url(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.~" else f"%{ord(c):02X}" for c in text)


def _number(value: str | props.Param) -> bool:
    return isinstance(value, props.Param) and value.number


def _item_json(var: str) -> str:
    """VTL rendering the DynamoDB item ``$var`` as a plain JSON object: S, N, BOOL and NULL as
    JSON values, any other type (M, L, SS, NS, B) as null."""
    return (
        "{#foreach($name in $" + var + ".keySet())#set($value = $" + var + ".get($name))"
        '"' + _escaped("$name") + '": '
        "#if($value.containsKey('S'))\"" + _escaped("$value.S") + '"'
        "#elseif($value.containsKey('N'))$value.N"
        "#elseif($value.containsKey('BOOL'))$value.BOOL"
        "#elseif($value.containsKey('NULL'))null"
        "#else null#end"
        "#if($foreach.hasNext), #end#end}"
    )


def _table(
    spec: props.PutItem | props.GetItem | props.DeleteItem | props.Query,
    action: str,
    body: str,
    values: _Values,
) -> Integration:
    key = spec.table.encryption_key
    reads = action != "PutItem"
    resources = [spec.table.table_arn]
    if isinstance(spec, props.Query) and spec.index is not None:
        resources = [f"{spec.table.table_arn}/index/{spec.index}"]
    access = Access(
        f"dynamodb:{action}",
        tuple(resources),
        key.key_arn if key is not None else None,
        ("kms:Decrypt",) if reads else ("kms:GenerateDataKey", "kms:Decrypt"),
    )
    return Integration(
        "dynamodb",
        values.template(body),
        _RESPONSES[action],
        access,
        action=action,
        required=values.required,
    )


_RESPONSES = {
    "PutItem": "{}",
    "DeleteItem": "{}",
    "GetItem": (
        "#set($item = $input.path('$.Item'))\n"
        '#if("$!item" == "")#set($context.responseOverride.status = 404)'
        + NOT_FOUND
        + "#else"
        + _item_json("item")
        + "#end"
    ),
    "Query": (
        "{\"items\": [#foreach($item in $input.path('$.Items'))"
        + _item_json("item")
        + "#if($foreach.hasNext), #end#end], \"count\": $input.path('$.Count')}"
    ),
    "SendMessage": ('{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}'),
    "StartExecution": (
        '{"executionArn": "$input.path(\'$.executionArn\')", "startDate": $input.path(\'$.startDate\')}'
    ),
    "StartSyncExecution": (
        "#if($input.path('$.status') == \"SUCCEEDED\")$input.path('$.output')#else"
        "#set($context.responseOverride.status = 500)"
        '{"message": "The execution did not succeed", "status": "$input.path(\'$.status\')", '
        '"error": "' + _escaped("$input.path('$.error')") + '"}#end'
    ),
    "PutEvents": (
        "#if($input.path('$.FailedEntryCount') > 0)#set($context.responseOverride.status = 500)"
        '{"message": "The event was not accepted"}'
        '#else{"eventId": "$input.path(\'$.Entries[0].EventId\')"}#end'
    ),
}

_BODY = _escaped("$input.json('$')")


def integration_of(
    spec: props.RouteSpec, stack: cdk.Stack, key_numbers: Mapping[str, bool], queue: sqs.IQueue | None = None
) -> Integration:
    """The integration of ``spec`` in ``stack``. ``key_numbers``: which attributes of its table are numbers
    (from the table's key schema, when known); ``queue``: the queue of a ``SendMessage`` (the
    pattern's own when the spec names none)."""
    values = _Values()
    if isinstance(spec, props.SendMessage):
        return _send_message(spec, queue, values)
    if isinstance(spec, props.PutItem):
        body = '{"TableName": "' + spec.table.table_name + '", "Item": '
        return _table(spec, "PutItem", body + values.attributes(spec.item, key_numbers) + "}", values)
    if isinstance(spec, props.GetItem | props.DeleteItem):
        action = "GetItem" if isinstance(spec, props.GetItem) else "DeleteItem"
        body = '{"TableName": "' + spec.table.table_name + '", "Key": '
        return _table(spec, action, body + values.attributes(spec.key, key_numbers) + "}", values)
    if isinstance(spec, props.Query):
        return _query(spec, key_numbers, values)
    if isinstance(spec, props.StartExecution | props.StartSyncExecution):
        action = "StartExecution" if isinstance(spec, props.StartExecution) else "StartSyncExecution"
        arn = spec.state_machine.state_machine_arn
        body = '{"stateMachineArn": "' + arn + '", "input": "' + _BODY + '"}'
        return Integration(
            "states", body, _RESPONSES[action], Access(f"states:{action}", (arn,)), action=action
        )
    return _put_events(spec, stack, values)


def _send_message(spec: props.SendMessage, queue: sqs.IQueue | None, values: _Values) -> Integration:
    queue = spec.queue or queue
    assert queue is not None
    body = "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    if spec.message_group_id is not None:
        body += "&MessageGroupId=" + values.text(spec.message_group_id, "url")
    key = queue.encryption_master_key
    return Integration(
        "sqs",
        values.template(body),
        _RESPONSES["SendMessage"],
        Access(
            "sqs:SendMessage",
            (queue.queue_arn,),
            key.key_arn if key is not None else None,
            ("kms:GenerateDataKey", "kms:Decrypt"),
        ),
        path=f"{queue.env.account}/{queue.queue_name}",
        request_parameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        required=values.required,
    )


def _query(spec: props.Query, key_numbers: Mapping[str, bool], values: _Values) -> Integration:
    ((name, value),) = spec.key.items()
    parts = [
        f'"TableName": "{spec.table.table_name}"',
        '"KeyConditionExpression": "#key = :value"',
        f'"ExpressionAttributeNames": {{"#key": {json.dumps(name)}}}',
        '"ExpressionAttributeValues": {":value": '
        + values.attribute(value, key_numbers.get(name, False) or _number(value))
        + "}",
    ]
    if spec.index is not None:
        parts.append(f'"IndexName": {json.dumps(spec.index)}')
    if spec.limit is not None:
        parts.append(f'"Limit": {spec.limit}')
    if not spec.scan_forward:
        parts.append('"ScanIndexForward": false')
    return _table(spec, "Query", "{" + ", ".join(parts) + "}", values)


def _put_events(spec: props.PutEvents, stack: cdk.Stack, values: _Values) -> Integration:
    bus = spec.bus
    fields = f'"Source": {json.dumps(spec.source)}, "DetailType": {json.dumps(spec.detail_type)}'
    if bus is not None:
        arn = bus.event_bus_arn
        fields += f', "EventBusName": "{arn}"'
    else:
        arn = stack.format_arn(service="events", resource="event-bus", resource_name="default")
    body = '{"Entries": [{' + fields + ', "Detail": "' + _BODY + '"}]}'
    return Integration(
        "events",
        values.template(body),
        _RESPONSES["PutEvents"],
        Access("events:PutEvents", (arn,)),
        action="PutEvents",
    )
