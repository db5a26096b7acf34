"""BucketSource: S3 event notifications of a bucket, delivered to a pattern function through an SQS
queue with its dead-letter queue (a :class:`~.queue.QueueSource`) or directly, as asynchronous
invocations whose failures go to an on-failure queue.

The function may read the objects under the filtered prefixes and write under ``output_prefix``,
nothing else (one policy of its own, acknowledged for exactly those objects). Writing where an
object would trigger the function again is refused: in the processed bucket under a filtered prefix,
or through the buckets of other BucketSources of the app back to it (:meth:`BucketSource.conflicts`).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from ...errors import Problems, is_token
from ..consumer import DEFAULT_BATCH_SIZE, Batching, queue_options_problems
from ..monitoring import AlarmKind, Graph, Monitoring
from ..nag import acknowledge, acknowledge_all, finding_resource
from ..queue import QueueOptions, parking_queue
from .base import Binding, Source, SourceAlarm, SourceTarget
from .delivery import invoked_function
from .queue import QueueSource

if TYPE_CHECKING:
    from ..function import FunctionSpec, FunctionWiring, InvocationType, PatternFunction

__all__ = ["BUCKET_ATTRIBUTES", "DEFAULT_EVENT_TYPES", "DEFAULT_RETRY_ATTEMPTS", "BucketSource", "S3Delivery"]

DEFAULT_EVENT_TYPES: tuple[s3.EventType, ...] = (s3.EventType.OBJECT_CREATED,)
"""Objects created, of any kind (``s3:ObjectCreated:*``)."""
DEFAULT_RETRY_ATTEMPTS = 2
"""Lambda's retries of a failed asynchronous invocation (direct delivery)."""
BUCKET_ATTRIBUTES = ("bucket_arn", "bucket_name", "add_event_notification")
"""What a value needs to be taken for an ``s3.IBucket`` whose notifications are read."""
# Event types that stand for a family of others ("s3:ObjectCreated:*" covers "s3:ObjectCreated:Put").
_WILDCARD_EVENTS = (
    "OBJECT_CREATED",
    "OBJECT_REMOVED",
    "OBJECT_RESTORE",
    "OBJECT_TAGGING",
    "REPLICATION",
    "LIFECYCLE_EXPIRATION",
)
# The event each family's sample event is (S3 names the events of a record after their family).
_FAMILY_EXAMPLES = {
    "OBJECT_CREATED": "PUT",
    "OBJECT_REMOVED": "DELETE",
    "OBJECT_RESTORE": "COMPLETED",
    "OBJECT_TAGGING": "PUT",
    "LIFECYCLE_EXPIRATION": "DELETE",
    "REPLICATION": "OPERATION_FAILED_REPLICATION",
}
_NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
_SAMPLE_BUCKET = "my-bucket"


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


@dataclass(frozen=True)
class _Flow:
    """What one bound BucketSource of the app reads and writes, to find loops through several buckets."""

    path: str
    """The path of the pattern the source is bound to, named in a loop's chain (empty for the source
    being checked)."""
    reads: str
    """The key of the bucket whose notifications it processes."""
    filters: tuple[_Filter, ...]
    """Its key filters."""
    on_create: bool
    """Whether object creations notify it."""
    writes: str | None
    """The key of the bucket its function writes to, or None."""
    prefix: str
    """The prefix its function writes under (``output_prefix``)."""

    def triggered_by(self, bucket: str, prefix: str) -> bool:
        """Whether an object written to ``bucket`` under ``prefix`` may trigger this processor."""
        return self.on_create and bucket == self.reads and any(f.takes(prefix) for f in self.filters)


