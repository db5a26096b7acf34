"""What an imported service is, whichever tool wrote it: the functions with their triggers, the
resources, the IAM statements, and a report line for every element read.

The Serverless Framework reader (``serverless.py``) and the SAM reader (``sam.py``) both produce an
:class:`ImportedApp`; the planner (``plan.py``) maps it onto the patterns, and the writer
(``writer.py``) writes the CDK app and its report. Values are plain data (strings, numbers, lists,
dicts); CloudFormation intrinsic functions stay as their dicts (``{"Ref": "UsersTable"}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "EventKind",
    "Function",
    "ImportedApp",
    "Note",
    "Resource",
    "Status",
    "Trigger",
]


class Status(StrEnum):
    """What became of one element of the source."""

    MAPPED = "mapped"
    """Carried over with the same meaning."""
    APPROXIMATED = "approximated"
    """Carried over with a difference the report explains."""
    NOT_MAPPED = "not mapped"
    """Left out; the report says why."""


@dataclass(frozen=True)
class Note:
    """One line of the report."""

    element: str
    """Where in the source (``functions.getUser.events[0].httpApi``, ``Resources.UsersTable``)."""
    status: Status
    became: str
    """What it became (``ApiToLambda "Api", route 'GET /api/users/{id}'``), empty when not mapped."""
    why: str = ""
    """The difference or the reason (empty when mapped as it is)."""


class EventKind(StrEnum):
    """The triggers a function can have, by what the patterns make of them."""

    HTTP = "http"
    """An API Gateway REST API route (Serverless ``http``, SAM ``Api``)."""
    HTTP_API = "httpApi"
    """An API Gateway HTTP API route (Serverless ``httpApi``, SAM ``HttpApi``)."""
    SQS = "sqs"
    SNS = "sns"
    S3 = "s3"
    STREAM = "stream"
    """A DynamoDB or Kinesis stream (``props["type"]``: ``dynamodb`` or ``kinesis``)."""
    SCHEDULE = "schedule"
    """A schedule expression (``rate(...)``, ``cron(...)``, ``at(...)``)."""
    EVENT_RULE = "eventBridge"
    """An EventBridge rule: ``props["pattern"]``, ``props["bus"]``."""
    WEBSOCKET = "websocket"
    OTHER = "other"
    """Any other trigger: reported as not mapped."""


@dataclass
class Trigger:
    """One trigger of a function, its props normalised across the tools:

    - http / httpApi: ``method`` (upper case, ``ANY`` for any), ``path`` (``/users/{id}``),
      ``cors`` (bool), ``authorizer`` (a description, or None), ``private`` (API key);
    - sqs: ``queue`` (an ARN, a ``Fn::GetAtt``/``Ref`` dict, or a name), ``batch_size``,
      ``batch_window`` (seconds), ``max_concurrency``, ``report_failures`` (bool);
    - sns: ``topic`` (an ARN, a dict or a name), ``filter_policy``;
    - s3: ``bucket`` (a name or a dict), ``events`` (list), ``prefix``, ``suffix``, ``existing``;
    - stream: ``type``, ``arn``, ``batch_size``, ``starting_position``, ``batch_window``;
    - schedule: ``expression``, ``enabled``, ``input``, ``time_zone``;
    - eventBridge: ``pattern`` (dict), ``bus`` (name or ARN, None for default), ``schedule``;
    - websocket: ``route``.
    """

    kind: EventKind
    element: str
    """Where in the source."""
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Function:
    """One function of the source, its settings resolved (function over provider/Globals)."""

    name: str
    """Its key in the source (``getUser``, ``GetUserFunction``)."""
    element: str
    handler: str
    """``module.function`` relative to ``code_dir`` (``getUser.handler``)."""
    code_dir: str
    """The directory, relative to the source file's, that holds the handler module (``src/handlers``)."""
    runtime: str
    memory_size: int | None = None
    timeout: int | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    architecture: str | None = None
    """``arm64`` or ``x86_64``; None for the library's default."""
    layers: list[Any] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    """IAM statements of this function only (SAM ``Policies``, per-function roles)."""
    triggers: list[Trigger] = field(default_factory=list)
    reserved_concurrency: int | None = None
    deployment: str | None = None
    """A SAM ``DeploymentPreference`` type (``Canary10Percent5Minutes``...), None when not given."""
    description: str | None = None


@dataclass
class Resource:
    """A CloudFormation resource the source declares (``resources.Resources``, SAM resources)."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    element: str


@dataclass
class ImportedApp:
    """A service read from a serverless.yml or a SAM template."""

    name: str
    """The service (Serverless ``service``) or the template's file stem."""
    tool: str
    """``serverless`` (with its ``frameworkVersion``) or ``sam``."""
    source: str
    """The source file's name."""
    region: str | None
    stage: str | None
    functions: list[Function] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    """IAM statements every function's role has (Serverless ``provider.iam.role.statements``)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    state_machines: list[Resource] = field(default_factory=list)
    """State machines (Serverless ``stepFunctions``, ``AWS::Serverless::StateMachine``) with their
    ASL definition under ``properties["Definition"]``."""
    notes: list[Note] = field(default_factory=list)
    """What the reader made of every element it read, and what it left out."""

    def note(self, element: str, status: Status, became: str, why: str = "") -> None:
        self.notes.append(Note(element, status, became, why))
