"""Schedules on their own clock: with ``LocalCloud(run_schedules=True)`` a deployed ``rate(1 minute)``
schedule runs its function once a minute of schedule time, here compressed (``schedule_speed=60``:
a minute a second), with the event Scheduler sends at each scheduled time; the clock stops with the
cloud."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime
from pathlib import Path

import aws_cdk as cdk
import pytest

from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from serverless_patterns.patterns.event_handler import EventHandler
from tests.e2e.apps_support import synth

pytestmark = pytest.mark.e2e

STACK = "LocalScheduleClock"
HANDLER = """
import json


def handler(event, context):
    print("EVENT " + json.dumps(event))
    return {"ok": True}
"""


def _events(cloud: LocalCloud, function: str) -> list[dict[str, object]]:
    return [
        json.loads(line.removeprefix("EVENT "))
        for run in list(cloud.invocations)
        if run.function_name == function and run.ok
        for line in run.logs.splitlines()
        if line.startswith("EVENT ")
    ]


def _time(event: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))


def _first_fires(events: list[dict[str, object]], count: int) -> list[dict[str, object]] | None:
    """The first ``count`` events by time once the ones before the last of them have all arrived
    (an event a minute after the one before), else None."""
    ordered = sorted(events, key=_time)[:count]
    if len(ordered) < count:
        return None
    gaps = [(_time(b) - _time(a)).total_seconds() for a, b in itertools.pairwise(ordered)]
    return ordered if all(gap <= 60 for gap in gaps) else None


def test_a_rate_schedule_fires_on_the_clock_until_the_cloud_stops(tmp_path: Path) -> None:
    code = tmp_path / "handler"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)

    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, STACK)
        every = EventHandler(
            stack,
            "Every",
            function=FunctionSpec(code=str(code), handler="app.handler"),
            schedule="rate(1 minute)",
            detail={"job": "tick"},
            deployment=DeploymentStrategy.none(),
        )
        cdk.CfnOutput(stack, "Function", value=every.function.function_name)

    assembly = synth(build, tmp_path / "cdk.out")
    with LocalCloud(run_schedules=True, schedule_speed=60) as cloud:
        deployment = cloud.deploy(assembly)
        function = deployment.outputs[STACK]["Function"]
        notes = [n.reason for n in deployment.notes if n.resource_type == "AWS::Scheduler::Schedule"]
        assert notes and all("fires on the local clock" in n for n in notes)
        # The first three fires, by their time: runs may end out of order (a slow first run), and
        # cloud.invocations lists them as they end. A fire that never comes fails the wait.
        events = cloud.wait_for(lambda: _first_fires(_events(cloud, function), 3), timeout=30)
        assert isinstance(events, list)
        assert all(e["source"] == "aws.scheduler" and e["detail"] == {"job": "tick"} for e in events)
        times = [_time(e) for e in events]
        assert [(b - a).total_seconds() for a, b in itertools.pairwise(times)] == [60.0, 60.0]
        assert len({e["id"] for e in events}) == 3  # an execution id each
    assert not [t for t in threading.enumerate() if t.name == "local-schedules"]


def test_without_run_schedules_a_schedule_only_fires_when_asked() -> None:
    with LocalCloud() as cloud:
        assert cloud.run_schedules is False
        assert not [t for t in threading.enumerate() if t.name == "local-schedules"]
    with pytest.raises(Exception, match="schedule_speed must be positive"):
        LocalCloud(run_schedules=True, schedule_speed=0)
