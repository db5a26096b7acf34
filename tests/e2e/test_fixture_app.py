"""Events in, outcomes out, on the fixture app: every shape the patterns use, through real handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import Deployment, LocalCloud

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(fixture_assembly: Path, local_cloud: LocalCloud) -> Iterator[Deployment]:
    yield local_cloud.deploy(fixture_assembly)


def _drain(cloud: LocalCloud, url: str, expect: int, timeout: float = 20) -> list[dict[str, Any]]:
    """Receive (and delete) ``expect`` messages from a queue nobody consumes."""
    sqs = cloud.client("sqs")
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(batch)
        if not batch:
            time.sleep(0.05)
    return got


def _count(cloud: LocalCloud, table: str) -> int:
    return int(cloud.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def test_every_stack_deploys_and_reports_what_is_not_emulated(deployed: Deployment) -> None:
    assert set(deployed.stacks) == {
        "LocalQueue",
        "LocalApi",
        "LocalStream",
        "LocalBucket",
        "LocalStateMachine",
    }
    assert deployed.seconds < 120
    # Everything this app uses is emulated: nothing reported missing, no type dropped.
    assert deployed.not_emulated == [], [str(n) for n in deployed.not_emulated]


def test_queue_processes_good_messages_and_parks_failures_in_the_dlq(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    out = deployed.outputs["LocalQueue"]
    sqs = local_cloud.client("sqs")
    bodies = [f"fail-{i}" if i % 10 == 3 else f"ok-{i}" for i in range(100)]
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=out["QueueUrl"], Entries=entries)
    failing = {b for b in bodies if b.startswith("fail")}

    local_cloud.wait_for(
        lambda: _count(local_cloud, out["TableName"]) == len(bodies) - len(failing), timeout=30
    )
    parked = _drain(local_cloud, out["DeadLetterQueueUrl"], len(failing))
    local_cloud.wait_for(queue_empty=out["QueueUrl"], timeout=30)

    items = local_cloud.client("dynamodb").scan(TableName=out["TableName"])["Items"]
    processed = {i["id"]["S"] for i in items}
    assert processed == set(bodies) - failing
    assert {m["Body"] for m in parked} == failing
    assert len(processed) + len(parked) == len(bodies)
    assert {i["function"]["S"] for i in items} == {
        next(iter(items))["function"]["S"]
    }  # context.function_name


def test_rest_api_proxies_to_the_function(local_cloud: LocalCloud, deployed: Deployment) -> None:
    rest = deployed.outputs["LocalApi"]["RestApiId"]
    got = local_cloud.invoke_api("GET", "/users/42", api_id=rest, query={"verbose": "1"})
    assert got.status == 200, got.text
    body = got.json()
    assert body["method"] == "GET"
    assert body["path"] == "/users/42"
    assert body["pathParameters"] == {"id": "42"}
    assert body["query"] == {"verbose": "1"}
    assert 0 < body["remainingMs"] <= 5000

    created = local_cloud.invoke_api("POST", "/users", api_id=rest, body={"name": "Ada"})
    assert created.status == 201
    assert created.json()["body"] == {"name": "Ada"}

    assert local_cloud.invoke_api("DELETE", "/users/42", api_id=rest).status == 403
    assert local_cloud.invoke_api("GET", "/nowhere", api_id=rest).status == 403


def test_http_api_sends_the_v2_payload(local_cloud: LocalCloud, deployed: Deployment) -> None:
    http = deployed.outputs["LocalApi"]["HttpApiId"]
    got = local_cloud.invoke_api("GET", "/items/7", api_id=http, query={"a": "b"})
    assert got.status == 200, got.text
    assert got.json()["path"] == "/items/7"
    assert got.json()["pathParameters"] == {"id": "7"}
    assert got.json()["query"] == {"a": "b"}
    assert local_cloud.invoke_api("GET", "/other", api_id=http).status == 404


def test_table_stream_publishes_to_topic_and_failures_reach_the_on_failure_queue(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    out = deployed.outputs["LocalStream"]
    ddb = local_cloud.client("dynamodb")
    ids = [f"poison-{i}" if i in (7, 33) else f"item-{i}" for i in range(50)]
    for item_id in ids:
        ddb.put_item(TableName=out["TableName"], Item={"id": {"S": item_id}})
    good = {i for i in ids if not i.startswith("poison")}

    received: set[str] = set()

    def all_published() -> bool:
        received.update(
            json.loads(m["Body"])["id"] for m in _drain(local_cloud, out["SubscriberUrl"], 1, timeout=0.2)
        )
        return received >= good

    local_cloud.wait_for(all_published, timeout=30)
    failures = _drain(local_cloud, out["StreamFailuresUrl"], 2)
    infos = [json.loads(m["Body"])["DDBStreamBatchInfo"] for m in failures]
    # Bisecting isolates each poison record: two single-record batches reach the on-failure queue.
    assert sorted(i["batchSize"] for i in infos) == [1, 1]
    assert received == good  # at least once: bisected retries may publish a record twice, never lose one


def test_async_failures_go_to_the_on_failure_destination(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    out = deployed.outputs["LocalStream"]
    ddb = local_cloud.client("dynamodb")
    for i in range(3):
        ddb.put_item(TableName=out["TableName"], Item={"id": {"S": f"reject-{i}"}})
    failures = _drain(local_cloud, out["AsyncFailuresUrl"], 3)
    records = [json.loads(m["Body"]) for m in failures]
    assert sorted(json.loads(r["requestPayload"]["Records"][0]["Sns"]["Message"])["id"] for r in records) == [
        "reject-0",
        "reject-1",
        "reject-2",
    ]
    assert {r["requestContext"]["condition"] for r in records} == {"RetriesExhausted"}
    assert {r["responsePayload"]["errorType"] for r in records} == {"RuntimeError"}


def test_bucket_upload_reaches_the_worker_through_the_queue(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    out = deployed.outputs["LocalBucket"]
    s3 = local_cloud.client("s3")
    for i in range(20):
        s3.put_object(Bucket=out["BucketName"], Key=f"uploads/{i}.txt", Body=b"x" * i)
    local_cloud.wait_for(lambda: _count(local_cloud, out["TableName"]) == 20, timeout=30)
    items = local_cloud.client("dynamodb").scan(TableName=out["TableName"])["Items"]
    assert {i["id"]["S"]: int(i["size"]["N"]) for i in items} == {f"uploads/{i}.txt": i for i in range(20)}


def _run(local_cloud: LocalCloud, arn: str, payload: dict[str, Any]) -> dict[str, Any]:
    sfn = local_cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    return local_cloud.wait_for(  # type: ignore[return-value]
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout=30
    )


def test_state_machine_succeeds_and_fails(local_cloud: LocalCloud, deployed: Deployment) -> None:
    arn = deployed.outputs["LocalStateMachine"]["StateMachineArn"]
    done = _run(local_cloud, arn, {"items": [{"price": 2}, {"price": 3}]})
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"items": [{"price": 2}, {"price": 3}], "valid": True, "total": 5}

    failed = _run(local_cloud, arn, {"items": []})
    assert failed["status"] == "FAILED"
    assert failed.get("error") == "InvalidOrder"


def test_direct_invoke_gives_the_handler_a_lambda_context(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    functions = local_cloud.resources("LocalApi", "AWS::Lambda::Function")
    name = next(iter(functions.values()))
    answer = local_cloud.client("lambda").invoke(
        FunctionName=f"{name}:live",
        Payload=json.dumps({"httpMethod": "GET", "path": "/direct"}).encode(),
    )
    assert "FunctionError" not in answer
    body = json.loads(json.loads(answer["Payload"].read())["body"])
    assert body["path"] == "/direct"
    assert len(body["requestId"]) == 36
    assert next(i for i in local_cloud.invocations if i.request_id == body["requestId"]).qualifier == "live"


def test_the_demo_finds_a_sample_for_every_pattern(local_cloud: LocalCloud, deployed: Deployment) -> None:
    from serverless_patterns.local.demo import samples_for

    titles = {stack: [title for title, _ in samples_for(local_cloud, stack)] for stack in deployed.stacks}
    assert any(t.startswith("send to queue") for t in titles["LocalQueue"])
    assert {t.split(" on ")[0] for t in titles["LocalApi"]} == {
        "POST /users",
        "GET /users/{id}",
        "GET /items/{id}",
    }
    assert any(t.startswith("put item in table") for t in titles["LocalStream"])
    assert any(t.startswith("publish to topic") for t in titles["LocalStream"])
    assert [t.split(" ")[0] for t in titles["LocalBucket"]] == ["upload"]  # its queue is fed by the bucket
    assert any(t.startswith("start state machine") for t in titles["LocalStateMachine"])
