"""REST APIs, written once: a regional API Gateway REST API whose stage is logged, traced and
throttled, with its WAF association or acknowledgment, and the metrics its alarms read."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from ..errors import Problems, is_token
from .monitoring import AlarmKind, ExpressionSpec, Graph, MetricSpec, Monitoring
from .nag import acknowledge

if TYPE_CHECKING:
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_lambda as lambda_

__all__ = [
    "AUTHORIZED_BY",
    "ApiMetrics",
    "ServiceResponse",
    "StageAccess",
    "access_log_format",
    "acknowledge_methods",
    "api_metrics",
    "method_authorization",
    "secure_rest_api",
    "service_integration",
    "stage_problems",
    "usage_plan",
]


# What each authorization kind requires of a request, for acknowledgment reasons.
AUTHORIZED_BY = {
    "iam": "an IAM (SigV4) signature of a principal granted execute-api:Invoke",
    "cognito": "a token of the Cognito user pool",
    "lambda": "the approval of the Lambda authorizer",
    "api_key": "an API key of a usage plan (which identifies callers, it does not authenticate them)",
    "none": "none",
}


def access_log_format() -> apigw.AccessLogFormat:
    """JSON access logs with every standard field (shared by REST and HTTP API stages)."""
    return apigw.AccessLogFormat.json_with_standard_fields(
        caller=True,
        http_method=True,
        ip=True,
        protocol=True,
        request_time=True,
        resource_path=True,
        response_length=True,
        status=True,
        user=True,
    )


def secure_rest_api(
    scope: Construct,
    id: str,
    *,
    description: str,
    access_log_group: logs.ILogGroup,
    stage_name: str,
    throttling_rate_limit: float,
    throttling_burst_limit: int,
    account_logging_role: bool,
    web_acl_arn: str | None,
    web_acl_prop: str,
    authorization: str,
    web_acl_association_id: str = "WebAclAssociation",
    cors_preflight: apigw.CorsOptions | None = None,
) -> apigw.RestApi:
    """A regional REST API: JSON access logs, execution logs at ERROR without request data, X-Ray,
    stage throttling, and a WAFv2 web ACL when ``web_acl_arn`` is given.

    ``web_acl_prop`` names the prop a user sets to attach a web ACL and ``authorization`` what every
    method requires of a request (``"an IAM (SigV4) signature ..."``, or ``"none"``), for the
    acknowledgment's reason when no web ACL is attached.
    """
    api = apigw.RestApi(
        scope,
        id,
        description=description,
        cloud_watch_role=account_logging_role,
        default_cors_preflight_options=cors_preflight,
        endpoint_types=[apigw.EndpointType.REGIONAL],
        deploy_options=apigw.StageOptions(
            stage_name=stage_name,
            access_log_destination=apigw.LogGroupLogDestination(access_log_group),
            access_log_format=access_log_format(),
            logging_level=apigw.MethodLoggingLevel.ERROR,
            data_trace_enabled=False,
            tracing_enabled=True,
            throttling_rate_limit=throttling_rate_limit,
            throttling_burst_limit=throttling_burst_limit,
        ),
    )
    if web_acl_arn is not None:
        _associate_web_acl(scope, web_acl_association_id, api, web_acl_arn)
    else:
        reason = _no_waf_reason(web_acl_prop, authorization, throttling_rate_limit, throttling_burst_limit)
        acknowledge(api.deployment_stage, "AwsSolutions-APIG3", reason)
    if account_logging_role:
        _acknowledge_logging_role(api)
    return api


def _associate_web_acl(scope: Construct, id: str, api: apigw.RestApi, web_acl_arn: str) -> None:
    from aws_cdk import aws_wafv2 as wafv2  # loaded only for an API with a web ACL

    wafv2.CfnWebACLAssociation(
        scope, id, resource_arn=api.deployment_stage.stage_arn, web_acl_arn=web_acl_arn
    )


def _acknowledge_logging_role(api: apigw.RestApi) -> None:
    """The account-level role API Gateway writes execution logs with uses the AWS-managed policy."""
    role = api.node.try_find_child("CloudWatchRole")
    if role is not None:
        acknowledge(
            role,
            "AwsSolutions-IAM4",
            "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-documented policy for the account-level "
            "role API Gateway uses to write execution logs",
            finding="Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )


def _no_waf_reason(web_acl_prop: str, authorization: str, rate: float, burst: int) -> str:
    """What stands in front of the integration when no web ACL does, as configured."""
    if authorization == "none":
        guard = (
            "the methods take unauthenticated requests (Authorization.none(), chosen by the user), so "
            "only the stage throttle stands before the integration"
        )
    else:
        guard = f"every method requires {authorization} before the integration runs"
    return (
        f"WAF is opt-in through {web_acl_prop} (a web ACL costs $5/month plus rules); the stage is "
        f"throttled to {rate:g} requests/s (burst {burst}) and {guard}"
    )


@dataclass(frozen=True)
class ApiMetrics:
    """The API Gateway metrics a pattern graphs and alarms on."""

    count: MetricSpec
    errors_4xx: MetricSpec
    errors_5xx: MetricSpec
    latency: MetricSpec

    def server_error_rate(self) -> ExpressionSpec:
        """5XX responses as a percentage of requests, measured as the 5XX-rate alarm measures it."""
        return Monitoring.rate_percent(
            self.errors_5xx, self.count, kind=AlarmKind.SERVER_ERROR_RATE, label="5XX rate %"
        )

    def widgets(self) -> list[Graph]:
        return [
            Graph("Requests and errors", [self.count, self.errors_4xx, self.errors_5xx], width=12),
            Graph("Latency", [self.latency], width=12),
        ]


def api_metrics(dimensions: dict[str, str], *, http_api: bool = False) -> ApiMetrics:
    """Metrics of a REST API (dimensions ApiName, Stage) or an HTTP API (ApiId, Stage)."""
    names = ("4xx", "5xx") if http_api else ("4XXError", "5XXError")
    return ApiMetrics(
        count=Monitoring.metric("AWS/ApiGateway", "Count", dimensions, label="Requests"),
        errors_4xx=Monitoring.metric("AWS/ApiGateway", names[0], dimensions, label="4XX"),
        errors_5xx=Monitoring.metric("AWS/ApiGateway", names[1], dimensions, label="5XX"),
        latency=Monitoring.metric(
            "AWS/ApiGateway", "Latency", dimensions, kind=AlarmKind.LATENCY_P99, label="p99 latency"
        ),
    )


@dataclass(frozen=True)
class ServiceResponse:
    """One integration response of an AWS service integration, and the method response it needs."""

    status: str
    """The status the method answers (``"200"``)."""
    selection_pattern: str | None = None
    """The regex of the service's HTTP status that selects it. Default: - the default response"""
    template: str | None = None
    """Its ``application/json`` response template. Default: - the service's answer, passed through"""


