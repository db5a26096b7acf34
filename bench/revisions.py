"""What the bench scripts that compare revisions share (``bench/dev_loop.py``,
``bench/local_workers.py``): a revision's tree exported to run its library, min/median/max, and
the machine's load."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stats(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 2),
        "median": round(statistics.median(values), 2),
        "max": round(max(values), 2),
    }


def export(revision: str, scratch: Path) -> Path:
    """``revision``'s tree, from ``git archive``, in a directory of ``scratch``."""
    target = scratch / f"rev-{revision[:10]}"
    target.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {revision} failed:\n{archive.stderr.decode()[-2000:]}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def revision_libraries(revisions: list[str], scratch: Path) -> dict[str, Path]:
    """Each revision's library to put first on ``PYTHONPATH``: this tree for ``current``, else the
    revision exported into ``scratch``."""
    return {rev: ROOT if rev == "current" else export(rev, scratch) for rev in revisions}
