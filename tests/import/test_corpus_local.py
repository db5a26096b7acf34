"""Two apps of the import corpus that carry their original handlers (corpus/SOURCES.md), imported
and run on the local cloud unchanged: a Serverless Framework REST API over DynamoDB (create, list,
get, delete a todo) and a SAM API whose writes reach a second function through the table's stream."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from serverless_patterns.local import LocalCloud
from serverless_patterns.local.runtime import Invocation

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parent / "corpus"


def _imported(name: str, source: str, tmp: Path) -> Path:
    app = tmp / name
    shutil.copytree(CORPUS / name, app)
    done = subprocess.run(
        [sys.executable, "-m", "serverless_patterns.cli", "import", source, "--out", "cdk"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return app / "cdk"


def test_the_serverless_todos_api_runs_its_original_handlers(
    local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = _imported("sls-python-rest-api-dynamodb", "serverless.yml", tmp_path_factory.mktemp("todos"))
    local_cloud.deploy(app)
    stack = "serverless-rest-api-with-dynamodb-dev"
    created = local_cloud.invoke_api("POST", "/todos", stack=stack, body={"text": "import me"})
    assert created.status == 200, created.text
    todo = created.json()
    assert isinstance(todo, dict), created.text
    assert todo["text"] == "import me" and todo["checked"] is False
    listed = local_cloud.invoke_api("GET", "/todos", stack=stack)
    assert [t["id"] for t in listed.json()] == [todo["id"]]
    got = local_cloud.invoke_api("GET", f"/todos/{todo['id']}", stack=stack)
    assert got.json()["text"] == "import me"
    assert local_cloud.invoke_api("DELETE", f"/todos/{todo['id']}", stack=stack).status == 200
    assert local_cloud.invoke_api("GET", "/todos", stack=stack).json() == []
    assert local_cloud.access_denied == []  # the narrowed statement on the table is enough


def test_the_sam_api_writes_reach_the_stream_function(
    local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = _imported("sam-python-api-dynamodb-stream", "template.yaml", tmp_path_factory.mktemp("stream"))
    seen: list[str] = []
    lock = threading.Lock()

    def record(invocation: Invocation) -> None:
        if invocation.source == "dynamodb":
            with lock:
                seen.append(invocation.logs)

    local_cloud.on_invocation(record)
    local_cloud.deploy(app)
    item = {"id": "o-1", "name": "Order", "description": "imported", "customer": "c-1"}
    answer = local_cloud.invoke_api("POST", "/", stack="template", body=item)
    assert (answer.status, answer.text) == (200, "Successfully inserted data!")
    local_cloud.wait_for(lambda: any("o-1" in logs for logs in seen), timeout=60)
    assert json.dumps(item["id"]) in "".join(seen) or "o-1" in "".join(seen)
