"""QueueSource (serverless_patterns/core/sources/queue.py) on its own: its props' problems, its sample
event as Powertools reads it, and what it binds with and without a function."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from serverless_patterns import FunctionSpec, PatternValidationError, QueueOptions
from serverless_patterns.core import InvocationType, Pattern
from serverless_patterns.core.consumer import Batching
from serverless_patterns.core.monitoring import AlarmKind, rolls_back
from serverless_patterns.core.sources import Binding, QueueSource

HANDLER = str(Path(__file__).parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler", **kwargs)


# ---------------------------------------------------------------- problems
@pytest.mark.parametrize(
    ("source", "function", "message"),
    [
        (QueueSource(fifo="yes"), None, "jobs.fifo must be True or False, got 'yes'"),  # type: ignore[arg-type]
        (
            QueueSource(report_batch_item_failures=1),  # type: ignore[arg-type]
            None,
            "jobs.report_batch_item_failures must be True or False, got 1",
        ),
        (QueueSource(batching=10), None, "jobs.batching must be a Batching, got int"),  # type: ignore[arg-type]
        (QueueSource(queue=3), None, "jobs.queue must be a QueueOptions, got int"),  # type: ignore[arg-type]
        (
            QueueSource(fifo=True, batching=Batching(batch_size=11)),
            None,
            "jobs.batching.batch_size must be 1..10 messages for a FIFO queue, got 11",
        ),
        (
            QueueSource(fifo=True, batching=Batching(max_batching_window=cdk.Duration.seconds(1))),
            None,
            "jobs.batching.max_batching_window is not supported for FIFO queues",
        ),
        (
            QueueSource(batching=Batching(batch_size=11)),
            None,
            "jobs.batching.batch_size above 10 needs a max_batching_window of at least 1 second",
        ),
        (
            QueueSource(batching=Batching(max_concurrency=1)),
            None,
            "jobs.batching.max_concurrency must be 2..1000, got 1",
        ),
        (
            QueueSource(queue=QueueOptions(max_receive_count=0)),
            None,
            "jobs.queue.max_receive_count must be 1..1000, got 0",
        ),
        (
            QueueSource(queue=QueueOptions(visibility_timeout=cdk.Duration.seconds(20))),
            spec(timeout=cdk.Duration.seconds(30)),
            "jobs.queue.visibility_timeout must be at least the function's timeout (30 s), got 20 s",
        ),
        (
            QueueSource(batching=Batching(max_concurrency=20)),
            spec(reserved_concurrency=5),
            "jobs.batching.max_concurrency must not exceed the function's reserved_concurrency (5), got 20",
        ),
    ],
)
def test_each_problem_names_the_prop(
    source: QueueSource, function: FunctionSpec | None, message: str
) -> None:
    assert [p for p in source.problems("jobs", function=function) if p.startswith(message)] != []


def test_an_empty_prop_names_the_options_bare() -> None:
    found = QueueSource(fifo=True, batching=Batching(batch_size=20)).problems("")
    assert found == ["batching.batch_size must be 1..10 messages for a FIFO queue, got 20"]


def test_valid_props_have_no_problems() -> None:
    source = QueueSource(
        fifo=True,
        batching=Batching(batch_size=10, max_concurrency=5),
        queue=QueueOptions(visibility_timeout=cdk.Duration.seconds(30)),
    )
    assert (
        source.problems("jobs", function=spec(timeout=cdk.Duration.seconds(30), reserved_concurrency=5)) == []
    )
    # a reserved concurrency of 0 turns the function off on purpose: no concurrency problem
    assert (
        QueueSource(batching=Batching(max_concurrency=9)).problems("j", function=spec(reserved_concurrency=0))
        == []
    )


def test_check_raises_one_error_naming_the_construct() -> None:
    source = QueueSource(fifo="no", batching=Batching(batch_size=0))  # type: ignore[arg-type]
    with pytest.raises(PatternValidationError) as raised:
        source.check("Stack/Worker", "jobs")
    assert raised.value.construct_path == "Stack/Worker"
    assert len(raised.value.problems) == 2


# ---------------------------------------------------------------- sample event
@pytest.mark.parametrize("fifo", [False, True])
def test_sample_event_is_what_powertools_reads(fifo: bool) -> None:
    event = SQSEvent(dict(QueueSource(fifo=fifo).sample_event()))
    (record,) = list(event.records)
    assert record.event_source == "aws:sqs"
    assert record.json_body == {"id": "1234", "action": "process"}
    assert record.md5_of_body == hashlib.md5(record.body.encode(), usedforsecurity=False).hexdigest()
    assert record.attributes.approximate_receive_count == "1"
    assert record.queue_url.endswith("/123456789012/orders" + (".fifo" if fifo else ""))
    if fifo:
        assert record.attributes.message_group_id == "1"
        assert record.attributes.message_deduplication_id
    else:
        assert record.attributes.message_group_id is None


# ---------------------------------------------------------------- bind
def bound(source: QueueSource, *, with_function: bool) -> tuple[Pattern, Binding, dict[str, Any]]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pattern = Pattern(stack, "P", deployment=None, monitoring=None)
    pf = pattern._single_function(spec(), InvocationType.EVENT_SOURCE) if with_function else None
    binding = pattern.attach(source, pattern, function=pf, title="S/P")
    template = app.synth().get_stack_by_name("S").template["Resources"]
    return pattern, binding, template


def of_type(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template.values() if r["Type"] == type_]


def test_without_a_function_the_queue_waits_for_an_outside_consumer() -> None:
    pattern, binding, template = bound(QueueSource(), with_function=False)
    assert binding.resources["event_source_mapping"] is None
    assert of_type(template, "AWS::Lambda::EventSourceMapping") == []
    assert len(of_type(template, "AWS::SQS::Queue")) == 2
    queue = next(q for q in of_type(template, "AWS::SQS::Queue") if "RedrivePolicy" in q)
    assert queue["VisibilityTimeout"] == 30  # no consumer timeout to derive it from
    assert [a.kind for a in binding.alarms] == [AlarmKind.DLQ_DEPTH, AlarmKind.MESSAGE_AGE]
    assert len(pattern.alarms) == 2


def test_with_a_function_the_mapping_reports_partial_failures_through_the_alias() -> None:
    pattern, binding, template = bound(QueueSource(), with_function=True)
    (mapping,) = of_type(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (alias_id,) = [k for k, r in template.items() if r["Type"] == "AWS::Lambda::Alias"]
    assert {"Ref": alias_id} in json.loads(json.dumps(mapping["FunctionName"]))["Fn::Join"][1][0][
        "Fn::Select"
    ][1]["Fn::Split"]
    (queue_id,) = [
        k
        for k, r in template.items()
        if r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in r["Properties"]
    ]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    sqs_grants = [
        s
        for p in of_type(template, "AWS::IAM::Policy")
        for s in p["PolicyDocument"]["Statement"]
        if "sqs:ReceiveMessage" in s["Action"]
    ]
    assert sqs_grants == [
        {
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueUrl",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
            ],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
    ]
    assert binding.resources["event_source_mapping"] is not None
    # the data-at-rest alarms never roll back; the function's own alarms do
    assert not any(rolls_back(a.kind) for a in binding.alarms)
    assert len(pattern.alarms) == 4


def test_report_batch_item_failures_off_retries_whole_batches() -> None:
    _, _, template = bound(QueueSource(report_batch_item_failures=False), with_function=True)
    (mapping,) = of_type(template, "AWS::Lambda::EventSourceMapping")
    assert "FunctionResponseTypes" not in mapping
