"""RestockItem: one returned item (a Map iteration); puts its quantity back on the shelf."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("quantity", 0) < 1:
        raise ValueError(f"quantity must be at least 1, got {event.get('quantity')!r}")
    logger.info("item restocked", extra={"sku": event["sku"], "quantity": event["quantity"]})
    return {"sku": event["sku"], "restocked": event["quantity"]}
