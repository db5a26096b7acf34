"""``dev``, ``invoke`` and ``send`` without a running session, or with bad input: one line each."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from .support import invoke


def _one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_invoke_without_a_session_says_to_start_dev(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(runner, "invoke", "Fn")
    assert _one_line_error(code, err) == (
        "error: no `serverless-patterns dev` runs here (no .serverless-patterns/dev.json in this "
        "directory or above): start it first"
    )


def test_a_session_that_is_gone_is_reported(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = tmp_path / ".serverless-patterns" / "dev.json"
    state.parent.mkdir()
    state.write_text(json.dumps({"pid": 999999, "control": f"http://127.0.0.1:{port}", "token": "t"}))
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from a subdirectory too
    code, _, err = invoke(runner, "send", "Queue", "hello")
    line = _one_line_error(code, err)
    assert line.startswith(
        "error: the dev session of .serverless-patterns/dev.json (pid 999999) does not answer"
    )
    assert line.endswith("is it still running?")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["invoke", "Fn", "--event", "missing.json"],
            "error: missing.json is not a file (pass a file, or - for stdin)",
        ),
        (
            ["invoke", "Fn", "--event", "bad.json"],
            "error: the event is not JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        (["send", "Queue", "x", "--file", "bad.json"], "error: give the body or --file, not both"),
        (
            ["send", "Queue", "x", "--attribute", "novalue"],
            "error: --attribute takes NAME=VALUE, got 'novalue'",
        ),
        (["dev", "."], "error: . has no cdk.json: run dev in a CDK app's directory or pass it"),
        (["dev", "nowhere"], "error: nowhere is neither an app directory nor a file in one"),
    ],
)
def test_bad_input_is_one_line(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("not json")
    code, _, err = invoke(runner, *args)
    assert _one_line_error(code, err) == message


def test_invoke_and_send_reach_a_session_without_importing_the_local_cloud(tmp_path: Path) -> None:
    """They only talk to the session over HTTP: the local cloud and moto (1.4 s of imports, 1.7 s a
    call before) stay unimported, whatever the session's answer."""
    import subprocess
    import sys

    state = tmp_path / ".serverless-patterns" / "dev.json"
    state.parent.mkdir()
    state.write_text(json.dumps({"pid": 999999, "control": "http://127.0.0.1:9", "token": "t"}))
    code = (
        "import sys\n"
        "from serverless_patterns.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('moto', 'aws_cdk', 'jsii'))}\n"
        "    | {m for m in sys.modules if m.startswith('serverless_patterns.local')}))\n"
    )
    for args in (["invoke", "Fn"], ["send", "Queue", "hello"]):
        done = subprocess.run(
            [sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert "does not answer" in done.stderr, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
