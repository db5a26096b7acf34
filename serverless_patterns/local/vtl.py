"""API Gateway mapping templates (VTL) rendered as API Gateway renders them, with airspeed.

The variables are API Gateway's (its developer guide, "API Gateway mapping template and access
logging variable reference"): ``$input`` (``body``, ``json(path)``, ``path(path)``, ``params()``,
``params(name)``), ``$util`` (``escapeJavaScript``, ``parseJson``, ``urlEncode``, ``urlDecode``,
``base64Encode``, ``base64Decode``), ``$context`` (the request's ids, method, paths, stage, identity,
time, and ``responseOverride`` a template may set) and ``$stageVariables``. Objects and arrays that
``$input.path`` and ``$util.parseJson`` return behave as the Java maps and lists a template sees
(``keySet()``, ``containsKey()``, ``size()``, ``isEmpty()``).

JSONPath is the subset mapping templates use: ``$``, ``.name``, ``['name']``, ``[index]`` and ``[*]``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

__all__ = ["Rendered", "RequestData", "json_path", "render"]


class JavaMap(dict[str, Any]):
    """A JSON object as a template sees it (a ``java.util.Map``)."""

    def containsKey(self, key: str) -> bool:
        return key in self

    def keySet(self) -> list[str]:
        return list(self.keys())

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in self.items()) + "}"


class JavaList(list[Any]):
    """A JSON array as a template sees it (a ``java.util.List``)."""

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def __str__(self) -> str:
        return "[" + ", ".join(_java_text(v) for v in self) + "]"


def _java_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _java(value: Any) -> Any:
    """JSON values as a template's Java objects."""
    if isinstance(value, dict):
        return JavaMap({k: _java(v) for k, v in value.items()})
    if isinstance(value, list):
        return JavaList(_java(v) for v in value)
    return value


_STEP = re.compile(
    r"\.([A-Za-z_$][\w$-]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]|\.\*"
)


def json_path(document: Any, path: str) -> Any:
    """The value at ``path`` in ``document`` (None when there is none; a list for ``[*]``)."""
    path = path.strip()
    if not path.startswith("$"):
        raise ValueError(f"a JSONPath starts with $, got {path!r}")
    values: list[Any] = [document]
    many = False
    position = 1
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise ValueError(f"JSONPath {path!r} is not supported at {path[position:]!r}")
        position = step.end()
        name = step.group(1) or step.group(2) or step.group(3)
        found: list[Any] = []
        for value in values:
            if name is not None:
                if isinstance(value, dict) and name in value:
                    found.append(value[name])
            elif step.group(4) is not None:
                index = int(step.group(4))
                if isinstance(value, list) and -len(value) <= index < len(value):
                    found.append(value[index])
            else:
                many = True
                found.extend(
                    value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
                )
        values = found
    if many:
        return values
    return values[0] if values else None


@dataclass(frozen=True)
class RequestData:
    """What a method request gives its templates."""

    body: str
    path: Mapping[str, str]
    querystring: Mapping[str, str]
    header: Mapping[str, str]
    context: Mapping[str, Any]
    stage_variables: Mapping[str, str] = field(default_factory=dict)


class _Input:
    """``$input``: the request's payload (or the integration's answer) and parameters."""

    def __init__(self, body: str, request: RequestData) -> None:
        self.body = body
        self._request = request
        self._parsed: Any = ...

    def _document(self) -> Any:
        if self._parsed is ...:
            try:
                self._parsed = json.loads(self.body) if self.body.strip() else {}
            except ValueError:
                self._parsed = None
        return self._parsed

    def json(self, path: str) -> str:
        return json.dumps(json_path(self._document(), path), separators=(",", ":"))

    def path(self, path: str) -> Any:
        return _java(json_path(self._document(), path))

    def params(self, name: str | None = None) -> Any:
        request = self._request
        if name is None:
            return JavaMap(
                path=JavaMap(request.path),
                querystring=JavaMap(request.querystring),
                header=JavaMap(request.header),
            )
        for where in (request.path, request.querystring):
            if name in where:
                return where[name]
        lowered = {k.lower(): v for k, v in request.header.items()}
        return lowered.get(name.lower(), "")


class _Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        out = []
        for char in _java_text(value):
            code = ord(char)
            if char in "\"'\\/":
                out.append("\\" + char)
            elif char in _CONTROL:
                out.append(_CONTROL[char])
            elif code < 0x20 or code > 0x7E:
                out.append(
                    f"\\u{code:04X}" if code <= 0xFFFF else "".join(f"\\u{ord(c):04X}" for c in _utf16(char))
                )
            else:
                out.append(char)
        return "".join(out)

    @staticmethod
    def parseJson(value: str) -> Any:
        return _java(json.loads(value))

    @staticmethod
    def urlEncode(value: Any) -> str:
        return quote_plus(_java_text(value), safe="*")

    @staticmethod
    def urlDecode(value: Any) -> str:
        return unquote_plus(_java_text(value))

    @staticmethod
    def base64Encode(value: Any) -> str:
        return base64.b64encode(_java_text(value).encode()).decode()

    @staticmethod
    def base64Decode(value: Any) -> str:
        return base64.b64decode(_java_text(value)).decode(errors="replace")


_CONTROL = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _utf16(char: str) -> list[str]:
    encoded = char.encode("utf-16-be")
    return [encoded[i : i + 2].decode("utf-16-be", errors="surrogatepass") for i in range(0, len(encoded), 2)]


@dataclass(frozen=True)
class Rendered:
    """A template's output, and the status and headers it set in ``$context.responseOverride``."""

    text: str
    status: int | None
    headers: dict[str, str]


def render(template: str, body: str, request: RequestData) -> Rendered:
    """``template`` rendered with ``$input`` over ``body`` (the request's payload for a request
    template, the integration's answer for a response template)."""
    import airspeed  # the local extra: loaded when a template is rendered

    override: dict[str, Any] = {"header": {}}
    context = JavaMap(_java(dict(request.context)))
    context["responseOverride"] = override
    namespace = {
        "input": _Input(body, request),
        "util": _Util(),
        "context": context,
        "stageVariables": JavaMap(request.stage_variables),
    }
    text = airspeed.Template(template).merge(namespace)
    status = override.get("status")
    return Rendered(
        text,
        int(status) if status not in (None, "") else None,
        {str(k): str(v) for k, v in (override.get("header") or {}).items()},
    )
