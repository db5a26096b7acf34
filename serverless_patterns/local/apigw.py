"""An HTTP endpoint on 127.0.0.1 that serves the deployed APIs the way API Gateway would.

``http://127.0.0.1:PORT/{api_id}/{stage}/{path}`` finds the matching method (REST) or route (HTTP).
The stage's throttle and the method's or route's authorization (IAM, Cognito, Lambda authorizers)
are checked first (:mod:`.api_auth`), then a REST method's request validator and models
(:mod:`.integrations`). A Lambda
proxy integration gets the request as a Lambda proxy event (REST API v1 payload, HTTP API v2
payload), invokes the function synchronously and turns its answer back into an HTTP response; a REST
method's AWS service integration renders its mapping templates and calls the local service with its
role's credentials (:mod:`.integrations`). Any other integration answers 501.
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
from .api_auth import ApiChecks, Identities, Incoming
from .events import Dispatcher
from .integrations import Caller, call_aws_integration, validation_error
from .state import State
from .throttle import http_limit, rest_limit
from .vtl import RequestData

__all__ = ["ApiGateway", "ApiResponse", "http_handler"]

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

    def __init__(
        self,
        state: State,
        dispatcher: Dispatcher,
        credentials: Callable[[str], tuple[str, str, str] | None] | None = None,
        identities: Identities | None = None,
    ) -> None:
        """:param credentials: the local STS's credentials of a role ARN, for AWS integrations.
        Default: - none: every AWS integration answers 500, as one whose role cannot be assumed
        :param identities: who signs requests to IAM-authorized routes. Default: - the users and
        roles of the local IAM only"""
        self.state = state
        self.dispatcher = dispatcher
        self.checks = ApiChecks(
            state.region,
            state.account_id,
            identities or Identities(state.account_id, "", ""),
            self._authorizer_call,
        )
        """The throttle and authorization checks; ``.listeners`` hear of every refusal."""
        self._caller = Caller(state.endpoint_url, state.region, credentials or (lambda _: None))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), http_handler(self.handle))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-apigateway", daemon=True
        )
        self.observe: Callable[..., None] | None = None
        """Called with each answer of an API (``rest``, ``api``, ``stage``, ``status``,
        ``latency_ms``, ``when``): its CloudWatch metrics (``local/metrics.py``)."""

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

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, *, sent: str | None = None
    ) -> ApiResponse:
        """Serve one request for ``/{api_id}/{stage}/{path}``.

        :param sent: the path and query the client sent, which its SigV4 signature covers.
            Default: - ``raw_path``"""
        incoming = Incoming(method, sent or raw_path, headers, body)
        split = urlsplit(raw_path)
        parts = split.path.split("/", 3)
        if len(parts) < 3 or not parts[1]:
            return _error(404, "expected /{api_id}/{stage}/{path}")
        api_id, stage = parts[1], parts[2]
        path = "/" + (parts[3] if len(parts) > 3 else "")
        v1 = moto_adapter.backend("apigateway", self.state.account_id, self.state.region)
        v2 = moto_adapter.backend("apigatewayv2", self.state.account_id, self.state.region)
        began = time.time()
        try:
            if api_id in v1.apis:
                answer = self._rest(v1.apis[api_id], stage, path, split.query, incoming)
                return self._observed(True, str(v1.apis[api_id].name), stage, answer, began)
            if api_id in v2.apis:
                answer = self._http(v2.apis[api_id], stage, path, split.query, incoming)
                return self._observed(False, api_id, stage, answer, began)
        except Exception as exc:
            return _error(500, f"local gateway error: {type(exc).__name__}: {exc}")
        return _error(404, f"no API {api_id}")

    def _observed(self, rest: bool, api: str, stage: str, answer: ApiResponse, began: float) -> ApiResponse:
        """``answer``, once :attr:`observe` has heard of it."""
        if self.observe is not None:
            latency = (time.time() - began) * 1000
            self.observe(
                rest=rest, api=api, stage=stage, status=answer.status, latency_ms=latency, when=began
            )
        return answer

    def authorization(self, api_id: str, stage: str, method: str, path: str) -> str:
        """The authorization type of the method (REST) or route (HTTP API) a request to ``path``
        (below the stage) reaches: ``AWS_IAM``, ``NONE``..., ``NONE`` when none matches."""
        v1 = moto_adapter.backend("apigateway", self.state.account_id, self.state.region)
        v2 = moto_adapter.backend("apigatewayv2", self.state.account_id, self.state.region)
        if api_id in v1.apis:
            found = _rest_method(v1.apis[api_id], method, path)
            target = found[2] if found is not None else None
        elif api_id in v2.apis:
            api = v2.apis[api_id]
            if stage not in api.stages and "$default" in api.stages:
                path = f"/{stage}{path}".rstrip("/") or "/"
            route = _http_route(api, method, path)
            target = route[0] if route is not None else None
        else:
            target = None
        return str(getattr(target, "authorization_type", None) or "NONE").upper()

    def _authorizer_call(self, function_arn: str, event: Any, what: str) -> tuple[Any, bool]:
        result = self.dispatcher.invoke(function_arn, event, source="api", detail=what)
        return result.json(), result.error_type is not None

    def _rest(self, api: Any, stage: str, path: str, query: str, incoming: Incoming) -> ApiResponse:
        method, headers, body = incoming.method, dict(incoming.headers), incoming.body
        if stage not in api.stages:
            return _error(403, f"stage {stage} does not exist")
        found = _rest_method(api, method, path)
        if found is None:
            return _error(403, "Missing Authentication Token")
        template, resource, target, match = found
        integration = target.method_integration
        path_parameters = {k: unquote(v) for k, v in match.groupdict().items()}
        data = self._request_data(
            api, stage, method, path, template, resource, query, headers, body, path_parameters
        )
        request = {
            "headers": headers,
            "query": data.querystring,
            "path_parameters": path_parameters,
            "stage_variables": data.stage_variables,
            "context": data.context,
        }
        limit = rest_limit(api.stages[stage], template, method)
        verdict = self.checks.rest(api, stage, target, template, path, incoming, limit, request)
        if verdict.refused is not None:
            return ApiResponse(*verdict.refused)
        verdict.apply(data.context)
        content_type = _content_type(headers)
        refused = validation_error(target, api, data, content_type)
        if refused is not None:
            return ApiResponse(*refused)
        kind = str(getattr(integration, "integration_type", None)).upper()
        if integration is not None and kind == "AWS":
            return ApiResponse(*call_aws_integration(integration, data, content_type, self._caller))
        uri = getattr(integration, "uri", None) or ""
        lam = _LAMBDA_URI.match(str(uri))
        if integration is None or kind != "AWS_PROXY" or not lam:
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
            path_parameters=path_parameters,
            stage_variables=getattr(api.stages[stage], "variables", None),
            body=text,
            is_base64_encoded=is_b64,
        )
        verdict.apply(event["requestContext"])
        return self._call(lam.group("arn"), event, f"{method} {template}")

    def _request_data(
        self,
        api: Any,
        stage: str,
        method: str,
        path: str,
        template: str,
        resource: Any,
        query: str,
        headers: dict[str, str],
        body: bytes,
        path_parameters: dict[str, str],
    ) -> RequestData:
        """What a REST method's validator and mapping templates read of the request."""
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        context = {
            "requestId": request_id,
            "extendedRequestId": request_id,
            "httpMethod": method,
            "resourcePath": template,
            "resourceId": resource.id,
            "path": f"/{stage}{path}",
            "stage": stage,
            "apiId": api.id,
            "accountId": self.state.account_id,
            "domainName": "127.0.0.1",
            "protocol": "HTTP/1.1",
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": _header(headers, "user-agent")},
        }
        return RequestData(
            body=body.decode(errors="replace"),
            path=path_parameters,
            querystring={k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
            header=dict(headers),
            context=context,
            stage_variables=getattr(api.stages[stage], "variables", None) or {},
        )

    def _http(self, api: Any, stage: str, path: str, query: str, incoming: Incoming) -> ApiResponse:
        method, headers, body = incoming.method, dict(incoming.headers), incoming.body
        if stage not in api.stages and "$default" in api.stages:
            path = f"/{stage}{path}".rstrip("/") or "/"
            stage = "$default"
        elif stage not in api.stages:
            return _error(404, f"stage {stage} does not exist")
        best = _http_route(api, method, path)
        if best is None:
            return _error(404, "Not Found")
        route, match = best
        text, is_b64 = _body(body, headers)
        lowered = {k.lower(): v for k, v in headers.items()}
        cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
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
        request = {
            "headers": lowered,
            "query": {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
            "stage_variables": api.stages[stage].stage_variables,
            "event": event,
        }
        limit = http_limit(api.stages[stage], str(route.route_key))
        verdict = self.checks.http(api, stage, route, path, incoming, limit, request)
        if verdict.refused is not None:
            return ApiResponse(*verdict.refused)
        verdict.apply(event["requestContext"])
        integration = api.integrations.get(str(route.target or "").split("/")[-1])
        uri = str(getattr(integration, "integration_uri", "") or "")
        if integration is None or str(integration.integration_type).upper() != "AWS_PROXY":
            return _error(501, "only Lambda proxy integrations are emulated locally")
        fn_arn = _LAMBDA_URI.match(uri).group("arn") if _LAMBDA_URI.match(uri) else uri  # type: ignore[union-attr]
        version = str(getattr(integration, "payload_format_version", None) or "2.0")
        if version != "2.0":
            return _error(501, "HTTP API payload format 1.0 is not emulated locally")
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


def _rest_method(api: Any, method: str, path: str) -> tuple[str, Any, Any, re.Match[str]] | None:
    """The REST method (moto's) a request reaches: (resource path template, resource, method,
    the template's match of ``path``), or None."""
    candidates = []
    for resource in api.resources.values():
        template = resource.get_path()
        found = _template_regex(template).match(path)
        if found:
            candidates.append((_specificity(template), template, resource, found))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    _, template, resource, match = candidates[0]
    target = resource.resource_methods.get(method) or resource.resource_methods.get("ANY")
    return None if target is None else (template, resource, target, match)


def _http_route(api: Any, method: str, path: str) -> tuple[Any, re.Match[str] | None] | None:
    """The HTTP API route (moto's) a request reaches, and its key's match of ``path``, or None."""
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
    return None if best is None else (best[1], best[2])


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


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def _content_type(headers: dict[str, str]) -> str:
    """The request's media type (``application/json`` when it names none), as API Gateway picks a
    model and a mapping template by it."""
    given = _header(headers, "content-type").split(";")[0].strip().lower()
    return given or "application/json"


def _error(status: int, message: str) -> ApiResponse:
    return ApiResponse(
        status, {"content-type": "application/json"}, json.dumps({"message": message}).encode()
    )
