"""ApiToLambda: an API Gateway API whose routes invoke Lambda functions through their ``live`` alias."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    Graph,
    InvocationType,
    MonitoringOptions,
    Pattern,
    PatternFunction,
)
from ..core.domain import Domain, attach_domain, check_domain
from ..core.given import FromLocals
from ..core.ids import unique_id
from ..core.rest_api import (
    AUTHORIZED_BY,
    ApiMetrics,
    StageAccess,
    acknowledge_methods,
    api_metrics,
    method_authorization,
    secure_rest_api,
    stage_problems,
    usage_plan,
)
from ..core.routes import METHODS as _METHODS
from ..core.routes import Route, parse_routes
from ..core.routes import route_id as _route_id
from ..core.slo import Sli, Slo
from ..errors import Problems, is_token

if TYPE_CHECKING:
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_cognito as cognito

__all__ = ["ApiToLambda", "ApiType", "Authorization", "Cors"]

PROXY_ROUTE = "ANY /{proxy+}"
REST_MAX_TIMEOUT_SECONDS = 29
HTTP_MAX_TIMEOUT_SECONDS = 30
_I = TypeVar("_I")
_AUTHORIZATION_KINDS = ("iam", "cognito", "api_key", "lambda", "none")
MAX_CORS_MAX_AGE_SECONDS = 86_400


class ApiType(StrEnum):
    """Which API Gateway flavour fronts the functions."""

    REST = "rest"
    """API Gateway REST API (v1): request validation, usage plans, API keys, WAF, execution logs."""
    HTTP = "http"
    """API Gateway HTTP API (v2): lower cost and latency, fewer features."""


@dataclass(frozen=True)
class Authorization:
    """How callers are authorized. Build one with the class methods; the default is :meth:`iam`."""

    kind: str = "iam"
    """iam, cognito, api_key, lambda or none. Default: iam"""
    user_pool: cognito.IUserPool | None = None
    """The Cognito user pool (kind cognito). Default: - none"""
    scopes: Sequence[str] = ()
    """OAuth scopes a Cognito access token must carry (kind cognito). Default: - none"""
    authorizer: FunctionSpec | None = None
    """The Lambda authorizer's function (kind lambda). Default: - none"""

    @classmethod
    def iam(cls) -> Authorization:
        """SigV4-signed requests from IAM principals allowed ``execute-api:Invoke``."""
        return cls("iam")

    @classmethod
    def cognito(cls, user_pool: cognito.IUserPool, scopes: Sequence[str] = ()) -> Authorization:
        """Bearer tokens from a Cognito user pool, optionally requiring OAuth scopes."""
        return cls("cognito", user_pool=user_pool, scopes=tuple(scopes))

    @classmethod
    def api_key(cls) -> Authorization:
        """An API key with a usage plan (REST APIs only). Keys identify callers; they do not authenticate."""
        return cls("api_key")

    @classmethod
    def lambda_authorizer(cls, function: FunctionSpec) -> Authorization:
        """A Lambda token authorizer (REST) or simple-response authorizer (HTTP) built from ``function``."""
        return cls("lambda", authorizer=function)

    @classmethod
    def none(cls) -> Authorization:
        """No authorization: anyone on the internet may call the API. Choose this explicitly."""
        return cls("none")


@dataclass(frozen=True)
class Cors:
    """CORS for browser callers. Preflight (OPTIONS) stays unauthenticated, as browsers require."""

    allow_origins: Sequence[str]
    """Origins allowed, for example ``["https://app.example.com"]``."""
    allow_methods: Sequence[str] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    """Methods allowed. Default: GET, POST, PUT, PATCH, DELETE"""
    allow_headers: Sequence[str] = (
        "Content-Type",
        "Authorization",
        "X-Amz-Date",
        "X-Api-Key",
        "X-Amz-Security-Token",
    )
    """Request headers allowed. Default: Content-Type, Authorization, X-Amz-Date, X-Api-Key, X-Amz-Security-Token"""
    max_age: cdk.Duration | None = None
    """How long browsers cache the preflight. Default: - 10 minutes"""


