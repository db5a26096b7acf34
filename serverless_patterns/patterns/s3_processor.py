"""S3Processor: objects arriving in (or leaving) an S3 bucket, processed by a Lambda function."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core import DeploymentStrategy, FunctionSpec, MonitoringOptions, Pattern, QueueOptions, acknowledge
from ..core.slo import Slo
from ..core.sources.bucket import BUCKET_ATTRIBUTES, DEFAULT_EVENT_TYPES, BucketSource, S3Delivery
from ..errors import Problems

__all__ = ["S3Delivery", "S3Processor"]

_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


class S3Processor(Pattern):
    """An S3 bucket whose object events are processed by a Lambda function, reliably.

    By default events are buffered in an SQS queue with a dead-letter queue and consumed in batches
    that report partial failures; ``delivery=S3Delivery.DIRECT`` lets S3 invoke the function
    asynchronously with an on-failure queue instead. The function may read the objects under the
    filtered prefixes (and write under ``output_prefix``), nothing else. The events come through a
    :class:`~serverless_patterns.core.sources.bucket.BucketSource` (``.source``).

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
    :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
    :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
    :param slo: An SLO (:class:`Slo`) measured on the function. Default: - no SLO"""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionSpec,
        bucket: s3.IBucket | None = None,
        event_types: Sequence[s3.EventType] = DEFAULT_EVENT_TYPES,
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
        slo: Slo | None = None,
    ) -> None:
        """Builds the bucket (unless given), the function and the bucket's notifications to it; the
        props are described on the class."""
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        # Server access logs are delivered under a bucket policy, never the legacy LogDeliveryWrite ACL,
        # whatever the app's feature flags say.
        self.node.set_context(_LOGS_USE_BUCKET_POLICY, True)
        source = BucketSource(
            bucket=bucket,
            event_types=event_types,
            prefix=prefix,
            suffix=suffix,
            filters=filters,
            delivery=delivery,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            queue=queue,
            retry_attempts=retry_attempts,
            output_prefix=output_prefix,
            output_bucket=output_bucket,
        )
        options = _BucketOptions(
            versioned, noncurrent_version_expiration, access_logs, access_log_retention, removal_policy
        )
        self._validate(function, source, options)
        self.delivery = delivery
        self.access_logs_bucket: s3.Bucket | None = None
        self.bucket: s3.IBucket = bucket or self._create_bucket(options)
        self.source: BucketSource = replace(source, bucket=self.bucket)
        """The bucket source this pattern attached, its bucket given."""
        pf = self._single_function(
            function,
            self.source.invocation,
            environment=self._environment(),
            **self.source.function_wiring(self, self.path),
        )
        binding = self.attach(self.source, self, function=pf, title=self.path)
        self.queue: sqs.Queue | None = binding.resources["queue"]
        self.dead_letter_queue: sqs.Queue = binding.resources["dead_letter_queue"]
        metrics = {alarm.id: alarm.metric for alarm in binding.alarms}
        self._parked = metrics["DeadLetterQueueDepthAlarm"]
        self._age = metrics.get("MessageAgeAlarm")
        self._dashboard_section(binding.graphs)

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
        return self._metric(self._age, options)

    # ------------------------------------------------------------------ building
    def _environment(self) -> dict[str, str]:
        """``BUCKET_NAME``, and where the function may write (``OUTPUT_BUCKET_NAME``, ``OUTPUT_PREFIX``)."""
        environment = {"BUCKET_NAME": self.bucket.bucket_name}
        write_bucket = self.source.write_bucket
        if write_bucket is not None:
            environment["OUTPUT_BUCKET_NAME"] = write_bucket.bucket_name
            environment["OUTPUT_PREFIX"] = self.source.output_prefix or ""
        return environment

    def _create_bucket(self, options: _BucketOptions) -> s3.Bucket:
        """``Bucket``: versioned (unless ``versioned=False``), its server access logs in
        ``AccessLogsBucket`` (unless ``access_logs=False``)."""
        removal_policy = options.removal_policy or self._defaults.removal_policy
        secured = _secured(removal_policy)
        noncurrent_expiration = options.noncurrent_version_expiration or cdk.Duration.days(30)
        if options.access_logs is not False:
            self.access_logs_bucket = s3.Bucket(
                self,
                "AccessLogsBucket",
                # Versioned so a deleted or overwritten log survives as a noncurrent version (Checkov
                # CKV_AWS_21); expired logs' versions go as the bucket's own noncurrent versions do.
                versioned=True,
                lifecycle_rules=[
                    s3.LifecycleRule(
                        id="ExpireAccessLogs",
                        expiration=options.access_log_retention or cdk.Duration.days(90),
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
        versioned = options.versioned is not False
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
            server_access_logs_prefix="access-logs/" if self.access_logs_bucket is not None else None,
            lifecycle_rules=rules,
            **secured,
        )
        if self.access_logs_bucket is None:
            acknowledge(
                bucket,
                "AwsSolutions-S1",
                "Server access logging was turned off explicitly (access_logs=False)",
            )
        return bucket

    # ------------------------------------------------------------------ validation
    def _validate(self, function: object, source: BucketSource, options: _BucketOptions) -> None:
        problems = self._problems()
        spec = function if isinstance(function, FunctionSpec) else None
        if spec is None:
            problems.add(f"function must be a FunctionSpec, got {type(function).__name__}")
        else:
            problems.extend(spec.problems("function"))
        bucket = source.bucket
        own = bucket is not None and Problems().interface(
            "bucket", bucket, BUCKET_ATTRIBUTES, "an s3.IBucket"
        )
        problems.extend(options.problems(own=own))
        problems.extend(source.problems("", function=spec))
        problems.extend(source.conflicts(self))
        self._slo_timeouts(problems, [("function.timeout", function)])
        self._check(problems)


def _secured(removal_policy: cdk.RemovalPolicy) -> dict[str, Any]:
    """What every bucket this pattern creates has: no public access, SSE-S3, TLS only, no ACLs."""
    return {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "enforce_ssl": True,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "removal_policy": removal_policy,
    }


@dataclass(frozen=True)
class _BucketOptions:
    """The options of the bucket this pattern creates, as given (None: the default)."""

    versioned: bool | None
    noncurrent_version_expiration: cdk.Duration | None
    access_logs: bool | None
    access_log_retention: cdk.Duration | None
    removal_policy: cdk.RemovalPolicy | None

    def problems(self, *, own: bool) -> list[str]:
        """What is wrong with them; with your ``own`` bucket, that any is given."""
        given = {name: value for name, value in vars(self).items() if value is not None}
        found = Problems()
        if own:
            if given:
                found.add(
                    "bucket: give your own bucket or the options to build one, not both "
                    f"(got bucket and {', '.join(given)})"
                )
            return list(found)
        for switch in ("versioned", "access_logs"):
            if switch in given:
                found.boolean(switch, given[switch])
        for option, switch in (
            ("noncurrent_version_expiration", "versioned"),
            ("access_log_retention", "access_logs"),
        ):
            if option in given and given.get(switch) is False:
                found.add(f"{option} has no effect with {switch}=False; drop one of them")
        for option in ("noncurrent_version_expiration", "access_log_retention"):
            value = given.get(option)
            if value is None:
                continue
            if not isinstance(value, cdk.Duration):
                found.add(f"{option} must be a Duration, got {value!r}")
            elif not value.is_unresolved():
                days = float(value.to_milliseconds()) / 86_400_000
                found.require(
                    days >= 1 and days.is_integer(), f"{option} must be a whole number of days, got {days:g}"
                )
        if self.removal_policy is not None:
            found.instance("removal_policy", self.removal_policy, cdk.RemovalPolicy, "a cdk.RemovalPolicy")
        return list(found)
