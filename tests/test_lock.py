"""The development and CI environment is requirements/dev.lock (scripts/lock.sh writes it,
scripts/env.sh installs it): the lock must satisfy every range pyproject.toml declares, and the
interpreter running these tests must hold exactly what it locks."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LOCKS = [ROOT / "requirements" / "dev.lock", ROOT / "requirements" / "checkov.lock"]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$", re.MULTILINE)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path: Path) -> dict[str, str]:
    """Package -> version of a lock file, for this interpreter: a universal lock may pin a package
    twice, under markers that exclude each other."""
    return {
        _name(name): version
        for name, version, marker in _PIN.findall(path.read_text(encoding="utf-8"))
        if not marker.strip() or Marker(marker.strip()).evaluate()
    }


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += [Requirement(r) for r in extra]
    return [r for r in requirements if _name(r.name) != "serverless-patterns"]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_pin_of_a_lock_carries_its_hashes(lock: Path) -> None:
    text = lock.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    pins = [e for e in entries if "==" in e.splitlines()[0]]
    assert len(pins) == len(_PIN.findall(text)) > 0
    assert [e.splitlines()[0] for e in pins if "--hash=sha256:" not in e] == []


def test_the_lock_satisfies_every_range_of_pyproject() -> None:
    pins = locked(LOCKS[0])
    problems = []
    for requirement in declared():
        version = pins.get(_name(requirement.name), "")
        if not version:
            problems.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: the lock has {version}")
    assert problems == [], "pyproject.toml changed without scripts/lock.sh:\n" + "\n".join(problems)


def test_this_interpreter_holds_what_the_lock_pins() -> None:
    if os.environ.get("SERVERLESS_PATTERNS_UNLOCKED"):
        pytest.skip("scripts/check_latest.sh runs the suite on the newest versions, not the lock")
    installed = {_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    different = [
        f"{name}: locked {version}, installed {installed.get(name, 'nothing')}"
        for name, version in locked(LOCKS[0]).items()
        if installed.get(name) != version
    ]
    assert different == [], "the environment is not the lock; source scripts/env.sh:\n" + "\n".join(different)
