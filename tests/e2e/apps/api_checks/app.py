"""The app of ``tests/e2e/test_api_checks_local.py``: what API Gateway checks before an integration
runs. REST and HTTP APIs authorized by IAM, a ServiceApi route with a request model behind IAM, a
stage throttled to 5 requests per second (burst 5), a Cognito user pool authorizer and a Lambda
token authorizer."""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito

from serverless_patterns import ApiToLambda, ApiType, Authorization, FunctionSpec
from serverless_patterns.patterns.service_api import SendMessage, ServiceApi

HERE = os.path.dirname(os.path.abspath(__file__))
HANDLERS = os.path.join(HERE, "handlers")
HELLO = FunctionSpec(code=HANDLERS, handler="hello.handler")
STACK = "LocalApiChecks"
ORDER_MODEL = {
    "type": "object",
    "required": ["customerId", "total"],
    "properties": {"customerId": {"type": "string"}, "total": {"type": "number"}},
}


def build(app: cdk.App) -> cdk.App:
    stack = cdk.Stack(app, STACK)
    iam = ApiToLambda(stack, "Iam", routes={"GET /hello": HELLO, "GET /other": HELLO})
    http = ApiToLambda(stack, "IamHttp", api_type=ApiType.HTTP, routes={"GET /hello": HELLO})
    shop = ServiceApi(
        stack,
        "Shop",
        routes={"POST /orders": SendMessage(request_model=ORDER_MODEL)},
        authorization=Authorization.iam(),
    )
    throttled = ApiToLambda(
        stack,
        "Throttled",
        routes={"GET /hello": HELLO},
        authorization=Authorization.none(),
        throttling_rate_limit=5,
        throttling_burst_limit=5,
    )
    pool = cognito.UserPool(stack, "Users", removal_policy=cdk.RemovalPolicy.DESTROY)
    client = pool.add_client("Client", auth_flows=cognito.AuthFlow(user_password=True))
    users = ApiToLambda(
        stack, "Cognito", routes={"GET /hello": HELLO}, authorization=Authorization.cognito(pool)
    )
    token = ApiToLambda(
        stack,
        "Token",
        routes={"GET /hello": HELLO},
        authorization=Authorization.lambda_authorizer(
            FunctionSpec(code=HANDLERS, handler="authorizer.handler")
        ),
    )
    for name, api in (
        ("Iam", iam),
        ("IamHttp", http),
        ("Throttled", throttled),
        ("Cognito", users),
        ("Token", token),
    ):
        found = api.api
        value = found.rest_api_id if isinstance(found, apigw.RestApi) else found.api_id
        cdk.CfnOutput(stack, f"{name}ApiId", value=value)
    cdk.CfnOutput(stack, "ShopApiId", value=shop.api.rest_api_id)
    cdk.CfnOutput(stack, "UserPoolId", value=pool.user_pool_id)
    cdk.CfnOutput(stack, "ClientId", value=client.user_pool_client_id)
    return app
