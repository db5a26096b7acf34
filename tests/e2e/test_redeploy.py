"""The local development loop: change a handler, deploy again into the same cloud, the new code runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import aws_cdk as cdk
import pytest

from serverless_patterns.local import LocalCloud

from .apps_support import load, synth

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent / "apps" / "fixture"


def test_a_redeploy_runs_the_new_code(tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    shutil.copytree(FIXTURE, app_dir)
    module = load(app_dir / "app.py", "e2e_redeploy_app")

    def build(app: cdk.App) -> None:
        module.ApiStack(app, "LocalApi")

    first = synth(build, tmp_path / "v1")
    handler = app_dir / "handlers" / "api" / "index.py"
    handler.write_text(handler.read_text().replace('"method": method,', '"method": method + "-v2",'))
    second = synth(build, tmp_path / "v2")

    with LocalCloud() as cloud:
        api = cloud.deploy(first).outputs["LocalApi"]["RestApiId"]
        assert cloud.invoke_api("GET", "/users/1", api_id=api).json()["method"] == "GET"
        cloud.deploy(second)
        assert cloud.invoke_api("GET", "/users/1", api_id=api).json()["method"] == "GET-v2"
