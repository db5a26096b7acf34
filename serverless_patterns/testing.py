"""Helpers for unit tests of your handlers: import a handler as Lambda would, and a Lambda context.

The scaffolded apps' ``tests/`` use them::

    from serverless_patterns.testing import lambda_context, load_handler

    app = load_handler(__file__, "orders")  # handlers/orders/app.py, Powertools set for a unit test


    def test_handler() -> None:
        assert app.handler(event, lambda_context("orders")) == {"batchItemFailures": []}
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["LambdaContext", "lambda_context", "load_handler"]


@dataclass(frozen=True)
class LambdaContext:
    """What Powertools' ``inject_lambda_context`` and most handlers read of Lambda's context object."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def lambda_context(
    function_name: str = "handler",
    *,
    memory_mb: int = 512,
    alias: str = "live",
    region: str = "us-east-1",
    account: str = "123456789012",
    request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678",
) -> LambdaContext:
    """A context of ``function_name`` invoked through ``alias`` (the alias the patterns deploy)."""
    arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}:{alias}"
    return LambdaContext(function_name, memory_mb, arn, request_id)


def load_handler(test_file: str, function: str, module: str = "app") -> ModuleType:
    """``handlers/<function>/<module>.py`` of the app whose ``tests/`` holds ``test_file``, imported
    with its folder first on ``sys.path`` (as Lambda does) and Powertools set for a unit test: no
    tracing, the service named ``function`` (unless the environment says otherwise).

    A module of the same name imported from another folder (two functions each with an ``app.py``)
    is imported again from this one.
    """
    folder = Path(test_file).resolve().parents[1] / "handlers" / function
    if not (folder / f"{module}.py").is_file():
        raise FileNotFoundError(f"no {module}.py in {folder}")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", function)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))
    sys.path.insert(0, str(folder))
    loaded = sys.modules.get(module)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve().parent != folder:
        del sys.modules[module]
    return importlib.import_module(module)
