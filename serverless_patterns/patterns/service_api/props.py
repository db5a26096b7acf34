"""What a route of a ServiceApi does: one AWS service action, declared as a dataclass; the library
writes its mapping templates (``templates.py``) and its role's one statement (``pattern.py``).

A value taken from the request is a :class:`Param` (``Param.path("id")``, ``Param.body("total")``),
or a string: literal text in which ``{name}`` stands for the path parameter ``name``
(``"ORDER#{id}"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_events as events
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn

__all__ = [
    "DeleteItem",
    "GetItem",
    "Param",
    "PutEvents",
    "PutItem",
    "Query",
    "SendMessage",
    "StartExecution",
    "StartSyncExecution",
]


@dataclass(frozen=True)
class Param:
    """A value of the request. Build one with the class methods."""

    source: str
    """path, querystring, header or body."""
    name: str
    """The parameter's name, or the body field's dotted path (``customer.id``)."""
    number: bool = False
    """A DynamoDB number (``N``) rather than a string (``S``); a key attribute takes the table's
    type when the table is a ``dynamodb.Table`` of this app. Default: False"""

    @classmethod
    def path(cls, name: str, *, number: bool = False) -> Param:
        """The path parameter ``name`` (``{name}`` in the route's path)."""
        return cls("path", name, number)

    @classmethod
    def query(cls, name: str, *, number: bool = False) -> Param:
        """The query string parameter ``name``; the method then requires it."""
        return cls("querystring", name, number)

    @classmethod
    def header(cls, name: str, *, number: bool = False) -> Param:
        """The header ``name``; the method then requires it."""
        return cls("header", name, number)

    @classmethod
    def body(cls, field: str, *, number: bool = False) -> Param:
        """The field of the JSON body at the dotted path ``field`` (``order.id``)."""
        return cls("body", field, number)


@dataclass(frozen=True)
class _Route:
    """What every route spec takes."""

    _: KW_ONLY
    request_model: Mapping[str, Any] | None = None
    """A JSON schema (draft 4) the request body must match; API Gateway answers 400
    ``{"message": "Invalid request body"}`` to a body that does not. Default: - the body is not validated"""


@dataclass(frozen=True)
class SendMessage(_Route):
    """``sqs:SendMessage``: the request body becomes the message."""

    queue: sqs.IQueue | None = None
    """The queue. Default: - the pattern's own queue, with its dead-letter queue"""
    message_group_id: str | Param | None = None
    """The message group of a FIFO queue (required by one). Default: - none (a standard queue)"""


@dataclass(frozen=True)
class PutItem(_Route):
    """``dynamodb:PutItem``: an item built from ``item``, replacing any with the same key."""

    table: dynamodb.ITable
    """The table."""
    item: Mapping[str, str | Param]
    """Attribute name to value; the key attributes among them."""


@dataclass(frozen=True)
class GetItem(_Route):
    """``dynamodb:GetItem``: the item of ``key`` as a JSON object, or 404 ``{"message": "Not found"}``."""

    table: dynamodb.ITable
    """The table."""
    key: Mapping[str, str | Param]
    """Key attribute name to value (``{"pk": "{id}"}``)."""


@dataclass(frozen=True)
class DeleteItem(_Route):
    """``dynamodb:DeleteItem``: deletes the item of ``key`` (answers 200 whether it existed or not)."""

    table: dynamodb.ITable
    """The table."""
    key: Mapping[str, str | Param]
    """Key attribute name to value (``{"pk": "{id}"}``)."""


@dataclass(frozen=True)
class Query(_Route):
    """``dynamodb:Query``: the items whose partition key is the value given, as
    ``{"items": [...], "count": n}``."""

    table: dynamodb.ITable
    """The table."""
    key: Mapping[str, str | Param]
    """The partition key attribute (of the table, or of ``index``) and its value; exactly one entry."""
    index: str | None = None
    """A global or local secondary index to query. Default: - the table"""
    limit: int | None = None
    """Items at most, 1..1000. Default: - DynamoDB's (up to 1 MB of items)"""
    scan_forward: bool = True
    """Sort key order: ascending (True) or descending. Default: True"""


@dataclass(frozen=True)
class StartExecution(_Route):
    """``states:StartExecution``: the request body is the input; answers ``{"executionArn", "startDate"}``."""

    state_machine: sfn.IStateMachine
    """The state machine (STANDARD or EXPRESS)."""


@dataclass(frozen=True)
class StartSyncExecution(_Route):
    """``states:StartSyncExecution``: runs an EXPRESS state machine with the request body as input
    and answers its output (500 ``{"message", "error"}`` when the execution fails)."""

    state_machine: sfn.IStateMachine
    """The state machine; it must be EXPRESS."""


@dataclass(frozen=True)
class PutEvents(_Route):
    """``events:PutEvents``: the request body becomes the detail of one event; answers ``{"eventId"}``."""

    bus: events.IEventBus | None = None
    """The event bus. Default: - the account's default bus"""
    source: str = "serverless-patterns.service-api"
    """The events' source. Default: serverless-patterns.service-api"""
    detail_type: str = "Request"
    """The events' detail type. Default: Request"""


RouteSpec = (
    SendMessage | PutItem | GetItem | DeleteItem | Query | StartExecution | StartSyncExecution | PutEvents
)
"""Any route spec."""
ROUTE_SPECS: tuple[type[RouteSpec], ...] = get_args(RouteSpec)
"""The route spec classes, in the order of :data:`RouteSpec`."""
