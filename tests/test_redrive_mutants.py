"""``serverless-patterns redrive``, each way back tested on its own against moto (a server on a
free port: SQS, Step Functions, DynamoDB Streams, CloudFormation), in seconds.

The e2e tests deploy a stack once per module on the local cloud, which is too slow to run for every
mutant of ``cli/redrive.py``; these are the fast tests of the ``redrive`` mutation area. Lambda is
the one service moto cannot run without Docker: ``_Lambda`` records each invocation and answers as
Lambda does (a payload, and ``FunctionError`` when the function failed).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from serverless_patterns.cli.redrive import (
    ParkingQueue,
    QueueReport,
    RedriveError,
    classify,
    find_parking_queues,
    redrive,
    redrive_stack,
    rule_input,
    select,
)

REGION = "us-east-1"
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client made without the endpoint goes to a closed local port, never to AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


class _Lambda:
    """Lambda's ``invoke``: records each request and answers with the next of ``answers``
    (``{"payload": bytes, "error": bool}``; default: an empty success)."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.calls: list[dict[str, Any]] = []
        self._answers = list(answers)

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        answer = self._answers.pop(0) if self._answers else {}
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(answer.get("payload", b""))}
        if answer.get("error"):
            response["FunctionError"] = "Unhandled"
        return response


_SESSIONS: list[Any] = []
_CLIENTS: dict[tuple[str, str | None], Any] = {}


def _client(service: str, endpoint_url: str | None) -> Any:
    """One boto3 session for the module and one client per service and endpoint (a new session
    costs a third of a second, and a mutant runs these tests again)."""
    if not _SESSIONS:
        _SESSIONS.append(
            boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
            )
        )
    key = (service, endpoint_url)
    if key not in _CLIENTS:
        _CLIENTS[key] = _SESSIONS[0].client(service, endpoint_url=endpoint_url, config=NO_RETRIES)
    return _CLIENTS[key]


class _Session:
    """A boto3 session whose clients talk to moto (no retries), and a recorded Lambda."""

    def __init__(self, lambda_: _Lambda | None = None, streams: Any = None) -> None:
        self.lambda_ = lambda_ or _Lambda()
        self.streams = streams
        self.made: list[tuple[str, str | None]] = []

    def client(self, service: str, endpoint_url: str | None = None) -> Any:
        self.made.append((service, endpoint_url))
        if service == "lambda":
            return self.lambda_
        if service == "dynamodbstreams" and self.streams is not None:
            return self.streams
        return _client(service, endpoint_url)


def _sqs(endpoint: str) -> Any:
    return _client("sqs", endpoint)


def _new_queue(endpoint: str, fifo: bool = False) -> str:
    name = f"q-{uuid.uuid4().hex[:12]}" + (".fifo" if fifo else "")
    attributes = {"FifoQueue": "true"} if fifo else {}
    return str(_sqs(endpoint).create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def _bodies(endpoint: str, url: str) -> list[dict[str, Any]]:
    """Every visible message of a queue (received, then made visible again)."""
    sqs = _sqs(endpoint)
    found = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        found.extend(batch)
    for message in found:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return found


def _depth(endpoint: str, url: str) -> tuple[int, int]:
    attrs = _sqs(endpoint).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _park(endpoint: str, url: str, *bodies: str, **extra: Any) -> None:
    for body in bodies:
        _sqs(endpoint).send_message(QueueUrl=url, MessageBody=body, **extra)


# ------------------------------------------------------------------------------------ classify
def _q(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": props}


def _arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _urls(*ids: str) -> dict[str, str]:
    return {i: f"https://sqs/{i}" for i in ids}


def test_a_queue_dlq_goes_back_to_its_queue_however_it_is_referred_to() -> None:
    template = {
        "Resources": {
            "B": _q(RedrivePolicy={"deadLetterTargetArn": _arn("BDlq")}),
            "BDlq": _q(),
            "A": _q(RedrivePolicy={"deadLetterTargetArn": {"Fn::GetAtt": "ADlq.Arn"}}),
            "ADlq": _q(),
            "C": _q(RedrivePolicy={"deadLetterTargetArn": {"Ref": "CDlq"}}),
            "CDlq": _q(),
        }
    }
    assert classify(template, _urls("A", "ADlq", "B", "BDlq", "C", "CDlq")) == [
        ParkingQueue("ADlq", "queue", "https://sqs/ADlq", "https://sqs/A", "A"),
        ParkingQueue("BDlq", "queue", "https://sqs/BDlq", "https://sqs/B", "B"),
        ParkingQueue("CDlq", "queue", "https://sqs/CDlq", "https://sqs/C", "C"),
    ]
    assert classify(template, _urls("A", "ADlq"))[0].target_input == {}


def test_queues_with_no_way_back_are_left_out() -> None:
    template = {
        "Resources": {
            "Text": _q(RedrivePolicy='{"deadLetterTargetArn": "arn"}'),  # not a mapping
            "ToTopic": _q(RedrivePolicy={"deadLetterTargetArn": {"Ref": "Topic"}}),
            "Topic": {"Type": "AWS::SNS::Topic"},
            "NoPhysicalDlq": _q(RedrivePolicy={"deadLetterTargetArn": _arn("Gone")}),
            "Gone": _q(),
            "Unbuilt": _q(RedrivePolicy={"deadLetterTargetArn": _arn("UnbuiltDlq")}),
            "UnbuiltDlq": _q(),
            "BadRef": _q(RedrivePolicy={"deadLetterTargetArn": {"Ref": 5}}),
            "Empty": _q(RedrivePolicy={"deadLetterTargetArn": {"Fn::GetAtt": []}}),
            "Nothing": None,
            "NoProps": {"Type": "AWS::SQS::Queue", "Properties": None},
        }
    }
    physical = _urls("Text", "ToTopic", "Topic", "NoPhysicalDlq", "UnbuiltDlq", "BadRef", "Empty", "NoProps")
    assert classify(template, physical) == []
    assert classify({}, physical) == []
    assert classify({"Resources": None}, physical) == []


def test_one_dlq_of_two_queues_goes_back_to_the_first() -> None:
    template = {
        "Resources": {
            "First": _q(RedrivePolicy={"deadLetterTargetArn": _arn("Dlq")}),
            "Second": _q(RedrivePolicy={"deadLetterTargetArn": _arn("Dlq")}),
            "Dlq": _q(),
        }
    }
    (found,) = classify(template, _urls("First", "Second", "Dlq"))
    assert (found.target, found.target_logical_id) == ("https://sqs/First", "First")


def _subscription(protocol: str, endpoint: Any, dlq: str | None = "SubDlq") -> dict[str, Any]:
    props: dict[str, Any] = {"Protocol": protocol, "Endpoint": endpoint, "TopicArn": {"Ref": "Topic"}}
    if dlq:
        props["RedrivePolicy"] = {"deadLetterTargetArn": _arn(dlq)}
    return {"Type": "AWS::SNS::Subscription", "Properties": props}


@pytest.mark.parametrize("protocol", ["sqs", "SQS"])
def test_a_subscription_dlq_goes_to_the_subscribed_queue(protocol: str) -> None:
    template = {"Resources": {"Sub": _subscription(protocol, _arn("Work")), "SubDlq": _q(), "Work": _q()}}
    assert classify(template, _urls("SubDlq", "Work")) == [
        ParkingQueue("SubDlq", "subscription", "https://sqs/SubDlq", "https://sqs/Work", "Work")
    ]


def test_subscriptions_with_no_queue_to_go_back_to_are_left_out() -> None:
    template = {
        "Resources": {
            "Lambda": _subscription("lambda", _arn("Work")),
            "ArnEndpoint": _subscription("sqs", "arn:aws:sqs:us-east-1:123456789012:theirs"),
            "NoDlq": _subscription("sqs", _arn("Work"), dlq=None),
            "SubDlq": _q(),
            "Work": _q(),
            "Protocol": {"Type": "AWS::SNS::Subscription", "Properties": {"Endpoint": _arn("Work")}},
            "TextPolicy": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {"Protocol": "sqs", "Endpoint": _arn("Work"), "RedrivePolicy": "{}"},
            },
        }
    }
    assert classify(template, _urls("SubDlq", "Work")) == []


def test_one_on_failure_queue_of_two_functions_latest_replays_on_the_first() -> None:
    template = {
        "Resources": {
            "Fn": FUNCTION,
            "Other": FUNCTION,
            "First": _invoke_config({"Ref": "Fn"}, "$LATEST"),
            "Second": _invoke_config({"Ref": "Other"}, "$LATEST"),
            "Failures": _q(),
        }
    }
    physical = {"Fn": "my-fn", "Other": "other-fn", **_urls("Failures")}
    assert [(q.target, q.target_logical_id) for q in classify(template, physical)] == [
        ("my-fn:$LATEST", "Fn")
    ]


def _invoke_config(function: Any, qualifier: Any, dlq: str = "Failures") -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::EventInvokeConfig",
        "Properties": {
            "FunctionName": function,
            "Qualifier": qualifier,
            "DestinationConfig": {"OnFailure": {"Destination": _arn(dlq)}},
        },
    }


