"""An HTTP endpoint on 127.0.0.1 that serves the deployed APIs the way API Gateway would.

``http://127.0.0.1:PORT/{api_id}/{stage}/{path}`` turns the request into a Lambda proxy event (REST
API v1 payload, HTTP API v2 payload) for the integration of the matching method or route, invokes the
function synchronously, and turns its answer back into an HTTP response. Only Lambda proxy
integrations are served; any other integration answers 501.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .. import event_shapes
from . import moto_adapter
from .events import Dispatcher
from .state import State

__all__ = ["ApiGateway", "ApiResponse", "http_handler"]

_STATES_URI = re.compile(r":apigateway:[^:]+:states:action/(StartExecution|StartSyncExecution)$")
_MACHINE_IN_TEMPLATE = re.compile(r'"stateMachineArn"\s*:\s*"([^"]+)"')
_LAMBDA_URI = re.compile(r"arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations")


@dataclass(frozen=True)
class ApiResponse:
    """What an API answered."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


def _template_regex(template: str) -> re.Pattern[str]:
    """``/users/{id}/{proxy+}`` -> a regex with named groups."""
    out = ""
    for part in [p for p in template.split("/") if p]:
        greedy = re.fullmatch(r"\{(\w+)\+\}", part)
        named = re.fullmatch(r"\{(\w+)\}", part)
        if greedy:
            out += f"/(?P<{greedy.group(1)}>.+)"
        elif named:
            out += f"/(?P<{named.group(1)}>[^/]+)"
        else:
            out += "/" + re.escape(part)
    return re.compile((out or "/?") + "/?$" if out else "^/?$")


def _specificity(template: str) -> tuple[int, int]:
    parts = [p for p in template.split("/") if p]
    return (sum(1 for p in parts if not p.startswith("{")), -sum(1 for p in parts if p.endswith("+}")))


