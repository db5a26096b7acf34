"""FanoutQueue: an SNS topic fanned out to SQS queues, each drained by a Lambda function."""

from __future__ import annotations

import re
from collections.abc import Mapping
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

from ..core import (
    AlarmKind,
    AlarmThresholds,
    Deployments,
    DeploymentStrategy,
    FunctionSpec,
    Invocation,
    Monitoring,
    MonitoringOptions,
    PatternFunction,
    QueueOptions,
    QueueWithDlq,
    acknowledge,
)
from ..core.monitoring import threshold_problems
from ..core.queue import parking_queue
from ..core.topic import encrypted_topic, grant_publish
from ..errors import Problems, is_token

__all__ = ["FanoutQueue", "FanoutSubscriber", "FilterPolicyScope", "Subscriber"]

DEFAULT_BATCH_SIZE = 10
MAX_BATCH_SIZE_FIFO = 10
MAX_BATCH_SIZE_STANDARD = 10_000
MAX_BATCH_SIZE_WITHOUT_WINDOW = 10
MAX_BATCHING_WINDOW_SECONDS = 300
FILTER_POLICY_MAX_KEYS = 5
FILTER_POLICY_MAX_COMBINATIONS = 150
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SCALAR = (str, int, float, bool, type(None))


class FilterPolicyScope:
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
    filter_policy_scope: str = FilterPolicyScope.MESSAGE_ATTRIBUTES
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


