"""Renders bench/RESULTS.md from the numbers the benchmark measured (never written by hand)."""

from __future__ import annotations

import itertools
from typing import Any

TARGET_RATIO_BC = 0.9
TARGET_ABOVE_FLOOR = 1.5
TARGET_ABOVE_TEMPLATE = 0.6  # (b) - (d): our construct logic above the template included as L1 (issue 27)
TARGET_FLATNESS = 0.25  # per-instance cost at 50 within 25% of the cost at 10
TARGET_SUITE_SECONDS = 180
TARGET_BUNDLING_MS = 50  # warm re-synth overhead per bundled function (issue 11)
TARGET_LOCAL_RATIO = 1.25  # local cloud: workers' wall time per message / the in-process runner's (issue 12)
TARGET_LOCAL_WARM_MS = 5  # local cloud: the runner's own overhead per warm invocation, p50
TARGET_LOCAL_COLD_MS = 300  # local cloud: a Python worker's cold start
RATIO_CA = "ratio_c_a'"
MEDIAN_CA = "median_ratio_c_a'"


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ok(good: bool | None) -> str:
    return "n/a" if good is None else ("met" if good else "**missed**")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _node_options(value: str | None) -> str:
    """The apps' NODE_OPTIONS, with the library's file named by its place in the repository."""
    if value is None:
        return "not recorded"
    if "_jsii_kernel_flags.js" in value:
        return "`--require` serverless_patterns/_jsii_kernel_flags.js (the library's)"
    return value or "none"


