"""``serverless-patterns dev`` end to end: a scaffolded app, the real CDK CLI, the local cloud, all in
a ``dev`` subprocess driven as a user would (HTTP requests, file edits, the CLI, Ctrl-C).

Reports the measured figures (handler save to new response, route added to served) in the run's
"figures" section (``record_property("figure: ...")``, see tests/conftest.py): printed, not asserted.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_sqs as sqs
from typer.testing import CliRunner

from serverless_patterns import catalog
from serverless_patterns._stages import STAGE_CONTEXT_KEY
from serverless_patterns.cli.app import app as cli_app
from serverless_patterns.cli.events import sample
from serverless_patterns.cli.scaffold import write_app
from serverless_patterns.local import LocalCloud
from serverless_patterns.local.cdk import cdk_command
from serverless_patterns.local.dev import DevError, DevSession
from serverless_patterns.local.dev_checks import comparable_templates
from serverless_patterns.local.dev_names import NameNotFound, resolve
from serverless_patterns.local.warm_synth import WarmSynth

from .apps_support import load, synth
from .conftest import APPS
from .dev_support import HEALTH, REPO, Dev, _alive, _free_port, _get, _wait, _workers_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    entry = catalog.get("api-to-lambda")
    assert entry is not None
    directory = tmp_path_factory.mktemp("dev") / "users"
    write_app(entry, directory)
    (directory / "handlers" / "health").mkdir()
    (directory / "handlers" / "health" / "health.py").write_text(HEALTH)
    return directory


@pytest.fixture(scope="module")
def dev(app: Path) -> Iterator[tuple[Dev, str]]:
    port = _free_port()
    running = Dev(app, port)
    try:
        _wait(
            lambda: running.saw("Watching for changes") or running.process.poll() is not None, 300, "dev up"
        )
        assert running.process.poll() is None, running.output()
        assert running.saw(r"^Starting the local cloud for users in stage dev "), running.output()
        yield running, f"http://127.0.0.1:{port}"
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(10)


def test_dev_serves_reloads_redeploys_and_stops_cleanly(
    app: Path, dev: tuple[Dev, str], record_property: Callable[[str, object], None]
) -> None:
    running, url = dev
    # The API answers on its stable port, and the routes are printed.
    assert running.saw(rf"GET\s+{re.escape(url)}/users/\{{id\}}"), running.output()
    status, body = _get(f"{url}/users/1")
    assert (status, json.loads(body)["name"]) == (200, "Ada Lovelace"), body
    # Unsigned, as a browser would call it: refused as API Gateway would, and dev says why.
    assert _get(f"{url}/users/1", sign=False) == (403, '{"message":"Missing Authentication Token"}')
    _wait(
        lambda: running.saw(
            r"Users/UsersApi GET /users/1 403 Missing Authentication Token \(the route is IAM"
        ),
        10,
        "the refusal's line",
    )
    state = json.loads((app / ".serverless-patterns" / "dev.json").read_text())
    assert state["apis"][0]["url"] == url

    # A handler edit changes the next response, without a deploy: save-to-new-response, 10 times.
    handler = app / "handlers" / "users" / "get_user.py"
    original = handler.read_text()
    assert "    return user\n" in original
    timings = []
    deploys = len([line for line in running.lines if line.startswith(("deployed", "updated"))])
    for version in range(10):
        staged = handler.with_suffix(".tmp")
        staged.write_text(original.replace("    return user\n", f'    return {{**user, "v": {version}}}\n'))
        staged.replace(handler)
        timings.append(
            _wait(
                lambda v=version: json.loads(_get(f"{url}/users/1")[1]).get("v") == v,
                10,
                f"version {version}",
            )
        )
        time.sleep(0.25)
    median = statistics.median(timings)
    record_property(
        "figure: dev handler edit, save -> new response",
        f"median {median * 1000:.0f} ms of 10 (max {max(timings) * 1000:.0f} ms)",
    )
    assert len([line for line in running.lines if line.startswith(("deployed", "updated"))]) == deploys
    assert running.saw(r"handlers/users changed: reloaded .*GetUsersIdFunction")
    # The figure is printed, not asserted: speed targets are measured, never timed assertions.

    # The invocations are shown live: function, trigger, duration, the API's status.
    assert running.saw(r"Users/UsersApi/GetUsersIdFunction <- api GET /users/\{id\} \d+ ms 200$"), (
        running.output()
    )

    # invoke and send reach the running session through its control endpoint.
    cli = [sys.executable, "-m", "serverless_patterns.cli.app"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    event = subprocess.run([*cli, "events", "api"], capture_output=True, text=True, check=True).stdout
    invoked = subprocess.run(
        [*cli, "invoke", "GetUsersIdFunction", "--event", "-"],
        input=event,
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(json.loads(invoked.stdout)["body"]) == {
        "id": "1",
        "name": "Ada Lovelace",
        "plan": "pro",
        "v": 9,
    }
    sent = subprocess.run(
        [*cli, "send", "AlarmTopic", "hello", "--subject", "test"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stderr
    assert re.match(r"Users/ServerlessPatternsMonitoring/AlarmTopic: message \S+ published", sent.stdout)
    unknown = subprocess.run(
        [*cli, "invoke", "NoSuchFunction"], cwd=app, env=env, capture_output=True, text=True, timeout=60
    )
    assert unknown.returncode == 2
    assert unknown.stderr.strip().startswith("error: no function called 'NoSuchFunction'; candidates: ")
    assert len(unknown.stderr.strip().splitlines()) == 1

    # A route added in app.py is served after the update, which deploys the changed stack only.
    # The initial deploy was checked in the background (the scaffold is clean), after it served.
    _wait(lambda: running.saw(r"^checked in [\d.]+ s: "), 300, "the initial checks")
    assert running.saw(r"^checked in [\d.]+ s: no unacknowledged finding$"), running.output()
    app_py = app / "app.py"
    before = app_py.read_text()
    route = '        "GET /health": FunctionSpec(code="handlers/health", handler="health.handler"),\n'
    mark = len(running.lines)
    app_py.write_text(before.replace("routes={\n", "routes={\n" + route))
    took = _wait(lambda: _get(f"{url}/health") == (200, "healthy"), 180, "the new route")
    _wait(lambda: running.saw(r"^updated Users in", mark), 120, "the update's report")
    update = [line for line in running.lines if line.startswith("updated ")][-1]
    # "updated Users in N s (synth N s, deploy N s)": only the changed stack
    record_property("figure: dev app change, save -> first 200 of a new route", f"{took:.1f} s ({update})")
    assert update.startswith("updated Users in")
    # Then the rule packs, CloudFormation validation and cfn-lint check the change in the background.
    _wait(
        lambda: running.saw(r"^checking the rule packs, CloudFormation validation and cfn-lint", mark),
        30,
        "the checks' start",
    )
    _wait(lambda: running.saw(r"^checked in [\d.]+ s: ", mark), 300, "the change's checks")
    assert running.saw(r"^checked in [\d.]+ s: no unacknowledged finding$", mark), running.output()

    # A syntax error is reported; the last good deployment keeps serving.
    mark = len(running.lines)
    app_py.write_text(app_py.read_text() + "\nthis is not python (\n")
    _wait(lambda: running.saw("synth failed", since=mark), 180, "the synth error")
    # The error's lines follow "synth failed"; the reader thread may not have them yet.
    _wait(lambda: running.saw(r"SyntaxError", since=mark), 10, f"SyntaxError in:\n{running.output()}")
    assert _get(f"{url}/health") == (200, "healthy")
    assert json.loads(_get(f"{url}/users/1")[1])["v"] == 9
    assert running.process.poll() is None

    # Ctrl-C stops everything: no worker left, the state file gone, exit status 0.
    workers = _workers_of(running.process.pid)
    assert workers, "the handlers ran in worker processes"
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(60) == 0, running.output()
    running._reader.join(10)
    assert running.saw("^Stopped.")
    assert [pid for pid in workers if _alive(pid)] == []
    assert not (app / ".serverless-patterns" / "dev.json").exists()


# -- invoke and send on a session, against the fixture app (a queue, tables, a bucket, a topic) ------


@pytest.fixture(scope="module")
def session(
    fixture_assembly: Path, local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevSession]:
    project = tmp_path_factory.mktemp("session")
    said: list[str] = []
    running = DevSession(
        project, port=_free_port(), emit=lambda kind, text: said.append(text), cloud=local_cloud
    )
    try:
        running.start(fixture_assembly)
        yield running
    finally:
        running.close()


def _items(cloud: LocalCloud, table: str) -> set[str]:
    return {i["id"]["S"] for i in cloud.client("dynamodb").scan(TableName=table)["Items"]}


@pytest.fixture(scope="module")
def in_dev_stage(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The scaffold app, and ``cdk synth`` of it in the dev stage (the CLI, the rule packs on), once."""
    entry = catalog.get("api-to-lambda")
    assert entry is not None
    base = tmp_path_factory.mktemp("stage")
    write_app(entry, base / "users")
    return base / "users", local_cloud.synth(
        base / "users", base / "cdk.out", context={STAGE_CONTEXT_KEY: "dev"}
    )


