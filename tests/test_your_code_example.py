"""The documentation's "Dependencies and shared code" example (docs/your-code.md) is a real app directory
(examples/your_code) that synthesizes as a user's would: run as its own process, from its own
directory. Downloads pydantic's wheels from PyPI on the first run (uv's cache keeps them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "your_code"
AARCH64 = 0xB7


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=EXAMPLE,
        env={**os.environ, "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return outdir


def asset_of(outdir: Path, resource: dict[str, Any]) -> Path:
    """The staged directory of a function's or layer's asset (``asset.<hash>``, named by its key)."""
    properties = resource["Properties"]
    key = (properties.get("Code") or properties["Content"])["S3Key"]
    return outdir / f"asset.{key.removesuffix('.zip')}"


def test_the_documentation_shows_the_example_file() -> None:
    code = (EXAMPLE / "app.py").read_text().split('"""', 2)[2].lstrip("\n")
    assert code in (ROOT / "docs" / "your-code.md").read_text()


def test_the_function_asset_holds_its_dependencies_for_its_runtime_and_architecture(
    cloud_assembly: Path,
) -> None:
    template = json.loads((cloud_assembly / "Orders.template.json").read_text())
    (function,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    asset = asset_of(cloud_assembly, function)
    assert (asset / "app.py").is_file()
    (extension,) = (asset / "pydantic_core").glob("_pydantic_core.*.so")
    assert ".cpython-314-aarch64-" in extension.name
    assert extension.read_bytes()[18] == AARCH64  # ELF e_machine
    assert not (asset / "orders_model").exists()  # shared code comes from the layer
    (layer,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion")
    layer_dir = asset_of(cloud_assembly, layer)
    assert (layer_dir / "python" / "orders_model" / "__init__.py").is_file()
    assert (layer_dir / "python" / "pydantic" / "__init__.py").is_file()
    layer_id = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::LayerVersion")
    assert {"Ref": layer_id} in function["Properties"]["Layers"]


def test_no_asset_holds_a_lock_cache_or_bytecode(cloud_assembly: Path) -> None:
    """uv leaves a ``.lock`` in the directory it installs pydantic into: it must not ship."""
    from tests.support import junk_in

    assert len(list(cloud_assembly.glob("asset.*"))) >= 2
    assert junk_in(cloud_assembly) == []
