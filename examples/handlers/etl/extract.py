"""ExtractData: reads the orders of the day the run is for.

Input: the EventBridge "Scheduled Event" (its ``time`` picks the day), or ``{"date": "YYYY-MM-DD"}``
when started by hand. Output: ``{"date": ..., "orders": [...]}`` for TransformData.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from source import orders_for

logger = Logger()
tracer = Tracer()


def run_date(event: dict[str, Any]) -> date:
    """The day to extract: the one given, else the day before the scheduled run."""
    if "date" in event:
        return date.fromisoformat(event["date"])
    scheduled = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    return scheduled.date() - timedelta(days=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    day = run_date(event)
    orders = orders_for(day)
    logger.info("extracted orders", extra={"date": day.isoformat(), "count": len(orders)})
    return {"date": day.isoformat(), "orders": orders}
