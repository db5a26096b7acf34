"""StreamSource: a DynamoDB table's stream, read by a pattern function's ``live`` alias through an
event source mapping that reports partial batch failures, splits failing batches, retries a bounded
number of times and parks the positions of the records it gave up on in an on-failure queue.

What is DynamoDB's own (the stream ARN, the grants, the starting positions a stream allows, the
record's shape) is one value, :data:`DYNAMODB` (a :class:`StreamKind`); a Kinesis stream would be a
second one. The mapping is the one aws-cdk-lib's ``DynamoEventSource`` makes, less its
``dynamodb:ListStreams`` on ``*`` in the role's default policy: that statement goes to a policy of
its own, acknowledged there only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...errors import Problems
from ..monitoring import AlarmKind, ExpressionSpec, Graph, Monitoring
from ..queue import parking_queue
from .base import Binding, Source, SourceAlarm, SourceTarget

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb

    from ..function import FunctionSpec, PatternFunction

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_PARALLELIZATION_FACTOR",
    "DEFAULT_RETRY_ATTEMPTS",
    "DEFAULT_STARTING_POSITION",
    "DYNAMODB",
    "StreamKind",
    "StreamSource",
    "filter_problems",
]

DEFAULT_STARTING_POSITION = lambda_.StartingPosition.TRIM_HORIZON
DEFAULT_BATCH_SIZE = 100
DEFAULT_RETRY_ATTEMPTS = 3
DEFAULT_PARALLELIZATION_FACTOR = 1
MAX_FILTERS = 5
"""Lambda's default quota of filter patterns on one event source mapping."""
MAX_FILTER_CHARACTERS = 4096
# Lambda's event filtering operators (EventBridge's, less cidr and wildcard).
_FILTER_OPERATORS = ("anything-but", "equals-ignore-case", "exists", "numeric", "prefix", "suffix")
_SAMPLE_REGION = "us-east-1"


# ---------------------------------------------------------------------- what is DynamoDB's own
@dataclass(frozen=True)
class StreamKind:
    """What differs between the streams a mapping reads: a DynamoDB table's, a Kinesis stream's."""

    name: str
    """How messages name the stream (``"a DynamoDB stream"``)."""
    mapping_id: str
    """The mapping's construct id before ``:`` and the source's unique id, as aws-cdk-lib names it."""
    starting_positions: tuple[lambda_.StartingPosition, ...]
    max_batch_size: int
    problems: Callable[[str, object], list[str]]
    """The problems of the source's resource given under ``prop``."""
    arn: Callable[[Any], str]
    grant: Callable[[Any, PatternFunction, str], iam.CfnPolicy]
    """Lets the function read the stream; returns the policy the mapping must wait for."""
    record: Callable[[str], dict[str, Any]]
    """A record of the sample event, for an ``eventName``."""


TABLE_ATTRIBUTES = ("table_arn", "table_stream_arn")


def is_table(value: object) -> bool:
    """Whether ``value`` can be read as a ``dynamodb.ITable`` (Problems.interface's test)."""
    return all(hasattr(value, a) for a in TABLE_ATTRIBUTES) and not isinstance(value, str | Mapping)


def _table_problems(prop: str, table: object) -> list[str]:
    found = Problems()
    if found.interface(prop, table, TABLE_ATTRIBUTES, "a dynamodb.ITable"):
        streamed = cast("dynamodb.ITable", table)
        if streamed.table_stream_arn is None:
            found.add(
                f"{prop}: {streamed.node.path} has no stream; enable one (NEW_AND_OLD_IMAGES) or pass "
                "the stream ARN to Table.from_table_attributes(table_stream_arn=...)"
            )
    return list(found)


def _grant_table_stream(table: dynamodb.ITable, pf: PatternFunction, owner: str) -> iam.CfnPolicy:
    list_streams = pf.add_wildcard_policy(
        "StreamsPolicy",
        "dynamodb-list-streams",
        ["dynamodb:ListStreams"],
        f"The event source mapping of {owner} reads the stream of its table; "
        "dynamodb:ListStreams supports no resource-level permission (reading the stream is granted "
        "on the stream ARN only, in the default policy); this policy holds that one statement only",
    )
    table.grant_stream(
        pf.alias, "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"
    )
    if table.encryption_key is not None:
        table.encryption_key.grant_decrypt(pf.alias)
    return list_streams