def test_dev_synthesizes_the_app_in_its_stage(in_dev_stage: tuple[Path, Path]) -> None:
    """What ``dev --stage`` hands the synth: the scaffold in the dev stage keeps logs a week and
    shifts new code all at once."""
    _, assembly = in_dev_stage
    resources = [
        r
        for template in assembly.glob("*.template.json")
        for r in json.loads(template.read_text())["Resources"].values()
    ]
    retention = {r["Properties"]["RetentionInDays"] for r in resources if r["Type"] == "AWS::Logs::LogGroup"}
    configs = {
        r["Properties"]["DeploymentConfigName"]
        for r in resources
        if r["Type"] == "AWS::CodeDeploy::DeploymentGroup"
    }
    assert retention == {7}
    assert configs == {"CodeDeployDefault.LambdaAllAtOnce"}


def _analytics(assembly: Path) -> str:
    """What the CDK::Metadata resource of a stack's template records (the constructs and plugins used)."""
    template = json.loads((assembly / "Users.template.json").read_text())
    found = [r for r in template["Resources"].values() if r["Type"] == "AWS::CDK::Metadata"]
    return gzip.decompress(base64.b64decode(found[0]["Properties"]["Analytics"].split(":", 2)[2])).decode()


def test_the_warm_synth_writes_what_cdk_synth_writes_without_the_checks(
    local_cloud: LocalCloud, in_dev_stage: tuple[Path, Path], tmp_path: Path
) -> None:
    """dev's fast synth (a spare Python with aws-cdk-lib loaded, the CLI's captured environment)
    writes the templates ``cdk synth`` writes; only the metadata naming the validation plugins
    differs, since the packs and validation run afterwards, in the background checks."""
    project, slow = in_dev_stage
    (tmp_path / "scratch").mkdir()
    context = {STAGE_CONTEXT_KEY: "dev"}
    warm = WarmSynth(
        project, tmp_path / "scratch", run_env=local_cloud._cdk_env(), context=context, cli=cdk_command(REPO)
    )
    try:
        fast = warm.synth()
    finally:
        warm.close()
    assert comparable_templates(fast) == comparable_templates(slow)
    assert (fast / "Users.template.json").read_text() != (slow / "Users.template.json").read_text()
    assert "policyValidation.{AwsSolutions,Serverless}" in _analytics(slow)
    assert "policyValidation" not in _analytics(fast)


