"""The moto internals the local cloud patches or reads are still there, with the same parameters.

moto is pinned to the minor versions checked (pyproject.toml); when the pin moves, this test says
what changed before any deploy does something strange."""

from __future__ import annotations

import json
import time

import pytest

from serverless_patterns.local import moto_adapter, services
from serverless_patterns.local.state import State

pytestmark = pytest.mark.e2e


def test_every_moto_name_the_local_cloud_relies_on_is_unchanged() -> None:
    import moto

    problems = moto_adapter.check_contract()
    assert not problems, (
        f"moto {moto.__version__} changed under the local cloud (serverless_patterns/local/moto_adapter/contract.py "
        "lists what it relies on; pyproject.toml pins the versions checked):\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


def test_every_patch_is_in_the_contract() -> None:
    """Each service installs its patches through the registry, which takes only names the
    contract lists; installing them all, then uninstalling, leaves moto as it was."""
    if moto_adapter.patched():
        pytest.skip("a local cloud runs in this process")
    from types import SimpleNamespace

    import moto.stepfunctions.models as sfn_models
    from moto.awslambda.models import LambdaBackend
    from moto.sns.models import Subscription

    before = (LambdaBackend.invoke, Subscription.publish)
    plain = sfn_models.stepfunctions_backends
    dispatcher = SimpleNamespace(retry_delay=1.0)
    running = services.Running(
        State("123456789012", "us-east-1", "http://localhost:1"),
        1,
        dispatcher,  # type: ignore[arg-type]
        lambda role: None,
    )
    installed = services.install(running)
    try:
        patched = set(installed.names)
        assert moto_adapter.patched()
        import moto.stepfunctions.responses as sfn_responses

        # the API's responses run executions on the parser backend, as moto's other callers do
        assert sfn_responses.stepfunctions_backends is sfn_models.stepfunctions_backends is not plain
    finally:
        installed.uninstall()
    listed = {f"{m}.{a}" for m, a, _ in moto_adapter.PATCHED} | {f"{m}.{a}" for m, a in moto_adapter.ADDED}
    assert patched == listed  # every name patched is listed, and every listed one is patched
    assert not moto_adapter.patched()
    assert (LambdaBackend.invoke, Subscription.publish) == before
    # and then moto's own backend again, whenever its responses module was first imported
    assert sfn_responses.stepfunctions_backends is sfn_models.stepfunctions_backends is plain


def test_the_registry_refuses_a_name_the_contract_does_not_list() -> None:
    patches = moto_adapter.Patches("test")
    with pytest.raises(KeyError, match="not in the moto contract"):
        patches.replace("moto.sns.models", "Subscription.delete", lambda self: None)
    with pytest.raises(KeyError, match="not in the moto contract"):
        moto_adapter.read("moto.sns.models", "Topic")
    assert not moto_adapter.patched()


def test_only_the_adapter_imports_moto() -> None:
    """The local cloud asks the adapter (serverless_patterns/local/moto_adapter/) for moto: no
    other module of the package imports it, by statement or by name."""
    import ast
    from pathlib import Path

    import serverless_patterns

    root = Path(serverless_patterns.__file__).parent
    adapter = root / "local" / "moto_adapter"
    found = []
    for path in sorted(root.rglob("*.py")):
        if adapter in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            if any(n == "moto" or n.startswith("moto.") for n in names):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("moto")
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []


def test_the_local_cloud_has_no_import_cycle() -> None:
    """serverless_patterns.local's modules import one another without a loop (the running cloud is
    passed to what needs it, never read from a global)."""
    import ast
    from pathlib import Path

    import serverless_patterns.local as local

    root = Path(local.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(p for p in parts if p != "__init__")
        package = list(parts[:-1])
        edges = graph.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            if node.level - 1 > len(package):
                continue  # above serverless_patterns.local
            base = package[: len(package) - (node.level - 1)]
            targets = (
                [".".join([*base, node.module])]
                if node.module
                else [".".join([*base, a.name]) for a in node.names]
            )
            edges.update(t for t in targets if t)
    known = set(graph)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    edges = {m: {t for t in (resolve(n) for n in found) if t and t != m} for m, found in graph.items()}
    # a package's __init__ that re-exports its submodules is not a loop with them
    edges = {
        m: {t for t in found if not (m.startswith(t + ".") and graph.get(t) is not None)}
        for m, found in edges.items()
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " -> ".join([*visiting[visiting.index(module) :], module])
        visiting.append(module)
        for target in sorted(edges.get(module, ())):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(edges):
        visit(module)
    assert {"moto_adapter", "services", "state", "events", "runtime"} <= done


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.models import LambdaBackend

    monkeypatch.setattr(LambdaBackend, "invoke", lambda self, name: None)
    problems = [str(p) for p in moto_adapter.check_contract()]
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