# The notification configurations each bucket already has from the BucketSources bound in an app
# (app -> bucket key -> [(event type name, prefix, suffix, owner path)]), and what they read and
# write. Keyed by the app object (every app's root has the same node address, so an address would
# mix the apps of one process).
_REGISTERED: weakref.WeakKeyDictionary[IConstruct, dict[str, list[tuple[str, str, str, str]]]] = (
    weakref.WeakKeyDictionary()
)
_FLOWS: weakref.WeakKeyDictionary[IConstruct, list[_Flow]] = weakref.WeakKeyDictionary()


@dataclass
class _Parsed:
    """The props as far as they are usable, for the checks that combine them."""

    bucket: s3.IBucket | None
    output_bucket: s3.IBucket | None
    types: list[s3.EventType]
    filters: list[_Filter]

    @property
    def on_create(self) -> bool:
        return any(t.name.startswith("OBJECT_CREATED") for t in self.types)


@dataclass(frozen=True, kw_only=True)
class BucketSource(Source):
    """The event notifications of ``bucket`` for ``event_types`` under the key filters, delivered to
    the target function's ``live`` alias: through ``resources["queue"]`` (with
    ``resources["dead_letter_queue"]`` and ``resources["event_source_mapping"]``), or directly with
    ``resources["dead_letter_queue"]`` as the function's on-failure queue. The function may read the
    objects under the filtered prefixes, and write under ``output_prefix``
    (``resources["object_access_policy"]``).

    Its alarms, on the dead-letter (or on-failure) queue and the oldest message's age, report data
    at rest: they notify and never roll a canary back.
    """

    bucket: s3.IBucket | None = None
    """The bucket whose notifications are processed. Default: - none: give it before binding
    (S3Processor gives the bucket it creates)"""
    event_types: Sequence[s3.EventType] = DEFAULT_EVENT_TYPES
    """The S3 events to process. Default: - [EventType.OBJECT_CREATED]"""
    prefix: str | None = None
    """Only keys starting with this, literally. Default: - every key"""
    suffix: str | None = None
    """Only keys ending with this, literally. Default: - every key"""
    filters: Sequence[s3.NotificationKeyFilter] | None = None
    """Several key filters; an event matching any of them is processed.
    Default: - one filter from ``prefix`` and ``suffix``"""
    delivery: S3Delivery = S3Delivery.QUEUE
    """``S3Delivery.QUEUE`` or ``S3Delivery.DIRECT``. Default: S3Delivery.QUEUE"""
    batch_size: int | None = None
    """Messages per invocation, 1..10000 (queue delivery only). Default: - 10"""
    max_batching_window: cdk.Duration | None = None
    """How long to gather messages, 0..300 s (queue delivery only). Default: - none"""
    queue: QueueOptions | None = None
    """Options of the buffer queue and its DLQ (queue delivery only).
    Default: - QueueOptions() (3 receives, then the DLQ)"""
    retry_attempts: int | None = None
    """Retries of a failed asynchronous invocation, 0..2 (direct delivery only). Default: - 2"""
    output_prefix: str | None = None
    """Key prefix under which the function may write to the bucket, or to ``output_bucket``.
    Default: - no write access"""
    output_bucket: s3.IBucket | None = None
    """A bucket the function may write to (under ``output_prefix`` if given). Default: - none"""

    # ------------------------------------------------------------------ what the pattern asks
    @property
    def invocation(self) -> InvocationType:
        """How the function is invoked: asynchronously (direct) or by an event source mapping."""
        from ..function import InvocationType

        return InvocationType.ASYNC if self.delivery == S3Delivery.DIRECT else InvocationType.EVENT_SOURCE

    @property
    def batching(self) -> Batching:
        """The queue's event source batching, from ``batch_size`` and ``max_batching_window``."""
        size = DEFAULT_BATCH_SIZE if self.batch_size is None else self.batch_size
        return Batching(batch_size=size, max_batching_window=self.max_batching_window)

    @property
    def write_bucket(self) -> s3.IBucket | None:
        """Where the function may write: ``output_bucket``, or the bucket with an ``output_prefix``."""
        if self.output_bucket is not None:
            return self.output_bucket
        return self.bucket if self.output_prefix is not None else None

    def function_wiring(self, scope: Construct, title: str) -> FunctionWiring:
        """What the function needs before it is built: with direct delivery S3 invokes it
        asynchronously, so ``FailureQueue`` (built in ``scope``) receives what fails after
        ``retry_attempts`` retries. Nothing with queue delivery."""
        if self.delivery != S3Delivery.DIRECT:
            return {}
        queue = parking_queue(
            scope, "FailureQueue", role=f"the on-failure destination of the {title} function's S3 invocations"
        )
        retries = DEFAULT_RETRY_ATTEMPTS if self.retry_attempts is None else self.retry_attempts
        return {"on_failure_queue": queue, "retry_attempts": retries}

    # ------------------------------------------------------------------ validation
    def problems(self, prop: str, *, function: FunctionSpec | None = None) -> list[str]:
        """Everything wrong with the props, each message naming ``prop + "." + option`` (just the
        option when ``prop`` is empty: a pattern whose own props these are)."""
        at = f"{prop}." if prop else ""
        found = Problems()
        parsed = self._parse(at, found)
        found.one_of(f"{at}delivery", self.delivery, list(S3Delivery))
        if self.delivery == S3Delivery.DIRECT:
            for option in self.batching.given():
                found.add(f"{at}{option} applies to queue delivery only; S3 invokes the function per event")
            if self.queue is not None:
                found.add(f"{at}queue applies to queue delivery only; S3 invokes the function directly")
            if self.retry_attempts is not None:
                found.whole_number(f"{at}retry_attempts", self.retry_attempts, 0, 2)
        else:
            if self.retry_attempts is not None:
                found.add(
                    f"{at}retry_attempts applies to direct delivery only; with a queue use "
                    f"{at}queue=QueueOptions(max_receive_count=...)"
                )
            found.extend(self.batching.problems(at))
            found.extend(queue_options_problems(f"{at}queue", self.queue, function))
        found.extend(_recursion_problems(at, self.output_prefix, parsed))
        return list(found)

    def conflicts(self, scope: IConstruct) -> list[str]:
        """What S3 would reject, or what would loop, with the BucketSources already bound in
        ``scope``'s app: filters overlapping theirs on the same bucket, and objects the function
        writes that trigger other functions until one writes back where this one reads."""
        parsed = self._parse("", Problems())
        if parsed.bucket is None:
            return []  # a bucket this source's pattern creates: no other source notifies from it yet
        root = scope.node.root
        found = []
        for type_name, prefix, suffix, owner in _REGISTERED.get(root, {}).get(_key(parsed.bucket), []):
            other = _Filter(prefix, suffix)
            for f in parsed.filters:
                clash = [t.name for t in parsed.types if _events_overlap(t.name, type_name)]
                if clash and f.overlaps(other):
                    found.append(
                        f"filter {f} overlaps filter {other} of {owner} on the same bucket for "
                        f"{clash[0]} and {type_name}: S3 rejects overlapping notification filters"
                    )
        output_prefix = self.output_prefix
        if (
            parsed.output_bucket is not None
            and not _same(parsed.bucket, parsed.output_bucket)
            and (output_prefix is None or isinstance(output_prefix, str))
        ):
            found.extend(_loop_problems(root, parsed, output_prefix or ""))
        return found

    def _parsed(self) -> _Parsed:
        """The props as they are used once checked (the buckets taken as given)."""
        types = self.event_types if isinstance(self.event_types, Sequence) else ()
        typed = [t for t in types if isinstance(t, s3.EventType)]
        return _Parsed(self.bucket, self.output_bucket, typed, self._filters("", Problems()))

    def _parse(self, at: str, found: Problems) -> _Parsed:
        """The buckets that are buckets, the event types that are event types and the key filters,
        adding what is wrong with them to ``found``."""
        bucket, output = self.bucket, self.output_bucket
        if bucket is not None and not found.interface(
            f"{at}bucket", bucket, BUCKET_ATTRIBUTES, "an s3.IBucket"
        ):
            bucket = None
        if output is not None and not found.interface(
            f"{at}output_bucket", output, ("bucket_arn", "bucket_name", "arn_for_objects"), "an s3.IBucket"
        ):
            output = None
        return _Parsed(bucket, output, _event_types(at, self.event_types, found), self._filters(at, found))

    def _filters(self, at: str, found: Problems) -> list[_Filter]:
        prefix, suffix, filters = self.prefix, self.suffix, self.filters
        key_filters: list[_Filter] = []
        if filters is not None:
            if prefix is not None or suffix is not None:
                found.add(f"give {at}prefix/{at}suffix or {at}filters, not both")
            if found.sequence(f"{at}filters", filters, "s3.NotificationKeyFilter"):
                if not filters:
                    found.add(f"{at}filters must have at least one filter, got []")
                for index, given in enumerate(filters):
                    if found.instance(
                        f"{at}filters[{index}]",
                        given,
                        s3.NotificationKeyFilter,
                        "an s3.NotificationKeyFilter",
                    ):
                        key_filters.append(_Filter(given.prefix or "", given.suffix or ""))
        else:
            for part, value in (("prefix", prefix), ("suffix", suffix)):
                if value is not None:
                    found.string(f"{at}{part}", value)
            key_filters = [
                _Filter(prefix if isinstance(prefix, str) else "", suffix if isinstance(suffix, str) else "")
            ]
        found.extend(_filter_problems(at, key_filters))
        return key_filters

    # ------------------------------------------------------------------ wiring
    def bind(self, scope: Construct, target: SourceTarget) -> Binding:
        """Builds the :class:`~.queue.QueueSource` (``Queue``, the mapping under the alias) with queue
        delivery, or alarms the ``FailureQueue`` of :meth:`function_wiring` with direct delivery;
        then the bucket's notifications for every event type and filter, and the function's
        ``ObjectAccessPolicy``."""
        pf = invoked_function(self, target)
        if self.bucket is None:
            raise ValueError("a BucketSource notifies from a bucket: give it one before binding")
        if self.delivery == S3Delivery.DIRECT:
            binding = _direct(scope, target, pf)
            destination: s3.IBucketNotificationDestination = s3n.LambdaDestination(pf.alias)
        else:
            binding = QueueSource(queue=self.queue, batching=self.batching, mapping_under_alias=True).bind(
                scope, target
            )
            destination = s3n.SqsDestination(binding.resources["queue"])
        parsed = self._parsed()
        for key_filter in parsed.filters:
            notification_filters = (
                [s3.NotificationKeyFilter(prefix=key_filter.prefix or None, suffix=key_filter.suffix or None)]
                if key_filter.prefix or key_filter.suffix
                else []
            )
            for event_type in parsed.types:
                self.bucket.add_event_notification(event_type, destination, *notification_filters)
        stack = cdk.Stack.of(scope)
        _drop_redundant_dependencies(stack, self.bucket, binding.resources["queue"])
        self._register(scope.node.root, target.scope_path, parsed)
        binding.resources["object_access_policy"] = _grant(
            stack, pf, self.bucket, parsed, self.write_bucket, self.output_prefix
        )
        _acknowledge_notifications_handler(stack)
        return binding

    def _register(self, root: IConstruct, path: str, parsed: _Parsed) -> None:
        """Records what this source reads and writes, for the checks of the sources bound after it."""
        assert parsed.bucket is not None
        reads = _key(parsed.bucket)
        registered = _REGISTERED.setdefault(root, {})
        registered.setdefault(reads, []).extend(
            (t.name, f.prefix, f.suffix, path) for f in parsed.filters for t in parsed.types
        )
        writes = self.write_bucket
        _FLOWS.setdefault(root, []).append(
            _Flow(
                path,
                reads,
                tuple(parsed.filters),
                parsed.on_create,
                None if writes is None else _key(writes),
                self.output_prefix or "",
            )
        )

    # ------------------------------------------------------------------ sample event
    def sample_event(self) -> Mapping[str, Any]:
        """An event notification as S3 sends it (Powertools' ``S3Event``): one record of the first
        event type, for a key the first filter matches. With queue delivery the function receives
        it as the body of an SQS message (Powertools' ``S3SqsEventNotification``)."""
        parsed = self._parsed()
        event_name = _event_name(parsed.types[0].name if parsed.types else "OBJECT_CREATED")
        first = parsed.filters[0] if parsed.filters else _Filter("", "")
        key = f"{first.prefix}report{first.suffix or '.json'}"
        return {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": "us-east-1",
                    "eventTime": "2026-01-15T12:00:00.000Z",
                    "eventName": event_name,
                    "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                    "requestParameters": {"sourceIPAddress": "192.0.2.1"},
                    "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "example"},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "notification",
                        "bucket": {
                            "name": _SAMPLE_BUCKET,
                            "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                            "arn": f"arn:aws:s3:::{_SAMPLE_BUCKET}",
                        },
                        "object": {
                            "key": key,
                            "size": 1024,
                            "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                            "sequencer": "0055AED6DCD90281E5",
                        },
                    },
                }
            ]
        }


