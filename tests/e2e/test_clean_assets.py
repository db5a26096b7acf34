"""What ships to Lambda is the functions' code: no lock file, cache or bytecode in any asset of the
examples app (Python handlers, Node.js bundles, layers) as the suite synthesizes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import junk_in

pytestmark = pytest.mark.e2e


def test_no_asset_of_the_examples_app_holds_a_lock_cache_or_bytecode(examples_assembly: Path) -> None:
    assets = [p for p in examples_assembly.glob("asset.*") if p.is_dir()]
    assert len(assets) >= 5, assets  # the walk has something to walk
    assert junk_in(examples_assembly) == []
