"""HTTP APIs, written once: an API Gateway HTTP API with its authorizer, CORS preflight and a
throttled, logged stage.

aws-cdk-lib's HTTP API modules are imported by this module only, and this module only by a pattern
that builds an HTTP API, so an app with REST APIs alone never loads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as v2_authorizers
from aws_cdk import aws_apigatewayv2_integrations as v2_integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .rest_api import access_log_format

__all__ = ["CorsSettings", "add_route", "authorizer", "lambda_integration", "secure_http_api"]


class CorsSettings(Protocol):
    """What a CORS preflight is built from (ApiToLambda's ``Cors``)."""

    @property
    def allow_origins(self) -> Sequence[str]: ...
    @property
    def allow_methods(self) -> Sequence[str]: ...
    @property
    def allow_headers(self) -> Sequence[str]: ...
    @property
    def max_age(self) -> cdk.Duration | None: ...


def authorizer(
    kind: str, *, user_pool: cognito.IUserPool | None, function: lambda_.IFunction | None
) -> apigwv2.IHttpRouteAuthorizer:
    """The default route authorizer for authorization ``kind`` (iam, cognito, lambda or none)."""
    if kind == "iam":
        return v2_authorizers.HttpIamAuthorizer()
    if kind == "cognito":
        assert user_pool is not None
        return v2_authorizers.HttpUserPoolAuthorizer("Authorizer", user_pool)
    if kind == "lambda":
        assert function is not None
        return v2_authorizers.HttpLambdaAuthorizer(
            "Authorizer", function, response_types=[v2_authorizers.HttpLambdaResponseType.SIMPLE]
        )
    return apigwv2.HttpNoneAuthorizer()


def secure_http_api(
    scope: Construct,
    id: str,
    *,
    description: str,
    default_authorizer: apigwv2.IHttpRouteAuthorizer,
    scopes: Sequence[str],
    cors: CorsSettings | None,
    stage_name: str,
    rate: float,
    burst: int,
    access_log_group: logs.ILogGroup,
) -> tuple[apigwv2.HttpApi, apigwv2.HttpStage]:
    """An HTTP API (``id``) and its stage (``Stage``): auto-deployed, throttled, with JSON access logs."""
    preflight = None
    if cors is not None:
        preflight = apigwv2.CorsPreflightOptions(
            allow_origins=list(cors.allow_origins),
            allow_methods=[apigwv2.CorsHttpMethod(m) for m in cors.allow_methods],
            allow_headers=list(cors.allow_headers),
            max_age=cors.max_age or cdk.Duration.minutes(10),
        )
    api = apigwv2.HttpApi(
        scope,
        id,
        description=description,
        cors_preflight=preflight,
        create_default_stage=False,
        default_authorizer=default_authorizer,
        default_authorization_scopes=list(scopes) or None,
    )
    stage = apigwv2.HttpStage(
        scope,
        "Stage",
        http_api=api,
        stage_name=stage_name,
        auto_deploy=True,
        throttle=apigwv2.ThrottleSettings(rate_limit=rate, burst_limit=burst),
        access_log_settings=_HttpAccessLogs(access_log_group),
    )
    return api, stage


def lambda_integration(function: lambda_.IFunction, id: str) -> apigwv2.HttpRouteIntegration:
    """Routes requests to ``function`` (payload format 2.0)."""
    return v2_integrations.HttpLambdaIntegration(id, function)


def add_route(
    api: apigwv2.HttpApi, path: str, method: str, integration: apigwv2.HttpRouteIntegration
) -> None:
    """Adds the route ``method path`` to ``api``."""
    api.add_routes(path=path, methods=[apigwv2.HttpMethod(method)], integration=integration)


@jsii.implements(apigwv2.IAccessLogSettings)
class _HttpAccessLogs:
    """JSON access logs for an HTTP API stage."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return access_log_format()
