"""ValidateOrder: checks the order's shape before anything is reserved or charged.

Raises ``InvalidOrder`` (the workflow catches it and ends in OrderRejected).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


class InvalidOrder(Exception):
    """The order cannot be processed as given."""


def validate(order: dict[str, Any]) -> dict[str, Any]:
    for key in ("orderId", "customerId", "items"):
        if not order.get(key):
            raise InvalidOrder(f"{key} is required")
    for item in order["items"]:
        if not isinstance(item.get("sku"), str) or not isinstance(item.get("quantity"), int):
            raise InvalidOrder(f"every item needs a sku and an integer quantity, got {item!r}")
        if item["quantity"] < 1:
            raise InvalidOrder(f"quantity of {item['sku']} must be at least 1")
    return {
        "orderId": order["orderId"],
        "customerId": order["customerId"],
        "items": [{"sku": i["sku"], "quantity": i["quantity"]} for i in order["items"]],
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    order = validate(event)
    logger.info("order valid", extra={"order_id": order["orderId"], "items": len(order["items"])})
    return order
