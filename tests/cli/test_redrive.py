"""What ``serverless-patterns redrive`` makes of a template: each parking queue's kind and target."""

from __future__ import annotations

import json
from typing import Any

import pytest

from serverless_patterns.cli.redrive import ParkingQueue, RedriveError, classify, redrive, rule_input, select


def _queue(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": props}


def _arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _alias_ref(alias: str) -> dict[str, Any]:
    """How CDK names an alias in a mapping: the function's name out of the alias ARN, and ``:live``."""
    return {"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": alias}]}]}, ":live"]]}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Work": _queue(RedrivePolicy={"deadLetterTargetArn": _arn("WorkDlq"), "maxReceiveCount": 3}),
        "WorkDlq": _queue(),
        "SubDlq": _queue(),
        "Sub": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "sqs",
                "Endpoint": _arn("Work"),
                "TopicArn": {"Ref": "Topic"},
                "RedrivePolicy": {"deadLetterTargetArn": _arn("SubDlq")},
            },
        },
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"}},
        "Failures": _queue(),
        "LatestConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "Qualifier": "$LATEST",
                "DestinationConfig": {"OnFailure": {"Destination": _arn("Failures")}},
            },
        },
        "LiveConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "Qualifier": {"Fn::Select": [7, {"Fn::Split": [":", {"Ref": "Live"}]}]},
                "DestinationConfig": {"OnFailure": {"Destination": _arn("Failures")}},
            },
        },
        "StreamFailures": _queue(),
        "Mapping": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "FunctionName": _alias_ref("Live"),
                "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                "DestinationConfig": {"OnFailure": {"Destination": _arn("StreamFailures")}},
            },
        },
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}},
        "RuleDlq": _queue(),
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Targets": [
                    {
                        "Id": "Target0",
                        "Arn": {"Ref": "Machine"},
                        "InputPath": "$.detail",
                        "DeadLetterConfig": {"Arn": _arn("RuleDlq")},
                    },
                    {"Id": "Target1", "Arn": {"Ref": "Topic"}, "DeadLetterConfig": {"Arn": _arn("Unused")}},
                ]
            },
        },
        "Unused": _queue(),
        "Plain": _queue(),
    }
}
PHYSICAL = {
    **{k: f"https://sqs/{k}" for k, v in TEMPLATE["Resources"].items() if v["Type"] == "AWS::SQS::Queue"},
    "Fn": "my-fn",
    "Live": "arn:aws:lambda:us-east-1:123456789012:function:my-fn:live",
    "Machine": "arn:aws:states:us-east-1:123456789012:stateMachine:M",
}


@pytest.fixture(scope="module")
def found() -> dict[str, ParkingQueue]:
    return {q.logical_id: q for q in classify(TEMPLATE, PHYSICAL)}


def test_a_queue_dlq_goes_back_to_its_queue(found: dict[str, ParkingQueue]) -> None:
    assert (found["WorkDlq"].kind, found["WorkDlq"].target) == ("queue", "https://sqs/Work")


def test_a_subscription_dlq_goes_to_the_subscribed_queue(found: dict[str, ParkingQueue]) -> None:
    assert (found["SubDlq"].kind, found["SubDlq"].target) == ("subscription", "https://sqs/Work")


def test_an_on_failure_queue_replays_on_the_alias_not_latest(found: dict[str, ParkingQueue]) -> None:
    assert (found["Failures"].kind, found["Failures"].target) == ("async", "my-fn:live")


def test_a_stream_failure_queue_replays_on_the_mapped_alias(found: dict[str, ParkingQueue]) -> None:
    assert (found["StreamFailures"].kind, found["StreamFailures"].target) == ("stream", "my-fn:live")


def test_a_rule_dlq_starts_its_state_machine_with_the_target_input(found: dict[str, ParkingQueue]) -> None:
    queue = found["RuleDlq"]
    assert (queue.kind, queue.target) == ("rule", PHYSICAL["Machine"])
    assert dict(queue.target_input) == {"InputPath": "$.detail"}


def test_queues_that_park_nothing_or_for_other_targets_are_left_out(found: dict[str, ParkingQueue]) -> None:
    assert "Plain" not in found and "Work" not in found
    assert "Unused" not in found  # a rule target that is not a state machine: no known way back
    assert len(found) == 5


EVENT = {"id": "e-1", "source": "shop", "detail": {"order": {"id": "o-1", "items": [1, 2]}}}


@pytest.mark.parametrize(
    ("target_input", "expected"),
    [
        ({}, EVENT),
        ({"Input": '{"fixed": true}'}, {"fixed": True}),
        ({"InputPath": "$.detail.order"}, {"id": "o-1", "items": [1, 2]}),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"order": "$.detail.order.id", "first": "$.detail.order.items[0]"},
                    "InputTemplate": '{"order": <order>, "first": <first>, "event": <aws.events.event.json>}',
                }
            },
            {"order": "o-1", "first": 1, "event": EVENT},
        ),
    ],
)
def test_a_rule_target_input_is_applied_as_eventbridge_would(
    target_input: dict[str, Any], expected: Any
) -> None:
    assert json.loads(rule_input(target_input, EVENT)) == expected


def test_select_by_logical_id_name_or_url(found: dict[str, ParkingQueue]) -> None:
    queues = list(found.values())
    assert [q.logical_id for q in select(queues, "WorkDlq")] == ["WorkDlq"]
    assert [q.logical_id for q in select(queues, "https://sqs/SubDlq")] == ["SubDlq"]
    with pytest.raises(RedriveError, match=r"no parking queue 'Nope'.*RuleDlq"):
        select(queues, "Nope")


class _NativeSqs:
    """An SQS client whose endpoint has StartMessageMoveTask (moto has not: the e2e tests cover the
    receive/send/delete move)."""

    def __init__(self) -> None:
        self.moves: list[dict[str, Any]] = []

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        return {"Attributes": {"ApproximateNumberOfMessages": "3", "QueueArn": f"arn:{QueueUrl}"}}

    def start_message_move_task(self, **request: Any) -> dict[str, Any]:
        self.moves.append(request)
        return {"TaskHandle": "task-1"}

    def list_message_move_tasks(self, **request: Any) -> dict[str, Any]:
        return {
            "Results": [
                {"TaskHandle": "task-1", "Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3}
            ]
        }

    def receive_message(self, **request: Any) -> dict[str, Any]:
        raise AssertionError("the native move was available: nothing is received")


class _Session:
    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs

    def client(self, service: str, endpoint_url: str | None = None) -> Any:
        assert service == "sqs"
        return self.sqs


def test_a_queue_dlq_uses_sqs_native_redrive_where_the_endpoint_has_it(
    found: dict[str, ParkingQueue],
) -> None:
    sqs = _NativeSqs()
    report = redrive(_Session(sqs), found["WorkDlq"])
    assert sqs.moves == [{"SourceArn": "arn:https://sqs/WorkDlq", "DestinationArn": "arn:https://sqs/Work"}]
    assert (report.found, report.redriven, report.errors) == (3, 3, [])
    assert "task-1" in report.method
