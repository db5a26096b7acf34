"""GET /users/{id}"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.get("/users/<user_id>")
def get_user(user_id: str) -> Response[Any] | dict[str, str]:
    user = USERS.get(user_id)
    if user is None:
        return Response(status_code=404, content_type="application/json", body={"message": "not found"})
    return user


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
