"""The local cloud's runner under load: ``python bench/local_workers.py [--messages 1000]``.

Deploys two stacks into a fresh :class:`LocalCloud`:

- ``BenchFanout``: a FanoutQueue whose subscriber (examples/handlers/fanout, ``welcome.handler``)
  fails every record without an email address. ``--messages`` users are published to the topic,
  one in five without an email: processed (welcome logged) + parked (in the subscriber's DLQ after
  its max receive count) must equal sent. Wall time from the first publish to the last message
  settled.
- ``BenchTrivial``: five functions with an inline handler that returns at once. Each is invoked
  once (its worker's cold start, where the runner reports one), then ``--warm`` more times
  synchronously through the Lambda API: the runner's own overhead per invocation is the
  invocation record's duration (the handler does nothing), the client's is the API round trip.

Runs on any revision of the local cloud (only its public API is used), so the same script
measures the runner before and after a change: ``PYTHONPATH=<checkout> python bench/local_workers.py``.
Prints one JSON object.

``--runs N --revision REV [--revision current]`` measures revisions back to back (issue 27): each
revision's library is exported with ``git archive`` into a temporary directory put first on
``PYTHONPATH`` (``current`` is this tree), and the script runs once per revision per round, in
alternation, each run a fresh process; it prints every run's fanout figures with ``/proc/loadavg``
before and after it, and per revision the min/median/max of the wall time to idle and of the
publish time, and whether any message was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from revisions import loadavg, revision_libraries, stats

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = "def handler(event, context):\n    return {'ok': True}\n"


def build(app: Any) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    from serverless_patterns import FunctionSpec
    from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber

    env = cdk.Environment(account="123456789012", region="us-east-1")
    fanout_stack = cdk.Stack(app, "BenchFanout", env=env)
    fanout = FanoutQueue(
        fanout_stack,
        "Users",
        subscribers={
            "welcome": Subscriber(
                function=FunctionSpec(
                    code=str(ROOT / "examples" / "handlers" / "fanout"), handler="welcome.handler"
                ),
                batch_size=10,
            )
        },
    )
    welcome = fanout.subscribers["welcome"]
    cdk.CfnOutput(fanout_stack, "TopicArn", value=fanout.topic.topic_arn)
    cdk.CfnOutput(fanout_stack, "QueueUrl", value=welcome.queue.queue_url)
    cdk.CfnOutput(fanout_stack, "DlqUrl", value=welcome.dead_letter_queue.queue_url)

    trivial = cdk.Stack(app, "BenchTrivial", env=env)
    for i in range(5):
        fn = lambda_.Function(
            trivial,
            f"Trivial{i}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(TRIVIAL),
        )
        cdk.CfnOutput(trivial, f"Name{i}", value=fn.function_name)


def synth(out: Path) -> Path:
    import aws_cdk as cdk

    app = cdk.App(outdir=str(out))
    build(app)
    app.synth()
    return out


def _count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def fanout_load(cloud: Any, out: dict[str, str], messages: int) -> dict[str, Any]:
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    bad = {i for i in range(messages) if i % 5 == 0}
    begin = time.monotonic()
    for start in range(0, messages, 10):
        entries = []
        for i in range(start, min(start + 10, messages)):
            user: dict[str, Any] = {"id": f"u{i}"}
            if i not in bad:
                user["email"] = f"u{i}@example.com"
            entries.append({"Id": str(i), "Message": json.dumps(user)})
        sns.publish_batch(TopicArn=out["TopicArn"], PublishBatchRequestEntries=entries)
    published = time.monotonic() - begin

    def settled() -> bool:
        return _count(sqs, out["DlqUrl"]) >= len(bad) and bool(
            cloud.wait_for(queue_empty=out["QueueUrl"], timeout=600)
        )

    cloud.wait_for(settled, timeout=600, interval=0.2)
    wall = time.monotonic() - begin
    processed: set[str] = set()
    for run in cloud.invocations:
        for line in run.logs.splitlines():
            if "welcome email sent" in line:
                with contextlib.suppress(ValueError, KeyError):
                    processed.add(str(json.loads(line)["user_id"]))
    parked = _count(sqs, out["DlqUrl"])
    return {
        "sent": messages,
        "processed": len(processed),
        "parked": parked,
        "lost": messages - len(processed) - parked,
        "publish_s": round(published, 2),
        "wall_s": round(wall, 2),
        "invocations": sum(1 for r in cloud.invocations if "Bench" in r.function_name),
    }


def warm_and_cold(cloud: Any, names: list[str], warm: int) -> dict[str, Any]:
    client = cloud.client("lambda")
    first: list[float] = []
    for name in names:
        begin = time.monotonic()
        client.invoke(FunctionName=name, Payload=b"{}")
        first.append((time.monotonic() - begin) * 1000)
    runtime = getattr(cloud, "_runtime", None)
    cold = list(getattr(runtime, "cold_starts_ms", []) or [])
    round_trips: list[float] = []
    records: list[float] = []
    for i in range(warm):
        name = names[i % len(names)]
        begin = time.monotonic()
        answer = client.invoke(FunctionName=name, Payload=b"{}")
        round_trips.append((time.monotonic() - begin) * 1000)
        assert json.loads(answer["Payload"].read()) == {"ok": True}
        records.append(cloud.invocations[-1].duration_ms)

    def p(values: list[float], q: float) -> float | None:
        if not values:  # --warm 0
            return None
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "first_invoke_ms_median": round(statistics.median(first), 1),
        "cold_start_ms": [round(c, 1) for c in cold],
        "cold_start_ms_median": round(statistics.median(cold), 1) if cold else None,
        "warm_runner_ms_p50": p(records, 0.5),
        "warm_runner_ms_p95": p(records, 0.95),
        "warm_api_round_trip_ms_p50": p(round_trips, 0.5),
        "warm_api_round_trip_ms_p95": p(round_trips, 0.95),
    }


def one_run(library: Path, messages: int, warm: int) -> dict[str, Any]:
    """This script, once, in a fresh process with ``library`` first on ``PYTHONPATH`` (from ROOT, so
    that every revision deploys with the same CDK CLI)."""
    env = {**os.environ, "PYTHONPATH": str(library)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--messages", str(messages), "--warm", str(warm)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    start = proc.stdout.rfind("\n{") + 1  # the JSON object is printed last; its own lines are indented
    if proc.returncode != 0 or not proc.stdout[start:].startswith("{"):
        raise RuntimeError(f"a run failed with exit code {proc.returncode}:\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout[start:])
    return result


def compare(revisions: list[str], runs: int, messages: int, warm: int) -> dict[str, Any]:
    """``runs`` rounds, each running every revision once in turn."""
    result: dict[str, Any] = {"messages": messages, "runs": runs, "loadavg_start": loadavg(), "columns": {}}
    with tempfile.TemporaryDirectory(prefix="bench-local-revisions-") as tmp:
        libraries = revision_libraries(revisions, Path(tmp))
        for index in range(runs):
            for rev, library in libraries.items():
                before = loadavg()
                fanout = one_run(library, messages, warm)["fanout"]
                fanout.update(loadavg_before=before, loadavg_after=loadavg())
                result["columns"].setdefault(rev, {"runs": []})["runs"].append(fanout)
                print(
                    f"[{rev}] run {index + 1}/{runs}: {fanout['wall_s']} s to idle (published in "
                    f"{fanout['publish_s']} s), {fanout['processed']} processed + {fanout['parked']} "
                    f"parked of {fanout['sent']}, load {before} -> {fanout['loadavg_after']}",
                    file=sys.stderr,
                    flush=True,
                )
    for column in result["columns"].values():
        column["wall_s"] = stats([r["wall_s"] for r in column["runs"]])
        column["publish_s"] = stats([r["publish_s"] for r in column["runs"]])
        column["lost"] = [r["lost"] for r in column["runs"]]
    result["loadavg_end"] = loadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument(
        "--revision",
        action="append",
        help="a git revision whose library runs, or 'current' (this tree); repeat to alternate. "
        "With it, --runs fresh processes per revision and their statistics. Default: one run here",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per revision with --revision")
    args = parser.parse_args()
    if args.revision:
        print(json.dumps(compare(args.revision, args.runs, args.messages, args.warm), indent=2))
        return
    os.environ.setdefault("CDK_DEFAULT_ACCOUNT", "123456789012")
    os.environ.setdefault("CDK_DEFAULT_REGION", "us-east-1")
    from serverless_patterns.local import LocalCloud

    with tempfile.TemporaryDirectory(prefix="bench-local-") as scratch:
        begin = time.monotonic()
        assembly = synth(Path(scratch) / "cdk.out")
        synth_s = time.monotonic() - begin
        with LocalCloud() as cloud:
            deployment = cloud.deploy(assembly, concurrency=2)
            outputs = deployment.outputs
            names = [v for k, v in sorted(outputs["BenchTrivial"].items()) if k.startswith("Name")]
            result = {
                "python": sys.version.split()[0],
                "synth_s": round(synth_s, 1),
                "start_s": round(cloud.started_in, 2),
                "deploy_s": round(deployment.seconds, 1),
                **warm_and_cold(cloud, names, args.warm),
                "fanout": fanout_load(cloud, outputs["BenchFanout"], args.messages),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
