#!/usr/bin/env bash
# The main job: set everything up, synthesize the examples app with the pinned CDK CLI (rule packs
# and CloudFormation validation on), lint the templates, then run the local-cloud demo.
source "$(dirname "$0")/env.sh"

echo "==> cdk synth (examples app, AwsSolutions + Serverless rule packs)"
start=$(date +%s%N)
cdk synth --quiet
echo "    synthesized in $(( ($(date +%s%N) - start) / 1000000 )) ms"
python scripts/summary.py cdk.out

echo "==> cfn-lint on every template"
cfn-lint cdk.out/*.template.json && echo "    0 errors, 0 warnings"

if python -c "import serverless_patterns.local.demo" 2>/dev/null; then
  echo "==> local cloud demo"
  python -m serverless_patterns.local.demo .
else
  echo "==> local cloud demo: not available in this build"
fi
