"""What bundling Python dependencies costs: ``python -m bench.bundling [--functions N] [--runs R]``.

1. Cold bundle: a handler with ``pydantic`` and ``requests`` bundled into an empty bundle cache,
   uv's own cache warm (filled by a first, unmeasured run), as after a dependency change.
2. Warm re-synth: an app of N functions, each its own handler directory with those requirements,
   against the same app with no dependency files, both re-synthesized with the bundle cache warm
   into a kept output directory (as ``cdk synth`` keeps cdk.out). CDK's in-process asset cache is
   cleared before each synth, so each run fingerprints like a fresh ``cdk synth`` process.
   Target: at most 50 ms per bundled function.

Prints medians; writes nothing outside a temporary directory (and uv's own cache).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

REQUIREMENTS = "pydantic\nrequests\n"
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
    target = bundling.Target("python3.14", "arm64")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sp-bench-bundling-"))
    try:
        cold = cold_bundle(work, args.runs)
        print(
            f"cold bundle (pydantic + requests, uv cache warm): median {statistics.median(cold):.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in cold)})"
        )
        with_deps, without = warm_overhead(work, args.functions, args.runs)
        per_function = (statistics.median(with_deps) - statistics.median(without)) / args.functions * 1000
        print(
            f"warm re-synth, {args.functions} functions: with dependencies median "
            f"{statistics.median(with_deps):.2f} s, without {statistics.median(without):.2f} s; "
            f"overhead {per_function:.1f} ms per bundled function (target <= 50 ms)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
