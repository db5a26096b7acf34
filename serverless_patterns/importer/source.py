"""Python source text for the generated app: values as literals, CloudFormation intrinsics as tokens."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["identifier", "literal", "pascal", "token_literal"]


def _is_intrinsic(value: Any) -> bool:
    return (
        isinstance(value, Mapping) and len(value) == 1 and str(next(iter(value))).startswith(("Fn::", "Ref"))
    )


def literal(value: Any, indent: int = 0) -> str:
    """``value`` as a Python literal; intrinsic functions stay dicts (for raw CloudFormation properties)."""
    return _render(value, indent, tokens=False)


def token_literal(value: Any, indent: int = 0) -> str:
    """``value`` as a Python literal where each intrinsic function is a token string
    (``cdk.Token.as_string({...})``), for typed props that take strings."""
    return _render(value, indent, tokens=True)


def _render(value: Any, indent: int, *, tokens: bool) -> str:
    pad = "    " * (indent + 1)
    end = "    " * indent
    if tokens and _is_intrinsic(value):
        return f"cdk.Token.as_string({_render(value, indent, tokens=False)})"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [
            f"{pad}{_render(str(k), indent + 1, tokens=False)}: {_render(v, indent + 1, tokens=tokens)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + f"\n{end}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        short = [_render(v, indent + 1, tokens=tokens) for v in value]
        if all("\n" not in s for s in short) and sum(len(s) + 2 for s in short) < 80:
            return "[" + ", ".join(short) + "]"
        return "[\n" + "\n".join(f"{pad}{s}," for s in short) + f"\n{end}]"
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    return repr(str(value))


def pascal(name: str) -> str:
    """``process-user_created.v2`` -> ``ProcessUserCreatedV2``: a construct id."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Resource"
    return text if text[0].isalpha() else f"R{text}"


def identifier(name: str) -> str:
    """``UsersTable`` -> ``users_table``: a Python variable."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", pascal(name)).lower()
    return f"{snake}_" if keyword.iskeyword(snake) else snake
