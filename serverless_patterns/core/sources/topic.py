"""TopicSource: an SQS queue subscribed to an SNS topic, with a filter policy and raw message delivery,
drained by a pattern function as a :class:`~.queue.QueueSource`.

The subscription has a redrive queue of its own (the shared :func:`~..queue.parking_queue`) for the
deliveries SNS cannot make; only the topic may send to the queue. The filter policy is checked here
with the content-filter rules SNS shares with EventBridge (:mod:`.filters`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...errors import Problems
from ..consumer import Batching
from ..monitoring import AlarmKind, Monitoring
from ..queue import QueueOptions, parking_queue
from .base import Binding, Source, SourceAlarm, SourceTarget
from .filters import SNS, entries, values_problems
from .queue import QueueSource, queue_graphs

if TYPE_CHECKING:
    from ..function import FunctionSpec

__all__ = [
    "FILTER_POLICY_MAX_COMBINATIONS",
    "FILTER_POLICY_MAX_KEYS",
    "FilterPolicyScope",
    "TopicSource",
    "filter_policy_problems",
]

FILTER_POLICY_MAX_KEYS = 5
FILTER_POLICY_MAX_COMBINATIONS = 150
_SAMPLE_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:orders"


class FilterPolicyScope(StrEnum):
    """What a subscription's filter policy matches."""

    MESSAGE_ATTRIBUTES = "MessageAttributes"
    """The message attributes the publisher sets (``{"plan": ["pro"]}`` matches attribute ``plan``)."""
    MESSAGE_BODY = "MessageBody"
    """The JSON message body; nested dicts match nested properties."""