FUNCTION = {"Type": "AWS::Lambda::Function", "Properties": {}}
ALIAS = {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live"}}
ALIAS_QUALIFIER = {"Fn::Select": [7, {"Fn::Split": [":", {"Ref": "Live"}]}]}
FN_PHYSICAL = {"Fn": "my-fn", "Live": "arn:aws:lambda:us-east-1:123456789012:function:my-fn:live"}


@pytest.mark.parametrize("order", ["latest first", "alias first"])
def test_an_on_failure_queue_of_latest_and_the_alias_replays_on_the_alias(order: str) -> None:
    configs = [
        ("LatestConfig", _invoke_config({"Ref": "Fn"}, "$LATEST")),
        ("LiveConfig", _invoke_config({"Ref": "Fn"}, ALIAS_QUALIFIER)),
    ]
    if order == "alias first":
        configs.reverse()
    template = {"Resources": {"Fn": FUNCTION, "Live": ALIAS, **dict(configs), "Failures": _q()}}
    assert classify(template, {**FN_PHYSICAL, **_urls("Failures")}) == [
        ParkingQueue("Failures", "async", "https://sqs/Failures", "my-fn:live", "Fn")
    ]


def test_an_on_failure_queue_replays_on_the_function_and_qualifier_configured() -> None:
    template = {
        "Resources": {
            "Fn": FUNCTION,
            "Other": FUNCTION,
            "Named": _invoke_config({"Ref": "Fn"}, "prod", dlq="NamedQ"),
            "Bare": _invoke_config({"Ref": "Other"}, None, dlq="BareQ"),
            "Latest": _invoke_config({"Ref": "Other"}, "$LATEST", dlq="LatestQ"),
            "NamedQ": _q(),
            "BareQ": _q(),
            "LatestQ": _q(),
        }
    }
    physical = {
        "Fn": "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
        "Other": "other-fn",
        **_urls("NamedQ", "BareQ", "LatestQ"),
    }
    assert [(q.logical_id, q.kind, q.target, q.target_logical_id) for q in classify(template, physical)] == [
        ("BareQ", "async", "other-fn", "Other"),
        ("LatestQ", "async", "other-fn:$LATEST", "Other"),
        ("NamedQ", "async", "my-fn:prod", "Fn"),
    ]


def test_a_function_named_by_text_by_a_parameter_or_by_a_qualified_arn() -> None:
    template = {
        "Resources": {
            "Fn": FUNCTION,
            "ByText": _invoke_config("literal-name", None, dlq="TextQ"),
            "ByParameter": _invoke_config({"Ref": "Fn"}, {"Ref": "QualifierParameter"}, dlq="ParamQ"),
            "TextQ": _q(),
            "ParamQ": _q(),
        }
    }
    physical = {"Fn": "arn:aws:lambda:us-east-1:123456789012:function:my-fn:live", **_urls("TextQ", "ParamQ")}
    # A name in text refers to no resource of the stack: no way back is known.
    assert [(q.logical_id, q.target) for q in classify(template, physical)] == [("ParamQ", "my-fn")]


def test_an_alias_without_a_name_and_a_function_not_deployed() -> None:
    nameless = {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}}}
    template = {
        "Resources": {
            "Fn": FUNCTION,
            "Live": nameless,
            "Config": _invoke_config({"Ref": "Fn"}, {"Ref": "Live"}),
            "Failures": _q(),
            "Ghost": _invoke_config({"Ref": "NotDeployed"}, None, dlq="GhostQ"),
            "GhostQ": _q(),
        }
    }
    assert [
        (q.logical_id, q.target) for q in classify(template, {**FN_PHYSICAL, **_urls("Failures", "GhostQ")})
    ] == [("Failures", "my-fn")]


