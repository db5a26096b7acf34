"""Whether a handler's module defines the function the handler names, read from its source.

The source is read, never imported or run: a synth must not execute handler code. Python modules
are parsed with :mod:`ast`; a name counts as defined when the module binds it at its top level
(``def``, ``async def``, ``class``, an assignment, annotated or not, an ``import``, also inside
top-level ``if``/``try``/``with``/``for`` blocks) or declares it ``global`` anywhere. Node.js
entries (``.ts``, ``.js``, ``.mjs``, ``.cjs``, ...) are scanned as text for the exports that are
statically visible (``export const|let|var|function|class name``, ``export { a as b }``,
``exports.name =``, ``module.exports.name =``, ``module.exports = { name }``).

Where the names cannot be known from the text (``from x import *``, a module ``__getattr__``,
``module.exports = require(...)``, ``export * from``, ``export default``, computed keys), nothing is
reported: a check that cannot be sure stays silent rather than refuse a working app.
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
from collections.abc import Iterable, Iterator

__all__ = ["node_exports", "node_problems", "python_names", "python_problems"]

_SHOWN_NAMES = 20

# ----------------------------------------------------------------------------------------- Python
_BLOCKS = (ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)


def python_names(source: str | bytes, *, feature_version: tuple[int, int] | None = None) -> set[str] | None:
    """The names ``source`` binds at its top level, or None when they are not statically visible
    (a star import, a module ``__getattr__``). Raises SyntaxError when it does not parse."""
    tree = ast.parse(source, feature_version=feature_version)
    names: set[str] = set()
    for statement in _top_level(tree.body):
        if isinstance(statement, ast.ImportFrom) and any(alias.name == "*" for alias in statement.names):
            return None
        names.update(_bound(statement))
    names.update(name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names)
    return None if "__getattr__" in names else names


def _top_level(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement run at import time outside a function or class, blocks entered."""
    for statement in body:
        yield statement
        if isinstance(statement, _BLOCKS):
            for field in ("body", "orelse", "finalbody"):
                yield from _top_level(getattr(statement, field, []))
        if isinstance(statement, ast.Try | ast.TryStar):
            for handler in statement.handlers:
                yield from _top_level(handler.body)
        if isinstance(statement, ast.Match):
            for case in statement.cases:
                yield from _top_level(case.body)


