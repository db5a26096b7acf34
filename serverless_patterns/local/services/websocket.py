"""API Gateway WebSocket APIs in the local cloud: served on a loopback port, with their management API.

A deployed WebSocket API is served at ``ws://127.0.0.1:PORT/{api_id}/{stage}``
(``LocalCloud.websocket_url``), as API Gateway serves ``wss://{api_id}.execute-api...``:

- a connection request runs the ``$connect`` route's function (a ``CONNECT`` event with the
  request's headers and query string); its error or a ``statusCode`` outside 2xx refuses the
  connection with that status (502 for an error);
- each message is routed by the API's route selection expression (``$request.body.action``): the
  route of that key, else ``$default``; its function gets a ``MESSAGE`` event. A message no route
  takes is answered ``{"message": "Forbidden", ...}``, a function that fails
  ``{"message": "Internal server error", ...}``, as API Gateway answers them;
- a closed connection runs ``$disconnect`` (``DISCONNECT``, with the close code and reason).

The management API (``PostToConnection``, ``GetConnection``, ``DeleteConnection``) is served at
``http://127.0.0.1:PORT2/{api_id}/{stage}``. A function reaches it through the stage's callback URL
in its environment (``CALLBACK_URL`` of ``WebSocketApi``): the local cloud gives a handler that
value with ``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}`` of a local WebSocket API
replaced by the local endpoint (:meth:`WebSocketGateway.local_variables`), so its
``boto3.client("apigatewaymanagementapi", endpoint_url=...)`` calls stay here. A call signed with a
function role's credentials needs ``execute-api:ManageConnections`` on
``arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{VERB}/@connections/{id}`` in that role's
identity policies, evaluated as :mod:`..iam` does; another caller's is not checked.

Not emulated: authorization of ``$connect`` (IAM or a Lambda authorizer: every connection is let
in, as the route's note says), route responses (a function's return value is not sent back),
throttling, idle and two-hour connection limits. The event's ``domainName`` is AWS's, so a handler
that builds the callback URL from the event instead of ``CALLBACK_URL`` would leave this machine.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.sync.server import Server, ServerConnection, serve

from .. import moto_adapter
from ..apigw import ApiResponse, http_handler
from ..events import Dispatcher
from ..iam import Request, evaluate
from ..resources import HttpApi, LocalModel, ResourceRequest
from ..state import State

__all__ = ["MODELS", "WebSocketApiModel", "WebSocketGateway", "websocket_event"]

_LAMBDA_URI = re.compile(r"arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations")
_CALLBACK_URL = re.compile(
    r"^https://(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<stage>[^/?#]+)/?$"
)
_MANAGEMENT_PATH = re.compile(r"^/(?P<api>[^/]+)/(?P<stage>[^/]+)/@connections/(?P<id>[^/]+)$")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_BODY_SELECTION = "$request.body."


class WebSocketApiModel(HttpApi):
    """``AWS::ApiGatewayV2::Api``: an HTTP API as ``local/resources.py`` models it; a WebSocket API
    the same way (moto's apigatewayv2 backend holds its routes, integrations and stages), with the
    ``wss://`` endpoint AWS gives it and without the note that it is not served: it is, here."""

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        if str(r.props.get("ProtocolType", "HTTP")) != "WEBSOCKET":
            return super().create(r)
        made = HttpApi.create(r)  # the model bound to no cloud: it notes nothing
        made.attributes["ApiEndpoint"] = (
            f"wss://{made.physical_resource_id}.execute-api.{r.region}.amazonaws.com"
        )
        return made


MODELS: dict[str, type[LocalModel]] = {WebSocketApiModel.TYPE: WebSocketApiModel}


def websocket_event(
    *,
    event_type: str,
    route_key: str,
    connection: Connection,
    account_region: tuple[str, str],
    when: datetime,
    body: str | bytes | None = None,
    disconnect: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """The event of a WebSocket API route's Lambda proxy integration (Powertools'
    ``APIGatewayWebSocketEvent``): ``CONNECT`` with the connection request's headers and query
    string, ``MESSAGE`` with the message as ``body``, ``DISCONNECT`` with the close code and reason."""
    request_id = base64.b64encode(secrets.token_bytes(6)).decode()
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": when.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": connection.stage,
        "connectedAt": connection.connected_at_ms,
        "requestTimeEpoch": int(when.timestamp() * 1000),
        "identity": {"sourceIp": "127.0.0.1", "userAgent": connection.headers.get("User-Agent", "")},
        "requestId": request_id,
        "domainName": f"{connection.api_id}.execute-api.{account_region[1]}.amazonaws.com",
        "connectionId": connection.id,
        "apiId": connection.api_id,
    }
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if event_type == "MESSAGE":
        context["messageId"] = base64.b64encode(secrets.token_bytes(6)).decode()
        if isinstance(body, bytes):
            event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
        else:
            event["body"] = body
        return event
    headers = (
        dict(connection.headers) if event_type == "CONNECT" else {"Host": connection.headers.get("Host", "")}
    )
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    if event_type == "CONNECT" and connection.query:
        event["queryStringParameters"] = {k: v[-1] for k, v in connection.query.items()}
        event["multiValueQueryStringParameters"] = {k: list(v) for k, v in connection.query.items()}
    if disconnect is not None:
        context["disconnectStatusCode"], context["disconnectReason"] = disconnect
    return event


@dataclass
class Connection:
    """One client connected to a stage of a WebSocket API."""

    id: str
    api_id: str
    stage: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    connected_at_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    last_active_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    socket: ServerConnection | None = None


def _new_connection_id() -> str:
    """An id shaped as API Gateway's (``Kw1IhdAkoAMCL3g=``)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _error_frame(message: str, connection_id: str) -> str:
    return json.dumps({"message": message, "connectionId": connection_id, "requestId": str(uuid.uuid4())})


class WebSocketGateway:
    """Serves the deployed WebSocket APIs and their management API. Started and stopped by the
    local cloud.

    :param role_of: the role ARN whose credentials start with an access key, or None (not checked).
    """

    def __init__(self, state: State, dispatcher: Dispatcher, role_of: Callable[[str], str | None]) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self._role_of = role_of
        self._pending: dict[int, Connection] = {}
        self._open: dict[str, Connection] = {}
        self._lock = threading.Lock()
        self.denials: list[str] = []
        """Every management call IAM refused so far, as the message the caller got."""
        self._server: Server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._connect,
            open_timeout=None,  # $connect's function may cold-start
            compression=None,
        )
        self._management = ThreadingHTTPServer(("127.0.0.1", 0), http_handler(self.manage))
        self._management.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="local-websocket", daemon=True),
            threading.Thread(
                target=self._management.serve_forever, name="local-websocket-management", daemon=True
            ),
        ]

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT``: a stage is at ``{url}/{api_id}/{stage}``."""
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    @property
    def management_url(self) -> str:
        """``http://127.0.0.1:PORT``: a stage's management API is at ``{management_url}/{api_id}/{stage}``."""
        host, port = self._management.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._lock:
            sockets = [c.socket for c in self._open.values() if c.socket is not None]
        for socket in sockets:
            socket.close(1001, "Going away")
        self._server.shutdown()
        self._management.shutdown()
        self._management.server_close()
        for thread in self._threads:
            thread.join(5)

    def local_variables(self, variables: Mapping[str, str]) -> dict[str, str]:
        """A function's environment with each callback URL of a WebSocket API deployed here
        (``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}``) made this gateway's."""
        apis = moto_adapter.backend("apigatewayv2", self.state.account_id, self.state.region).apis
        local = dict(variables)
        for name, value in variables.items():
            found = _CALLBACK_URL.match(value)
            api = apis.get(found.group("api")) if found else None
            if found and api is not None and str(api.protocol_type) == "WEBSOCKET":
                local[name] = f"{self.management_url}/{found.group('api')}/{found.group('stage')}"
        return local

    # -- connections ------------------------------------------------------------------------------

    def _connect(self, socket: ServerConnection, request: Any) -> Any:
        """The connection request: the API and stage of its path, then ``$connect``'s function."""
        split = urlsplit(request.path)
        parts = split.path.strip("/").split("/")
        if len(parts) != 2:
            return socket.respond(404, "expected /{api_id}/{stage}\n")
        api = self._api(parts[0])
        if api is None or parts[1] not in api.stages:
            return socket.respond(
                404 if api is None else 403, f"no stage {parts[1]} of a WebSocket API {parts[0]}\n"
            )
        connection = Connection(
            _new_connection_id(),
            parts[0],
            parts[1],
            dict(request.headers.raw_items()),
            parse_qs(split.query, keep_blank_values=True),
        )
        route = self._route(api, "$connect")
        if route is not None:
            result = self._invoke(
                api, route, websocket_event(**self._about(connection, "CONNECT", "$connect"))
            )
            status = _connect_status(result)
            if not 200 <= status < 300:
                return socket.respond(status, "Forbidden\n" if status < 500 else "Internal server error\n")
        with self._lock:
            self._pending[id(socket)] = connection
        return None

    def _serve(self, socket: ServerConnection) -> None:
        """An accepted connection: its messages, each through its route, then ``$disconnect``."""
        with self._lock:
            connection = self._pending.pop(id(socket), None)
            if connection is not None:
                connection.socket = socket
                self._open[connection.id] = connection
        if connection is None:
            return
        try:
            for message in socket:
                connection.last_active_ms = int(time.time() * 1000)
                self._message(connection, message)
        except Exception:  # the connection broke: disconnected all the same
            pass
        finally:
            with self._lock:
                self._open.pop(connection.id, None)
            self._disconnected(connection, socket)

    def _message(self, connection: Connection, message: str | bytes) -> None:
        api = self._api(connection.api_id)
        if api is None:
            return
        key = _route_key(str(api.route_selection_expression or ""), message, api)
        route = self._route(api, key)
        if route is None:
            self._send(connection, _error_frame("Forbidden", connection.id))
            return
        event = websocket_event(**self._about(connection, "MESSAGE", str(route.route_key)), body=message)
        result = self._invoke(api, route, event)
        if result is None or result.error_type is not None:
            self._send(connection, _error_frame("Internal server error", connection.id))

    def _disconnected(self, connection: Connection, socket: ServerConnection) -> None:
        api = self._api(connection.api_id)
        route = self._route(api, "$disconnect") if api is not None else None
        if api is None or route is None:
            return
        code = socket.close_code if socket.close_code is not None else 1006
        reason = socket.close_reason or ""
        about = self._about(connection, "DISCONNECT", "$disconnect")
        self._invoke(api, route, websocket_event(**about, disconnect=(code, reason)))

    def _about(self, connection: Connection, event_type: str, route_key: str) -> dict[str, Any]:
        return {
            "event_type": event_type,
            "route_key": route_key,
            "connection": connection,
            "account_region": (self.state.account_id, self.state.region),
            "when": datetime.now(UTC),
        }

    def _send(self, connection: Connection, data: str | bytes) -> bool:
        if connection.socket is None:
            return False
        try:
            connection.socket.send(data)
        except Exception:  # closed meanwhile
            return False
        return True

    # -- routes -----------------------------------------------------------------------------------

    def _api(self, api_id: str) -> Any:
        api = moto_adapter.backend("apigatewayv2", self.state.account_id, self.state.region).apis.get(api_id)
        return api if api is not None and str(api.protocol_type) == "WEBSOCKET" else None

    @staticmethod
    def _route(api: Any, key: str) -> Any:
        return next((r for r in list(api.routes.values()) if str(r.route_key) == key), None)

    def _invoke(self, api: Any, route: Any, event: dict[str, Any]) -> Any:
        """The route's Lambda proxy integration, invoked synchronously; None when it has none."""
        integration = api.integrations.get(str(route.target or "").split("/")[-1])
        uri = str(getattr(integration, "integration_uri", "") or "")
        found = _LAMBDA_URI.match(uri)
        if integration is None or str(integration.integration_type).upper() != "AWS_PROXY" or not found:
            return None
        detail = f"{route.route_key} {event['requestContext']['connectionId']}"
        return self.dispatcher.invoke(found.group("arn"), event, source="websocket", detail=detail)

    # -- the management API -----------------------------------------------------------------------

    def manage(self, verb: str, raw_path: str, headers: dict[str, str], body: bytes) -> ApiResponse:
        """``POST``, ``GET`` or ``DELETE`` ``/{api_id}/{stage}/@connections/{connection_id}``."""
        # Matched before unquoting: a connection id may hold '/' (sent as %2F).
        found = _MANAGEMENT_PATH.match(urlsplit(raw_path).path)
        if found is None or verb not in ("POST", "GET", "DELETE"):
            return _answer(404, {"message": "Not Found"}, "NotFoundException")
        api_id, stage, connection_id = (unquote(found.group(k)) for k in ("api", "stage", "id"))
        arn = (
            f"arn:aws:execute-api:{self.state.region}:{self.state.account_id}:"
            f"{api_id}/{stage}/{verb}/@connections/{connection_id}"
        )
        denied = self._denied({k.lower(): v for k, v in headers.items()}, arn)
        if denied is not None:
            return _answer(403, {"message": denied}, "ForbiddenException")
        with self._lock:
            connection = self._open.get(connection_id)
        if connection is None or (connection.api_id, connection.stage) != (api_id, stage):
            return _answer(410, {"message": None}, "GoneException")
        if verb == "GET":
            return _answer(200, _described(connection))
        if verb == "DELETE":
            if connection.socket is not None:
                connection.socket.close(1000, "")
            return ApiResponse(204, {}, b"")
        try:
            data: str | bytes = body.decode("utf-8")
        except UnicodeDecodeError:
            data = body
        if not self._send(connection, data):
            return _answer(410, {"message": None}, "GoneException")
        return ApiResponse(200, {}, b"")

    def _denied(self, headers: Mapping[str, str], arn: str) -> str | None:
        """Why the caller's role may not manage ``arn``, or None (allowed, or not a role's call)."""
        found = _CREDENTIAL.search(headers.get("authorization", ""))
        role = self._role_of(found.group(1)) if found else None
        if role is None:
            return None
        policies = moto_adapter.role_policies(self.state.account_id, role)
        decision = evaluate(policies, Request("execute-api:ManageConnections", (arn,)))
        if decision.allowed:
            return None
        session = f"arn:aws:sts::{self.state.account_id}:assumed-role/{role.rsplit('/', 1)[-1]}/local-lambda"
        message = (
            f"User: {session} is not authorized to perform: execute-api:ManageConnections on resource: "
            f"{arn} because {decision.reason}"
        )
        with self._lock:
            self.denials.append(message)
        return message


def _route_key(expression: str, message: str | bytes, api: Any) -> str:
    """The route key the selection expression (``$request.body.action``) picks for ``message``:
    the value at that path of the JSON message when a route has it, else ``$default``."""
    if not expression.startswith(_BODY_SELECTION):
        return "$default"
    try:
        value: Any = json.loads(message)
    except ValueError:
        return "$default"
    for part in expression[len(_BODY_SELECTION) :].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str) and value not in ("$connect", "$disconnect"):
        keys = {str(r.route_key) for r in list(api.routes.values())}
        if value in keys:
            return value
    return "$default"


def _connect_status(result: Any) -> int:
    """What the ``$connect`` integration answers: 200 without one, 502 when the function failed,
    else its ``statusCode`` (a bare value is 200)."""
    if result is None:
        return 200
    if result.error_type is not None:
        return 502
    answer = result.json()
    if isinstance(answer, dict) and isinstance(answer.get("statusCode"), int):
        return int(answer["statusCode"])
    return 200


def _described(connection: Connection) -> dict[str, Any]:
    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

    return {
        "connectedAt": iso(connection.connected_at_ms),
        "identity": {"sourceIp": "127.0.0.1", "userAgent": connection.headers.get("User-Agent", "")},
        "lastActiveAt": iso(connection.last_active_ms),
    }


def _answer(status: int, body: Any, error_type: str | None = None) -> ApiResponse:
    headers = {"Content-Type": "application/json"}
    if error_type is not None:
        headers["x-amzn-ErrorType"] = error_type
    return ApiResponse(status, headers, json.dumps(body).encode())
