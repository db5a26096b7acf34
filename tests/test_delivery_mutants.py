"""The local cloud's delivery rules, each on its own: what an SQS batch deletes, keeps or drops (partial
batch responses, filter criteria), how an asynchronous invocation is retried and where its record
goes, and how an SNS subscription's filter policy reaches moto.

The end-to-end tests run these rules through whole apps; these pin each rule down so that breaking
one fails a test named after it (mutation testing found the end-to-end tests blind to several).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from serverless_patterns.local.events import Dispatcher, _batch_item_failures, _filter_patterns, _matches
from serverless_patterns.local.runtime import InvokeResult

ACCOUNT, REGION = "123456789012", "us-east-1"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"


# ------------------------------------------------------------------ partial batch responses
@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}])
def test_a_response_without_failures_fails_nothing(response: Any) -> None:
    assert _batch_item_failures(response, {"a", "b"}) == set()


def test_the_named_items_fail_and_only_they() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]}
    assert _batch_item_failures(response, {"a", "b", "c"}) == {"b", "c"}


@pytest.mark.parametrize(
    "response",
    [
        "oops",
        ["b"],
        {"batchItemFailures": "b"},
        {"batchItemFailures": [{"itemIdentifier": "zzz"}]},
        {"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": "b"}, {"id": "c"}]},
        {"batchItemFailures": [{"itemIdentifier": "b"}, "c"]},
    ],
    ids=["string", "list", "not-a-list", "unknown-id", "empty-id", "no-id", "entry-not-a-dict"],
)
def test_a_malformed_response_fails_the_whole_batch(response: Any) -> None:
    """Lambda treats a response it cannot read as a complete failure."""
    assert _batch_item_failures(response, {"a", "b", "c"}) == {"a", "b", "c"}


# ------------------------------------------------------------------ filter criteria
def _esm(*patterns: Any, responses: tuple[str, ...] = ()) -> Any:
    filters = [{"Pattern": p if isinstance(p, str) else json.dumps(p)} for p in patterns]
    return SimpleNamespace(
        filter_criteria={"Filters": filters} if patterns else None,
        function_name="orders-fn",
        function_response_types=list(responses),
    )


def test_a_mapping_without_filters_has_no_patterns() -> None:
    assert _filter_patterns(_esm()) is None
    assert _filter_patterns(SimpleNamespace(filter_criteria={"Filters": []})) is None
    assert _matches(None, {"body": "anything"}, sqs=True)


def test_filters_without_a_pattern_are_skipped() -> None:
    esm = SimpleNamespace(filter_criteria={"Filters": [{"Pattern": ""}, {"Pattern": '{"body": {"a": [1]}}'}]})
    patterns = _filter_patterns(esm)
    assert patterns is not None and len(patterns) == 1


def test_an_sqs_body_is_matched_as_json() -> None:
    patterns = _filter_patterns(_esm({"body": {"plan": ["pro"]}}))
    assert _matches(patterns, {"body": json.dumps({"plan": "pro"})}, sqs=True)
    assert not _matches(patterns, {"body": json.dumps({"plan": "free"})}, sqs=True)
    # Not parsed when the record is no SQS message, and a body that is no JSON matches no body filter.
    assert not _matches(patterns, {"body": json.dumps({"plan": "pro"})}, sqs=False)
    assert not _matches(patterns, {"body": "plan=pro"}, sqs=True)
    assert not _matches(patterns, {"body": json.dumps({"plan": "pro"})})  # sqs defaults to False
    assert not _matches(patterns, {"body": None}, sqs=True)  # no body to parse: no match, no error


def test_a_record_passes_when_any_filter_matches() -> None:
    patterns = _filter_patterns(_esm({"body": {"plan": ["pro"]}}, {"body": {"plan": ["team"]}}))
    assert _matches(patterns, {"body": json.dumps({"plan": "team"})}, sqs=True)
    assert not _matches(patterns, {"body": json.dumps({"plan": "free"})}, sqs=True)


def test_the_record_itself_is_not_changed_by_matching() -> None:
    record = {"body": json.dumps({"plan": "pro"})}
    _matches(_filter_patterns(_esm({"body": {"plan": ["pro"]}})), record, sqs=True)
    assert record == {"body": json.dumps({"plan": "pro"})}


# ------------------------------------------------------------------ SQS batches
@dataclass
class Message:
    id: str
    body: str
    receipt_handle: str = ""
    approximate_receive_count: int = 1
    sent_timestamp: int = 1
    approximate_first_receive_timestamp: int = 1
    message_attributes: dict[str, Any] = field(default_factory=dict)
    body_md5: str = "md5"

    def __post_init__(self) -> None:
        self.receipt_handle = f"rh-{self.id}"


class Queue:
    """What the batch handling calls on moto's SQS backend, recorded."""

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.delayed: list[tuple[str, int]] = []

    def delete_message(self, queue_name: str, receipt_handle: str) -> None:
        assert queue_name == "orders"
        self.deleted.append(receipt_handle.removeprefix("rh-"))

    def change_message_visibility(self, queue_name: str, receipt_handle: str, timeout: int) -> None:
        assert queue_name == "orders"
        self.delayed.append((receipt_handle.removeprefix("rh-"), timeout))


