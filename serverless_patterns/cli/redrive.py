"""``serverless-patterns redrive``: every message a deployed stack parked, sent back to where it was going.

A stack's parking queues are found from its deployed template (``GetTemplate``) and its resources
(``DescribeStackResources``): the wiring that makes a queue a dead-letter queue also says where its
messages were going. Five kinds, one way back each:

- ``queue``: a queue's dead-letter queue (``RedrivePolicy`` of a source queue), moved back to that
  queue, with SQS's own redrive (``StartMessageMoveTask``) where the endpoint has it, else received,
  sent and deleted one by one with the same result.
- ``subscription``: an SNS subscription's dead-letter queue, moved to the subscribed queue (what SNS
  could not deliver, delivered).
- ``async``: a function's asynchronous on-failure destination: each Lambda destination record's
  ``requestPayload`` invoked again, asynchronously, on the function and qualifier of the
  ``EventInvokeConfig`` (the ``live`` alias in the patterns).
- ``rule``: an EventBridge rule target's dead-letter queue: the event started on the target state
  machine again, with the target's ``Input``, ``InputPath`` or ``InputTransformer`` applied.
- ``stream``: a stream mapping's on-failure destination: a whole record parked by the function
  (message attribute ``kind`` = ``stream-record``) invoked again synchronously as ``{"Records":
  [record]}``; a position pointer (``DDBStreamBatchInfo``) read back from the stream while it still
  holds the records, else reported as expired and left in the queue.

A message is deleted from its parking queue only after its redrive succeeded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "KINDS",
    "ParkingQueue",
    "QueueReport",
    "RedriveError",
    "classify",
    "find_parking_queues",
    "redrive",
    "redrive_stack",
]

Kind = Literal["queue", "subscription", "async", "rule", "stream"]
KINDS: dict[str, str] = {
    "queue": "dead-letter queue of a queue: moved back to the queue",
    "subscription": "SNS subscription dead-letter queue: moved to the subscribed queue",
    "async": "asynchronous on-failure destination: each request invoked again (Event)",
    "rule": "EventBridge rule target dead-letter queue: each event sent to the target again",
    "stream": "stream on-failure destination: each record invoked again (RequestResponse)",
}
STREAM_RECORD_KIND = "stream-record"
"""The ``kind`` message attribute of a whole stream record parked by StreamToSns' forwarder."""


class RedriveError(RuntimeError):
    """The stack or queue asked for cannot be redriven (not deployed, no parking queue of that name)."""


@dataclass(frozen=True)
class ParkingQueue:
    """A queue a stack parks messages in, and where its messages go back to."""

    logical_id: str
    kind: Kind
    url: str
    """The queue's URL (its physical id)."""
    target: str
    """Queue URL (queue, subscription), ``function:qualifier`` (async, stream) or state machine ARN (rule)."""
    target_logical_id: str
    target_input: Mapping[str, Any] = field(default_factory=dict)
    """Of a rule target: its ``Input``, ``InputPath`` or ``InputTransformer``, as in the template."""

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class QueueReport:
    """What redrive did (or, dry, would do) with one parking queue."""

    queue: ParkingQueue
    found: int = 0
    """Messages in the queue when it started (``ApproximateNumberOfMessages``)."""
    redriven: int = 0
    failed: int = 0
    expired: int = 0
    """Stream pointers whose records the stream no longer holds (left in the queue)."""
    method: str = ""
    errors: list[str] = field(default_factory=list)


# -- finding the queues -------------------------------------------------------------------------------


