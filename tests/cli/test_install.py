"""What a pip user meets first: the console script without its extra, ``list`` in a pipe and on a
terminal, and the requirements line ``new`` writes (it installs serverless-patterns from where it came).

The whole route in a fresh virtualenv from a built wheel is ``scripts/try_fresh_install.sh``, run by
``test_fresh_install.py`` when SERVERLESS_PATTERNS_SLOW=1."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from serverless_patterns import catalog
from serverless_patterns._requirements import installed_requirement, requirement
from serverless_patterns.cli.scaffold import app_source

from .support import SCRIPT

ENTRIES = catalog.entries()
_HIDE = """
import sys
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {hidden!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Hide())
sys.argv = ["serverless-patterns", *{args!r}]
from serverless_patterns.cli.__main__ import main
main()
"""


def _console(hidden: set[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The console script's code (what pip's generated ``serverless-patterns`` runs), with modules hidden."""
    code = _HIDE.format(hidden=hidden, args=list(args))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_without_the_cli_extra_one_line_names_it() -> None:
    done = _console({"typer"}, "list", "--no-synth")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "error: the command line needs the 'cli' extra: pip install 'serverless-patterns[cli]' "
        "(no module named 'typer')\n"
    )


def test_a_command_whose_extra_is_missing_names_it() -> None:
    """typer is there, boto3 (the local extra) is not: ``redrive`` says so in one line."""
    done = _console({"boto3"}, "redrive", "SomeStack")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the local cloud needs the 'local' extra: pip install 'serverless-patterns[local]' "
        "(no module named 'boto3')"
    ]


def test_with_the_extra_the_entry_point_runs_the_command_line() -> None:
    done = _console(set(), "list", "--no-synth", "--json")
    assert done.returncode == 0, done.stderr
    assert '"api-to-lambda"' in done.stdout


def test_list_piped_at_80_columns_cuts_nothing(reports: dict[str, Any]) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("TERM", None)
    done = subprocess.run([str(SCRIPT), "list"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["PATTERN", "CLASS", "AWSSOLUTIONS", "SERVERLESS", "SUMMARY"]
    assert len(lines) == len(ENTRIES) + 1
    for entry, line in zip(ENTRIES, lines[1:], strict=True):
        assert line.split()[:2] == [entry.name, entry.class_name]
        assert line.endswith(entry.summary)
        assert line.count("✓ pass") == 2
    assert max(len(line) for line in lines) > 80  # longer than the terminal would be, and whole


def test_list_on_a_terminal_keeps_the_table(reports: dict[str, Any]) -> None:
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "LINES": "50", "TERM": "xterm-256color"}
    process = subprocess.Popen([str(SCRIPT), "list"], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 600)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    output = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode())
    assert process.returncode == 0, output
    assert "┃ Pattern" in output and "━━━" in output
    assert "PATTERN  " not in output


def test_requirement_follows_where_the_package_came_from(tmp_path: Path) -> None:
    """The PEP 610 records pip writes (direct_url.json), in each of its shapes."""
    wheel = tmp_path / "serverless_patterns-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    name = "serverless-patterns[cli,local]"
    assert requirement("0.1.0", None) == f"{name}==0.1.0"
    assert requirement("0.1.0", {"url": wheel.as_uri(), "archive_info": {}}) == f"{name} @ {wheel.as_uri()}"
    assert requirement("0.1.0", {"url": tmp_path.as_uri(), "dir_info": {"editable": True}}) == (
        f"{name} @ {tmp_path.as_uri()}"
    )
    git = {
        "url": "https://git.example.org/team/serverless-patterns.git",
        "vcs_info": {"vcs": "git", "requested_revision": "main", "commit_id": "0" * 40},
    }
    assert requirement("0.1.0", git) == (
        f"{name} @ git+https://git.example.org/team/serverless-patterns.git@{'0' * 40}"
    )
    gone = (tmp_path / "gone.whl").as_uri()
    assert requirement("0.1.0", {"url": gone, "archive_info": {}}) == (
        f"{name}==0.1.0  # installed from {gone}, which is gone: point this at the wheel or a checkout"
    )


def test_new_writes_the_installed_requirement(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), "new", "fanout-queue", str(tmp_path / "app")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "app" / "requirements.txt").read_text().splitlines()
    ours = [line for line in lines if line.startswith("serverless-patterns")]
    assert ours == [installed_requirement()]
    if " @ file://" in ours[0]:  # a wheel or checkout: it must still be there
        assert Path(ours[0].split(" @ file://", 1)[1]).exists()
    assert "npm install" not in done.stdout  # the CDK CLI comes by itself now


def test_the_scaffold_imports_serverless_patterns_before_aws_cdk() -> None:
    for entry in ENTRIES:
        source = app_source(entry)
        imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
        assert imports[0].startswith("from serverless_patterns import"), entry.name
        assert any(line.startswith("from cdk_nag import") for line in imports[1:])


def test_the_readme_install_section_lists_every_command() -> None:
    """The `[cli]` extra's commands, all of them, on the documentation's Install page."""
    from serverless_patterns.cli.app import app

    install = (Path(__file__).resolve().parents[2] / "docs" / "install.md").read_text()
    names = sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)
    assert {"cdk", "dev", "invoke", "send", "events", "redrive", "new", "check"} <= set(names)
    missing = [name for name in names if not re.search(rf"`{name}\b", install)]
    assert missing == [], f"docs/install.md does not list {missing}"
    assert "serverless-patterns cdk deploy" in install and "npm install" not in install
