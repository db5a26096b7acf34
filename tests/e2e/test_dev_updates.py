"""``serverless-patterns dev`` end to end, the updates a user makes after the first deploy: a layer
edit, a route removed and added back, an update the local cloud rejects; and findings of the
background checks shown while serving. Driven as tests/e2e/test_dev.py drives dev (a subprocess,
HTTP requests, file edits, Ctrl-C); a module of its own so that it runs beside that one."""

from __future__ import annotations

import json
import re
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns import catalog
from serverless_patterns.cli.scaffold import write_app

from .conftest import APPS
from .dev_support import HEALTH, Dev, _free_port, _get, _wait
from .test_update_lifecycle import HEALTH_ROUTE, HTTP_MISSING, REST_MISSING

pytestmark = pytest.mark.e2e


def test_a_finding_never_stops_serving_and_is_shown_loudly(tmp_path: Path) -> None:
    """The scaffold with a queue the rule packs flag (no DLQ, no TLS-only policy): ``cdk synth``
    with the app's packs fails on it, yet dev serves the app first, then prints the findings of
    its background checks (on the initial deploy as on every change)."""
    entry = catalog.get("api-to-lambda")
    assert entry is not None
    app = tmp_path / "loose"
    write_app(entry, app)
    app_py = app / "app.py"
    loose = "from aws_cdk import aws_sqs as sqs\n\nsqs.Queue(stack, 'Loose')\napp.synth()"
    app_py.write_text(app_py.read_text().replace("app.synth()", loose))
    port = _free_port()
    running = Dev(app, port)
    try:
        _wait(lambda: running.saw("Watching for changes") or running.process.poll() is not None, 300, "dev")
        assert running.process.poll() is None, running.output()
        assert json.loads(_get(f"http://127.0.0.1:{port}/users/1")[1])["name"] == "Ada Lovelace"
        _wait(lambda: running.saw(r"^checked in "), 300, "the checks")
        assert running.saw(
            r"^checks: \d+ unacknowledged findings of the rule packs and CloudFormation validation "
            r"\(still serving\):$"
        ), running.output()
        assert running.saw(r"^  \w+ AwsSolutions AwsSolutions-SQS4 Users/Loose/Resource: "), running.output()
        assert running.saw(r"^checked in [\d.]+ s: \d+ unacknowledged findings, shown above$")
        assert _get(f"http://127.0.0.1:{port}/users/1")[0] == 200
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(10)


