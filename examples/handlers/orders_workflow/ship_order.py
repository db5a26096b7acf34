"""ShipOrder: books the shipment; adds ``trackingNumber`` for the shipped notification."""

from __future__ import annotations

import hashlib
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


def ship(order: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(order["orderId"].encode()).hexdigest()[:12].upper()
    return {**order, "trackingNumber": f"TRK{digest}"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = ship(event)
    logger.info("order shipped", extra={"order_id": event["orderId"], "tracking": result["trackingNumber"]})
    return result