def test_a_stream_failure_queue_replays_on_the_mapped_alias() -> None:
    alias_ref = {"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Live"}]}]}, ":live"]]}
    template = {
        "Resources": {
            "Fn": FUNCTION,
            "Live": ALIAS,
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": alias_ref,
                    "DestinationConfig": {"OnFailure": {"Destination": _arn("StreamFailures")}},
                },
            },
            "NoDestination": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"FunctionName": {"Ref": "Fn"}},
            },
            "StreamFailures": _q(),
        }
    }
    assert classify(template, {**FN_PHYSICAL, **_urls("StreamFailures")}) == [
        ParkingQueue("StreamFailures", "stream", "https://sqs/StreamFailures", "my-fn:live", "Fn")
    ]


def test_a_rule_dlq_starts_its_state_machine_with_the_target_input() -> None:
    transformer = {"InputPathsMap": {"id": "$.id"}, "InputTemplate": '{"id": <id>}'}
    template = {
        "Resources": {
            "Machine": {"Type": "AWS::StepFunctions::StateMachine"},
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Targets": [
                        {"Id": "T0", "Arn": {"Ref": "Topic"}, "DeadLetterConfig": {"Arn": _arn("TopicDlq")}},
                        {
                            "Id": "T1",
                            "Arn": "arn:aws:states:::stateMachine:theirs",
                            "DeadLetterConfig": {"Arn": _arn("TheirsDlq")},
                        },
                        {"Id": "T2", "Arn": {"Ref": "Machine"}},
                        {
                            "Id": "T3",
                            "Arn": {"Ref": "Machine"},
                            "InputTransformer": transformer,
                            "RoleArn": "r",
                            "DeadLetterConfig": {"Arn": _arn("RuleDlq")},
                        },
                    ]
                },
            },
            "Other": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Targets": [
                        {
                            "Arn": {"Ref": "Machine"},
                            "Input": '{"a": 1}',
                            "InputPath": "$.x",
                            "DeadLetterConfig": {"Arn": _arn("OtherDlq")},
                        }
                    ]
                },
            },
            "NoTargets": {"Type": "AWS::Events::Rule", "Properties": {}},
            "RuleDlq": _q(),
            "OtherDlq": _q(),
            "TopicDlq": _q(),
            "TheirsDlq": _q(),
        }
    }
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:M"
    physical = {
        "Machine": machine,
        "Topic": "arn:topic",
        **_urls("RuleDlq", "OtherDlq", "TopicDlq", "TheirsDlq"),
    }
    assert classify(template, physical) == [
        ParkingQueue(
            "OtherDlq",
            "rule",
            "https://sqs/OtherDlq",
            machine,
            "Machine",
            {"Input": '{"a": 1}', "InputPath": "$.x"},
        ),
        ParkingQueue(
            "RuleDlq", "rule", "https://sqs/RuleDlq", machine, "Machine", {"InputTransformer": transformer}
        ),
    ]


def test_a_parking_queue_is_named_by_its_url() -> None:
    assert ParkingQueue("L", "queue", "https://sqs/123/name-1/", "t", "T").name == "name-1"
    assert ParkingQueue("L", "queue", "https://sqs/123/name-2", "t", "T").name == "name-2"


# ------------------------------------------------------------------------------------ select
def test_select_by_logical_id_name_or_url_or_all() -> None:
    queues = [
        ParkingQueue("ADlq", "queue", "https://sqs/1/a-dlq", "t", "A"),
        ParkingQueue("BDlq", "queue", "https://sqs/1/b-dlq", "t", "B"),
    ]
    assert select(queues, None) == queues
    assert select(queues, "BDlq") == [queues[1]]
    assert select(queues, "a-dlq") == [queues[0]]
    assert select(queues, "https://sqs/1/b-dlq") == [queues[1]]
    with pytest.raises(RedriveError) as raised:
        select(queues, "Nope")
    assert str(raised.value) == "no parking queue 'Nope' in this stack (parking queues: ADlq, BDlq)"
    with pytest.raises(RedriveError) as raised:
        select([], "Nope")
    assert str(raised.value) == "no parking queue 'Nope' in this stack (parking queues: none)"


# ------------------------------------------------------------------------------------ a deployed stack
STACK_TEMPLATE = {
    "Resources": {
        "Work": _q(RedrivePolicy={"deadLetterTargetArn": _arn("WorkDlq"), "maxReceiveCount": 3}),
        "WorkDlq": _q(),
        "Other": _q(RedrivePolicy={"deadLetterTargetArn": _arn("OtherDlq"), "maxReceiveCount": 3}),
        "OtherDlq": _q(),
    }
}


