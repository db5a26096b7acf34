"""Where a running ``serverless-patterns dev`` says how to reach it: the state file its session
writes (serverless_patterns/local/dev.py) and ``invoke`` and ``send`` read
(serverless_patterns/cli/dev.py). Standard library only: those two commands talk to the session
over HTTP and import neither the local cloud nor moto (1.4 s of imports they do not use).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

__all__ = ["STATE_FILE", "read_state"]

STATE_FILE = Path(".serverless-patterns") / "dev.json"
"""Where a running session writes its control endpoint, relative to the project directory."""


def read_state(project: Path) -> dict[str, Any] | None:
    """The state a running session wrote in ``project`` (or a parent directory), or None."""
    for folder in [project.resolve(), *project.resolve().parents]:
        path = folder / STATE_FILE
        if path.is_file():
            with contextlib.suppress(OSError, ValueError):
                found: dict[str, Any] = json.loads(path.read_text())
                return found
    return None
