"""CloudFormation models for what API Gateway authorizes with, which moto deploys no model of: REST
and HTTP API authorizers, and the Cognito user pools and clients they name. The local endpoint
applies them (:mod:`.api_auth`)."""

from __future__ import annotations

from typing import Any

from . import moto_adapter
from .moto_adapter import identities
from .resources import LocalModel, ResourceRequest
from .state import ACCEPTED

__all__ = ["MODELS"]


class RestApiAuthorizer(LocalModel):
    """A REST API's Cognito, ``TOKEN`` or ``REQUEST`` authorizer."""

    TYPE = "AWS::ApiGateway::Authorizer"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend = moto_adapter.backend("apigateway", r.account_id, r.region)
        api_id = str(r.props["RestApiId"])
        ttl = r.props.get("AuthorizerResultTtlInSeconds")
        made = backend.create_authorizer(
            api_id,
            str(r.props.get("Name") or r.name),
            str(r.props.get("Type", "TOKEN")),
            provider_arns=r.props.get("ProviderARNs"),
            auth_type=r.props.get("AuthType"),
            authorizer_uri=r.props.get("AuthorizerUri"),
            authorizer_credentials=r.props.get("AuthorizerCredentials"),
            identity_source=r.props.get("IdentitySource"),
            authorizer_result_ttl=None if ttl is None else int(ttl),
        )
        # moto drops the expression (a misspelt keyword): set it on the authorizer itself.
        made.identity_validation_expression = r.props.get("IdentityValidationExpression")
        if r.props.get("AuthorizerCredentials"):
            cls._note_own(r.kwargs, ACCEPTED, "the authorizer runs without assuming its credentials role")
        return cls._made(
            str(made.id),
            {"AuthorizerId": str(made.id)},
            on_delete=lambda: backend.delete_authorizer(api_id, made.id),
        )


class HttpApiAuthorizer(LocalModel):
    """An HTTP API's ``JWT`` or Lambda ``REQUEST`` authorizer."""

    TYPE = "AWS::ApiGatewayV2::Authorizer"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        api = moto_adapter.backend("apigatewayv2", r.account_id, r.region).get_api(str(r.props["ApiId"]))
        made = api.create_authorizer(
            auth_creds_arn=r.props.get("AuthorizerCredentialsArn"),
            auth_payload_format_version=r.props.get("AuthorizerPayloadFormatVersion"),
            auth_result_ttl=r.props.get("AuthorizerResultTtlInSeconds"),
            authorizer_type=str(r.props.get("AuthorizerType", "REQUEST")),
            authorizer_uri=r.props.get("AuthorizerUri"),
            enable_simple_response=bool(r.props.get("EnableSimpleResponses", False)),
            identity_source=list(r.props.get("IdentitySource") or []),
            identity_validation_expr=r.props.get("IdentityValidationExpression"),
            jwt_config=r.props.get("JwtConfiguration"),
            name=str(r.props.get("Name") or r.name),
        )
        return cls._made(
            str(made.id), {"AuthorizerId": str(made.id)}, on_delete=lambda: api.delete_authorizer(made.id)
        )


class UserPool(LocalModel):
    """A Cognito user pool in the local Cognito (``initiate_auth`` issues its tokens)."""

    TYPE = "AWS::Cognito::UserPool"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        keys = (
            "Policies",
            "AutoVerifiedAttributes",
            "UsernameAttributes",
            "AliasAttributes",
            "MfaConfiguration",
        )
        config: dict[str, Any] = {key: r.props[key] for key in keys if key in r.props}
        name = r.physical_name("UserPoolName")
        pool_id, arn = identities.create_user_pool(r.account_id, r.region, name, config)
        provider = f"cognito-idp.{r.region}.amazonaws.com/{pool_id}"
        return cls._made(
            pool_id,
            {
                "Arn": arn,
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
                "UserPoolId": pool_id,
            },
            on_delete=lambda: identities.delete_user_pool(r.account_id, r.region, pool_id),
        )


class UserPoolClient(LocalModel):
    """A client of a local user pool (its ``ExplicitAuthFlows`` are kept: ``USER_PASSWORD_AUTH``)."""

    TYPE = "AWS::Cognito::UserPoolClient"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        pool_id = str(r.props["UserPoolId"])
        keys = ("ClientName", "ExplicitAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlows", "CallbackURLs")
        config: dict[str, Any] = {key: r.props[key] for key in keys if key in r.props}
        config.setdefault("ClientName", r.name)
        client_id = identities.create_user_pool_client(
            r.account_id, r.region, pool_id, bool(r.props.get("GenerateSecret", False)), config
        )
        return cls._made(
            client_id,
            {"ClientId": client_id, "Name": config["ClientName"]},
            on_delete=lambda: identities.delete_user_pool(r.account_id, r.region, pool_id, client_id),
        )


MODELS: dict[str, type] = {
    m.TYPE: m for m in (RestApiAuthorizer, HttpApiAuthorizer, UserPool, UserPoolClient)
}
