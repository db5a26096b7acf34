"""Driving ``serverless-patterns dev`` as a user would, for tests/e2e/test_dev.py and
tests/e2e/test_dev_updates.py: a ``dev`` subprocess and what it printed, free ports, signed HTTP
requests, waits."""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from serverless_patterns.local.api_auth import sign_request
from serverless_patterns.local.cdk import CdkError, cdk_command

REPO = Path(__file__).resolve().parents[2]
HEALTH = """def handler(event, context):
    return {"statusCode": 200, "body": "healthy"}
"""


def _free_port(count: int = 8) -> int:
    """The first of ``count`` consecutive free ports: a session serves its APIs on the port given and
    the ones after it. They are taken below Linux's ephemeral range (32768 up), where the sockets of
    the local cloud and its workers would otherwise land on a port after the first one."""
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(20000, 32000 - count)
        try:
            with contextlib.ExitStack() as held:
                for port in range(first, first + count):
                    s = held.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports between 20000 and 32000")


def _get(url: str, *, sign: bool = True) -> tuple[int, str]:
    """GET ``url``, signed with SigV4 by the local cloud's own credentials (the app's routes are
    IAM-authorized, as its default is), or not."""
    headers = sign_request("GET", url, {}, None, ("testing", "testing", None), "us-east-1") if sign else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode()


def _wait(check: Callable[[], bool], timeout: float, what: str) -> float:
    begin = time.monotonic()
    while not check():
        if time.monotonic() - begin > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - begin


def _workers_of(pid: int) -> set[int]:
    """Worker processes (Python handlers) whose parent is ``pid``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"_worker_python" in cmdline:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


class Dev:
    """A running ``serverless-patterns dev`` and everything it printed."""

    def __init__(self, app: Path, port: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
        try:
            env["CDK_CLI"] = " ".join(cdk_command(REPO))
        except CdkError as exc:
            pytest.skip(str(exc))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serverless_patterns.cli.app", "dev", "--port", str(port)],
            cwd=app,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, pattern: str, since: int = 0) -> bool:
        return any(re.search(pattern, line) for line in self.lines[since:])

    def output(self) -> str:
        return "\n".join(self.lines[-60:])
