"""The benchmark: ``bash bench/run`` (which runs ``python -m bench`` in bench/.venv).

1. Side by side, alternating, each app its own process: (a) the floor, an empty-stack app, in the
   project environment; (b) one instance of each serverless-patterns pattern; (c) the equivalent app
   from AWS Solutions Constructs, in bench/.venv; (a') the floor again in bench/.venv, because the
   peer cannot run on the project's aws-cdk-lib (pip refuses; both versions are recorded); (d) the
   template (b) wrote in the warm-up round, included as plain L1 resources: the lower bound of any
   library writing that template; (e) of part 1c runs in these rounds too. Medians, ratios per
   round, resource counts, peak memory (RSS of python and its node child), jsii round trips; then
   the rule-pack findings and cfn-lint results of (b) and (c).
1b. Per pattern (``perpattern``): for each pattern P of (b), an app with P alone (b_P) and an app
   with the template b_P wrote included as plain L1 resources (d_P), alternating, so that b_P - d_P
   shows the cost of P's construct logic (with the library's import, which every b_P pays).
1c. The public L2s' floor (``publicl2``): (e) the aws-cdk-lib constructs (b)'s patterns expose as
   public attributes, built with their plain props and nothing else (``apps/public_l2s.py``), and
   (d_e) the template (e) wrote, included as plain L1 resources, alternating: e - d_e is what those
   L2 types cost by themselves, under (b) - (d) for any library whose public attributes they are.
2. Scaling: 1, 10, 25, 50 instances of each pattern, two instances of each pattern per stack
   (10 pattern instances per stack), wall time and jsii round trips per instance.
3. The test suite: wall time of ``bash scripts/test.sh``, its sections and the slowest tests.
4. Dependency bundling (``bench/bundling.py``, in the project environment): the cold bundle time of a
   handler with pydantic + requests, and the warm re-synth overhead per bundled function.
5. Local cloud runner (``bench/local_workers.py``, in the project environment): the per-function
   worker runner of the current tree against the in-process runner it replaced (``LOCAL_BASELINE``,
   exported to a temporary directory), alternating in the same session: wall time per 1000 messages
   through a FanoutQueue, messages lost, warm invoke overhead, a Python worker's cold start.
6. The dev inner loop (``bench/dev_loop.py``, in the project environment): ``serverless-patterns dev``
   on the scaffolded ApiToLambda app, save of a route added in app.py to its first 200, and save of a
   handler edit to its new answer, for ``DEV_BASELINE`` (exported) and the current tree, one session
   each, back to back.

Results go to bench/RESULTS.md; raw numbers to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
APPS = BENCH / "apps"
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
BENCH_PY = BENCH / ".venv" / "bin" / "python"
# The local cloud before the per-function workers: the parent of ce4058b ("local: run each function
# in worker processes of its own"), the first commit with serverless_patterns/local/workers.py, whose
# runner called handlers in-process. Part 5 measures the current tree against it.
LOCAL_BASELINE = "5b0a6c826b3a9a3be7746dc226f0b2a281dac48d"
LOCAL_WARM = 300  # warm invocations per run of bench/local_workers.py (its --warm)
# The dev loop before the warm synth and the in-process update (issue 27): part 6 measures the
# current tree against it.
DEV_BASELINE = "e1ecd4e5f85d7ebd3500647735a28a135c5ed685"

# The parts of the benchmark, in the order they run (--skip and --only name them).
PARTS = (
    "compare",
    "findings",
    "scaling",
    "hotspots",
    "perpattern",
    "publicl2",
    "tests",
    "bundling",
    "local",
    "dev",
)

# label -> (description, interpreter, app script)
APP_SPECS: dict[str, tuple[str, Path, str]] = {
    "a": ("floor: empty stack (project env)", PROJECT_PY, "floor.py"),
    "b": ("serverless-patterns: one of each pattern", PROJECT_PY, "ours.py"),
    "c": ("AWS Solutions Constructs equivalent", BENCH_PY, "peer.py"),
    "a'": ("floor: empty stack (bench env, peer's aws-cdk-lib)", BENCH_PY, "floor.py"),
    # After (b): its warm-up round writes the template (d) includes.
    "d": ("(b)'s template included as plain L1 resources (project env)", PROJECT_PY, "template.py"),
    "e": (
        "the public aws-cdk-lib constructs of (b)'s patterns alone (project env)",
        PROJECT_PY,
        "public_l2s.py",
    ),
}


def log(message: str) -> None:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------- running
class PeakRss:
    """Polls the summed RSS of a process and all its descendants (python + the jsii node child)."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.peak = 0
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        try:
            root = psutil.Process(self._pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                break
            self.peak = max(self.peak, total)
            self._stop.wait(self._interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_app(
    label: str,
    tag: str,
    *,
    sets: int = 1,
    per_stack: int = 2,
    nag: bool = False,
    extra_env: dict[str, str] | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Runs one app as its own process; returns wall seconds, peak RSS, the probe's stats."""
    _, python, script = APP_SPECS[label]
    name = f"{label.replace(chr(39), 'p')}-{tag}"
    outdir = OUT / name
    shutil.rmtree(outdir, ignore_errors=True)
    stats_path = OUT / f"{name}.stats.json"
    stats_path.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_STATS": str(stats_path), **(extra_env or {})}
    cmd = [str(python), str(APPS / script), "--outdir", str(outdir), "--sets", str(sets)]
    cmd += ["--per-stack", str(per_stack)] + (["--nag"] if nag else [])
    with open(OUT / f"{name}.log", "w") as output:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)
        rss = PeakRss(proc.pid)
        # wait4: the CPU seconds of the app and of the children it waited for (its node process)
        _, status, usage = os.wait4(proc.pid, 0)
        code = proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        peak = rss.stop()
    if code != 0:
        tail = (OUT / f"{name}.log").read_text()[-2000:]
        raise RuntimeError(f"{label} ({script}) failed with exit code {code}:\n{tail}")
    stats = json.loads(stats_path.read_text())
    result = {
        "label": label,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": peak / 2**20,
        "stats": stats,
        "outdir": str(outdir),
        "resources": count_resources(outdir),
    }
    if not keep:
        shutil.rmtree(outdir, ignore_errors=True)
    return result


def count_resources(outdir: Path) -> dict[str, Any]:
    per_type: dict[str, int] = {}
    templates = sorted(outdir.glob("*.template.json"))
    for path in templates:
        for resource in json.loads(path.read_text()).get("Resources", {}).values():
            per_type[resource["Type"]] = per_type.get(resource["Type"], 0) + 1
    return {"total": sum(per_type.values()), "stacks": len(templates), "by_type": per_type}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------------------------------- context
def _version(python: Path, code: str) -> str:
    try:
        return subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=120
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError) as error:
        return f"unknown ({error})"


def _pkg(python: Path, *names: str) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        f"names = {list(names)!r}\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = '-'\n"
        "print(json.dumps(out))"
    )
    text = _version(python, code)
    try:
        return dict(json.loads(text))
    except json.JSONDecodeError:
        return dict.fromkeys(names, text)


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    node = os.environ.get("JSII_NODE", "node")
    try:
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node_version = "unknown"
    project = _pkg(PROJECT_PY, "aws-cdk-lib", "jsii", "constructs", "cdk-nag", "cfn-lint")
    peer = _pkg(
        BENCH_PY,
        "aws-cdk-lib",
        "jsii",
        "constructs",
        "cdk-nag",
        "cfn-lint",
        "aws-solutions-constructs.core",
        "aws-solutions-constructs.aws-apigateway-lambda",
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "cpu": model,
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": node_version,
        "node_options": os.environ.get("NODE_OPTIONS", ""),
        "project_env": project,
        "bench_env": peer,
        "loadavg_start": os.getloadavg(),
    }


