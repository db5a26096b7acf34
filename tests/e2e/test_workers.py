"""Each function runs in worker processes of its own: what a handler sees, timeouts, layers,
Node.js, TableV2, bundled dependencies for another platform (tests/e2e/apps/workers)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import CdkError, LocalCloud, resources

from .apps_support import load, processes_running, synth

pytestmark = pytest.mark.e2e

APP = Path(__file__).parent / "apps" / "workers"
# What the host has and no handler may see.
HOST = {
    "AWS_ACCESS_KEY_ID": "AKIAHOSTKEYNOTLOCAL1",
    "AWS_SECRET_ACCESS_KEY": "host-secret-access-key",
    "AWS_SESSION_TOKEN": "host-session-token",
    "HOST_SECRET": "do-not-leak",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with its layer in a copy this module may change, synthesized; the host environment
    holds credentials of its own while the module runs."""
    root = tmp_path_factory.mktemp("workers")
    layer_dir = root / "layer"
    shutil.copytree(APP / "layers" / "shared", layer_dir)
    module = load(APP / "app.py", "e2e_workers_app")
    assembly = synth(lambda a: module.build(a, str(layer_dir)), root / "v1")
    saved = {key: os.environ.get(key) for key in HOST}
    credentials = root / "host-credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIAHOSTFILE\naws_secret_access_key = x\n")
    saved["AWS_SHARED_CREDENTIALS_FILE"] = os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
    os.environ.update({**HOST, "AWS_SHARED_CREDENTIALS_FILE": str(credentials)})
    try:
        yield {"module": module, "root": root, "layer_dir": layer_dir, "assembly": assembly}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def out(app: dict[str, Any], local_cloud: LocalCloud) -> dict[str, str]:
    outputs = local_cloud.deploy(app["assembly"]).outputs["LocalWorkers"]
    return {key.removeprefix("Out"): value for key, value in outputs.items()}


def _invoke(cloud: LocalCloud, name: str, event: Any, **kwargs: Any) -> dict[str, Any]:
    answer = cloud.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event), **kwargs)
    return {"error": answer.get("FunctionError"), "body": json.loads(answer["Payload"].read() or b"null")}