class ApiToLambda(StageAccess, Pattern):
    """An API Gateway API in front of Lambda functions, secured, throttled, logged and alarmed.

    Give either ``routes`` (``{"GET /users/{id}": FunctionSpec(...)}``) or one ``function`` that
    receives every request (``ANY /`` and ``ANY /{proxy+}``).
    """

    _SLO_PER_FUNCTION = False  # an SLO is measured on the API stage, what callers see

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Mapping[str, FunctionSpec] | None = None,
        function: FunctionSpec | None = None,
        api_type: ApiType = ApiType.REST,
        authorization: Authorization | None = None,
        cors: Cors | None = None,
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        stage_name: str = "prod",
        web_acl_arn: str | None = None,
        domain: Domain | None = None,
        account_logging_role: bool = True,
        access_log_retention: logs.RetentionDays | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param routes: Route key (``"METHOD /path"``, path parameters in braces) to the function
            serving it. Routes with equal specs share one function. Default: - none; give ``function``
        :param function: One function serving every path and method (proxy). Default: - none; give ``routes``
        :param api_type: ``ApiType.REST`` or ``ApiType.HTTP``. Default: ApiType.REST
        :param authorization: How callers are authorized. Default: - Authorization.iam()
        :param cors: CORS for browser callers. Default: - no CORS
        :param throttling_rate_limit: Steady-state requests per second for the stage. Default: 100
        :param throttling_burst_limit: Burst of requests for the stage. Default: 200
        :param stage_name: Name of the stage. Default: prod
        :param web_acl_arn: ARN of a WAFv2 web ACL (REGIONAL) to associate with the REST stage.
            Default: - no web ACL
        :param domain: A custom domain name in front of the stage (``Domain("api.example.com",
            hosted_zone=zone)``): TLS 1.2, a DNS-validated certificate, alias records.
            Default: - the ``execute-api`` endpoint only
        :param account_logging_role: Create the account-level role API Gateway needs to write execution
            logs (REST). Set False when the account already has one. Default: True
        :param access_log_retention: Retention of the stage's access log group.
            Default: - the stage's: ONE_MONTH (prod), ONE_WEEK (dev)
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the API stage (5XX responses of all requests; its
            ``Latency``); its fast burn rolls every function's canary back. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        authorization = authorization or Authorization.iam()
        props = _Props.of(locals())
        parsed = self._validate(props)
        self.api_type = api_type
        self._stage_name = stage_name
        wiring = self._wiring(props, parsed, id)
        if api_type == ApiType.REST:
            api_widgets = self._build_rest(wiring, web_acl_arn, account_logging_role)
        else:
            api_widgets = self._build_http(wiring)
        self.domain = attach_domain(self, domain, self.api, self._stage) if domain is not None else None
        """The custom domain's resources (None without ``domain``)."""
        if domain is not None:
            self._url = domain.url
        self._dashboard_section(api_widgets)

    def _wiring(self, props: _Props, parsed: list[Route[FunctionSpec]], id: str) -> _Wiring:
        """The routes' functions (one per distinct spec, in route order), the authorizer's, and the
        access log group: what either kind of API is built from."""
        route_function: dict[str, PatternFunction] = {}
        specs: list[tuple[FunctionSpec, PatternFunction]] = []
        used_ids: set[str] = set()
        for route in parsed:
            shared = next((pf for spec, pf in specs if spec == route.spec), None)
            if shared is None:
                shared = self._function(
                    self,
                    unique_id(_route_id(route) + "Function", used_ids),
                    spec=route.spec,
                    invocation=InvocationType.SYNC,
                    service_name=id,
                )
                specs.append((route.spec, shared))
            route_function[route.key] = shared
        authorizer_function = self._authorizer_function(props.authorization, id)
        self.access_log_group = self._defaults.log_group(self, "AccessLogs", props.access_log_retention)
        self.functions.update({k: pf.function for k, pf in route_function.items()})
        return _Wiring(
            parsed,
            route_function,
            props.authorization,
            authorizer_function,
            props.cors,
            props.throttling_rate_limit,
            props.throttling_burst_limit,
            props.stage_name,
        )

    def _authorizer_function(self, authorization: Authorization, id: str) -> PatternFunction | None:
        if authorization.kind != "lambda" or authorization.authorizer is None:
            return None
        return self._function(
            self,
            "AuthorizerFunction",
            spec=authorization.authorizer,
            invocation=InvocationType.SYNC,
            service_name=f"{id}Authorizer",
        )

    # ------------------------------------------------------------------ public API
    @property
    def url(self) -> str:
        """The URL clients call: the custom domain's (``https://name/``), else the stage's invoke URL."""
        return self._url

    def metric_server_error(self, **options: Any) -> cw.IMetric:
        """The 5XX responses of the stage (``5XXError`` for REST, ``5xx`` for HTTP; Sum over five minutes)."""
        return self._metric(self._metrics.errors_5xx, options)

    def metric_client_error(self, **options: Any) -> cw.IMetric:
        """The 4XX responses of the stage (``4XXError`` for REST, ``4xx`` for HTTP; Sum over five minutes)."""
        return self._metric(self._metrics.errors_4xx, options)

    # ------------------------------------------------------------------ validation
    def _validate(self, props: _Props) -> list[Route[FunctionSpec]]:
        problems = self._problems()
        problems.one_of("api_type", props.api_type, list(ApiType))
        parsed = _validate_routes(props, problems)
        _validate_route_functions(parsed, props, problems)
        authorization = props.authorization
        if problems.instance("authorization", authorization, Authorization, "an Authorization"):
            problems.extend(_authorization_problems(authorization, props.api_type))
        if props.cors is not None and problems.instance("cors", props.cors, Cors, "a Cors"):
            problems.extend(_cors_problems(props.cors))
        _validate_stage(props, problems)
        check_domain(problems, props.domain)
        integration_timeout = (
            REST_MAX_TIMEOUT_SECONDS if props.api_type == ApiType.REST else HTTP_MAX_TIMEOUT_SECONDS
        )
        self._slo_timeouts(problems, [("the API's integration timeout", integration_timeout)])
        self._check(problems)
        return parsed

    # ------------------------------------------------------------------ REST
    def _build_rest(
        self, wiring: _Wiring, web_acl_arn: str | None, account_logging_role: bool
    ) -> list[Graph]:
        api = secure_rest_api(
            self,
            "Resource",
            description=f"{self.path} (serverless-patterns ApiToLambda)",
            access_log_group=self.access_log_group,
            stage_name=wiring.stage_name,
            throttling_rate_limit=wiring.rate,
            throttling_burst_limit=wiring.burst,
            account_logging_role=account_logging_role,
            web_acl_arn=web_acl_arn,
            web_acl_prop="web_acl_arn",
            authorization=AUTHORIZED_BY[wiring.authorization.kind],
            cors_preflight=_cors_preflight(wiring.cors),
        )
        self.api: apigw.RestApi | apigwv2.HttpApi = api
        """The API: ``apigateway.RestApi`` (REST) or ``apigatewayv2.HttpApi`` (HTTP)."""
        validator = api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        method_options = {"request_validator": validator, **self._rest_authorization(wiring)}
        methods: list[apigw.Method] = []
        for route, integration in wiring.integrations(
            lambda pf: apigw.LambdaIntegration(pf.alias, allow_test_invoke=False)
        ):
            resource = api.root if route.path == "/" else api.root.resource_for_path(route.path)
            methods.append(resource.add_method(route.method, integration, **method_options))  # type: ignore[arg-type]
        self.api_key: apigw.IApiKey | None = (
            usage_plan(api, wiring.rate, wiring.burst) if wiring.authorization.kind == "api_key" else None
        )
        acknowledge_methods(methods, wiring.authorization.kind, api, cors=wiring.cors is not None)
        self._url = api.url
        self._stage: apigw.Stage | apigwv2.HttpStage = api.deployment_stage
        return self._api_alarms_and_widgets(
            api_metrics({"ApiName": api.rest_api_name, "Stage": wiring.stage_name})
        )

    def _rest_authorization(self, wiring: _Wiring) -> dict[str, object]:
        """The method options that authorize a request as ``wiring.authorization`` says."""
        authorization = wiring.authorization
        return method_authorization(
            self,
            authorization.kind,
            user_pool=authorization.user_pool,
            scopes=authorization.scopes,
            authorizer=wiring.authorizer_function.alias if wiring.authorizer_function else None,
        )

    # ------------------------------------------------------------------ HTTP
    def _build_http(self, wiring: _Wiring) -> list[Graph]:
        # aws-cdk-lib's HTTP API modules load here, for an HTTP API only.
        from ..core import http_api

        api, stage = http_api.secure_http_api(
            self,
            "Resource",
            description=f"{self.path} (serverless-patterns ApiToLambda)",
            default_authorizer=http_api.authorizer(
                wiring.authorization.kind,
                user_pool=wiring.authorization.user_pool,
                function=wiring.authorizer_function.alias if wiring.authorizer_function else None,
            ),
            scopes=wiring.authorization.scopes,
            cors=wiring.cors,
            stage_name=wiring.stage_name,
            rate=wiring.rate,
            burst=wiring.burst,
            access_log_group=self.access_log_group,
        )
        self.api = api
        self.api_key = None
        for route, integration in wiring.integrations(
            lambda pf: http_api.lambda_integration(pf.alias, f"{pf.node.id}Integration")
        ):
            http_api.add_route(api, route.path, route.method, integration)
        self._url = stage.url
        self._stage = stage
        return self._api_alarms_and_widgets(
            api_metrics({"ApiId": api.api_id, "Stage": wiring.stage_name}, http_api=True)
        )

    def _api_alarms_and_widgets(self, metrics: ApiMetrics) -> list[Graph]:
        """The API's alarms (about the new code: they roll every function's canary back) and graphs."""
        self._metrics = metrics
        subject = f"{self.path} API"
        self._alarms(
            self,
            ("ServerErrorRateAlarm", AlarmKind.SERVER_ERROR_RATE, metrics.server_error_rate(), subject),
            ("LatencyP99Alarm", AlarmKind.LATENCY_P99, metrics.latency, subject),
        )
        self._slo_alarms(self, Sli(metrics.errors_5xx, metrics.count, metrics.latency, subject, "API"))
        return metrics.widgets()