# ---------------------------------------------------------------------- validation
def _event_types(at: str, event_types: object, found: Problems) -> list[s3.EventType]:
    """The event types given, at least one, none twice and none covering another."""
    typed: list[s3.EventType] = []
    if found.sequence(f"{at}event_types", event_types, "s3.EventType values"):
        assert isinstance(event_types, Sequence)
        if not event_types:
            found.add(f"{at}event_types must name at least one s3.EventType, got []")
        for event_type in event_types:
            found.require(
                isinstance(event_type, s3.EventType),
                f"{at}event_types must be s3.EventType values, got {event_type!r}",
            )
        typed = [t for t in event_types if isinstance(t, s3.EventType)]
    for i, a in enumerate(typed):
        for b in typed[i + 1 :]:
            if a.name == b.name:
                found.add(f"{at}event_types: {a.name} is given twice; give it once")
            elif _events_overlap(a.name, b.name):
                found.add(f"{at}event_types: {a.name} and {b.name} overlap; keep the broader one")
    return typed


def _filter_problems(at: str, key_filters: Sequence[_Filter]) -> list[str]:
    """Each filter literal (S3 filters have no wildcards, and are checked for overlap here), and no
    two overlapping."""
    found = []
    for f in key_filters:
        for part, value in (("prefix", f.prefix), ("suffix", f.suffix)):
            if is_token(value):
                found.append(
                    f"{at}{part} must be a literal string (S3 filters are checked for overlap), got a token"
                )
            elif len(value) > 1024:
                found.append(f"{at}{part} must be at most 1024 characters, got {len(value)}")
            elif "*" in value:
                found.append(
                    f"{at}{part} must be a literal key {part}: S3 filters have no wildcards, got {value!r}"
                )
    for i, first in enumerate(key_filters):
        for second in key_filters[i + 1 :]:
            if first.overlaps(second):
                found.append(
                    f"{at}filters {first} and {second} overlap: S3 rejects overlapping filters for the same "
                    "event types on a bucket"
                )
    return found