def _result(value: Any = None, error: str | None = None) -> InvokeResult:
    return InvokeResult(
        payload=json.dumps(value).encode(), invocation=SimpleNamespace(request_id="req-1"), error_type=error
    )  # type: ignore[arg-type]


@pytest.fixture
def dispatcher() -> Any:
    state = SimpleNamespace(account_id=ACCOUNT, region=REGION, invoke_configs={}, note=lambda *a: None)
    d = Dispatcher(state, runtime=None, retry_delay=2.5)  # type: ignore[arg-type]
    d.calls = []
    yield d
    d.stop(timeout=1)


def _run_batch(dispatcher: Any, esm: Any, messages: list[Message], result: InvokeResult) -> Queue:
    queue = Queue()

    def invoke(
        target: str, event: Any, *, source: str, qualifier: str | None = None, detail: str = ""
    ) -> Any:
        dispatcher.calls.append((target, event, source, detail))
        return result

    dispatcher.invoke = invoke
    dispatcher._sqs_batch(esm, queue, "orders", QUEUE_ARN, messages)
    return queue


def _messages(*ids: str) -> list[Message]:
    return [Message(i, json.dumps({"id": i, "plan": "pro" if i != "free" else "free"})) for i in ids]


def test_a_successful_batch_is_deleted(dispatcher: Any) -> None:
    queue = _run_batch(dispatcher, _esm(), _messages("a", "b"), _result({"ok": True}))
    assert sorted(queue.deleted) == ["a", "b"] and queue.delayed == []
    ((target, event, source, detail),) = dispatcher.calls
    assert (target, source, detail) == ("orders-fn", "sqs", "2 message(s) from orders")
    first = event["Records"][0]
    assert first["messageId"] == "a" and first["receiptHandle"] == "rh-a"
    assert first["eventSource"] == "aws:sqs" and first["eventSourceARN"] == QUEUE_ARN
    assert first["awsRegion"] == REGION and first["attributes"]["SenderId"] == ACCOUNT
    assert first["attributes"]["ApproximateReceiveCount"] == "1"


def test_a_failed_batch_stays_for_redelivery_after_the_retry_delay(dispatcher: Any) -> None:
    queue = _run_batch(dispatcher, _esm(), _messages("a", "b"), _result({"errorMessage": "x"}, "Boom"))
    assert queue.deleted == []
    assert sorted(queue.delayed) == [("a", 3), ("b", 3)]  # ceil(2.5)


