"""Updates to a deployed app through ``LocalCloud.deploy``, as CloudFormation makes them: a layer
edit publishes a new version that the alias serves, a route removed is gone and comes back, a
failed update rolls back and the next good one succeeds.

The app is ``tests/e2e/apps/lifecycle`` (ApiToLambda, REST and HTTP, with a shared PythonLayer),
copied and edited as a user would. The first deploy synthesizes it with the CDK CLI, the others in
this process (``apps_support.synth_app``, no CLI synth starting Python and jsii again), all deploy
with the CLI. ``tests/e2e/test_dev.py`` makes the same edits under ``dev``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import LocalCloud
from serverless_patterns.local.cdk import CdkError

from .apps_support import synth_app
from .conftest import APPS

pytestmark = pytest.mark.e2e

HEALTH_ROUTE = '            "GET /health": FunctionSpec('
REST_MISSING = (403, {"message": "Missing Authentication Token"})
HTTP_MISSING = (404, {"message": "Not Found"})


def copy_app(tmp_path: Path, stack: str) -> Path:
    """The lifecycle app in ``tmp_path``, deploying one stack called ``stack``."""
    app = tmp_path / "app"
    shutil.copytree(APPS / "lifecycle", app)
    config = json.loads((app / "cdk.json").read_text())
    config["context"]["lifecycle:stack"] = stack
    (app / "cdk.json").write_text(json.dumps(config))
    return app


def synthesized(app: Path) -> Path:
    """``app`` as it is now, synthesized into a new folder beside it."""
    return synth_app(app, app.parent / f"cdk.out-{len(list(app.parent.glob('cdk.out-*')))}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new))


def set_layer(app: Path, version: str) -> None:
    (app / "layers" / "shared" / "shared_text.py").write_text(f'GREETING = "hello from layer {version}"\n')


def apis(cloud: LocalCloud, stack: str) -> tuple[str, str]:
    """(REST API id, HTTP API id)."""
    (rest,) = cloud.resources(stack, "AWS::ApiGateway::RestApi").values()
    (http,) = cloud.resources(stack, "AWS::ApiGatewayV2::Api").values()
    return rest, http


def answers(cloud: LocalCloud, stack: str, path: str) -> list[tuple[int, Any]]:
    """What the REST and the HTTP API answer to ``GET path`` (the body parsed when JSON)."""
    found = []
    for api in apis(cloud, stack):
        answer = cloud.invoke_api("GET", path, api_id=api)
        try:
            body: Any = answer.json()
        except ValueError:
            body = answer.text
        found.append((answer.status, body))
    return found


def hello_function(cloud: LocalCloud, stack: str) -> str:
    (name,) = [
        physical
        for logical, physical in cloud.resources(stack, "AWS::Lambda::Function").items()
        if logical.startswith("RestGetHelloFunction")
    ]
    return name


def live(cloud: LocalCloud, function: str) -> tuple[str, list[str]]:
    """The version the ``live`` alias points at, and that version's layers."""
    lam = cloud.client("lambda")
    version = lam.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
    config = lam.get_function(FunctionName=function, Qualifier=version)["Configuration"]
    return version, [layer["Arn"] for layer in config.get("Layers", [])]


def latest_says(cloud: LocalCloud, function: str) -> str:
    """What ``$LATEST`` answers (an unqualified invoke)."""
    answer = cloud.client("lambda").invoke(FunctionName=function, Payload=b"{}")
    return str(json.loads(answer["Payload"].read())["body"])


def shared_layer(layers: list[str]) -> str:
    (arn,) = [arn for arn in layers if ":layer:" in arn and "Shared" in arn]
    return arn


def status(cloud: LocalCloud, stack: str) -> str:
    return str(cloud.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])


def test_a_layer_edit_reaches_the_alias_the_api_serves(local_cloud: LocalCloud, tmp_path: Path) -> None:
    app = copy_app(tmp_path, "LayerEdit")
    local_cloud.deploy(app)
    function = hello_function(local_cloud, "LayerEdit")
    assert answers(local_cloud, "LayerEdit", "/hello") == [(200, "hello from layer v1")] * 2
    before, before_layers = live(local_cloud, function)

    set_layer(app, "v2")
    local_cloud.deploy(synthesized(app))

    assert answers(local_cloud, "LayerEdit", "/hello") == [(200, "hello from layer v2")] * 2
    after, after_layers = live(local_cloud, function)
    assert int(after) == int(before) + 1  # a version published from the function as it is now
    assert shared_layer(after_layers).endswith(":2") and shared_layer(before_layers).endswith(":1")
    assert latest_says(local_cloud, function) == "hello from layer v2"  # $LATEST and the API agree
    lam = local_cloud.client("lambda")
    old = lam.get_function(FunctionName=function, Qualifier=before)["Configuration"]
    assert shared_layer([layer["Arn"] for layer in old["Layers"]]) == shared_layer(before_layers)


