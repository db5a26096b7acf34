"""Every form in which a definition names a resource, reduced to the resource's name (no jsii).

A definition copied from the AWS documentation, exported from the console or written for SAM names
the same function as ``arn:aws:lambda:us-west-2:123456789012:function:validateOrder``,
``arn:aws:lambda:REGION:ACCOUNT:function:validateOrder``,
``arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:validateOrder:$LATEST``,
``function:validateOrder``, ``validateOrder:live`` or ``${ValidateOrderArn}``. :func:`name_in` turns
each of them into the name ``validateOrder`` (or the substitution variable to look up), whatever the
partition, region and account say: the pattern binds by name, in its own stack's account and region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "KINDS",
    "PSEUDO_PARAMETERS",
    "Reference",
    "bare_name",
    "binding_name",
    "name_in",
    "pseudo_free",
    "variables_in",
]

# The kinds of resource a definition can name, with the word used in messages.
KINDS = {
    "function": "function",
    "topic": "topic",
    "table": "table",
    "queue": "queue",
    "bus": "event bus",
    "state_machine": "state machine",
    "bucket": "bucket",
}
# CloudFormation pseudo parameters, in ``${AWS::Region}`` form, that may sit inside an ARN.
PSEUDO_PARAMETERS = ("Partition", "Region", "AccountId", "URLSuffix", "StackName", "StackId")

_VARIABLE = re.compile(r"^\$\{([A-Za-z0-9_.:-]+)\}$")
_ANY_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = {
    "function": r"[A-Za-z0-9_-]{1,64}",
    "topic": r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?",
    "table": r"[A-Za-z0-9_.-]{3,255}",
    "queue": r"[A-Za-z0-9_-]{1,80}(?:\.fifo)?",
    "bus": r"[A-Za-z0-9/_.-]{1,256}",
    "state_machine": r"[A-Za-z0-9_-]{1,80}",
    "bucket": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]|[A-Za-z0-9_-]{1,63}",
}
# The service of each kind's ARN, and what comes between the account and the name.
_ARN = {
    "function": ("lambda", "function:"),
    "topic": ("sns", ""),
    "table": ("dynamodb", "table/"),
    "queue": ("sqs", ""),
    "bus": ("events", "event-bus/"),
    "state_machine": ("states", "stateMachine:"),
    "bucket": ("s3", ""),
}
# Suffixes of SAM-style substitution variables (``${OrdersTableName}``, ``${ValidateOrderArn}``).
_SUFFIXES = (
    "FunctionArn",
    "FunctionName",
    "TopicArn",
    "TopicName",
    "TableArn",
    "TableName",
    "QueueUrl",
    "QueueArn",
    "QueueName",
    "EventBusArn",
    "EventBusName",
    "BusArn",
    "BusName",
    "StateMachineArn",
    "StateMachineName",
    "BucketArn",
    "BucketName",
    "Arn",
    "Name",
    "Url",
    "Function",
    "Topic",
    "Table",
    "Queue",
    "EventBus",
    "Bus",
    "StateMachine",
    "Bucket",
)


@dataclass(frozen=True)
class Reference:
    """What one value of a definition names: a resource by ``name``, or a ``variable`` to look up."""

    name: str | None = None
    """The resource name the value holds (``validateOrder``)."""
    variable: str | None = None
    """The substitution variable the value is (``ValidateOrderArn`` for ``${ValidateOrderArn}``)."""


def name_in(kind: str, value: str) -> Reference | None:
    """What ``value`` names as a resource of ``kind``; None when it is no form of one."""
    whole = _VARIABLE.match(value)
    if whole and not whole.group(1).startswith("AWS::"):
        return Reference(variable=whole.group(1))
    name = _NAME[kind]
    plain = pseudo_free(value)
    if "${" in value and not plain.startswith("arn:"):
        return None  # a variable inside a name or URL: no form of a resource
    if plain.startswith("arn:"):
        parts = plain.split(":", 5)
        if len(parts) < 6:
            return None
        service, prefix = _ARN[kind]
        if parts[2] != service:
            return None
        rest = parts[5]
        if kind == "bucket":
            match = re.fullmatch(rf"({name})", rest) if not parts[3] and not parts[4] else None
        elif kind in ("function", "state_machine"):
            match = re.fullmatch(rf"{re.escape(prefix)}({name})(?::[A-Za-z0-9$_.-]+)?", rest)
        else:
            match = re.fullmatch(rf"{re.escape(prefix)}({name})", rest)
        return Reference(name=match.group(1)) if match else None
    if kind == "queue":
        url = re.fullmatch(rf"https://[^/]+/[^/]+/({name})", plain)
        if url:
            return Reference(name=url.group(1))
    if kind == "function":
        match = re.fullmatch(rf"(?:[^:]+:)?function:({name})(?::[A-Za-z0-9$_-]+)?", plain) or re.fullmatch(
            rf"({name})(?::[A-Za-z0-9$_-]+)?", plain
        )
        return Reference(name=match.group(1)) if match else None
    match = re.fullmatch(rf"({name})", plain)
    return Reference(name=match.group(1)) if match else None


def binding_name(variable: str, names: set[str]) -> tuple[str | None, str]:
    """The name in ``names`` that a substitution variable stands for, and the attribute it asks for
    (``arn``, ``name``, ``url`` or ``""`` for the field's own); None when no name fits.

    ``${validateOrder}``, ``${ValidateOrder}``, ``${ValidateOrderArn}`` and
    ``${ValidateOrderFunctionArn}`` all stand for ``validateOrder``.
    """
    candidates = [(variable, "")]
    for suffix in _SUFFIXES:
        if variable.endswith(suffix) and len(variable) > len(suffix):
            attribute = next((a for a in ("Arn", "Name", "Url") if suffix.endswith(a)), "")
            candidates.append((variable[: -len(suffix)], attribute.lower()))
    for candidate, attribute in candidates:
        if candidate in names:
            return candidate, attribute
        folded = [n for n in names if n.lower() == candidate.lower()]
        if len(folded) == 1:
            return folded[0], attribute
    return None, ""


def bare_name(variable: str) -> str:
    """A substitution variable without its SAM-style suffix: ``OrderNotificationsTopicArn`` is
    ``OrderNotifications``."""
    for suffix in _SUFFIXES:
        if variable.endswith(suffix) and len(variable) > len(suffix):
            return variable[: -len(suffix)]
    return variable


def variables_in(value: str) -> list[str]:
    """Every ``${...}`` variable in a string, pseudo parameters included (``AWS::Region``)."""
    return _ANY_VARIABLE.findall(value)


def pseudo_free(value: str) -> str:
    """``value`` with each ``${AWS::X}`` (which holds ``::``) replaced by the word ``X``."""
    return re.sub(r"\$\{AWS::([A-Za-z]+)\}", lambda m: m.group(1), value)
