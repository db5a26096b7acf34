"""FanoutQueue: an SNS topic fanned out to SQS queues, each drained by a Lambda function."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core import DeploymentStrategy, FunctionSpec, InvocationType, MonitoringOptions, Pattern, QueueOptions
from ..core.consumer import DEFAULT_BATCH_SIZE, Batching, queue_options_problems
from ..core.function import PatternFunction
from ..core.monitoring import AlarmKind, Graph, Monitoring
from ..core.slo import Slo
from ..core.sources.topic import FilterPolicyScope, TopicSource
from ..core.topic import encrypted_topic, grant_publish
from ..errors import Problems

__all__ = ["FanoutQueue", "FanoutSubscriber", "FilterPolicyScope", "Subscriber"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The Subscriber options a TopicSource takes as they are.
_SUBSCRIPTION_OPTIONS = ("filter_policy", "filter_policy_scope", "raw_message_delivery", "queue")


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
    """What :class:`FanoutQueue` builds for one subscriber: a
    :class:`~serverless_patterns.core.sources.topic.TopicSource` attached to its function.

    ``.queue`` (and its ``.dead_letter_queue``), ``.subscription`` with its own
    ``.subscription_dead_letter_queue`` for deliveries SNS cannot make, and, when the subscriber has
    a function, ``.function`` and its ``live`` ``.alias`` consuming the queue through
    ``.event_source_mapping``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pattern: Pattern,
        scope_path: str,
        source: TopicSource,
        function: Callable[[Construct], PatternFunction] | None = None,
    ) -> None:
        """
        :param pattern: The FanoutQueue this subscriber belongs to, which attaches ``source``.
        :param scope_path: ``scope``'s path.
        :param source: The subscription (its topic given), validated by :class:`FanoutQueue`.
        :param function: Builds the function that drains the queue, in the scope it is given.
            Default: - none: the queue is left for a consumer outside the stack
        """
        super().__init__(scope, id)
        path = f"{scope_path}/{id}"
        pf = None if function is None else function(self)
        first = len(pattern.alarms)
        binding = pattern.attach(source, self, function=pf, title=path, scope_path=path)
        made = binding.resources
        self.queue: sqs.Queue = made["queue"]
        self.dead_letter_queue: sqs.Queue = made["dead_letter_queue"]
        self.subscription: sns.Subscription = made["subscription"]
        self.subscription_dead_letter_queue: sqs.Queue = made["subscription_dead_letter_queue"]
        self.event_source_mapping: lambda_.EventSourceMapping | None = made["event_source_mapping"]
        self.pattern_function: PatternFunction | None = pf
        self.function: lambda_.Function | None = None if pf is None else pf.function
        self.alias: lambda_.Alias | None = None if pf is None else pf.alias
        built = dict(zip([alarm.id for alarm in binding.alarms], pattern.alarms[first:], strict=True))
        self.alarms: list[cw.CfnAlarm] = [
            built["DeadLetterQueueDepthAlarm"],
            built["SubscriptionDeadLetterQueueDepthAlarm"],
            built["MessageAgeAlarm"],
            *([] if pf is None else pf.alarms),
        ]
        self._graphs = binding.graphs

    def dashboard_widgets(self) -> list[Graph]:
        """The graphs this subscriber's queue contributes to its pattern's dashboard section."""
        return list(self._graphs)


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
        slo: Slo | None = None,
    ) -> None:
        """
        :param subscribers: Subscriber name (1..64 letters, digits, '-' or '_'; it becomes a construct id,
            so keep it stable) to :class:`Subscriber`. At least one.
        :param topic: Your own topic to fan out. Default: - a topic encrypted with a customer-managed KMS
            key (rotation on), with a TLS-only topic policy
        :param fifo: Create a FIFO topic, fanned out to FIFO queues. Default: False
        :param content_based_deduplication: Deduplicate on a hash of the message body (FIFO topic only).
            Default: False
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on each of the pattern's functions. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        # (a wrong ``topic`` is reported by _validate, which needs to know whether the topic is FIFO)
        is_fifo = bool(getattr(topic, "fifo", False)) if topic is not None else fifo is True
        self._validate(subscribers, topic, fifo, content_based_deduplication, is_fifo)
        self.fifo = is_fifo
        self.topic_key: kms.Key | None = None
        if topic is None:
            topic, self.topic_key = self._own_topic(fifo, content_based_deduplication)
        self.topic: sns.ITopic = topic
        self.subscribers: dict[str, FanoutSubscriber] = self._subscribe(subscribers, topic, is_fifo)
        self._metric_failed = Monitoring.metric(
            "AWS/SNS",
            "NumberOfNotificationsFailed",
            {"TopicName": topic.topic_name},
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
        self._dashboard()

    def _own_topic(self, fifo: bool, content_based_deduplication: bool) -> tuple[sns.Topic, kms.Key]:
        """The topic this construct creates, with its key.

        SNS decrypts each message before it delivers it to the queues, which use SQS-managed
        encryption (as do the redrive queues), so the key policy needs no service statement:
        publishers get kms:GenerateDataKey and kms:Decrypt from grant_publish through IAM, which the
        account statement of the default key policy enables. AWS services that publish (EventBridge,
        S3, CloudWatch) need a statement of their own: add it to ``.topic_key``."""
        description = f"Encrypts the messages of the {self.path} topic"
        return encrypted_topic(
            self,
            "Resource",
            key_id="TopicKey",
            key_description=description,
            fifo=fifo,
            content_based_deduplication=content_based_deduplication,
        )

    def _subscribe(
        self, subscribers: Mapping[str, Subscriber], topic: sns.ITopic, fifo: bool
    ) -> dict[str, FanoutSubscriber]:
        """One :class:`FanoutSubscriber` per subscriber, under ``Subscribers``."""
        container = Construct(self, "Subscribers")
        container_path = f"{self.path}/Subscribers"
        return {
            name: FanoutSubscriber(
                container,
                name,
                pattern=self,
                scope_path=container_path,
                source=_source(subscriber, topic, fifo),
                function=self._function_builder(subscriber.function, name, f"{container_path}/{name}"),
            )
            for name, subscriber in subscribers.items()
        }

    def _function_builder(
        self, spec: FunctionSpec | None, name: str, path: str
    ) -> Callable[[Construct], PatternFunction] | None:
        """How a subscriber's function is built in its scope: ``Function``, listed as
        ``functions[name]``, deployed by the deployment group ``name``."""
        if spec is None:
            return None
        service_name = f"{self._id}-{name}"

        def build(scope: Construct) -> PatternFunction:
            return self._function(
                scope,
                "Function",
                spec=spec,
                invocation=InvocationType.EVENT_SOURCE,
                service_name=service_name,
                scope_path=path,
                name=name,
                deployment_group_id=name,
            )

        return build

    def _dashboard(self) -> None:
        """The topic's messages, then each subscriber's queue, then the functions by subscriber."""
        dims = {"TopicName": self.topic.topic_name}
        widgets = [
            Graph(
                "Topic: messages",
                [
                    Monitoring.metric("AWS/SNS", "NumberOfMessagesPublished", dims, label="Published"),
                    Monitoring.metric("AWS/SNS", "NumberOfNotificationsDelivered", dims, label="Delivered"),
                    Monitoring.metric(
                        "AWS/SNS", "NumberOfNotificationsFilteredOut", dims, label="Filtered out"
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
            self._slo_timeouts(problems, [(f"{label}.function.timeout", subscriber.function)])
        self._check(problems)


def _source(subscriber: Subscriber, topic: sns.ITopic | None, fifo: bool) -> TopicSource:
    """The subscription ``subscriber`` asks for, to ``topic``."""
    options = {name: getattr(subscriber, name) for name in _SUBSCRIPTION_OPTIONS}
    return TopicSource(topic=topic, fifo=fifo, batching=subscriber.batching, **options)


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
    found.extend(_source(subscriber, None, fifo).subscription_problems(label))
    found.extend(queue_options_problems(f"{label}.queue", subscriber.queue, spec))
    return list(found)