def _answer(url: str) -> tuple[int, Any]:
    status, body = _get(url)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def test_dev_follows_layer_edits_removed_routes_and_failed_updates(tmp_path: Path) -> None:
    app = tmp_path / "lifecycle"
    shutil.copytree(APPS / "lifecycle", app)
    layer = app / "layers" / "shared" / "shared_text.py"
    app_py = app / "app.py"
    good = app_py.read_text()
    port = _free_port()
    running = Dev(app, port)
    try:
        _wait(lambda: running.saw("Watching for changes") or running.process.poll() is not None, 300, "dev")
        assert running.process.poll() is None, running.output()
        apis = {
            a["path"]: a["url"]
            for a in json.loads((app / ".serverless-patterns" / "dev.json").read_text())["apis"]
        }
        rest, http = apis["Lifecycle/Rest"], apis["Lifecycle/Http"]

        def hello() -> list[tuple[int, Any]]:
            return [_answer(f"{url}/hello") for url in (rest, http)]

        def health() -> list[tuple[int, Any]]:
            return [_answer(f"{url}/health") for url in (rest, http)]

        def updates() -> int:
            return len([line for line in running.lines if line.startswith("updated ")])

        def route_table() -> list[str]:
            """The routes listed after the last update's report, once both APIs' tables are out: a
            table is printed after its update's "updated" line, so a mark taken when that line shows
            can come before the table of the update before."""
            last = max(i for i, line in enumerate(running.lines) if line.startswith("updated "))

            def blocks() -> list[list[str]]:
                found: list[list[str]] = []
                for line in running.lines[last:]:
                    if re.match(r"^Lifecycle/(Rest|Http): ", line):
                        found.append([])
                    elif found and re.match(r"^\s+GET\s+\S+$", line):
                        found[-1].append(line.split()[-1])
                return found

            _wait(lambda: len(b := blocks()) == 2 and len(b[0]) == len(b[1]) > 0, 30, "the route table")
            return [route for block in blocks() for route in block]

        assert hello() == [(200, "hello from layer v1")] * 2
        # A handler's answer of 400 is shown as such, under the function's construct path.
        assert _get(f"{rest}/hello?bad=1")[0] == 400
        _wait(
            lambda: running.saw(r"Lifecycle/Rest/GetHelloFunction <- api GET /hello \d+ ms 400$"), 10, "400"
        )

        # Handler code that no function uses yet: no synth, no deploy.
        mark = len(running.lines)
        (app / "handlers" / "extra").mkdir()
        (app / "handlers" / "extra" / "extra.py").write_text(HEALTH)
        _wait(
            lambda: running.saw(r"handlers/extra/extra.py changed: no deployed function uses it", mark),
            10,
            "unused",
        )
        time.sleep(1)
        assert not running.saw("synthesizing", mark), running.output()

        # A layer edit reaches the API (the alias live serves the new version).
        done = updates()
        layer.write_text('GREETING = "hello from layer v2"\n')
        _wait(lambda: hello() == [(200, "hello from layer v2")] * 2, 180, "the layer edit")
        _wait(lambda: updates() > done, 120, "the update's report")

        # A route commented out answers as API Gateway does; the route table follows.
        done, mark = updates(), len(running.lines)
        app_py.write_text(good.replace(HEALTH_ROUTE, "# " + HEALTH_ROUTE))
        _wait(lambda: health() == [REST_MISSING, HTTP_MISSING], 180, "the route removed")
        _wait(lambda: updates() > done, 120, "the update's report")
        routes = route_table()
        assert [r.rsplit("/", 1)[-1] for r in routes] == ["hello", "hello"], running.output()

        # Added back, it answers again, and its new function's first call shows its construct path.
        done, mark = updates(), len(running.lines)
        app_py.write_text(good)
        _wait(lambda: health() == [(200, "healthy")] * 2, 180, "the route added back")
        _wait(lambda: updates() > done, 120, "the update's report")
        routes = route_table()
        assert sorted(r.rsplit("/", 1)[-1] for r in routes) == ["health", "health", "hello", "hello"], (
            running.output()
        )
        _wait(
            lambda: running.saw(r"Lifecycle/Rest/GetHealthFunction <- api GET /health \d+ ms 200$", mark),
            10,
            "the invocation line",
        )
        assert not running.saw(r"Lifecycle-\w*Health", mark), running.output()  # no physical name
        assert not running.saw("failed", mark), running.output()

        # An update the local cloud rejects is rolled back: the previous version keeps serving and
        # the next good update goes through.
        mark = len(running.lines)
        layer.write_text('GREETING = "hello from layer v3"\n')
        app_py.write_text(good.replace("# BROKEN: ", ""))
        _wait(
            lambda: running.saw(r"^deploy failed \(the last good deployment keeps serving\)", mark),
            180,
            "fail",
        )
        _wait(lambda: running.saw("UnknownLayerVersionException", mark), 10, "the failure's cause")
        assert hello() == [(200, "hello from layer v2")] * 2
        done = updates()
        app_py.write_text(good)
        _wait(lambda: hello() == [(200, "hello from layer v3")] * 2, 180, "the fix")
        _wait(lambda: updates() > done, 120, "the update's report")
        assert running.process.poll() is None

        running.process.send_signal(signal.SIGINT)
        assert running.process.wait(60) == 0, running.output()
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(10)
