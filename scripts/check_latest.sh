#!/usr/bin/env bash
# The suite on the newest versions pyproject.toml allows, not the lock: a release inside our ranges
# that breaks us is found here, by us, before a user installs it.
#
# Makes .venv-latest (gitignored) with `pip install --upgrade -e '.[dev]'`, which resolves every
# range afresh, prints each package whose version differs from requirements/dev.lock, then runs the
# same tests as scripts/test.sh with that interpreter (Node 24, the pinned CDK CLI and Checkov come
# from scripts/env.sh as usual). Extra arguments go to pytest. Exit status is pytest's.
# When it passes, `scripts/lock.sh` moves the lock to these versions.
set -euo pipefail
source "$(dirname "$0")/env.sh"
install_checkov
LATEST="$ROOT/.venv-latest"
if [ ! -x "$LATEST/bin/python" ]; then
  python3 -m venv "$LATEST"
fi
echo "==> resolving the newest versions pyproject.toml allows (.venv-latest)"
"$LATEST/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e '.[dev]'
echo "==> versions that differ from requirements/dev.lock"
"$LATEST/bin/python" - <<'PY'
import re
from importlib import metadata

from packaging.markers import Marker

norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$", open("requirements/dev.lock").read(), re.M)
# A universal lock may pin a package twice, under markers: the pin for this interpreter counts.
locked = {norm(n): v for n, v, m in pins if not m.strip() or Marker(m.strip()).evaluate()}
changed = []
for dist in metadata.distributions():
    name = norm(dist.metadata["Name"])
    if name in locked and locked[name] != dist.version:
        changed.append(f"    {name}: {locked[name]} (lock) -> {dist.version}")
print("\n".join(sorted(changed)) or "    none: the lock is the newest")
PY
export PATH="$LATEST/bin:$PATH"
export VIRTUAL_ENV="$LATEST"
export SERVERLESS_PATTERNS_UNLOCKED=1
echo "==> pytest on the newest versions"
"$LATEST/bin/python" -m pytest -q -n 3 --dist loadfile -p no:cacheprovider "$@"