# ---------------------------------------------------------------------------------------------- part 1
def preflight() -> tuple[list[str], dict[str, str]]:
    """Which of our patterns build and synthesize right now (others are being written)."""
    env = {**os.environ, "CDK_VALIDATION": "false"}
    proc = subprocess.run(
        [str(PROJECT_PY), str(APPS / "ours.py"), "--preflight"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"preflight failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    result: dict[str, str | None] = json.loads(lines[-1])
    working = [name for name, error in result.items() if error is None]
    broken = {name: error for name, error in result.items() if error is not None}
    return working, broken


def side_by_side(rounds: int, patterns: list[str], validation: bool) -> dict[str, Any]:
    env = {"BENCH_PATTERNS": ",".join(patterns)}
    if not validation:
        env["CDK_VALIDATION"] = "false"
    labels = list(APP_SPECS)
    mode = "default" if validation else "novalidation"
    log(f"side by side ({mode}): warm-up")
    for label in labels:
        warm = run_app(label, f"{mode}-warmup", extra_env=env, keep=label == "b")
        if label == "b":  # (d) includes the template (b) writes
            env["BENCH_TEMPLATE"] = str(included_template(warm, OUT / f"b-{mode}.template.json"))
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
    for index in range(rounds):
        order = labels[index % len(labels) :] + labels[: index % len(labels)]
        for label in order:
            last = index == rounds - 1
            keep = validation and last and label in ("b", "c")
            result = run_app(label, f"{mode}-{index + 1}", extra_env=env, keep=keep)
            runs[label].append(result)
        log(
            f"  round {index + 1}/{rounds}: "
            + ", ".join(f"{label} {runs[label][-1]['wall']:.2f}s" for label in labels)
        )
    walls = {label: [r["wall"] for r in runs[label]] for label in labels}
    ratio_ba = [b / a for a, b in zip(walls["a"], walls["b"], strict=True)]
    ratio_bc = [b / c for b, c in zip(walls["b"], walls["c"], strict=True)]
    ratio_ca = [c / a for a, c in zip(walls["a'"], walls["c"], strict=True)]
    ratio_dc = [d / c for c, d in zip(walls["c"], walls["d"], strict=True)]
    summary = {}
    for label in labels:
        last = runs[label][-1]
        stats = last["stats"]
        summary[label] = {
            "median_wall": median(walls[label]),
            "walls": walls[label],
            "min_wall": min(walls[label]),
            "median_peak_rss_mb": median([r["peak_rss_mb"] for r in runs[label]]),
            "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs[label]),
            "resources": last["resources"],
            "jsii_calls": stats["total_calls"],
            "phases": {
                phase: median([r["stats"]["phases"].get(phase, float("nan")) for r in runs[label]])
                for phase in stats["phases"]
            },
            "node_seconds": median([r["stats"]["node_seconds"] for r in runs[label]]),
            "instances": stats.get("instances", []),
            "patterns": stats.get("patterns", []),
            "outdir": last["outdir"],
        }
    return {
        "mode": mode,
        "rounds": rounds,
        "apps": summary,
        "ratio_b_a": ratio_ba,
        "ratio_b_c": ratio_bc,
        "ratio_c_a'": ratio_ca,
        "median_ratio_b_a": median(ratio_ba),
        "median_ratio_b_c": median(ratio_bc),
        "median_ratio_c_a'": median(ratio_ca),
        "ratio_d_c": ratio_dc,
        "median_ratio_d_c": median(ratio_dc),
        "above_floor_d": median(walls["d"]) - median(walls["a"]),
        "above_floor_b": median(walls["b"]) - median(walls["a"]),
        "above_floor_c": median(walls["c"]) - median(walls["a'"]),
    }


def included_template(run: dict[str, Any], path: Path) -> Path:
    """Writes the one template of a kept (b) run to ``path`` for (d), and removes the run's outdir."""
    (template,) = Path(run["outdir"]).glob("*.template.json")
    # Without the bootstrap-version parameter and rule, which every stack adds itself.
    body = {k: v for k, v in json.loads(template.read_text()).items() if k not in ("Parameters", "Rules")}
    path.write_text(json.dumps(body))
    shutil.rmtree(run["outdir"], ignore_errors=True)
    return path


def spread(values: list[float]) -> dict[str, float]:
    return {"median": median(values), "min": min(values), "max": max(values)}


def per_pattern(rounds: int, patterns: list[str]) -> dict[str, Any]:
    """For each pattern P: (b_P), an app with P alone, and (d_P), the template (b_P) wrote as plain
    L1 resources; one warm-up of each, then ``rounds`` rounds, b_P and d_P back to back (their order
    alternating by round), so that b_P - d_P is the cost of P's construct logic and the library's
    import. CDK's template validation stays on, as in (b) and (d) of part 1."""
    load_start = os.getloadavg()
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {p: {"b": [], "d": []} for p in patterns}
    envs: dict[str, dict[str, str]] = {}
    for pattern in patterns:
        log(f"per pattern: warm-up of {pattern}")
        env = {"BENCH_PATTERNS": pattern}
        warm = run_app("b", f"pp-{pattern}-warmup", extra_env=env, keep=True)
        env["BENCH_TEMPLATE"] = str(included_template(warm, OUT / f"b-{pattern}.template.json"))
        run_app("d", f"pp-{pattern}-warmup", extra_env=env)
        envs[pattern] = env
    for index in range(rounds):
        order = ("b", "d") if index % 2 == 0 else ("d", "b")
        for pattern in patterns:
            for label in order:
                runs[pattern][label].append(
                    run_app(label, f"pp-{pattern}-{index + 1}", extra_env=envs[pattern])
                )
        log(
            f"  per pattern round {index + 1}/{rounds}: "
            + ", ".join(
                f"{p} {runs[p]['b'][-1]['wall']:.2f}s - {runs[p]['d'][-1]['wall']:.2f}s" for p in patterns
            )
        )
    summary: dict[str, Any] = {}
    for pattern in patterns:
        b, d = runs[pattern]["b"], runs[pattern]["d"]
        phases = {
            label: {
                phase: median([r["stats"]["phases"].get(phase, float("nan")) for r in runs[pattern][label]])
                for phase in runs[pattern][label][-1]["stats"]["phases"]
            }
            for label in ("b", "d")
        }
        summary[pattern] = {
            "b": spread([r["wall"] for r in b]),
            "d": spread([r["wall"] for r in d]),
            "b_minus_d": spread([x["wall"] - y["wall"] for x, y in zip(b, d, strict=True)]),
            "b_cpu": spread([r["cpu"] for r in b]),
            "d_cpu": spread([r["cpu"] for r in d]),
            "b_minus_d_cpu": spread([x["cpu"] - y["cpu"] for x, y in zip(b, d, strict=True)]),
            "phases": phases,
            "resources": b[-1]["resources"]["total"],
            "jsii_calls": b[-1]["stats"]["total_calls"],
        }
    return {
        "rounds": rounds,
        "patterns": summary,
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }


def public_l2s(rounds: int) -> dict[str, Any]:
    """(e), the public aws-cdk-lib constructs of (b)'s patterns alone, and (d_e), the template (e)
    wrote included as plain L1 resources; one warm-up of each, then ``rounds`` rounds back to back
    (their order alternating by round). CDK's template validation stays on, as in (b) and (d)."""
    load_start = os.getloadavg()
    log("public L2s: warm-up")
    warm = run_app("e", "pl-warmup", keep=True)
    resources = warm["resources"]["total"]
    env = {"BENCH_TEMPLATE": str(included_template(warm, OUT / "e-default.template.json"))}
    run_app("d", "pl-warmup", extra_env=env)
    runs: dict[str, list[dict[str, Any]]] = {"e": [], "d": []}
    for index in range(rounds):
        for label in ("e", "d") if index % 2 == 0 else ("d", "e"):
            runs[label].append(run_app(label, f"pl-{index + 1}", extra_env=env if label == "d" else None))
        log(
            f"  public L2s round {index + 1}/{rounds}: e {runs['e'][-1]['wall']:.2f}s, d_e {runs['d'][-1]['wall']:.2f}s"
        )
    e, d = runs["e"], runs["d"]
    return {
        "rounds": rounds,
        "e": spread([r["wall"] for r in e]),
        "d": spread([r["wall"] for r in d]),
        "e_minus_d": spread([x["wall"] - y["wall"] for x, y in zip(e, d, strict=True)]),
        "e_minus_d_cpu": spread([x["cpu"] - y["cpu"] for x, y in zip(e, d, strict=True)]),
        "resources": resources,
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }


def findings(patterns: list[str], templates: dict[str, str]) -> dict[str, Any]:
    """Rule-pack findings (AwsSolutions + Serverless + CDK's CloudFormation validation) and cfn-lint."""
    env = {"BENCH_PATTERNS": ",".join(patterns)}
    out: dict[str, Any] = {}
    for label in ("b", "c"):
        log(f"findings of {label}: synth with the rule packs")
        result = run_app(label, "nag", nag=True, extra_env=env, keep=True)
        report_path = Path(result["outdir"]) / "validation-report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        by_plugin: dict[str, dict[str, int]] = {}
        suppressed: dict[str, int] = {}
        for plugin in report.get("pluginReports", []):
            name = plugin.get("pluginName", "?")
            counts = by_plugin.setdefault(name, {})
            for violation in plugin.get("violations", []):
                rule = violation["ruleName"]
                hits = len(violation.get("violatingConstructs", [])) or 1
                counts[rule] = counts.get(rule, 0) + hits
            suppressed[name] = len(plugin.get("suppressedViolations", []))
        lint = cfn_lint(Path(templates[label]) if label in templates else Path(result["outdir"]))
        out[label] = {
            "wall_with_rule_packs": result["wall"],
            "synth_failed": result["stats"].get("synth_failed"),
            "unacknowledged": {p: sum(c.values()) for p, c in by_plugin.items()},
            "by_rule": by_plugin,
            "acknowledged": suppressed,
            "cfn_lint": lint,
        }
        shutil.rmtree(result["outdir"], ignore_errors=True)
    return out


def cfn_lint(outdir: Path) -> dict[str, Any]:
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    if not templates:
        return {"errors": None, "warnings": None, "messages": ["no template"]}
    proc = subprocess.run(
        [str(BENCH / ".venv" / "bin" / "cfn-lint"), "--format", "parseable", *templates],
        capture_output=True,
        text=True,
    )
    messages = [line for line in proc.stdout.splitlines() if line.strip()]
    # parseable: file:line:col:line:col:RULE:message
    rules = [m.split(":")[5] if m.count(":") >= 6 else "?" for m in messages]
    return {
        "errors": sum(1 for r in rules if r.startswith("E")),
        "warnings": sum(1 for r in rules if r.startswith("W")),
        "informational": sum(1 for r in rules if r.startswith("I")),
        "by_rule": {r: rules.count(r) for r in sorted(set(rules))},
    }


# ---------------------------------------------------------------------------------------------- part 2
def scaling(sizes: list[int], patterns: list[str], per_stack: int, repeats: int) -> dict[str, Any]:
    env = {"BENCH_PATTERNS": ",".join(patterns)}
    rows = []
    for size in sizes:
        for repeat in range(repeats):
            log(f"scaling: {size} of each pattern (run {repeat + 1}/{repeats})")
            result = run_app("b", f"scale{size}-{repeat + 1}", sets=size, per_stack=per_stack, extra_env=env)
            stats = result["stats"]
            phases = stats["phases"]
            instances = stats.get("instances", [])
            per_pattern: dict[str, dict[str, float]] = {}
            for inst in instances:
                row = per_pattern.setdefault(inst["kind"], {"n": 0, "calls": 0, "seconds": 0.0})
                row["n"] += 1
                row["calls"] += inst["calls"]
                row["seconds"] += inst["seconds"]
            rows.append(
                {
                    "size": size,
                    "repeat": repeat + 1,
                    "wall": result["wall"],
                    "peak_rss_mb": result["peak_rss_mb"],
                    "build_seconds": phases["build"] - phases["import_app"],
                    "build_node_seconds": stats.get("node_at", {}).get("build", 0.0)
                    - stats.get("node_at", {}).get("import_app", 0.0),
                    "synth_seconds": phases["synth"] - phases["build"],
                    "total_calls": stats["total_calls"],
                    "build_calls": sum(i["calls"] for i in instances),
                    "resources": result["resources"]["total"],
                    "stacks": result["resources"]["stacks"],
                    "per_pattern": {
                        k: {"calls": v["calls"] / v["n"], "seconds": v["seconds"] / v["n"]}
                        for k, v in per_pattern.items()
                    },
                }
            )
    return {"per_stack": per_stack, "rows": rows}


def callsites(patterns: list[str]) -> dict[str, Any]:
    """One run of (b) attributing every jsii round trip to its call site in serverless_patterns/."""
    log("hot spots: jsii round trips by call site")
    env = {"BENCH_PATTERNS": ",".join(patterns), "BENCH_CALLSITES": "1", "CDK_VALIDATION": "false"}
    result = run_app("b", "callsites", extra_env=env)
    stats = result["stats"]
    return {
        "total_calls": stats["total_calls"],
        "sites": stats["callsites"],
        "pattern_sites": stats.get("pattern_callsites", {}),
        "instances": stats.get("instances", []),
    }


# ---------------------------------------------------------------------------------------------- part 3
PYTEST_ARGS = ["-q", "-n", "2", "--dist", "loadfile", "--durations=10"]  # as scripts/test.sh runs it


def _timed(cmd: list[str], log_name: str) -> dict[str, Any]:
    """Runs ``cmd``, timing each ``==> section`` it announces; parses pytest's summary and durations."""
    sections: list[tuple[str, float]] = []
    lines: list[str] = []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    with open(OUT / log_name, "w") as output:
        for line in proc.stdout:
            output.write(line)
            lines.append(line.rstrip("\n"))
            if line.startswith("==> "):
                sections.append((line[4:].strip(), time.perf_counter() - start))
    code = proc.wait()
    wall = time.perf_counter() - start
    timed = [
        {"section": name, "seconds": (sections[i + 1][1] if i + 1 < len(sections) else wall) - at}
        for i, (name, at) in enumerate(sections)
    ]
    durations: list[dict[str, Any]] = []
    summary = ""
    in_durations = False
    for line in lines:
        if "slowest" in line and "durations" in line:
            in_durations = True
            continue
        match = re.match(r"^\s*([\d.]+)s\s+(call|setup|teardown)\s+(.*)$", line)
        if in_durations and match:
            durations.append({"seconds": float(match[1]), "when": match[2], "test": match[3]})
        if re.search(r"\d+ (passed|failed|error)", line):
            summary = line.strip("= ")
    return {
        "exit_code": code,
        "wall": wall,
        "sections": timed,
        "slowest": durations[:10],
        "summary": summary,
        "tail": lines[-15:],
    }


def test_suite() -> dict[str, Any]:
    """``bash scripts/test.sh`` (ruff, mypy, pytest); when it stops before pytest, pytest alone too."""
    script = ROOT / "scripts" / "test.sh"
    if not script.exists():
        log("test suite: pytest (no scripts/test.sh)")
        result = _timed([str(PROJECT_PY), "-m", "pytest", *PYTEST_ARGS], "tests.log")
        return {"command": "pytest " + " ".join(PYTEST_ARGS), **result}
    log("test suite: bash scripts/test.sh")
    result = {"command": "bash scripts/test.sh", **_timed(["bash", str(script)], "tests.log")}
    if not any(x["section"] == "pytest" for x in result["sections"]):
        stopped = result["sections"][-1]["section"] if result["sections"] else "?"
        log(f"test suite: scripts/test.sh stopped at {stopped!r}; timing pytest alone")
        pytest_only = _timed([str(PROJECT_PY), "-m", "pytest", *PYTEST_ARGS], "tests-pytest.log")
        result["stopped_at"] = stopped
        result["pytest_only"] = {"command": "pytest " + " ".join(PYTEST_ARGS), **pytest_only}
    return result


# ---------------------------------------------------------------------------------------------- part 4
def bundling(functions: int, runs: int) -> dict[str, Any]:
    """``python -m bench.bundling`` in the project environment (it builds functions with the library)."""
    log(f"bundling: cold bundle, then warm re-synth of {functions} functions ({runs} runs each)")
    numbers = OUT / "bundling.json"
    numbers.unlink(missing_ok=True)
    cmd = [str(PROJECT_PY), "-m", "bench.bundling", "--functions", str(functions), "--runs", str(runs)]
    with open(OUT / "bundling.log", "w") as output:
        code = subprocess.run(
            [*cmd, "--json", str(numbers)], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        ).returncode
    if code != 0:
        tail = (OUT / "bundling.log").read_text()[-2000:]
        raise RuntimeError(f"bench.bundling failed with exit code {code}:\n{tail}")
    result: dict[str, Any] = json.loads(numbers.read_text())
    return result


# ---------------------------------------------------------------------------------------------- part 5
def _local_run(checkout: Path, messages: int, name: str) -> dict[str, Any]:
    """One ``bench/local_workers.py`` run with ``serverless_patterns`` imported from ``checkout``.

    The script and its handlers are always this tree's, and it runs from ROOT so that both revisions
    deploy with the same CDK CLI (``node_modules/aws-cdk``, found from the working directory)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [str(PROJECT_PY), str(BENCH / "local_workers.py"), "--messages", str(messages)]
    cmd += ["--warm", str(LOCAL_WARM)]
    with open(OUT / f"{name}.log", "w") as errors:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True, timeout=3600
        )
    (OUT / f"{name}.json").write_text(proc.stdout)
    start = proc.stdout.rfind("\n{") + 1  # the JSON object is printed last; its own lines are indented
    if proc.returncode != 0 or not proc.stdout[start:].startswith("{"):
        tail = (OUT / f"{name}.log").read_text()[-2000:]
        raise RuntimeError(f"local_workers.py ({name}) failed with exit code {proc.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(proc.stdout[start:])
    return result


def local_cloud(messages: int, pairs: int) -> dict[str, Any]:
    """``bench/local_workers.py`` against LOCAL_BASELINE and the current tree, alternating."""
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory(prefix="bench-local-baseline-") as scratch:
        baseline = Path(scratch)
        log(f"local cloud: exporting the in-process runner's revision {LOCAL_BASELINE[:10]}")
        archive = subprocess.run(
            ["git", "archive", "--format=tar", LOCAL_BASELINE], cwd=ROOT, capture_output=True
        )
        if archive.returncode != 0:
            raise RuntimeError(f"git archive {LOCAL_BASELINE} failed:\n{archive.stderr.decode()[-2000:]}")
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        for index in range(pairs):
            for label, checkout in (("baseline", baseline), ("current", ROOT)):
                result = _local_run(checkout, messages, f"local-{label}-{index + 1}")
                runs[label].append(result)
            a, b = runs["baseline"][-1]["fanout"], runs["current"][-1]["fanout"]
            log(
                f"  pair {index + 1}/{pairs}: in-process {a['wall_s']:.1f}s, workers {b['wall_s']:.1f}s "
                f"for {messages} messages; lost {a['lost']} / {b['lost']}"
            )

    def per_1000(run: dict[str, Any]) -> float:
        fanout = run["fanout"]
        return float(fanout["wall_s"]) / int(fanout["sent"]) * 1000

    walls = {label: [per_1000(run) for run in runs[label]] for label in runs}
    ratios = [b / a for a, b in zip(walls["baseline"], walls["current"], strict=True)]
    summary: dict[str, Any] = {}
    for label, label_runs in runs.items():
        cold = [run["cold_start_ms_median"] for run in label_runs if run.get("cold_start_ms_median")]
        summary[label] = {
            "wall_per_1000": walls[label],
            "median_wall_per_1000": median(walls[label]),
            "warm_runner_ms_p50": median([run["warm_runner_ms_p50"] for run in label_runs]),
            "warm_runner_ms_p95": median([run["warm_runner_ms_p95"] for run in label_runs]),
            "warm_api_round_trip_ms_p50": median([run["warm_api_round_trip_ms_p50"] for run in label_runs]),
            "first_invoke_ms_median": median([run["first_invoke_ms_median"] for run in label_runs]),
            "cold_start_ms_median": median(cold) if cold else None,
            "all_delivered": all(
                run["fanout"]["processed"] + run["fanout"]["parked"] == run["fanout"]["sent"]
                for run in label_runs
            ),
        }
    return {
        "baseline_revision": LOCAL_BASELINE,
        "messages": messages,
        "warm": LOCAL_WARM,
        "pairs": pairs,
        "runs": runs,
        "summary": summary,
        "ratios": ratios,
        "median_ratio": median(ratios),
    }


# ---------------------------------------------------------------------------------------------- part 6
def dev_loop(rounds: int) -> dict[str, Any]:
    """``bench/dev_loop.py`` for DEV_BASELINE and this tree, one dev session each, back to back."""
    log(f"dev loop: {rounds} app changes and handler edits, revision {DEV_BASELINE[:10]} then this tree")
    cmd = [str(PROJECT_PY), str(BENCH / "dev_loop.py"), "--rounds", str(rounds)]
    cmd += ["--revision", DEV_BASELINE, "--revision", "current"]
    with open(OUT / "dev-loop.log", "w") as errors:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True, timeout=7200)
    (OUT / "dev-loop.json").write_text(proc.stdout)
    if proc.returncode != 0:
        tail = (OUT / "dev-loop.log").read_text()[-2000:]
        raise RuntimeError(f"dev_loop.py failed with exit code {proc.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(proc.stdout)
    result["baseline_revision"] = DEV_BASELINE
    return result


# ---------------------------------------------------------------------------------------------- main
class Skipped:
    """The parts not to run: those --skip names, and with --only every part it does not name."""

    def __init__(self, skip: str, only: str) -> None:
        self.skip = set(filter(None, skip.split(",")))
        self.only = set(filter(None, only.split(",")))

    def __contains__(self, part: object) -> bool:
        return part in self.skip or (bool(self.only) and part not in self.only)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after the warm-up (default 5)")
    parser.add_argument(
        "--novalidation-rounds",
        type=int,
        default=3,
        help="rounds with CDK's built-in template validation off (0 to skip; default 3)",
    )
    parser.add_argument("--sizes", default="1,10,25,50", help="scaling sizes (default 1,10,25,50)")
    parser.add_argument("--scale-repeats", type=int, default=1, help="runs per scaling size (default 1)")
    parser.add_argument(
        "--per-stack",
        type=int,
        default=2,
        help="instances of each pattern per stack in the scaling runs (default 2)",
    )
    parser.add_argument(
        "--bundling-functions",
        type=int,
        default=20,
        help="functions in the bundling part's warm re-synth app (default 20)",
    )
    parser.add_argument(
        "--local-messages",
        type=int,
        default=1000,
        help="messages through the local cloud's FanoutQueue per run of part 5 (default 1000)",
    )
    parser.add_argument(
        "--local-rounds",
        type=int,
        default=2,
        help="pairs of part 5 runs, in-process runner then workers (default 2; a run takes 1-2 min)",
    )
    parser.add_argument(
        "--dev-rounds",
        type=int,
        default=5,
        help="app changes and handler edits per revision in part 6 (default 5)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of parts to skip: " + ",".join(PARTS),
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma list of the only parts to run: " + ",".join(PARTS) + " (default: all)",
    )
    parser.add_argument("--output", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--render", metavar="RESULTS_JSON", help="only render RESULTS.md from saved numbers")
    args = parser.parse_args()
    if args.render:
        from .report import render

        Path(args.output).write_text(render(json.loads(Path(args.render).read_text())))
        return
    skip = Skipped(args.skip, args.only)
    log("parts: " + ", ".join(part for part in PARTS if part not in skip))
    OUT.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    # Every app runs with the Node.js options the library gives its users' synths (NODE_OPTIONS:
    # serverless_patterns/_jsii_kernel_flags.js in jsii's kernel), whatever it imports first, so the
    # apps differ only by their code; (c) and (d) get them too.
    from serverless_patterns._toolchain import export_jsii_flags

    export_jsii_flags()
    context = machine()
    # A user's installed package has its bytecode compiled (pip does it); so has this tree's before
    # anything is timed, even where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([str(PROJECT_PY), "-m", "compileall", "-q", "serverless_patterns"], cwd=ROOT, check=True)
    log(f"load average at start: {context['loadavg_start']}")
    patterns: list[str] = []
    broken: dict[str, str] = {}
    if any(p not in skip for p in ("compare", "findings", "scaling", "hotspots", "perpattern")):
        patterns, broken = preflight()
        log(f"patterns: {patterns}; left out: {broken or 'none'}")
    results: dict[str, Any] = {"context": context, "patterns": patterns, "broken": broken}
    if "compare" not in skip:
        results["compare"] = side_by_side(args.rounds, patterns, validation=True)
        if args.novalidation_rounds:
            results["compare_novalidation"] = side_by_side(
                args.novalidation_rounds, patterns, validation=False
            )
    templates = {}
    if "compare" in results:
        templates = {k: results["compare"]["apps"][k]["outdir"] for k in ("b", "c")}
    if "findings" not in skip:
        results["findings"] = findings(patterns, templates)
    for path in templates.values():
        shutil.rmtree(path, ignore_errors=True)
    if "scaling" not in skip:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        results["scaling"] = scaling(sizes, patterns, args.per_stack, args.scale_repeats)
    if "hotspots" not in skip:
        results["hotspots"] = callsites(patterns)
    if "perpattern" not in skip:
        results["per_pattern"] = per_pattern(args.rounds, patterns)
    if "publicl2" not in skip:
        results["public_l2s"] = public_l2s(args.rounds)
    if "tests" not in skip:
        results["tests"] = test_suite()
    if "bundling" not in skip:
        results["bundling"] = bundling(args.bundling_functions, args.rounds)
    if "local" not in skip:
        results["local"] = local_cloud(args.local_messages, args.local_rounds)
    if "dev" not in skip:
        results["dev"] = dev_loop(args.dev_rounds)
    results["context"]["loadavg_end"] = os.getloadavg()
    results["context"]["bench_minutes"] = (time.perf_counter() - started) / 60
    text = json.dumps(results, indent=1, default=str)
    (OUT / "results.json").write_text(text)
    (OUT / f"results-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S}.json").write_text(text)
    for stale in OUT.glob("*.stats.json"):
        stale.unlink()
    from .report import render

    Path(args.output).write_text(render(results))
    log(f"wrote {args.output} and bench/out/results.json")


if __name__ == "__main__":
    sys.exit(main())
