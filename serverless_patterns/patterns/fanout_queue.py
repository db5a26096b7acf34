"""FanoutQueue: an SNS topic fanned out to SQS queues, each drained by a Lambda function."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    Graph,
    Monitoring,
    MonitoringOptions,
    Pattern,
    QueueOptions,
)
from ..core.consumer import DEFAULT_BATCH_SIZE, Batching, QueueConsumer, queue_options_problems
from ..core.queue import parking_queue
from ..core.topic import encrypted_topic, grant_publish
from ..errors import Problems

if TYPE_CHECKING:
    from ..core import PatternFunction

__all__ = ["FanoutQueue", "FanoutSubscriber", "FilterPolicyScope", "Subscriber"]

FILTER_POLICY_MAX_KEYS = 5
FILTER_POLICY_MAX_COMBINATIONS = 150
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCALAR = (str, int, float, bool, type(None))


class FilterPolicyScope(StrEnum):
    """What a subscription's filter policy matches."""

    MESSAGE_ATTRIBUTES = "MessageAttributes"
    """The message attributes the publisher sets (``{"plan": ["pro"]}`` matches attribute ``plan``)."""
    MESSAGE_BODY = "MessageBody"
    """The JSON message body; nested dicts match nested properties."""


@dataclass(frozen=True)
class Subscriber:
    """One consumer of the topic: its own queue (with a DLQ), and usually a function draining it.

    ``Subscriber(function=FunctionSpec(code="handlers/users", handler="welcome.handler"))`` is enough.
    Without ``function`` the queue is left for a consumer outside the stack.
    """

    function: FunctionSpec | None = None
    """The function that drains the queue, reporting partial batch failures.
    Default: - none: the queue is left for a consumer outside the stack"""
    filter_policy: Mapping[str, Any] | None = None
    """SNS filter policy, for example ``{"plan": ["pro"]}``: only matching messages reach this queue.
    Default: - every message"""
    filter_policy_scope: FilterPolicyScope = FilterPolicyScope.MESSAGE_ATTRIBUTES
    """Whether ``filter_policy`` matches message attributes or the JSON body.
    Default: FilterPolicyScope.MESSAGE_ATTRIBUTES"""
    raw_message_delivery: bool = True
    """Deliver the message as published (attributes become SQS message attributes) instead of the SNS
    JSON envelope. Default: True"""
    batch_size: int = DEFAULT_BATCH_SIZE
    """Messages per invocation: 1..10 for a FIFO topic, 1..10000 otherwise (above 10 needs a
    ``max_batching_window`` of at least 1 second). Default: 10"""
    max_batching_window: cdk.Duration | None = None
    """How long to gather a batch, 0..300 seconds (standard topics only). Default: - none (0 seconds)"""
    max_concurrency: int | None = None
    """Most concurrent invocations the event source starts, 2..1000. Default: - no limit"""
    queue: QueueOptions | None = None
    """Receives before a message moves to the DLQ, retention and visibility timeout of the queue.
    Default: - QueueOptions() (3 receives, 4 days, six times the function timeout plus the batching window)"""

    @property
    def batching(self) -> Batching:
        """The event source's batching, validated by the one shared :class:`Batching` rule."""
        return Batching(self.batch_size, self.max_batching_window, self.max_concurrency)


