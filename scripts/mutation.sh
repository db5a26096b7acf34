#!/usr/bin/env bash
# Mutation testing (mutmut 3), one area at a time: scripts/mutation.sh [AREA ...]
#
# Each area names the files whose functions are mutated, the mutant names to run (globs on mutmut's
# names, so a pattern's validation can be tested apart from the rest of its module) and the few test
# files that exercise it. mutmut then runs, for each mutant, only the tests its stats run saw calling
# the mutated function. Every area works in its own directory (.mutation/AREA, gitignored) with its
# own mutants/ and stats, so areas never invalidate each other and a rerun only tests what changed.
#
# With no AREA, every area runs in turn. `scripts/mutation.sh --list` prints the areas.
# Afterwards: `cd .mutation/AREA && mutmut results` (or `mutmut show NAME`) for the survivors.
# Mutants run one at a time: they share the jsii kernel of the process they are forked from.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${VIRTUAL_ENV:-}" ] || ! command -v mutmut >/dev/null 2>&1; then
  source "$ROOT/scripts/env.sh"
fi
cd "$ROOT"

P=serverless_patterns
OP=$P/patterns/orchestrated_pipeline
SRC=$P/core/sources
OPT="tests/patterns/test_orchestrated_pipeline_grammar.py tests/patterns/test_orchestrated_pipeline_branching.py"
OPT="$OPT tests/patterns/test_orchestrated_pipeline_references.py tests/patterns/test_orchestrated_pipeline_chain.py"
# The patterns' validation areas, derived from the registry (serverless_patterns/_registry.py), so a
# new pattern needs no edit here: the patterns that are one module share pattern-validation; a
# pattern package gets NAME-validation over its own modules (its catalog/ aside) with the shared
# validation tests and its own tests/patterns/MODULE/. Packages with areas of their own below
# (orchestrated_pipeline: op-validation, op-grants) are left out.
VALIDATION_TESTS="tests/validation/test_corpus.py tests/validation/test_valid.py tests/validation/test_edges.py"
mapfile -t PATTERN_AREAS < <(python - "$P" "$VALIDATION_TESTS" <<'EOF'
import sys
from pathlib import Path
from serverless_patterns._registry import PATTERNS

package, tests = sys.argv[1], sys.argv[2]
own_areas = {"orchestrated_pipeline"}
single = [p for p in PATTERNS if Path(f"{package}/patterns/{p.module}.py").is_file()]
print(f"pattern-validation|{' '.join(f'{package}/patterns/{p.module}.py' for p in single)}"
      f"|{package}.patterns.*_validate* {package}.patterns.*.x_check* {package}.patterns.*ǁ_BucketOptionsǁproblems*"
      f"|{tests}")
for p in PATTERNS:
    folder = Path(f"{package}/patterns/{p.module}")
    if p.module in own_areas or not folder.is_dir():
        continue
    files = " ".join(sorted(str(f) for f in folder.rglob("*.py") if "catalog" not in f.relative_to(folder).parts))
    names = " ".join(f"{package}.patterns.{p.module}.*{g}*" for g in ("validat", "problems", "x_check"))
    print(f"{p.name}-validation|{files}|{names}|{tests} tests/patterns/{p.module}")
EOF
)
# area | files mutated | mutant names run | tests
AREAS=(
  "op-validation|$OP/validation.py $OP/props.py|$P.patterns.orchestrated_pipeline.validation.* $P.patterns.orchestrated_pipeline.props.xǁRetryǁproblems* $P.patterns.orchestrated_pipeline.props.x_whole_seconds*|tests/test_pipeline_validation_mutants.py tests/validation/test_corpus.py tests/patterns/test_orchestrated_pipeline_grammar.py tests/patterns/test_orchestrated_pipeline_branching.py"
  "op-grants|$OP/grants.py|$P.patterns.orchestrated_pipeline.grants.*|tests/test_pipeline_grants_mutants.py tests/patterns/test_orchestrated_pipeline_integrations.py tests/patterns/test_orchestrated_pipeline_references.py tests/test_acknowledgments.py"
  "${PATTERN_AREAS[@]}"
  "core-validation|$P/core/function.py $P/core/queue.py $P/core/deployment.py $P/core/pattern.py $P/core/schedule_expressions.py $SRC/filters.py $SRC/topic.py $SRC/bucket.py|$P.core.function.*problems* $P.core.queue.* $P.core.deployment.* $P.core.pattern.* $P.core.schedule_expressions.* $P.core.sources.filters.* $P.core.sources.topic.*problems* $P.core.sources.topic.x__walk* $P.core.sources.bucket.*problems* $P.core.sources.bucket.*conflicts* $P.core.sources.bucket.*_parse* $P.core.sources.bucket.*_filters* $P.core.sources.bucket.x__event_types*|tests/test_core_validation_mutants.py tests/test_function.py tests/test_core.py tests/validation/test_corpus.py tests/validation/test_valid.py tests/test_event_sources.py tests/test_pipeline_validation_mutants.py tests/test_topic_source.py tests/test_bucket_source.py tests/patterns/test_s3_processor.py tests/patterns/test_fanout_queue.py"
  "alarms|$P/core/monitoring.py $P/core/topic.py|$P.core.monitoring.* $P.core.topic.*|tests/test_alarm_mutants.py tests/test_core.py"
  "local-delivery|$P/local/events.py $P/local/resources.py $P/event_shapes.py|$P.local.events.x__* $P.local.events.xǁDispatcherǁ_sqs_batch* $P.local.events.xǁDispatcherǁ_run_async* $P.local.events.xǁDispatcherǁdeliver* $P.local.resources.xǁSnsSubscriptionǁcreate* $P.event_shapes.x_sqs_*|tests/test_delivery_mutants.py tests/test_event_shapes.py"
  "redrive|$P/cli/redrive.py|$P.cli.redrive.*|tests/test_redrive_mutants.py tests/cli/test_redrive.py"
)