def _stack(endpoint: str) -> tuple[str, dict[str, str]]:
    name = f"S{uuid.uuid4().hex[:8]}"
    cfn = _Session().client("cloudformation", endpoint_url=endpoint)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(STACK_TEMPLATE))
    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    return name, {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def test_the_parking_queues_of_a_deployed_stack(endpoint: str) -> None:
    name, physical = _stack(endpoint)
    session = _Session()
    assert find_parking_queues(session, name, endpoint_url=endpoint) == [
        ParkingQueue("OtherDlq", "queue", physical["OtherDlq"], physical["Other"], "Other"),
        ParkingQueue("WorkDlq", "queue", physical["WorkDlq"], physical["Work"], "Work"),
    ]
    assert session.made == [("cloudformation", endpoint)]
    with pytest.raises(RedriveError, match=r"^cannot read stack NoSuchStack: .*NoSuchStack"):
        find_parking_queues(_Session(), "NoSuchStack", endpoint_url=endpoint)


class _Cfn:
    """CloudFormation answering a template as text (YAML or JSON as written) and a resource still
    being created (no physical id yet)."""

    def get_template(self, StackName: str, TemplateStage: str) -> dict[str, Any]:
        assert (StackName, TemplateStage) == ("Text", "Original")
        return {"TemplateBody": json.dumps(STACK_TEMPLATE)}

    def describe_stack_resources(self, StackName: str) -> dict[str, Any]:
        return {
            "StackResources": [
                {"LogicalResourceId": "Work", "PhysicalResourceId": "https://sqs/Work"},
                {"LogicalResourceId": "WorkDlq", "PhysicalResourceId": "https://sqs/WorkDlq"},
                {"LogicalResourceId": "Other", "PhysicalResourceId": "https://sqs/Other"},
                {"LogicalResourceId": "OtherDlq"},
            ]
        }


class _CfnSession:
    def client(self, service: str, endpoint_url: str | None = None) -> Any:
        assert service == "cloudformation"
        return _Cfn()


def test_a_template_given_as_text_and_resources_without_physical_ids() -> None:
    assert find_parking_queues(_CfnSession(), "Text") == [
        ParkingQueue("WorkDlq", "queue", "https://sqs/WorkDlq", "https://sqs/Work", "Work")
    ]


def test_redrive_stack_redrives_the_queue_asked_for(endpoint: str) -> None:
    name, physical = _stack(endpoint)
    _park(endpoint, physical["WorkDlq"], "w1", "w2", "w3")
    _park(endpoint, physical["OtherDlq"], "o1")
    session = _Session()
    (dry,) = redrive_stack(session, name, queue="WorkDlq", endpoint_url=endpoint, dry_run=True)
    assert (dry.queue.logical_id, dry.found, dry.redriven, dry.method) == ("WorkDlq", 3, 0, "dry run")
    (report,) = redrive_stack(
        session, name, queue="WorkDlq", endpoint_url=endpoint, max_messages=2, native=False
    )
    assert (report.found, report.redriven, report.method) == (3, 2, "receive, send to the queue, delete")
    assert _depth(endpoint, physical["WorkDlq"]) == (1, 0)
    assert sorted(m["Body"] for m in _bodies(endpoint, physical["Work"])) in (
        ["w1", "w2"],
        ["w1", "w3"],
        ["w2", "w3"],
    )
    reports = redrive_stack(session, name, endpoint_url=endpoint)
    assert [(r.queue.logical_id, r.found, r.redriven) for r in reports] == [
        ("OtherDlq", 1, 1),
        ("WorkDlq", 1, 1),
    ]
    # SQS's own move is tried first (moto has none), unless native=False.
    assert all(
        r.method.startswith("receive, send to the queue, delete (no StartMessageMoveTask: ") for r in reports
    )
    _park(endpoint, physical["OtherDlq"], "o2")
    (own,) = redrive_stack(session, name, queue="OtherDlq", endpoint_url=endpoint, native=False)
    assert (own.redriven, own.method) == (1, "receive, send to the queue, delete")
    assert all(service == "cloudformation" or url == endpoint for service, url in session.made)


# ------------------------------------------------------------------------------------ queue and subscription
def _queue_pair(endpoint: str, kind: str = "queue", fifo: bool = False) -> ParkingQueue:
    return ParkingQueue("Dlq", kind, _new_queue(endpoint, fifo), _new_queue(endpoint, fifo), "Source")  # type: ignore[arg-type]


def test_a_dlq_is_moved_back_with_bodies_and_attributes_where_sqs_cannot_move_it(endpoint: str) -> None:
    queue = _queue_pair(endpoint)
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    _park(endpoint, queue.url, "one", MessageAttributes=attributes)
    _park(endpoint, queue.url, "two")
    session = _Session()
    report = redrive(session, queue, endpoint_url=endpoint)
    assert (report.found, report.redriven, report.failed, report.errors) == (2, 2, 0, [])
    assert report.method.startswith("receive, send to the queue, delete (no StartMessageMoveTask: ")
    assert _depth(endpoint, queue.url) == (0, 0)
    moved = {m["Body"]: m.get("MessageAttributes") for m in _bodies(endpoint, queue.target)}
    assert moved == {"one": attributes, "two": None}
    assert sorted(set(session.made)) == [("sqs", endpoint)]
    assert len(session.made) == 1  # one client per service


def test_a_subscription_dlq_is_never_moved_by_sqs_itself(endpoint: str) -> None:
    queue = _queue_pair(endpoint, kind="subscription")
    _park(endpoint, queue.url, "n1")
    report = redrive(_Session(), queue, endpoint_url=endpoint)
    assert (report.redriven, report.method) == (1, "receive, send to the queue, delete")
    assert [m["Body"] for m in _bodies(endpoint, queue.target)] == ["n1"]


def test_at_most_max_messages_and_never_by_sqs_itself(endpoint: str) -> None:
    queue = _queue_pair(endpoint)
    _park(endpoint, queue.url, *[f"m{i}" for i in range(13)])
    report = redrive(_Session(), queue, endpoint_url=endpoint, max_messages=12)
    assert (report.found, report.redriven, report.method) == (13, 12, "receive, send to the queue, delete")
    assert _depth(endpoint, queue.url) == (1, 0)
    assert len(_bodies(endpoint, queue.target)) == 12
    one = redrive(_Session(), queue, endpoint_url=endpoint, max_messages=1)
    assert (one.found, one.redriven) == (1, 1)


def test_a_fifo_dlq_keeps_each_message_group_and_deduplication_id(endpoint: str) -> None:
    queue = _queue_pair(endpoint, fifo=True)
    _park(endpoint, queue.url, "f1", MessageGroupId="g1", MessageDeduplicationId="d1")
    _park(endpoint, queue.url, "f2", MessageGroupId="g2", MessageDeduplicationId="d2")
    report = redrive(_Session(), queue, endpoint_url=endpoint, native=False)
    assert (report.redriven, report.errors) == (2, [])
    moved = {
        m["Body"]: (m["Attributes"]["MessageGroupId"], m["Attributes"]["MessageDeduplicationId"])
        for m in _bodies(endpoint, queue.target)
    }
    assert moved == {"f1": ("g1", "d1"), "f2": ("g2", "d2")}


def test_a_message_that_cannot_be_sent_stays_parked_and_visible(endpoint: str) -> None:
    queue = ParkingQueue("Dlq", "queue", _new_queue(endpoint), f"{endpoint}/123456789012/deleted", "Source")
    _park(endpoint, queue.url, "stuck", "also stuck")
    report = redrive(_Session(), queue, endpoint_url=endpoint, native=False)
    assert (report.found, report.redriven, report.failed) == (2, 0, 2)
    messages = _bodies(endpoint, queue.url)  # visible again at once, not after 5 minutes
    assert sorted(e.split(": ", 1)[0] for e in report.errors) == sorted(m["MessageId"] for m in messages)
    assert _depth(endpoint, queue.url) == (2, 0)


class _StickySqs:
    """moto's SQS, except that a message cannot be made visible again (its receipt handle expired)."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.receives: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def receive_message(self, **request: Any) -> Any:
        self.receives.append(request)
        return self._sqs.receive_message(**request)

    def change_message_visibility(self, **request: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ReceiptHandleIsInvalid", "Message": "expired"}}, "ChangeMessageVisibility"
        )


def test_a_message_that_cannot_be_made_visible_again_shows_again_later(endpoint: str) -> None:
    queue = ParkingQueue("Dlq", "queue", _new_queue(endpoint), f"{endpoint}/123456789012/deleted", "Source")
    _park(endpoint, queue.url, "stuck")
    sqs = _StickySqs(_sqs(endpoint))
    report = redrive(_SqsSession(sqs), queue, native=False)
    assert (report.redriven, report.failed) == (0, 1)
    assert _depth(endpoint, queue.url) == (0, 1)  # still parked, hidden until its timeout ends
    # Each message is hidden for 5 minutes while it is redriven; no waiting for more.
    assert sqs.receives[0] == {
        "QueueUrl": queue.url,
        "MaxNumberOfMessages": 10,
        "VisibilityTimeout": 300,
        "WaitTimeSeconds": 0,
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
    }


def test_a_standard_dlq_moved_to_a_fifo_queue_gets_a_group_and_its_message_id(endpoint: str) -> None:
    queue = ParkingQueue("Dlq", "queue", _new_queue(endpoint), _new_queue(endpoint, fifo=True), "Source")
    _park(endpoint, queue.url, "s1")
    (parked,) = _bodies(endpoint, queue.url)
    report = redrive(_Session(), queue, endpoint_url=endpoint, native=False)
    assert (report.redriven, report.errors) == (1, [])
    (moved,) = _bodies(endpoint, queue.target)
    assert moved["Attributes"]["MessageGroupId"] == "redrive"
    assert moved["Attributes"]["MessageDeduplicationId"] == parked["MessageId"]


def test_dry_run_and_an_empty_queue_change_nothing(endpoint: str) -> None:
    queue = _queue_pair(endpoint)
    empty = redrive(_Session(), queue, endpoint_url=endpoint)
    assert (empty.found, empty.redriven, empty.method) == (0, 0, "nothing to do")
    _park(endpoint, queue.url, "d")
    dry = redrive(_Session(), queue, endpoint_url=endpoint, dry_run=True)
    assert (dry.found, dry.redriven, dry.method) == (1, 0, "dry run")
    assert _depth(endpoint, queue.url) == (1, 0)
    assert _bodies(endpoint, queue.target) == []


class _NativeSqs:
    """SQS where the endpoint has StartMessageMoveTask (moto has not): move tasks answered from
    ``statuses`` in turn, or a refusal."""

    def __init__(self, *statuses: dict[str, Any], refuse: Exception | None = None, count: int = 3) -> None:
        self.statuses = list(statuses)
        self.refuse = refuse
        self.count = count
        self.moves: list[dict[str, Any]] = []
        self.listed: list[dict[str, Any]] = []
        self.received = 0

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        if AttributeNames == ["ApproximateNumberOfMessages"]:
            return {"Attributes": {"ApproximateNumberOfMessages": str(self.count)}}
        assert AttributeNames == ["QueueArn"]
        return {"Attributes": {"QueueArn": f"arn:{QueueUrl}"}}

    def start_message_move_task(self, **request: Any) -> dict[str, Any]:
        if self.refuse is not None:
            raise self.refuse
        self.moves.append(request)
        return {"TaskHandle": "task-1"}

    def list_message_move_tasks(self, **request: Any) -> dict[str, Any]:
        self.listed.append(request)
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def receive_message(self, **request: Any) -> dict[str, Any]:
        self.received += 1
        return {"Messages": []}


class _SqsSession:
    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs

    def client(self, service: str, endpoint_url: str | None = None) -> Any:
        assert service == "sqs"
        return self.sqs


NATIVE_QUEUE = ParkingQueue("WorkDlq", "queue", "https://sqs/WorkDlq", "https://sqs/Work", "Work")


def _task(status: str, moved: int, handle: str = "task-1", **extra: Any) -> dict[str, Any]:
    return {"TaskHandle": handle, "Status": status, "ApproximateNumberOfMessagesMoved": moved, **extra}


class _Clock:
    """time.monotonic and time.sleep of the redrive module, on a clock that only sleeping moves: a
    move task that never ends ends the test at its timeout, at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        monkeypatch.setattr("serverless_patterns.cli.redrive.time.monotonic", lambda: self.now)
        monkeypatch.setattr("serverless_patterns.cli.redrive.time.sleep", self.sleep)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    return _Clock(monkeypatch)


def test_sqs_moves_a_queue_dlq_itself_where_it_can(clock: _Clock) -> None:
    sqs = _NativeSqs(
        {"Results": [_task("RUNNING", 1, handle="other"), _task("RUNNING", 1)]},
        {"Results": [_task("RUNNING", 7, handle="other"), _task("COMPLETED", 3)]},
    )
    report = redrive(_SqsSession(sqs), NATIVE_QUEUE)
    assert sqs.moves == [{"SourceArn": "arn:https://sqs/WorkDlq", "DestinationArn": "arn:https://sqs/Work"}]
    assert sqs.listed == [{"SourceArn": "arn:https://sqs/WorkDlq", "MaxResults": 10}] * 2
    assert (report.found, report.redriven, report.errors, report.method) == (
        3,
        3,
        [],
        "SQS message move task task-1",
    )
    assert clock.sleeps == [1]
    assert sqs.received == 0


def test_a_move_task_of_another_handle_is_followed_when_it_is_the_only_one(clock: _Clock) -> None:
    sqs = _NativeSqs({"Results": [_task("COMPLETED", 2, handle="renamed")]})
    report = redrive(_SqsSession(sqs), NATIVE_QUEUE)
    assert (report.redriven, report.errors) == (2, [])


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED"])
def test_a_failed_or_cancelled_move_task_is_reported(status: str, clock: _Clock) -> None:
    sqs = _NativeSqs({"Results": [_task(status, 1, FailureReason="AccessDenied")]})
    report = redrive(_SqsSession(sqs), NATIVE_QUEUE)
    assert report.redriven == 1
    assert report.errors == [f"move task {status.lower()}: AccessDenied"]
    assert sqs.received == 0
    unexplained = _NativeSqs({"Results": [_task(status, 0)]})
    assert redrive(_SqsSession(unexplained), NATIVE_QUEUE).errors == [f"move task {status.lower()}: "]


@pytest.mark.parametrize("listing", [{"Results": []}, {}], ids=["no task", "no results"])
def test_a_move_task_still_running_at_the_timeout_is_reported(listing: dict[str, Any], clock: _Clock) -> None:
    sqs = _NativeSqs(listing)
    report = redrive(_SqsSession(sqs), NATIVE_QUEUE, timeout=4)
    assert report.errors == ["move task still running after 4 s (list-message-move-tasks follows it)"]
    assert len(sqs.listed) == 4  # at 0, 1, 2 and 3 s of 4
    assert report.redriven == 0
    assert sqs.received == 0
    default = redrive(_SqsSession(_NativeSqs(listing)), NATIVE_QUEUE)
    assert default.errors == ["move task still running after 300 s (list-message-move-tasks follows it)"]


def test_a_refused_move_task_falls_back_to_receive_send_delete() -> None:
    refusal = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "StartMessageMoveTask"
    )
    sqs = _NativeSqs(refuse=refusal)
    report = redrive(_SqsSession(sqs), NATIVE_QUEUE)
    assert (
        report.method
        == "receive, send to the queue, delete (no StartMessageMoveTask: AccessDenied not allowed)"
    )
    assert sqs.received == 1
    bare = _NativeSqs(refuse=ClientError({}, "StartMessageMoveTask"))
    assert redrive(_SqsSession(bare), NATIVE_QUEUE).method.endswith("(no StartMessageMoveTask: ClientError)")
    long = _NativeSqs(refuse=ClientError({"Error": {"Code": "Denied", "Message": "m" * 200}}, "Start"))
    assert redrive(_SqsSession(long), NATIVE_QUEUE).method.endswith(
        f"(no StartMessageMoveTask: {('Denied ' + 'm' * 200)[:120]})"
    )
    other = _NativeSqs(refuse=NotImplementedError("x" * 200))
    method = redrive(_SqsSession(other), NATIVE_QUEUE).method
    assert (
        method
        == f"receive, send to the queue, delete (no StartMessageMoveTask: {('NotImplementedError: ' + 'x' * 200)[:120]})"
    )


