"""The moto internals the local cloud patches or reads are still there, with the same parameters.

moto is pinned to the minor versions checked (pyproject.toml); when the pin moves, this test says
what changed before any deploy does something strange."""

from __future__ import annotations

import json
import time

import pytest

from serverless_patterns.local import _moto, _patches
from serverless_patterns.local._state import State, active

pytestmark = pytest.mark.e2e


def test_every_moto_name_the_local_cloud_relies_on_is_unchanged() -> None:
    import moto

    problems = _moto.check_contract()
    assert not problems, (
        f"moto {moto.__version__} changed under the local cloud (serverless_patterns/local/_moto.py "
        "lists what it relies on; pyproject.toml pins the versions checked):\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


def _name(owner: object, attribute: str) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}.{attribute}"
    return f"{getattr(owner, '__name__', type(owner).__name__)}.{attribute}"


def test_every_patch_is_in_the_contract() -> None:
    if active() is not None:
        pytest.skip("a local cloud runs in this process")
    _patches.install(State("123456789012", "us-east-1", "http://localhost:1"), 1)
    try:
        patched = {
            _name(owner, attribute)
            for owner, attribute, _ in _patches._saved
            if not attribute.startswith("[") and type(owner).__name__ != "Logger"
        }
    finally:
        _patches.uninstall()
    listed = {f"{m}.{a}" for m, a, _ in _moto.PATCHED} | {f"{m}.{a}" for m, a in _moto.ADDED}
    assert patched - listed == set()
    assert _patches._saved == []


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.models import LambdaBackend

    monkeypatch.setattr(LambdaBackend, "invoke", lambda self, name: None)
    problems = [str(p) for p in _moto.check_contract()]
    assert problems == [
        "moto.awslambda.models.LambdaBackend.invoke: parameters are ('self', 'name'), expected "
        "('self', 'function_name', 'qualifier', 'body', 'headers', 'response_headers') first"
    ]


def test_an_api_gateway_task_never_sends_its_request() -> None:
    """moto 5.2.6 runs ``apigateway:invoke`` with ``requests`` against the definition's endpoint; the
    local cloud fails the task instead, whatever moto's version. The endpoint here is a server on
    loopback that counts what reaches it."""
    import http.server
    import threading

    import moto

    from serverless_patterns.local import LocalCloud

    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::apigateway:invoke",
                "Parameters": {
                    "ApiEndpoint": f"http://127.0.0.1:{server.server_address[1]}",
                    "Method": "GET",
                    "Stage": "prod",
                    "Path": "orders",
                },
                "End": True,
            }
        },
    }
    try:
        with LocalCloud() as cloud:
            role = cloud.client("iam").create_role(
                RoleName="sfn",
                AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
            )["Role"]["Arn"]
            sfn = cloud.client("stepfunctions")
            machine = sfn.create_state_machine(name="api", definition=json.dumps(definition), roleArn=role)
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
            deadline = time.monotonic() + 30
            while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
                assert time.monotonic() < deadline, "the execution did not end"
                time.sleep(0.1)
            events = sfn.get_execution_history(executionArn=arn)["events"]
    finally:
        server.shutdown()
    assert received == []
    assert status == "FAILED"
    failed = [e["taskFailedEventDetails"]["cause"] for e in events if e["type"] == "TaskFailed"]
    if moto.__version__ == "5.2.5":
        # 5.2.5's failure path for this task breaks on its own (FailureEvent without env), before
        # any TaskFailed event: the execution fails with States.Runtime.
        assert events[-1]["executionFailedEventDetails"]["error"] == "States.Runtime"
    else:
        assert failed and "not emulated" in failed[0], events
