"""ApiToLambda example: a small users API, one function per route."""

import aws_cdk as cdk

from serverless_patterns import ApiToLambda, FunctionSpec

from . import ENV


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "UsersApi", env=ENV, description="serverless-patterns example: ApiToLambda")
    ApiToLambda(
        stack,
        "UsersApi",
        routes={
            "GET /users/{id}": FunctionSpec(code="handlers/users", handler="get_user.handler"),
            "GET /users": FunctionSpec(code="handlers/users", handler="list_users.handler"),
            "POST /users": FunctionSpec(code="handlers/users", handler="create_user.handler"),
        },
    )
    return stack