# ------------------------------------------------------------------------------------ async
def _record(payload: Any) -> str:
    return json.dumps(
        {"version": "1.0", "requestContext": {"condition": "RetriesExhausted"}, "requestPayload": payload}
    )


def test_at_most_max_messages_are_replayed(endpoint: str) -> None:
    queue = ParkingQueue("Failures", "async", _new_queue(endpoint), "my-fn", "Fn")
    _park(endpoint, queue.url, *[_record({"n": i}) for i in range(3)])
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint, max_messages=2)
    assert (report.found, report.redriven, len(lambda_.calls)) == (3, 2, 2)
    assert _depth(endpoint, queue.url) == (1, 0)
    other = ParkingQueue("Failures", "async", _new_queue(endpoint), "my-fn", "Fn")
    _park(endpoint, other.url, *[_record({"n": i}) for i in range(3)])
    report = redrive(_Session(_Lambda()), other, endpoint_url=endpoint, max_messages=1)
    assert (report.found, report.redriven) == (3, 1)
    assert _depth(endpoint, other.url) == (2, 0)


def test_an_async_failure_is_invoked_again_with_its_request(endpoint: str) -> None:
    queue = ParkingQueue("Failures", "async", _new_queue(endpoint), "my-fn:live", "Fn")
    _park(endpoint, queue.url, _record({"order": 1}))
    lambda_ = _Lambda()
    session = _Session(lambda_)
    report = redrive(session, queue, endpoint_url=endpoint)
    assert lambda_.calls == [
        {"FunctionName": "my-fn", "InvocationType": "Event", "Payload": b'{"order": 1}', "Qualifier": "live"}
    ]
    assert (report.redriven, report.failed, report.method) == (
        1,
        0,
        "invoke my-fn:live (Event) with each requestPayload",
    )
    assert _depth(endpoint, queue.url) == (0, 0)
    assert ("lambda", endpoint) in session.made


