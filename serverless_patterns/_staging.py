"""Directories built once and published atomically: the bundle caches and the local cloud's
unpacked code, layers and host packages. Standard library only, so the local cloud can use it
without starting aws-cdk-lib."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["staged_directory"]


class staged_directory:
    """``with staged_directory(final) as staging``: build into ``staging``, renamed to ``final`` on
    success (atomically), removed on failure. Another process that got there first wins."""

    def __init__(self, final: Path) -> None:
        self.final = final

    def __enter__(self) -> Path:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.final.name[:16]}-", dir=self.final.parent))
        self.staging.chmod(0o755)  # mkdtemp's 0700 would travel into the asset
        return self.staging

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            try:
                os.rename(self.staging, self.final)
                return
            except OSError:
                if not self.final.is_dir():
                    raise
        shutil.rmtree(self.staging, ignore_errors=True)
