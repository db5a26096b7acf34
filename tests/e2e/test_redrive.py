"""``serverless-patterns redrive`` on the local cloud: a message parked in each kind of parking
queue is sent back and processed, and the queue is left empty."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from serverless_patterns.cli.app import app
from serverless_patterns.cli.redrive import ParkingQueue, find_parking_queues, redrive
from serverless_patterns.local import LocalCloud

pytestmark = pytest.mark.e2e
STACK = "LocalRedrive"


@pytest.fixture(scope="module")
def out(redrive_assembly: Path, local_cloud: LocalCloud) -> Iterator[dict[str, str]]:
    yield local_cloud.deploy(redrive_assembly).outputs[STACK]


@pytest.fixture(scope="module")
def session(local_cloud: LocalCloud) -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=local_cloud.region
    )


@pytest.fixture(scope="module")
def queues(local_cloud: LocalCloud, session: Any, out: dict[str, str]) -> dict[str, ParkingQueue]:
    return {
        q.logical_id: q for q in find_parking_queues(session, STACK, endpoint_url=local_cloud.endpoint_url)
    }


def _one(queues: dict[str, ParkingQueue], prefix: str) -> ParkingQueue:
    (found,) = [q for logical_id, q in queues.items() if logical_id.startswith(prefix)]
    return found


def _depth(cloud: LocalCloud, url: str) -> int:
    attrs = cloud.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _redrive(cloud: LocalCloud, session: Any, queue: ParkingQueue) -> Any:
    report = redrive(session, queue, endpoint_url=cloud.endpoint_url)
    assert not report.errors, report.errors
    return report


def _logged(cloud: LocalCloud, text: str) -> bool:
    return any(i.ok and text in i.logs for i in list(cloud.invocations))


def _exists(cloud: LocalCloud, bucket: str, key: str) -> bool:
    found = cloud.client("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
    return any(o["Key"] == key for o in found)


def _watched(cloud: LocalCloud, url: str, item_id: str, timeout: float = 20) -> bool:
    """Whether the watcher queue gets the item ``item_id`` (other messages are dropped)."""
    sqs = cloud.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if json.loads(message["Body"]).get("id") == item_id:
                return True
        time.sleep(0.05)
    return False


def test_every_kind_is_found(queues: dict[str, ParkingQueue], out: dict[str, str]) -> None:
    kinds = {logical_id.rstrip("0123456789ABCDEF"): q.kind for logical_id, q in queues.items()}
    assert kinds == {
        "QueuedQueueDeadLetterQueue": "queue",
        "DirectFailureQueue": "async",
        "FanoutSubscribersauditQueueDeadLetterQueue": "queue",
        "FanoutSubscribersauditSubscriptionDeadLetterQueue": "subscription",
        "PipelineTriggerDeadLetterQueue": "rule",
        "ChangesFailureQueue": "stream",
    }
    assert _one(queues, "FanoutSubscribersauditSubscription").target == out["AuditQueueUrl"]
    assert _one(queues, "PipelineTrigger").target == out["StateMachineArn"]
    assert _one(queues, "DirectFailureQueue").target.endswith(":live")
    assert _one(queues, "ChangesFailureQueue").target.endswith(":live")


def test_a_queue_dlq_goes_back_to_its_queue(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue], out: dict[str, str]
) -> None:
    s3, bucket, dlq = local_cloud.client("s3"), out["QueuedBucket"], _one(queues, "QueuedQueueDeadLetter")
    s3.put_object(Bucket=bucket, Key="in/FAIL", Body=b"")
    s3.put_object(Bucket=bucket, Key="in/bad-queued.txt", Body=b"x")
    local_cloud.wait_for(lambda: _depth(local_cloud, dlq.url) == 1, timeout=30)  # 3 receives, parked
    s3.delete_object(Bucket=bucket, Key="in/FAIL")
    report = _redrive(local_cloud, session, dlq)
    assert (report.found, report.redriven) == (1, 1)
    local_cloud.wait_for(lambda: _exists(local_cloud, bucket, "processed/in/bad-queued.txt"), timeout=20)
    assert _depth(local_cloud, dlq.url) == 0


def test_an_on_failure_destination_is_invoked_again(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue], out: dict[str, str]
) -> None:
    s3, bucket, failures = local_cloud.client("s3"), out["DirectBucket"], _one(queues, "DirectFailureQueue")
    s3.put_object(Bucket=bucket, Key="in/FAIL", Body=b"")
    s3.put_object(Bucket=bucket, Key="in/bad-direct.txt", Body=b"x")
    local_cloud.wait_for(lambda: _depth(local_cloud, failures.url) == 1, timeout=30)  # 2 attempts, parked
    s3.delete_object(Bucket=bucket, Key="in/FAIL")
    report = _redrive(local_cloud, session, failures)
    assert (report.found, report.redriven) == (1, 1)
    local_cloud.wait_for(lambda: _exists(local_cloud, bucket, "processed/in/bad-direct.txt"), timeout=20)
    assert _depth(local_cloud, failures.url) == 0


def test_a_subscriber_dlq_goes_back_to_the_subscriber_queue(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue]
) -> None:
    dlq, marker = _one(queues, "FanoutSubscribersauditQueueDeadLetter"), f"dlq-{uuid.uuid4()}"
    local_cloud.client("sqs").send_message(QueueUrl=dlq.url, MessageBody=marker)
    report = _redrive(local_cloud, session, dlq)
    assert report.redriven == 1
    local_cloud.wait_for(lambda: _logged(local_cloud, f"received {marker}"), timeout=20)
    assert _depth(local_cloud, dlq.url) == 0


def test_a_subscription_dlq_is_delivered_to_the_subscriber_queue(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue]
) -> None:
    dlq, marker = _one(queues, "FanoutSubscribersauditSubscription"), f"sns-{uuid.uuid4()}"
    # What SNS parks when it cannot deliver to an SQS subscriber: the notification it would have sent.
    envelope = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": marker}
    local_cloud.client("sqs").send_message(QueueUrl=dlq.url, MessageBody=json.dumps(envelope))
    report = _redrive(local_cloud, session, dlq)
    assert report.redriven == 1
    local_cloud.wait_for(lambda: _logged(local_cloud, marker), timeout=20)
    assert _depth(local_cloud, dlq.url) == 0


def test_a_rule_dlq_starts_the_state_machine_again(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue], out: dict[str, str]
) -> None:
    dlq, order = _one(queues, "PipelineTrigger"), f"order-{uuid.uuid4()}"
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Order placed",
        "source": "redrive.test",
        "account": local_cloud.account_id,
        "time": "2026-01-01T00:00:00Z",
        "region": local_cloud.region,
        "resources": [],
        "detail": {"order": order},
    }
    # What EventBridge parks: the event as the body, why in the message attributes.
    attributes = {
        name: {"DataType": "String", "StringValue": value}
        for name, value in {
            "ERROR_CODE": "SDK_CLIENT_ERROR",
            "RULE_ARN": "arn",
            "TARGET_ARN": dlq.target,
        }.items()
    }
    local_cloud.client("sqs").send_message(
        QueueUrl=dlq.url, MessageBody=json.dumps(event), MessageAttributes=attributes
    )
    report = _redrive(local_cloud, session, dlq)
    assert report.redriven == 1
    sfn = local_cloud.client("stepfunctions")

    def finished() -> dict[str, Any] | None:
        for execution in sfn.list_executions(stateMachineArn=out["StateMachineArn"])["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"]) == {"order": order} and described["status"] == "SUCCEEDED":
                return described
        return None

    described = local_cloud.wait_for(finished, timeout=30)
    assert isinstance(described, dict)
    assert json.loads(described["output"])["seen"] is True  # the step ran on the event's detail
    assert _depth(local_cloud, dlq.url) == 0


def test_a_parked_stream_record_is_forwarded_again(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue], out: dict[str, str]
) -> None:
    failures, item_id = _one(queues, "ChangesFailureQueue"), f"parked-{uuid.uuid4()}"
    record = {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": local_cloud.region,
        "dynamodb": {
            "Keys": {"id": {"S": item_id}},
            "NewImage": {"id": {"S": item_id}, "n": {"N": "2"}},
            "SequenceNumber": "1",
            "SizeBytes": 20,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    # What the built-in forwarder parks when it cannot publish a record.
    local_cloud.client("sqs").send_message(
        QueueUrl=failures.url,
        MessageBody=json.dumps({"error": "ClientError: throttled", "record": record}),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "stream-record"}},
    )
    report = _redrive(local_cloud, session, failures)
    assert report.redriven == 1
    assert _watched(local_cloud, out["WatcherUrl"], item_id)
    assert _depth(local_cloud, failures.url) == 0


def _pointer(stream_arn: str, shard_id: str, sequence: str) -> str:
    """What Lambda's stream on-failure destination parks: where the batch was, not the batch."""
    return json.dumps(
        {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 4},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": sequence,
                "endSequenceNumber": sequence,
                "batchSize": 1,
                "streamArn": stream_arn,
            },
        }
    )


