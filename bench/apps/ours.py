"""(b) One instance of each serverless-patterns pattern, in its default configuration.

Patterns are found by module; the ones that do not exist (yet) are skipped and listed in the
stats, so the benchmark includes whichever have landed. Each builder passes only what the pattern
requires (its smallest working example), with the benchmark's handler directory for code.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

import common
import probe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from serverless_patterns.core import FunctionSpec  # noqa: E402

probe.mark("import_library")


def spec() -> FunctionSpec:
    return FunctionSpec(code=common.HANDLER_DIR, handler="app.handler")


def _fanout(cls: type, scope: Any, id: str) -> object:
    from serverless_patterns.patterns.fanout_queue import Subscriber

    return cls(scope, id, subscribers={"worker": Subscriber(function=spec())})


def _pipeline(cls: type, scope: Any, id: str) -> object:
    from serverless_patterns.patterns.orchestrated_pipeline import Step

    return cls(scope, id, steps=[Step("Process", spec())])


# (class name, module, builder of the smallest configuration equivalent to the peer's, or None for
# introspection). Where a user function is optional (StreamToSns), one is given, as the peer has one.
Builder = Callable[[type, Any, str], object]
PATTERNS: list[tuple[str, str, Builder | None]] = [
    ("ApiToLambda", "serverless_patterns.patterns.api_to_lambda", lambda c, s, i: c(s, i, function=spec())),
    ("S3Processor", "serverless_patterns.patterns.s3_processor", None),
    (
        "StreamToSns",
        "serverless_patterns.patterns.stream_to_sns",
        lambda c, s, i: c(s, i, partition_key="id", function=spec()),
    ),
    ("FanoutQueue", "serverless_patterns.patterns.fanout_queue", _fanout),
    ("OrchestratedPipeline", "serverless_patterns.patterns.orchestrated_pipeline", _pipeline),
]


def _introspected(cls: type, scope: Any, id: str) -> object:
    """Fills every required keyword-only prop typed FunctionSpec; fails on any other required prop."""
    kwargs: dict[str, Any] = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty:
            if "FunctionSpec" in str(param.annotation):
                kwargs[name] = spec()
            else:
                raise TypeError(f"{cls.__name__}: no benchmark value for required prop {name!r}")
    return cls(scope, id, **kwargs)


WANTED = os.environ.get("BENCH_PATTERNS")


def available() -> list[tuple[str, type, Builder]]:
    """The patterns of ``BENCH_PATTERNS`` (a comma list; default every one), imported: an app with
    one pattern imports that pattern's module only, as a user's app would."""
    found, missing = [], []
    for name, module_name, builder in PATTERNS:
        if WANTED is not None and name not in WANTED.split(","):
            continue
        try:
            cls = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            missing.append(name)
            continue
        found.append((name, cls, builder or _introspected))
    probe.note("missing", missing)
    return found


PRESENT = available()


def build_set(stack: Any, index: int) -> None:
    for name, cls, builder in SELECTED:
        with probe.instance(name):
            builder(cls, stack, f"{name}{index + 1}")


def preflight() -> None:
    """Prints, as JSON, which present patterns build and synthesize now, and why the others do not."""
    import json
    import tempfile

    import aws_cdk as cdk

    result: dict[str, str | None] = {}
    for name, cls, builder in PRESENT:
        try:
            app = cdk.App(outdir=tempfile.mkdtemp(prefix="bench-preflight-"))
            builder(cls, cdk.Stack(app, "Preflight", env=common.ENV), name)
            app.synth()
            result[name] = None
        except Exception as error:  # any failure: the pattern is left out of this run
            result[name] = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--preflight"]:
        preflight()
        sys.exit(0)
    SELECTED = PRESENT
    probe.note("patterns", [p[0] for p in SELECTED])
    common.run(build_set)