SUMMARY='
import fnmatch, json, sys
from collections import Counter
from pathlib import Path
from mutmut.stats import status_by_exit_code

name, globs = sys.argv[1], sys.argv[2:]
counts, survivors = Counter(), []
for meta in sorted(Path("mutants").rglob("*.py.meta")):
    for mutant, code in json.load(open(meta))["exit_code_by_key"].items():
        function = mutant.rsplit("__mutmut_", 1)[0]
        if not any(fnmatch.fnmatch(function, g) for g in globs):
            continue
        status = status_by_exit_code[code]
        counts[status] += 1
        if status == "survived":
            survivors.append(mutant)
total = sum(counts.values())
print(f"{name}: {total} mutants, " + ", ".join(f"{n} {s}" for s, n in counts.most_common()))
for mutant in survivors:
    print(f"  survived: {mutant}")
'

if [ "${1:-}" = "--list" ]; then
  for a in "${AREAS[@]}"; do echo "${a%%|*}"; done
  exit 0
fi
WANTED=("$@")

# PYTHONPATH would let the tests import the unmutated package.
unset PYTHONPATH
for a in "${AREAS[@]}"; do
  IFS='|' read -r name files globs tests <<<"$a"
  if [ ${#WANTED[@]} -gt 0 ] && [[ " ${WANTED[*]} " != *" $name "* ]]; then continue; fi
  dir="$ROOT/.mutation/$name"
  mkdir -p "$dir"
  for link in serverless_patterns tests examples cdk.json package.json README.md; do
    ln -sfn "$ROOT/$link" "$dir/$link"
  done
  existing=""
  for t in $tests; do [ -e "$t" ] && existing="$existing $t"; done
  # The project's [tool.mutmut] settings, with this area's files and tests.
  python - "$dir/pyproject.toml" "$files" "$existing" <<'EOF'
import json, sys, tomllib
out, files, tests = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
cfg = tomllib.load(open("pyproject.toml", "rb"))["tool"]["mutmut"]
cfg.update(only_mutate=files, pytest_add_cli_args_test_selection=tests)
# mutmut lists the tests with --collect-only, where syrupy counts every snapshot as unused and exits 1.
cfg["pytest_add_cli_args"] = [*cfg.get("pytest_add_cli_args", []), "--snapshot-warn-unused"]
pytest_cfg = tomllib.load(open("pyproject.toml", "rb"))["tool"]["pytest"]["ini_options"]
lines = ["[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in cfg.items()]
lines += ["", "[tool.pytest.ini_options]"] + [f"{k} = {json.dumps(v)}" for k, v in pytest_cfg.items()]
open(out, "w").write("\n".join(lines) + "\n")
EOF
  echo "==> mutation area $name: $files"
  set -f  # the mutant-name globs go to mutmut as they are
  # shellcheck disable=SC2086
  (cd "$dir" && mutmut run --max-children 1 $globs >"$dir/run.log" 2>&1) \
    || { tail -n 40 "$dir/run.log"; exit 1; }
  # Counts by outcome, and the survivors by name, for this area's mutant names only.
  # shellcheck disable=SC2086
  (cd "$dir" && python -c "$SUMMARY" "$name" $globs)
  set +f
done
