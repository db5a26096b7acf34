"""Serverless Framework variables, resolved as the framework does before it builds the template.

``${self:a.b}`` (this file), ``${opt:stage}``/``${opt:region}`` (the import's options),
``${sls:stage}``, ``${env:NAME}``, ``${file(./x.yml):a.b}``, literals and defaults
(``${opt:stage, 'dev'}``), nested (``${self:custom.tables.${sls:stage}}``). What only a deployment
knows stays for CloudFormation: ``${aws:accountId}`` and ``${aws:region}`` become
``${AWS::AccountId}``/``${AWS::Region}`` inside an ``Fn::Sub``, ``${ssm:/path}`` a dynamic reference
(``{{resolve:ssm:/path}}``). What cannot be resolved (``${cf:...}``, ``${s3:...}``, an unset
variable without default) is kept as written and reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["Resolver", "sub_pseudo"]

_INNER = re.compile(r"\$\{([^${}]*)\}")
_PSEUDO = re.compile(r"\$\{AWS::(AccountId|Region|Partition|StackName|URLSuffix)\}")
_QUOTED = re.compile(r"""^(['"])(.*)\1$""", re.S)
_MISSING = object()
_MAX_PASSES = 20


class Resolver:
    """Resolves the variables of one serverless.yml (``document``, read from ``directory``)."""

    def __init__(
        self,
        document: Mapping[str, Any],
        directory: Path,
        *,
        stage: str | None,
        region: str | None,
        environ: Mapping[str, str] | None = None,
        load: Callable[[Path], Any] | None = None,
    ) -> None:
        self.document = document
        self.directory = directory
        self.options = {"stage": stage, "region": region}
        self.environ = os.environ if environ is None else environ
        self._load = load
        self.unresolved: list[str] = []
        """Every variable kept as written, once each."""
        self._depth = 0

    def resolve(self, value: Any) -> Any:
        """``value`` with its variables resolved, recursively through lists and mappings."""
        if isinstance(value, Mapping):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, str) and "${" in value:
            return self._string(value)
        return value

    def _string(self, text: str) -> Any:
        for _ in range(_MAX_PASSES):
            found = next((m for m in _INNER.finditer(text) if not m.group(1).startswith("AWS::")), None)
            if found is None:  # none left, or only CloudFormation's ${AWS::...}
                return text
            value = self._expression(found.group(1))
            if value is _MISSING:
                self._keep(found.group(0))
                return text
            if found.group(0) == text and not isinstance(value, str):
                return self.resolve(value)  # the whole string is one variable: its value, any type
            text = text[: found.start()] + ("" if value is None else str(value)) + text[found.end() :]
        return text

    def _keep(self, variable: str) -> None:
        if variable not in self.unresolved:
            self.unresolved.append(variable)

    def _expression(self, expression: str) -> Any:
        """The first candidate of ``a, b, 'default'`` that has a value."""
        for candidate in _split(expression):
            value = self._candidate(candidate.strip())
            if value is not _MISSING and value is not None:
                return value
        return _MISSING

    def _candidate(self, candidate: str) -> Any:
        quoted = _QUOTED.match(candidate)
        if quoted:
            return quoted.group(2)
        if re.fullmatch(r"-?\d+(\.\d+)?", candidate):
            return float(candidate) if "." in candidate else int(candidate)
        if candidate in ("true", "false"):
            return candidate == "true"
        source, _, address = candidate.partition(":")
        return self._source(source.strip(), address.strip())

    def _source(self, source: str, address: str) -> Any:
        if source == "self":
            return self._lookup(self.document, address)
        if source == "opt":
            return self.options.get(address)
        if source == "sls":
            return {"stage": self.options["stage"]}.get(address, _MISSING)
        if source == "env":
            return self.environ.get(address, _MISSING)
        if source == "aws":
            pseudo = {"accountId": "AccountId", "region": "Region", "partition": "Partition"}.get(address)
            if address == "region" and self.options["region"]:
                return self.options["region"]
            return f"${{AWS::{pseudo}}}" if pseudo else _MISSING
        if source == "ssm":
            return "{{resolve:ssm:" + address.split("~")[0] + "}}"
        if source.startswith("file(") and source.endswith(")"):
            return self._file(source[5:-1].strip(), address)
        return _MISSING

    def _file(self, name: str, address: str) -> Any:
        path = (self.directory / name.strip("'\"")).resolve()
        if self._load is None or not path.is_file() or self._depth > 5:
            return _MISSING
        self._depth += 1
        try:
            content = self._load(path)
        except Exception:  # a file the framework could not read either: reported as unresolved
            return _MISSING
        finally:
            self._depth -= 1
        return self._lookup(content, address) if address else content

    def _lookup(self, document: Any, address: str) -> Any:
        found: Any = document
        for part in [p for p in address.split(".") if p]:
            if isinstance(found, Mapping) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            else:
                return _MISSING
        return found


def _split(expression: str) -> list[str]:
    """``a, 'b, c', d`` at its top-level commas (not inside quotes or parentheses)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in expression:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def sub_pseudo(value: Any) -> Any:
    """``value`` with every string that holds ``${AWS::...}`` made an ``Fn::Sub``, as CloudFormation
    needs it (dicts of intrinsic functions are left as they are)."""
    if isinstance(value, Mapping):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return dict(value)
        return {key: sub_pseudo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [sub_pseudo(item) for item in value]
    if isinstance(value, str) and _PSEUDO.search(value):
        return {"Fn::Sub": value}
    return value
