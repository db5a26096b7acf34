"""dev's background checks compare the checked synth's templates with the served ones: only a
difference that a deploy would serve counts (serverless_patterns/local/dev_checks.py)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from serverless_patterns.local.dev_checks import DevChecks, comparable_templates
from serverless_patterns.local.warm_synth import WarmSynth

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


def test_a_cancel_from_another_thread_while_the_checks_start_is_safe(tmp_path: Path) -> None:
    """A later change's update, or Ctrl-C's close, cancels from another thread, at any moment of a
    start: it never joins a thread not started yet ("cannot join thread before it is started" once
    ended a dev session with exit 1), and the checks it cancelled before they began run nothing."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "cdk.json").write_text('{"app": "python3 app.py"}')
    (project / "app.py").write_text("")
    (tmp_path / "scratch").mkdir()
    warm = WarmSynth(project, tmp_path / "scratch", run_env=os.environ, context={}, cli=["cdk"])
    errors: list[BaseException] = []
    said: list[str] = []

    def cancel_elsewhere() -> None:
        try:
            checks.cancel()
        except BaseException as exc:  # the error is what the test looks for
            errors.append(exc)

    def emit(kind: str, text: str) -> None:
        said.append(text)
        if text.startswith("checking"):  # said while the checks start
            other = threading.Thread(target=cancel_elsewhere)
            other.start()
            other.join()

    checks = DevChecks(warm, emit, redeploy=lambda checked: None)
    served = _assembly(tmp_path / "served")
    checks.start(served)
    checks.start(served)  # its cancel, and the one its line starts, find the first checks started
    checks.close()
    assert errors == []
    assert not checks.running
    assert (
        said == ["checking the rule packs, CloudFormation validation and cfn-lint in the background..."] * 2
    )
    assert list((tmp_path / "scratch").iterdir()) == []  # no synth, no capture: both were cancelled
