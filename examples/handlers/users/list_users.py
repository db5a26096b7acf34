"""GET /users"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from store import USERS

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()


@app.get("/users")
def list_users() -> dict[str, Any]:
    return {"users": sorted(USERS.values(), key=lambda u: u["id"])}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