@dataclass(frozen=True)
class _Wiring:
    """What a REST and an HTTP API are both built from: the routes, the function serving each, and
    the validated settings."""

    routes: list[Route[FunctionSpec]]
    route_function: Mapping[str, PatternFunction]
    authorization: Authorization
    authorizer_function: PatternFunction | None
    cors: Cors | None
    rate: float
    burst: int
    stage_name: str

    def integrations(
        self, integrate: Callable[[PatternFunction], _I]
    ) -> Iterator[tuple[Route[FunctionSpec], _I]]:
        """Each route with the integration of its function, made by ``integrate`` once per function
        (routes that share a function share its integration)."""
        made: dict[int, _I] = {}
        for route in self.routes:
            pf = self.route_function[route.key]
            if id(pf) not in made:
                made[id(pf)] = integrate(pf)
            yield route, made[id(pf)]


@dataclass(frozen=True)
class _Props(FromLocals):
    """The props as given (their defaults are the constructor's; ``authorization`` resolved)."""

    routes: Mapping[str, FunctionSpec] | None
    function: FunctionSpec | None
    api_type: ApiType
    authorization: Authorization
    cors: Cors | None
    throttling_rate_limit: float
    throttling_burst_limit: int
    stage_name: str
    web_acl_arn: str | None
    domain: Domain | None
    account_logging_role: bool
    access_log_retention: logs.RetentionDays | None


