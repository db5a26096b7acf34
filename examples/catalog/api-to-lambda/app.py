from aws_cdk import App, Stack

from serverless_patterns import ApiToLambda, FunctionSpec

app = App()
stack = Stack(app, "Users")
api = ApiToLambda(
    stack,
    "UsersApi",
    routes={
        "GET /users/{id}": FunctionSpec(code="handlers/users", handler="get_user.handler"),
        "GET /users": FunctionSpec(code="handlers/users", handler="list_users.handler"),
        "POST /users": FunctionSpec(code="handlers/users", handler="create_user.handler"),
    },
)
app.synth()