@dataclass(frozen=True, kw_only=True)
class TopicSource(Source):
    """An SQS queue (``resources["queue"]``, with ``resources["dead_letter_queue"]``) subscribed to
    ``topic`` (``resources["subscription"]``, whose undeliverable messages go to
    ``resources["subscription_dead_letter_queue"]``), drained by the target function's ``live``
    alias through ``resources["event_source_mapping"]``; without a target function the queue waits
    for a consumer outside the stack.

    Its alarms, on both dead-letter queues and the oldest message's age, report data at rest: they
    notify and never roll a canary back. Its graphs are titled with the id of the scope it binds
    into (a FanoutQueue subscriber's name).
    """

    topic: sns.ITopic | None = None
    """The topic to subscribe to. Default: - none: give it before binding (FanoutQueue gives its own)"""
    fifo: bool = False
    """The topic is FIFO, and so are the queues: batches of 1..10, no batching window. Default: False"""
    filter_policy: Mapping[str, Any] | None = None
    """The messages that reach the queue: those this SNS filter policy matches (checked by
    :func:`filter_policy_problems`). Default: - every message"""
    filter_policy_scope: FilterPolicyScope = FilterPolicyScope.MESSAGE_ATTRIBUTES
    """What the policy reads: the publisher's message attributes, or the JSON body (where nested
    dicts match nested properties). Default: FilterPolicyScope.MESSAGE_ATTRIBUTES"""
    raw_message_delivery: bool = True
    """The queue receives the message as published, its attributes as SQS message attributes;
    False wraps it in SNS's JSON envelope. Default: True"""
    queue: QueueOptions | None = None
    """The queue's receives before the DLQ, retention and visibility timeout.
    Default: - QueueOptions() (3 receives, 4 days, six times the function timeout plus the batching window)"""
    batching: Batching | None = None
    """Batch size, batching window and maximum concurrency of the event source.
    Default: - Batching() (batches of 10, no window, no concurrency limit)"""

    # ------------------------------------------------------------------ validation
    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with the props, each message naming ``prop + "." + option`` (just the
        option when ``prop`` is empty)."""
        at = f"{prop}." if prop else ""
        found = Problems()
        if self.topic is not None:
            found.interface(f"{at}topic", self.topic, ("topic_arn", "topic_name"), "an sns.ITopic")
        found.extend(self.drained().problems(prop, function=function))
        found.extend(self.subscription_problems(prop))
        return list(found)

    def subscription_problems(self, prop: str) -> list[str]:
        """The problems of the subscription's own options (raw delivery, the filter policy and its
        scope), each message naming ``prop + "." + option``: what a pattern that words its queue and
        batching options its own way (FanoutQueue's ``Subscriber``) checks besides."""
        at = f"{prop}." if prop else ""
        found = Problems()
        found.boolean(f"{at}raw_message_delivery", self.raw_message_delivery)
        found.one_of(f"{at}filter_policy_scope", self.filter_policy_scope, list(FilterPolicyScope))
        if self.filter_policy is not None:
            found.extend(
                filter_policy_problems(f"{at}filter_policy", self.filter_policy, self.filter_policy_scope)
            )
        return list(found)

    def drained(self) -> QueueSource:
        """The queue this subscription fills, as the source its function drains."""
        return QueueSource(fifo=self.fifo, queue=self.queue, batching=self.batching)

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds the :class:`~.queue.QueueSource` (``Queue``, ``EventSourceMapping``), then
        ``SubscriptionDeadLetterQueue`` and ``Subscription`` in ``scope``."""
        if self.topic is None:
            raise ValueError("a TopicSource subscribes to a topic: give it one before binding")
        drained = self.drained().bind(scope, target)
        queue: sqs.Queue = drained.resources["queue"]
        redrive = parking_queue(
            scope,
            "SubscriptionDeadLetterQueue",
            role=f"the redrive (dead-letter) queue of the SNS subscription {target.title}",
            fifo=self.fifo,
        )
        subscription = self._subscribe(scope, self.topic, queue, redrive)
        undeliverable = Monitoring.queue_metric(
            redrive.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Undeliverable"
        )
        metrics = {alarm.id: alarm.metric for alarm in drained.alarms}
        title = target.scope_path.rsplit("/", 1)[-1]
        return Binding(
            alarms=[
                *drained.alarms,
                SourceAlarm(
                    "SubscriptionDeadLetterQueueDepthAlarm",
                    AlarmKind.DLQ_DEPTH,
                    undeliverable,
                    f"{target.title} subscription dead-letter queue (messages SNS could not deliver)",
                ),
            ],
            graphs=queue_graphs(
                title,
                queue.queue_name,
                metrics["DeadLetterQueueDepthAlarm"],
                metrics["MessageAgeAlarm"],
                [undeliverable],
            ),
            resources={
                **drained.resources,
                "subscription": subscription,
                "subscription_dead_letter_queue": redrive,
            },
        )

    def _subscribe(
        self, scope: Construct, topic: sns.ITopic, queue: sqs.Queue, redrive: sqs.Queue
    ) -> sns.Subscription:
        # Only this topic may send to the queue. (Built here rather than with SqsSubscription, whose
        # construct id is derived from the topic's path: "Subscription" keeps the logical id stable.)
        queue_arn = queue.queue_arn
        queue_policy = queue.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[queue_arn],
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                conditions={"ArnEquals": {"aws:SourceArn": topic.topic_arn}},
            )
        )
        # sns.Subscription gives the same right on its redrive queue.
        subscription = sns.Subscription(
            scope,
            "Subscription",
            topic=topic,
            protocol=sns.SubscriptionProtocol.SQS,
            endpoint=queue_arn,
            raw_message_delivery=self.raw_message_delivery,
            dead_letter_queue=redrive,
        )
        if queue_policy.policy_dependable is not None:
            subscription.node.add_dependency(queue_policy.policy_dependable)
        if self.filter_policy is not None:
            # The policy goes to CloudFormation as the user wrote it (SNS JSON syntax, validated).
            cfn_subscription = subscription.node.default_child
            assert isinstance(cfn_subscription, cdk.CfnResource)
            cfn_subscription.add_property_override("FilterPolicy", dict(self.filter_policy))
            cfn_subscription.add_property_override("FilterPolicyScope", str(self.filter_policy_scope))
        return subscription

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """One message as the function receives it (Powertools' ``SQSEvent``): with raw delivery the
        message as published, its attributes as SQS message attributes (those the filter policy
        names with a plain string); otherwise the SNS envelope (Powertools' ``SNSMessage``) as body."""
        attributes = _sample_attributes(self.filter_policy, self.filter_policy_scope)
        message = json.dumps({"id": "1234", "action": "process"})
        record = dict(self.drained().sample_event()["Records"][0])
        if self.raw_message_delivery is not False:
            body = message
            record["messageAttributes"] = {
                name: {
                    "stringValue": value,
                    "dataType": "String",
                    "stringListValues": [],
                    "binaryListValues": [],
                }
                for name, value in attributes.items()
            }
        else:
            body = json.dumps(_envelope(message, attributes, self.fifo is True))
        record["body"] = body
        record["md5OfBody"] = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
        return {"Records": [record]}


def _sample_attributes(policy: object, scope: object) -> dict[str, str]:
    """Message attributes the filter policy matches where it lists a plain string."""
    if not isinstance(policy, Mapping) or scope == FilterPolicyScope.MESSAGE_BODY:
        return {}
    found: dict[str, str] = {}
    for name, values in policy.items():
        if isinstance(name, str) and not name.startswith("$") and isinstance(values, list):
            plain = [v for v in values if isinstance(v, str)]
            if plain:
                found[name] = plain[0]
    return found


def _envelope(message: str, attributes: Mapping[str, str], fifo: bool) -> dict[str, Any]:
    """The JSON SNS delivers to a queue without raw message delivery."""
    arn = _SAMPLE_TOPIC_ARN + (".fifo" if fifo else "")
    return {
        "Type": "Notification",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": arn,
        "Message": message,
        "Timestamp": "2026-01-15T12:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
        "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={arn}:1",
        "MessageAttributes": {name: {"Type": "String", "Value": value} for name, value in attributes.items()},
    }


# ---------------------------------------------------------------------- filter policy validation
def filter_policy_problems(label: str, policy: Any, scope: object) -> list[str]:
    """Problems with an SNS filter policy: a dict of name to a list of values; with the message-body
    scope, a value may also be a nested dict. At most 5 names (leaves) and 150 combinations."""
    if not isinstance(policy, Mapping) or not policy:
        return [f"{label} must be a non-empty dict of name to a list of values, got {policy!r}"]
    found: list[str] = []
    leaves: list[int] = []
    combinations = _walk(policy, label, 1, scope == FilterPolicyScope.MESSAGE_BODY, found, leaves)
    if len(leaves) > FILTER_POLICY_MAX_KEYS:
        found.append(f"{label} may match at most {FILTER_POLICY_MAX_KEYS} names, got {len(leaves)}")
    if combinations > FILTER_POLICY_MAX_COMBINATIONS:
        found.append(
            f"{label} must have at most {FILTER_POLICY_MAX_COMBINATIONS} combinations of values, "
            f"got {combinations}"
        )
    return found


def _walk(
    node: Mapping[Any, Any], where: str, depth: int, body: bool, found: list[str], leaves: list[int]
) -> int:
    """Checks one level of a policy (``depth`` 1 at the top); a list of values is a leaf, counted in
    ``leaves``. Returns the level's combinations: the product of its leaves' values times their depth,
    as SNS counts them."""
    factors: list[int] = []

    def branch(alternative: Mapping[Any, Any], at: str) -> None:
        factors.append(_walk(alternative, at, depth, body, found, leaves))

    for _, at, value in entries(SNS, node, where, found, branch):
        if isinstance(value, list):
            found.extend(values_problems(SNS, at, value))
            leaves.append(len(value))
            factors.append(max(len(value), 1) * depth)
        elif isinstance(value, Mapping):
            if not body:
                found.append(
                    f"{at} is a nested dict, which only a filter_policy_scope of "
                    f"FilterPolicyScope.MESSAGE_BODY allows; got {value!r}"
                )
            elif not value:
                found.append(f"{at} must be a non-empty dict or a list of values, got {{}}")
            else:
                factors.append(_walk(value, at, depth + 1, body, found, leaves))
        else:
            expected = "a list of values or a nested dict" if body else "a list of values"
            found.append(f"{at} must be {expected}, got {value!r}")
    return math.prod(factors)