def _recursion_problems(at: str, output_prefix: object, parsed: _Parsed) -> list[str]:
    """Writing where the function reads would trigger it again: S3 -> Lambda -> S3 forever.
    That is writing to the processed bucket (no ``output_bucket``, or an ``output_bucket`` that is
    the processed bucket itself) under a prefix the filters match."""
    found = Problems()
    if output_prefix is not None and not is_token(output_prefix):
        if not found.string(f"{at}output_prefix", output_prefix) or not isinstance(output_prefix, str):
            return list(found)
        if "*" in output_prefix:
            found.add(
                f"{at}output_prefix must be a literal key prefix (the grant adds the '*'), got {output_prefix!r}"
            )
    bucket, output_bucket = parsed.bucket, parsed.output_bucket
    same = output_bucket is not None and bucket is not None and _same(bucket, output_bucket)
    if output_bucket is not None and not same:
        return list(found)  # a loop through other buckets is one of conflicts()
    if same and output_prefix is None:
        found.add(
            f"{at}output_bucket is the processed bucket: give {at}output_prefix outside the filtered "
            "prefixes, or the objects the function writes would trigger it again"
        )
        return list(found)
    if not isinstance(output_prefix, str) or is_token(output_prefix):
        return list(found)
    if output_prefix == "":
        found.add(
            f"{at}output_prefix must not be empty when writing to the processed bucket: the function "
            "would trigger itself"
        )
        return list(found)
    if parsed.on_create:
        for f in parsed.filters:
            if output_prefix.startswith(f.prefix) or f.prefix.startswith(output_prefix):
                found.add(
                    f"{at}output_prefix {output_prefix!r} overlaps the filter {f}: objects the "
                    "function writes would trigger it again; write outside the filtered "
                    "prefixes or to another output_bucket"
                )
    return list(found)