class FanoutSubscriber(Construct):
    """What :class:`FanoutQueue` builds for one subscriber.

    ``.queue`` (and its ``.dead_letter_queue``), ``.subscription`` with its own
    ``.subscription_dead_letter_queue`` for deliveries SNS cannot make, and, when the subscriber has
    a function, ``.function`` and its ``live`` ``.alias`` consuming the queue (the shared
    :class:`~serverless_patterns.core.consumer.QueueConsumer`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pattern: FanoutQueue,
        scope_path: str,
        subscriber: Subscriber,
        topic: sns.ITopic,
        fifo: bool,
        service_name: str,
    ) -> None:
        """
        :param pattern: The FanoutQueue this subscriber belongs to (builds its function and alarms).
        :param scope_path: ``scope``'s path.
        :param subscriber: What to build, validated by :class:`FanoutQueue`.
        :param topic: The topic the queue subscribes to.
        :param fifo: Whether the topic, and so the queues, are FIFO.
        :param service_name: ``POWERTOOLS_SERVICE_NAME`` of the function, unless its spec names one.
        """
        super().__init__(scope, id)
        path = f"{scope_path}/{id}"
        consumer = QueueConsumer(
            pattern,
            self,
            scope_path=path,
            title=path,
            spec=subscriber.function,
            service_name=service_name,
            queue=subscriber.queue,
            batching=subscriber.batching,
            fifo=fifo,
            name=id,
            deployment_group_id=id,
        )
        self._consumer = consumer
        self.queue: sqs.Queue = consumer.queue
        self.dead_letter_queue: sqs.Queue = consumer.dead_letter_queue
        self.subscription_dead_letter_queue: sqs.Queue = parking_queue(
            self,
            "SubscriptionDeadLetterQueue",
            role=f"the redrive (dead-letter) queue of the SNS subscription {path}",
            fifo=fifo,
        )
        # Only this topic may send to the queue. (Built here rather than with SqsSubscription, whose
        # construct id is derived from the topic's path: "Subscription" keeps the logical id stable.)
        queue_arn = self.queue.queue_arn
        queue_policy = self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[queue_arn],
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                conditions={"ArnEquals": {"aws:SourceArn": topic.topic_arn}},
            )
        )
        # sns.Subscription gives the same right on its redrive queue.
        self.subscription = sns.Subscription(
            self,
            "Subscription",
            topic=topic,
            protocol=sns.SubscriptionProtocol.SQS,
            endpoint=queue_arn,
            raw_message_delivery=subscriber.raw_message_delivery,
            dead_letter_queue=self.subscription_dead_letter_queue,
        )
        if queue_policy.policy_dependable is not None:
            self.subscription.node.add_dependency(queue_policy.policy_dependable)
        if subscriber.filter_policy is not None:
            # The policy goes to CloudFormation as the user wrote it (SNS JSON syntax, validated above).
            cfn_subscription = self.subscription.node.default_child
            assert isinstance(cfn_subscription, cdk.CfnResource)
            cfn_subscription.add_property_override("FilterPolicy", dict(subscriber.filter_policy))
            cfn_subscription.add_property_override("FilterPolicyScope", str(subscriber.filter_policy_scope))
        self.pattern_function: PatternFunction | None = consumer.pattern_function
        self.function: lambda_.Function | None = consumer.function
        self.alias: lambda_.Alias | None = consumer.alias
        self.event_source_mapping: lambda_.EventSourceMapping | None = consumer.event_source_mapping
        self._undeliverable = Monitoring.queue_metric(
            self.subscription_dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Undeliverable"
        )
        undeliverable = pattern._alarms(
            self,
            (
                "SubscriptionDeadLetterQueueDepthAlarm",
                AlarmKind.DLQ_DEPTH,
                self._undeliverable,
                f"{path} subscription dead-letter queue (messages SNS could not deliver)",
            ),
        )
        self.alarms: list[cw.CfnAlarm] = [consumer.alarms[0], *undeliverable, consumer.alarms[1]]
        if self.pattern_function is not None:
            self.alarms.extend(self.pattern_function.alarms)

    def dashboard_widgets(self) -> list[Graph]:
        """The graphs this subscriber's queue contributes to its pattern's dashboard section."""
        return self._consumer.graphs(self.node.id, [self._undeliverable])


class FanoutQueue(Pattern):
    """An SNS topic fanned out to one SQS queue per subscriber, each drained by its own function.

    Every queue has a DLQ, every subscription its own redrive queue; only the topic may send to the
    queues and each function may only consume its own queue. Alarms on every DLQ, on message age,
    on function errors and throttles and on failed notifications; a dashboard section; canary
    deployments of each function through its ``live`` alias.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        subscribers: Mapping[str, Subscriber],
        topic: sns.ITopic | None = None,
        fifo: bool = False,
        content_based_deduplication: bool = False,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
    ) -> None:
        """
        :param subscribers: Subscriber name (1..64 letters, digits, '-' or '_'; it becomes a construct id,
            so keep it stable) to :class:`Subscriber`. At least one.
        :param topic: Your own topic to fan out. Default: - a topic encrypted with a customer-managed KMS
            key (rotation on), with a TLS-only topic policy
        :param fifo: Create a FIFO topic, fanned out to FIFO queues. Default: False
        :param content_based_deduplication: Deduplicate on a hash of the message body (FIFO topic only).
            Default: False
        :param deployment: How new function versions reach traffic.
            Default: - the stage's: DeploymentStrategy.canary() (prod), all_at_once() (dev)
            (10% for 5 minutes, rolled back on the function's error or throttle alarm)
        :param monitoring: Alarm thresholds and the monitoring to register with.
            Default: - MonitoringOptions() (the stack's shared alarm topic and dashboard)
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring)
        # (a wrong ``topic`` is reported by _validate, which needs to know whether the topic is FIFO)
        is_fifo = bool(getattr(topic, "fifo", False)) if topic is not None else fifo is True
        self._validate(subscribers, topic, fifo, content_based_deduplication, is_fifo)
        self.fifo = is_fifo
        self.topic_key: kms.Key | None = None
        if topic is None:
            # SNS decrypts each message before it delivers it to the queues, which use SQS-managed
            # encryption (as do the redrive queues), so the key policy needs no service statement:
            # publishers get kms:GenerateDataKey and kms:Decrypt from grant_publish through IAM, which
            # the account statement of the default key policy enables. AWS services that publish
            # (EventBridge, S3, CloudWatch) need a statement of their own: add it to ``.topic_key``.
            topic, self.topic_key = encrypted_topic(
                self,
                "Resource",
                key_id="TopicKey",
                key_description=f"Encrypts the messages of the {self.path} topic",
                fifo=fifo,
                content_based_deduplication=content_based_deduplication,
            )
        self.topic: sns.ITopic = topic

        container = Construct(self, "Subscribers")
        container_path = f"{self.path}/Subscribers"
        self.subscribers: dict[str, FanoutSubscriber] = {
            name: FanoutSubscriber(
                container,
                name,
                pattern=self,
                scope_path=container_path,
                subscriber=subscriber,
                topic=topic,
                fifo=is_fifo,
                service_name=f"{id}-{name}",
            )
            for name, subscriber in subscribers.items()
        }

        topic_dims = {"TopicName": topic.topic_name}
        self._metric_failed = Monitoring.metric(
            "AWS/SNS",
            "NumberOfNotificationsFailed",
            topic_dims,
            kind=AlarmKind.NOTIFICATIONS_FAILED,
            label="Failed",
        )
        (self.notifications_failed_alarm,) = self._alarms(
            self,
            (
                "NotificationsFailedAlarm",
                AlarmKind.NOTIFICATIONS_FAILED,
                self._metric_failed,
                f"{self.path} topic",
            ),
        )
        widgets = [
            Graph(
                "Topic: messages",
                [
                    Monitoring.metric("AWS/SNS", "NumberOfMessagesPublished", topic_dims, label="Published"),
                    Monitoring.metric(
                        "AWS/SNS", "NumberOfNotificationsDelivered", topic_dims, label="Delivered"
                    ),
                    Monitoring.metric(
                        "AWS/SNS", "NumberOfNotificationsFilteredOut", topic_dims, label="Filtered out"
                    ),
                    self._metric_failed,
                ],
                width=24,
            )
        ]
        titles: dict[PatternFunction, str] = {}
        for name, built in self.subscribers.items():
            widgets.extend(built.dashboard_widgets())
            if built.pattern_function is not None:
                titles[built.pattern_function] = name
        self._dashboard_section(widgets, function_titles=titles)

    # ------------------------------------------------------------------ public API
    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` publish to the topic, and use the topic's key for the message.

        On the topic this construct creates, the key actions are exactly ``kms:GenerateDataKey`` and
        ``kms:Decrypt`` (what publishing to an encrypted topic needs, no wildcard); on your own
        topic, ``topic.grant_publish`` decides.
        """
        return grant_publish(self.topic, self.topic_key, grantee)

    def grant_subscribe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` subscribe to the topic (``sns:Subscribe``)."""
        return self.topic.grant_subscribe(grantee)

    def grant_consume_messages(self, subscriber: str, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` consume the queue of ``subscriber`` (for a queue drained outside the stack)."""
        return self.subscribers[subscriber].queue.grant_consume_messages(grantee)

    def metric_number_of_notifications_failed(self, **options: Any) -> cw.IMetric:
        """``NumberOfNotificationsFailed`` of the topic: deliveries to the queues that failed (Sum over
        five minutes). ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._metric_failed, options)

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        subscribers: Mapping[str, Subscriber],
        topic: sns.ITopic | None,
        fifo: bool,
        content_based_deduplication: bool,
        is_fifo: bool,
    ) -> None:
        problems = self._problems()
        problems.boolean("fifo", fifo)
        problems.boolean("content_based_deduplication", content_based_deduplication)
        if topic is not None and problems.interface(
            "topic", topic, ("topic_arn", "topic_name", "fifo"), "an sns.ITopic"
        ):
            given = [
                n
                for n, v in (("fifo", fifo), ("content_based_deduplication", content_based_deduplication))
                if v
            ]
            if given:
                problems.add(
                    f"{' and '.join(given)} configure the topic this construct creates; they cannot be "
                    "combined with topic (your own topic's settings apply)"
                )
        elif topic is None and content_based_deduplication is True and fifo is False:
            problems.add("content_based_deduplication needs a FIFO topic (fifo=True), got fifo=False")
        if not isinstance(subscribers, Mapping) or not subscribers:
            problems.add(f"subscribers must name at least one Subscriber, got {subscribers!r}")
            subscribers = {}
        for name, subscriber in subscribers.items():
            if not isinstance(name, str) or not _NAME.match(name):
                problems.add(f"subscribers: names must be 1..64 letters, digits, '-' or '_', got {name!r}")
            label = f"subscribers[{name!r}]"
            if not isinstance(subscriber, Subscriber):
                problems.add(f"{label} must be a Subscriber, got {type(subscriber).__name__}")
                continue
            problems.extend(_subscriber_problems(label, subscriber, is_fifo))
        self._check(problems)


