"""An in-memory user store shared by the example handlers (a table would back it in production)."""

from __future__ import annotations

USERS: dict[str, dict[str, str]] = {
    "1": {"id": "1", "name": "Ada Lovelace", "plan": "pro"},
    "2": {"id": "2", "name": "Alan Turing", "plan": "free"},
}
