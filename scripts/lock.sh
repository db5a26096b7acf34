#!/usr/bin/env bash
# Writes the lock files that the development and CI environments install from (scripts/env.sh):
# requirements/dev.lock, every package of `pip install -e '.[dev]'` at one version with its hashes,
# and requirements/checkov.lock for Checkov's own virtualenv. Run it after changing a dependency
# range in pyproject.toml (or Checkov's pin), then run the tests and commit the locks with the change.
# The library's own ranges stay ranges: users resolve them; these locks only fix what we test.
# `scripts/check_latest.sh` runs the suite on the newest versions the ranges allow instead.
set -euo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p requirements
compile() { uv pip compile --quiet --generate-hashes --universal --python-version 3.11 --no-header "$@"; }
compile pyproject.toml --extra dev -o requirements/dev.lock
compile scripts/checkov-requirements.txt -o requirements/checkov.lock
echo "requirements/dev.lock: $(grep -c '==' requirements/dev.lock) packages; requirements/checkov.lock: $(grep -c '==' requirements/checkov.lock)"
