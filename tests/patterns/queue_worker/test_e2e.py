"""QueueWorker on the local cloud: the catalog's orders handler deployed with the CDK CLI, fed real
messages; a failing message is reported as a partial batch failure, comes back, and after
max_receive_count receives lands in the dead-letter queue while the rest of its batch succeeds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

import serverless_patterns.patterns.queue_worker as queue_worker
from serverless_patterns import Batching, FunctionSpec, QueueOptions
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from serverless_patterns.local.runtime import Invocation
from serverless_patterns.patterns.queue_worker import QueueWorker
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

ORDERS = Path(queue_worker.__file__).parent / "catalog" / "handlers" / "orders"
STACK = "LocalQueueWorker"


def build(app: cdk.App) -> None:
    stack = cdk.Stack(app, STACK)
    worker = QueueWorker(
        stack,
        "Orders",
        function=FunctionSpec(code=str(ORDERS), handler="app.handler"),
        queue=QueueOptions(max_receive_count=2),
        batching=Batching(batch_size=10),
        deployment=DeploymentStrategy.none(),
    )
    cdk.CfnOutput(stack, "QueueUrl", value=worker.queue.queue_url)
    cdk.CfnOutput(stack, "DeadLetterQueueUrl", value=worker.dead_letter_queue.queue_url)
    cdk.CfnOutput(stack, "FunctionName", value=worker.function.function_name)


class Runs:
    """Every handler run of the worker's function, as the local cloud reports them."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self._lock = threading.Lock()
        self._runs: list[Invocation] = []

    def __call__(self, invocation: Invocation) -> None:
        if invocation.function_name == self.function_name:
            with self._lock:
                self._runs.append(invocation)

    def all(self) -> list[Invocation]:
        with self._lock:
            return list(self._runs)

    def logged(self, message: str, run: Invocation | None = None) -> list[str]:
        """The order ids the handler logged with ``message`` (Powertools' JSON log lines), in ``run``
        or in every run."""
        found = []
        for each in self.all() if run is None else [run]:
            for line in each.logs.splitlines():
                if line.startswith("{") and json.loads(line).get("message") == message:
                    found.append(json.loads(line)["order_id"])
        return found


@pytest.fixture(scope="module")
def deployed(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    assembly = synth(build, tmp_path_factory.mktemp("queue-worker") / "cdk.out")
    yield local_cloud.deploy(assembly).outputs[STACK]


def _drain(cloud: LocalCloud, url: str, expect: int, timeout: float = 30) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < expect and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        got.extend(batch)
        if not batch:
            time.sleep(0.1)
    return got


def test_messages_are_processed_and_a_failing_one_lands_in_the_dlq(
    local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    runs = Runs(deployed["FunctionName"])
    local_cloud.on_invocation(runs)
    sqs = local_cloud.client("sqs")
    good = [{"order_id": f"o-{i}", "quantity": i + 1} for i in range(6)]
    bad = {"order_id": "o-bad", "quantity": 0}
    sqs.send_message_batch(
        QueueUrl=deployed["QueueUrl"],
        Entries=[
            {"Id": str(i), "MessageBody": json.dumps(o)} for i, o in enumerate([*good[:3], bad, *good[3:]])
        ],
    )
    local_cloud.wait_for(lambda: len(set(runs.logged("order processed"))) >= len(good), timeout=30)
    parked = _drain(local_cloud, deployed["DeadLetterQueueUrl"], 1)
    assert [json.loads(m["Body"]) for m in parked] == [bad]
    assert int(parked[0]["Attributes"]["ApproximateReceiveCount"]) >= 2  # received max_receive_count times
    # Each good order was processed exactly once: the failure returned only its own message.
    assert sorted(runs.logged("order processed")) == sorted(o["order_id"] for o in good)
    every = runs.all()
    assert {r.source for r in every} == {"sqs"}
    assert {r.qualifier for r in every} == {"live"}  # through the alias
    # Rejected on each of its max_receive_count (2) receives, then parked.
    assert runs.logged("order rejected") == ["o-bad", "o-bad"]
    with_bad = [r for r in every if runs.logged("order rejected", r)]
    for run in every:
        if run in with_bad and run.detail.startswith("1 message(s)"):
            # Powertools raises when every record of a batch failed, so Lambda retries the batch.
            assert (run.error or "").startswith("BatchProcessingError: All records failed processing")
        else:  # a batch with good orders succeeds, returning the bad one as a batch item failure
            assert run.ok, run.error
    assert any(run.ok for run in with_bad)  # the first delivery: a partial batch failure
    # Nothing is left waiting on the queue.
    attributes = sqs.get_queue_attributes(QueueUrl=deployed["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