def test_send_and_invoke_reach_each_kind_of_resource(
    session: DevSession, local_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = resolve("LocalQueue/Results", session.resources, ["table"]).physical_id

    sent = session.send("LocalQueue/Queue", "ok-sent", {})
    assert sent["kind"] == "queue" and sent["target"] == "LocalQueue/Queue"
    local_cloud.wait_for(lambda: "ok-sent" in _items(local_cloud, table), timeout=30)

    session.send("LocalQueue/Results", '{"id": "put-directly", "amount": 1.5}', {})
    item = local_cloud.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "put-directly"}})["Item"]
    assert item["amount"] == {"N": "1.5"}

    bucket = resolve("LocalBucket/Bucket", session.resources, ["bucket"]).physical_id
    session.send("LocalBucket/Bucket", "hello", {"key": "notes/a.txt"})
    got = local_cloud.client("s3").get_object(Bucket=bucket, Key="notes/a.txt")["Body"].read()
    assert got == b"hello"
    with pytest.raises(DevError, match="needs --key"):
        session.send("LocalBucket/Bucket", "hello", {})

    published = session.send("Topic", "hi", {"subject": "greeting", "attributes": {"kind": "test"}})
    assert published["kind"] == "topic" and "published to topic" in published["result"]

    with pytest.raises(NameNotFound, match=r"'Results' names \d resources \(.*LocalQueue/Results"):
        session.send("Results", "{}", {})

    event = sample("sqs")
    event["Records"][0]["body"] = "ok-invoked"
    invoked = session.invoke("LocalQueue/Worker", event)
    assert invoked["error"] is None and json.loads(invoked["payload"]) == {"batchItemFailures": []}
    assert "ok-invoked" in _items(local_cloud, table)

    # The CLI talks to the session through the state file of the project it runs in.
    monkeypatch.chdir(session.project)
    answer = CliRunner().invoke(cli_app, ["send", "DeadLetterQueue", "parked", "-a", "why=test"])
    assert answer.exit_code == 0, answer.output
    assert answer.output.startswith("LocalQueue/DeadLetterQueue: message ")
    image = session.project / "pixel.jpg"
    image.write_bytes(b"\xff\xd8\xff\xc0\x00\x11")  # not UTF-8: sent as the bytes
    answer = CliRunner().invoke(
        cli_app, ["send", "LocalBucket/Bucket", "--file", str(image), "--key", "p.jpg"]
    )
    assert answer.exit_code == 0, answer.output
    assert (
        local_cloud.client("s3").get_object(Bucket=bucket, Key="p.jpg")["Body"].read() == image.read_bytes()
    )
    answer = CliRunner().invoke(cli_app, ["invoke", "LocalQueue/Nope"])
    assert answer.exit_code == 2
    assert "no function called 'LocalQueue/Nope'; candidates: " in answer.output


