"""The requirements line of an app made by ``serverless-patterns new`` or ``import``: this
serverless-patterns as pip recorded where it was installed from (PEP 610 ``direct_url.json``).

Used by the scaffold (serverless_patterns/cli/scaffold.py) and the importer's writer
(serverless_patterns/importer/writer.py); it imports neither.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["DISTRIBUTION", "EXTRAS", "installed_requirement", "requirement", "requirements_txt"]

DISTRIBUTION = "serverless-patterns"
EXTRAS = "cli,local"


def requirement(version: str | None, direct_url: Mapping[str, Any] | None, extras: str = EXTRAS) -> str:
    """The requirements line that installs serverless-patterns from where this copy came from, as pip
    recorded it (PEP 610 ``direct_url.json``): a Git URL at its commit, a local wheel or checkout
    that still exists, else the version from the package index."""
    name = f"{DISTRIBUTION}[{extras}]"
    url = str((direct_url or {}).get("url") or "")
    if not url:
        return f"{name}=={version}" if version else name
    vcs = (direct_url or {}).get("vcs_info")
    if isinstance(vcs, Mapping):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"{name} @ {vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
    parts = urlsplit(url)
    if parts.scheme == "file" and not Path(unquote(parts.path)).exists():
        gone = f"  # installed from {url}, which is gone: point this at the wheel or a checkout"
        return (f"{name}=={version}" if version else name) + gone
    return f"{name} @ {url}"


def installed_requirement(extras: str = EXTRAS) -> str:
    """:func:`requirement` for the serverless-patterns this command runs from."""
    try:
        found = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without installing it
        return f"{DISTRIBUTION}[{extras}]"
    recorded = found.read_text("direct_url.json")
    try:
        direct_url = json.loads(recorded) if recorded else None
    except json.JSONDecodeError:
        direct_url = None
    return requirement(found.version, direct_url if isinstance(direct_url, dict) else None, extras)


_REQUIREMENTS = """# serverless-patterns as it was installed when this app was made (pip's record of its source):
# a wheel or a checkout must stay where it is. Once it is on PyPI: {name}[{extras}]>={version}
{line}
aws-lambda-powertools[tracer]>=3.37,<4
pytest>=8
"""


def requirements_txt() -> str:
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "0.1.0"
    return _REQUIREMENTS.format(
        name=DISTRIBUTION, extras=EXTRAS, version=version, line=installed_requirement()
    )
