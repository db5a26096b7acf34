"""POST /users"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.post("/users")
def create_user() -> Response[Any]:
    body = app.current_event.json_body or {}
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequestError("name is required")
    user = {"id": uuid.uuid4().hex[:8], "name": name, "plan": body.get("plan", "free")}
    USERS[user["id"]] = user
    logger.info("user created", extra={"user_id": user["id"]})
    return Response(status_code=201, content_type="application/json", body=user)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