def test_an_async_failure_that_fails_again_or_is_no_record_stays_parked(endpoint: str) -> None:
    queue = ParkingQueue("Failures", "async", _new_queue(endpoint), "plain-fn", "Fn")
    _park(endpoint, queue.url, _record(None))
    lambda_ = _Lambda({"error": True, "payload": b'{"errorMessage": "boom"}'})
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert lambda_.calls == [{"FunctionName": "plain-fn", "InvocationType": "Event", "Payload": b"null"}]
    assert (report.redriven, report.failed) == (0, 1)
    assert report.errors[0].endswith(': the function failed again: {"errorMessage": "boom"}')
    assert _depth(endpoint, queue.url) == (1, 0)
    # What the function said, cut at 300 characters, bytes that are not UTF-8 replaced.
    lambda_ = _Lambda({"error": True, "payload": b"\xff" + b"e" * 400})
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert report.errors[0].endswith(": the function failed again: \ufffd" + "e" * 299)
    _sqs(endpoint).purge_queue(QueueUrl=queue.url)

    other = ParkingQueue("Failures", "async", _new_queue(endpoint), "plain-fn", "Fn")
    _park(endpoint, other.url, '{"responsePayload": 1}', "[1]")
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), other, endpoint_url=endpoint)
    assert lambda_.calls == []
    assert report.failed == 2
    assert all(
        e.endswith(": ValueError: not a Lambda destination record (no requestPayload)") for e in report.errors
    )
    assert _depth(endpoint, other.url) == (2, 0)


