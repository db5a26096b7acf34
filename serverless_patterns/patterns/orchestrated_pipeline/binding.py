"""Names in a definition resolved to what the user gave, then rebound to it.

:func:`resolve` (at validation, no resource is built yet) gives every :class:`~.integrations.Use`
the name it binds to, finds every other ``${Variable}`` of the definition, and reports each reference
that nothing binds in one line naming the state, the field and the names that could bind it.
:func:`bind` (once the functions and topics exist) writes a definition substitution in place of each
reference (``${Function_validateOrder}``, ``${Table_Orders}``), in the stack's partition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk

from . import asl
from .integrations import Found, Unmapped, Use, integration_of
from .references import KINDS, PSEUDO_PARAMETERS, bare_name, binding_name, variables_in

__all__ = ["FreeUse", "bind", "resolve", "resource_kind", "substitution_key"]

# The definition-substitution prefix of each kind (``Function_`` and ``Topic_`` as before).
PREFIX = {
    "function": "Function",
    "topic": "Topic",
    "table": "Table",
    "queue": "Queue",
    "bus": "EventBus",
    "state_machine": "StateMachine",
    "bucket": "Bucket",
}
# The attribute a reference in an integration's own field binds to (what aws-cdk-lib's task renders).
FIELD_ATTRIBUTE = {
    "function": "arn",
    "topic": "arn",
    "table": "name",
    "queue": "url",
    "bus": "arn",
    "state_machine": "arn",
    "bucket": "name",
}
_NESTED = ("States", "Branches", "ItemProcessor", "Iterator")


@dataclass
class FreeUse:
    """A ``${Variable}`` outside an integration's field (a Message, an ARN in a Comment) that names a
    resource; bound to the resource's attribute, granted nothing."""

    container: dict[str, Any] | list[Any]
    key: Any
    variable: str
    kind: str
    name: str
    attribute: str


def resource_kind(resource: Any) -> str | None:
    """The kind of a resource the user passes (jsii interfaces are not runtime-checkable)."""
    for attribute, kind in (
        ("table_name", "table"),
        ("queue_url", "queue"),
        ("event_bus_arn", "bus"),
        ("state_machine_arn", "state_machine"),
        ("bucket_name", "bucket"),
        ("topic_arn", "topic"),
        ("function_arn", "function"),
    ):
        if hasattr(resource, attribute):
            return kind
    return None


def resolve(
    definition: dict[str, Any],
    found: Found,
    names: Mapping[str, set[str]],
    substitutions: Mapping[str, Any],
    problems: list[str],
    *,
    default_topic: bool,
) -> list[FreeUse]:
    """Gives each use of ``found`` its name among ``names`` (kind to the names given); a use through a
    user substitution becomes :class:`Unmapped`. Returns the other variables that name a resource."""
    fields = {(id(u.container), u.key) for u in found.uses if u.container is not None}
    kept: list[Use] = []
    through_substitution: set[tuple[str, str]] = set()
    for use in found.uses:
        reference = use.reference
        if reference is None:
            if use.kind in ("bus", "rule"):
                kept.append(use)  # the account's default bus; the .sync managed rule
            continue
        given = names.get(use.kind, set())
        word = KINDS[use.kind]
        if reference.variable is not None:
            if reference.variable in substitutions:
                if (use.state, reference.variable) not in through_substitution:
                    through_substitution.add((use.state, reference.variable))
                    found.unmapped.append(
                        Unmapped(
                            use.state,
                            use.integration,
                            actions=use.actions,
                            why=f"its {use.field} is the substitution ${{{reference.variable}}}, not a "
                            "resource the pattern knows",
                        )
                    )
                continue
            name, attribute = binding_name(reference.variable, given)
            if name is None and use.kind == "topic" and default_topic:
                name, attribute = bare_name(reference.variable), ""  # the pattern's notification topic
            if name is None:
                problems.append(
                    f"state {use.state!r}: {use.field} ${{{reference.variable}}} binds to no {word}; "
                    f"could bind it: {_could(use.kind, given)} or substitutions={{{reference.variable!r}: ...}}"
                )
                continue
            use.name, use.attribute = name, attribute
        else:
            use.name = reference.name
            if use.name not in given and not (use.kind == "topic" and default_topic):
                problems.append(
                    f"state {use.state!r}: {use.field} names {word} {use.name!r}, which is not given; "
                    f"could bind it: {_could(use.kind, given)}"
                )
                continue
        kept.append(use)
    # The .sync managed rule goes with its startExecution: not granted when that one is not.
    started = {u.state for u in kept if u.kind == "state_machine"}
    found.uses[:] = [u for u in kept if u.kind != "rule" or u.state in started]
    return _free_variables(definition, fields, names, substitutions, problems)


def _could(kind: str, given: set[str]) -> str:
    prop = "functions" if kind == "function" else "resources"
    if kind == "topic":
        prop = "topics or resources"
    listed = ", ".join(repr(n) for n in sorted(given)) if given else "none given"
    return f"{prop} ({listed})"


