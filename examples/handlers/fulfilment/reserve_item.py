"""ReserveItem: one item of an order (a Map iteration); reserves its quantity in the warehouse."""

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
    logger.info("item reserved", extra={"sku": event["sku"], "quantity": event["quantity"]})
    return {"sku": event["sku"], "reserved": event["quantity"]}
