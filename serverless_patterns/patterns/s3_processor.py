"""S3Processor: objects arriving in (or leaving) an S3 bucket, processed by a Lambda function."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from ..core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    InvocationType,
    Monitoring,
    MonitoringOptions,
    Pattern,
    PatternFunction,
    QueueOptions,
    acknowledge,
    acknowledge_all,
)
from ..core.consumer import (
    DEFAULT_BATCH_SIZE,
    Batching,
    QueueConsumer,
    queue_options_problems,
)
from ..core.monitoring import Graph
from ..core.queue import parking_queue
from ..errors import Problems, is_token

__all__ = ["S3Delivery", "S3Processor"]

# Event types that stand for a family of others ("s3:ObjectCreated:*" covers "s3:ObjectCreated:Put").
_WILDCARD_EVENTS = (
    "OBJECT_CREATED",
    "OBJECT_REMOVED",
    "OBJECT_RESTORE",
    "OBJECT_TAGGING",
    "REPLICATION",
    "LIFECYCLE_EXPIRATION",
)
_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
# The S3 notification configurations each bucket already has from S3Processors in this app:
# app -> bucket key -> [(event type name, prefix, suffix, owner path)]. Keyed by the app object (every
# app's root has the same node address, so an address would mix the apps of one process).
_REGISTERED: weakref.WeakKeyDictionary[IConstruct, dict[str, list[tuple[str, str, str, str]]]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class _Flow:
    """What one S3Processor of the app reads and writes, to find loops through several buckets."""

    path: str
    reads: str
    filters: tuple[_Filter, ...]
    on_create: bool
    writes: str | None
    prefix: str

    def triggered_by(self, bucket: str, prefix: str) -> bool:
        """Whether an object written to ``bucket`` under ``prefix`` may trigger this processor."""
        return self.on_create and bucket == self.reads and any(f.takes(prefix) for f in self.filters)


_FLOWS: weakref.WeakKeyDictionary[IConstruct, list[_Flow]] = weakref.WeakKeyDictionary()


def _registered(root: IConstruct) -> dict[str, list[tuple[str, str, str, str]]]:
    found = _REGISTERED.get(root)
    if found is None:
        found = _REGISTERED[root] = {}
    return found


class S3Delivery(StrEnum):
    """How S3 events reach the function."""

    QUEUE = "queue"
    """S3 -> SQS queue (with a DLQ) -> function through an event source mapping that reports partial
    batch failures: a failing object is retried, then parked in the DLQ, never lost."""
    DIRECT = "direct"
    """S3 invokes the function asynchronously; after the retries the event goes to an on-failure
    queue. Lower latency, no batching."""


@dataclass(frozen=True)
class _Filter:
    prefix: str
    suffix: str

    def overlaps(self, other: _Filter) -> bool:
        """Whether S3 would call the two filters overlapping (a key could match both)."""
        prefixes = self.prefix.startswith(other.prefix) or other.prefix.startswith(self.prefix)
        suffixes = self.suffix.endswith(other.suffix) or other.suffix.endswith(self.suffix)
        return prefixes and suffixes

    def takes(self, prefix: str) -> bool:
        """Whether objects written under ``prefix`` may match this filter (whatever their suffix)."""
        return prefix.startswith(self.prefix) or self.prefix.startswith(prefix)

    def __str__(self) -> str:
        return f"(prefix {self.prefix!r}, suffix {self.suffix!r})"


class S3Processor(Pattern):
    """An S3 bucket whose object events are processed by a Lambda function, reliably.

    By default events are buffered in an SQS queue with a dead-letter queue and consumed in batches
    that report partial failures; ``delivery=S3Delivery.DIRECT`` lets S3 invoke the function
    asynchronously with an on-failure queue instead. The function may read the objects under the
    filtered prefixes (and write under ``output_prefix``), nothing else.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionSpec,
        bucket: s3.IBucket | None = None,
        event_types: Sequence[s3.EventType] = (s3.EventType.OBJECT_CREATED,),
        prefix: str | None = None,
        suffix: str | None = None,
        filters: Sequence[s3.NotificationKeyFilter] | None = None,
        delivery: S3Delivery = S3Delivery.QUEUE,
        batch_size: int | None = None,
        max_batching_window: cdk.Duration | None = None,
        queue: QueueOptions | None = None,
        retry_attempts: int | None = None,
        output_prefix: str | None = None,
        output_bucket: s3.IBucket | None = None,
        versioned: bool | None = None,
        noncurrent_version_expiration: cdk.Duration | None = None,
        access_logs: bool | None = None,
        access_log_retention: cdk.Duration | None = None,
        removal_policy: cdk.RemovalPolicy | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
    ) -> None:
        """
        :param function: The function that processes the events. It gets ``BUCKET_NAME`` (and
            ``OUTPUT_BUCKET_NAME``, ``OUTPUT_PREFIX`` when it may write) in its environment.
        :param bucket: Your bucket. Default: - a bucket is created (public access blocked, SSE-S3,
            TLS-only, versioned, server access logs to a second secured bucket, retained)
        :param event_types: The S3 events to process. Default: - [EventType.OBJECT_CREATED]
        :param prefix: Only keys starting with this, literally (S3 filters have no wildcards).
            Default: - every key
        :param suffix: Only keys ending with this, literally (``".jpg"``, not ``"*.jpg"``).
            Default: - every key
        :param filters: Several key filters, each a prefix and/or suffix; an event matching any of
            them is processed. Default: - one filter from ``prefix`` and ``suffix``
        :param delivery: ``S3Delivery.QUEUE`` or ``S3Delivery.DIRECT``. Default: S3Delivery.QUEUE
        :param batch_size: Messages per invocation, 1..10000; above 10 needs ``max_batching_window``
            (queue delivery only). Default: - 10
        :param max_batching_window: How long to gather messages before invoking, 0..300 s (queue
            delivery only). Default: - none
        :param queue: Options of the buffer queue and its DLQ (queue delivery only).
            Default: - QueueOptions() (3 receives, then the DLQ)
        :param retry_attempts: Retries of a failed asynchronous invocation, 0..2 (direct delivery
            only). Default: - 2
        :param output_prefix: Key prefix under which the function may write (``s3:PutObject``) to
            the bucket, or to ``output_bucket``. Default: - no write access
        :param output_bucket: A bucket the function may write to (under ``output_prefix`` if given).
            Writing where an object would trigger the function again is refused: in the processed
            bucket under a filtered prefix, or through other S3Processors' buckets back to it.
            Default: - none
        :param versioned: Versioning of the created bucket. Default: - True; not allowed with ``bucket``
        :param noncurrent_version_expiration: When noncurrent versions of objects in the created
            bucket expire. Default: - 30 days
        :param access_logs: Server access logs for the created bucket, to a bucket of their own
            (versioned; noncurrent log versions expire after ``noncurrent_version_expiration``).
            Default: - True; not allowed with ``bucket``
        :param access_log_retention: How long access logs are kept. Default: - 90 days
        :param removal_policy: What happens to the created buckets when they leave the stack.
            Default: - the stage's: RETAIN (prod), DESTROY (dev); not allowed with ``bucket``
        :param deployment: How new function versions reach traffic.
            Default: - the stage's: DeploymentStrategy.canary() (prod), all_at_once() (dev)
        :param monitoring: Alarm thresholds and the monitoring to register with.
            Default: - MonitoringOptions() (the stack's shared alarm topic and dashboard)
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring)
        # Server access logs are delivered under a bucket policy, never the legacy LogDeliveryWrite ACL,
        # whatever the app's feature flags say.
        self.node.set_context(_LOGS_USE_BUCKET_POLICY, True)
        bucket_options = {
            "versioned": versioned,
            "noncurrent_version_expiration": noncurrent_version_expiration,
            "access_logs": access_logs,
            "access_log_retention": access_log_retention,
            "removal_policy": removal_policy,
        }
        batching = Batching(
            batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
            max_batching_window=max_batching_window,
        )
        key_filters, registry_key = self._validate(
            function,
            bucket,
            bucket_options,
            event_types,
            prefix,
            suffix,
            filters,
            delivery,
            batching,
            queue,
            retry_attempts,
            output_prefix,
            output_bucket,
        )
        types = list(event_types)
        self.access_logs_bucket: s3.Bucket | None = None
        self.bucket: s3.IBucket = bucket or self._create_bucket(
            versioned is not False,
            noncurrent_version_expiration or cdk.Duration.days(30),
            access_logs is not False,
            access_log_retention or cdk.Duration.days(90),
            removal_policy or self._defaults.removal_policy,
        )

        environment = {"BUCKET_NAME": self.bucket.bucket_name}
        write_bucket = output_bucket or (self.bucket if output_prefix is not None else None)
        if write_bucket is not None:
            environment["OUTPUT_BUCKET_NAME"] = write_bucket.bucket_name
            environment["OUTPUT_PREFIX"] = output_prefix or ""

        self.queue: sqs.Queue | None = None
        self.delivery = delivery
        self._consumer: QueueConsumer | None = None
        widgets: list[Graph] = []
        if delivery == S3Delivery.QUEUE:
            consumer = QueueConsumer(
                self,
                self,
                scope_path=self.path,
                title=self.path,
                spec=function,
                service_name=id,
                queue=queue,
                batching=batching,
                name="Function",
                environment=environment,
                mapping_in_alias=True,
            )
            assert consumer.pattern_function is not None
            pf = consumer.pattern_function
            self._consumer = consumer
            self.queue = consumer.queue
            self.dead_letter_queue: sqs.Queue = consumer.dead_letter_queue
            destination: s3.IBucketNotificationDestination = s3n.SqsDestination(consumer.queue)
            widgets = consumer.graphs("Queue")
            self._parked = consumer.parked_metric
        else:
            self.dead_letter_queue = parking_queue(
                self,
                "FailureQueue",
                role=f"the on-failure destination of the {self.path} function's S3 invocations",
            )
            pf = self._single_function(
                function,
                InvocationType.ASYNC,
                environment=environment,
                on_failure_queue=self.dead_letter_queue,
                retry_attempts=2 if retry_attempts is None else retry_attempts,
            )
            destination = s3n.LambdaDestination(pf.alias)
            self._parked = Monitoring.queue_metric(
                self.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Parked events"
            )
            self._alarms(
                self,
                (
                    "DeadLetterQueueDepthAlarm",
                    AlarmKind.DLQ_DEPTH,
                    self._parked,
                    f"{self.path} on-failure queue",
                ),
            )
            widgets = [Graph("Parked events", [self._parked], width=12)]

        for key_filter in key_filters:
            notification_filters = (
                [s3.NotificationKeyFilter(prefix=key_filter.prefix or None, suffix=key_filter.suffix or None)]
                if key_filter.prefix or key_filter.suffix
                else []
            )
            for event_type in types:
                self.bucket.add_event_notification(event_type, destination, *notification_filters)
        self._drop_redundant_dependencies()
        if registry_key is not None:
            _registered(self.node.root).setdefault(registry_key, []).extend(
                (t.name, f.prefix, f.suffix, self.path) for f in key_filters for t in types
            )

        flows = _FLOWS.setdefault(self.node.root, [])
        flows.append(
            _Flow(
                self.path,
                self._bucket_key(self.bucket),
                tuple(key_filters),
                any(t.name.startswith("OBJECT_CREATED") for t in types),
                None if write_bucket is None else self._bucket_key(write_bucket),
                output_prefix or "",
            )
        )
        self._grant(pf, key_filters, write_bucket, output_prefix)
        self._acknowledge_notifications_handler()
        self._dashboard_section(widgets)

    # ------------------------------------------------------------------ public API
    def grant_write(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Lets ``grantee`` upload objects (``s3:PutObject`` and friends) to the processed bucket,
        under ``objects_key_pattern``; with a KMS-encrypted bucket of yours, its key too."""
        return self.bucket.grant_write(grantee, objects_key_pattern)

    def grant_read(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Lets ``grantee`` read objects of the processed bucket under ``objects_key_pattern``."""
        return self.bucket.grant_read(grantee, objects_key_pattern)

    def metric_dead_letter_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """``ApproximateNumberOfMessagesVisible`` of the DLQ (queue delivery) or on-failure queue
        (direct delivery): events parked (Maximum over one minute). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._parked, options)

    def metric_approximate_age_of_oldest_message(self, **options: Any) -> cw.IMetric:
        """``ApproximateAgeOfOldestMessage`` of the buffer queue, in seconds (queue delivery only;
        AttributeError with direct delivery)."""
        return self._metric(None if self._consumer is None else self._consumer.age_metric, options)

    # ------------------------------------------------------------------ building
    def _create_bucket(
        self,
        versioned: bool,
        noncurrent_expiration: cdk.Duration,
        access_logs: bool,
        log_retention: cdk.Duration,
        removal_policy: cdk.RemovalPolicy,
    ) -> s3.Bucket:
        secured: dict[str, Any] = {
            "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
            "encryption": s3.BucketEncryption.S3_MANAGED,
            "enforce_ssl": True,
            "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            "removal_policy": removal_policy,
        }
        if access_logs:
            self.access_logs_bucket = s3.Bucket(
                self,
                "AccessLogsBucket",
                # Versioned so a deleted or overwritten log survives as a noncurrent version (Checkov
                # CKV_AWS_21); expired logs' versions go as the bucket's own noncurrent versions do.
                versioned=True,
                lifecycle_rules=[
                    s3.LifecycleRule(
                        id="ExpireAccessLogs",
                        expiration=log_retention,
                        noncurrent_version_expiration=noncurrent_expiration,
                    )
                ],
                **secured,
            )
            acknowledge(
                self.access_logs_bucket,
                "AwsSolutions-S1",
                "This bucket receives the server access logs of its sibling bucket; logging it as well "
                "would log every log delivery",
            )
        rules = [
            s3.LifecycleRule(
                id="AbortIncompleteMultipartUploads",
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            )
        ]
        if versioned:
            rules.append(
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions", noncurrent_version_expiration=noncurrent_expiration
                )
            )
        bucket = s3.Bucket(
            self,
            "Bucket",
            versioned=versioned,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="access-logs/" if access_logs else None,
            lifecycle_rules=rules,
            **secured,
        )
        if not access_logs:
            acknowledge(
                bucket,
                "AwsSolutions-S1",
                "Server access logging was turned off explicitly (access_logs=False)",
            )
        return bucket

    def _grant(
        self,
        pf: PatternFunction,
        key_filters: list[_Filter],
        write_bucket: s3.IBucket | None,
        output_prefix: str | None,
    ) -> None:
        prefixes = sorted({f.prefix for f in key_filters})
        read_patterns = ["*"] if "" in prefixes else [f"{p}*" for p in prefixes]
        # The object and data-key statements go in a policy of their own, and only that policy is
        # acknowledged (CONTRIBUTING.md, "Acknowledgments"): a grant added to the role later lands in its DefaultPolicy
        # and is judged as written. A child of the role, so the function waits for it as for the role.
        statements = [
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(p) for p in read_patterns],
            )
        ]
        key = self.bucket.encryption_key
        if key is not None:  # what key.grant_decrypt grants
            statements.append(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
        write_pattern = f"{output_prefix or ''}*"
        write_key = write_bucket.encryption_key if write_bucket is not None else None
        if write_bucket is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["s3:PutObject"], resources=[write_bucket.arn_for_objects(write_pattern)]
                )
            )
            if write_key is not None:  # what key.grant_encrypt grants
                statements.append(
                    iam.PolicyStatement(
                        actions=["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                        resources=[write_key.key_arn],
                    )
                )
        policy = iam.Policy(pf.role, "ObjectAccessPolicy", roles=[pf.role], statements=statements)
        # The function's DependsOn lists its role's policies as core/function.py knows them; no event
        # reaches it before this one exists, since the bucket's notification configuration waits for it.
        notifications = self.bucket.node.try_find_child("Notifications")
        configuration = notifications.node.try_find_child("Resource") if notifications is not None else None
        if configuration is not None:
            configuration.node.add_dependency(policy)
        stack = self.stack
        objects = [(self.bucket, p, "read") for p in read_patterns]
        if write_bucket is not None:
            objects.append((write_bucket, write_pattern, "write"))
        acknowledgments: list[tuple[str, str, str | None]] = [
            (
                "AwsSolutions-IAM5",
                f"The function may {verb} objects under {pattern!r} only: the keys are the objects S3 "
                "reports, unknown before they arrive",
                f"Resource::{_nag_form(stack.resolve(bucket.arn_for_objects(pattern)))}",
            )
            for bucket, pattern, verb in objects
        ]
        if write_key is not None:
            acknowledgments.extend(
                (
                    "AwsSolutions-IAM5",
                    "KMS data-key actions on the output bucket's own key only, which S3 needs to encrypt "
                    "the objects the function writes",
                    f"Action::{action}",
                )
                for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*")
            )
        acknowledge_all(policy, acknowledgments)

    def _drop_redundant_dependencies(self) -> None:
        # CDK makes the notifications resource depend on the queue it references with GetAtt, and its
        # handler on the role it references with GetAtt (cfn-lint W3005). Keep the other dependencies.
        notifications = self.bucket.node.try_find_child("Notifications")
        resource = notifications.node.try_find_child("Resource") if notifications is not None else None
        if isinstance(resource, cdk.CfnResource) and self.queue is not None:
            queue = self.queue.node.default_child
            assert isinstance(queue, cdk.CfnResource)
            _depends_on_without(resource, queue)
        handler = self.stack.node.try_find_child(_NOTIFICATIONS_HANDLER)
        if handler is not None:
            function = handler.node.try_find_child("Resource")
            role = handler.node.try_find_child("Role")
            if isinstance(function, cdk.CfnResource) and role is not None:
                cfn_role = role.node.default_child
                assert isinstance(cfn_role, cdk.CfnResource)
                _depends_on_without(function, cfn_role)

    def _acknowledge_notifications_handler(self) -> None:
        # CDK's singleton custom resource that writes the bucket's notification configuration.
        handler = self.stack.node.try_find_child(_NOTIFICATIONS_HANDLER)
        if handler is None:
            return
        reason = (
            "AWS CDK's BucketNotificationsHandler: a deployment-time custom resource that only calls "
            "s3:PutBucketNotification while the stack deploys; it is not part of the event path"
        )
        acknowledge(
            handler,
            "AwsSolutions-IAM4",
            reason,
            finding="Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        function: FunctionSpec,
        bucket: s3.IBucket | None,
        bucket_options: Mapping[str, object],
        event_types: Sequence[s3.EventType],
        prefix: str | None,
        suffix: str | None,
        filters: Sequence[s3.NotificationKeyFilter] | None,
        delivery: S3Delivery,
        batching: Batching,
        queue: QueueOptions | None,
        retry_attempts: int | None,
        output_prefix: str | None,
        output_bucket: s3.IBucket | None,
    ) -> tuple[list[_Filter], str | None]:
        problems = self._problems()
        if not isinstance(function, FunctionSpec):
            problems.add(f"function must be a FunctionSpec, got {type(function).__name__}")
        else:
            problems.extend(function.problems("function"))
        if bucket is not None and not problems.interface(
            "bucket", bucket, ("bucket_arn", "bucket_name", "add_event_notification"), "an s3.IBucket"
        ):
            bucket = None
        if output_bucket is not None and not problems.interface(
            "output_bucket", output_bucket, ("bucket_arn", "bucket_name", "arn_for_objects"), "an s3.IBucket"
        ):
            output_bucket = None
        if bucket is not None:
            options_given = [name for name, value in bucket_options.items() if value is not None]
            if options_given:
                problems.add(
                    "bucket: give your own bucket or the options to build one, not both "
                    f"(got bucket and {', '.join(options_given)})"
                )
        else:
            for switch in ("versioned", "access_logs"):
                if bucket_options[switch] is not None:
                    problems.boolean(switch, bucket_options[switch])
            pairs = (
                ("noncurrent_version_expiration", "versioned"),
                ("access_log_retention", "access_logs"),
            )
            for option, switch in pairs:
                if bucket_options[option] is not None and bucket_options[switch] is False:
                    problems.add(f"{option} has no effect with {switch}=False; drop one of them")
            for option in ("noncurrent_version_expiration", "access_log_retention"):
                value = bucket_options[option]
                if value is None:
                    continue
                if not isinstance(value, cdk.Duration):
                    problems.add(f"{option} must be a Duration, got {value!r}")
                elif not value.is_unresolved():
                    days = float(value.to_milliseconds()) / 86_400_000
                    problems.require(
                        days >= 1 and days.is_integer(),
                        f"{option} must be a whole number of days, got {days:g}",
                    )
            removal = bucket_options["removal_policy"]
            if removal is not None:
                problems.instance("removal_policy", removal, cdk.RemovalPolicy, "a cdk.RemovalPolicy")
        typed: list[s3.EventType] = []
        if problems.sequence("event_types", event_types, "s3.EventType values"):
            if not event_types:
                problems.add("event_types must name at least one s3.EventType, got []")
            for event_type in event_types:
                problems.require(
                    isinstance(event_type, s3.EventType),
                    f"event_types must be s3.EventType values, got {event_type!r}",
                )
            typed = [t for t in event_types if isinstance(t, s3.EventType)]
        for i, a in enumerate(typed):
            for b in typed[i + 1 :]:
                if a.name == b.name:
                    problems.add(f"event_types: {a.name} is given twice; give it once")
                elif _events_overlap(a.name, b.name):
                    problems.add(f"event_types: {a.name} and {b.name} overlap; keep the broader one")

        key_filters: list[_Filter] = []
        if filters is not None:
            if prefix is not None or suffix is not None:
                problems.add("give prefix/suffix or filters, not both")
            if problems.sequence("filters", filters, "s3.NotificationKeyFilter"):
                if not filters:
                    problems.add("filters must have at least one filter, got []")
                for index, given in enumerate(filters):
                    if problems.instance(
                        f"filters[{index}]", given, s3.NotificationKeyFilter, "an s3.NotificationKeyFilter"
                    ):
                        key_filters.append(_Filter(given.prefix or "", given.suffix or ""))
        else:
            for part, value in (("prefix", prefix), ("suffix", suffix)):
                if value is not None:
                    problems.string(part, value)
            key_filters = [
                _Filter(prefix if isinstance(prefix, str) else "", suffix if isinstance(suffix, str) else "")
            ]
        for f in key_filters:
            for part, value in (("prefix", f.prefix), ("suffix", f.suffix)):
                if is_token(value):
                    problems.add(
                        f"{part} must be a literal string (S3 filters are checked for overlap), got a token"
                    )
                elif len(value) > 1024:
                    problems.add(f"{part} must be at most 1024 characters, got {len(value)}")
                elif "*" in value:
                    problems.add(
                        f"{part} must be a literal key {part}: S3 filters have no wildcards, got {value!r}"
                    )
        for i, first in enumerate(key_filters):
            for second in key_filters[i + 1 :]:
                if first.overlaps(second):
                    problems.add(
                        f"filters {first} and {second} overlap: S3 rejects overlapping filters for the same event "
                        "types on a bucket"
                    )
        registry_key = None
        if bucket is not None:
            registry_key = self._bucket_key(bucket)
            for type_name, other_prefix, other_suffix, owner in _registered(self.node.root).get(
                registry_key, []
            ):
                other = _Filter(other_prefix, other_suffix)
                for f in key_filters:
                    clash = [t.name for t in typed if _events_overlap(t.name, type_name)]
                    if clash and f.overlaps(other):
                        problems.add(
                            f"filter {f} overlaps filter {other} of {owner} on the same bucket for "
                            f"{clash[0]} and {type_name}: S3 rejects overlapping notification filters"
                        )

        problems.one_of("delivery", delivery, list(S3Delivery))
        if delivery == S3Delivery.DIRECT:
            for option in batching.given():
                problems.add(f"{option} applies to queue delivery only; S3 invokes the function per event")
            if queue is not None:
                problems.add("queue applies to queue delivery only; S3 invokes the function directly")
            if retry_attempts is not None:
                problems.whole_number("retry_attempts", retry_attempts, 0, 2)
        else:
            if retry_attempts is not None:
                problems.add(
                    "retry_attempts applies to direct delivery only; with a queue use "
                    "queue=QueueOptions(max_receive_count=...)"
                )
            problems.extend(batching.problems())
            problems.extend(
                queue_options_problems(
                    "queue", queue, function if isinstance(function, FunctionSpec) else None
                )
            )
        problems.extend(self._recursion_problems(bucket, output_bucket, output_prefix, typed, key_filters))
        self._check(problems)
        return key_filters, registry_key

    def _recursion_problems(
        self,
        bucket: s3.IBucket | None,
        output_bucket: s3.IBucket | None,
        output_prefix: object,
        typed: Sequence[s3.EventType],
        key_filters: Sequence[_Filter],
    ) -> list[str]:
        """Writing where the function reads would trigger it again: S3 -> Lambda -> S3 forever.
        That is writing to the processed bucket (no ``output_bucket``, or an ``output_bucket`` that is
        the processed bucket itself) under a prefix the filters match."""
        found = Problems()
        if output_prefix is not None and not is_token(output_prefix):
            if not found.string("output_prefix", output_prefix) or not isinstance(output_prefix, str):
                return list(found)
            if "*" in output_prefix:
                found.add(
                    "output_prefix must be a literal key prefix (the grant adds the '*'), "
                    f"got {output_prefix!r}"
                )
        same = output_bucket is not None and (
            output_bucket is bucket
            or (bucket is not None and self._bucket_key(output_bucket) == self._bucket_key(bucket))
        )
        if output_bucket is not None and not same:
            if bucket is not None and (output_prefix is None or isinstance(output_prefix, str)):
                found.extend(
                    self._loop_problems(bucket, output_bucket, output_prefix or "", typed, key_filters)
                )
            return list(found)
        if same and output_prefix is None:
            found.add(
                "output_bucket is the processed bucket: give output_prefix outside the filtered prefixes, "
                "or the objects the function writes would trigger it again"
            )
            return list(found)
        if not isinstance(output_prefix, str) or is_token(output_prefix):
            return list(found)
        if output_prefix == "":
            found.add(
                "output_prefix must not be empty when writing to the processed bucket: the function "
                "would trigger itself"
            )
            return list(found)
        if any(t.name.startswith("OBJECT_CREATED") for t in typed):
            for f in key_filters:
                if output_prefix.startswith(f.prefix) or f.prefix.startswith(output_prefix):
                    found.add(
                        f"output_prefix {output_prefix!r} overlaps the filter {f}: objects the "
                        "function writes would trigger it again; write outside the filtered "
                        "prefixes or to another output_bucket"
                    )
        return list(found)

    def _loop_problems(
        self,
        bucket: s3.IBucket,
        output_bucket: s3.IBucket,
        output_prefix: str,
        typed: Sequence[s3.EventType],
        key_filters: Sequence[_Filter],
    ) -> list[str]:
        """A loop through other buckets: this function writes to ``output_bucket``, which other
        S3Processors of the app process, writing on until something lands back where this one reads."""
        me = _Flow(
            self.path,
            self._bucket_key(bucket),
            tuple(key_filters),
            any(t.name.startswith("OBJECT_CREATED") for t in typed),
            self._bucket_key(output_bucket),
            output_prefix,
        )
        if not me.on_create:
            return []
        flows = _FLOWS.get(self.node.root, [])
        # Breadth-first over the processors an object this function writes may trigger, in turn.
        queue: list[tuple[str, str, list[str]]] = [(me.writes or "", me.prefix, [])]
        seen: set[str] = set()
        while queue:
            written_to, prefix, chain = queue.pop(0)
            if me.triggered_by(written_to, prefix):
                return [
                    f"output_bucket: what the function writes (under {output_prefix!r}) triggers "
                    f"{' -> '.join(chain)}, which writes back under the filtered prefixes of the processed "
                    "bucket: an S3 -> Lambda -> S3 loop; write elsewhere or narrow a filter"
                ]
            for flow in flows:
                if (
                    flow.path not in seen
                    and flow.writes is not None
                    and flow.triggered_by(written_to, prefix)
                ):
                    seen.add(flow.path)
                    queue.append((flow.writes, flow.prefix, [*chain, flow.path]))
        return []

    def _bucket_key(self, bucket: s3.IBucket) -> str:
        name = bucket.bucket_name
        return name if not is_token(name) else bucket.node.addr


def _events_overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    return (a in _WILDCARD_EVENTS and b.startswith(a + "_")) or (
        b in _WILDCARD_EVENTS and a.startswith(b + "_")
    )


def _depends_on_without(resource: cdk.CfnResource, redundant: cdk.CfnResource) -> None:
    """Renders ``resource``'s DependsOn without ``redundant`` (which it already references)."""
    resource.add_override("DependsOn", cdk.Lazy.any(_DependsOnWithout(resource, redundant)))


@jsii.implements(cdk.IStableAnyProducer)
class _DependsOnWithout:
    def __init__(self, resource: cdk.CfnResource, redundant: cdk.CfnResource) -> None:
        self._resource = resource
        self._redundant = redundant

    def produce(self) -> list[str] | None:
        stack = self._resource.stack
        drop = stack.resolve(self._redundant.logical_id)
        ids = {
            stack.resolve(d.logical_id)
            for d in self._resource.obtain_dependencies()
            if isinstance(d, cdk.CfnResource)
        } - {drop}
        return sorted(ids) or None


def _nag_form(value: object) -> str:
    """A resolved ARN as cdk-nag prints it in a finding: ``<Logical.Arn>``, ``<AWS::Partition>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return f"<{logical}.{attribute}>"
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(_nag_form(p) for p in parts)
    return str(value)
