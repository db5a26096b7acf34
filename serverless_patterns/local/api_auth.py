"""What API Gateway checks of a request before its integration runs, emulated locally: the stage's
throttle (:mod:`.throttle`), then the method's (REST) or route's (HTTP API) authorization.

- ``AWS_IAM``: the request's SigV4 signature is recomputed with botocore's signer from the secret
  of its access key, then the caller's identity policies must allow ``execute-api:Invoke`` on
  ``arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{VERB}/{path}`` (:func:`.iam.evaluate`).
  Who holds a key (:class:`Identities`): an IAM user of the local IAM (``create_user``,
  ``create_access_key``, its inline, attached and group policies), a role assumed through the
  local STS (the credentials the local cloud issues to handlers are such, and so are those a test
  gets from ``assume_role``), or the local cloud's own dummy credentials (``LocalCloud.env()``),
  which stand for the account's root user and are allowed everything. AWS has no such shared
  identity; it is what your own clients and the CDK CLI use locally, as an administrator would.
- ``COGNITO_USER_POOLS`` (REST) and ``JWT`` authorizers (HTTP API) over a local Cognito user pool:
  the token must be one the pool issued (asked of the local Cognito, which signs its tokens with a
  key of its own), unexpired, an ID token (REST, no scopes) or an access token carrying one of the
  method's or route's scopes; its claims reach the integration. A JWT issuer that is not a local
  user pool is refused (its keys cannot be fetched locally).
- Lambda authorizers: REST ``TOKEN`` and ``REQUEST`` authorizers and HTTP API ``REQUEST``
  authorizers (simple responses or IAM policies) run through the local cloud with the event API
  Gateway sends, their answer is applied (the policy evaluated against the method's ARN), their
  context reaches the integration, and their result is cached for the authorizer's TTL (REST:
  300 s unless set; HTTP API: none unless set), keyed by the identity sources.

Each refusal is answered with the status and body API Gateway sends, and reported to
:attr:`ApiChecks.listeners` (``serverless-patterns dev`` prints one line each).

Not emulated: resource policies of REST APIs, API keys and usage plans, mutual TLS, the
``X-Amz-Signature`` query-string form of SigV4 (presigned URLs), ``REQUEST`` authorizer context
variables other than headers, query strings, path parameters and stage variables as identity
sources, and Cognito identity pools.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .iam import Request, evaluate
from .moto_adapter.identities import KeyHolder, identity_policies, key_holder, pool_token
from .throttle import Limit, Throttles

__all__ = ["ApiChecks", "Caller", "Identities", "Incoming", "Refused", "Verdict", "sign_request"]

_LAMBDA_URI = re.compile(r"arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations")
_SKEW = timedelta(minutes=15)
Answer = tuple[int, dict[str, str], bytes]
"""(status, headers, body) of a refusal."""

MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details."
)


def _answer(status: str | int, body: Mapping[str, Any], error_type: str = "") -> Answer:
    headers = {"content-type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return int(status), headers, json.dumps(body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Incoming:
    """A request as it reached the local endpoint."""

    method: str
    target: str
    """Its path and query string as the client sent them (what a SigV4 signature covers)."""
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Caller:
    """Whoever signed a request."""

    access_key: str
    secret: str
    arn: str
    account_id: str
    principal_id: str
    session_token: str | None
    """The token that must come with the key (None: not checked)."""
    holder: KeyHolder | None
    """The user or role in the local IAM; None for the account's root-like dummy identity."""


class Identities:
    """Access key -> :class:`Caller`: the local cloud's dummy credentials (the account's root,
    allowed everything), else the user or assumed role the local IAM and STS know the key of."""

    def __init__(self, account_id: str, dummy_key: str, dummy_secret: str) -> None:
        self.account_id = account_id
        self._dummy = (dummy_key, dummy_secret)

    def caller(self, access_key: str) -> Caller | None:
        if access_key == self._dummy[0]:
            root = f"arn:aws:iam::{self.account_id}:root"
            return Caller(access_key, self._dummy[1], root, self.account_id, self.account_id, None, None)
        holder = key_holder(self.account_id, access_key)
        if holder is None or not holder.active:
            return None
        return Caller(
            access_key,
            holder.secret,
            holder.arn,
            self.account_id,
            holder.principal_id,
            holder.session_token,
            holder,
        )

    def policies(self, caller: Caller) -> list[dict[str, Any]] | None:
        """The caller's identity policies; None for the root-like identity (allowed everything)."""
        return None if caller.holder is None else identity_policies(self.account_id, caller.holder)