class FanoutSubscriber(Construct):
    """What :class:`FanoutQueue` builds for one subscriber.

    ``.queue`` (and its ``.dead_letter_queue``), ``.subscription`` with its own
    ``.subscription_dead_letter_queue`` for deliveries SNS cannot make, and, when the subscriber has
    a function, ``.function`` and its ``live`` ``.alias`` consuming the queue.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        subscriber: Subscriber,
        topic: sns.ITopic,
        fifo: bool,
        service_name: str,
        monitoring: Monitoring,
        thresholds: AlarmThresholds,
        deployments: Deployments | None,
    ) -> None:
        """
        :param subscriber: What to build, validated by :class:`FanoutQueue`.
        :param topic: The topic the queue subscribes to.
        :param fifo: Whether the topic, and so the queues, are FIFO.
        :param service_name: ``POWERTOOLS_SERVICE_NAME`` of the function, unless its spec names one.
        :param monitoring: The monitoring the alarms notify through.
        :param thresholds: Alarm thresholds.
        :param deployments: The pattern's CodeDeploy application, or None for no CodeDeploy.
        """
        super().__init__(scope, id)
        path = self.node.path
        spec = subscriber.function
        window = subscriber.max_batching_window
        window_seconds = _seconds(window) or 0
        queues = QueueWithDlq(
            self,
            "Queue",
            options=subscriber.queue,
            consumer_timeout_seconds=spec.timeout_seconds if spec is not None else None,
            consumer_batching_window_seconds=window_seconds,
            fifo=fifo,
        )
        self.queue: sqs.Queue = queues.queue
        self.dead_letter_queue: sqs.Queue = queues.dead_letter_queue
        self.subscription_dead_letter_queue: sqs.Queue = parking_queue(
            self,
            "SubscriptionDeadLetterQueue",
            role=f"the redrive (dead-letter) queue of the SNS subscription {path}",
            fifo=fifo,
        )
        # Only this topic may send to the queue. (Built here rather than with SqsSubscription, whose
        # construct id is derived from the topic's path: "Subscription" keeps the logical id stable.)
        topic_arn = topic.topic_arn
        queue_arn = self.queue.queue_arn
        queue_policy = self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[queue_arn],
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                conditions={"ArnEquals": {"aws:SourceArn": topic_arn}},
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
            cfn_subscription.add_property_override("FilterPolicyScope", subscriber.filter_policy_scope)

        self.pattern_function: PatternFunction | None = None
        self.function: lambda_.Function | None = None
        self.alias: lambda_.Alias | None = None
        if spec is not None:
            pf = PatternFunction(
                self,
                "Function",
                spec=spec,
                service_name=service_name,
                invocation=Invocation.EVENT_SOURCE,
                monitoring=monitoring,
                thresholds=thresholds,
                deployments=deployments,
                deployment_group_id=id,
            )
            # Consumes through the alias, so a new version gets its share of messages during a canary.
            self.event_source_mapping: lambda_.EventSourceMapping | None = lambda_.EventSourceMapping(
                self,
                "EventSourceMapping",
                target=pf.alias,
                event_source_arn=queue_arn,
                batch_size=subscriber.batch_size,
                max_batching_window=window,
                max_concurrency=subscriber.max_concurrency,
                report_batch_item_failures=True,
            )
            # The function's role may consume this queue and no other.
            self.queue.grant_consume_messages(pf.alias)
            acknowledge(
                self.event_source_mapping,
                "Serverless-LambdaEventSourceMappingDestination",
                "SQS event source mappings do not support on-failure destinations (only stream and Kafka "
                "sources do): a failed message returns to the queue and moves to its dead-letter queue "
                "after max_receive_count receives, where a depth alarm fires",
            )
            self.pattern_function, self.function, self.alias = pf, pf.function, pf.alias
        else:
            self.event_source_mapping = None

        queue_name = self.queue.queue_name
        self._queue_dims = {"QueueName": queue_name}
        self._dlq_dims = {"QueueName": self.dead_letter_queue.queue_name}
        self._subscription_dlq_dims = {"QueueName": self.subscription_dead_letter_queue.queue_name}
        self.alarms: list[cw.Alarm] = [
            monitoring.alarm(
                self,
                "DeadLetterQueueDepthAlarm",
                kind=AlarmKind.DLQ_DEPTH,
                metric=_visible(self._dlq_dims, "Dead-letter queue", AlarmKind.DLQ_DEPTH),
                subject=f"{path} dead-letter queue",
                thresholds=thresholds,
            ),
            monitoring.alarm(
                self,
                "SubscriptionDeadLetterQueueDepthAlarm",
                kind=AlarmKind.DLQ_DEPTH,
                metric=_visible(self._subscription_dlq_dims, "Undeliverable", AlarmKind.DLQ_DEPTH),
                subject=f"{path} subscription dead-letter queue (messages SNS could not deliver)",
                thresholds=thresholds,
            ),
            monitoring.alarm(
                self,
                "MessageAgeAlarm",
                kind=AlarmKind.MESSAGE_AGE,
                metric=Monitoring.queue_metric(
                    queue_name, kind=AlarmKind.MESSAGE_AGE, label="Oldest message age (s)"
                ),
                subject=f"{path} queue",
                thresholds=thresholds,
            ),
        ]
        # The queue alarms are not rollback alarms: a parked message or a backlog outlives the
        # version that caused it, and would block the deployment of the fix.
        if self.pattern_function is not None:
            self.alarms.extend(self.pattern_function.alarms)

    def dashboard_widgets(self) -> list[cw.IWidget]:
        """The graphs this subscriber contributes to its pattern's dashboard section."""
        name = self.node.id
        widgets: list[cw.IWidget] = [
            cw.GraphWidget(
                title=f"{name}: messages",
                left=[
                    Monitoring.metric(
                        "AWS/SQS",
                        "NumberOfMessagesSent",
                        self._queue_dims,
                        period_minutes=1,
                        label="Received",
                    ),
                    Monitoring.metric(
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        self._queue_dims,
                        statistic="Maximum",
                        period_minutes=1,
                        label="Waiting",
                    ),
                    _visible(self._dlq_dims, "Dead-letter queue"),
                    _visible(self._subscription_dlq_dims, "Undeliverable"),
                ],
                width=12,
            ),
            cw.GraphWidget(
                title=f"{name}: oldest message age (s)",
                left=[
                    Monitoring.metric(
                        "AWS/SQS",
                        "ApproximateAgeOfOldestMessage",
                        self._queue_dims,
                        statistic="Maximum",
                        period_minutes=1,
                        label="Oldest message",
                    )
                ],
                width=12,
            ),
        ]
        if self.pattern_function is not None:
            widgets.extend(self.pattern_function.dashboard_widgets(name))
        return widgets