# ------------------------------------------------------------------------------------ rule
EVENT = {"id": "e-1", "source": "shop", "detail": {"order": {"id": "o-1", "items": [1, 2]}, "note": "hi"}}


def _machine(endpoint: str) -> str:
    sfn = _Session().client("stepfunctions", endpoint_url=endpoint)
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    return str(
        sfn.create_state_machine(
            name=f"M{uuid.uuid4().hex[:8]}", definition=definition, roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
    )


def _inputs(endpoint: str, machine: str) -> list[Any]:
    sfn = _Session().client("stepfunctions", endpoint_url=endpoint)
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    return sorted(
        (json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in executions),
        key=json.dumps,
    )


def test_at_most_max_messages_start_a_state_machine_or_replay_a_record(endpoint: str) -> None:
    machine = _machine(endpoint)
    rule = ParkingQueue("RuleDlq", "rule", _new_queue(endpoint), machine, "Machine")
    _park(endpoint, rule.url, json.dumps(EVENT), json.dumps(EVENT))
    assert redrive(_Session(), rule, endpoint_url=endpoint, max_messages=1).redriven == 1
    assert len(_inputs(endpoint, machine)) == 1
    stream = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
    kind = {"kind": {"DataType": "String", "StringValue": "stream-record"}}
    for _ in range(2):
        _park(endpoint, stream.url, json.dumps({"record": {}}), MessageAttributes=kind)
    lambda_ = _Lambda()
    assert redrive(_Session(lambda_), stream, endpoint_url=endpoint, max_messages=1).redriven == 1
    assert len(lambda_.calls) == 1


def test_a_rule_dlq_starts_the_state_machine_with_the_target_input(endpoint: str) -> None:
    machine = _machine(endpoint)
    queue = ParkingQueue(
        "RuleDlq", "rule", _new_queue(endpoint), machine, "Machine", {"InputPath": "$.detail.order"}
    )
    _park(endpoint, queue.url, json.dumps(EVENT), json.dumps({**EVENT, "detail": {"order": {"id": "o-2"}}}))
    report = redrive(_Session(), queue, endpoint_url=endpoint)
    assert (report.found, report.redriven, report.failed) == (2, 2, 0)
    assert report.method == f"start {machine.rsplit(':', 1)[-1]} with each event"
    assert _inputs(endpoint, machine) == [{"id": "o-1", "items": [1, 2]}, {"id": "o-2"}]
    assert _depth(endpoint, queue.url) == (0, 0)


def test_a_rule_dlq_message_that_cannot_start_stays_parked(endpoint: str) -> None:
    queue = ParkingQueue(
        "RuleDlq",
        "rule",
        _new_queue(endpoint),
        "arn:aws:states:us-east-1:123456789012:stateMachine:gone",
        "M",
    )
    _park(endpoint, queue.url, json.dumps(EVENT))
    report = redrive(_Session(), queue, endpoint_url=endpoint)
    assert (report.redriven, report.failed) == (0, 1)
    assert "StateMachineDoesNotExist" in report.errors[0]
    assert _depth(endpoint, queue.url) == (1, 0)


@pytest.mark.parametrize(
    ("target_input", "expected"),
    [
        ({}, json.dumps(EVENT)),
        ({"Input": '{"fixed": true}', "InputPath": "$.id"}, '{"fixed": true}'),
        ({"InputPath": "$"}, json.dumps(EVENT)),
        ({"InputPath": "$.detail.order.items[1]"}, "2"),
        ({"InputPath": "$.detail.note"}, '"hi"'),
        ({"InputTransformer": "not a mapping"}, json.dumps(EVENT)),
        ({"InputTransformer": {}}, ""),
        ({"InputTransformer": {"InputTemplate": "plain <aws.events.event>"}}, f"plain {json.dumps(EVENT)}"),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {
                        "order": "$.detail.order.id",
                        "first": "$.detail.order.items[0]",
                        "none": "$.nope",
                    },
                    "InputTemplate": '{"order": <order>, "quoted": "<order>", "first": <first>, "none": <none>, "event": <aws.events.event.json>}',
                }
            },
            json.dumps(
                {"order": "o-1", "quoted": "o-1", "first": 1, "none": None, "event": EVENT},
                separators=(", ", ": "),
            ),
        ),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {
                        "order": "$.detail.order.id",
                        "items": "$.detail.order.items",
                        "bad": "$.detail.order.items[9]",
                        "deep": "$.id.x",
                    },
                    "InputTemplate": "Order <order> has <items>, <bad> <deep>",
                }
            },
            "Order o-1 has [1, 2], null null",
        ),
        (
            {
                "InputTransformer": {
                    "InputPathsMap": {"order": "$.detail.order.id"},
                    "InputTemplate": '  ["<order>", <order>]',
                }
            },
            '  ["o-1", "o-1"]',
        ),
    ],
)
def test_a_rule_target_input_is_applied_as_eventbridge_would(
    target_input: dict[str, Any], expected: str
) -> None:
    assert rule_input(target_input, EVENT) == expected


# ------------------------------------------------------------------------------------ stream
def _table_with_records(endpoint: str, count: int) -> tuple[str, str, list[str]]:
    session = _Session()
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    streams = session.client("dynamodbstreams", endpoint_url=endpoint)
    table = ddb.create_table(
        TableName=f"t-{uuid.uuid4().hex[:8]}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    for i in range(count):
        item = {"id": {"S": f"item-{i}"}, "blob": {"B": b"\x00\x01hi"}, "blobs": {"BS": [b"a"]}}
        ddb.put_item(TableName=table["TableName"], Item=item)
    arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return arn, shard, [r["dynamodb"]["SequenceNumber"] for r in records]


def _pointer(stream_arn: str, shard: str, start: str, end: str) -> str:
    info = {"shardId": shard, "startSequenceNumber": start, "endSequenceNumber": end, "streamArn": stream_arn}
    return json.dumps({"version": "1.0", "DDBStreamBatchInfo": info})


def test_a_stream_pointer_is_read_back_while_the_stream_holds_it(endpoint: str) -> None:
    arn, shard, sequence = _table_with_records(endpoint, 4)
    queue = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn:live", "Fn")
    _park(endpoint, queue.url, _pointer(arn, shard, sequence[1], sequence[2]))
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert (report.redriven, report.expired, report.failed) == (1, 0, 0)
    assert report.method == "invoke my-fn:live (RequestResponse) with each record"
    (call,) = lambda_.calls
    assert (call["FunctionName"], call["Qualifier"], call["InvocationType"]) == (
        "my-fn",
        "live",
        "RequestResponse",
    )
    records = json.loads(call["Payload"])["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["item-1", "item-2"]
    assert all(r["eventSource"] == "aws:dynamodb" for r in records)
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], float) for r in records)
    # Binary attribute values as Lambda gives them to a function: base64, not Python's bytes repr.
    assert all(r["dynamodb"]["NewImage"]["blob"] == {"B": "AAFoaQ=="} for r in records)
    assert all(r["dynamodb"]["NewImage"]["blobs"] == {"BS": ["YQ=="]} for r in records)
    assert _depth(endpoint, queue.url) == (0, 0)


