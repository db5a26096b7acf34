"""StreamToSns: a DynamoDB table's stream, through a Lambda function, to an SNS topic."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core import (
    AlarmKind,
    DeploymentStrategy,
    ExpressionSpec,
    FunctionSpec,
    Graph,
    InvocationType,
    Monitoring,
    MonitoringOptions,
    Pattern,
)
from ..core.queue import parking_queue
from ..core.topic import encrypted_topic, grant_publish
from ..errors import is_token
from ..handlers import STREAM_FORWARDER_DIR

__all__ = ["StreamEventName", "StreamToSns"]


class StreamEventName(StrEnum):
    """The ``eventName`` of a DynamoDB stream record."""

    INSERT = "INSERT"
    """A new item was added."""
    MODIFY = "MODIFY"
    """An existing item was updated."""
    REMOVE = "REMOVE"
    """An item was deleted."""


class StreamToSns(Pattern):
    """Changes to a DynamoDB table, published to an SNS topic by a Lambda function.

    The function reads the table's stream through an event source mapping that reports partial
    batch failures, splits failing batches, retries a bounded number of times and then sends the
    failed records' positions to an on-failure queue. By default the function is the built-in
    forwarder, which publishes each record's new image as plain JSON with the event name as a
    message attribute.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        table: dynamodb.ITable | None = None,
        partition_key: str | dynamodb.Attribute | None = None,
        sort_key: str | dynamodb.Attribute | None = None,
        table_removal_policy: cdk.RemovalPolicy | None = None,
        function: FunctionSpec | None = None,
        powertools_layer: lambda_.ILayerVersion | None = None,
        topic: sns.ITopic | None = None,
        event_names: Sequence[str] = tuple(StreamEventName),
        starting_position: lambda_.StartingPosition = lambda_.StartingPosition.TRIM_HORIZON,
        batch_size: int = 100,
        max_batching_window: cdk.Duration | None = None,
        bisect_batch_on_error: bool = True,
        retry_attempts: int = 3,
        max_record_age: cdk.Duration | None = None,
        parallelization_factor: int = 1,
        idempotency: bool = False,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
    ) -> None:
        """
        :param table: Your table, with a stream. Default: - a table is created (on-demand,
            point-in-time recovery, AWS-managed encryption, stream NEW_AND_OLD_IMAGES, retained)
        :param partition_key: Partition key of the created table; a name is a string attribute.
            Default: - none; required unless ``table`` is given
        :param sort_key: Sort key of the created table. Default: - none
        :param table_removal_policy: What happens to the created table when it leaves the stack.
            Default: - the stage's: RETAIN (prod), DESTROY (dev); not allowed with ``table``
        :param function: The function that reads the stream; it gets ``TOPIC_ARN`` in its environment.
            Default: - the built-in forwarder (``serverless_patterns/handlers/stream_forwarder``)
        :param powertools_layer: Powertools layer for the built-in forwarder. Default: - the public
            Powertools for AWS Lambda (Python) 3.23.0 layer for Python 3.14 on arm64 in the stack's
            region (AWS commercial partition)
        :param topic: Your topic. Default: - a topic is created (customer-managed KMS key with
            rotation, TLS-only)
        :param event_names: Stream events passed to the function (filter criteria); others are dropped
            by Lambda before invocation. Default: - INSERT, MODIFY and REMOVE
        :param starting_position: Where in the stream reading starts: TRIM_HORIZON or LATEST.
            Default: StartingPosition.TRIM_HORIZON
        :param batch_size: Records per invocation, 1..10000. Default: 100
        :param max_batching_window: How long to gather records before invoking, 0..300 s.
            Default: - none (invoke as soon as records arrive)
        :param bisect_batch_on_error: Split a failing batch in two and retry each half. Default: True
        :param retry_attempts: Retries of a failing record before it goes to the failure queue, 0..10000.
            Default: 3
        :param max_record_age: Records older than this go to the failure queue, 60 s..7 days.
            Default: - 1 day
        :param parallelization_factor: Concurrent batches per shard, 1..10. Default: 1
        :param idempotency: Create a DynamoDB table for Powertools idempotency and pass its name to
            the function as ``IDEMPOTENCY_TABLE_NAME`` (the built-in forwarder then publishes a
            retried record once). Default: False
        :param deployment: How new function versions reach traffic.
            Default: - the stage's: DeploymentStrategy.canary() (prod), all_at_once() (dev)
        :param monitoring: Alarm thresholds and the monitoring to register with.
            Default: - MonitoringOptions() (the stack's shared alarm topic and dashboard)
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring)
        names = self._validate(
            table,
            partition_key,
            sort_key,
            table_removal_policy,
            function,
            powertools_layer,
            topic,
            event_names,
            starting_position,
            batch_size,
            max_batching_window,
            retry_attempts,
            max_record_age,
            parallelization_factor,
            bisect_batch_on_error,
            idempotency,
        )

        self.table: dynamodb.ITable = table or self._create_table(
            partition_key, sort_key, table_removal_policy or self._defaults.removal_policy
        )
        self.topic_key: kms.Key | None = None
        self.topic: sns.ITopic = topic or self._create_topic()
        self.dead_letter_queue: sqs.Queue = parking_queue(
            self, "FailureQueue", role=f"the on-failure destination of the {self.path} stream mapping"
        )
        """Where failed records are parked: in full (message attribute ``kind`` = ``stream-record``)
        by the built-in forwarder when it cannot publish one, and as stream positions by the
        mapping's on-failure destination when the function itself keeps failing."""
        environment = {"TOPIC_ARN": self.topic.topic_arn}
        if function is None:  # the built-in forwarder parks whole records, not 24-hour pointers
            environment["DEAD_LETTER_QUEUE_URL"] = self.dead_letter_queue.queue_url
        self.idempotency_table: dynamodb.Table | None = None
        if idempotency:
            self.idempotency_table = self._create_idempotency_table()
            environment["IDEMPOTENCY_TABLE_NAME"] = self.idempotency_table.table_name

        spec = function or self._forwarder_spec(powertools_layer)
        pf = self._single_function(spec, InvocationType.EVENT_SOURCE, environment=environment)
        grant_publish(self.topic, self.topic_key, pf.alias)
        if self.idempotency_table is not None:
            self.idempotency_table.grant(
                pf.alias,
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            )

        filters = (
            []
            if set(names) == set(tuple(StreamEventName))
            else [lambda_.FilterCriteria.filter({"eventName": lambda_.FilterRule.or_(*names)})]
        )
        # What CDK's DynamoEventSource does, less its dynamodb:ListStreams on "*" in the role's
        # default policy: that statement goes to a policy of its own, acknowledged there only.
        list_streams = pf.add_wildcard_policy(
            "StreamsPolicy",
            "dynamodb-list-streams",
            ["dynamodb:ListStreams"],
            f"The event source mapping of {self.path} reads the stream of its table; "
            "dynamodb:ListStreams supports no resource-level permission (reading the stream is granted "
            "on the stream ARN only, in the default policy); this policy holds that one statement only",
        )
        self.table.grant_stream(
            pf.alias, "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"
        )
        if self.table.encryption_key is not None:
            self.table.encryption_key.grant_decrypt(pf.alias)
        mapping = pf.alias.add_event_source_mapping(
            f"DynamoDBEventSource:{cdk.Names.node_unique_id(self.table.node)}",
            event_source_arn=self.table.table_stream_arn,
            starting_position=starting_position,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            bisect_batch_on_error=bisect_batch_on_error,
            retry_attempts=retry_attempts,
            max_record_age=max_record_age or cdk.Duration.days(1),
            parallelization_factor=parallelization_factor,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(self.dead_letter_queue),
            filters=filters or None,
        )
        # Lambda checks the role can read the stream when it creates the mapping.
        mapping.node.add_dependency(list_streams)

        self._build_alarms(pf.function_name)

    # ------------------------------------------------------------------ public API
    def grant_subscribe(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` subscribe to the topic (``sns:Subscribe``)."""
        return self.topic.grant_subscribe(grantee)

    def grant_read_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` read the table (and use its key, if it has one of yours)."""
        return self.table.grant_read_data(grantee)

    def grant_write_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` write items to the table, which the stream then publishes."""
        return self.table.grant_write_data(grantee)

    def metric_iterator_age(self, **options: Any) -> cw.IMetric:
        """``IteratorAge`` of the stream mapping, in seconds (Maximum over one minute). ``options``:
        see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._iterator_age, options)

    def metric_dead_letter_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """``ApproximateNumberOfMessagesVisible`` of the on-failure queue: records parked (Maximum
        over one minute)."""
        return self._metric(self._failure_depth, options)

    # ------------------------------------------------------------------ building
    def _forwarder_spec(self, powertools_layer: lambda_.ILayerVersion | None) -> FunctionSpec:
        # The default FunctionSpec attaches the public Powertools layer; a layer of the user's replaces it.
        return FunctionSpec(
            code=lambda_.Code.from_asset(str(STREAM_FORWARDER_DIR), exclude=["__pycache__", "*.pyc"]),
            handler="app.handler",
            layers=[powertools_layer] if powertools_layer is not None else (),
            powertools=powertools_layer is None,
            description="Forwards DynamoDB stream records to SNS (serverless-patterns StreamToSns)",
        )

    def _create_table(
        self,
        partition_key: str | dynamodb.Attribute | None,
        sort_key: str | dynamodb.Attribute | None,
        removal_policy: cdk.RemovalPolicy,
    ) -> dynamodb.Table:
        assert partition_key is not None
        return self._table(
            "Table",
            partition_key,
            sort_key=_attribute(sort_key) if sort_key is not None else None,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            removal_policy=removal_policy,
        )

    def _create_topic(self) -> sns.Topic:
        topic, self.topic_key = encrypted_topic(
            self, "Topic", key_id="TopicKey", key_description=f"Encrypts the {self.path} topic"
        )
        return topic

    def _create_idempotency_table(self) -> dynamodb.Table:
        return self._table(
            "IdempotencyTable",
            "id",
            time_to_live_attribute="expiration",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

    def _table(self, id: str, partition_key: str | dynamodb.Attribute, **props: Any) -> dynamodb.Table:
        """A table as this pattern builds each of its tables: on-demand, AWS-managed encryption,
        point-in-time recovery; ``props`` add to that."""
        return dynamodb.Table(
            self,
            id,
            partition_key=_attribute(partition_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            **props,
        )

    def _build_alarms(self, function_name: str) -> None:
        iterator_age_ms = Monitoring.metric(
            "AWS/Lambda", "IteratorAge", {"FunctionName": function_name}, kind=AlarmKind.ITERATOR_AGE
        )
        self._iterator_age = ExpressionSpec("m / 1000", (("m", iterator_age_ms),), "Iterator age (s)", 1)
        self._failure_depth = Monitoring.queue_metric(
            self.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Failed records"
        )
        self._alarms(
            self,
            ("IteratorAgeAlarm", AlarmKind.ITERATOR_AGE, self._iterator_age, f"{self.path} stream"),
            (
                "FailureQueueDepthAlarm",
                AlarmKind.DLQ_DEPTH,
                self._failure_depth,
                f"{self.path} failure queue",
            ),
        )
        self._dashboard_section(
            [
                Graph("Iterator age (s)", [self._iterator_age], width=12),
                Graph("Failed records", [self._failure_depth], width=12),
            ]
        )

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        table: dynamodb.ITable | None,
        partition_key: str | dynamodb.Attribute | None,
        sort_key: str | dynamodb.Attribute | None,
        table_removal_policy: cdk.RemovalPolicy | None,
        function: FunctionSpec | None,
        powertools_layer: lambda_.ILayerVersion | None,
        topic: sns.ITopic | None,
        event_names: object,
        starting_position: lambda_.StartingPosition,
        batch_size: int,
        max_batching_window: cdk.Duration | None,
        retry_attempts: int,
        max_record_age: cdk.Duration | None,
        parallelization_factor: int,
        bisect_batch_on_error: bool,
        idempotency: bool,
    ) -> list[str]:
        """Raises every problem at once; returns the event names as a list."""
        problems = self._problems()
        table_options = {
            "partition_key": partition_key,
            "sort_key": sort_key,
            "table_removal_policy": table_removal_policy,
        }
        if table is not None and problems.interface(
            "table", table, ("table_arn", "table_stream_arn"), "a dynamodb.ITable"
        ):
            given = [name for name, value in table_options.items() if value is not None]
            if given:
                problems.add(
                    f"table: give your own table or the options to build one, not both "
                    f"(got table and {', '.join(given)})"
                )
            if table.table_stream_arn is None:
                problems.add(
                    f"table: {table.node.path} has no stream; enable one (NEW_AND_OLD_IMAGES) or pass "
                    "the stream ARN to Table.from_table_attributes(table_stream_arn=...)"
                )
        elif table is None:
            if partition_key is None:
                problems.add("partition_key is required to create a table (or give your own table)")
            key_names: dict[str, str] = {}
            for name, key in (("partition_key", partition_key), ("sort_key", sort_key)):
                if isinstance(key, str) and not is_token(key):
                    problems.require(
                        0 < len(key) <= 255,
                        f"{name} must be an attribute name of 1..255 characters, got {key!r}",
                    )
                    key_names[name] = key
                elif isinstance(key, dynamodb.Attribute):
                    key_names[name] = key.name
                    problems.require(
                        is_token(key.name) or 0 < len(key.name) <= 255,
                        f"{name} must be an attribute name of 1..255 characters, got {key.name!r}",
                    )
                elif key is not None and not isinstance(key, str):
                    problems.add(f"{name} must be a name or a dynamodb.Attribute, got {type(key).__name__}")
            if (
                len(key_names) == 2
                and key_names["partition_key"] == key_names["sort_key"]
                and not is_token(key_names["sort_key"])
            ):
                problems.add(
                    f"sort_key must differ from partition_key, got {key_names['sort_key']!r} for both"
                )
            if table_removal_policy is not None:
                problems.instance(
                    "table_removal_policy", table_removal_policy, cdk.RemovalPolicy, "a cdk.RemovalPolicy"
                )
        if function is not None:
            if not isinstance(function, FunctionSpec):
                problems.add(f"function must be a FunctionSpec, got {type(function).__name__}")
            else:
                problems.extend(function.problems("function"))
            if powertools_layer is not None:
                problems.add(
                    "powertools_layer is only for the built-in forwarder: add layers to your FunctionSpec"
                )
        elif powertools_layer is not None:
            problems.interface(
                "powertools_layer", powertools_layer, ("layer_version_arn",), "a lambda_.ILayerVersion"
            )
        if topic is not None:
            problems.interface("topic", topic, ("topic_arn", "topic_name"), "an sns.ITopic")
        allowed = ", ".join(tuple(StreamEventName))
        names: list[str] = []
        if isinstance(event_names, str):
            names = [event_names]
        elif isinstance(event_names, Sequence | set | frozenset):
            names = list(event_names)
        else:
            problems.add(f"event_names must be a list of {allowed}, got {event_names!r}")
            event_names = None
        if event_names is not None and not names:
            problems.add(f"event_names must name at least one of {allowed}, got []")
        for name in names:
            problems.require(
                name in tuple(StreamEventName), f"event_names must be among {allowed}, got {name!r}"
            )
        if len({repr(n) for n in names}) != len(names):
            problems.add(f"event_names has duplicates: {names}")
        if starting_position not in (lambda_.StartingPosition.TRIM_HORIZON, lambda_.StartingPosition.LATEST):
            shown = (
                starting_position.name
                if isinstance(starting_position, lambda_.StartingPosition)
                else repr(starting_position)
            )
            problems.add(
                f"starting_position must be TRIM_HORIZON or LATEST for a DynamoDB stream, got {shown}"
            )
        problems.whole_number("batch_size", batch_size, 1, 10_000, "records for a DynamoDB stream")
        problems.duration("max_batching_window", max_batching_window, 0, 300)
        problems.boolean("bisect_batch_on_error", bisect_batch_on_error)
        problems.whole_number("retry_attempts", retry_attempts, 0, 10_000)
        problems.duration("max_record_age", max_record_age, 60, 604_800)
        problems.whole_number("parallelization_factor", parallelization_factor, 1, 10)
        problems.boolean("idempotency", idempotency)
        self._check(problems)
        return names


def _attribute(key: str | dynamodb.Attribute) -> dynamodb.Attribute:
    if isinstance(key, dynamodb.Attribute):
        return key
    return dynamodb.Attribute(name=key, type=dynamodb.AttributeType.STRING)
