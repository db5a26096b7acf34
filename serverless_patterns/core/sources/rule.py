"""RuleSource: an EventBridge rule with an event pattern, on the account's default bus, a named bus or
another account's bus, targeting a pattern function's ``live`` alias.

The target retries delivery with its own retry policy and parks what it could not deliver in a
dead-letter queue (the shared :func:`~..queue.parking_queue`) whose policy lets this rule, and
nothing else, send to it. The function may be invoked by this rule only (``lambda:InvokeFunction``
for ``events.amazonaws.com`` on the alias, with the rule as source ARN).

The rule and its target are plain values that cross into jsii once (``events.CfnRule``), as
aws-cdk-lib's ``Rule`` with ``targets.LambdaFunction`` renders them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ... import event_shapes
from ...errors import Problems, is_token
from ..monitoring import AlarmKindSpec, Graph, Monitoring, register_alarm_kind
from .base import Binding, SourceAlarm, SourceTarget
from .delivery import (
    DEFAULT_MAX_EVENT_AGE_SECONDS,
    DEFAULT_RETRY_ATTEMPTS,
    DeadLetters,
    DeliveringSource,
    invoked_function,
    retry_problems,
)
from .filters import EVENTBRIDGE, entries, values_problems

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_MAX_EVENT_AGE_SECONDS",
    "DEFAULT_RETRY_ATTEMPTS",
    "FAILED_INVOCATIONS",
    "RuleSource",
    "event_pattern_problems",
    "retry_problems",
]

FAILED_INVOCATIONS = register_alarm_kind(
    "failed_invocations",
    AlarmKindSpec(
        "Sum",
        5,
        1,
        "{subject}: {threshold:g} or more invocations failed permanently in 5 minutes",
        about_code=False,
        default_threshold=1,
    ),
)
"""A rule's ``FailedInvocations``: events EventBridge could not deliver to the function (a permission
or a missing alias), whatever version runs. Delivery, not the new code: it notifies only."""

# The fields of an EventBridge event a pattern may match, and the one that holds nested fields.
_EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
_NESTED = "detail"
_SAMPLE_ACCOUNT = "123456789012"
_SAMPLE_REGION = "us-east-1"


@dataclass(frozen=True, kw_only=True)
class RuleSource(DeliveringSource):
    """An EventBridge rule (``resources["rule"]``, an ``events.CfnRule``) matching ``event_pattern``
    on ``event_bus``, whose one target is the function's ``live`` alias, with a retry policy and a
    dead-letter queue (``resources["dead_letter_queue"]``) only this rule may send to; the function
    may be invoked by this rule (``resources["permission"]``).

    Its alarms, on the rule's ``FailedInvocations`` and the dead-letter queue's depth, report
    delivery and data at rest: they notify and never roll a canary back.
    """

    event_pattern: Mapping[str, Any]
    """The EventBridge event pattern, as EventBridge spells it (``{"source": ["com.example.orders"],
    "detail-type": ["OrderPlaced"], "detail": {"total": [{"numeric": [">", 100]}]}}``): a non-empty
    mapping of event fields to lists of values or content filters; ``detail`` may nest."""
    event_bus: events.IEventBus | None = None
    """The bus the rule is on: your own (``events.EventBus``) or another account's, imported with
    ``events.EventBus.from_event_bus_arn`` (its policy must let this account manage rules on it).
    Default: - the account's default event bus"""

    # ------------------------------------------------------------------ validation
    def _own_problems(self, at: str, found: Problems) -> None:
        """The event pattern and the bus (the retry policy: :class:`DeliveringSource`)."""
        found.extend(event_pattern_problems(f"{at}event_pattern", self.event_pattern))
        if self.event_bus is not None:
            found.interface(
                f"{at}event_bus", self.event_bus, ("event_bus_arn", "event_bus_name"), "an events.IEventBus"
            )

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds ``Resource`` (the rule), ``DeadLetterQueue`` and ``InvokePermission`` in ``scope``."""
        alias_arn = invoked_function(self, target).alias.function_arn
        dead_letters = DeadLetters.build(
            scope, invoker="EventBridge rule", title=target.title, what="events", by="EventBridge"
        )
        queue_arn = dead_letters.queue.queue_arn
        bus = self.event_bus
        rule = events.CfnRule(
            scope,
            "Resource",
            description=f"Invokes {target.title} for matching events",
            event_pattern=_plain(self.event_pattern),
            # An ARN names a bus of any account; a name, only this account's.
            event_bus_name=None if bus is None else bus.event_bus_arn,
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(
                    id="Target0",
                    arn=alias_arn,
                    dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=queue_arn),
                    retry_policy=events.CfnRule.RetryPolicyProperty(**self._retry_policy()),
                )
            ],
        )
        permission = _only_this_rule(scope, rule.attr_arn, alias_arn, dead_letters.queue)
        dims = _rule_dimensions(rule, bus)
        failed = Monitoring.metric(
            "AWS/Events", "FailedInvocations", dims, kind=FAILED_INVOCATIONS, label="Failed invocations"
        )
        events_graph = Graph(
            "Rule: events",
            [
                Monitoring.metric("AWS/Events", "TriggeredRules", dims, label="Matched"),
                Monitoring.metric("AWS/Events", "Invocations", dims, label="Delivered"),
                failed,
            ],
            width=12,
        )
        subject = f"{target.title} rule"
        return dead_letters.binding(
            "Rule",
            subject,
            alarms=[SourceAlarm("FailedInvocationsAlarm", FAILED_INVOCATIONS, failed, subject)],
            graph=events_graph,
            resources={"rule": rule, "permission": permission},
        )

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """An event as the rule delivers it (Powertools' ``EventBridgeEvent``), matching the pattern
        where it lists plain values: its first ``source``, ``detail-type`` and detail values."""
        pattern = self.event_pattern if isinstance(self.event_pattern, Mapping) else {}
        detail = _sample_detail(pattern.get(_NESTED))
        return event_shapes.eventbridge_event(
            event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            detail_type=_first_value(pattern.get("detail-type"), "ExampleEvent"),
            source=_first_value(pattern.get("source"), "com.example"),
            account=_first_value(pattern.get("account"), _SAMPLE_ACCOUNT),
            region=_first_value(pattern.get("region"), _SAMPLE_REGION),
            time="2026-01-15T12:00:00Z",
            detail=detail if isinstance(detail, dict) else {},
        )


# ---------------------------------------------------------------------- shared with ScheduleSource
def _only_this_rule(
    scope: Construct, rule_arn: str, alias_arn: str, dead_letter_queue: sqs.Queue
) -> lambda_.CfnPermission:
    """This rule, and only it, may invoke the alias (``InvokePermission``, returned) and park events
    in the queue (beside its TLS-only statement)."""
    permission = lambda_.CfnPermission(
        scope,
        "InvokePermission",
        action="lambda:InvokeFunction",
        function_name=alias_arn,
        principal="events.amazonaws.com",
        source_arn=rule_arn,
    )
    dead_letter_queue.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowThisRuleOnly",
            actions=["sqs:SendMessage"],
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            resources=[dead_letter_queue.queue_arn],
            conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
        )
    )
    return permission


def _rule_dimensions(rule: events.CfnRule, bus: events.IEventBus | None) -> dict[str, str]:
    """A rule's metric dimensions: ``RuleName`` on the default bus, ``EventBusName`` and ``RuleName``
    on another bus (EventBridge's documented dimensions). The name is read from the rule's ARN
    (``...:rule/[bus/]name``)."""
    if bus is None:
        return {"RuleName": rule.ref}
    bus_name = bus.event_bus_name
    depth = 1 + (0 if is_token(bus_name) else bus_name.count("/"))
    name = cdk.Fn.select(1 + depth, cdk.Fn.split("/", rule.attr_arn))
    return {"EventBusName": bus_name, "RuleName": name}


def _plain(value: Any) -> Any:
    """The pattern as plain dicts and lists, for CloudFormation."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _first_value(values: object, fallback: str) -> str:
    if isinstance(values, list | tuple):
        for value in values:
            if isinstance(value, str) and not is_token(value):
                return value
    return fallback


def _sample_detail(pattern: object) -> object:
    """A detail that matches ``pattern`` where it lists plain values (nested dicts followed)."""
    if not isinstance(pattern, Mapping):
        return {}
    detail: dict[str, Any] = {}
    for key, values in pattern.items():
        if not isinstance(key, str) or key.startswith("$"):
            continue
        if isinstance(values, Mapping):
            detail[key] = _sample_detail(values)
        elif isinstance(values, list | tuple):
            plain = [v for v in values if isinstance(v, str | int | float | bool)]
            if plain:
                detail[key] = plain[0]
    return detail


# ---------------------------------------------------------------------- event pattern validation
def event_pattern_problems(prop: str, pattern: object) -> list[str]:
    """Problems with an EventBridge event pattern: a non-empty mapping of the event's fields
    (``source``, ``detail-type``, ``detail``, ...) to a list of values or content filters; ``detail``
    nests; ``$or`` lists alternative patterns. Tokens are left to deploy time."""
    if not isinstance(pattern, Mapping) or not pattern:
        return [
            f"{prop} must be a non-empty mapping of event fields to lists of values, such as "
            f"{{'source': ['com.example.orders']}}, got {pattern!r}"
        ]
    found: list[str] = []
    _walk(pattern, prop, found, top=True)
    return found


def _walk(node: Mapping[Any, Any], where: str, found: list[str], *, top: bool) -> None:
    def branch(alternative: Mapping[Any, Any], at: str) -> None:
        _walk(alternative, at, found, top=top)

    for key, at, value in entries(EVENTBRIDGE, node, where, found, branch):
        if top and key not in _EVENT_FIELDS:
            close = difflib.get_close_matches(key, _EVENT_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            found.append(
                f"{where}: {key!r} is not a field of an EventBridge event{hint}; "
                f"allowed: {', '.join(_EVENT_FIELDS)}"
            )
            continue
        if isinstance(value, Mapping):
            if top and key != _NESTED:
                found.append(
                    f"{at} must be a list of values ({key} is not an object; only detail nests), got {value!r}"
                )
            elif not value:
                found.append(f"{at} must be a non-empty mapping or a list of values, got {{}}")
            else:
                _walk(value, at, found, top=False)
        elif isinstance(value, list | tuple):
            found.extend(values_problems(EVENTBRIDGE, at, value))
        elif not is_token(value):
            expected = "a mapping of detail fields" if top and key == _NESTED else "a list of values"
            found.append(
                f"{at} must be {expected} (EventBridge matches a value against a list), got {value!r}"
            )