def _subscriber_problems(label: str, subscriber: Subscriber, fifo: bool) -> list[str]:
    found = Problems()
    spec = subscriber.function
    if spec is not None:
        if isinstance(spec, FunctionSpec):
            found.extend(spec.problems(f"{label}.function"))
        else:
            found.add(f"{label}.function must be a FunctionSpec, got {type(spec).__name__}")
            spec = None
    batching = subscriber.batching
    if spec is None and batching.given():
        found.add(
            f"{label}: {', '.join(batching.given())} configure the function's event source; give a function "
            "or drop them (a queue-only subscriber is drained outside the stack)"
        )
    found.extend(batching.problems(f"{label}.", fifo=fifo))
    found.boolean(f"{label}.raw_message_delivery", subscriber.raw_message_delivery)
    found.one_of(
        f"{label}.filter_policy_scope",
        subscriber.filter_policy_scope,
        list(FilterPolicyScope),
    )
    if subscriber.filter_policy is not None:
        found.extend(
            _filter_policy_problems(
                f"{label}.filter_policy", subscriber.filter_policy, subscriber.filter_policy_scope
            )
        )
    found.extend(queue_options_problems(f"{label}.queue", subscriber.queue, spec))
    return list(found)


_NUMERIC_LOWER = (">", ">=")
_NUMERIC_UPPER = ("<", "<=")
_OPERATORS = (
    "anything-but",
    "cidr",
    "equals-ignore-case",
    "exists",
    "numeric",
    "prefix",
    "suffix",
    "wildcard",
)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_number_range(value: object) -> bool:
    """SNS matches numbers from -1e9 to 1e9 (with five decimals)."""
    return _is_number(value) and math.isfinite(value) and -1e9 <= value <= 1e9  # type: ignore[arg-type,operator]