def _validate_routes(props: _Props, problems: Problems) -> list[Route[FunctionSpec]]:
    """The routes to build (``routes`` parsed, or the two proxy routes of ``function``); their
    problems go to ``problems``."""
    routes, function = props.routes, props.function
    if routes is not None and function is not None:
        problems.add("give either routes or function, not both")
    elif routes is None and function is None:
        problems.add("give routes (a map of 'METHOD /path' to FunctionSpec) or function (a proxy)")
    elif function is not None:
        return [Route("ANY /", "ANY", "/", function), Route(PROXY_ROUTE, "ANY", "/{proxy+}", function)]
    elif not isinstance(routes, Mapping):
        problems.add(
            f"routes must be a mapping of 'METHOD /path' to FunctionSpec, got {type(routes).__name__}"
        )
    else:
        parsed = parse_routes(routes, problems)
        for route in parsed:
            if props.cors is not None and route.method == "OPTIONS":
                problems.add(
                    f"routes: {route.key!r} conflicts with the CORS preflight; drop the route or the cors prop"
                )
        return parsed
    return []


def _validate_route_functions(parsed: list[Route[FunctionSpec]], props: _Props, problems: Problems) -> None:
    """Each distinct FunctionSpec once: its own problems, and a timeout the API's integration allows."""
    api_type = props.api_type
    max_timeout = REST_MAX_TIMEOUT_SECONDS if api_type == ApiType.REST else HTTP_MAX_TIMEOUT_SECONDS
    checked: list[FunctionSpec] = []
    for route in parsed:
        if any(route.spec == c for c in checked):
            continue
        checked.append(route.spec)
        label = "function" if props.function is not None else f"routes[{route.key!r}]"
        if not isinstance(route.spec, FunctionSpec):
            problems.add(f"{label} must be a FunctionSpec, got {type(route.spec).__name__}")
            continue
        problems.extend(route.spec.problems(label))
        seconds = route.spec.timeout_seconds
        if seconds is not None and max_timeout < seconds <= 900 and api_type in tuple(ApiType):
            problems.add(
                f"{label}.timeout must be <= {max_timeout} seconds behind a {api_type.upper()} API "
                f"(its integration timeout), got {seconds:g}"
            )


