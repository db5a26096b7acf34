"""TransformData: turns the day's orders into one reporting row per SKU and country.

Raises ``TransformError`` (the Step Functions error name) when an order is malformed, so the
pipeline's catch sends it to the failure notification instead of loading partial data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()

REQUIRED = ("orderId", "sku", "quantity", "unitPriceCents", "country")


class TransformError(Exception):
    """An order cannot be transformed; the run stops before anything is loaded."""


def rows(day: str, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"units": 0, "revenueCents": 0})
    for order in orders:
        missing = [key for key in REQUIRED if key not in order]
        if missing:
            raise TransformError(f"order {order.get('orderId', '?')} lacks {', '.join(missing)}")
        if order["quantity"] <= 0:
            raise TransformError(f"order {order['orderId']} has quantity {order['quantity']}")
        total = totals[(order["sku"], order["country"])]
        total["units"] += order["quantity"]
        total["revenueCents"] += order["quantity"] * order["unitPriceCents"]
    return [
        {"date": day, "sku": sku, "country": country, **total}
        for (sku, country), total in sorted(totals.items())
    ]


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = rows(event["date"], event["orders"])
    logger.info("transformed orders", extra={"orders": len(event["orders"]), "rows": len(result)})
    return {"date": event["date"], "rows": result}
