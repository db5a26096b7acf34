"""LoadData: writes the reporting rows into the warehouse table.

Output: ``{"rowsLoaded": n, "table": ...}``, which the success notification reports.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()

TABLE = os.environ.get("WAREHOUSE_TABLE", "daily_sales")
WAREHOUSE: dict[tuple[str, str, str], dict[str, Any]] = {}  # a warehouse table in production


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    for row in event["rows"]:
        # Keyed by date, SKU and country: re-running a day replaces its rows instead of doubling them.
        WAREHOUSE[(row["date"], row["sku"], row["country"])] = row
    logger.info("loaded rows", extra={"date": event["date"], "rows": len(event["rows"]), "table": TABLE})
    return {"date": event["date"], "rowsLoaded": len(event["rows"]), "table": TABLE}