def _loop_problems(root: IConstruct, parsed: _Parsed, output_prefix: str) -> list[str]:
    """A loop through other buckets: this function writes to ``output_bucket``, which other
    BucketSources of the app process, writing on until something lands back where this one reads."""
    assert parsed.bucket is not None and parsed.output_bucket is not None
    me = _Flow("", _key(parsed.bucket), tuple(parsed.filters), parsed.on_create, None, output_prefix)
    if not me.on_create:
        return []
    flows = _FLOWS.get(root, [])
    # Breadth-first over the processors an object this function writes may trigger, in turn.
    queue: list[tuple[str, str, list[str]]] = [(_key(parsed.output_bucket), output_prefix, [])]
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
            if flow.path not in seen and flow.writes is not None and flow.triggered_by(written_to, prefix):
                seen.add(flow.path)
                queue.append((flow.writes, flow.prefix, [*chain, flow.path]))
    return []


def _key(bucket: s3.IBucket) -> str:
    """What identifies a bucket across sources: its name, or its node's address when the name is a token."""
    name = bucket.bucket_name
    return name if not is_token(name) else bucket.node.addr


def _same(bucket: s3.IBucket, other: s3.IBucket) -> bool:
    return other is bucket or _key(other) == _key(bucket)


def _events_overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    return (a in _WILDCARD_EVENTS and b.startswith(a + "_")) or (
        b in _WILDCARD_EVENTS and a.startswith(b + "_")
    )


