"""A pattern's props, read once from its constructor's ``locals()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Self

__all__ = ["FromLocals"]


class FromLocals:
    """Base of a frozen dataclass holding a constructor's props: ``Props.of(locals())`` takes each
    field from the constructor's arguments by name, so the props are written once, in the signature."""

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Self:
        """The props among ``given`` (the constructor's ``locals()``)."""
        return cls(**{f.name: given[f.name] for f in fields(cls)})  # type: ignore[arg-type]
