"""WebSocketApi's option types and the checks of its props, run before anything is built."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_logs as logs

from ...core import FunctionSpec
from ...core.domain import Domain, check_domain
from ...core.given import FromLocals
from ...core.rest_api import stage_problems
from ...errors import Problems

__all__ = ["WebSocketAuthorizer"]

CONNECT = "$connect"
DISCONNECT = "$disconnect"
DEFAULT = "$default"
RESERVED_ROUTES = (CONNECT, DISCONNECT, DEFAULT)
# API Gateway's integration timeout of a WebSocket API: 50 ms..29 s.
MAX_TIMEOUT_SECONDS = 29
MAX_ROUTE_KEY_LENGTH = 128
_AUTHORIZATION_KINDS = ("iam", "none")
_CUSTOM_ROUTE = re.compile(r"^[^\s$][^\s]*$")
# Where a WebSocket REQUEST authorizer reads the identity of a $connect request.
_IDENTITY_SOURCE = re.compile(
    r"^(route\.request\.(header|querystring)\.[A-Za-z0-9._~!$&'*+^`|-]+|(stageVariables|context)\.[A-Za-z0-9_.]+)$"
)


@dataclass(frozen=True)
class WebSocketAuthorizer:
    """A Lambda REQUEST authorizer on the ``$connect`` route: API Gateway calls it with the
    identity sources of the connection request and lets the connection in when the IAM policy it
    returns allows ``execute-api:Invoke`` on the request's ``methodArn``."""

    function: FunctionSpec
    """The authorizer function. It returns ``{"principalId": ..., "policyDocument": {...}}``
    (optionally a ``context``, which every route's event then carries in
    ``requestContext.authorizer``)."""
    identity_source: Sequence[str] = ("route.request.querystring.token",)
    """Where the identity is read: ``route.request.header.<name>``,
    ``route.request.querystring.<name>``, ``stageVariables.<name>`` or ``context.<name>``; a
    request without them is refused before the authorizer runs.
    Default: route.request.querystring.token"""


@dataclass(frozen=True)
class Props(FromLocals):
    """The props as given (their defaults are the constructor's)."""

    routes: Mapping[str, FunctionSpec]
    authorization: str | WebSocketAuthorizer
    senders: Sequence[str] | None
    stage_name: str
    throttling_rate_limit: float
    throttling_burst_limit: int
    account_logging_role: bool
    access_log_retention: logs.RetentionDays | None
    domain: Domain | None

    @property
    def web_acl_arn(self) -> None:
        """None: WAF cannot be associated with a WebSocket API."""
        return None

    @property
    def authorizer(self) -> WebSocketAuthorizer | None:
        return self.authorization if isinstance(self.authorization, WebSocketAuthorizer) else None

    @property
    def authorization_kind(self) -> str:
        """``iam``, ``lambda`` or ``none``."""
        return "lambda" if self.authorizer is not None else str(self.authorization)


def problems(props: Props, found: Problems) -> None:
    """Every problem of ``props``, added to ``found``."""
    routes = _route_problems(props.routes, found)
    _authorization_problems(props, routes, found)
    _sender_problems(props.senders, routes, found)
    stage_problems(props, found, rest=False)
    check_domain(found, props.domain)


def _route_problems(routes: object, found: Problems) -> list[str]:
    """The route keys and their functions; returns the keys that are valid."""
    if not isinstance(routes, Mapping):
        found.add(f"routes must be a mapping of route key to FunctionSpec, got {type(routes).__name__}")
        return []
    if not routes:
        found.add("routes must have at least one route, got {}")
    keys: list[str] = []
    for key, spec in routes.items():
        if not isinstance(key, str) or not _route_key_ok(key):
            found.add(
                f"routes: {key!r} is no route key: give '$connect', '$disconnect', '$default' or a "
                f"custom key (the message's 'action'): 1..{MAX_ROUTE_KEY_LENGTH} characters, no "
                "whitespace, not starting with '$'"
            )
            continue
        keys.append(key)
        _function_problems(f"routes[{key!r}]", spec, found)
    return keys


def _route_key_ok(key: str) -> bool:
    return key in RESERVED_ROUTES or (
        len(key) <= MAX_ROUTE_KEY_LENGTH and _CUSTOM_ROUTE.match(key) is not None
    )


def _function_problems(label: str, spec: object, found: Problems) -> None:
    """The spec's own problems, and a timeout the integration allows."""
    if not isinstance(spec, FunctionSpec):
        found.add(f"{label} must be a FunctionSpec, got {type(spec).__name__}")
        return
    found.extend(spec.problems(label))
    seconds = spec.timeout_seconds
    if seconds is not None and MAX_TIMEOUT_SECONDS < seconds <= 900:
        found.add(
            f"{label}.timeout must be <= {MAX_TIMEOUT_SECONDS} seconds behind a WebSocket API "
            f"(its integration timeout), got {seconds:g}"
        )


def _authorization_problems(props: Props, routes: Sequence[str], found: Problems) -> None:
    authorization = props.authorization
    authorizer = props.authorizer
    if authorizer is None:
        if authorization not in _AUTHORIZATION_KINDS:
            found.add(f"authorization must be 'iam', 'none' or a WebSocketAuthorizer, got {authorization!r}")
            return
    else:
        _function_problems("authorization.function", authorizer.function, found)
        sources = authorizer.identity_source
        if found.sequence("authorization.identity_source", sources, "identity sources"):
            found.require(
                bool(sources), "authorization.identity_source must name at least one source, got []"
            )
            for source in sources:
                found.require(
                    isinstance(source, str) and _IDENTITY_SOURCE.match(source) is not None,
                    "authorization.identity_source entries must be route.request.header.<name>, "
                    "route.request.querystring.<name>, stageVariables.<name> or context.<name>, "
                    f"got {source!r}",
                )
    if authorization != "none" and isinstance(props.routes, Mapping) and CONNECT not in props.routes:
        found.add(
            f"authorization {props.authorization_kind!r} is checked on the '$connect' route, which "
            "routes lacks: add a '$connect' route (or choose authorization='none' explicitly)"
        )


def _sender_problems(senders: object, routes: Sequence[str], found: Problems) -> None:
    if senders is None or not found.sequence("senders", senders, "route keys"):
        return
    assert isinstance(senders, Sequence)
    for sender in senders:
        found.require(
            sender in routes,
            f"senders entries must be route keys of routes ({', '.join(map(repr, routes))}), got {sender!r}",
        )
