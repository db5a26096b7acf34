"""A chat over the WebSocket API: one module, one handler per route.

``$connect`` records the connection in the connections table (with an expiry: API Gateway closes a
connection after two hours at the most, and a ``$disconnect`` is delivered on a best-effort basis),
``$disconnect`` removes it, ``sendMessage`` answers the sender through the management API at
``CALLBACK_URL`` and ``$default`` tells a client which actions exist.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60
ACTIONS = ("sendMessage",)


def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def _connections() -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["CALLBACK_URL"])


def post(connection_id: str, message: dict[str, Any]) -> None:
    """Sends ``message`` (as JSON) to the client of ``connection_id``."""
    _connections().post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())


def _connection_id(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["connectionId"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def connect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = _connection_id(event)
    expires_at = int(time.time()) + CONNECTION_LIFETIME_SECONDS
    _table().put_item(
        Item={"connectionId": connection_id, os.environ["CONNECTION_TTL_ATTRIBUTE"]: expires_at}
    )
    logger.info("connected", extra={"connection_id": connection_id})
    return {"statusCode": 200}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def disconnect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = _connection_id(event)
    _table().delete_item(Key={"connectionId": connection_id})
    logger.info("disconnected", extra={"connection_id": connection_id})
    return {"statusCode": 200}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def send_message(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = _connection_id(event)
    body = json.loads(event.get("body") or "{}")
    post(connection_id, {"action": "message", "from": connection_id, "message": body.get("message")})
    logger.info("message sent", extra={"connection_id": connection_id})
    return {"statusCode": 200}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def default(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = _connection_id(event)
    post(connection_id, {"error": "unknown action", "actions": list(ACTIONS)})
    return {"statusCode": 200}