def http_handler(
    answer: Callable[[str, str, dict[str, str], bytes], ApiResponse],
) -> type[BaseHTTPRequestHandler]:
    """A quiet HTTP/1.1 request handler whose every request (any verb) is answered by ``answer``
    (verb, path, headers, body), with its own ``Content-Length``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            response = answer(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(response.status)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


class ApiGateway:
    """Routes requests to deployed REST and HTTP APIs. Started and stopped by the local cloud."""

    def __init__(self, state: State, dispatcher: Dispatcher) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), http_handler(self.handle))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-apigateway", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- routing ----------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> ApiResponse:
        """Serve one request for ``/{api_id}/{stage}/{path}``."""
        split = urlsplit(raw_path)
        parts = split.path.split("/", 3)
        if len(parts) < 3 or not parts[1]:
            return _error(404, "expected /{api_id}/{stage}/{path}")
        api_id, stage = parts[1], parts[2]
        path = "/" + (parts[3] if len(parts) > 3 else "")
        v1 = moto_adapter.backend("apigateway", self.state.account_id, self.state.region)
        v2 = moto_adapter.backend("apigatewayv2", self.state.account_id, self.state.region)
        try:
            if api_id in v1.apis:
                return self._rest(v1.apis[api_id], stage, method, path, split.query, headers, body)
            if api_id in v2.apis:
                return self._http(v2.apis[api_id], stage, method, path, split.query, headers, body)
        except Exception as exc:
            return _error(500, f"local gateway error: {type(exc).__name__}: {exc}")
        return _error(404, f"no API {api_id}")

    def _rest(
        self, api: Any, stage: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> ApiResponse:
        if stage not in api.stages:
            return _error(403, f"stage {stage} does not exist")
        candidates = []
        for resource in api.resources.values():
            template = resource.get_path()
            found = _template_regex(template).match(path)
            if found:
                candidates.append((_specificity(template), template, resource, found))
        if not candidates:
            return _error(403, "Missing Authentication Token")
        candidates.sort(key=lambda c: c[0], reverse=True)
        _, template, resource, match = candidates[0]
        target = resource.resource_methods.get(method) or resource.resource_methods.get("ANY")
        if target is None:
            return _error(403, "Missing Authentication Token")
        integration = target.method_integration
        uri = getattr(integration, "uri", None) or ""
        if integration is not None and _STATES_URI.search(str(uri)):
            return self._start_execution(integration, body, f"{method} {template}")
        lam = _LAMBDA_URI.match(str(uri))
        if integration is None or str(integration.integration_type).upper() != "AWS_PROXY" or not lam:
            return _error(
                501, f"integration {getattr(integration, 'integration_type', None)} is not emulated locally"
            )
        text, is_b64 = _body(body, headers)
        event = event_shapes.api_gateway_proxy_event(
            method=method,
            resource=template,
            path=path,
            stage=stage,
            account=self.state.account_id,
            api_id=api.id,
            resource_id=resource.id,
            request_id=str(uuid.uuid4()),
            when=datetime.now(UTC),
            headers=headers,
            query=parse_qs(query, keep_blank_values=True),
            path_parameters={k: unquote(v) for k, v in match.groupdict().items()},
            stage_variables=getattr(api.stages[stage], "variables", None),
            body=text,
            is_base64_encoded=is_b64,
        )
        return self._call(lam.group("arn"), event, f"{method} {template}")

    def _start_execution(self, integration: Any, body: bytes, detail: str) -> ApiResponse:
        """The Step Functions ``StartExecution`` service integration that CDK's request template builds:
        the request body becomes the execution input (the template itself is not evaluated)."""
        templates = getattr(integration, "request_templates", None) or {}
        found = _MACHINE_IN_TEMPLATE.search(" ".join(str(t) for t in templates.values()))
        if found is None:
            return _error(501, "StartExecution integration without a stateMachineArn in its template")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "Could not parse request body into json")
        backend = moto_adapter.backend("stepfunctions", self.state.account_id, self.state.region)
        try:
            execution = backend.start_execution(found.group(1), str(uuid.uuid4()), json.dumps(payload))
        except Exception as exc:
            return _error(400, f"{type(exc).__name__}: {exc}")
        started = getattr(execution, "start_date", None)
        answer = {
            "executionArn": execution.exec_arn,
            "startDate": started.timestamp() if started else time.time(),
        }
        headers = {"content-type": "application/json", "x-local-detail": detail}
        return ApiResponse(200, headers, json.dumps(answer).encode())

    def _http(
        self, api: Any, stage: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> ApiResponse:
        if stage not in api.stages and "$default" in api.stages:
            path = f"/{stage}{path}".rstrip("/") or "/"
            stage = "$default"
        elif stage not in api.stages:
            return _error(404, f"stage {stage} does not exist")
        best: tuple[tuple[int, int], Any, re.Match[str] | None] | None = None
        for route in api.routes.values():
            key = str(route.route_key)
            candidate: tuple[tuple[int, int], Any, re.Match[str] | None]
            if key == "$default":
                candidate = ((-1, 0), route, None)
            else:
                verb, _, template = key.partition(" ")
                found = _template_regex(template).match(path)
                if not found or verb not in (method, "ANY"):
                    continue
                candidate = (_specificity(template), route, found)
            if best is None or candidate[0] > best[0]:
                best = candidate
        if best is None:
            return _error(404, "Not Found")
        _, route, match = best
        integration = api.integrations.get(str(route.target or "").split("/")[-1])
        uri = str(getattr(integration, "integration_uri", "") or "")
        if integration is None or str(integration.integration_type).upper() != "AWS_PROXY":
            return _error(501, "only Lambda proxy integrations are emulated locally")
        fn_arn = _LAMBDA_URI.match(uri).group("arn") if _LAMBDA_URI.match(uri) else uri  # type: ignore[union-attr]
        text, is_b64 = _body(body, headers)
        lowered = {k.lower(): v for k, v in headers.items()}
        cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
        version = str(getattr(integration, "payload_format_version", None) or "2.0")
        if version != "2.0":
            return _error(501, "HTTP API payload format 1.0 is not emulated locally")
        event = event_shapes.http_api_event(
            method=method,
            route_key=route.route_key,
            path=path,
            raw_path=path if stage == "$default" else f"/{stage}{path}",
            stage=stage,
            account=self.state.account_id,
            api_id=api.api_id,
            request_id=str(uuid.uuid4()),
            when=datetime.now(UTC),
            headers=lowered,
            raw_query=query,
            query=parse_qs(query, keep_blank_values=True),
            cookies=cookies,
            path_parameters={k: unquote(v) for k, v in match.groupdict().items()} if match else None,
            stage_variables=api.stages[stage].stage_variables,
            body=text,
            is_base64_encoded=is_b64,
        )
        return self._call(fn_arn, event, str(route.route_key), v2=True)

    def _call(
        self, function_arn: str, event: dict[str, Any], detail: str, *, v2: bool = False
    ) -> ApiResponse:
        dispatcher = self.dispatcher
        begin = time.monotonic()

        def status_of(payload: bytes, failed: bool) -> int:
            return _proxy_status(payload, failed, v2=v2)

        result = dispatcher.invoke(function_arn, event, source="api", detail=detail, status_of=status_of)
        if result.error_type is not None:
            return _error(502, "Internal server error")
        answer = result.json()
        if _proxy_status(result.payload, False, v2=v2) == 502:
            return _error(502, "Internal server error (malformed Lambda proxy response)")
        if v2 and not (isinstance(answer, dict) and "statusCode" in answer):
            # HTTP API v2: a bare value is a 200 JSON body.
            text = answer if isinstance(answer, str) else json.dumps(answer)
            return ApiResponse(200, {"content-type": "application/json"}, text.encode())
        assert isinstance(answer, dict)
        out_headers = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
        for key, values in (answer.get("multiValueHeaders") or {}).items():
            out_headers[str(key)] = ",".join(str(v) for v in values)
        if v2 and answer.get("cookies"):
            out_headers["set-cookie"] = "; ".join(answer["cookies"])
        raw = answer.get("body") or ""
        payload = base64.b64decode(raw) if answer.get("isBase64Encoded") else str(raw).encode()
        out_headers.setdefault("x-local-duration-ms", f"{(time.monotonic() - begin) * 1000:.1f}")
        return ApiResponse(int(answer["statusCode"]), out_headers, payload)


def _proxy_status(payload: bytes, failed: bool, *, v2: bool) -> int:
    """The status API Gateway answers for a Lambda proxy integration's result: the handler's
    ``statusCode``, 200 for an HTTP API's bare value, 502 for a failure or a malformed answer."""
    if failed:
        return 502
    try:
        answer = json.loads(payload) if payload else None
    except ValueError:
        return 502
    if isinstance(answer, dict) and isinstance(answer.get("statusCode"), int):
        return int(answer["statusCode"])
    if v2 and not (isinstance(answer, dict) and "statusCode" in answer):
        return 200
    return 502


def _body(body: bytes, headers: dict[str, str]) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True


def _error(status: int, message: str) -> ApiResponse:
    return ApiResponse(
        status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()
    )