def _bound(statement: ast.stmt) -> Iterator[str]:
    """The names one statement binds (not those of the blocks it holds)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield statement.name
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield from _targets(target)
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        yield from _targets(statement.target)
    elif isinstance(statement, ast.Import):
        yield from (alias.asname or alias.name.split(".")[0] for alias in statement.names)
    elif isinstance(statement, ast.ImportFrom):
        yield from (alias.asname or alias.name for alias in statement.names)
    elif isinstance(statement, ast.For | ast.AsyncFor):
        yield from _targets(statement.target)
    elif isinstance(statement, ast.With | ast.AsyncWith):
        for item in statement.items:
            if item.optional_vars is not None:
                yield from _targets(item.optional_vars)


def _targets(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _targets(element)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)


def python_problems(prop: str, handler: str, path: str, shown: str, runtime: str) -> list[str]:
    """The problem with a Python handler whose module is the file ``path`` (``shown`` as its name
    in the message), on ``runtime`` (``python3.14``): one that does not parse, or that binds no
    such function. A module that only a newer Python than this one can read is not judged."""
    version = _python_version(runtime)
    newer = version is None or version > sys.version_info[:2]
    try:
        with open(path, "rb") as file:
            source = file.read()
        names = python_names(source, feature_version=None if newer else version)
    except OSError:
        return []
    except SyntaxError as error:
        if newer:
            return []  # perhaps syntax this Python predates; Lambda's own will say
        return [f"{prop}.handler {handler!r}: {shown} does not parse: {error.msg} (line {error.lineno})"]
    name = handler.rsplit(".", 1)[1]
    if names is None or name in names:
        return []
    return [missing(prop, handler, shown, name, names, "defines")]


def _python_version(runtime: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    return (int(found.group(1)), int(found.group(2))) if found else None


# ---------------------------------------------------------------------------------------- Node.js
_NAME = r"[A-Za-z_$][\w$]*"
_START = r"(?<![\w$.])"
_DECLARED = re.compile(
    _START + r"export\s+(?:declare\s+)?(?:async\s+)?"
    r"(?:function\s*\*?|const\s+enum|const|let|var|class|abstract\s+class|enum)\s+(" + _NAME + ")"
)
_LISTED = re.compile(_START + r"export\s+(type\s+)?\{([^}]*)\}")
_NAMESPACE = re.compile(_START + r"export\s*\*\s*as\s+(" + _NAME + ")")
_PROPERTY = re.compile(_START + r"(?:module\s*\.\s*)?exports\s*\.\s*(" + _NAME + r")\s*=(?![=>])")
_DEFINED = re.compile(r"Object\.defineProperty\(\s*(?:module\.)?exports\s*,\s*[\"'](" + _NAME + ")[\"']")
_OBJECT = re.compile(_START + r"module\s*\.\s*exports\s*=\s*\{")
_OPAQUE = re.compile(
    "|".join(
        (
            _START + r"export\s*\*\s*from\b",  # every export of another module
            _START + r"export\s+default\b",
            _START + r"export\s*=(?!=)",  # TypeScript's export =
            _START + r"export\s+(?:const|let|var)\s*[{\[]",  # destructured
            _START + r"module\s*\.\s*exports\s*=(?![=>])(?!\s*\{)",  # require(...), a variable, ...
            _START + r"(?:module\s*\.\s*)?exports\s*\[",  # computed names
            r"Object\.assign\(\s*(?:module\.)?exports\b",
        )
    )
)


def node_exports(source: str) -> set[str] | None:
    """The names a Node.js module exports, read from its text, or None when they are not all
    statically visible."""
    code = _without_comments(source)
    if _OPAQUE.search(code):
        return None
    names = {
        found.group(1)
        for pattern in (_DECLARED, _NAMESPACE, _PROPERTY, _DEFINED)
        for found in pattern.finditer(code)
    }
    for found in _LISTED.finditer(code):
        for words in (entry.split() for entry in found.group(2).split(",")):
            if words and words[0] != "type" and not found.group(1):  # a type is no value
                names.add(words[-1].strip("\"'"))
    for found in _OBJECT.finditer(code):
        keys = _object_keys(code, found.end() - 1)
        if keys is None:
            return None
        names.update(keys)
    return names


def _without_comments(source: str) -> str:
    """``source`` with its comments and regular expressions dropped and its strings emptied, but
    for those that hold one name (a key, ``"handler"``). A literal ends at the end of its line at
    the latest (but a template literal), so that one misread spoils one line at most."""
    out: list[str] = []
    index, length = 0, len(source)
    while index < length:
        char = source[index]
        if source.startswith("//", index):
            end = source.find("\n", index)
            index = length if end < 0 else end
        elif source.startswith("/*", index):
            end = source.find("*/", index + 2)
            out.append(" ")
            index = length if end < 0 else end + 2
        elif char in "\"'`" or (char == "/" and _regex_may_start("".join(out[-20:]))):
            end = _literal_end(source, index)
            text = source[index + 1 : end - 1] if char != "/" else ""
            out.append(char + (text if re.fullmatch(_NAME, text) else "") + char)
            index = end
        else:
            out.append(char)
            index += 1
    return "".join(out)


_BEFORE_REGEX = re.compile(
    r"(?:^|[(,=:\[!&|?{};+\-*%<>~^]|\b(?:return|typeof|case|do|else|in|of|new|void|throw|yield|await))\s*$"
)


def _regex_may_start(before: str) -> bool:
    """Whether a ``/`` after ``before`` opens a regular expression rather than divides."""
    return bool(_BEFORE_REGEX.search(before))


def _literal_end(source: str, start: int) -> int:
    """The index just past the string, template or regular expression literal opened at ``start``."""
    quote, index, in_class = source[start], start + 1, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if quote == "/" and char in "[]":
            in_class = char == "["
        elif (char == quote and not in_class) or (char == "\n" and quote != "`"):
            return index + 1
        index += 1
    return len(source)


_KEY = re.compile(r"(?:(?:async|get|set)\s+(?=[\w$\"'*]))?\*?\s*(" + _NAME + r"|\"[^\"]*\"|'[^']*')")


def _object_keys(code: str, opening: int) -> set[str] | None:
    """The keys of the object literal whose ``{`` is at ``opening``; None when one is not
    statically visible (a spread, a computed key) or the literal does not close."""
    entries, depth, begin, index = [], 0, opening + 1, opening
    while index < len(code):
        char = code[index]
        if char in "\"'`":
            index = _literal_end(code, index)
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
            if depth == 0:
                entries.append(code[begin:index])
                break
        elif char == "," and depth == 1:
            entries.append(code[begin:index])
            begin = index + 1
        index += 1
    else:
        return None
    keys: set[str] = set()
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        key = _KEY.match(entry)
        if entry.startswith(("...", "[")) or key is None:
            return None
        keys.add(key.group(1).strip("\"'"))
    return keys


def node_problems(prop: str, handler: str, path: str, shown: str) -> list[str]:
    """The problem with a Node.js handler whose entry is the file ``path`` (``shown`` as its name in
    the message): it clearly exports names, and not the one the handler names."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            names = node_exports(file.read())
    except OSError:
        return []
    name = handler.rsplit(".", 1)[1]
    if not names or name in names:
        return []
    return [missing(prop, handler, shown, name, names, "exports")]


# --------------------------------------------------------------------------------------- messages
def missing(prop: str, handler: str, shown: str, name: str, names: Iterable[str], verb: str) -> str:
    """``function.handler 'orders.creat': orders.py defines no 'creat'; did you mean 'create'?
    It defines: create, delete``."""
    listed = sorted(n for n in names if not (n.startswith("__") and n.endswith("__")))
    message = f"{prop}.handler {handler!r}: {shown} {verb} no {name!r}"
    close = difflib.get_close_matches(name, listed, n=3)
    if close:
        message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
    if not listed:
        return message + f"; it {verb} nothing at its top level"
    more = f", ... ({len(listed) - _SHOWN_NAMES} more)" if len(listed) > _SHOWN_NAMES else ""
    return message + (" It" if close else "; it") + f" {verb}: {', '.join(listed[:_SHOWN_NAMES])}{more}"