def _ref(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` names, else None."""
    if isinstance(value, Mapping):
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        got = value.get("Fn::GetAtt")
        if isinstance(got, list) and got and isinstance(got[0], str):
            return got[0]
        if isinstance(got, str):
            return got.split(".", 1)[0]
    return None


def classify(template: Mapping[str, Any], physical: Mapping[str, str]) -> list[ParkingQueue]:
    """The parking queues of a template, with ``physical`` mapping logical ids to physical ids
    (a queue's URL, a function's name, an alias' or state machine's ARN)."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    found: dict[str, ParkingQueue] = {}

    def add(dlq: str | None, kind: Kind, target_id: str | None, target: str | None, **extra: Any) -> None:
        if dlq is None or target_id is None or target is None or dlq in found:
            return
        if (resources.get(dlq) or {}).get("Type") != "AWS::SQS::Queue" or dlq not in physical:
            return
        found[dlq] = ParkingQueue(dlq, kind, physical[dlq], target, target_id, **extra)

    for logical_id, resource in resources.items():
        kind = (resource or {}).get("Type")
        props = (resource or {}).get("Properties") or {}
        if kind == "AWS::SQS::Queue":
            policy = props.get("RedrivePolicy") or {}
            if isinstance(policy, Mapping):
                add(_ref(policy.get("deadLetterTargetArn")), "queue", logical_id, physical.get(logical_id))
        elif kind == "AWS::SNS::Subscription" and str(props.get("Protocol", "")).lower() == "sqs":
            policy = props.get("RedrivePolicy") or {}
            endpoint = _ref(props.get("Endpoint"))
            if isinstance(policy, Mapping) and endpoint is not None:
                add(_ref(policy.get("deadLetterTargetArn")), "subscription", endpoint, physical.get(endpoint))
        elif kind in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
            destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            function, qualifier = _function(resources, props.get("FunctionName"), props.get("Qualifier"))
            if function is None or function not in physical:
                continue
            target = _function_name(physical[function]) + (f":{qualifier}" if qualifier else "")
            dlq = _ref(destination)
            # Of two configs parking in one queue ($LATEST and the alias), the alias' wins.
            if dlq in found and found[dlq].target.endswith(":$LATEST") and qualifier != "$LATEST":
                del found[dlq]
            add(dlq, "async" if kind == "AWS::Lambda::EventInvokeConfig" else "stream", function, target)
        elif kind == "AWS::Events::Rule":
            for target in props.get("Targets") or []:
                dlq = _ref((target.get("DeadLetterConfig") or {}).get("Arn"))
                state_machine = _ref(target.get("Arn"))
                if state_machine is None or (resources.get(state_machine) or {}).get("Type") != (
                    "AWS::StepFunctions::StateMachine"
                ):
                    continue
                shape = {k: target[k] for k in ("Input", "InputPath", "InputTransformer") if k in target}
                add(dlq, "rule", state_machine, physical.get(state_machine), target_input=shape)
    return sorted(found.values(), key=lambda q: q.logical_id)


def _refs(value: Any) -> Iterator[str]:
    """Every logical id ``value`` refers to, however deep in intrinsic functions."""
    direct = _ref(value)
    if direct is not None:
        yield direct
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _refs(inner)


def _function(
    resources: Mapping[str, Any], name: Any, qualifier: Any = None
) -> tuple[str | None, str | None]:
    """The logical id of the function that ``name`` (and ``qualifier``) designate, and the
    qualifier: an alias referred to, however wrapped (``Fn::Join`` of a split alias ARN, as CDK
    writes it), gives its function and its ``Name``."""
    for logical_id in [*_refs(name), *_refs(qualifier)]:
        resource = resources.get(logical_id) or {}
        if resource.get("Type") == "AWS::Lambda::Alias":
            props = resource.get("Properties") or {}
            return _ref(props.get("FunctionName")), str(props.get("Name")) if props.get("Name") else None
    function = next(iter(_refs(name)), None)
    return function, qualifier if isinstance(qualifier, str) else None


def _function_name(physical_id: str) -> str:
    """A function's name from its physical id (a name, or an ARN)."""
    return (
        physical_id.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in physical_id else physical_id
    )


def find_parking_queues(session: Any, stack: str, *, endpoint_url: str | None = None) -> list[ParkingQueue]:
    """The parking queues of a deployed stack."""
    cfn = session.client("cloudformation", endpoint_url=endpoint_url)
    try:
        body = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
        resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    except Exception as exc:
        raise RedriveError(f"cannot read stack {stack}: {exc}") from exc
    template = json.loads(body) if isinstance(body, str) else body
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("PhysicalResourceId")
    }
    return classify(template, physical)


def select(queues: list[ParkingQueue], wanted: str | None) -> list[ParkingQueue]:
    """The queues named by ``wanted`` (a logical id, a queue name or URL), or all of them."""
    if wanted is None:
        return queues
    picked = [q for q in queues if wanted in (q.logical_id, q.name, q.url)]
    if not picked:
        known = ", ".join(q.logical_id for q in queues) or "none"
        raise RedriveError(f"no parking queue {wanted!r} in this stack (parking queues: {known})")
    return picked


# -- redriving ----------------------------------------------------------------------------------------


class _Clients:
    def __init__(self, session: Any, endpoint_url: str | None) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._made: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._made:
            self._made[service] = self._session.client(service, endpoint_url=self._endpoint_url)
        return self._made[service]


def _count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"].get("ApproximateNumberOfMessages", 0))


def _messages(sqs: Any, url: str, limit: int | None) -> Iterator[dict[str, Any]]:
    """Messages of a queue, each hidden for 5 minutes while it is redriven, until none is visible
    or ``limit`` were handed out. One not deleted by the caller shows again after that."""
    given = 0
    while limit is None or given < limit:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10 if limit is None else max(1, min(10, limit - given)),
            VisibilityTimeout=300,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return
        for message in batch:
            given += 1
            yield message


def _release(sqs: Any, url: str, message: Mapping[str, Any]) -> None:
    """Make a message that was not redriven visible again at once."""
    with contextlib.suppress(Exception):  # else it shows again when its visibility timeout ends
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def _native_move(sqs: Any, queue: ParkingQueue, report: QueueReport, timeout: float) -> bool:
    """SQS's own redrive (``StartMessageMoveTask``) back to the source queue; False when the
    endpoint does not offer it."""
    from botocore.exceptions import ClientError

    source = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    target = sqs.get_queue_attributes(QueueUrl=queue.target, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    try:
        handle = sqs.start_message_move_task(SourceArn=source, DestinationArn=target)["TaskHandle"]
    except (ClientError, NotImplementedError) as exc:
        # Not offered by this endpoint (moto answers 500), or not allowed: the move below does the same.
        report.method = f"receive, send to the queue, delete (no StartMessageMoveTask: {_short(exc)})"
        return False
    report.method = f"SQS message move task {handle}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = sqs.list_message_move_tasks(SourceArn=source, MaxResults=10).get("Results", [])
        task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else {})
        status = task.get("Status")
        report.redriven = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        if status == "COMPLETED":
            return True
        if status in {"FAILED", "CANCELLED"}:
            report.errors.append(f"move task {status.lower()}: {task.get('FailureReason', '')}")
            return True
        time.sleep(1)
    report.errors.append(
        f"move task still running after {timeout:.0f} s (list-message-move-tasks follows it)"
    )
    return True


def _short(exc: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', '')} {error.get('Message', '')}".strip()[:120] or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"[:120]


def _move(sqs: Any, queue: ParkingQueue, report: QueueReport, limit: int | None) -> None:
    """Receive, send to the target queue (same body and attributes; group and deduplication ids on
    FIFO), then delete."""
    report.method = report.method or "receive, send to the queue, delete"
    fifo = queue.target.endswith(".fifo")
    kept: list[dict[str, Any]] = []  # made visible again at the end, not received twice in this run
    for message in _messages(sqs, queue.url, limit):
        request: dict[str, Any] = {"QueueUrl": queue.target, "MessageBody": message["Body"]}
        if message.get("MessageAttributes"):
            request["MessageAttributes"] = message["MessageAttributes"]
        attributes = message.get("Attributes") or {}
        if fifo:
            request["MessageGroupId"] = attributes.get("MessageGroupId", "redrive")
            request["MessageDeduplicationId"] = attributes.get("MessageDeduplicationId", message["MessageId"])
        try:
            sqs.send_message(**request)
        except Exception as exc:
            report.failed += 1
            report.errors.append(f"{message['MessageId']}: {exc}")
            kept.append(message)
            continue
        sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
        report.redriven += 1
    for message in kept:
        _release(sqs, queue.url, message)


def _replay(
    sqs: Any,
    queue: ParkingQueue,
    report: QueueReport,
    limit: int | None,
    send: Callable[[dict[str, Any]], str | None],
) -> None:
    """Each message handed to ``send`` (which returns None when it was redriven, ``"expired"`` when
    it cannot be any more, else why it failed); deleted only when redriven."""
    kept: list[dict[str, Any]] = []  # made visible again at the end, not received twice in this run
    for message in _messages(sqs, queue.url, limit):
        try:
            outcome = send(message)
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        if outcome is None:
            sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
            report.redriven += 1
            continue
        if outcome == "expired":
            report.expired += 1
        else:
            report.failed += 1
            report.errors.append(f"{message['MessageId']}: {outcome}")
        kept.append(message)
    for message in kept:
        _release(sqs, queue.url, message)


def _split_target(target: str) -> tuple[str, str | None]:
    name, _, qualifier = target.partition(":")
    return name, qualifier or None


def _invoke(lambda_: Any, target: str, payload: Any, invocation_type: str) -> str | None:
    name, qualifier = _split_target(target)
    request: dict[str, Any] = {
        "FunctionName": name,
        "InvocationType": invocation_type,
        "Payload": json.dumps(payload).encode(),
    }
    if qualifier:
        request["Qualifier"] = qualifier
    answer = lambda_.invoke(**request)
    if answer.get("FunctionError"):
        return f"the function failed again: {answer['Payload'].read().decode(errors='replace')[:300]}"
    if invocation_type == "RequestResponse":
        body = answer["Payload"].read()
        try:
            response = json.loads(body) if body else None
        except ValueError:
            response = None
        if isinstance(response, Mapping) and response.get("batchItemFailures"):
            return f"the function reported the record as failed again: {response['batchItemFailures']}"
    return None


def _async_payload(message: Mapping[str, Any]) -> Any:
    record = json.loads(message["Body"])
    if not isinstance(record, Mapping) or "requestPayload" not in record:
        raise ValueError("not a Lambda destination record (no requestPayload)")
    return record["requestPayload"]


def _path(document: Any, path: str) -> Any:
    """A JSONPath of the simple form EventBridge takes (``$``, ``$.a.b``, ``$.a[0]``)."""
    value = document
    for part in [p for p in path.lstrip("$").replace("[", ".[").split(".") if p]:
        index = part.startswith("[") and part.endswith("]")
        value = value[int(part[1:-1])] if index else value[part]
    return value


def rule_input(target_input: Mapping[str, Any], event: Any) -> str:
    """The input an EventBridge target with ``target_input`` (its Input, InputPath or
    InputTransformer) gives the target for ``event``."""
    if "Input" in target_input:
        return str(target_input["Input"])
    if "InputPath" in target_input:
        return json.dumps(_path(event, str(target_input["InputPath"])))
    transformer = target_input.get("InputTransformer")
    if isinstance(transformer, Mapping):
        text = str(transformer.get("InputTemplate", ""))
        is_json = text.lstrip()[:1] in ("{", "[")
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            try:
                value = _path(event, str(path))
            except (KeyError, IndexError, TypeError):
                value = None
            # In a JSON template every value goes in as JSON ("<x>" whole, as one JSON value); in a
            # text template a string goes in as it is.
            text = text.replace(f'"<{name}>"', json.dumps(value))
            raw = isinstance(value, str) and not is_json
            text = text.replace(f"<{name}>", value if raw and isinstance(value, str) else json.dumps(value))
        return text.replace("<aws.events.event.json>", json.dumps(event)).replace(
            "<aws.events.event>", json.dumps(event)
        )
    return json.dumps(event)


def _stream_records(clients: _Clients, message: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The records a stream on-failure pointer names, or None when the stream no longer has them."""
    info = json.loads(message["Body"]).get("DDBStreamBatchInfo")
    if not isinstance(info, Mapping):
        raise ValueError("neither a parked record (kind=stream-record) nor a DDBStreamBatchInfo pointer")
    streams = clients("dynamodbstreams")
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"],
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except Exception:
        return None  # the shard or the stream is gone (or trimmed)
    records: list[dict[str, Any]] = []
    for _ in range(100):
        try:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
        except Exception:
            return None
        for record in page.get("Records", []):
            number = int(record["dynamodb"]["SequenceNumber"])
            if number > end:
                return records or None
            if number >= start:
                records.append(_plain_record(record))
        iterator = page.get("NextShardIterator")
        if not iterator or not page.get("Records"):
            break
    return records or None


def _plain_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stream record from GetRecords in the shape Lambda gives a function (dates as epoch numbers,
    binary attribute values in base64)."""
    plain = json.loads(json.dumps(record, default=_plain_value))
    plain.setdefault("eventSource", "aws:dynamodb")
    return dict(plain)


def _plain_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value.timestamp() if hasattr(value, "timestamp") else str(value)


def redrive(
    session: Any,
    queue: ParkingQueue,
    *,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    max_messages: int | None = None,
    native: bool = True,
    timeout: float = 300.0,
) -> QueueReport:
    """Redrive one parking queue (see the module's docstring for what each kind does).

    :param max_messages: at most this many messages. Default: - all of them
    :param native: use SQS's ``StartMessageMoveTask`` for a queue's DLQ when the endpoint has it
        (it moves everything: not with ``max_messages``). Default: True
    :param timeout: seconds to wait for a native move task. Default: 300
    """
    clients = _Clients(session, endpoint_url)
    sqs = clients("sqs")
    report = QueueReport(queue, found=_count(sqs, queue.url))
    if dry_run or report.found == 0:
        report.method = "dry run" if dry_run else "nothing to do"
        return report
    if queue.kind in ("queue", "subscription"):
        if (
            queue.kind == "queue"
            and native
            and max_messages is None
            and _native_move(sqs, queue, report, timeout)
        ):
            return report
        _move(sqs, queue, report, max_messages)
        return report
    if queue.kind == "async":
        report.method = f"invoke {queue.target} (Event) with each requestPayload"
        _replay(
            sqs,
            queue,
            report,
            max_messages,
            lambda m: _invoke(clients("lambda"), queue.target, _async_payload(m), "Event"),
        )
        return report
    if queue.kind == "rule":
        report.method = f"start {queue.target.rsplit(':', 1)[-1]} with each event"

        def start(message: dict[str, Any]) -> str | None:
            event = json.loads(message["Body"])
            clients("stepfunctions").start_execution(
                stateMachineArn=queue.target, input=rule_input(queue.target_input, event)
            )
            return None

        _replay(sqs, queue, report, max_messages, start)
        return report
    report.method = f"invoke {queue.target} (RequestResponse) with each record"

    def replay_record(message: dict[str, Any]) -> str | None:
        kind = ((message.get("MessageAttributes") or {}).get("kind") or {}).get("StringValue")
        if kind == STREAM_RECORD_KIND:
            records = [json.loads(message["Body"])["record"]]
        else:
            found = _stream_records(clients, message)
            if found is None:
                return "expired"
            records = found
        return _invoke(clients("lambda"), queue.target, {"Records": records}, "RequestResponse")

    _replay(sqs, queue, report, max_messages, replay_record)
    return report


def redrive_stack(
    session: Any,
    stack: str,
    *,
    queue: str | None = None,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    max_messages: int | None = None,
    native: bool = True,
) -> list[QueueReport]:
    """Redrive every parking queue of ``stack`` (or the one named by ``queue``)."""
    chosen = select(find_parking_queues(session, stack, endpoint_url=endpoint_url), queue)
    return [
        redrive(
            session, q, endpoint_url=endpoint_url, dry_run=dry_run, max_messages=max_messages, native=native
        )
        for q in chosen
    ]