@dataclass(frozen=True)
class Verdict:
    """What the checks decided: a refusal, or what the integration learns of the caller."""

    refused: Answer | None = None
    authorizer: dict[str, Any] | None = None
    """``requestContext.authorizer`` (REST: claims or the Lambda authorizer's context and
    ``principalId``; HTTP API: ``{"iam"|"jwt"|"lambda": ...}``)."""
    identity: dict[str, Any] = field(default_factory=dict)
    """What ``requestContext.identity`` gains (REST, IAM: the caller's key, account and ARN)."""

    def apply(self, context: Any) -> None:
        """Put what the integration learns of the caller into a ``requestContext`` (a dict)."""
        if self.identity:
            context.setdefault("identity", {}).update(self.identity)
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer


@dataclass(frozen=True)
class Refused:
    """One request refused before its integration, as ``dev`` reports it."""

    api_id: str
    stage: str
    method: str
    path: str
    status: int
    message: str
    why: str
    """What the caller should do (sign the request, send a token)."""


@dataclass
class _Cached:
    until: float
    answer: Any


class ApiChecks:
    """The throttle and the authorization of the local API endpoint (see the module docstring)."""

    def __init__(
        self,
        region: str,
        account_id: str,
        identities: Identities,
        invoke: Callable[[str, Any, str], tuple[Any, bool]],
    ) -> None:
        """:param invoke: runs a Lambda authorizer: (function ARN, event, what) -> (its answer, failed)"""
        self.region = region
        self.account_id = account_id
        self.identities = identities
        self._invoke = invoke
        self.throttles = Throttles()
        self.listeners: list[Callable[[Refused], None]] = []
        """Called with every refusal."""
        self._cache: dict[tuple[str, ...], _Cached] = {}
        self._lock = threading.Lock()

    # -- the two kinds of API ---------------------------------------------------------------------

    def rest(
        self,
        api: Any,
        stage: str,
        target: Any,
        template: str,
        path: str,
        incoming: Incoming,
        limit: Limit,
        request: Mapping[str, Any],
    ) -> Verdict:
        """Check a request to a REST method (``target``, moto's) of ``api`` at ``stage``.
        ``request``: the REQUEST authorizer's view (``headers``, ``query``, ``path_parameters``,
        ``stage_variables``)."""
        arn = self._arn(api.id, stage, incoming.method, path)
        if not self.throttles.admit(api.id, stage, f"{template} {incoming.method}", limit):
            return self._refused(api.id, stage, incoming, _answer(429, {"message": "Too Many Requests"}), "")
        kind = str(getattr(target, "authorization_type", None) or "NONE").upper()
        verdict = Verdict()
        if kind == "AWS_IAM":
            verdict = self._iam(incoming, arn, rest=True)
        elif kind == "COGNITO_USER_POOLS":
            found = api.authorizers.get(getattr(target, "authorizer_id", None) or "")
            pools = [str(p).rsplit("/", 1)[-1] for p in (getattr(found, "provider_arns", None) or [])]
            verdict = self._user_pool(
                incoming,
                _header_source(getattr(found, "identity_source", None)),
                pools,
                list(getattr(target, "authorization_scopes", None) or []),
                rest=True,
            )
        elif kind == "CUSTOM":
            found = api.authorizers.get(getattr(target, "authorizer_id", None) or "")
            verdict = self._rest_lambda(found, arn, template, incoming, request)
        if verdict.refused is not None:
            return self._refused(api.id, stage, incoming, verdict.refused, kind)
        return verdict

    def http(
        self,
        api: Any,
        stage: str,
        route: Any,
        path: str,
        incoming: Incoming,
        limit: Limit,
        request: Mapping[str, Any],
    ) -> Verdict:
        """Check a request to an HTTP API route (moto's) of ``api`` at ``stage``."""
        arn = self._arn(api.api_id, stage, incoming.method, path)
        if not self.throttles.admit(api.api_id, stage, str(route.route_key), limit):
            answer = _answer(429, {"message": "Too Many Requests"})
            return self._refused(api.api_id, stage, incoming, answer, "")
        kind = str(getattr(route, "authorization_type", None) or "NONE").upper()
        found = api.authorizers.get(getattr(route, "authorizer_id", None) or "")
        verdict = Verdict()
        if kind == "AWS_IAM":
            verdict = self._iam(incoming, arn, rest=False)
        elif kind == "JWT" and found is not None:
            config = getattr(found, "jwt_config", None) or {}
            issuer = str(config.get("Issuer") or config.get("issuer") or "")
            pool = re.fullmatch(
                rf"https://cognito-idp\.{re.escape(self.region)}\.amazonaws\.com/(.+)", issuer
            )
            verdict = self._user_pool(
                incoming,
                _v2_header_source(getattr(found, "identity_source", None)),
                [pool.group(1)] if pool else [],
                list(getattr(route, "authorization_scopes", None) or []),
                rest=False,
                audience=list(config.get("Audience") or config.get("audience") or []),
            )
        elif kind == "CUSTOM" and found is not None:
            verdict = self._http_lambda(found, arn, route, incoming, request)
        if verdict.refused is not None:
            return self._refused(api.api_id, stage, incoming, verdict.refused, kind)
        return verdict

    def _arn(self, api_id: str, stage: str, method: str, path: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"

    def _refused(self, api_id: str, stage: str, incoming: Incoming, answer: Answer, kind: str) -> Verdict:
        status, _, body = answer
        try:
            parsed = json.loads(body)
            message = str(parsed.get("message") or parsed.get("Message") or "")
        except ValueError:
            message = body.decode(errors="replace")
        why = {
            "AWS_IAM": "the route is IAM-authorized: sign the request with SigV4 (service execute-api)",
            "COGNITO_USER_POOLS": "send a token of the user pool in the Authorization header",
            "JWT": "send a token of the user pool in the Authorization header",
            "CUSTOM": "the Lambda authorizer refused the request",
            "": "the stage's throttle",
        }.get(kind, "")
        refused = Refused(
            api_id,
            stage,
            incoming.method,
            incoming.target.split("?", 1)[0],
            status,
            message.split("\n", 1)[0],
            why,
        )
        for listener in list(self.listeners):
            try:
                listener(refused)
            except Exception:  # a listener never breaks a request
                continue
        return Verdict(refused=answer)

    # -- AWS_IAM ----------------------------------------------------------------------------------

    def _iam(self, incoming: Incoming, arn: str, *, rest: bool) -> Verdict:
        forbidden = _answer(403, {"message": "Forbidden"}, "AccessDeniedException")
        signed = self.verify(incoming)
        if isinstance(signed, tuple):
            return Verdict(refused=signed if rest or signed[0] != 403 else forbidden)
        policies = self.identities.policies(signed)
        if policies is not None:
            decision = evaluate(policies, Request("execute-api:Invoke", (arn,)))
            if not decision.allowed:
                message = (
                    f"User: {signed.arn} is not authorized to perform: execute-api:Invoke on resource: {arn}"
                )
                if decision.reason.startswith("an explicit deny"):
                    message += " with an explicit deny"
                return Verdict(
                    refused=_answer(403, {"Message": message}, "AccessDeniedException") if rest else forbidden
                )
        caller = {
            "accessKey": signed.access_key,
            "accountId": signed.account_id,
            "caller": signed.principal_id,
            "user": signed.principal_id,
            "userArn": signed.arn,
        }
        if rest:
            return Verdict(identity=caller)
        iam = {
            "accessKey": signed.access_key,
            "accountId": signed.account_id,
            "callerId": signed.principal_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": signed.arn,
            "userId": signed.principal_id,
        }
        return Verdict(authorizer={"iam": iam})

    def verify(self, incoming: Incoming) -> Caller | Answer:
        """The caller whose SigV4 signature ``incoming`` carries, or API Gateway's refusal."""
        given = incoming.header("authorization")
        if not given:
            return _answer(403, {"message": MISSING_TOKEN}, "MissingAuthenticationTokenException")
        scheme, _, rest = given.strip().partition(" ")
        parts = dict(
            (k.strip(), v.strip()) for k, _, v in (p.partition("=") for p in rest.split(",")) if k.strip()
        )
        date = incoming.header("x-amz-date") or incoming.header("date")
        missing = [
            f"Authorization header requires '{name}' parameter."
            for name in ("Credential", "Signature", "SignedHeaders")
            if scheme != "AWS4-HMAC-SHA256" or name not in parts
        ]
        if not date:
            missing.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            )
        if missing:
            message = " ".join([*missing, f"Authorization={given}"])
            return _answer(403, {"message": message}, "IncompleteSignatureException")
        scope = parts["Credential"].split("/")
        if len(scope) != 5 or scope[4] != "aws4_request":
            return _answer(
                403,
                {"message": "Credential should be scoped to a valid region. "},
                "InvalidSignatureException",
            )
        key, _day, region, service = scope[:4]
        if service != "execute-api":
            message = "Credential should be scoped to correct service: 'execute-api'. "
            return _answer(403, {"message": message}, "InvalidSignatureException")
        if region != self.region:
            return _answer(
                403,
                {"message": "Credential should be scoped to a valid region. "},
                "InvalidSignatureException",
            )
        caller = self.identities.caller(key)
        token = incoming.header("x-amz-security-token")
        if caller is None or (caller.session_token is not None and token != caller.session_token):
            return _answer(403, {"message": INVALID_TOKEN}, "UnrecognizedClientException")
        assert date is not None
        when = _amz_date(date)
        now = datetime.now(UTC)
        if when is None or abs(now - when) > _SKEW:
            stamp = now.strftime("%Y%m%dT%H%M%SZ")
            earlier = (now - _SKEW).strftime("%Y%m%dT%H%M%SZ")
            message = f"Signature expired: {date} is now earlier than {earlier} ({stamp} - 15 min.)"
            return _answer(403, {"message": message}, "InvalidSignatureException")
        canonical, to_sign, signature = _signature(incoming, parts["SignedHeaders"], caller, region, date)
        if not hmac.compare_digest(signature, parts["Signature"]):
            message = (
                f"{SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'"
                f"\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
            )
            return _answer(403, {"message": message}, "InvalidSignatureException")
        return caller

    # -- Cognito user pools (REST) and JWT authorizers (HTTP API) -------------------------------------

    def _user_pool(
        self,
        incoming: Incoming,
        header: str,
        pools: list[str],
        scopes: list[str],
        *,
        rest: bool,
        audience: list[str] | None = None,
    ) -> Verdict:
        unauthorized = Verdict(refused=_answer(401, {"message": "Unauthorized"}, "UnauthorizedException"))
        token = (incoming.header(header) or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            return unauthorized
        kind = next(
            (k for k in (pool_token(self.account_id, self.region, p, token) for p in pools) if k), None
        )
        claims = _claims(token)
        if kind is None or claims is None:
            return unauthorized
        if float(claims.get("exp", 0)) < time.time():
            return Verdict(
                refused=_answer(401, {"message": "The incoming token has expired"}, "UnauthorizedException")
            )
        granted = str(claims.get("scope", "")).split()
        if scopes and (kind != "access" or not set(scopes) & set(granted)):
            return unauthorized
        if rest and not scopes and kind != "id":
            return unauthorized
        if audience and str(claims.get("aud") or claims.get("client_id") or "") not in audience:
            return unauthorized
        if rest:
            return Verdict(authorizer={"claims": {k: _text(v) for k, v in claims.items()}})
        return Verdict(
            authorizer={
                "jwt": {"claims": {k: _text(v) for k, v in claims.items()}, "scopes": granted or None}
            }
        )

    # -- Lambda authorizers -------------------------------------------------------------------------

    def _rest_lambda(
        self, found: Any, arn: str, template: str, incoming: Incoming, request: Mapping[str, Any]
    ) -> Verdict:
        unauthorized = Verdict(refused=_answer(401, {"message": "Unauthorized"}, "UnauthorizedException"))
        failed = Verdict(refused=_answer(500, {"message": None}, "AuthorizerConfigurationException"))
        function = _LAMBDA_URI.match(str(getattr(found, "authorizer_uri", "") or ""))
        if found is None or function is None:
            return failed
        kind = str(getattr(found, "type", None) or "TOKEN").upper()
        sources = [
            s.strip() for s in str(getattr(found, "identity_source", None) or "").split(",") if s.strip()
        ]
        values = [_source_value(s, request) for s in sources]
        if any(v is None for v in values):
            return unauthorized
        event: dict[str, Any]
        if kind == "TOKEN":
            token = str(values[0]) if values else ""
            pattern = getattr(found, "identity_validation_expression", None)
            if not token or (pattern and not re.fullmatch(str(pattern), token)):
                return unauthorized
            event = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
        else:
            event = _rest_request_event(arn, template, incoming, request)
        ttl = int(getattr(found, "authorizer_result_ttl", None) or (300 if values else 0))
        answer, error = self._authorize(
            ("rest", str(found.id), *[str(v) for v in values]),
            function.group("arn"),
            event,
            ttl if values else 0,
        )
        if error:
            return unauthorized if answer == "Unauthorized" else failed
        if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
            return failed
        decision = evaluate([answer["policyDocument"]], Request("execute-api:Invoke", (arn,)))
        if not decision.allowed:
            message = "User is not authorized to access this resource"
            if decision.reason.startswith("an explicit deny"):
                message += " with an explicit deny"
            return Verdict(refused=_answer(403, {"Message": message}, "AccessDeniedException"))
        context = {k: v for k, v in (answer.get("context") or {}).items() if not isinstance(v, dict | list)}
        return Verdict(authorizer={**context, "principalId": answer.get("principalId")})

    def _http_lambda(
        self, found: Any, arn: str, route: Any, incoming: Incoming, request: Mapping[str, Any]
    ) -> Verdict:
        function = _LAMBDA_URI.match(str(getattr(found, "authorizer_uri", "") or ""))
        failed = Verdict(refused=_answer(500, {"message": "Internal Server Error"}))
        if function is None:
            return failed
        sources = [str(s) for s in (getattr(found, "identity_source", None) or [])]
        values = [_source_value(s, request, _HTTP_SOURCES) for s in sources]
        if any(v is None for v in values):
            return Verdict(refused=_answer(401, {"message": "Unauthorized"}))
        event = {
            **dict(request.get("event") or {}),
            "type": "REQUEST",
            "routeArn": arn,
            "identitySource": values or None,
        }
        ttl = int(getattr(found, "auth_result_ttl", None) or 0)
        answer, error = self._authorize(
            ("http", str(found.id), *[str(v) for v in values]),
            function.group("arn"),
            event,
            ttl if values else 0,
        )
        forbidden = Verdict(refused=_answer(403, {"message": "Forbidden"}))
        if error or not isinstance(answer, dict):
            return failed
        if getattr(found, "enable_simple_response", False):
            if answer.get("isAuthorized") is not True:
                return forbidden
        elif (
            not isinstance(answer.get("policyDocument"), dict)
            or not evaluate([answer["policyDocument"]], Request("execute-api:Invoke", (arn,))).allowed
        ):
            return forbidden
        context = answer.get("context") or {}
        if not getattr(found, "enable_simple_response", False):
            context = {**context, "principalId": answer.get("principalId")}
        return Verdict(authorizer={"lambda": context})

    def _authorize(self, key: tuple[str, ...], function_arn: str, event: Any, ttl: int) -> tuple[Any, bool]:
        """(the authorizer's answer, whether it failed), from the cache while its TTL lasts."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.until > now:
                return cached.answer, False
        answer, failed = self._invoke(function_arn, event, "authorizer")
        if failed and isinstance(answer, dict):
            answer = answer.get("errorMessage")
        if not failed and ttl > 0:
            with self._lock:
                self._cache[key] = _Cached(now + ttl, answer)
        return answer, failed


# -- helpers --------------------------------------------------------------------------------------


class _Recompute(SigV4Auth):
    """botocore's signer over exactly the headers the client signed."""

    def __init__(
        self, credentials: Credentials, region: str, signed: list[str], headers: Mapping[str, str]
    ) -> None:
        super().__init__(credentials, "execute-api", region)
        self._signed = signed
        self._headers = headers

    def headers_to_sign(self, request: AWSRequest) -> Any:
        chosen = super().headers_to_sign(request)
        for name in list(chosen.keys()):
            del chosen[name]
        for name in self._signed:
            value = next((v for k, v in self._headers.items() if k.lower() == name), None)
            if value is not None:
                chosen[name] = value
        return chosen


def _signature(
    incoming: Incoming, signed_headers: str, caller: Caller, region: str, date: str
) -> tuple[str, str, str]:
    """(canonical request, string to sign, signature) of ``incoming`` as signed by ``caller``."""
    host = incoming.header("host") or "localhost"
    request = AWSRequest(method=incoming.method, url=f"http://{host}{incoming.target}", data=incoming.body)
    content_hash = incoming.header("x-amz-content-sha256")
    if content_hash:
        request.headers["X-Amz-Content-SHA256"] = content_hash
    request.context["timestamp"] = date
    signer = _Recompute(
        Credentials(caller.access_key, caller.secret, caller.session_token),
        region,
        [h.strip().lower() for h in signed_headers.split(";") if h.strip()],
        incoming.headers,
    )
    canonical = signer.canonical_request(request)
    to_sign = signer.string_to_sign(request, canonical)
    return canonical, to_sign, signer.signature(to_sign, request)


def _amz_date(value: str) -> datetime | None:
    for pattern in ("%Y%m%dT%H%M%SZ", "%a, %d %b %Y %H:%M:%S GMT"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def _text(value: Any) -> str:
    """A claim as REST API Gateway passes it: a string (lists as ``[a b]``)."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


def _header_source(source: Any) -> str:
    """The header a REST authorizer's ``method.request.header.X`` identity source names."""
    text = str(source or "method.request.header.Authorization")
    return text.rsplit(".", 1)[-1] if text.startswith("method.request.header.") else "Authorization"


def _v2_header_source(source: Any) -> str:
    """The header an HTTP API authorizer's ``$request.header.X`` identity source names."""
    listed = source if isinstance(source, list) else [source] if source else []
    for entry in listed:
        if str(entry).startswith("$request.header."):
            return str(entry)[len("$request.header.") :]
    return "Authorization"


def _lookup(mapping: Mapping[str, Any] | None, name: str, *, fold: bool) -> str | None:
    for key, value in (mapping or {}).items():
        if key == name or (fold and key.lower() == name.lower()):
            return str(value)
    return None


_REST_SOURCES = {
    "method.request.header.": ("headers", True),
    "method.request.querystring.": ("query", False),
    "method.request.path.": ("path_parameters", False),
    "stageVariables.": ("stage_variables", False),
}
"""Where a REST authorizer's identity sources are read: prefix -> (part of the request, whether
names are case-insensitive)."""
_HTTP_SOURCES = {
    "$request.header.": ("headers", True),
    "$request.querystring.": ("query", False),
    "$stageVariables.": ("stage_variables", False),
}
"""The same for an HTTP API authorizer's."""


def _source_value(
    source: str, request: Mapping[str, Any], kinds: Mapping[str, tuple[str, bool]] = _REST_SOURCES
) -> str | None:
    """An identity source's value (``method.request.header.X``, ``$request.header.X``...), None
    when absent or empty."""
    for prefix, (where, fold) in kinds.items():
        if source.startswith(prefix):
            return _lookup(request.get(where), source[len(prefix) :], fold=fold) or None
    return None


def _rest_request_event(
    arn: str, template: str, incoming: Incoming, request: Mapping[str, Any]
) -> dict[str, Any]:
    """The event of a REST ``REQUEST`` authorizer."""
    headers = dict(request.get("headers") or {})
    query = parse_qs(incoming.target.partition("?")[2], keep_blank_values=True)
    stage_path = unquote(incoming.target.split("?", 1)[0])
    return {
        "type": "REQUEST",
        "methodArn": arn,
        "resource": template,
        "path": stage_path,
        "httpMethod": incoming.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()},
        "multiValueQueryStringParameters": query,
        "pathParameters": dict(request.get("path_parameters") or {}),
        "stageVariables": dict(request.get("stage_variables") or {}),
        "requestContext": dict(request.get("context") or {}),
    }


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    credentials: tuple[str, str, str | None],
    region: str,
) -> dict[str, str]:
    """``headers`` with the SigV4 headers (``Authorization``, ``X-Amz-Date``, the session token)
    of a request to ``url`` signed for ``execute-api`` with ``credentials``, by botocore's signer."""
    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    request.headers["host"] = urlsplit(url).netloc
    SigV4Auth(Credentials(*credentials), "execute-api", region).add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}