def _table_record(event_name: str) -> dict[str, Any]:
    """A DynamoDB stream record (new and old images) as Powertools' ``DynamoDBStreamEvent`` reads it."""
    keys = {"id": {"S": "1234"}}
    before = {**keys, "status": {"S": "placed"}, "total": {"N": "42"}}
    after = {**keys, "status": {"S": "shipped" if event_name == "MODIFY" else "placed"}, "total": {"N": "42"}}
    images = {"NewImage": after} if event_name == "INSERT" else {"OldImage": before}
    if event_name == "MODIFY":
        images["NewImage"] = after
    change = {"ApproximateCreationDateTime": 1545084650, "Keys": keys, **images}
    change.update(
        SequenceNumber="4421584500000000017450439091", SizeBytes=52, StreamViewType="NEW_AND_OLD_IMAGES"
    )
    arn = f"arn:aws:dynamodb:{_SAMPLE_REGION}:123456789012:table/orders/stream/2024-01-01T00:00:00.000"
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": _SAMPLE_REGION,
        "dynamodb": change,
        "eventSourceARN": arn,
    }


DYNAMODB = StreamKind(
    name="a DynamoDB stream",
    mapping_id="DynamoDBEventSource",
    starting_positions=(lambda_.StartingPosition.TRIM_HORIZON, lambda_.StartingPosition.LATEST),
    max_batch_size=10_000,
    problems=_table_problems,
    arn=lambda table: str(table.table_stream_arn),
    grant=_grant_table_stream,
    record=_table_record,
)
"""A DynamoDB table's stream."""


