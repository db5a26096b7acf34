#!/usr/bin/env bash
# The one gate: formatting, lint, types, then the tests (unit, synth gates, end-to-end).
source "$(dirname "$0")/env.sh"
install_checkov

echo "==> ruff format --check"
ruff format --check .
echo "==> ruff check"
ruff check .
echo "==> mypy (strict)"
mypy
echo "==> pytest"
pytest -q -n 3 --dist loadfile --durations=10 "$@"