def test_partial_failures_are_honoured_only_with_report_batch_item_failures(dispatcher: Any) -> None:
    partial = _result({"batchItemFailures": [{"itemIdentifier": "b"}]})
    queue = _run_batch(dispatcher, _esm(responses=("ReportBatchItemFailures",)), _messages("a", "b"), partial)
    assert queue.deleted == ["a"] and queue.delayed == [("b", 3)]
    # Without ReportBatchItemFailures a successful invocation deletes the whole batch.
    queue = _run_batch(dispatcher, _esm(), _messages("a", "b"), partial)
    assert sorted(queue.deleted) == ["a", "b"] and queue.delayed == []


def test_messages_no_filter_matches_are_deleted_without_invoking(dispatcher: Any) -> None:
    esm = _esm({"body": {"plan": ["pro"]}})
    queue = _run_batch(dispatcher, esm, _messages("a", "free"), _result({"ok": True}))
    ((_, event, _, detail),) = dispatcher.calls
    assert [r["messageId"] for r in event["Records"]] == ["a"] and detail == "1 message(s) from orders"
    assert sorted(queue.deleted) == ["a", "free"]
    dispatcher.calls.clear()
    queue = _run_batch(dispatcher, esm, _messages("free"), _result({"ok": True}))
    assert dispatcher.calls == [] and queue.deleted == ["free"]


def test_a_failed_filtered_batch_keeps_only_the_matching_messages(dispatcher: Any) -> None:
    queue = _run_batch(
        dispatcher, _esm({"body": {"plan": ["pro"]}}), _messages("a", "free"), _result(None, "Boom")
    )
    assert queue.deleted == ["free"] and queue.delayed == [("a", 3)]


# ------------------------------------------------------------------ asynchronous invocations
class Runtime:
    def __init__(self, results: list[InvokeResult]) -> None:
        self.results = results
        self.calls: list[tuple[Any, str, str]] = []

    def invoke(self, fn: Any, event: Any, *, source: str, qualifier: str, detail: str) -> InvokeResult:
        self.calls.append((event, source, qualifier))
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]


def _run_async(dispatcher: Any, results: list[InvokeResult], config: dict[str, Any] | None) -> list[Any]:
    fn = SimpleNamespace(
        function_name="orders-fn",
        version="3",
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-fn:3",
    )
    dispatcher.resolve = lambda target, qualifier=None: (fn, qualifier or "$LATEST")
    if config is not None:
        dispatcher.state.invoke_configs[("orders-fn", "live")] = config
    dispatcher.runtime = Runtime(results)
    dispatcher.retry_delay = 0
    delivered: list[Any] = []
    dispatcher.deliver = lambda arn, record: delivered.append((arn, record))
    dispatcher._inflight = 1
    dispatcher._run_async("orders-fn", {"n": 1}, "s3", "live", "an object")
    assert dispatcher._inflight == 0
    return delivered


ON_FAILURE = "arn:aws:sqs:us-east-1:123456789012:orders-failed"
ON_SUCCESS = "arn:aws:sqs:us-east-1:123456789012:orders-done"
DESTINATIONS = {"OnFailure": {"Destination": ON_FAILURE}, "OnSuccess": {"Destination": ON_SUCCESS}}


def test_an_async_failure_is_retried_twice_by_default_then_sent_to_nothing(dispatcher: Any) -> None:
    delivered = _run_async(dispatcher, [_result(None, "Boom")], None)
    assert len(dispatcher.runtime.calls) == 3 and delivered == []
    assert dispatcher.runtime.calls[0] == ({"n": 1}, "s3", "live")


def test_an_async_failure_goes_to_the_on_failure_destination_after_its_retries(dispatcher: Any) -> None:
    config = {"MaximumRetryAttempts": 1, "DestinationConfig": DESTINATIONS}
    delivered = _run_async(dispatcher, [_result({"errorMessage": "x"}, "Boom")], config)
    assert len(dispatcher.runtime.calls) == 2
    ((arn, record),) = delivered
    assert arn == ON_FAILURE
    context = record["requestContext"]
    assert context["condition"] == "RetriesExhausted" and context["approximateInvokeCount"] == 2
    assert context["functionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-fn:live"
    assert context["requestId"] == "req-1"
    assert record["requestPayload"] == {"n": 1} and record["responsePayload"] == {"errorMessage": "x"}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "3",
        "functionError": "Unhandled",
    }
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")


