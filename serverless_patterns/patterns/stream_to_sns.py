"""StreamToSns: a DynamoDB table's stream, through a Lambda function, to an SNS topic.

The stream is a :class:`~serverless_patterns.core.sources.StreamSource` attached to the function
(its options, their checks, grants, alarms and graphs are the source's); this module builds what is
the pattern's own: the table or yours, the topic or yours, the built-in forwarder, the idempotency
table, and the failure queue the forwarder parks whole records in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ..core import (
    DeploymentStrategy,
    FunctionSpec,
    InvocationType,
    MonitoringOptions,
    Pattern,
    PatternFunction,
)
from ..core.function import DEFAULT_TIMEOUT_SECONDS
from ..core.given import FromLocals
from ..core.slo import Slo
from ..core.sources.stream import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_PARALLELIZATION_FACTOR,
    DEFAULT_RETRY_ATTEMPTS,
    DEFAULT_STARTING_POSITION,
    StreamSource,
    is_table,
)
from ..core.topic import encrypted_topic, grant_publish
from ..errors import Problems, is_token
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


_EVENT_NAMES = tuple(StreamEventName)
_TABLE_OPTIONS = ("partition_key", "sort_key", "table_removal_policy")
_IDEMPOTENCY_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


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
        event_names: Sequence[str] = _EVENT_NAMES,
        starting_position: lambda_.StartingPosition = DEFAULT_STARTING_POSITION,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batching_window: cdk.Duration | None = None,
        bisect_batch_on_error: bool = True,
        retry_attempts: int = DEFAULT_RETRY_ATTEMPTS,
        max_record_age: cdk.Duration | None = None,
        parallelization_factor: int = DEFAULT_PARALLELIZATION_FACTOR,
        idempotency: bool = False,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
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
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the function. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        props = _Props.of(locals())
        self.source: StreamSource = props.stream()
        """The stream source this pattern attached: the stream options as given, and the table."""
        problems = props.validate(self._problems(), self.source)
        self._slo_timeouts(problems, [("function.timeout", function or DEFAULT_TIMEOUT_SECONDS)])
        self._check(problems)
        self._build(props)

    def _build(self, props: _Props) -> None:
        self.table: dynamodb.ITable = props.table or self._create_table(props)
        self.topic_key: kms.Key | None = None
        self.topic: sns.ITopic = props.topic or self._create_topic()
        self.dead_letter_queue: sqs.Queue = StreamSource.failure_queue(self, self.path)
        """Where failed records are parked: in full (message attribute ``kind`` = ``stream-record``)
        by the built-in forwarder when it cannot publish one, and as stream positions by the
        mapping's on-failure destination when the function itself keeps failing."""
        self.idempotency_table: dynamodb.Table | None = (
            self._create_idempotency_table() if props.idempotency else None
        )
        spec = props.function or self._forwarder_spec(props.powertools_layer)
        environment = self._environment(built_in=props.function is None)
        pf = self._single_function(spec, InvocationType.EVENT_SOURCE, environment=environment)
        self._grant(pf)
        self.source = replace(self.source, table=self.table, on_failure_queue=self.dead_letter_queue)
        binding = self.attach(self.source, self, function=pf, title=self.path)
        self.event_source_mapping: lambda_.EventSourceMapping = binding.resources["event_source_mapping"]
        metrics = {alarm.id: alarm.metric for alarm in binding.alarms}
        self._iterator_age = metrics["IteratorAgeAlarm"]
        self._failure_depth = metrics["FailureQueueDepthAlarm"]
        self._dashboard_section(binding.graphs)

    def _environment(self, *, built_in: bool) -> dict[str, str]:
        environment = {"TOPIC_ARN": self.topic.topic_arn}
        if built_in:  # the built-in forwarder parks whole records, not 24-hour pointers
            environment["DEAD_LETTER_QUEUE_URL"] = self.dead_letter_queue.queue_url
        if self.idempotency_table is not None:
            environment["IDEMPOTENCY_TABLE_NAME"] = self.idempotency_table.table_name
        return environment

    def _grant(self, pf: PatternFunction) -> None:
        """The function may publish to the topic and use the idempotency table (the stream source
        grants the rest)."""
        grant_publish(self.topic, self.topic_key, pf.alias)
        if self.idempotency_table is not None:
            self.idempotency_table.grant(pf.alias, *_IDEMPOTENCY_ACTIONS)

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

    def _create_table(self, props: _Props) -> dynamodb.Table:
        assert props.partition_key is not None
        sort_key = props.sort_key
        return self._table(
            "Table",
            props.partition_key,
            sort_key=_attribute(sort_key) if sort_key is not None else None,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            removal_policy=props.table_removal_policy or self._defaults.removal_policy,
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


@dataclass(frozen=True)
class _Props(FromLocals):
    """The props as given (their defaults are the constructor's), checked by :meth:`validate`."""

    table: dynamodb.ITable | None
    partition_key: str | dynamodb.Attribute | None
    sort_key: str | dynamodb.Attribute | None
    table_removal_policy: cdk.RemovalPolicy | None
    function: FunctionSpec | None
    powertools_layer: lambda_.ILayerVersion | None
    topic: sns.ITopic | None
    event_names: Sequence[str]
    starting_position: lambda_.StartingPosition
    batch_size: int
    max_batching_window: cdk.Duration | None
    bisect_batch_on_error: bool
    retry_attempts: int
    max_record_age: cdk.Duration | None
    parallelization_factor: int
    idempotency: bool

    def stream(self) -> StreamSource:
        """The stream options as a source, reading the user's table (or none yet: it is created
        once every prop is checked) through the filter that passes :attr:`event_names` only."""
        return StreamSource(
            table=self.table,
            starting_position=self.starting_position,
            batch_size=self.batch_size,
            max_batching_window=self.max_batching_window,
            filter_criteria=_event_filter(self.event_names),
            bisect_batch_on_error=self.bisect_batch_on_error,
            retry_attempts=self.retry_attempts,
            max_record_age=self.max_record_age,
            parallelization_factor=self.parallelization_factor,
        )

    def validate(self, found: Problems, stream: StreamSource) -> Problems:
        """``found`` (the shared options' problems) with every problem of these props."""
        found.extend(_validate_new_table(self) if self.table is None else _validate_given_table(self))
        found.extend(_validate_function(self.function, self.powertools_layer))
        if self.topic is not None:
            found.interface("topic", self.topic, ("topic_arn", "topic_name"), "an sns.ITopic")
        found.extend(_validate_event_names(self.event_names))
        found.extend(stream.problems(""))
        found.boolean("idempotency", self.idempotency)
        return found


# ---------------------------------------------------------------------- validation
def _validate_given_table(props: _Props) -> list[str]:
    """Your table and the options to build one are exclusive (the table's own checks are the
    stream source's)."""
    given = [name for name in _TABLE_OPTIONS if getattr(props, name) is not None]
    if not given or not is_table(props.table):
        return []
    return [
        f"table: give your own table or the options to build one, not both (got table and {', '.join(given)})"
    ]


def _validate_new_table(props: _Props) -> list[str]:
    """The options of the table this pattern creates."""
    found = Problems()
    if props.partition_key is None:
        found.add("partition_key is required to create a table (or give your own table)")
    names = {
        prop: name
        for prop, key in (("partition_key", props.partition_key), ("sort_key", props.sort_key))
        if (name := _validate_key(prop, key, found)) is not None
    }
    if len(names) == 2 and names["partition_key"] == names["sort_key"] and not is_token(names["sort_key"]):
        found.add(f"sort_key must differ from partition_key, got {names['sort_key']!r} for both")
    if props.table_removal_policy is not None:
        found.instance(
            "table_removal_policy", props.table_removal_policy, cdk.RemovalPolicy, "a cdk.RemovalPolicy"
        )
    return list(found)


def _validate_key(prop: str, key: object, found: Problems) -> str | None:
    """The attribute name of a key (None for no key or a wrong one, whose problem ``found`` gets)."""
    if isinstance(key, dynamodb.Attribute):
        name = key.name
    elif isinstance(key, str):
        name = key
    else:
        if key is not None:
            found.add(f"{prop} must be a name or a dynamodb.Attribute, got {type(key).__name__}")
        return None
    found.require(
        is_token(name) or 0 < len(name) <= 255,
        f"{prop} must be an attribute name of 1..255 characters, got {name!r}",
    )
    return name


def _validate_function(function: object, powertools_layer: object) -> list[str]:
    found = Problems()
    if function is None:
        if powertools_layer is not None:
            found.interface(
                "powertools_layer", powertools_layer, ("layer_version_arn",), "a lambda_.ILayerVersion"
            )
        return list(found)
    if not isinstance(function, FunctionSpec):
        found.add(f"function must be a FunctionSpec, got {type(function).__name__}")
    else:
        found.extend(function.problems("function"))
    if powertools_layer is not None:
        found.add("powertools_layer is only for the built-in forwarder: add layers to your FunctionSpec")
    return list(found)


def _event_names(value: object) -> list[Any] | None:
    """``event_names`` as a list (one name alone is a list of one); None for anything else."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence | set | frozenset):
        return list(value)
    return None


def _validate_event_names(value: object) -> list[str]:
    allowed = ", ".join(_EVENT_NAMES)
    names = _event_names(value)
    if names is None:
        return [f"event_names must be a list of {allowed}, got {value!r}"]
    found = Problems()
    if not names:
        found.add(f"event_names must name at least one of {allowed}, got []")
    for name in names:
        found.require(name in _EVENT_NAMES, f"event_names must be among {allowed}, got {name!r}")
    if len({repr(n) for n in names}) != len(names):
        found.add(f"event_names has duplicates: {names}")
    return list(found)


def _event_filter(value: object) -> tuple[dict[str, list[str]], ...]:
    """The filter that passes the records of ``event_names`` only: none when they are every event
    name (or no list of names: a problem of its own)."""
    names = [str(n) for n in _event_names(value) or [] if n in _EVENT_NAMES]
    if not names or set(names) == set(_EVENT_NAMES):
        return ()
    return ({"eventName": names},)


def _attribute(key: str | dynamodb.Attribute) -> dynamodb.Attribute:
    if isinstance(key, dynamodb.Attribute):
        return key
    return dynamodb.Attribute(name=key, type=dynamodb.AttributeType.STRING)
