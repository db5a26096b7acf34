"""Construct ids that patterns derive from names the user gives (routes, steps)."""

from __future__ import annotations

__all__ = ["unique_id"]


def unique_id(candidate: str, used: set[str]) -> str:
    """``candidate``, or the first of ``candidate2``, ``candidate3``, ... not in ``used``; the id
    returned is added to ``used``."""
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}{n}", n + 1
    used.add(name)
    return name