def test_a_route_removed_answers_as_api_gateway_and_comes_back(
    local_cloud: LocalCloud, tmp_path: Path
) -> None:
    app = copy_app(tmp_path, "RouteRemoved")
    local_cloud.deploy(synthesized(app))
    assert answers(local_cloud, "RouteRemoved", "/health") == [(200, "healthy")] * 2

    edit(app / "app.py", HEALTH_ROUTE, "# " + HEALTH_ROUTE)  # commented out
    local_cloud.deploy(synthesized(app))

    assert answers(local_cloud, "RouteRemoved", "/health") == [REST_MISSING, HTTP_MISSING]
    assert answers(local_cloud, "RouteRemoved", "/hello") == [(200, "hello from layer v1")] * 2
    functions = local_cloud.resources("RouteRemoved", "AWS::Lambda::Function")
    assert not [logical for logical in functions if "Health" in logical]
    names = [f["FunctionName"] for f in local_cloud.client("lambda").list_functions()["Functions"]]
    assert not [name for name in names if name.startswith("RouteRemoved-") and "Health" in name]
    rest, http = apis(local_cloud, "RouteRemoved")
    paths = [r["path"] for r in local_cloud.client("apigateway").get_resources(restApiId=rest)["items"]]
    assert "/health" not in paths
    routes = [r["RouteKey"] for r in local_cloud.client("apigatewayv2").get_routes(ApiId=http)["Items"]]
    assert routes == ["GET /hello"]

    edit(app / "app.py", "# " + HEALTH_ROUTE, HEALTH_ROUTE)  # and back
    local_cloud.deploy(synthesized(app))

    assert answers(local_cloud, "RouteRemoved", "/health") == [(200, "healthy")] * 2
    assert status(local_cloud, "RouteRemoved") == "UPDATE_COMPLETE"


def test_a_failed_update_rolls_back_and_the_next_good_one_succeeds(
    local_cloud: LocalCloud, tmp_path: Path
) -> None:
    app = copy_app(tmp_path, "FailedUpdate")
    local_cloud.deploy(synthesized(app))
    function = hello_function(local_cloud, "FailedUpdate")
    before = live(local_cloud, function)
    good = (app / "app.py").read_text()

    # The new layer is published and the aliases moved before the broken function (created last)
    # fails: all of it is rolled back.
    set_layer(app, "v2")
    edit(app / "app.py", "# BROKEN: ", "")
    assembly = synthesized(app)
    with pytest.raises(CdkError, match="UnknownLayerVersionException"):
        local_cloud.deploy(assembly)

    assert status(local_cloud, "FailedUpdate") == "UPDATE_ROLLBACK_COMPLETE"
    described = local_cloud.client("cloudformation").describe_stacks(StackName="FailedUpdate")["Stacks"][0]
    assert described["StackStatusReason"].startswith("Broken")
    assert answers(local_cloud, "FailedUpdate", "/hello") == [(200, "hello from layer v1")] * 2
    assert live(local_cloud, function) == before
    assert latest_says(local_cloud, function) == "hello from layer v1"
    assert not [name for name in local_cloud.resources("FailedUpdate") if name.startswith("Broken")]
    names = [f["FunctionName"] for f in local_cloud.client("lambda").list_functions()["Functions"]]
    assert not [name for name in names if name.startswith("FailedUpdate-Broken")]
    template = local_cloud.client("cloudformation").get_template(StackName="FailedUpdate")["TemplateBody"]
    assert "Broken" not in json.dumps(template)

    (app / "app.py").write_text(good)  # the fix: the layer edit without the broken function
    local_cloud.deploy(synthesized(app))

    assert status(local_cloud, "FailedUpdate") == "UPDATE_COMPLETE"
    assert answers(local_cloud, "FailedUpdate", "/hello") == [(200, "hello from layer v2")] * 2
    assert latest_says(local_cloud, function) == "hello from layer v2"
