"""Stock and prices shared by the example handlers (a table would back them in production)."""

from __future__ import annotations

STOCK: dict[str, int] = {"BOOK-42": 10, "MUG-7": 3, "POSTER-1": 0}
PRICE_CENTS: dict[str, int] = {"BOOK-42": 1999, "MUG-7": 1250, "POSTER-1": 900}