def _validate_stage(props: _Props, problems: Problems) -> None:
    """The stage's throttle, name, web ACL, logging role and access log retention."""
    stage_problems(props, problems, rest=props.api_type == ApiType.REST)


def _cors_preflight(cors: Cors | None) -> apigw.CorsOptions | None:
    if cors is None:
        return None
    return apigw.CorsOptions(
        allow_origins=list(cors.allow_origins),
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        max_age=cors.max_age or cdk.Duration.minutes(10),
    )


def _authorization_problems(authorization: Authorization, api_type: object) -> list[str]:
    found = Problems()
    kind = authorization.kind
    found.one_of("authorization.kind", kind, _AUTHORIZATION_KINDS)
    if kind == "cognito" and authorization.user_pool is None:
        found.add("authorization: cognito needs a user_pool")
    if authorization.user_pool is not None:
        if kind != "cognito":
            found.add(f"authorization.user_pool applies to cognito authorization only, got kind {kind!r}")
        else:
            found.interface(
                "authorization.user_pool", authorization.user_pool, ("user_pool_arn",), "a cognito.IUserPool"
            )
    scopes = authorization.scopes
    if found.sequence("authorization.scopes", scopes, "OAuth scope names"):
        if scopes and kind != "cognito":
            found.add(f"authorization.scopes apply to cognito authorization only, got kind {kind!r}")
        for scope in scopes:
            found.require(
                isinstance(scope, str) and bool(scope) and " " not in scope,
                f"authorization.scopes entries must be scope names without spaces, got {scope!r}",
            )
    if kind == "lambda":
        if not isinstance(authorization.authorizer, FunctionSpec):
            found.add("authorization: lambda needs a FunctionSpec for the authorizer")
        else:
            found.extend(authorization.authorizer.problems("authorization.authorizer"))
    elif authorization.authorizer is not None:
        found.add(f"authorization.authorizer applies to lambda authorization only, got kind {kind!r}")
    if kind == "api_key" and api_type == ApiType.HTTP:
        found.add("authorization: api_key is only supported by REST APIs (api_type=ApiType.REST)")
    return list(found)


def _cors_problems(cors: Cors) -> list[str]:
    found = Problems()
    origins = cors.allow_origins
    if found.sequence("cors.allow_origins", origins, "origins"):
        found.require(bool(origins), "cors.allow_origins must name at least one origin, got []")
        if "*" in origins and len(origins) > 1:
            found.add(f"cors.allow_origins: '*' allows every origin; give it alone, got {list(origins)!r}")
        for origin in origins:
            found.require(
                is_token(origin)
                or origin == "*"
                or (isinstance(origin, str) and re.match(r"^https?://[^/\s]+$", origin) is not None),
                f"cors.allow_origins entries must be '*' or scheme://host[:port], got {origin!r}",
            )
    if found.sequence("cors.allow_methods", cors.allow_methods, "methods"):
        found.require(bool(cors.allow_methods), "cors.allow_methods must name at least one method, got []")
        for method in cors.allow_methods:
            found.require(
                method in _METHODS,
                f"cors.allow_methods entries must be among {', '.join(_METHODS)}, got {method!r}",
            )
        if "ANY" in cors.allow_methods and len(cors.allow_methods) > 1:
            found.add(
                f"cors.allow_methods: ANY stands for every method; give it alone, got {cors.allow_methods!r}"
            )
    if found.sequence("cors.allow_headers", cors.allow_headers, "header names"):
        for header in cors.allow_headers:
            found.require(
                isinstance(header, str) and re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", header) is not None,
                f"cors.allow_headers entries must be header names, got {header!r}",
            )
    found.duration("cors.max_age", cors.max_age, 0, MAX_CORS_MAX_AGE_SECONDS)
    return list(found)