def test_handler_thread_and_subprocess_see_only_local_credentials_and_endpoint(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    answer = _invoke(local_cloud, out["Isolation"], {})
    assert answer["error"] is None, answer
    seen = answer["body"]
    for where in ("handler", "thread"):
        env = seen[where]["env"]
        assert env["HOST_SECRET"] is None
        assert env["AWS_PROFILE"] is None
        assert env["AWS_ACCESS_KEY_ID"] not in (None, HOST["AWS_ACCESS_KEY_ID"])
        assert env["AWS_SESSION_TOKEN"] not in (None, HOST["AWS_SESSION_TOKEN"])
        assert env["AWS_ENDPOINT_URL"] == local_cloud.endpoint_url
        # boto3 resolves the role's local credentials and the local endpoint, nothing of the host
        assert seen[where]["access_key"] == env["AWS_ACCESS_KEY_ID"]
        assert seen[where]["endpoint"] == local_cloud.endpoint_url
        assert seen[where]["config_files_exist"] == [False, False]
        assert seen[where]["home_aws"] is False
    child = seen["subprocess"]
    assert child["HOST_SECRET"] is None
    assert child["AWS_ACCESS_KEY_ID"] == seen["handler"]["env"]["AWS_ACCESS_KEY_ID"]
    assert child["AWS_ENDPOINT_URL"] == local_cloud.endpoint_url
    assert child["AWS_SHARED_CREDENTIALS_FILE"] == seen["handler"]["env"]["AWS_SHARED_CREDENTIALS_FILE"]
    # A package of the host environment that the function did not declare is missing, as on AWS.
    assert seen["undeclared"] == "missing"


def test_a_handler_past_its_timeout_is_stopped_and_its_write_never_happens(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    ddb = local_cloud.client("dynamodb")
    in_time = _invoke(local_cloud, out["Sleeper"], {"sleep": 0, "id": "in-time"})
    assert in_time == {"error": None, "body": {"wrote": "in-time"}}

    begin = time.monotonic()
    late = _invoke(local_cloud, out["Sleeper"], {"sleep": 2.5, "id": "late-sync"})
    assert time.monotonic() - begin < 2.4
    assert late["error"] == "Unhandled"
    assert late["body"]["errorType"] == "Sandbox.Timedout"
    assert late["body"]["errorMessage"] == "Task timed out after 1.00 seconds"
    record = next(i for i in reversed(local_cloud.invocations) if i.error and "late-sync" not in i.logs)
    assert record.error == "Sandbox.Timedout: Task timed out after 1.00 seconds"

    # Asynchronously: no retry (retry_attempts=0), then the on-failure destination.
    _invoke(local_cloud, out["Sleeper"], {"sleep": 2.5, "id": "late-async"}, InvocationType="Event")
    sqs = local_cloud.client("sqs")

    def failure() -> Any:
        got = sqs.receive_message(QueueUrl=out["SleeperFailuresUrl"], WaitTimeSeconds=0).get("Messages")
        return json.loads(got[0]["Body"]) if got else None

    parked = local_cloud.wait_for(failure, timeout=15)
    assert parked["requestPayload"] == {"sleep": 2.5, "id": "late-async"}
    assert parked["requestContext"]["condition"] == "RetriesExhausted"
    assert parked["responsePayload"]["errorMessage"] == "Task timed out after 1.00 seconds"
    time.sleep(2.5)  # past the moment the stopped handlers would have written
    items = {i["id"]["S"] for i in ddb.scan(TableName=out["WritesTable"])["Items"]}
    assert items == {"in-time"}


def test_a_call_outside_the_role_grants_is_denied_naming_the_action_and_resource(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    answer = _invoke(local_cloud, out["Ungranted"], {})
    assert answer["error"] is None, answer
    seen = answer["body"]
    assert seen["read"] == "ok"  # table.grant_read_data
    table_arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{out['WritesTable']}"
    assert seen["write"].startswith("AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/")
    assert seen["write"].endswith(
        f"is not authorized to perform: dynamodb:PutItem on resource: {table_arn} because no "
        f"identity-based policy allows the dynamodb:PutItem action on resource: {table_arn}"
    )
    assert "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:" in seen["send"]
    assert seen["send"].split(":")[0] in ("AccessDenied", "AccessDeniedException")
    assert any("dynamodb:PutItem" in message for message in local_cloud.access_denied)
    items = local_cloud.client("dynamodb").scan(TableName=out["WritesTable"])["Items"]
    assert {"S": "ungranted"} not in [i["id"] for i in items]


def test_a_nodejs_handler_behind_the_api_answers(local_cloud: LocalCloud, out: dict[str, str]) -> None:
    response = local_cloud.invoke_api("GET", "/hello", api_id=out["RestApiId"])
    assert response.status == 200, response.body
    body = response.json()
    assert body["path"] == "/hello"
    assert body["runtime"] == "AWS_Lambda_nodejs22.x"
    assert body["node"].startswith("v")
    assert body["hostSecret"] is None


def test_a_table_v2_stack_deploys_and_serves(local_cloud: LocalCloud, out: dict[str, str]) -> None:
    answer = _invoke(local_cloud, out["TableV2Writer"], {"pk": "a", "value": "1"})
    assert answer == {"error": None, "body": {"pk": "a", "value": "1"}}
    described = local_cloud.client("dynamodb").describe_table(TableName=out["TableV2Name"])["Table"]
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


def test_a_handler_with_bundled_arm64_pydantic_runs_on_host_platform_packages(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    answer = _invoke(local_cloud, out["Pydantic"], {"id": "o-1", "quantity": "3"})
    assert answer["error"] is None, answer
    assert answer["body"]["order"] == {"id": "o-1", "quantity": 3}
    # pydantic_core (a compiled extension) came from the host-platform install, not the bundle.
    assert answer["body"]["bundled_here"] is False
    assert answer["body"]["pydantic_core"].startswith("deps-")


def test_a_layer_with_bundled_arm64_dependencies_runs_on_host_platform_packages(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    answer = _invoke(local_cloud, out["LayerModels"], {"id": "o-2", "quantity": "5"})
    assert answer == {
        "error": None,
        "body": {"order": {"id": "o-2", "quantity": 5}, "pydantic_core": answer["body"]["pydantic_core"]},
    }
    assert answer["body"]["pydantic_core"].startswith("deps-")


def test_an_error_inside_a_local_deploy_fails_it_with_that_error(
    app: dict[str, Any], local_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    assembly = synth(app["module"].build_table_only, app["root"] / "table-only")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the model broke")

    monkeypatch.setattr(resources.GlobalTable, "create", classmethod(broken))
    with pytest.raises(
        CdkError, match=r"creating stack LocalTableOnly failed: RuntimeError: the model broke"
    ):
        local_cloud.deploy(assembly, stacks=["LocalTableOnly"])
    monkeypatch.undo()
    # Nothing half-created is left: the next deploy creates the stack (no "already exists").
    deployed = local_cloud.deploy(assembly, stacks=["LocalTableOnly"])
    assert deployed.stacks == ["LocalTableOnly"]
    assert len(local_cloud.resources("LocalTableOnly", "AWS::DynamoDB::GlobalTable")) == 1


def test_a_layer_is_imported_and_a_redeploy_of_it_runs_the_new_code(
    app: dict[str, Any], local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    first = _invoke(local_cloud, out["Layered"], {})
    assert first == {"error": None, "body": {"greeting": "hello from layer v1", "from": "shared/__init__.py"}}

    shared = Path(app["layer_dir"]) / "python" / "shared" / "__init__.py"
    shared.write_text(shared.read_text().replace("layer v1", "layer v2"))
    second = synth(lambda a: app["module"].build(a, str(app["layer_dir"])), app["root"] / "v2")
    local_cloud.deploy(second)
    assert _invoke(local_cloud, out["Layered"], {})["body"]["greeting"] == "hello from layer v2"


def test_stop_ends_a_hanging_handler_and_leaves_no_process_thread_or_port(
    local_cloud: LocalCloud, out: dict[str, str]
) -> None:
    """Last in the module: it stops the module's cloud (the fixture's own stop then does nothing)."""
    runtime = local_cloud._runtime
    assert runtime is not None
    _invoke(local_cloud, out["Hang"], {"sleep": 60, "id": "hang"}, InvocationType="Event")
    local_cloud.wait_for(lambda: runtime.pools.worker_count() > 0, timeout=15)
    time.sleep(0.3)
    workdir = str(local_cloud._workdir)
    ports = [local_cloud.port, int(local_cloud.api_url.rsplit(":", 1)[1])]
    begin = time.monotonic()
    local_cloud.stop()
    assert time.monotonic() - begin < 10
    time.sleep(0.3)
    assert processes_running(workdir) == []
    assert not [
        t.name for t in threading.enumerate() if t.name.startswith(("local-", "sqs-poller", "stream:"))
    ]
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(1)
            assert probe.connect_ex(("127.0.0.1", port)) != 0
