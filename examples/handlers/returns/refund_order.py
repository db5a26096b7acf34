"""RefundOrder: refunds what was restocked, at the catalog price of each item."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()

PRICES_CENTS = {"BOOK-42": 1999, "MUG-7": 850}
"""Catalog prices; an item not listed is refunded at the default price."""
DEFAULT_PRICE_CENTS = 1000


def refund_cents(restocked: list[dict[str, Any]]) -> int:
    return sum(PRICES_CENTS.get(i["sku"], DEFAULT_PRICE_CENTS) * int(i["restocked"]) for i in restocked)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    amount = refund_cents(event["restocked"])
    logger.info("order refunded", extra={"order_id": event["orderId"], "amount_cents": amount})
    return {"orderId": event["orderId"], "refundCents": amount}