def _event_name(type_name: str) -> str:
    """How a record names an event of ``type_name``: ``OBJECT_CREATED_PUT`` is ``ObjectCreated:Put``;
    a family stands for one of its events (``OBJECT_CREATED``: ``ObjectCreated:Put``)."""
    name = f"{type_name}_{_FAMILY_EXAMPLES[type_name]}" if type_name in _FAMILY_EXAMPLES else type_name
    for family in (*_FAMILY_EXAMPLES, "OBJECT_ACL"):
        if name.startswith(family + "_"):
            return f"{_camel(family)}:{_camel(name[len(family) + 1 :])}"
    return _camel(name)


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


# ---------------------------------------------------------------------- wiring
def _direct(scope: Construct, target: SourceTarget, pf: PatternFunction) -> Binding:
    """The binding of direct delivery: the depth of the function's ``FailureQueue``, alarmed."""
    failure = scope.node.find_child("FailureQueue")
    assert isinstance(failure, sqs.Queue)
    parked = Monitoring.queue_metric(failure.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Parked events")
    return Binding(
        alarms=[
            SourceAlarm(
                "DeadLetterQueueDepthAlarm", AlarmKind.DLQ_DEPTH, parked, f"{target.title} on-failure queue"
            )
        ],
        graphs=[Graph("Parked events", [parked], width=12)],
        resources={"queue": None, "dead_letter_queue": failure, "event_source_mapping": None},
    )


def _grant(
    stack: cdk.Stack,
    pf: PatternFunction,
    bucket: s3.IBucket,
    parsed: _Parsed,
    write_bucket: s3.IBucket | None,
    output_prefix: str | None,
) -> iam.Policy:
    """The function's ``ObjectAccessPolicy``: read the objects under the filtered prefixes, write
    under ``output_prefix``, and use the buckets' keys for that."""
    prefixes = sorted({f.prefix for f in parsed.filters})
    read_patterns = ["*"] if "" in prefixes else [f"{p}*" for p in prefixes]
    # The object and data-key statements go in a policy of their own, and only that policy is
    # acknowledged (CONTRIBUTING.md, "Acknowledgments"): a grant added to the role later lands in its
    # DefaultPolicy and is judged as written. A child of the role, so the function waits for it as for
    # the role.
    statements = [
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(p) for p in read_patterns]
        )
    ]
    key = bucket.encryption_key
    if key is not None:  # what key.grant_decrypt grants
        statements.append(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[key.key_arn]))
    write_pattern = f"{output_prefix or ''}*"
    write_key = write_bucket.encryption_key if write_bucket is not None else None
    objects = [(bucket, p, "read") for p in read_patterns]
    if write_bucket is not None:
        statements.append(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[write_bucket.arn_for_objects(write_pattern)]
            )
        )
        objects.append((write_bucket, write_pattern, "write"))
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
    notifications = bucket.node.try_find_child("Notifications")
    configuration = notifications.node.try_find_child("Resource") if notifications is not None else None
    if configuration is not None:
        configuration.node.add_dependency(policy)
    _acknowledge_object_access(stack, policy, objects, write_key is not None)
    return policy


