"""Synthesizes the catalog's smallest examples (cached) so ``list``, ``show``, ``cost NAME`` and
``diagram NAME`` report what a real synth creates, not a hand-kept list.

The cache key covers the package's source, the catalog and the versions of aws-cdk-lib and
cdk-nag, so any change to a pattern synthesizes again. The cache lives in
``$SERVERLESS_PATTERNS_CACHE`` (default ``~/.cache/serverless-patterns``).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import inspect
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no lock
    fcntl = None  # type: ignore[assignment]

from .._synth_runner import ERROR_FILE, RUNNER
from ..catalog import PatternEntry
from .assembly import Assembly, last_error_line, read_assembly, synth_error
from .check import Finding, pack_findings
from .errors import CliError
from .scaffold import write_app

__all__ = ["ExampleReport", "cache_root", "default_settings", "synthesize_examples"]

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ExampleReport:
    """What the smallest example of a pattern synthesizes to."""

    entry: PatternEntry
    assembly: Assembly

    @property
    def resource_counts(self) -> Counter[str]:
        return Counter(str(r.get("Type")) for _, _, r in self.assembly.resources())

    def alarms(self) -> list[str]:
        found = []
        for _, _, resource in self.assembly.resources():
            if resource.get("Type") == "AWS::CloudWatch::Alarm":
                props = resource.get("Properties") or {}
                description = props.get("AlarmDescription")
                found.append(
                    description if isinstance(description, str) else str(props.get("MetricName", "alarm"))
                )
        return sorted(found)

    def findings(self) -> list[Finding]:
        return pack_findings(self.assembly)

    def pack_status(self) -> dict[str, tuple[int, int]]:
        """Pack name -> (unacknowledged, acknowledged) findings."""
        status: dict[str, tuple[int, int]] = {}
        for finding in self.findings():
            open_, acked = status.get(finding.source, (0, 0))
            status[finding.source] = (open_, acked + 1) if finding.acknowledged else (open_ + 1, acked)
        for pack in ("AwsSolutions", "Serverless"):
            status.setdefault(pack, (0, 0))
        return status


def cache_root() -> Path:
    configured = os.environ.get("SERVERLESS_PATTERNS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "serverless-patterns"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


@cache
def _source_digest() -> str:
    """Digest of the package source an example can import (the CLI, catalog and local cloud aside)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT)
        if relative.parts[0] in ("cli", "local", "catalog.py") or "__pycache__" in relative.parts:
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_key(entry: PatternEntry) -> str:
    """Digest of the package source, the entry and the CDK versions: a change to any of them synthesizes again."""
    digest = hashlib.sha256(_source_digest().encode())
    digest.update(repr(entry).encode())
    for package in ("aws-cdk-lib", "cdk-nag"):
        digest.update(f"{package}={_version(package)}".encode())
    return digest.hexdigest()[:16]


def synthesize_examples(entries: Sequence[PatternEntry]) -> dict[str, ExampleReport]:
    """Each entry's example synthesized with the rule packs, from the cache when it is current.

    Entries not in the cache are synthesized together in one Python process.
    """
    with _cache_lock():
        return _synthesize_examples(entries)


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """Holds the example cache for this process: two processes (``check`` in two terminals, test
    workers) that found the same example missing would otherwise delete each other's directory
    while it synthesizes."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w", encoding="utf-8") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _synthesize_examples(entries: Sequence[PatternEntry]) -> dict[str, ExampleReport]:
    directories = {entry.name: cache_root() / entry.name / _cache_key(entry) for entry in entries}
    todo = []
    for entry in entries:
        directory = directories[entry.name]
        if not (directory / "cdk.out" / "manifest.json").is_file():
            if directory.exists():
                import shutil

                shutil.rmtree(directory)
            write_app(entry, directory)
            todo.append(directory)
    if todo:
        env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}
        env.pop("CDK_CONTEXT_JSON", None)
        env["CDK_CONTEXT_JSON"] = '{"@aws-cdk/core:validateAgainstDefaultRules": true}'
        done = subprocess.run(
            [sys.executable, str(RUNNER), "--many", *map(str, todo)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise CliError(
                f"synthesizing the examples failed: {last_error_line(done.stderr + done.stdout)}",
                detail=done.stderr + done.stdout,
            )
    reports = {}
    for entry in entries:
        directory = directories[entry.name]
        error = directory / "synth-error.txt"
        if error.is_file():
            text = error.read_text(encoding="utf-8")
            error.unlink()
            recorded = directory / ERROR_FILE
            failure = synth_error(f"the {entry.name} example", text, recorded)
            recorded.unlink(missing_ok=True)
            raise failure
        reports[entry.name] = ExampleReport(entry, read_assembly(directory / "cdk.out"))
    return reports


_PARAM = re.compile(r":param (\w+):(.*?)(?=:param |\Z)", re.S)


def default_settings(entry: PatternEntry) -> list[tuple[str, str, str]]:
    """(prop, description, default) of every documented prop, read from the construct's docstrings.

    Reads ``:param name: ... Default: ...`` lines of the class and its ``__init__`` (a constructor
    with many props documents them on the class), or the field docstrings of a ``<Class>Props``
    dataclass, so the defaults are the ones the code documents.
    """
    construct = entry.construct_class()
    settings: list[tuple[str, str, str]] = []
    for documented in (construct, vars(construct).get("__init__")):
        doc = inspect.getdoc(documented) or ""
        for name, text in _PARAM.findall(doc):
            settings.append((name, *_split_default(" ".join(text.replace("``", "`").split()))))
    if settings:
        return settings
    module = sys.modules[construct.__module__]
    props = getattr(module, f"{entry.class_name}Props", None)
    if props is None:
        return settings
    return [(name, *_split_default(text)) for name, text in _field_docs(props)]


def _split_default(text: str) -> tuple[str, str]:
    head, sep, default = text.partition("Default:")
    return head.strip().rstrip("."), default.strip().lstrip("- ").strip() if sep else "required"


def _field_docs(cls: type) -> list[tuple[str, str]]:
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError, SyntaxError):
        return []
    body: list[Any] = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found = []
    for node, following in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            text = ""
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                text = " ".join(following.value.value.split())
            found.append((node.target.id, text))
    return found
