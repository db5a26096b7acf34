"""The one error type every pattern raises for bad input, and the collector that builds it."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
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


# CDK encodes a number token as a double whose top 16 bits are 0xFBFF (about -1.888e289, its
# ``DOUBLE_TOKEN_MARKER_BITS``); any other number, however large, is a value.
_NUMBER_TOKEN_MARKER = 0xFBFF


def is_token(value: Any) -> bool:
    """Whether ``value`` is an unresolved CDK token (checked in Python, no jsii round trip)."""
    if isinstance(value, str):
        return "${Token[" in value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            bits = struct.unpack(">Q", struct.pack(">d", float(value)))[0]
        except OverflowError:  # an int too large for a double is no token
            return False
        return bool(bits >> 48 == _NUMBER_TOKEN_MARKER)
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
        """Adds ``"prop must be low..high, got value"`` unless value is None, a token or in range
        (``"prop must be a number, got '5'"`` when it is no number at all)."""
        if value is None or is_number_token(value):
            return
        if not is_number(value):
            self._items.append(f"{prop} must be a number, got {value!r}")
            return
        if not low <= value <= high:
            suffix = f" {unit}" if unit else ""
            self._items.append(f"{prop} must be {_fmt(low)}..{_fmt(high)}{suffix}, got {_fmt(value)}")

    def number(
        self, prop: str, value: object, low: float, high: float, unit: str = "", *, whole: bool = False
    ) -> None:
        """``value`` must be a number (a whole one with ``whole``; None is no number) in
        ``low..high``; tokens pass. ``"prop must be a whole number, got '5'"``."""
        if is_number(value) and is_token(value):
            return
        kind = "a whole number" if whole else "a number"
        if not is_number(value) or (whole and not isinstance(value, int)):
            self._items.append(f"{prop} must be {kind}, got {value!r}")
        elif not math.isfinite(value):  # type: ignore[arg-type]
            self._items.append(f"{prop} must be a finite number, got {value!r}")
        else:
            self.in_range(prop, value, low, high, unit)  # type: ignore[arg-type]

    def whole_number(self, prop: str, value: object, low: float, high: float, unit: str = "") -> None:
        """``value`` must be an int (not a bool) in ``low..high``; tokens pass."""
        self.number(prop, value, low, high, unit, whole=True)

    def boolean(self, prop: str, value: object) -> None:
        """``value`` must be True or False."""
        if not isinstance(value, bool):
            self._items.append(f"{prop} must be True or False, got {value!r}")

    def instance(self, prop: str, value: object, types: type | tuple[type, ...], what: str) -> bool:
        """``value`` must be an instance of ``types`` (``what`` names them: ``"a logs.RetentionDays"``).
        Returns whether it is."""
        if isinstance(value, types):
            return True
        self._items.append(f"{prop} must be {what}, got {_show(value)}")
        return False

    def interface(self, prop: str, value: object, attributes: Sequence[str], what: str) -> bool:
        """``value`` must have ``attributes`` (a jsii interface such as ``s3.IBucket``, which user
        classes implement without deriving from it). Returns whether it has."""
        if all(hasattr(value, a) for a in attributes) and not isinstance(value, str | Mapping):
            return True
        self._items.append(f"{prop} must be {what}, got {type(value).__name__}")
        return False

    def duration(
        self, prop: str, value: object, low: float, high: float, *, whole_seconds: bool = True
    ) -> float | None:
        """``value`` must be None or a ``cdk.Duration`` of ``low..high`` seconds (whole seconds with
        ``whole_seconds``). Returns its seconds, or None for None, a token or a wrong value."""
        import aws_cdk as cdk  # here: importing this module must not start jsii (the catalog uses it)

        if value is None:
            return None
        if not isinstance(value, cdk.Duration):
            self._items.append(f"{prop} must be a Duration, got {_show(value)}")
            return None
        if value.is_unresolved():
            return None
        seconds = float(value.to_milliseconds()) / 1000
        self.in_range(prop, seconds, low, high, "seconds")
        if whole_seconds and not seconds.is_integer():
            self._items.append(f"{prop} must be a whole number of seconds, got {seconds:g}")
        return seconds

    def string(self, prop: str, value: object, *, empty: bool = True, max_length: int | None = None) -> bool:
        """``value`` must be a string (non-empty unless ``empty``; at most ``max_length`` characters;
        tokens pass). Returns whether it is a string."""
        if not isinstance(value, str):
            self._items.append(f"{prop} must be a string, got {value!r}")
            return False
        if is_token(value):
            return True
        if not empty and not value:
            self._items.append(f"{prop} must not be empty")
        if max_length is not None and len(value) > max_length:
            self._items.append(f"{prop} must be at most {max_length} characters, got {len(value)}")
        return True

    def sequence(self, prop: str, value: object, what: str) -> bool:
        """``value`` must be a list or tuple (not a string, not a mapping): ``"prop must be a list of
        <what>, got 'x'"``. Returns whether it is."""
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return True
        self._items.append(f"{prop} must be a list of {what}, got {_show(value)}")
        return False

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


def is_number_token(value: object) -> bool:
    """Whether ``value`` is an unresolved CDK number token (a string token is no number)."""
    return is_number(value) and is_token(value)


def is_number(value: object) -> bool:
    """An int or a float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: object) -> str:
    """A value as a message shows it: the repr of a plain value, the type name of an object."""
    if value is None or isinstance(value, str | int | float | bool | list | tuple | dict):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return type(value).__name__


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