def render(r: dict[str, Any]) -> str:
    c = r["context"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bash bench/run` on {c['date']}; the raw numbers are in bench/out/results.json "
        "(not committed). Do not edit by hand: re-run the command.",
        "",
        "## Machine and versions",
        "",
    ]
    load = ", ".join(f"{x:.2f}" for x in c["loadavg_start"])
    load_end = ", ".join(f"{x:.2f}" for x in c.get("loadavg_end", ()))
    pe, be = c["project_env"], c["bench_env"]
    lines += _table(
        ["", "value"],
        [
            ["CPU", c["cpu"]],
            ["cores", c["cores"]],
            ["memory", f"{c['memory_gib']} GiB"],
            ["OS", c["os"]],
            ["load average at start (1, 5, 15 min)", load],
            ["load average at end", load_end],
            ["benchmark duration", f"{c.get('bench_minutes', 0):.1f} min"],
            ["Python", c["python"]],
            ["Node (JSII_NODE)", c["node"]],
            ["NODE_OPTIONS of every app", _node_options(c.get("node_options"))],
            ["aws-cdk-lib: (a), (b) / (c), (a')", f"{pe['aws-cdk-lib']} / {be['aws-cdk-lib']}"],
            ["jsii: (a), (b) / (c), (a')", f"{pe['jsii']} / {be['jsii']}"],
            ["constructs", f"{pe['constructs']} / {be['constructs']}"],
            ["cdk-nag", f"{pe['cdk-nag']} / {be['cdk-nag']}"],
            ["cfn-lint", be["cfn-lint"]],
            ["AWS Solutions Constructs", be["aws-solutions-constructs.core"]],
        ],
    )
    lines += [
        "",
        "AWS Solutions Constructs 2.105 requires `aws-cdk.cloud-assembly-schema<55`, which aws-cdk-lib "
        f"{pe['aws-cdk-lib']} does not allow, so pip installs aws-cdk-lib {be['aws-cdk-lib']} for it. "
        "(c) therefore runs in bench/.venv, and its floor (a') is measured there too; (a) and (b) run "
        "in the project's .venv. Every app is its own `python app.py` process synthesizing to a "
        "fresh outdir, with the same Node binary.",
    ]
    if r["patterns"] or r.get("broken"):
        lines += ["", f"Patterns in (b): {', '.join(r['patterns']) or 'none'}."]
    if r.get("broken"):
        lines += ["", "Left out because they did not build or synthesize at the time of the run:", ""]
        lines += [f"- {name}: `{error}`" for name, error in r["broken"].items()]
    for key, title in (("compare", "default settings"), ("compare_novalidation", "CDK_VALIDATION=false")):
        if key in r:
            lines += ["", *_compare(r[key], title)]
    if "compare" in r and "compare_novalidation" in r:
        lines += ["", *_where(r["compare"], r["compare_novalidation"])]
    if "findings" in r:
        lines += ["", *_findings(r["findings"])]
    if "scaling" in r:
        lines += ["", *_scaling(r["scaling"])]
    if "hotspots" in r:
        lines += ["", *_hotspots(r["hotspots"])]
    if "per_pattern" in r:
        lines += ["", *_per_pattern(r["per_pattern"])]
    if "public_l2s" in r:
        lines += ["", *_public_l2s(r["public_l2s"])]
    if "tests" in r:
        lines += ["", *_tests(r["tests"])]
    if "bundling" in r:
        lines += ["", *_bundling(r["bundling"])]
    if "local" in r:
        lines += ["", *_local(r["local"])]
    if "dev" in r:
        lines += ["", *_dev(r["dev"])]
    lines += ["", *_targets(r), ""]
    return "\n".join(lines)


def _compare(cmp: dict[str, Any], title: str) -> list[str]:
    apps = cmp["apps"]
    rows = []
    for label, app in apps.items():
        ph = app["phases"]
        lib_end = ph.get("import_library", ph["import_cdk"])
        rows.append(
            [
                f"({label})",
                _s(app["median_wall"]),
                _s(app["min_wall"]),
                _s(ph["import_cdk"]),
                _s(lib_end - ph["import_cdk"]) if "import_library" in ph else "-",
                _s(ph["build"] - ph["import_app"]),
                _s(ph["synth"] - ph["build"]),
                _s(app["node_seconds"]),
                f"{app['median_peak_rss_mb']:.0f}",
                app["resources"]["total"],
                app["jsii_calls"],
            ]
        )
    out = [
        f"## 1. Synth side by side ({title})",
        "",
        f"{cmp['rounds']} rounds after one warm-up round; each round runs the apps in a rotated "
        "order. Times in seconds (wall time of the process); phases are medians, measured inside the "
        "app from the first import: `import aws_cdk` (starts Node, loads aws-cdk-lib), importing the "
        "library, building the constructs, `app.synth()`. Node s is the time Python waited on the "
        "jsii process. Peak RSS is python plus its node child, in MiB.",
        "",
        "(a) floor, project env; (b) serverless-patterns, one of each pattern; (c) AWS Solutions "
        "Constructs equivalent; (a') floor, bench env; (d) the template (b) wrote, included as plain L1 "
        "resources (`CfnInclude`, no construct logic): a lower bound for any library that writes (b)'s "
        "template on this aws-cdk-lib; (e) the aws-cdk-lib constructs (b)'s patterns expose as public "
        'attributes, alone (bench/apps/public_l2s.py; see "The public L2s\' floor").',
        "",
    ]
    out += _table(
        [
            "app",
            "median s",
            "min s",
            "import cdk",
            "import lib",
            "build",
            "synth",
            "node s",
            "peak RSS",
            "resources",
            "jsii calls",
        ],
        rows,
    )
    out += [
        "",
        f"- b/a per round: {', '.join(_s(x) for x in cmp['ratio_b_a'])}; median **{_s(cmp['median_ratio_b_a'])}**",
        f"- b/c per round: {', '.join(_s(x) for x in cmp['ratio_b_c'])}; median **{_s(cmp['median_ratio_b_c'])}**",
        f"- c/a' per round: {', '.join(_s(x) for x in cmp[RATIO_CA])}; median {_s(cmp[MEDIAN_CA])}",
        f"- (b) above its floor: median(b) - median(a) = **{_s(cmp['above_floor_b'])} s**; "
        f"(c) above its floor: {_s(cmp['above_floor_c'])} s",
        *(
            [
                f"- d/c per round: {', '.join(_s(x) for x in cmp['ratio_d_c'])}; median "
                f"{_s(cmp['median_ratio_d_c'])}; (d) above the floor (a): {_s(cmp['above_floor_d'])} s; "
                f"(b) above (d): **{_s(cmp['above_floor_b'] - cmp['above_floor_d'])} s**"
            ]
            if "ratio_d_c" in cmp
            else []
        ),
        "",
        "Construction cost of one instance (last round):",
        "",
    ]
    inst_rows = []
    for label in ("b", "c"):
        for inst in apps[label]["instances"]:
            inst_rows.append([f"({label}) {inst['kind']}", _s(inst["seconds"], 3), inst["calls"]])
    out += _table(["instance", "seconds", "jsii calls"], inst_rows)
    res_rows = []
    types = sorted(set(apps["b"]["resources"]["by_type"]) | set(apps["c"]["resources"]["by_type"]))
    for t in types:
        res_rows.append(
            [t, apps["b"]["resources"]["by_type"].get(t, 0), apps["c"]["resources"]["by_type"].get(t, 0)]
        )
    res_rows.append(["**total**", apps["b"]["resources"]["total"], apps["c"]["resources"]["total"]])
    out += ["", "<details><summary>Resources by type, (b) and (c)</summary>", ""]
    out += _table(["type", "(b)", "(c)"], res_rows)
    out += ["", "</details>"]
    return out


def _spread(x: dict[str, float]) -> str:
    return f"{x['min']:.2f} / {x['median']:.2f} / {x['max']:.2f}"


def _loads(part: dict[str, Any]) -> tuple[str, str]:
    """A part's load averages at its start and at its end, as the report prints them."""
    start, end = (", ".join(f"{x:.2f}" for x in part[key]) for key in ("loadavg_start", "loadavg_end"))
    return start, end


def _public_l2s(pl: dict[str, Any]) -> list[str]:
    load, load_end = _loads(pl)
    out = [
        "## The public L2s' floor",
        "",
        "(e) the aws-cdk-lib constructs that (b)'s five patterns expose as public attributes (per "
        "function its role, log group, `live` alias and deployment group; the REST API and its access "
        "logs; the buckets; the table; the topics and keys; the queues; the state machine and its log "
        "group), built with their plain props and nothing else (bench/apps/public_l2s.py), and (d_e) "
        f"the template (e) wrote, included as plain L1 resources; {pl['rounds']} round(s) after one "
        "warm-up of each, back to back, their order alternating. e - d_e is what these L2 types cost by "
        "themselves: under (b) - (d) for any library whose public attributes they are. Seconds, "
        f"min / median / max. Load average {load} at the start, {load_end} at the end.",
        "",
    ]
    out += _table(
        ["(e) wall", "(d_e) wall", "e - d_e wall", "e - d_e CPU", "resources of (e)"],
        [
            [
                _spread(pl["e"]),
                _spread(pl["d"]),
                f"**{_spread(pl['e_minus_d'])}**",
                _spread(pl["e_minus_d_cpu"]),
                pl["resources"],
            ]
        ],
    )
    return out


def _per_pattern(pp: dict[str, Any]) -> list[str]:
    load, load_end = _loads(pp)
    out = [
        "## Per pattern: construct logic above the template",
        "",
        f"For each pattern P, (b_P) an app with P alone (`BENCH_PATTERNS=P`, which imports only P's "
        f"module) and (d_P) the template (b_P) wrote in its warm-up, included as plain L1 resources; "
        f"{pp['rounds']} round(s) after one warm-up of each, b_P and d_P back to back (their order "
        "alternating by round), CDK's template validation on. b_P - d_P is the difference within each "
        "round: P's construct logic, its aws-cdk-lib constructs (L2s, assets) and the library's import, "
        "which every b_P pays once. CPU is user + sys of python and its node child. Seconds, "
        f"min / median / max. Load average {load} at the start, {load_end} at the end.",
        "",
    ]
    rows = []
    for name, row in pp["patterns"].items():
        ph = row["phases"]
        lib = ph["b"].get("import_library", ph["b"]["import_cdk"]) - ph["b"]["import_cdk"]
        rows.append(
            [
                name,
                _spread(row["b"]),
                _spread(row["d"]),
                f"**{_spread(row['b_minus_d'])}**",
                _spread(row["b_minus_d_cpu"]),
                _s(lib),
                f"{_s(ph['b']['build'] - ph['b']['import_app'])} / {_s(ph['d']['build'] - ph['d']['import_app'])}",
                f"{_s(ph['b']['synth'] - ph['b']['build'])} / {_s(ph['d']['synth'] - ph['d']['build'])}",
                row["resources"],
                row["jsii_calls"],
            ]
        )
    out += _table(
        [
            "pattern",
            "b_P wall",
            "d_P wall",
            "b_P - d_P wall",
            "b_P - d_P CPU",
            "import lib (b_P)",
            "build b_P / d_P",
            "synth b_P / d_P",
            "resources",
            "jsii calls (b_P)",
        ],
        rows,
    )
    return out


def _phase_seconds(app: dict[str, Any]) -> dict[str, float]:
    ph = app["phases"]
    lib_end = ph.get("import_library", ph["import_cdk"])
    return {
        "import cdk": ph["import_cdk"],
        "import lib": lib_end - ph["import_cdk"],
        "build": ph["build"] - ph["import_app"],
        "synth": ph["synth"] - ph["build"],
    }


def _where(default: dict[str, Any], novalidation: dict[str, Any]) -> list[str]:
    out = [
        "## Where the time goes",
        "",
        "Median phase seconds above each app's own floor ((b) - (a), (c) - (a')), and the cost of CDK's "
        "built-in CloudFormation template validation (on by default in this aws-cdk-lib; its WASM "
        "engine starts even for the empty stack): synth with it minus synth without it.",
        "",
    ]
    rows = []
    for label, floor in (("b", "a"), ("c", "a'")):
        app, base = _phase_seconds(default["apps"][label]), _phase_seconds(default["apps"][floor])
        app_nv = _phase_seconds(novalidation["apps"][label])
        base_nv = _phase_seconds(novalidation["apps"][floor])
        rows.append(
            [
                f"({label}) - ({floor})",
                *(_s(app[k] - base[k]) for k in ("import cdk", "import lib", "build", "synth")),
                _s(default["apps"][label]["median_wall"] - default["apps"][floor]["median_wall"]),
                _s(base["synth"] - base_nv["synth"]),
                _s(app["synth"] - app_nv["synth"]),
            ]
        )
    out += _table(
        [
            "",
            "import cdk",
            "import lib",
            "build",
            "synth",
            "wall",
            "validation cost in the floor",
            "validation cost in the app",
        ],
        rows,
    )
    return out


def _findings(f: dict[str, Any]) -> list[str]:
    out = [
        "## Rule packs and cfn-lint",
        "",
        "(b) and (c) synthesized again with `@aws-cdk/core:validateAgainstDefaultRules` and the cdk-nag "
        "AwsSolutions and Serverless packs as validation plugins (as in tests/support.py); findings "
        "that nothing acknowledged are counted per plugin, errors and warnings alike. cfn-lint runs on "
        "the templates of the timed runs (default rules; informational messages listed apart).",
        "",
    ]
    rows = []
    plugins = sorted({p for v in f.values() for p in (*v["unacknowledged"], *v["acknowledged"])})
    for label, v in f.items():
        unack = sum(v["unacknowledged"].values())
        per_plugin = "; ".join(f"{p}: {v['unacknowledged'].get(p, 0)}" for p in plugins) or "-"
        acked = sum(v["acknowledged"].values())
        lint = v["cfn_lint"]
        rows.append(
            [
                f"({label})",
                f"**{unack}**",
                per_plugin,
                acked,
                lint.get("errors"),
                lint.get("warnings"),
                lint.get("informational"),
            ]
        )
    out += _table(
        [
            "app",
            "unacknowledged findings",
            "by plugin",
            "acknowledged",
            "cfn-lint errors",
            "cfn-lint warnings",
            "cfn-lint informational",
        ],
        rows,
    )
    for label, v in f.items():
        rules = {f"{p}/{rule}": n for p, by in v["by_rule"].items() for rule, n in by.items()}
        if rules:
            listed = ", ".join(f"{k} x{n}" for k, n in sorted(rules.items()))
            out += ["", f"({label}) findings by rule: {listed}"]
        if v["cfn_lint"].get("by_rule"):
            listed = ", ".join(f"{k} x{n}" for k, n in v["cfn_lint"]["by_rule"].items())
            out += ["", f"({label}) cfn-lint by rule: {listed}"]
    return out


def per_set_slopes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Marginal cost of one more set (one instance of each pattern) between consecutive sizes."""
    by_size: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_size.setdefault(row["size"], []).append(row)
    sizes = sorted(by_size)

    def mean(size: int, key: str) -> float:
        return sum(x[key] for x in by_size[size]) / len(by_size[size])

    slopes = []
    for low, high in itertools.pairwise(sizes):
        n = high - low
        slopes.append(
            {
                "from": low,
                "to": high,
                "wall": (mean(high, "wall") - mean(low, "wall")) / n,
                "build": (mean(high, "build_seconds") - mean(low, "build_seconds")) / n,
                "synth": (mean(high, "synth_seconds") - mean(low, "synth_seconds")) / n,
                "calls": (mean(high, "total_calls") - mean(low, "total_calls")) / n,
            }
        )
    return slopes


def _scaling(s: dict[str, Any]) -> list[str]:
    rows = s["rows"]
    out = [
        "## 2. Scaling",
        "",
        f"N instances of each pattern, {s['per_stack']} of each per stack (so up to "
        f"{s['per_stack'] * 5} pattern instances and one shared Monitoring per stack), default settings. "
        "Build is constructing the instances, synth is `app.synth()` (including CDK's template "
        "validation of every stack). jsii calls are all round trips of the process.",
        "",
    ]
    table = []
    for row in rows:
        n = row["size"]
        table.append(
            [
                n,
                row["stacks"],
                row["resources"],
                _s(row["wall"], 1),
                _s(row["build_seconds"], 1),
                _s(row["synth_seconds"], 1),
                _s(row["build_seconds"] / n, 3),
                _s(row.get("build_node_seconds"), 1),
                row["total_calls"],
                _s(row["build_calls"] / n, 1),
                f"{row['peak_rss_mb']:.0f}",
            ]
        )
    out += _table(
        [
            "N",
            "stacks",
            "resources",
            "wall s",
            "build s",
            "synth s",
            "build s per set",
            "of build, waiting on node",
            "jsii calls",
            "build calls per set",
            "peak RSS MiB",
        ],
        table,
    )
    out += ["", "Marginal cost of one more set (one instance of each pattern):", ""]
    out += _table(
        ["from N", "to N", "wall s", "build s", "synth s", "jsii calls"],
        [
            [x["from"], x["to"], _s(x["wall"], 3), _s(x["build"], 3), _s(x["synth"], 3), _s(x["calls"], 1)]
            for x in per_set_slopes(rows)
        ],
    )
    last = rows[-1]["per_pattern"]
    first = next((r for r in rows if r["size"] >= 10), rows[0])["per_pattern"]
    out += ["", "jsii calls and seconds per instance while building, by pattern:", ""]
    out += _table(
        ["pattern", "calls (N=10)", f"calls (N={rows[-1]['size']})", "s (N=10)", f"s (N={rows[-1]['size']})"],
        [
            [
                k,
                _s(first.get(k, {}).get("calls"), 1),
                _s(v["calls"], 1),
                _s(first.get(k, {}).get("seconds"), 3),
                _s(v["seconds"], 3),
            ]
            for k, v in last.items()
        ],
    )
    return out


def _hotspots(h: dict[str, Any]) -> list[str]:
    out = [
        "## Hot spots: jsii round trips by call site",
        "",
        f"One run of (b) with every round trip attributed to the innermost frame in "
        f"serverless_patterns/ ({h['total_calls']} round trips in all, including loading the "
        "assemblies and synthesis). Each round trip costs one synchronous message to Node.",
        "",
    ]
    out += _table(
        ["round trips", "call site"], [[n, f"`{site}`"] for site, n in list(h["sites"].items())[:30]]
    )
    if h.get("pattern_sites"):
        out += [
            "",
            "The same round trips made through a shared block, by the pattern line that called it "
            "(outermost frame in serverless_patterns/patterns/, when it differs from the innermost):",
            "",
        ]
        out += _table(
            ["round trips", "pattern call site"],
            [[n, f"`{site}`"] for site, n in list(h["pattern_sites"].items())[:20]],
        )
    return out


def _tests(t: dict[str, Any]) -> list[str]:
    out = ["## 3. Test suite", "", *_test_run(t)]
    if "pytest_only" in t:
        out += [
            "",
            f"`scripts/test.sh` stopped at `{t['stopped_at']}` (exit code {t['exit_code']}), before the "
            "tests, so pytest was timed alone, with the arguments scripts/test.sh gives it:",
            "",
            *_test_run(t["pytest_only"]),
        ]
    return out


def _test_run(t: dict[str, Any]) -> list[str]:
    out = [
        f"`{t['command']}`: **{t['wall']:.0f} s** wall (exit code {t['exit_code']}); "
        f"{t['summary'] or 'no pytest summary line'}.",
        "",
    ]
    if t["sections"]:
        out += _table(["section", "seconds"], [[x["section"], _s(x["seconds"], 1)] for x in t["sections"]])
        out += [""]
    if t["slowest"]:
        out += ["Slowest ten (pytest `--durations=10`):", ""]
        out += _table(
            ["seconds", "phase", "test"],
            [[_s(x["seconds"]), x["when"], f"`{x['test']}`"] for x in t["slowest"]],
        )
    return out


def _bundling(b: dict[str, Any]) -> list[str]:
    out = [
        "## 4. Dependency bundling",
        "",
        f"`python -m bench.bundling --functions {b['functions']} --runs {b['runs']}` in the project "
        f"environment ({b['uv']}; Lambda target {b['target']}). A handler whose `requirements.txt` "
        f"lists {' and '.join(f'`{x}`' for x in b['requirements'])}:",
        "",
        "- **cold bundle**: resolving, installing and staging its dependencies into an empty bundle "
        "cache, with uv's own download cache warm (filled by one unmeasured run first), as after a "
        "change to the dependency files;",
        f"- **warm re-synth**: an HTTP ApiToLambda app of {b['functions']} routes, each its own handler "
        "directory with that `requirements.txt`, against the same app with no dependency files; both "
        "re-synthesized in-process into a kept output directory with the bundle cache warm, CDK's asset "
        "hash cache cleared before each synth (as a new `cdk synth` process starts), alternating. The "
        "overhead is the difference of the medians divided by the number of functions.",
        "",
    ]
    out += _table(
        ["measurement", "median s", "runs s"],
        [
            ["cold bundle, one function", _s(b["median_cold"]), ", ".join(_s(x) for x in b["cold"])],
            [
                f"warm re-synth, {b['functions']} functions with dependencies",
                _s(b["median_with_dependencies"]),
                ", ".join(_s(x) for x in b["with_dependencies"]),
            ],
            [
                f"warm re-synth, {b['functions']} functions without",
                _s(b["median_without_dependencies"]),
                ", ".join(_s(x) for x in b["without_dependencies"]),
            ],
        ],
    )
    out += [
        "",
        f"Warm re-synth overhead: **{b['overhead_ms_per_function']:.1f} ms per bundled function** "
        f"(target <= {TARGET_BUNDLING_MS} ms). From the fastest run of each app instead of the "
        f"medians: {b['overhead_ms_per_function_min']:.1f} ms (less moved by other load on the machine; "
        "the load averages are in the first table).",
    ]
    return out


def _local(lc: dict[str, Any]) -> list[str]:
    base, cur = lc["summary"]["baseline"], lc["summary"]["current"]
    out = [
        "## 5. Local cloud runner",
        "",
        f"`python bench/local_workers.py --messages {lc['messages']} --warm {lc['warm']}` in the project "
        "environment, "
        f"{lc['pairs']} pairs, alternating in the same session: the in-process runner (revision "
        f"`{lc['baseline_revision'][:10]}`, the parent of the commit that added "
        "`serverless_patterns/local/workers.py`, exported to a temporary directory and put first on "
        "`PYTHONPATH`), then the per-function worker runner of this tree. The script, its handlers and "
        "the CDK CLI are the same for both. Each run deploys a FanoutQueue whose subscriber fails one "
        "message in five, publishes the messages to its topic and waits until every one is processed "
        "or parked in the dead-letter queue (wall time from the first publish), then invokes five "
        f"trivial functions once (cold) and {lc['warm']} times warm through the Lambda API.",
        "",
    ]
    rows = []
    runs = zip(lc["runs"]["baseline"], lc["runs"]["current"], lc["ratios"], strict=True)
    for index, (a, b, ratio) in enumerate(runs, 1):
        fa, fb = a["fanout"], b["fanout"]
        rows.append(
            [
                index,
                _s(fa["wall_s"] / fa["sent"] * 1000, 1),
                _s(fb["wall_s"] / fb["sent"] * 1000, 1),
                _s(ratio),
                f"{fa['processed']} + {fa['parked']} / {fa['sent']}",
                f"{fb['processed']} + {fb['parked']} / {fb['sent']}",
            ]
        )
    out += _table(
        [
            "pair",
            "in-process s / 1000 msgs",
            "workers s / 1000 msgs",
            "ratio",
            "in-process processed + parked / sent",
            "workers processed + parked / sent",
        ],
        rows,
    )
    cold_base = base["cold_start_ms_median"]
    out += [
        "",
        f"Median ratio workers / in-process: **{lc['median_ratio']:.2f}** (target <= {TARGET_LOCAL_RATIO}).",
        "",
    ]
    out += _table(
        ["medians over the runs", "in-process", "workers"],
        [
            ["s per 1000 messages", _s(base["median_wall_per_1000"], 1), _s(cur["median_wall_per_1000"], 1)],
            [
                "runner overhead per warm invoke, p50 ms (the invocation record's duration)",
                _s(base["warm_runner_ms_p50"]),
                _s(cur["warm_runner_ms_p50"]),
            ],
            ["same, p95 ms", _s(base["warm_runner_ms_p95"]), _s(cur["warm_runner_ms_p95"])],
            [
                "warm Lambda API round trip, p50 ms",
                _s(base["warm_api_round_trip_ms_p50"]),
                _s(cur["warm_api_round_trip_ms_p50"]),
            ],
            [
                "first invoke of a function, ms (API round trip)",
                _s(base["first_invoke_ms_median"], 1),
                _s(cur["first_invoke_ms_median"], 1),
            ],
            [
                "Python worker cold start, ms (as the runner reports it)",
                "-" if cold_base is None else _s(cold_base, 1),
                _s(cur["cold_start_ms_median"], 1),
            ],
        ],
    )
    out += [
        "",
        "The in-process runner starts no worker, so it reports no cold start. The wall times move "
        "with other load on the machine (the load averages are in the first table); the ratio of "
        "each pair, measured back to back, less so.",
    ]
    return out


def _dev(d: dict[str, Any]) -> list[str]:
    columns = d["columns"]
    names = list(columns)
    label = {name: "this tree" if name == "current" else f"`{name[:10]}`" for name in names}
    out = [
        "## 6. Dev inner loop",
        "",
        f"`python bench/dev_loop.py --rounds {d['rounds']}`: `serverless-patterns dev` on the scaffolded "
        "ApiToLambda app (the rule packs on), one session per revision, back to back (the previous "
        f"revision `{d.get('baseline_revision', '?')[:10]}` exported and put first on `PYTHONPATH`). Each "
        "round adds a route (a new function) to app.py and times the save to its first 200, then edits a "
        "handler and times the save to the new answer; a round starts once the previous one's background "
        f"checks ended. Load average {d['loadavg_start']} at the start, {d['loadavg_end']} at the end.",
        "",
    ]
    rows = []
    for what, key in (
        ("app change: save -> first 200 of a new route, s", "app_change"),
        ("handler edit: save -> new answer, s", "handler_edit"),
    ):
        row: list[Any] = [what]
        for name in names:
            st = columns[name][key]
            row.append(f"{st['min']:.2f} / {st['median']:.2f} / {st['max']:.2f}")
        rows.append(row)
    rows.append(
        ["dev start -> watching, s"] + [", ".join(f"{x:.1f}" for x in columns[n]["startup_s"]) for n in names]
    )
    out += _table(["min / median / max", *(label[n] for n in names)], rows)
    return out


def suite_seconds(t: dict[str, Any]) -> tuple[float, bool]:
    """The suite's wall time and whether it passed: test.sh's, or ruff+mypy+pytest when it stopped early."""
    if "pytest_only" in t:
        p = t["pytest_only"]
        return t["wall"] + p["wall"], p["exit_code"] == 0
    return t["wall"], t["exit_code"] == 0


def _targets(r: dict[str, Any]) -> list[str]:
    rows = []
    cmp = r.get("compare")
    if cmp:
        rows.append(
            [
                "b/c <= 0.9 (median of ratios)",
                _s(cmp["median_ratio_b_c"]),
                _ok(cmp["median_ratio_b_c"] <= TARGET_RATIO_BC),
            ]
        )
        if "above_floor_d" in cmp:
            above_d = cmp["above_floor_b"] - cmp["above_floor_d"]
            rows.append(
                [
                    f"(b) above (d) <= {TARGET_ABOVE_TEMPLATE} s (median(b) - median(d))",
                    _s(above_d),
                    _ok(above_d <= TARGET_ABOVE_TEMPLATE),
                ]
            )
        rows.append(
            [
                "(b) above floor <= 1.5 s",
                _s(cmp["above_floor_b"]),
                _ok(cmp["above_floor_b"] <= TARGET_ABOVE_FLOOR),
            ]
        )
    nov = r.get("compare_novalidation")
    if nov:
        rows.append(
            [
                "same, CDK_VALIDATION=false: b/c",
                _s(nov["median_ratio_b_c"]),
                _ok(nov["median_ratio_b_c"] <= TARGET_RATIO_BC),
            ]
        )
        rows.append(
            [
                "same, CDK_VALIDATION=false: above floor",
                _s(nov["above_floor_b"]),
                _ok(nov["above_floor_b"] <= TARGET_ABOVE_FLOOR),
            ]
        )
    sc = r.get("scaling")
    if sc:
        slopes = per_set_slopes(sc["rows"])
        by_size = {row["size"]: row for row in sc["rows"]}
        if 10 in by_size and max(by_size) > 10:
            top = max(by_size)
            a = by_size[10]["build_seconds"] / 10
            b = by_size[top]["build_seconds"] / top
            flat = b <= a * (1 + TARGET_FLATNESS)
            rows.append(
                [
                    f"build s per set from 10 to {top} not growing (within 25%)",
                    f"{_s(a, 3)} -> {_s(b, 3)}",
                    _ok(flat),
                ]
            )
            late = [x for x in slopes if x["from"] >= 10]
            if len(late) >= 2:
                first, last = late[0]["build"], late[-1]["build"]
                rows.append(
                    [
                        f"marginal build s per set, {late[0]['from']}->{late[0]['to']} vs "
                        f"{late[-1]['from']}->{late[-1]['to']} (within 25%)",
                        f"{_s(first, 3)} -> {_s(last, 3)}",
                        _ok(last <= first * (1 + TARGET_FLATNESS)),
                    ]
                )
            pa = sum(v["seconds"] for v in by_size[10]["per_pattern"].values())
            pb = sum(v["seconds"] for v in by_size[top]["per_pattern"].values())
            rows.append(
                [
                    f"seconds to build one instance of each pattern (mean), N=10 vs N={top} (within 25%)",
                    f"{_s(pa, 3)} -> {_s(pb, 3)}",
                    _ok(pb <= pa * (1 + TARGET_FLATNESS)),
                ]
            )
            ca = by_size[10]["build_calls"] / 10
            cb = by_size[top]["build_calls"] / top
            rows.append(
                [
                    f"jsii calls per set flat from 10 to {top}",
                    f"{_s(ca, 1)} -> {_s(cb, 1)}",
                    _ok(abs(cb - ca) <= 0.01 * ca),
                ]
            )
        if slopes:
            rows.append(
                ["marginal wall s per set (by interval)", ", ".join(_s(x["wall"], 2) for x in slopes), "-"]
            )
    t = r.get("tests")
    if t:
        seconds, passed = suite_seconds(t)
        note = " (test.sh stopped early; its part plus pytest alone)" if "pytest_only" in t else ""
        rows.append(
            [
                "test suite < 180 s on 2 cores" + note,
                f"{seconds:.0f} s, {'passed' if passed else 'FAILED'}",
                _ok(seconds < TARGET_SUITE_SECONDS) if passed else "n/a: the suite failed",
            ]
        )
    b = r.get("bundling")
    if b:
        overhead = b["overhead_ms_per_function"]
        rows.append(["cold bundle, pydantic + requests (no target)", f"{_s(b['median_cold'])} s", "-"])
        rows.append(
            [
                f"warm re-synth overhead per bundled function <= {TARGET_BUNDLING_MS} ms",
                f"{overhead:.1f} ms",
                _ok(overhead <= TARGET_BUNDLING_MS),
            ]
        )
    lc = r.get("local")
    if lc:
        cur = lc["summary"]["current"]
        delivered = all(x["all_delivered"] for x in lc["summary"].values())
        lost = sum(run["fanout"]["lost"] for label in lc["runs"].values() for run in label)
        rows.append(
            [
                f"local cloud: workers / in-process wall time per message <= {TARGET_LOCAL_RATIO} "
                "(median of ratios)",
                _s(lc["median_ratio"]),
                _ok(lc["median_ratio"] <= TARGET_LOCAL_RATIO),
            ]
        )
        rows.append(
            [
                "local cloud: processed + parked = sent in every run (0 lost)",
                f"{lost} lost in {2 * lc['pairs']} runs",
                _ok(delivered and lost == 0),
            ]
        )
        rows.append(
            [
                f"local cloud: warm invoke overhead p50 <= {TARGET_LOCAL_WARM_MS} ms (workers)",
                f"{_s(cur['warm_runner_ms_p50'])} ms",
                _ok(cur["warm_runner_ms_p50"] <= TARGET_LOCAL_WARM_MS),
            ]
        )
        cold = cur["cold_start_ms_median"]
        rows.append(
            [
                f"local cloud: Python worker cold start <= {TARGET_LOCAL_COLD_MS} ms",
                "-" if cold is None else f"{_s(cold, 1)} ms",
                _ok(None if cold is None else cold <= TARGET_LOCAL_COLD_MS),
            ]
        )
    f = r.get("findings")
    if f and "b" in f:
        unack = sum(f["b"]["unacknowledged"].values())
        lint = f["b"]["cfn_lint"]
        rows.append(["(b) 0 unacknowledged findings", unack, _ok(unack == 0)])
        rows.append(
            [
                "(b) cfn-lint 0 errors 0 warnings",
                f"{lint.get('errors')} / {lint.get('warnings')}",
                _ok(lint.get("errors") == 0 and lint.get("warnings") == 0),
            ]
        )
    return ["## Targets", "", *_table(["target", "measured", ""], rows)]