# ---------------------------------------------------------------------- the source
@dataclass(frozen=True, kw_only=True)
class StreamSource(Source):
    """A stream read by the target function's ``live`` alias through
    ``resources["event_source_mapping"]`` (an ``EventSourceMapping`` under the alias, as aws-cdk-lib's
    ``DynamoEventSource`` adds it), whose failed records' positions go to
    ``resources["failure_queue"]``. The function may read this stream and send to that queue, and
    nothing else; ``dynamodb:ListStreams``, which takes no resource, is in ``resources["streams_policy"]``.

    Its alarms, on the iterator age and the failure queue's depth, report data at rest: they notify
    and never roll a canary back.
    """

    table: dynamodb.ITable | None = None
    """The table whose stream is read (it must have one). Default: - none: give it before binding
    (a pattern that creates the table checks the other props first, then binds a copy with it)"""
    starting_position: lambda_.StartingPosition = DEFAULT_STARTING_POSITION
    """Where in the stream reading starts: TRIM_HORIZON or LATEST. Default: StartingPosition.TRIM_HORIZON"""
    batch_size: int = DEFAULT_BATCH_SIZE
    """Records per invocation, 1..10000. Default: 100"""
    max_batching_window: cdk.Duration | None = None
    """How long to gather records before invoking, 0..300 s. Default: - none (invoke as soon as records arrive)"""
    filter_criteria: Sequence[Mapping[str, Any]] = ()
    """Lambda filter patterns (``{"eventName": ["INSERT"]}``), at most 5: a record reaches the function
    when it matches one of them; Lambda drops the others before invocation. Default: - none (every record)"""
    bisect_batch_on_error: bool = True
    """Split a failing batch in two and retry each half. Default: True"""
    retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    """Retries of a failing record before it goes to the failure queue, 0..10000. Default: 3"""
    max_record_age: cdk.Duration | None = None
    """Records older than this go to the failure queue, 60 s..7 days. Default: - 1 day"""
    parallelization_factor: int = DEFAULT_PARALLELIZATION_FACTOR
    """Concurrent batches per shard, 1..10. Default: 1"""
    report_batch_item_failures: bool = True
    """The function returns ``{"batchItemFailures": [...]}`` and the stream resumes from the first
    failed record; False retries the whole batch on any error. Default: True"""
    on_failure_queue: sqs.IQueue | None = None
    """Where the positions of failed records go. Default: - a parking queue (``FailureQueue``,
    kept 14 days)"""

    @property
    def kind(self) -> StreamKind:
        """What the stream is (a table's only, so far)."""
        return DYNAMODB

    @staticmethod
    def failure_queue(scope: Construct, title: str) -> sqs.Queue:
        """The queue a stream source parks failed records' positions in when it is given none:
        ``FailureQueue`` in ``scope`` (a pattern that needs it before binding builds it with this)."""
        return parking_queue(
            scope, "FailureQueue", role=f"the on-failure destination of the {title} stream mapping"
        )

    # ------------------------------------------------------------------ validation
    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with the props, each message naming ``prop + "." + option`` (just the
        option when ``prop`` is empty: a pattern whose own props these are)."""
        at = f"{prop}." if prop else ""
        kind = self.kind
        found = Problems()
        if self.table is not None:
            found.extend(kind.problems(f"{at}table", self.table))
        position = self.starting_position
        if position not in kind.starting_positions:
            shown = position.name if isinstance(position, lambda_.StartingPosition) else repr(position)
            allowed = " or ".join(p.name for p in kind.starting_positions)
            found.add(f"{at}starting_position must be {allowed} for {kind.name}, got {shown}")
        found.whole_number(
            f"{at}batch_size", self.batch_size, 1, kind.max_batch_size, f"records for {kind.name}"
        )
        found.duration(f"{at}max_batching_window", self.max_batching_window, 0, 300)
        found.boolean(f"{at}bisect_batch_on_error", self.bisect_batch_on_error)
        found.whole_number(f"{at}retry_attempts", self.retry_attempts, 0, 10_000)
        found.duration(f"{at}max_record_age", self.max_record_age, 60, 604_800)
        found.whole_number(f"{at}parallelization_factor", self.parallelization_factor, 1, 10)
        found.extend(filter_problems(f"{at}filter_criteria", self.filter_criteria))
        found.boolean(f"{at}report_batch_item_failures", self.report_batch_item_failures)
        if self.on_failure_queue is not None:
            found.interface(
                f"{at}on_failure_queue", self.on_failure_queue, ("queue_arn", "queue_name"), "an sqs.IQueue"
            )
        return list(found)

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds the mapping under the function's ``live`` alias, with the exact grants (and, unless
        ``on_failure_queue`` is given, ``FailureQueue`` in ``scope``)."""
        pf, table = target.function, self.table
        if pf is None or table is None:
            raise ValueError(
                "a StreamSource reads a table's stream into a function: bind it to one, with table"
            )
        queue = self.on_failure_queue or self.failure_queue(scope, target.title)
        mapping, streams_policy = self._mapping(pf, table, queue, target.scope_path)
        iterator_age_ms = Monitoring.metric(
            "AWS/Lambda", "IteratorAge", {"FunctionName": pf.function_name}, kind=AlarmKind.ITERATOR_AGE
        )
        age = ExpressionSpec("m / 1000", (("m", iterator_age_ms),), "Iterator age (s)", 1)
        parked = Monitoring.queue_metric(queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Failed records")
        return Binding(
            alarms=[
                SourceAlarm("IteratorAgeAlarm", AlarmKind.ITERATOR_AGE, age, f"{target.title} stream"),
                SourceAlarm(
                    "FailureQueueDepthAlarm", AlarmKind.DLQ_DEPTH, parked, f"{target.title} failure queue"
                ),
            ],
            graphs=[Graph("Iterator age (s)", [age], width=12), Graph("Failed records", [parked], width=12)],
            resources={
                "event_source_mapping": mapping,
                "failure_queue": queue,
                "streams_policy": streams_policy,
            },
        )

    def _mapping(
        self, pf: PatternFunction, table: dynamodb.ITable, queue: sqs.IQueue, owner: str
    ) -> tuple[lambda_.EventSourceMapping, iam.CfnPolicy]:
        """The mapping through the alias, so a new version gets its share of records during a canary,
        and the policy it depends on (Lambda checks the role can read the stream when it creates it)."""
        from aws_cdk import aws_lambda_event_sources as event_sources  # loaded for a stream source only

        kind = self.kind
        streams_policy = kind.grant(table, pf, owner)
        mapping = pf.alias.add_event_source_mapping(
            f"{kind.mapping_id}:{cdk.Names.node_unique_id(table.node)}",
            event_source_arn=kind.arn(table),
            starting_position=self.starting_position,
            batch_size=self.batch_size,
            max_batching_window=self.max_batching_window,
            bisect_batch_on_error=self.bisect_batch_on_error,
            retry_attempts=self.retry_attempts,
            max_record_age=self.max_record_age or cdk.Duration.days(1),
            parallelization_factor=self.parallelization_factor,
            report_batch_item_failures=self.report_batch_item_failures,
            on_failure=event_sources.SqsDlq(queue),  # grants sqs:SendMessage on this queue only
            filters=[{"pattern": _compact(f)} for f in self.filter_criteria] or None,
        )
        mapping.node.add_dependency(streams_policy)
        return mapping, streams_policy

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """One record as the function receives it (Powertools' ``DynamoDBStreamEvent``), of the first
        event name the filters let through (INSERT without filters)."""
        return {"Records": [self.kind.record(_first_event_name(self.filter_criteria))]}


def _compact(pattern: Mapping[str, Any]) -> str:
    """A filter pattern as Lambda stores it (what ``FilterCriteria.filter`` renders)."""
    return json.dumps(pattern, separators=(",", ":"), ensure_ascii=False)


def _first_event_name(filters: Sequence[Mapping[str, Any]]) -> str:
    for pattern in filters:
        names = pattern.get("eventName")
        if isinstance(names, list | tuple) and names and names[0] in ("INSERT", "MODIFY", "REMOVE"):
            return str(names[0])
    return "INSERT"


# ---------------------------------------------------------------------- filter validation
def filter_problems(prop: str, filters: object) -> list[str]:
    """Problems with Lambda filter patterns: at most :data:`MAX_FILTERS` non-empty mappings of record
    fields to lists of values or content filters (fields nest), each at most 4096 characters of JSON."""
    found = Problems()
    if not found.sequence(prop, filters, "filter patterns (mappings)"):
        return list(found)
    assert isinstance(filters, Sequence)
    if len(filters) > MAX_FILTERS:
        found.add(f"{prop} must have at most {MAX_FILTERS} patterns, got {len(filters)}")
    for index, pattern in enumerate(filters):
        at = f"{prop}[{index}]"
        if not isinstance(pattern, Mapping) or not pattern:
            found.add(
                f"{at} must be a non-empty mapping of record fields to lists of values, got {pattern!r}"
            )
            continue
        walked = _walk_filter(at, pattern)
        found.extend(walked)
        if not walked and len(_compact(pattern)) > MAX_FILTER_CHARACTERS:
            found.add(
                f"{at} must be at most {MAX_FILTER_CHARACTERS} characters of JSON, got {len(_compact(pattern))}"
            )
    return list(found)


def _walk_filter(at: str, node: Mapping[Any, Any]) -> list[str]:
    found: list[str] = []
    for key, value in node.items():
        where = f"{at}[{key!r}]"
        if not isinstance(key, str) or not key:
            found.append(f"{at}: field names must be non-empty strings, got {key!r}")
        elif isinstance(value, Mapping) and value:
            found.extend(_walk_filter(where, value))
        elif not isinstance(value, list | tuple) or not value:
            found.append(f"{where} must be a non-empty list of values or a mapping of fields, got {value!r}")
        else:
            found.extend(problem for problem in (_value_problem(where, item) for item in value) if problem)
    return found


def _value_problem(at: str, item: object) -> str:
    """What is wrong with one value of a filter's list ("" when nothing)."""
    if item is None or isinstance(item, str | int | float | bool):
        return ""
    if isinstance(item, Mapping) and len(item) == 1 and next(iter(item)) in _FILTER_OPERATORS:
        try:
            _compact(item)
        except (TypeError, ValueError):
            return f"{at}: content filters take JSON values, got {item!r}"
        return ""
    return (
        f"{at} values must be strings, numbers, booleans, null or one content filter among "
        f"{', '.join(_FILTER_OPERATORS)} (such as {{'prefix': 'a'}}), got {item!r}"
    )