def service_integration(
    service: str,
    *,
    role: iam.IRole,
    request_template: str,
    responses: Sequence[ServiceResponse],
    action: str | None = None,
    path: str | None = None,
    request_parameters: Mapping[str, str] | None = None,
) -> tuple[apigw.AwsIntegration, list[apigw.MethodResponse]]:
    """An AWS service integration (no Lambda function): API Gateway calls ``service``'s ``action``
    (or ``path``) with ``POST``, as ``role``, with the body ``request_template`` renders from an
    ``application/json`` request (any other content type is refused: passthrough NEVER); each of
    ``responses`` maps the service's answer to the method's. Returns the integration and the method
    responses its integration responses need."""
    options = apigw.IntegrationOptions(
        credentials_role=role,
        passthrough_behavior=apigw.PassthroughBehavior.NEVER,
        request_parameters=dict(request_parameters) if request_parameters else None,
        request_templates={"application/json": request_template},
        integration_responses=[
            apigw.IntegrationResponse(
                status_code=r.status,
                selection_pattern=r.selection_pattern,
                response_templates={"application/json": r.template} if r.template is not None else None,
            )
            for r in responses
        ],
    )
    integration = apigw.AwsIntegration(
        service=service, action=action, path=path, integration_http_method="POST", options=options
    )
    return integration, [apigw.MethodResponse(status_code=r.status) for r in responses]


def method_authorization(
    scope: Construct,
    kind: str,
    *,
    user_pool: cognito.IUserPool | None = None,
    scopes: Sequence[str] = (),
    authorizer: lambda_.IFunction | None = None,
) -> dict[str, object]:
    """The method options that authorize a request by ``kind`` (iam, cognito, lambda, api_key,
    none), with the ``Authorizer`` (in ``scope``) that Cognito and Lambda authorization need."""
    if kind == "iam":
        return {"authorization_type": apigw.AuthorizationType.IAM}
    if kind == "cognito":
        assert user_pool is not None
        options: dict[str, object] = {
            "authorization_type": apigw.AuthorizationType.COGNITO,
            "authorizer": apigw.CognitoUserPoolsAuthorizer(
                scope, "Authorizer", cognito_user_pools=[user_pool]
            ),
        }
        if scopes:
            options["authorization_scopes"] = list(scopes)
        return options
    if kind == "lambda":
        assert authorizer is not None
        token = apigw.TokenAuthorizer(
            scope, "Authorizer", handler=authorizer, results_cache_ttl=cdk.Duration.minutes(5)
        )
        return {"authorization_type": apigw.AuthorizationType.CUSTOM, "authorizer": token}
    if kind == "api_key":
        return {"api_key_required": True}
    return {"authorization_type": apigw.AuthorizationType.NONE}


