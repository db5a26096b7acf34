"""The one error type every pattern raises for bad input, and the collector that builds it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["PatternValidationError", "Problems"]


class PatternValidationError(ValueError):
    """Raised at construction when a pattern's props are invalid.

    Every problem found is listed, one per line, each naming the prop, the value given and what
    is allowed. ``problems`` holds them as a list.
    """

    def __init__(self, construct_path: str, problems: Iterable[str]) -> None:
        self.construct_path = construct_path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{construct_path}: invalid props\n{lines}")


_NUMBER_TOKEN_LIMIT = -1e280  # CDK encodes numeric tokens as doubles around -1.888e289


def is_token(value: Any) -> bool:
    """Whether ``value`` is an unresolved CDK token (checked in Python, no jsii round trip)."""
    if isinstance(value, str):
        return "${Token[" in value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) < _NUMBER_TOKEN_LIMIT
    return False


class Problems:
    """Collects validation problems so a construct can raise them all at once."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def add(self, message: str) -> None:
        self._items.append(message)

    def require(self, ok: bool, message: str) -> None:
        if not ok:
            self._items.append(message)

    def in_range(self, prop: str, value: float | None, low: float, high: float, unit: str = "") -> None:
        """Adds ``"prop must be low..high, got value"`` unless value is None, a token or in range."""
        if value is None or is_token(value):
            return
        if not low <= value <= high:
            suffix = f" {unit}" if unit else ""
            self._items.append(f"{prop} must be {_fmt(low)}..{_fmt(high)}{suffix}, got {_fmt(value)}")

    def one_of(self, prop: str, value: Any, allowed: Iterable[Any]) -> None:
        allowed = list(allowed)
        if value not in allowed:
            self._items.append(f"{prop} must be one of {', '.join(map(str, allowed))}, got {value!r}")

    def extend(self, messages: Iterable[str]) -> None:
        self._items.extend(messages)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def raise_if_any(self, construct_path: str) -> None:
        if self._items:
            raise PatternValidationError(construct_path, self._items)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
