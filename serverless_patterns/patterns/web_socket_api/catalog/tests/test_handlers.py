"""Unit tests of the chat handlers, with real WebSocket events and the AWS clients stubbed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from serverless_patterns.testing import lambda_context, load_handler

app = load_handler(__file__, "chat")
CONTEXT = lambda_context("chat")
CONNECTION_ID = "Kw1IhdAkoAMCL3g="


def websocket_event(route_key: str, event_type: str, body: str | None = None) -> dict[str, Any]:
    return {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": "Kw1Ihd2koAMFhOw=",
            "requestTime": "01/Mar/2026:08:30:15 +0000",
            "messageDirection": "IN",
            "stage": "prod",
            "connectedAt": 1772353815000,
            "requestTimeEpoch": 1772353815123,
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "test"},
            "requestId": "Kw1Ihd2koAMFhOw=",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "connectionId": CONNECTION_ID,
            "apiId": "abc123",
        },
        "body": body,
        "isBase64Encoded": False,
    }


class Table:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, Item: dict[str, Any]) -> None:
        self.items[Item["connectionId"]] = Item

    def delete_item(self, Key: dict[str, Any]) -> None:
        self.items.pop(Key["connectionId"], None)


class Connections:
    def __init__(self) -> None:
        self.posted: list[tuple[str, Any]] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        self.posted.append((ConnectionId, json.loads(Data)))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> tuple[Table, Connections]:
    table, connections = Table(), Connections()
    monkeypatch.setenv("CONNECTIONS_TABLE", "connections")
    monkeypatch.setenv("CONNECTION_TTL_ATTRIBUTE", "expiresAt")
    monkeypatch.setenv("CALLBACK_URL", "https://abc123.execute-api.us-east-1.amazonaws.com/prod")
    monkeypatch.setattr(app, "_table", lambda: table)
    monkeypatch.setattr(app, "_connections", lambda: connections)
    return table, connections


def test_connect_records_the_connection_until_it_expires(aws: tuple[Table, Connections]) -> None:
    table, _ = aws
    assert app.connect(websocket_event("$connect", "CONNECT"), CONTEXT) == {"statusCode": 200}
    item = table.items[CONNECTION_ID]
    assert time.time() < item["expiresAt"] <= time.time() + 2 * 60 * 60


def test_disconnect_removes_it(aws: tuple[Table, Connections]) -> None:
    table, _ = aws
    app.connect(websocket_event("$connect", "CONNECT"), CONTEXT)
    assert app.disconnect(websocket_event("$disconnect", "DISCONNECT"), CONTEXT) == {"statusCode": 200}
    assert table.items == {}


def test_send_message_answers_the_sender(aws: tuple[Table, Connections]) -> None:
    _, connections = aws
    body = json.dumps({"action": "sendMessage", "message": "hello"})
    assert app.send_message(websocket_event("sendMessage", "MESSAGE", body), CONTEXT) == {"statusCode": 200}
    assert connections.posted == [
        (CONNECTION_ID, {"action": "message", "from": CONNECTION_ID, "message": "hello"})
    ]


def test_default_names_the_actions(aws: tuple[Table, Connections]) -> None:
    _, connections = aws
    app.default(websocket_event("$default", "MESSAGE", '{"action": "shout"}'), CONTEXT)
    assert connections.posted == [(CONNECTION_ID, {"error": "unknown action", "actions": ["sendMessage"]})]