def test_a_retry_that_succeeds_stops_retrying_and_goes_to_on_success(dispatcher: Any) -> None:
    config = {"MaximumRetryAttempts": 2, "DestinationConfig": DESTINATIONS}
    delivered = _run_async(dispatcher, [_result(None, "Boom"), _result({"ok": True})], config)
    assert len(dispatcher.runtime.calls) == 2
    ((arn, record),) = delivered
    assert arn == ON_SUCCESS and record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "3"}


def test_no_retries_when_maximum_retry_attempts_is_zero(dispatcher: Any) -> None:
    delivered = _run_async(dispatcher, [_result(None, "Boom")], {"MaximumRetryAttempts": 0})
    assert len(dispatcher.runtime.calls) == 1 and delivered == []


# ------------------------------------------------------------------ destinations and subscriptions
def test_a_destination_record_reaches_an_sqs_queue_as_json(dispatcher: Any) -> None:
    sent: list[tuple[str, str]] = []

    def sqs(arn: str) -> Any:
        assert arn == ON_FAILURE
        return SimpleNamespace(send_message=lambda name, body: sent.append((name, body)))

    dispatcher._sqs = sqs
    dispatcher.deliver(ON_FAILURE, {"a": 1})
    assert sent == [("orders-failed", '{"a": 1}')]


def test_a_destination_function_is_invoked_asynchronously(dispatcher: Any) -> None:
    calls: list[Any] = []
    dispatcher.invoke_async = lambda arn, record, source: calls.append((arn, record, source))
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:next"
    dispatcher.deliver(arn, {"a": 1})
    assert calls == [(arn, {"a": 1}, "destination")]


def test_an_sns_subscriptions_filter_policy_and_raw_delivery_reach_moto() -> None:
    from moto import mock_aws
    from moto.sns.models import sns_backends

    from serverless_patterns.local.resources import ResourceRequest, SnsSubscription

    with mock_aws():
        backend = sns_backends[ACCOUNT][REGION]
        topic = backend.create_topic("orders")
        policy = {"plan": ["pro"]}
        model = SnsSubscription.create(
            ResourceRequest(
                "Sub",
                {
                    "TopicArn": topic.arn,
                    "Endpoint": QUEUE_ARN,
                    "Protocol": "sqs",
                    "FilterPolicy": policy,
                    "FilterPolicyScope": "MessageBody",
                    "RawMessageDelivery": True,
                    "RedrivePolicy": {"deadLetterTargetArn": QUEUE_ARN + "-dlq"},
                    "DeliveryPolicy": {"healthyRetryPolicy": {"numRetries": 3}},
                },
                ACCOUNT,
                REGION,
                {},
            )
        )
        attributes = backend.get_subscription_attributes(model.physical_resource_id)
        assert json.loads(attributes["FilterPolicy"]) == policy
        assert attributes["FilterPolicyScope"] == "MessageBody"  # moto's default is MessageAttributes
        assert attributes["RawMessageDelivery"] == "true"
        assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": QUEUE_ARN + "-dlq"}
        assert json.loads(attributes["DeliveryPolicy"]) == {"healthyRetryPolicy": {"numRetries": 3}}
        assert attributes["Protocol"] == "sqs" and attributes["Endpoint"] == QUEUE_ARN
        model.delete(ACCOUNT, REGION)
        assert backend.list_subscriptions()[0] == []


