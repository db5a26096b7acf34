"""WebSocketApi on the local cloud: the catalog's chat handlers deployed with the CDK CLI; a real
WebSocket client connects (the connection lands in the connections table), sends a message its
``action`` routes to ``sendMessage`` and receives what that function posted back through the
management API at its CALLBACK_URL; an unknown action goes to ``$default``; the disconnection
removes the connection. Without ``$default`` an unknown action is refused, and a function whose
role may not post is denied by IAM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from websockets.sync.client import connect

import serverless_patterns.patterns.web_socket_api as web_socket_api
from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from serverless_patterns.local.cloud import Deployment
from serverless_patterns.local.runtime import Invocation
from serverless_patterns.local.services import websocket
from serverless_patterns.patterns.web_socket_api import WebSocketApi
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

CHAT = Path(web_socket_api.__file__).parent / "catalog" / "handlers" / "chat"
STACK = "LocalWebSocketApi"
QUIET = "LocalQuietWebSocketApi"


def chat(handler: str) -> FunctionSpec:
    return FunctionSpec(code=str(CHAT), handler=f"app.{handler}", timeout=cdk.Duration.seconds(29))


def build(app: cdk.App) -> None:
    """The catalog app's routes, and a second API without ``$default`` whose ``sendMessage`` function
    may not post (``senders=[]``)."""
    stack = cdk.Stack(app, STACK)
    api = WebSocketApi(
        stack,
        "Chat",
        routes={
            "$connect": chat("connect"),
            "$disconnect": chat("disconnect"),
            "sendMessage": chat("send_message"),
            "$default": chat("default"),
        },
        deployment=DeploymentStrategy.none(),
    )
    cdk.CfnOutput(stack, "TableName", value=api.connections_table.table_name)
    quiet_stack = cdk.Stack(app, QUIET)
    WebSocketApi(
        quiet_stack,
        "Quiet",
        routes={"$connect": chat("connect"), "sendMessage": chat("send_message")},
        authorization="none",
        senders=[],
        deployment=DeploymentStrategy.none(),
    )


@pytest.fixture(scope="module")
def deployment(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    yield local_cloud.deploy(synth(build, tmp_path_factory.mktemp("web-socket-api") / "cdk.out"))


@pytest.fixture(scope="module")
def deployed(deployment: Deployment) -> dict[str, str]:
    return deployment.outputs[STACK]


def test_what_is_not_emulated_is_said(deployment: Deployment) -> None:
    """The API is served (no note says otherwise); IAM authorization of $connect is not checked."""
    notes = [
        n
        for n in deployment.not_emulated
        if n.stack == STACK and n.resource_type.startswith("AWS::ApiGatewayV2::")
    ]
    assert [(n.resource_type, n.reason) for n in notes] == [
        ("AWS::ApiGatewayV2::Route", "authorization AWS_IAM is not checked")
    ]


def _connections(cloud: LocalCloud, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = cloud.client("dynamodb").scan(TableName=table)["Items"]
    return items


def test_a_client_chats_and_the_table_follows_its_connection(
    local_cloud: LocalCloud, deployed: dict[str, str]
) -> None:
    table = deployed["TableName"]
    url = local_cloud.websocket_url(STACK)
    assert url.startswith("ws://127.0.0.1:") and url.endswith("/prod")
    with connect(url, open_timeout=60) as client:
        (item,) = _connections(local_cloud, table)
        connection_id = item["connectionId"]["S"]
        assert int(item["expiresAt"]["N"]) > 0
        client.send(json.dumps({"action": "sendMessage", "message": "hello"}))
        answer = json.loads(client.recv(timeout=60))
        assert answer == {"action": "message", "from": connection_id, "message": "hello"}
        client.send(json.dumps({"action": "shout", "message": "HELLO"}))
        assert json.loads(client.recv(timeout=60)) == {"error": "unknown action", "actions": ["sendMessage"]}
        client.send("not json")  # no action to select a route: $default too
        assert json.loads(client.recv(timeout=60))["error"] == "unknown action"

    def websocket_runs() -> list[Invocation]:
        return [
            r for r in local_cloud.invocations if r.source == "websocket" and r.detail.endswith(connection_id)
        ]

    local_cloud.wait_for(lambda: len(websocket_runs()) == 5, timeout=30)  # $disconnect ran
    assert _connections(local_cloud, table) == []
    runs = websocket_runs()
    assert [r.detail.split(" ")[0] for r in runs] == [
        "$connect",
        "sendMessage",
        "$default",
        "$default",
        "$disconnect",
    ]
    assert all(r.ok and r.qualifier == "live" for r in runs), [r.error for r in runs]
    assert local_cloud.access_denied == []


def test_without_default_an_unknown_action_is_refused_and_posting_needs_the_grant(
    local_cloud: LocalCloud, deployed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An id with '/' and '+' (base64, as API Gateway's), which the SDK sends percent-encoded.
    monkeypatch.setattr(websocket, "_new_connection_id", lambda: "a/b+Kw1IhdAkoA=")
    with connect(local_cloud.websocket_url(QUIET), open_timeout=60) as client:
        client.send(json.dumps({"action": "shout"}))
        refused = json.loads(client.recv(timeout=60))
        assert refused["message"] == "Forbidden" and refused["connectionId"]
        client.send(json.dumps({"action": "sendMessage", "message": "hello"}))
        failed = json.loads(client.recv(timeout=60))
        assert failed["message"] == "Internal server error"
    errors = [r.error for r in local_cloud.invocations if r.detail.startswith("sendMessage")]
    assert len(local_cloud.access_denied) == 1, errors
    (denied,) = local_cloud.access_denied
    assert (
        "is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:"
        in denied
    )
    assert "/prod/POST/@connections/a/b+Kw1IhdAkoA= because no identity-based policy allows" in denied