def test_a_stream_pointer_to_the_last_records_and_to_records_gone(endpoint: str) -> None:
    arn, shard, sequence = _table_with_records(endpoint, 2)
    queue = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
    _park(endpoint, queue.url, _pointer(arn, shard, sequence[1], str(int(sequence[1]) + 100)))
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert report.redriven == 1
    (call,) = lambda_.calls
    assert "Qualifier" not in call
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in json.loads(call["Payload"])["Records"]] == ["item-1"]

    gone = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
    _park(
        endpoint, gone.url, _pointer(arn, "shardId-00000000000000000000-trimmed0", sequence[0], sequence[0])
    )
    _park(endpoint, gone.url, _pointer(arn, shard, str(int(sequence[1]) + 50), str(int(sequence[1]) + 60)))
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), gone, endpoint_url=endpoint)
    assert (report.found, report.redriven, report.expired, report.failed, report.errors) == (2, 0, 2, 0, [])
    assert lambda_.calls == []
    assert _depth(endpoint, gone.url) == (2, 0)  # left for a person to read, visible


class _EndlessStream:
    """DynamoDB Streams whose pages each hold one record older than the pointer, without end (or,
    with ``pages``, those pages)."""

    def __init__(self, *pages: dict[str, Any]) -> None:
        self.pages = list(pages)
        self.requests: list[dict[str, Any]] = []

    def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        return {"ShardIterator": "iterator-0"}

    def get_records(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.pages:
            return self.pages.pop(0)
        old = {"dynamodb": {"SequenceNumber": "1"}}
        return {"Records": [old], "NextShardIterator": f"iterator-{len(self.requests)}"}


def test_a_stream_read_back_gives_up_after_100_pages_of_1000(endpoint: str) -> None:
    queue = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
    _park(endpoint, queue.url, _pointer("arn:stream", "shard-1", "1000", "2000"))
    streams = _EndlessStream()
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_, streams), queue, endpoint_url=endpoint)
    assert (report.expired, report.failed, lambda_.calls) == (1, 0, [])
    assert len(streams.requests) == 100
    assert {r["Limit"] for r in streams.requests} == {1000}  # the API's ceiling
    assert streams.requests[1]["ShardIterator"] == "iterator-1"

    old = {"dynamodb": {"SequenceNumber": "1"}}
    # No records, no next iterator (a closed shard, read), or either alone: reading stops there.
    for page in ({}, {"Records": [old]}, {"NextShardIterator": "iterator-1"}):
        other = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
        _park(endpoint, other.url, _pointer("arn:stream", "shard-1", "1000", "2000"))
        last = _EndlessStream(page)
        report = redrive(_Session(lambda_, last), other, endpoint_url=endpoint)
        assert (report.expired, report.failed, len(last.requests)) == (1, 0, 1), page


def test_a_parked_stream_record_is_invoked_again_and_a_failure_stays(endpoint: str) -> None:
    queue = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn:live", "Fn")
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"id": {"S": "r1"}}}}
    kind = {"kind": {"DataType": "String", "StringValue": "stream-record"}}
    _park(endpoint, queue.url, json.dumps({"record": record}), MessageAttributes=kind)
    lambda_ = _Lambda({"payload": b'{"batchItemFailures": []}'})
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert (report.redriven, report.failed) == (1, 0)
    assert json.loads(lambda_.calls[0]["Payload"]) == {"Records": [record]}

    _park(endpoint, queue.url, json.dumps({"record": record}), MessageAttributes=kind)
    failures = b'{"batchItemFailures": [{"itemIdentifier": "1"}]}'
    lambda_ = _Lambda({"payload": failures})
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert (report.redriven, report.failed) == (0, 1)
    assert report.errors[0].endswith(
        ": the function reported the record as failed again: [{'itemIdentifier': '1'}]"
    )
    _sqs(endpoint).purge_queue(QueueUrl=queue.url)

    _park(endpoint, queue.url, json.dumps({"record": record}), MessageAttributes=kind)
    _park(endpoint, queue.url, json.dumps({"record": record}), MessageAttributes=kind)
    lambda_ = _Lambda({"payload": b"not json"}, {"payload": b'"ok"'})
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert (report.redriven, report.failed) == (2, 0)


def test_a_stream_message_that_is_neither_record_nor_pointer_stays(endpoint: str) -> None:
    queue = ParkingQueue("StreamFailures", "stream", _new_queue(endpoint), "my-fn", "Fn")
    other = {"kind": {"DataType": "String", "StringValue": "something-else"}}
    _park(endpoint, queue.url, json.dumps({"record": {}}), MessageAttributes=other)
    lambda_ = _Lambda()
    report = redrive(_Session(lambda_), queue, endpoint_url=endpoint)
    assert (report.failed, report.expired, lambda_.calls) == (1, 0, [])
    assert report.errors[0].endswith(
        ": ValueError: neither a parked record (kind=stream-record) nor a DDBStreamBatchInfo pointer"
    )


def test_a_report_starts_empty() -> None:
    report = QueueReport(NATIVE_QUEUE)
    assert (report.found, report.redriven, report.failed, report.expired, report.method, report.errors) == (
        0,
        0,
        0,
        0,
        "",
        [],
    )
