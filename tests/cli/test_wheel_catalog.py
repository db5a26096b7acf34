"""The wheel ships every file the catalog reads: a pattern package's ``catalog/`` (``pattern.toml``,
``app.py``, handlers, handler tests) as well as the five patterns' ``examples/catalog/<name>/``
(force-included under ``serverless_patterns/_examples/``).

The wheel is built from a copy of the sources that adds a pattern package with a catalog folder, so
the check holds whatever pattern packages the checkout has (a few seconds: hatchling, no install).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from serverless_patterns import catalog
from serverless_patterns._registry import PATTERNS

ROOT = Path(__file__).resolve().parents[2]
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", "cdk.out")
_FAKE = {
    "pattern.toml": 'summary = "s"\ntrigger = "t"\ncreates = "c"\ndescription = "d"\n',
    "app.py": "# the smallest app\n",
    "handlers/jobs/app.py": "def handler(event, context): ...\n",
    "handlers/jobs/requirements.txt": "",
    "tests/test_handlers.py": "def test_it() -> None: ...\n",
}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "serverless_patterns", source / "serverless_patterns", ignore=_IGNORED)
    for name in ("catalog", "handlers"):
        shutil.copytree(ROOT / "examples" / name, source / "examples" / name, ignore=_IGNORED)
    fake = source / "serverless_patterns" / "patterns" / "zz_wheel_probe"
    for relative, text in _FAKE.items():
        (fake / "catalog" / relative).parent.mkdir(parents=True, exist_ok=True)
        (fake / "catalog" / relative).write_text(text)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        check=True,
        timeout=600,
    )
    (wheel,) = dist.glob("serverless_patterns-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_a_pattern_packages_catalog_folder_ships_whole(wheel_names: set[str]) -> None:
    """Non-Python files included (pattern.toml, a requirements.txt)."""
    shipped = {
        n.removeprefix("serverless_patterns/patterns/zz_wheel_probe/catalog/")
        for n in wheel_names
        if n.startswith("serverless_patterns/patterns/zz_wheel_probe/catalog/")
    }
    assert shipped == set(_FAKE)


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_every_catalog_file_of_a_registered_pattern_ships(wheel_names: set[str], pattern: object) -> None:
    folder = catalog.catalog_folder(pattern)  # type: ignore[arg-type]
    assert folder is not None
    files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert files
    for path in files:
        relative = path.relative_to(folder).as_posix()
        if folder.name == "catalog":  # serverless_patterns/patterns/<module>/catalog/
            shipped = f"serverless_patterns/patterns/{folder.parent.name}/catalog/{relative}"
        else:  # examples/catalog/<name>/
            shipped = f"serverless_patterns/_examples/catalog/{folder.name}/{relative}"
        assert shipped in wheel_names