def _number(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def _operator_problems(at: str, item: Mapping[Any, Any]) -> list[str]:
    """An SNS filter operator (``{"prefix": "a"}``, ``{"numeric": [">", 0, "<=", 5]}``...): exactly
    one of the operators SNS knows, with an operand of the kind it takes."""
    if len(item) != 1:
        return [f"{at}: an operator dict must have exactly one operator, got {dict(item)!r}"]
    ((name, operand),) = item.items()
    if name not in _OPERATORS:
        return [f"{at}: unknown operator {name!r}; SNS knows {', '.join(_OPERATORS)}"]
    text = isinstance(operand, str) and bool(operand)
    if name in ("prefix", "suffix"):
        ok = text or (
            isinstance(operand, Mapping)
            and list(operand) == ["equals-ignore-case"]
            and isinstance(operand["equals-ignore-case"], str)
            and bool(operand["equals-ignore-case"])
        )
        return (
            []
            if ok
            else [
                f"{at}: {name} takes a non-empty string (or {{'equals-ignore-case': ...}}), got {operand!r}"
            ]
        )
    if name == "equals-ignore-case":
        return [] if text else [f"{at}: equals-ignore-case takes a string, got {operand!r}"]
    if name == "wildcard":
        ok = text and "**" not in operand
        return [] if ok else [f"{at}: wildcard takes a string without consecutive '*', got {operand!r}"]
    if name == "exists":
        return [] if isinstance(operand, bool) else [f"{at}: exists takes true or false, got {operand!r}"]
    if name == "cidr":
        try:
            ok = text and "/" in operand and bool(ipaddress.ip_network(operand, strict=False))
        except ValueError:
            ok = False
        return [] if ok else [f"{at}: cidr takes an IP address prefix such as '10.0.0.0/24', got {operand!r}"]
    if name == "numeric":
        return (
            []
            if _numeric_ok(operand)
            else [
                f"{at}: numeric takes ['=', n], [op, n] or [lower op, n, upper op, m] with op among "
                f"<, <=, >, >= and numbers within -1e9..1e9, lower below upper; got {operand!r}"
            ]
        )
    # anything-but: a value, a list of values of one kind, or {"prefix"|"suffix"|"wildcard": string}
    scalar = (str, int, float)
    if isinstance(operand, bool) or operand is None:
        ok = False
    elif isinstance(operand, scalar):
        ok = not _is_number(operand) or _in_number_range(operand)
    elif isinstance(operand, list):
        ok = (
            bool(operand)
            and all(isinstance(v, scalar) and not isinstance(v, bool) for v in operand)
            and (all(isinstance(v, str) for v in operand) or all(_is_number(v) for v in operand))
        )
    elif isinstance(operand, Mapping):
        ok = (
            len(operand) == 1
            and next(iter(operand)) in ("prefix", "suffix", "wildcard", "equals-ignore-case")
            and isinstance(next(iter(operand.values())), str)
        )
    else:
        ok = False
    return (
        []
        if ok
        else [
            f"{at}: anything-but takes a string, a number, a list of strings or of numbers, or "
            f"{{'prefix'|'suffix'|'wildcard'|'equals-ignore-case': string}}, got {operand!r}"
        ]
    )


def _numeric_ok(operand: object) -> bool:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        return False
    ops, values = operand[0::2], operand[1::2]
    if not all(_is_number(v) and _in_number_range(v) for v in values):
        return False
    if len(operand) == 2:
        return ops[0] in ("=", *_NUMERIC_LOWER, *_NUMERIC_UPPER)
    return ops[0] in _NUMERIC_LOWER and ops[1] in _NUMERIC_UPPER and values[0] < values[1]


def _filter_policy_problems(label: str, policy: Any, scope: str) -> list[str]:
    """Problems with an SNS filter policy: a dict of name to a list of values; with the message-body
    scope, a value may also be a nested dict. At most 5 names (leaves) and 150 combinations."""
    if not isinstance(policy, Mapping) or not policy:
        return [f"{label} must be a non-empty dict of name to a list of values, got {policy!r}"]
    body = scope == FilterPolicyScope.MESSAGE_BODY
    found: list[str] = []
    leaves: list[int] = []
    combinations = [1]

    def walk(node: Mapping[Any, Any], where: str, depth: int) -> None:
        for key, value in node.items():
            at = f"{where}[{key!r}]"
            if not isinstance(key, str) or not key:
                found.append(f"{where}: names must be non-empty strings, got {key!r}")
                continue
            if key == "$or":
                if not isinstance(value, list) or len(value) < 2:
                    found.append(f"{at} must be a list of at least two filter policies, got {value!r}")
                    continue
                for index, branch in enumerate(value):
                    if isinstance(branch, Mapping) and branch:
                        walk(branch, f"{at}[{index}]", depth)
                    else:
                        found.append(f"{at}[{index}] must be a non-empty dict, got {branch!r}")
                continue
            if isinstance(value, list):
                if not value:
                    found.append(f"{at} must list at least one value, got []")
                for item in value:
                    if isinstance(item, Mapping):
                        found.extend(_operator_problems(at, item))
                    elif item is None:
                        found.append(
                            f"{at} may not list null: aws-cdk-lib drops null from a list on its way to "
                            "CloudFormation, so the policy would not match what it says; match a "
                            "missing key with {'exists': False}"
                        )
                    elif not isinstance(item, _SCALAR):
                        found.append(
                            f"{at} values must be strings, numbers, booleans or operator dicts "
                            f"such as {{'prefix': 'a'}}, got {item!r}"
                        )
                    elif _is_number(item) and not _in_number_range(item):
                        found.append(f"{at} numbers must be within -1e9..1e9, got {_number(item)}")
                leaves.append(len(value))
                combinations[0] *= max(len(value), 1) * depth
            elif isinstance(value, Mapping):
                if not body:
                    found.append(
                        f"{at} is a nested dict, which only a filter_policy_scope of "
                        f"FilterPolicyScope.MESSAGE_BODY allows; got {value!r}"
                    )
                elif not value:
                    found.append(f"{at} must be a non-empty dict or a list of values, got {{}}")
                else:
                    walk(value, at, depth + 1)
            else:
                expected = "a list of values or a nested dict" if body else "a list of values"
                found.append(f"{at} must be {expected}, got {value!r}")

    walk(policy, label, 1)
    if len(leaves) > FILTER_POLICY_MAX_KEYS:
        found.append(f"{label} may match at most {FILTER_POLICY_MAX_KEYS} names, got {len(leaves)}")
    if combinations[0] > FILTER_POLICY_MAX_COMBINATIONS:
        found.append(
            f"{label} must have at most {FILTER_POLICY_MAX_COMBINATIONS} combinations of values, "
            f"got {combinations[0]}"
        )
    return found
