"""dev's background checks compare the checked synth's templates with the served ones: only a
difference that a deploy would serve counts (serverless_patterns/local/dev_checks.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from serverless_patterns.local.dev_checks import comparable_templates

ASSET = "238eb1fb4bfd27c1561ba3bd9df203be3f04a62923a5094b007d24732b174da2"
VERSION = "FunctionCurrentVersion054F7BE5fe3444789f755c9cc5cf93f1e51d3aa0"


def _assembly(directory: Path, *, asset: str = ASSET, version: str = VERSION, memory: int = 256) -> Path:
    template: dict[str, Any] = {
        "Resources": {
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{asset}.zip"}, "MemorySize": memory},
            },
            version: {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Function"}}},
            "Alias": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionVersion": {"Fn::GetAtt": [version, "Version"]}},
            },
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": directory.name}},
        }
    }
    directory.mkdir()
    (directory / "App.template.json").write_text(json.dumps(template))
    manifest = {
        "artifacts": {
            "App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}}
        }
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def test_a_handler_edit_between_the_two_synths_is_no_difference(tmp_path: Path) -> None:
    served = _assembly(tmp_path / "served")
    checked = _assembly(
        tmp_path / "checked",
        asset="0" * 64,
        version="FunctionCurrentVersion054F7BE5" + "1" * 32,
    )
    assert comparable_templates(checked) == comparable_templates(served)


def test_a_changed_property_is_a_difference(tmp_path: Path) -> None:
    served = _assembly(tmp_path / "served")
    checked = _assembly(tmp_path / "checked", memory=512)
    assert comparable_templates(checked) != comparable_templates(served)


def test_the_metadata_resource_is_left_out(tmp_path: Path) -> None:
    templates = comparable_templates(_assembly(tmp_path / "served"))
    assert "CDKMetadata" not in templates["App"]["Resources"]
    assert set(templates["App"]["Resources"]) == {"Function", "FunctionCurrentVersion054F7BE5<code>", "Alias"}