class FanoutQueue(Construct):
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
        :param deployment: How new function versions reach traffic. Default: - DeploymentStrategy.canary()
            (10% for 5 minutes, rolled back on the function's error or throttle alarm)
        :param monitoring: Alarm thresholds and the monitoring to register with.
            Default: - MonitoringOptions() (the stack's shared alarm topic and dashboard)
        """
        super().__init__(scope, id)
        deployment = deployment or DeploymentStrategy.canary()
        monitoring_options = monitoring or MonitoringOptions()
        is_fifo = bool(topic.fifo) if topic is not None else fifo
        self._validate(
            subscribers, topic, fifo, content_based_deduplication, is_fifo, deployment, monitoring_options
        )
        self.fifo = is_fifo
        self.monitoring = Monitoring.of(self, monitoring_options)
        thresholds = monitoring_options.thresholds

        self.key: kms.Key | None = None
        if topic is None:
            # SNS decrypts each message before it delivers it to the queues, which use SQS-managed
            # encryption (as do the redrive queues), so the key policy needs no service statement:
            # publishers get kms:GenerateDataKey and kms:Decrypt from grant_publish through IAM, which
            # the account statement of the default key policy enables. AWS services that publish
            # (EventBridge, S3, CloudWatch) need a statement of their own: add it to ``.key``.
            topic, self.key = encrypted_topic(
                self,
                "Resource",
                key_id="TopicKey",
                key_description=f"Encrypts the messages of the {self.node.path} topic",
                fifo=fifo,
                content_based_deduplication=content_based_deduplication,
            )
        self.topic: sns.ITopic = topic

        with_functions = any(s.function is not None for s in subscribers.values())
        self.deployments = (
            Deployments(self, "Deployments", deployment)
            if deployment.uses_codedeploy and with_functions
            else None
        )
        container = Construct(self, "Subscribers")
        self.subscribers: dict[str, FanoutSubscriber] = {
            name: FanoutSubscriber(
                container,
                name,
                subscriber=subscriber,
                topic=topic,
                fifo=is_fifo,
                service_name=f"{id}-{name}",
                monitoring=self.monitoring,
                thresholds=thresholds,
                deployments=self.deployments,
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
        self.notifications_failed_alarm = self.monitoring.alarm(
            self,
            "NotificationsFailedAlarm",
            kind=AlarmKind.NOTIFICATIONS_FAILED,
            metric=self._metric_failed,
            subject=f"{self.node.path} topic",
            thresholds=thresholds,
        )
        self.alarms: list[cw.Alarm] = [
            self.notifications_failed_alarm,
            *(a for s in self.subscribers.values() for a in s.alarms),
        ]
        if monitoring_options.dashboard:
            widgets: list[cw.IWidget] = [
                cw.GraphWidget(
                    title="Topic: messages",
                    left=[
                        Monitoring.metric(
                            "AWS/SNS", "NumberOfMessagesPublished", topic_dims, label="Published"
                        ),
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
            for subscriber in self.subscribers.values():
                widgets.extend(subscriber.dashboard_widgets())
            self.monitoring.add_section(f"FanoutQueue {self.node.path}", widgets, self.alarms)

    # ------------------------------------------------------------------ public API
    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` publish to the topic, and use the topic's key for the message.

        On the topic this construct creates, the key actions are exactly ``kms:GenerateDataKey`` and
        ``kms:Decrypt`` (what publishing to an encrypted topic needs, no wildcard); on your own
        topic, ``topic.grant_publish`` decides.
        """
        return grant_publish(self.topic, self.key, grantee)

    def metric_number_of_notifications_failed(self) -> cw.IMetric:
        """SNS notifications to the queues that failed to deliver (Sum over five minutes)."""
        return self._metric_failed

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        subscribers: Mapping[str, Subscriber],
        topic: sns.ITopic | None,
        fifo: bool,
        content_based_deduplication: bool,
        is_fifo: bool,
        deployment: DeploymentStrategy,
        monitoring: MonitoringOptions,
    ) -> None:
        problems = Problems()
        if topic is not None:
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
        elif content_based_deduplication and not fifo:
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
        problems.extend(deployment.problems())
        problems.extend(threshold_problems(monitoring.thresholds))
        problems.raise_if_any(self.node.path)


def _subscriber_problems(label: str, subscriber: Subscriber, fifo: bool) -> list[str]:
    found = Problems()
    spec = subscriber.function
    if spec is not None:
        if isinstance(spec, FunctionSpec):
            found.extend(spec.problems(f"{label}.function"))
        else:
            found.add(f"{label}.function must be a FunctionSpec, got {type(spec).__name__}")
            spec = None
    batch = subscriber.batch_size
    window = subscriber.max_batching_window
    if window is not None and not isinstance(window, cdk.Duration):
        found.add(f"{label}.max_batching_window must be a Duration, got {window!r}")
        window = None
    window_seconds = _seconds(window)
    if spec is None:
        unused = [
            prop
            for prop, given in (
                ("batch_size", batch != DEFAULT_BATCH_SIZE),
                ("max_batching_window", window is not None),
                ("max_concurrency", subscriber.max_concurrency is not None),
            )
            if given
        ]
        if unused:
            found.add(
                f"{label}: {', '.join(unused)} configure the function's event source; give a function "
                "or drop them (a queue-only subscriber is drained outside the stack)"
            )
    if fifo:
        found.in_range(f"{label}.batch_size", batch, 1, MAX_BATCH_SIZE_FIFO, "messages for a FIFO queue")
        if window is not None:
            found.add(f"{label}.max_batching_window is not supported for FIFO queues; drop it")
    else:
        found.in_range(f"{label}.batch_size", batch, 1, MAX_BATCH_SIZE_STANDARD, "messages")
        found.in_range(
            f"{label}.max_batching_window", window_seconds, 0, MAX_BATCHING_WINDOW_SECONDS, "seconds"
        )
        if window_seconds is not None and not window_seconds.is_integer():
            found.add(
                f"{label}.max_batching_window must be a whole number of seconds, got {window_seconds:g}"
            )
        if (
            not is_token(batch)
            and MAX_BATCH_SIZE_WITHOUT_WINDOW < batch <= MAX_BATCH_SIZE_STANDARD
            and (window is None or (window_seconds is not None and window_seconds < 1))
        ):
            found.add(
                f"{label}: a batch_size above {MAX_BATCH_SIZE_WITHOUT_WINDOW} needs a max_batching_window of "
                f"at least 1 second, got batch_size {batch} and a window of {window_seconds or 0:g} s"
            )
    if subscriber.max_concurrency is not None:
        found.in_range(f"{label}.max_concurrency", subscriber.max_concurrency, 2, 1000)
    found.one_of(
        f"{label}.filter_policy_scope",
        subscriber.filter_policy_scope,
        (FilterPolicyScope.MESSAGE_ATTRIBUTES, FilterPolicyScope.MESSAGE_BODY),
    )
    if subscriber.filter_policy is not None:
        found.extend(
            _filter_policy_problems(
                f"{label}.filter_policy", subscriber.filter_policy, subscriber.filter_policy_scope
            )
        )
    options = subscriber.queue
    if options is not None:
        if not isinstance(options, QueueOptions):
            found.add(f"{label}.queue must be QueueOptions, got {type(options).__name__}")
        else:
            found.extend(options.problems(f"{label}.queue"))
            visibility = _seconds(options.visibility_timeout)
            timeout = spec.timeout_seconds if spec is not None else None
            if visibility is not None and timeout is not None and visibility < timeout:
                found.add(
                    f"{label}.queue.visibility_timeout must be at least the function's timeout "
                    f"({timeout:g} s), got {visibility:g} s"
                )
    return list(found)


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
                    if not isinstance(item, (*_SCALAR, Mapping)):
                        found.append(
                            f"{at} values must be strings, numbers, booleans, null or operator dicts "
                            f"such as {{'prefix': 'a'}}, got {item!r}"
                        )
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


def _seconds(duration: cdk.Duration | None) -> float | None:
    """Seconds of ``duration`` (fractions kept), or None when it is not given or an unresolved token."""
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_milliseconds()) / 1000


def _visible(dims: Mapping[str, str], label: str, kind: str | None = None) -> cw.Metric:
    if kind is not None:
        return Monitoring.queue_metric(dims["QueueName"], kind=kind, label=label)
    return Monitoring.metric(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        dims,
        statistic="Maximum",
        period_minutes=1,
        label=label,
    )
