"""The operational store the ETL reads from (in memory here; a table or bucket in production)."""

from __future__ import annotations

from datetime import date
from typing import Any


def orders_for(day: date) -> list[dict[str, Any]]:
    """The orders placed on ``day``."""
    stamp = day.isoformat()
    return [
        {"orderId": f"{stamp}-001", "sku": "BOOK-42", "quantity": 2, "unitPriceCents": 1999, "country": "DE"},
        {"orderId": f"{stamp}-002", "sku": "MUG-7", "quantity": 1, "unitPriceCents": 1250, "country": "FR"},
        {"orderId": f"{stamp}-003", "sku": "BOOK-42", "quantity": 1, "unitPriceCents": 1999, "country": "DE"},
    ]