def _free_variables(
    definition: dict[str, Any],
    fields: set[tuple[int, Any]],
    names: Mapping[str, set[str]],
    substitutions: Mapping[str, Any],
    problems: list[str],
) -> list[FreeUse]:
    every = {n: k for k, ns in names.items() for n in ns}
    free: list[FreeUse] = []
    for label, state in asl.walk_states(definition):
        for path, container, key, value in _strings(state, ""):
            if (id(container), key) in fields:
                continue
            for variable in variables_in(value):
                if variable.startswith("AWS::") and variable[5:] in PSEUDO_PARAMETERS:
                    continue
                if variable in substitutions:
                    continue
                name, attribute = binding_name(variable, set(every))
                if name is None:
                    given = ", ".join(sorted(every)) or "none"
                    problems.append(
                        f"state {label!r}: {path} ${{{variable}}} is bound by nothing; could bind it: "
                        f"substitutions={{{variable!r}: ...}} or a resource or function named after it ({given})"
                    )
                    continue
                free.append(FreeUse(container, key, variable, every[name], name, attribute or "arn"))
    return free


def _strings(value: Any, path: str) -> Iterator[tuple[str, Any, Any, str]]:
    """Every string inside a state (nested states excepted), with its path, container and key."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _NESTED and path == "":
                continue
            where = f"{path}.{key}" if path else str(key)
            if isinstance(item, str):
                yield where, value, key, item
            else:
                yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            if isinstance(item, str):
                yield where, value, index, item
            else:
                yield from _strings(item, where)


def substitution_key(kind: str, name: str, attribute: str = "") -> str:
    """The definition substitution of a resource's attribute: ``Function_validateOrder``,
    ``Table_Orders``, ``Table_Orders_Arn``."""
    key = f"{PREFIX[kind]}_{_key(name)}"
    if attribute and attribute != FIELD_ATTRIBUTE[kind]:
        key += f"_{attribute.capitalize()}"
    return key


def bind(
    definition: dict[str, Any],
    uses: list[Use],
    free: list[FreeUse],
    value_of: Callable[[str, str, str], str],
    user_substitutions: Mapping[str, str],
) -> dict[str, str]:
    """Points every reference at what the pattern built or was given, through definition
    substitutions; ``value_of(kind, name, attribute)`` is the value (a token) of each.

    Service-integration ARNs and ``${AWS::...}`` pseudo parameters become substitutions in the
    stack's partition, region and account. Returns every substitution, the user's included.
    """
    substitutions: dict[str, str] = {}

    def put(kind: str, name: str, attribute: str) -> str:
        key = substitution_key(kind, name, attribute)
        if key not in substitutions:
            substitutions[key] = value_of(kind, name, attribute or FIELD_ATTRIBUTE[kind])
        return "${" + key + "}"

    for use in uses:
        if use.container is not None and use.key is not None and use.name is not None:
            use.container[use.key] = put(use.kind, use.name, use.attribute)
    for item in free:
        text = item.container[item.key]
        item.container[item.key] = text.replace(
            "${" + item.variable + "}", put(item.kind, item.name, item.attribute)
        )
    _partition_neutral(definition, substitutions)
    _pseudo_parameters(definition, substitutions)
    substitutions.update(user_substitutions)
    return substitutions


def _partition_neutral(definition: dict[str, Any], substitutions: dict[str, str]) -> None:
    """Every service-integration ARN (a Task's, a Distributed Map's reader and writer) in the stack's
    partition, whatever partition the definition was written for."""
    for _label, state in asl.walk_states(definition):
        holders = [state, state.get("ItemReader"), state.get("ResultWriter")]
        for holder in holders:
            if not isinstance(holder, dict) or not isinstance(holder.get("Resource"), str):
                continue
            integration = integration_of(holder["Resource"])
            if integration is None:
                continue
            action = "".join(integration)
            key = f"States_{_key(action)}"
            substitutions[key] = f"arn:{cdk.Aws.PARTITION}:states:::{action}"
            holder["Resource"] = "${" + key + "}"


_PSEUDO = re.compile(r"\$\{AWS::(" + "|".join(PSEUDO_PARAMETERS) + r")\}")
# The pseudo parameter each name stands for, as ``cdk.Aws`` names it: read from jsii when a
# definition uses one (a round trip each), not when the module is imported.
_PSEUDO_ATTRIBUTES = {
    "Partition": "PARTITION",
    "Region": "REGION",
    "AccountId": "ACCOUNT_ID",
    "URLSuffix": "URL_SUFFIX",
    "StackName": "STACK_NAME",
    "StackId": "STACK_ID",
}


def _pseudo_parameters(definition: dict[str, Any], substitutions: dict[str, str]) -> None:
    """``${AWS::Region}`` and its kind, left in strings, as substitutions (``${AWS_Region}``)."""
    for _label, state in asl.walk_states(definition):
        for _path, container, key, value in list(_strings(state, "")):
            if "${AWS::" not in value:
                continue

            def replace(match: re.Match[str]) -> str:
                token: str = getattr(cdk.Aws, _PSEUDO_ATTRIBUTES[match.group(1)])
                substitutions[f"AWS_{match.group(1)}"] = token
                return "${AWS_" + match.group(1) + "}"

            container[key] = _PSEUDO.sub(replace, value)


def _key(name: str) -> str:
    """The part of a definition substitution a name becomes (``Load-Data`` -> ``Load_Data``)."""
    return re.sub(r"[^A-Za-z0-9]", "_", name)


def key_twins(names: Sequence[object]) -> list[tuple[str, str]]:
    """Pairs of different names that become the same substitution (``Load-Data``, ``Load_Data``),
    which would bind both to one resource."""
    first: dict[str, str] = {}
    twins = []
    for name in names:
        if not isinstance(name, str):
            continue
        seen = first.setdefault(_key(name), name)
        if seen != name and (seen, name) not in twins:
            twins.append((seen, name))
    return twins
