"""Instrumentation the benchmark apps import first: jsii round trips and phase timings.

Every request the Python side sends to the jsii Node process goes through
``jsii._kernel.providers.process._NodeProcess.send``; wrapping it counts every round trip (create,
invoke, get, set, sinvoke, sget, callback completions, load, ...) by request type and measures the
time spent waiting on Node. With ``BENCH_CALLSITES=1`` each round trip is also attributed to the
first frame in ``serverless_patterns/`` on the Python stack (file:line function), to find hot spots.

The app marks phases with :func:`mark` and construction of one instance with :func:`instance`; at
exit the numbers are written as JSON to ``$BENCH_STATS`` (when set).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

T0 = time.perf_counter()

from jsii._kernel.providers import process as _process  # noqa: E402

_counts: collections.Counter[str] = collections.Counter()
_callsites: collections.Counter[str] = collections.Counter()
_pattern_sites: collections.Counter[str] = collections.Counter()
_node_seconds = [0.0]
_phases: dict[str, float] = {}
_node_at: dict[str, float] = {}
_instances: list[dict[str, Any]] = []
_extra: dict[str, Any] = {}
_CALLSITES = os.environ.get("BENCH_CALLSITES") == "1"
_MARKER = os.sep + "serverless_patterns" + os.sep
_original_send = _process._NodeProcess.send


_PATTERNS = _MARKER + "patterns" + os.sep


def _site(frame: Any) -> str:
    filename = frame.f_code.co_filename
    return f"{filename[filename.rindex(_MARKER) + 1 :]}:{frame.f_lineno} {frame.f_code.co_name}"


def _callsite() -> tuple[str, str | None]:
    """The innermost frame in serverless_patterns/, and the outermost one in its patterns/."""
    frame: Any = sys._getframe(3)
    inner = outer = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if _MARKER in filename:
            inner = inner or frame
            if _PATTERNS in filename:
                outer = frame
        frame = frame.f_back
    if inner is None:
        return "(outside serverless_patterns)", None
    return _site(inner), (_site(outer) if outer is not None and outer is not inner else None)


def _send(self: Any, request: Any, response_type: Any) -> Any:
    _counts[type(request).__name__] += 1
    if _CALLSITES:
        inner, outer = _callsite()
        _callsites[inner] += 1
        if outer is not None:
            _pattern_sites[outer] += 1
    start = time.perf_counter()
    try:
        return _original_send(self, request, response_type)
    finally:
        _node_seconds[0] += time.perf_counter() - start


_process._NodeProcess.send = _send  # type: ignore[method-assign]


def calls() -> int:
    """Round trips so far."""
    return sum(_counts.values())


def mark(phase: str) -> None:
    """Records the time since process start (well, since this module loaded) at the end of ``phase``."""
    _phases[phase] = time.perf_counter() - T0
    _node_at[phase] = _node_seconds[0]


def note(key: str, value: Any) -> None:
    _extra[key] = value


@contextlib.contextmanager
def instance(kind: str) -> Iterator[None]:
    """Measures the construction of one pattern instance: round trips and seconds."""
    before, start = calls(), time.perf_counter()
    yield
    _instances.append({"kind": kind, "calls": calls() - before, "seconds": time.perf_counter() - start})


def _dump() -> None:
    path = os.environ.get("BENCH_STATS")
    if not path:
        return
    data = {
        "phases": _phases,
        "calls": dict(_counts),
        "total_calls": calls(),
        "node_seconds": _node_seconds[0],
        "node_at": _node_at,
        "instances": _instances,
        "callsites": dict(_callsites.most_common(80)) if _CALLSITES else {},
        "pattern_callsites": dict(_pattern_sites.most_common(40)) if _CALLSITES else {},
        **_extra,
    }
    with open(path, "w") as out:
        json.dump(data, out)


atexit.register(_dump)