def test_a_stream_pointer_is_read_back_from_the_stream_or_reported_expired(
    local_cloud: LocalCloud, session: Any, queues: dict[str, ParkingQueue], out: dict[str, str]
) -> None:
    # moto hands a mapped table's stream records to the mapping and keeps none for GetRecords, so
    # the pointer names a table of its own, with a stream and no mapping, that still holds its record.
    failures, item_id = _one(queues, "ChangesFailureQueue"), f"pointer-{uuid.uuid4()}"
    ddb, streams, sqs = (local_cloud.client(s) for s in ("dynamodb", "dynamodbstreams", "sqs"))
    table = ddb.create_table(
        TableName=f"kept-{uuid.uuid4().hex[:8]}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    ddb.put_item(TableName=table["TableName"], Item={"id": {"S": item_id}, "n": {"N": "3"}})
    stream_arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    (record,) = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    sequence = record["dynamodb"]["SequenceNumber"]
    sqs.send_message(QueueUrl=failures.url, MessageBody=_pointer(stream_arn, shard, sequence))
    sqs.send_message(QueueUrl=failures.url, MessageBody=_pointer(stream_arn, "shardId-trimmed-long-ago", "1"))
    report = redrive(session, failures, endpoint_url=local_cloud.endpoint_url)
    assert (report.found, report.redriven, report.expired, report.failed) == (2, 1, 1, 0)
    assert _watched(local_cloud, out["WatcherUrl"], item_id)  # read back from the stream, forwarded
    assert _depth(local_cloud, failures.url) == 1  # the expired pointer stays, for a person to read
    sqs.purge_queue(QueueUrl=failures.url)


def test_the_command_reports_each_queue_and_redrives_one(
    local_cloud: LocalCloud, queues: dict[str, ParkingQueue]
) -> None:
    dlq, marker = _one(queues, "FanoutSubscribersauditQueueDeadLetter"), f"cli-{uuid.uuid4()}"
    local_cloud.client("sqs").send_message(QueueUrl=dlq.url, MessageBody=marker)
    runner = CliRunner()
    env = local_cloud.env()
    dry = runner.invoke(app, ["redrive", STACK, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert len([line for line in dry.output.splitlines() if " -> " in line]) == 6
    assert f"{dlq.logical_id} ({dlq.name}): 1 message(s)" in dry.output
    assert _depth(local_cloud, dlq.url) == 1  # a dry run changes nothing
    done = runner.invoke(
        app, ["redrive", STACK, "--queue", dlq.name, "--endpoint-url", local_cloud.endpoint_url], env=env
    )
    assert done.exit_code == 0, done.output
    assert "1 redriven" in done.output
    local_cloud.wait_for(lambda: _logged(local_cloud, f"received {marker}"), timeout=20)
    assert _depth(local_cloud, dlq.url) == 0
