"""Checkov, a third opinion: its CloudFormation checks on every template of the examples app.

A failed check passes this test only when the table of docs/security.md ("Checkov, a third opinion") lists it
with its reason; a row there that no longer fails is an error too, so the table and the templates
cannot drift apart. Checkov lives in a virtualenv of its own (``scripts/env.sh`` makes
``.venv-checkov`` from ``scripts/checkov-requirements.txt``): its pins conflict with the project's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from tests.e2e.apps_support import synth_examples

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "security.md"
REQUIREMENTS = ROOT / "scripts" / "checkov-requirements.txt"
TABLE_HEADING = "## Checkov, a third opinion"


def checkov() -> str | None:
    """The Checkov executable: ``$CHECKOV``, then ``.venv-checkov``, then ``PATH``."""
    for candidate in (os.environ.get("CHECKOV"), str(ROOT / ".venv-checkov" / "bin" / "checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("checkov")


def pinned_version() -> str:
    (version,) = re.findall(r"^checkov==(\S+)$", REQUIREMENTS.read_text(encoding="utf-8"), re.MULTILINE)
    return version


def documented() -> dict[str, str]:
    """Check ID -> why it stays failed, from the table of docs/security.md."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index(TABLE_HEADING) :]
    section = section[: section.find("\n#", len(TABLE_HEADING))]
    rows = re.findall(r"^\| `(CKV2?_AWS_\d+)` \| [^|]+ \| (.+) \|$", section, re.MULTILINE)
    return dict(rows)


@pytest.fixture(scope="module")
def failed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Check ID -> ``Stack/LogicalId`` of every resource that fails it."""
    executable = checkov()
    if executable is None:
        message = "Checkov is not installed: bash scripts/test.sh makes .venv-checkov"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == pinned_version(), "re-run scripts/env.sh to install the pinned Checkov"
    out = synth_examples(tmp_path_factory.mktemp("checkov") / "cdk.out")
    templates = sorted(out.glob("*.template.json"))
    assert len(templates) >= 5  # one stack per pattern
    args = [executable, "--framework", "cloudformation", "--output", "json", "--compact", "--quiet"]
    args += ["--skip-download"]
    for template in templates:
        args += ["--file", str(template)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=out)
    assert done.returncode in (0, 1), done.stderr  # 1: some check failed
    reports = json.loads(done.stdout) if done.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    found: dict[str, list[str]] = defaultdict(list)
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        for check in report["results"]["failed_checks"]:
            stack = Path(check["file_path"]).name.removesuffix(".template.json")
            found[check["check_id"]].append(f"{stack}/{check['resource'].split('.', 1)[1]}")
    return dict(found)


def test_every_failed_check_is_documented(failed: dict[str, list[str]]) -> None:
    unexplained = {check: resources for check, resources in failed.items() if check not in documented()}
    assert not unexplained, (
        "Checkov checks failed that docs/security.md's table does not explain (fix them, or add a row with "
        f"the reason): {json.dumps(unexplained, indent=1)}"
    )


def test_every_documented_check_still_fails(failed: dict[str, list[str]]) -> None:
    stale = sorted(set(documented()) - set(failed))
    assert not stale, (
        f"docs/security.md's Checkov table lists checks that no longer fail; remove them: {stale}"
    )


def test_the_access_log_bucket_is_versioned(failed: dict[str, list[str]]) -> None:
    # The one real finding: S3Processor's access-log bucket was not versioned.
    assert "CKV_AWS_21" not in failed
    assert failed["CKV_AWS_18"] == ["Images/ImagesAccessLogsBucketB3DD7BCC"]


def test_the_table_gives_a_reason_for_every_row() -> None:
    rows = documented()
    assert len(rows) >= 5
    assert all(len(reason) > 40 for reason in rows.values())
