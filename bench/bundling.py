"""What bundling Python dependencies costs: ``python -m bench.bundling [--functions N] [--runs R]``.

Part 4 of ``bash bench/run`` (which runs this module in the project environment with ``--json`` and
renders the numbers into bench/RESULTS.md); run alone, it prints the medians.

1. Cold bundle: a handler with ``pydantic`` and ``requests`` bundled into an empty bundle cache,
   uv's own cache warm (filled by a first, unmeasured run), as after a dependency change.
2. Warm re-synth: an app of N functions, each its own handler directory with those requirements,
   against the same app with no dependency files, both re-synthesized with the bundle cache warm
   into a kept output directory (as ``cdk synth`` keeps cdk.out). CDK's in-process asset cache is
   cleared before each synth, so each run fingerprints like a fresh ``cdk synth`` process.
   Target: at most 50 ms per bundled function.

Prints medians (and with ``--json PATH``, writes the raw numbers there); writes nothing else outside
a temporary directory (and uv's own cache).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

REQUIREMENTS = "pydantic\nrequests\n"
TARGET_MS_PER_FUNCTION = 50
TARGET = ("python3.14", "arm64")  # runtime, architecture: FunctionSpec's defaults, as in the warm app
HANDLER = "import pydantic\nimport requests\n\n\ndef handler(event, context):\n    return {}\n"


def _handler(directory: Path, *, requirements: bool) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(HANDLER)
    if requirements:
        (directory / "requirements.txt").write_text(REQUIREMENTS)
    return str(directory)


def cold_bundle(work: Path, runs: int) -> list[float]:
    from aws_cdk import aws_lambda as lambda_  # noqa: F401  (start jsii before timing)

    from serverless_patterns.core import bundling

    code = _handler(work / "cold" / "handler", requirements=True)
    target = bundling.Target(*TARGET)
    times = []
    for run in range(runs + 1):
        os.environ[bundling.CACHE_ENV] = str(work / "cold" / f"cache-{run}")
        start = time.perf_counter()
        bundling.code_asset(code, target=target, exclude=None, construct_path="Bench/Function")
        elapsed = time.perf_counter() - start
        if run:  # run 0 fills uv's own cache
            times.append(elapsed)
        shutil.rmtree(work / "cold" / f"cache-{run}")
    return times


def _synth(handlers: list[str], outdir: Path) -> float:
    import aws_cdk as cdk

    from serverless_patterns import FunctionSpec
    from serverless_patterns.patterns.api_to_lambda import ApiToLambda, ApiType

    cdk.AssetStaging.clear_asset_hash_cache()
    start = time.perf_counter()
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Bench")
    routes = {f"GET /f{i}": FunctionSpec(code=h, handler="app.handler") for i, h in enumerate(handlers)}
    ApiToLambda(stack, "Api", routes=routes, api_type=ApiType.HTTP)
    app.synth()
    return time.perf_counter() - start


def warm_overhead(work: Path, functions: int, runs: int) -> tuple[list[float], list[float]]:
    from serverless_patterns.core import bundling

    os.environ[bundling.CACHE_ENV] = str(work / "warm-cache")
    bundled = [_handler(work / "bundled" / f"h{i}", requirements=True) for i in range(functions)]
    plain = [_handler(work / "plain" / f"h{i}", requirements=False) for i in range(functions)]
    _synth(bundled, work / "out-bundled")  # fills the bundle cache and cdk.out
    _synth(plain, work / "out-plain")
    with_deps, without = [], []
    for _ in range(runs):  # alternating, so drift hits both alike
        with_deps.append(_synth(bundled, work / "out-bundled"))
        without.append(_synth(plain, work / "out-plain"))
    return with_deps, without


def _uv_version() -> str:
    import uv

    try:
        return subprocess.run(
            [uv.find_uv_bin(), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError) as error:
        return f"unknown ({error})"


def measure(functions: int, runs: int) -> dict[str, Any]:
    """Both measurements, as the raw numbers ``bench/report.py`` renders."""
    work = Path(tempfile.mkdtemp(prefix="sp-bench-bundling-"))
    try:
        cold = cold_bundle(work, runs)
        with_deps, without = warm_overhead(work, functions, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    overhead = statistics.median(with_deps) - statistics.median(without)
    return {
        "requirements": REQUIREMENTS.split(),
        "target": " ".join(TARGET),
        "uv": _uv_version(),
        "aws_cdk_lib": importlib.metadata.version("aws-cdk-lib"),
        "functions": functions,
        "runs": runs,
        "cold": cold,
        "median_cold": statistics.median(cold),
        "with_dependencies": with_deps,
        "without_dependencies": without,
        "median_with_dependencies": statistics.median(with_deps),
        "median_without_dependencies": statistics.median(without),
        "overhead_ms_per_function": overhead / functions * 1000,
        # The same from the fastest run of each app: less moved by other load on the machine.
        "overhead_ms_per_function_min": (min(with_deps) - min(without)) / functions * 1000,
        "target_ms_per_function": TARGET_MS_PER_FUNCTION,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers to PATH")
    args = parser.parse_args()
    result = measure(args.functions, args.runs)
    cold = result["cold"]
    print(
        f"cold bundle (pydantic + requests, uv cache warm): median {result['median_cold']:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in cold)})"
    )
    print(
        f"warm re-synth, {args.functions} functions: with dependencies median "
        f"{result['median_with_dependencies']:.2f} s, without {result['median_without_dependencies']:.2f} s; "
        f"overhead {result['overhead_ms_per_function']:.1f} ms per bundled function "
        f"(target <= {TARGET_MS_PER_FUNCTION} ms)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