def usage_plan(api: apigw.RestApi, rate: float, burst: int) -> apigw.IApiKey:
    """For API-key authorization: the usage plan (throttled as the stage) and its one key."""
    plan = api.add_usage_plan(
        "UsagePlan",
        throttle=apigw.ThrottleSettings(rate_limit=rate, burst_limit=burst),
        api_stages=[apigw.UsagePlanPerApiStage(api=api, stage=api.deployment_stage)],
    )
    key = api.add_api_key("ApiKey")
    plan.add_api_key(key)
    return key


def acknowledge_methods(
    methods: Sequence[apigw.Method], kind: str, api: apigw.RestApi, *, cors: bool
) -> None:
    """The Cognito (COG4) and authorization (APIG4) findings of ``methods`` authorized by ``kind``,
    and of the CORS preflight methods of ``api`` when it has them, each acknowledged on its method."""
    if kind != "cognito":
        reason = {
            "iam": "Methods use IAM (SigV4) authorization instead of a Cognito user pool",
            "lambda": "Methods use a Lambda authorizer instead of a Cognito user pool",
            "api_key": "Methods require an API key with a usage plan, chosen explicitly by the user",
            "none": "Authorization was explicitly set to Authorization.none() by the user",
        }[kind]
        for method in methods:
            acknowledge(method, "AwsSolutions-COG4", reason)
            if kind in ("api_key", "none"):
                acknowledge(method, "AwsSolutions-APIG4", reason)
    if cors:
        preflight_reason = (
            "CORS preflight (OPTIONS) must be unauthenticated: browsers send it without credentials; "
            "it only returns CORS headers from a mock integration"
        )
        stack: list[apigw.IResource] = [api.root]
        while stack:
            resource = stack.pop()
            options = resource.node.try_find_child("OPTIONS")
            if options is not None:
                acknowledge(options, "AwsSolutions-APIG4", preflight_reason)
                acknowledge(options, "AwsSolutions-COG4", preflight_reason)
            stack.extend(c for c in resource.node.children if isinstance(c, apigw.Resource))


_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[^/]+/[^/]+$")


class StageSettings(Protocol):
    """The stage props of an API pattern, as given."""

    @property
    def throttling_rate_limit(self) -> float: ...
    @property
    def throttling_burst_limit(self) -> int: ...
    @property
    def stage_name(self) -> str: ...
    @property
    def web_acl_arn(self) -> str | None: ...
    @property
    def account_logging_role(self) -> bool: ...
    @property
    def access_log_retention(self) -> logs.RetentionDays | None: ...


def stage_problems(props: StageSettings, problems: Problems, *, rest: bool = True) -> None:
    """The problems of a stage's throttle, name, web ACL (REST stages only), logging role and
    access log retention, added to ``problems``."""
    problems.number("throttling_rate_limit", props.throttling_rate_limit, 1, 10_000, "requests per second")
    problems.whole_number("throttling_burst_limit", props.throttling_burst_limit, 0, 5_000, "requests")
    stage_name = props.stage_name
    if not is_token(stage_name):
        problems.require(
            isinstance(stage_name, str) and re.match(r"^[A-Za-z0-9_]{1,128}$", stage_name) is not None,
            f"stage_name must be 1..128 letters, digits or underscores, got {stage_name!r}",
        )
    web_acl_arn = props.web_acl_arn
    if web_acl_arn is not None:
        if not rest:
            problems.add("web_acl_arn: WAF can only be associated with REST API stages")
        elif not is_token(web_acl_arn) and not (
            isinstance(web_acl_arn, str) and _WEB_ACL_ARN.match(web_acl_arn)
        ):
            problems.add(
                "web_acl_arn must be a WAFv2 web ACL ARN (regional), "
                f"arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>, got {web_acl_arn!r}"
            )
    problems.boolean("account_logging_role", props.account_logging_role)
    if props.access_log_retention is not None:
        problems.instance(
            "access_log_retention", props.access_log_retention, logs.RetentionDays, "a logs.RetentionDays"
        )


class StageAccess:
    """``grant_invoke`` and the stage's request metrics, for a pattern (a ``Pattern``) with one API
    stage: it sets ``api``, ``_stage_name`` and ``_metrics``."""

    api: Any
    _stage_name: str
    _metrics: ApiMetrics

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` call every route of the stage (``execute-api:Invoke``), which IAM
        authorization (the default) requires of callers."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:Invoke"],
            resource_arns=[self.api.arn_for_execute_api("*", "/*", self._stage_name)],
        )

    def metric_count(self, **options: Any) -> cw.IMetric:
        """``Count``: requests to the stage (Sum over five minutes). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metrics.count.to_metric(**options)

    def metric_latency(self, **options: Any) -> cw.IMetric:
        """``Latency`` of the stage in milliseconds (p99 over five minutes)."""
        return self._metrics.latency.to_metric(**options)