def test_an_update_deploys_only_the_stacks_whose_template_changed(
    session: DevSession, fixture_assembly: Path, tmp_path: Path
) -> None:
    said: list[str] = []
    session.emit = lambda kind, text: said.append(text)
    assert session.apply(fixture_assembly)
    assert [line for line in said if not line.startswith(tuple("0123456789"))] == [  # no invocation lines
        "synthesized in 0.0 s: no stack changed"
    ]

    def build(app: Any) -> None:  # the fixture app, one stack of it with a queue more
        load(APPS / "fixture" / "app.py", "e2e_fixture_app_changed").build(app)
        sqs.Queue(app.node.find_child("LocalBucket"), "MarkerQueue")

    changed = synth(build, tmp_path / "cdk.out")
    said.clear()
    assert session.apply(changed)
    updates = [line for line in said if line.startswith("updated")]
    assert len(updates) == 1 and re.match(
        r"updated LocalBucket in [\d.]+ s \(synth 0\.0 s, deploy [\d.]+ s\)$", updates[0]
    ), said
    assert any(k.startswith("MarkerQueue") for k in session.cloud.resources("LocalBucket", "AWS::SQS::Queue"))
    assert not any(k.startswith("MarkerQueue") for k in session.cloud.resources("LocalQueue"))


# -- the update lifecycle under dev (tests/e2e/test_update_lifecycle.py does it with deploy) ---------