def _acknowledge_object_access(
    stack: cdk.Stack, policy: iam.Policy, objects: Sequence[tuple[s3.IBucket, str, str]], write_key: bool
) -> None:
    acknowledgments: list[tuple[str, str, str | None]] = [
        (
            "AwsSolutions-IAM5",
            f"The function may {verb} objects under {pattern!r} only: the keys are the objects S3 "
            "reports, unknown before they arrive",
            f"Resource::{finding_resource(stack.resolve(bucket.arn_for_objects(pattern)))}",
        )
        for bucket, pattern, verb in objects
    ]
    if write_key:
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


def _drop_redundant_dependencies(stack: cdk.Stack, bucket: s3.IBucket, queue: sqs.Queue | None) -> None:
    # CDK makes the notifications resource depend on the queue it references with GetAtt, and its
    # handler on the role it references with GetAtt (cfn-lint W3005). Keep the other dependencies.
    notifications = bucket.node.try_find_child("Notifications")
    resource = notifications.node.try_find_child("Resource") if notifications is not None else None
    if isinstance(resource, cdk.CfnResource) and queue is not None:
        cfn_queue = queue.node.default_child
        assert isinstance(cfn_queue, cdk.CfnResource)
        _depends_on_without(resource, cfn_queue)
    handler = stack.node.try_find_child(_NOTIFICATIONS_HANDLER)
    if handler is not None:
        function = handler.node.try_find_child("Resource")
        role = handler.node.try_find_child("Role")
        if isinstance(function, cdk.CfnResource) and role is not None:
            cfn_role = role.node.default_child
            assert isinstance(cfn_role, cdk.CfnResource)
            _depends_on_without(function, cfn_role)


def _acknowledge_notifications_handler(stack: cdk.Stack) -> None:
    # CDK's singleton custom resource that writes the bucket's notification configuration.
    handler = stack.node.try_find_child(_NOTIFICATIONS_HANDLER)
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
