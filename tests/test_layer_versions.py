"""A layer edit publishes a new version of every pattern function that uses it, so the ``live`` alias
(which APIs, mappings and canaries go through) serves the new layer, on AWS and locally.

aws-cdk-lib leaves a function's layers out of the hash behind ``current_version`` unless the app
sets ``@aws-cdk/aws-lambda:recognizeLayerVersion``; an app made by ``serverless-patterns new`` or by
hand usually does not. A pattern turns it on for its functions unless the app sets it itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import ApiToLambda, FunctionSpec
from serverless_patterns.core import PythonLayer
from serverless_patterns.core.pattern import RECOGNIZE_LAYER_VERSION

HANDLERS = Path(__file__).parent / "fixtures" / "handlers" / "echo"


def _version_ids(layer_code: Path, context: dict[str, Any]) -> list[str]:
    app = cdk.App(context=context)
    stack = cdk.Stack(app, "S")
    layer = PythonLayer(stack, "Shared", code=layer_code)
    ApiToLambda(
        stack,
        "Api",
        routes={"GET /a": FunctionSpec(code=str(HANDLERS), handler="app.handler", layers=[layer])},
    )
    resources = app.synth().get_stack_by_name("S").template["Resources"]
    return sorted(k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Version")


@pytest.fixture
def layer_code(tmp_path: Path) -> Path:
    code = tmp_path / "shared" / "python"
    code.mkdir(parents=True)
    (code / "money.py").write_text("CURRENCY = 'EUR'\n")
    return code.parent


def test_a_layer_edit_publishes_a_new_version(layer_code: Path) -> None:
    before = _version_ids(layer_code, {})
    (layer_code / "python" / "money.py").write_text("CURRENCY = 'USD'\n")
    after = _version_ids(layer_code, {})
    assert len(before) == len(after) == 1
    assert before != after


def test_an_app_that_sets_the_flag_keeps_its_choice(layer_code: Path) -> None:
    before = _version_ids(layer_code, {RECOGNIZE_LAYER_VERSION: False})
    (layer_code / "python" / "money.py").write_text("CURRENCY = 'USD'\n")
    assert _version_ids(layer_code, {RECOGNIZE_LAYER_VERSION: False}) == before
