"""CheckInventory: adds ``inStock`` and ``missingItems``; the IsInStock choice reads ``$.inStock``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from catalog import STOCK

logger = Logger()
tracer = Tracer()


def check(order: dict[str, Any]) -> dict[str, Any]:
    missing = [i["sku"] for i in order["items"] if STOCK.get(i["sku"], 0) < i["quantity"]]
    return {**order, "inStock": not missing, "missingItems": missing}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = check(event)
    logger.info("inventory checked", extra={"order_id": event["orderId"], "in_stock": result["inStock"]})
    return result
