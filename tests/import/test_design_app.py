"""The design documents' serverless.yml (a copy in tests/import/design/, with small handlers of our
own: the documents give none), imported, checked and run on the local cloud: an HTTP call, an SNS
publish, an upload, a queue message and the nightly schedule each run their function."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from serverless_patterns.local import LocalCloud
from serverless_patterns.local.runtime import Invocation

pytestmark = pytest.mark.e2e

DESIGN = Path(__file__).parent / "design"
FUNCTIONS = (
    "getUser",
    "listUsers",
    "createUser",
    "processUserCreated",
    "processPendingOrders",
    "processImageUpload",
    "processQueue",
)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "serverless_patterns.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    service = tmp_path_factory.mktemp("design") / "service"
    shutil.copytree(DESIGN, service)
    done = _cli("import", "serverless.yml", "--out", "cdk", cwd=service)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 not mapped" in done.stdout, done.stdout
    return service / "cdk"


def test_every_function_is_in_the_report(imported: Path) -> None:
    report = (imported / "IMPORT.md").read_text()
    for name in FUNCTIONS:
        assert f"| `functions.{name}` | mapped |" in report, name
        assert f"`functions.{name}.events[0]." in report, name
    assert "| `plugins.serverless-offline` | mapped | serverless-patterns dev" in report
    # The handlers are referenced where they are, never copied.
    assert not list(imported.rglob("*.js"))
    # Node.js handlers with nothing to bundle are packaged as they are, as Serverless Framework does.
    assert "code=lambda_.Code.from_asset('..', exclude=['cdk', " in (imported / "app.py").read_text()


def test_the_app_is_checked_clean(imported: Path) -> None:
    done = _cli("check", cwd=imported)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "✓ 0 unacknowledged" in done.stdout


class Runs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.handlers: list[str] = []

    def __call__(self, invocation: Invocation) -> None:
        for line in invocation.logs.splitlines():
            if '"handler"' in line:
                text = line[line.index("{") :]
                with self._lock:
                    self.handlers.append(json.loads(text)["handler"])

    def saw(self, handler: str) -> bool:
        with self._lock:
            return handler in self.handlers


@pytest.fixture(scope="module")
def deployed(imported: Path, local_cloud: LocalCloud) -> Iterator[tuple[LocalCloud, Runs]]:
    # The topic the service subscribes to by ARN exists in the account before the service does.
    local_cloud.client("sns").create_topic(Name="user-created")
    runs = Runs()
    local_cloud.on_invocation(runs)
    local_cloud.deploy(imported)
    yield local_cloud, runs


STACK = "my-app-dev"


def test_an_http_call_runs_its_function(deployed: tuple[LocalCloud, Runs]) -> None:
    cloud, _ = deployed
    answer = cloud.invoke_api("GET", "/api/users/42", stack=STACK)
    assert answer.status == 200, answer.text
    assert answer.json() == {"handler": "getUser", "id": "42"}


def test_a_publish_an_upload_a_message_and_the_schedule_run_theirs(deployed: tuple[LocalCloud, Runs]) -> None:
    cloud, runs = deployed
    topic = cloud.client("sns").create_topic(Name="user-created")["TopicArn"]
    cloud.client("sns").publish(TopicArn=topic, Message=json.dumps({"id": "u-1"}))
    buckets = cloud.resources(STACK, "AWS::S3::Bucket")
    (bucket,) = [name for logical, name in buckets.items() if logical.startswith("ProcessImageUploadBucket")]
    cloud.client("s3").put_object(Bucket=bucket, Key="uploads/cat.jpg", Body=b"\xff\xd8\xff")
    queues = [
        url
        for logical, url in cloud.resources(STACK, "AWS::SQS::Queue").items()
        if logical.startswith("ProcessQueue") and "DeadLetter" not in logical
    ]
    assert len(queues) == 1, cloud.resources(STACK, "AWS::SQS::Queue")
    cloud.client("sqs").send_message(QueueUrl=queues[0], MessageBody=json.dumps({"order": 1}))
    cloud.fire(f"{STACK}/ProcessPendingOrders/Schedule")
    for handler in ("processUserCreated", "processImageUpload", "processQueue", "processPendingOrders"):
        cloud.wait_for(lambda h=handler: runs.saw(h), timeout=60)