# ------------------------------------------------------------------ the record shapes, whole
def test_an_sqs_record_has_lambdas_shape_with_group_and_attributes(dispatcher: Any) -> None:
    message = Message("a", '{"id": "a"}', sent_timestamp=111, approximate_first_receive_timestamp=222)
    message.group_id = "g1"  # type: ignore[attr-defined]
    message.message_attributes = {"plan": {"DataType": "String", "StringValue": "pro"}}
    _run_batch(dispatcher, _esm(), [message], _result({"ok": True}))
    ((_, event, _, _),) = dispatcher.calls
    assert event == {
        "Records": [
            {
                "messageId": "a",
                "receiptHandle": "rh-a",
                "body": '{"id": "a"}',
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "111",
                    "SenderId": ACCOUNT,
                    "ApproximateFirstReceiveTimestamp": "222",
                    "MessageGroupId": "g1",
                },
                "messageAttributes": {"plan": {"dataType": "String", "stringValue": "pro"}},
                "md5OfBody": "md5",
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": REGION,
            }
        ]
    }


def test_an_async_invocation_runs_the_target_with_its_event_and_waits_between_retries(
    dispatcher: Any,
) -> None:
    resolved: list[Any] = []
    waits: list[float] = []
    fn = SimpleNamespace(
        function_name="orders-fn",
        version="1",
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-fn:1",
    )

    def resolve(target: str, qualifier: str | None = None) -> Any:
        resolved.append((target, qualifier))
        return fn, "live"

    class Recording(Runtime):
        def invoke(self, fn_: Any, event: Any, *, source: str, qualifier: str, detail: str) -> InvokeResult:
            assert fn_ is fn and detail == "an object"
            return super().invoke(fn_, event, source=source, qualifier=qualifier, detail=detail)

    dispatcher.resolve = resolve
    dispatcher.runtime = Recording([_result(None, "Boom")])
    dispatcher.retry_delay = 0.25
    stop = dispatcher._stop

    class Recorded(type(stop)):  # type: ignore[misc]
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout)
            return False

    dispatcher._stop = Recorded()
    dispatcher.state.invoke_configs[("orders-fn", "live")] = {
        "MaximumRetryAttempts": 2,
        "DestinationConfig": DESTINATIONS,
    }
    delivered: list[Any] = []
    dispatcher.deliver = lambda arn, record: delivered.append(record)
    dispatcher._inflight = 1
    dispatcher._run_async("orders-fn:live", {"n": 1}, "s3", None, "an object")
    dispatcher._stop = stop
    assert resolved == [("orders-fn:live", None)]
    assert len(dispatcher.runtime.calls) == 3 and waits == [0.25, 0.25]
    (record,) = delivered
    assert (
        record["requestContext"]["functionArn"]
        == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-fn:live"
    )
    assert record["requestContext"]["approximateInvokeCount"] == 3


def test_an_async_invocation_of_a_vanished_target_is_noted(dispatcher: Any) -> None:
    notes: list[tuple[Any, ...]] = []
    dispatcher.state.note = lambda *args: notes.append(args)

    def resolve(target: str, qualifier: str | None = None) -> Any:
        raise LookupError("no such function")

    dispatcher.resolve = resolve
    dispatcher._inflight = 1
    dispatcher._run_async("gone", {}, "s3", None, "")
    assert notes == [
        ("", "gone", "AWS::Lambda::Function", "not emulated", "async invocation failed: no such function")
    ]
    assert dispatcher._inflight == 0


def test_a_destination_record_reaches_an_sns_topic_as_json(dispatcher: Any) -> None:
    from moto import mock_aws
    from moto.sns.models import sns_backends

    with mock_aws():
        backend = sns_backends[ACCOUNT][REGION]
        topic = backend.create_topic("failures")
        dispatcher.deliver(topic.arn, {"a": 1})
        (published,) = topic.sent_notifications
        assert json.loads(published[1]) == {"a": 1}


def test_a_destination_of_another_service_is_noted_not_delivered(dispatcher: Any) -> None:
    notes: list[tuple[Any, ...]] = []
    dispatcher.state.note = lambda *args: notes.append(args)
    arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    dispatcher.deliver(arn, {"a": 1})
    assert notes == [("", arn, "destination", "not emulated", "events destinations are not delivered")]
