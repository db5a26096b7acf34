"""Deployment safety on the local cloud (issue 26): a new version of an ApiToLambda route in the
prod stage reaches traffic through a CodeDeploy canary (10% for 5 minutes, 5 s with ``clock=60``),
stopped and rolled back when its errors alarm fires or its pre-traffic hook fails.

The app is ``tests/e2e/apps/canary``, copied and edited as a user would, synthesized in this process
(``apps_support.synth_app``) and deployed with the CDK CLI; ``dev`` synthesizes it with the CLI.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import pytest

from serverless_patterns._stages import STAGE_CONTEXT_KEY
from serverless_patterns.local import LocalCloud
from serverless_patterns.local.dev import DevSession
from serverless_patterns.local.services.codedeploy import LambdaDeployment

from .apps_support import synth_app
from .conftest import APPS

pytestmark = pytest.mark.e2e


def copy_app(tmp_path: Path, stack: str, *, hook: bool = False) -> Path:
    app = tmp_path / "app"
    shutil.copytree(APPS / "canary", app)
    config = json.loads((app / "cdk.json").read_text())
    config["context"]["canary:stack"] = stack
    (app / "cdk.json").write_text(json.dumps(config))
    if hook:
        source = app / "app.py"
        source.write_text(source.read_text().replace("# HOOK: ", ""))
    return app


def synthesized(app: Path) -> Path:
    """``app`` as it is now, synthesized into a new folder beside it."""
    return synth_app(app, app.parent / f"cdk.out-{len(list(app.parent.glob('cdk.out-*')))}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_handler(app: Path, version: int, failing: float = 0.0) -> None:
    handler = app / "handlers" / "api" / "api.py"
    text = re.sub(r"^VERSION = .*$", f"VERSION = {version}", handler.read_text(), flags=re.M)
    handler.write_text(re.sub(r"^FAILING = .*$", f"FAILING = {failing}", text, flags=re.M))


def set_hook(app: Path, status: str) -> None:
    hook = app / "handlers" / "hook" / "hook.py"
    hook.write_text(re.sub(r"^STATUS = .*$", f'STATUS = "{status}"', hook.read_text(), flags=re.M))


def versions(cloud: LocalCloud, stack: str, calls: int = 20) -> set[int | None]:
    """The versions that answer ``GET /version`` (None for a failed call)."""
    found: set[int | None] = set()
    for _ in range(calls):
        answer = cloud.invoke_api("GET", "/version", stack=stack)
        found.add(answer.json()["version"] if answer.status == 200 else None)
    return found


class Traffic:
    """Threads calling the route until the block ends."""

    def __init__(self, cloud: LocalCloud, stack: str, threads: int = 2) -> None:
        self.cloud, self.stack = cloud, stack
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._call, daemon=True) for _ in range(threads)]

    def _call(self) -> None:
        while not self.stop.is_set():
            self.cloud.invoke_api("GET", "/version", stack=self.stack)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def canary_share(cloud: LocalCloud, deployment: LambdaDeployment) -> tuple[int, int]:
    """How many of the function's API calls ran the new version while the alias sent it a share of
    traffic (from the shift to the next event), and how many calls there were."""
    times = [when for when, _ in deployment.events]
    step = next(n for n, (_, what) in enumerate(deployment.events) if "% of live on version" in what)
    start, end = times[step], times[step + 1] if step + 1 < len(times) else time.time()
    runs = [
        i
        for i in cloud.invocations
        if i.function_name == deployment.function_name and start <= i.started_at < end and i.source == "api"
    ]
    return sum(i.version == deployment.to_version for i in runs), len(runs)


def tail(new: int, calls: int, weight: float) -> tuple[float, float]:
    """How likely ``calls`` calls, each sent to the new version with probability ``weight``, would send
    it at most ``new`` of them, and at least ``new`` (binomial tails): a share of traffic is checked
    by its odds, so that a run of few calls cannot fail a right split by chance."""
    odds = [math.comb(calls, k) * weight**k * (1 - weight) ** (calls - k) for k in range(calls + 1)]
    return sum(odds[: new + 1]), sum(odds[new:])


def test_a_failing_canary_is_stopped_by_its_errors_alarm_and_a_healthy_one_succeeds(tmp_path: Path) -> None:
    stack = "CanaryAlarm"
    app = copy_app(tmp_path, stack)
    with LocalCloud(clock=60) as cloud:
        first = cloud.deploy(synthesized(app))
        assert first.deployments == []
        assert versions(cloud, stack) == {1}
        set_handler(app, 2, failing=0.5)
        assembly = synthesized(app)
        with Traffic(cloud, stack):
            second = cloud.deploy(assembly)
        (stopped,) = second.deployments
        assert stopped.function == f"{stack}/Api/GetVersionFunction"
        assert stopped.status == "Stopped"
        assert "ErrorsAlarm" in stopped.reason and "in ALARM" in stopped.reason
        new, calls = canary_share(cloud, stopped)
        stopped_after = (stopped.ended_at or 0) - stopped.events[1][0]
        print(f"v2: {new} of {calls} calls, stopped {stopped_after:.2f} s after the shift")
        # The first failures reach v2, then the alarm stops it; v2 had a 10% share, not all of it
        # (with 10%, as many as `new` of `calls` happen more than once in 10,000 runs).
        assert new > 0 and tail(new, calls, 0.1)[1] > 1e-4
        assert stopped_after < 5  # before the 5 s bake ends
        errors_alarm = next(d.name for d in cloud.alarms.definitions() if "ErrorsAlarm" in d.name)
        history = cloud.client("cloudwatch").describe_alarm_history(AlarmName=errors_alarm)
        assert any("to ALARM" in item["HistorySummary"] for item in history["AlarmHistoryItems"])
        assert versions(cloud, stack) == {1}  # rolled back

        # v3 goes out once v2's failures have left the window of every alarm the deployment watches
        # (its errors alarm, and the API's 5xx rate, which they raised as well) and none is in ALARM.
        last_failure = max(i.started_at for i in cloud.invocations if i.version == stopped.to_version)
        metric_alarms = [d for d in cloud.alarms.definitions() if d.rule is None]
        window = max(cloud.alarms.period_seconds(d) * (d.evaluation_periods + 1) for d in metric_alarms)
        cloud.wait_for(
            lambda: (
                time.time() > last_failure + window
                and all(cloud.alarms.state(d.name) != "ALARM" for d in cloud.alarms.definitions())
            ),
            timeout=60,
        )
        assert cloud.alarms.state(errors_alarm) == "OK"
        set_handler(app, 3)
        with Traffic(cloud, stack, threads=3):
            # Synthesized by the CLI, as a user's deploy is: deployed at once after the alarm's
            # return to OK, v3 was stopped by it again (v2's errors still in its window).
            third = cloud.deploy(app)
        (done,) = third.deployments
        assert (done.status, done.reason) == ("Succeeded", "")
        new, calls = canary_share(cloud, done)  # over the whole 5 s bake
        print(f"v3: {new} of {calls} calls during the bake; events: {done.events}")
        assert calls >= 50 and new > 0
        assert min(tail(new, calls, 0.1)) > 1e-4  # a 10% share, not a half or none
        assert versions(cloud, stack) == {3}
        alias = cloud.client("lambda").get_alias(FunctionName=done.function_name, Name="live")
        assert alias["FunctionVersion"] == done.to_version and not alias.get("RoutingConfig")


def test_a_failing_pre_traffic_hook_fails_the_deployment_before_any_shift(tmp_path: Path) -> None:
    stack = "CanaryHook"
    app = copy_app(tmp_path, stack, hook=True)
    with LocalCloud(clock=60) as cloud:
        cloud.deploy(synthesized(app))
        set_handler(app, 2)
        set_hook(app, "Failed")
        assembly = synthesized(app)
        with Traffic(cloud, stack, threads=1):
            second = cloud.deploy(assembly)
        (failed,) = second.deployments
        assert failed.status == "Stopped"
        assert "BeforeAllowTraffic hook" in failed.reason and "reported Failed" in failed.reason
        assert not any("% of live" in what for _, what in failed.events)
        assert not [
            i
            for i in cloud.invocations
            if i.function_name == failed.function_name and i.version == failed.to_version
        ]
        assert versions(cloud, stack) == {1}

        set_handler(app, 3)
        set_hook(app, "Succeeded")
        third = cloud.deploy(synthesized(app))
        (done,) = third.deployments
        assert done.status == "Succeeded"
        assert versions(cloud, stack) == {3}


def test_dev_in_the_prod_stage_shows_the_shift_and_its_outcome(tmp_path: Path) -> None:
    """dev reloads an edited handler in its warm workers at once, and the redeploy it triggers goes
    through the canary: its lines show the shift, the bake's end and the outcome."""
    stack = "CanaryDev"
    app = copy_app(tmp_path, stack)
    lines: list[str] = []
    session = DevSession(
        app,
        emit=lambda kind, text: lines.append(text),
        cloud=LocalCloud(clock=60),
        context={STAGE_CONTEXT_KEY: "prod"},
        port=free_port(),
    )
    with session:
        set_handler(app, 2)
        cloud = session.cloud
        assert session.update()
        cloud.wait_for(lambda: cloud.deployments and cloud.deployments[-1].ended, timeout=30)
        assert cloud.deployments[-1].status == "Succeeded"
    shown = "\n".join(lines)
    assert f"{stack}/Api/GetVersionFunction deployment d-" in shown
    assert "10% of live on version 2" in shown
    assert "live on version 2 (100%)" in shown and ": Succeeded" in shown
    assert re.search(r"alarm \S*ErrorsAlarm\S* INSUFFICIENT_DATA -> OK: Threshold Crossed", shown)
