"""The dev inner loop as a user feels it: ``python bench/dev_loop.py [--rounds 5] [--revision REV]``.

Scaffolds the app ``serverless-patterns new`` writes for ``api-to-lambda`` (an ApiToLambda with the
AwsSolutions and Serverless rule packs) plus a ``handlers/health`` directory, starts
``serverless-patterns dev`` on it in a subprocess, and then, ``--rounds`` times:

- **app change**: adds a route (``GET /health<n>``, a new function) to ``app.py`` and times the save
  to the first 200 of the new route;
- **handler edit**: changes what ``handlers/users/get_user.py`` returns and times the save to the
  first answer with the new body.

Requests are signed with SigV4 (the scaffold's routes are IAM-authorized). Prints one JSON object:
the timings, their min/median/max, ``/proc/loadavg`` before and after, and what dev printed for each
update. ``--revision REV`` runs that git revision's library (``git archive`` into a temporary
directory put first on ``PYTHONPATH``, as ``bench/local_workers.py`` is run by ``bench/__main__.py``)
for the "previous" column; without it, this tree's. Several ``--revision`` values (``current`` for
this tree) run alternately, one dev session each per round, so the columns are measured side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from revisions import loadavg, revision_libraries, stats

HEALTH = 'def handler(event, context):\n    return {"statusCode": 200, "body": "healthy"}\n'
ROUTE = '        "GET /health{n}": FunctionSpec(code="handlers/health", handler="health.handler"),\n'
STARTUP_TIMEOUT = 600.0
CHANGE_TIMEOUT = 300.0


def _free_port(count: int = 4) -> int:
    for first in range(21000, 31000, 17):
        try:
            with contextlib.ExitStack() as held:
                for port in range(first, first + count):
                    s = held.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports")


def _get(url: str) -> tuple[int, str]:
    from serverless_patterns.local.api_auth import sign_request

    headers = sign_request("GET", url, {}, None, ("testing", "testing", None), "us-east-1")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return 0, str(exc)


def _wait(check: Callable[[], bool], timeout: float, what: str) -> float:
    begin = time.monotonic()
    while not check():
        if time.monotonic() - begin > timeout:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - begin


def scaffold(directory: Path) -> Path:
    from serverless_patterns import catalog
    from serverless_patterns.cli.scaffold import write_app

    entry = catalog.get("api-to-lambda")
    assert entry is not None
    write_app(entry, directory)
    (directory / "handlers" / "health").mkdir()
    (directory / "handlers" / "health" / "health.py").write_text(HEALTH)
    return directory


class Dev:
    """``serverless-patterns dev`` on ``app`` with the library of ``library`` first on PYTHONPATH."""

    def __init__(self, app: Path, library: Path, port: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(library), "COLUMNS": "200"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serverless_patterns.cli.app", "dev", "--port", str(port)],
            cwd=app,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.checks = False
        """This revision checks each change in the background, after serving it."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, pattern: str, since: int = 0) -> bool:
        return any(re.search(pattern, line) for line in self.lines[since:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._reader.join(10)


@contextlib.contextmanager
def running(library: Path, scratch: Path) -> Iterator[tuple[Dev, Path, str]]:
    app = scaffold(Path(tempfile.mkdtemp(prefix="app-", dir=scratch)) / "users")
    port = _free_port()
    dev = Dev(app, library, port)
    try:
        _wait(
            lambda: dev.saw("Watching for changes") or dev.process.poll() is not None,
            STARTUP_TIMEOUT,
            "dev up",
        )
        if dev.process.poll() is not None:
            raise RuntimeError("dev stopped:\n" + "\n".join(dev.lines[-40:]))
        dev.checks = dev.saw(r"^checking the rule packs")
        settle(dev, 0)
        yield dev, app, f"http://127.0.0.1:{port}"
    finally:
        dev.stop()


def app_change(dev: Dev, app: Path, url: str, n: int) -> tuple[float, list[str]]:
    """Adds route ``GET /health<n>`` and times the save to its first 200; then waits for dev to be
    done with the update (its report and the background checks, when it runs them) and returns the
    time and what dev printed meanwhile."""
    mark = len(dev.lines)
    app_py = app / "app.py"
    text = app_py.read_text()
    staged = app_py.with_suffix(".tmp")
    staged.write_text(text.replace("routes={\n", "routes={\n" + ROUTE.format(n=n)))
    begin = time.monotonic()
    staged.replace(app_py)
    _wait(lambda: _get(f"{url}/health{n}") == (200, "healthy"), CHANGE_TIMEOUT, f"route {n}")
    took = time.monotonic() - begin
    _wait(lambda: dev.saw(r"^(updated|deployed) ", mark), CHANGE_TIMEOUT, "the update's report")
    settle(dev, mark)
    return took, [line for line in dev.lines[mark:] if not re.match(r"^ |\d\d:\d\d:\d\d ", line)]


def settle(dev: Dev, mark: int) -> None:
    """Waits for the background checks dev started after ``mark`` (a revision that runs them after
    serving), so that the next round measures its own change only."""
    if dev.checks:
        _wait(lambda: dev.saw(r"^checked in ", mark), CHANGE_TIMEOUT, "the background checks")
    time.sleep(0.5)


def handler_edit(dev: Dev, app: Path, url: str, n: int) -> float:
    handler = app / "handlers" / "users" / "get_user.py"
    text = handler.read_text()
    if "__bench_original__" not in dev.__dict__:
        dev.__dict__["__bench_original__"] = text
    original: str = dev.__dict__["__bench_original__"]
    staged = handler.with_suffix(".tmp")
    staged.write_text(original.replace("    return user\n", f'    return {{**user, "v": {n}}}\n'))
    begin = time.monotonic()
    staged.replace(handler)

    def answered() -> bool:
        status, body = _get(f"{url}/users/1")
        with contextlib.suppress(ValueError, AttributeError):
            return status == 200 and json.loads(body).get("v") == n
        return False

    _wait(answered, CHANGE_TIMEOUT, f"handler version {n}")
    took = time.monotonic() - begin
    time.sleep(0.3)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="app changes and handler edits per revision")
    parser.add_argument(
        "--revision",
        action="append",
        help="a git revision whose library runs dev, or 'current' (this tree); repeat to alternate. "
        "Default: current",
    )
    parser.add_argument("--sessions", type=int, default=1, help="dev sessions per revision, alternating")
    args = parser.parse_args()
    revisions = args.revision or ["current"]
    result: dict[str, Any] = {"loadavg_start": loadavg(), "rounds": args.rounds, "columns": {}}
    with tempfile.TemporaryDirectory(prefix="bench-dev-") as tmp:
        scratch = Path(tmp)
        libraries = revision_libraries(revisions, scratch)
        for session in range(args.sessions):
            for rev, library in libraries.items():
                column = result["columns"].setdefault(
                    rev, {"app_change_s": [], "handler_edit_s": [], "startup_s": [], "reports": []}
                )
                begin = time.monotonic()
                with running(library, scratch) as (dev, app, url):
                    column["startup_s"].append(round(time.monotonic() - begin, 2))
                    for n in range(args.rounds):
                        took, said = app_change(dev, app, url, session * args.rounds + n)
                        column["app_change_s"].append(round(took, 3))
                        column["reports"].append(said)
                        column["handler_edit_s"].append(round(handler_edit(dev, app, url, n), 3))
                        print(
                            f"[{rev}] session {session + 1} round {n + 1}: app change {took:.2f} s, "
                            f"handler edit {column['handler_edit_s'][-1]:.3f} s, load {loadavg()}",
                            file=sys.stderr,
                            flush=True,
                        )
    for column in result["columns"].values():
        column["app_change"] = stats(column["app_change_s"])
        column["handler_edit"] = stats(column["handler_edit_s"])
    result["loadavg_end"] = loadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
