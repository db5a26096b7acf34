"""OrchestratedPipeline: branching without ASL. Python ``steps`` take Choice, Wait, Parallel and Map
(``examples/branching_pipeline.py``), with the pattern's retries, catches and notifications."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns import DeploymentStrategy, FunctionSpec, PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import (
    Choice,
    Map,
    OrchestratedPipeline,
    Parallel,
    Retry,
    Step,
    Wait,
    When,
)
from tests.support import Synthesized, pattern_tests

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")
FUNCTIONS = ("ValidateOrder", "CheckInventory", "TakePayment", "ShipOrder", "ReserveItem")


def build_branching(stack: cdk.Stack) -> None:
    spec = importlib.util.spec_from_file_location(
        "branching_pipeline", ROOT / "examples" / "branching_pipeline.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(stack)


globals().update(pattern_tests(configs={"branching": build_branching}, snapshots=("branching",)))


def machine(s: Synthesized) -> dict[str, Any]:
    (props,) = (r["Properties"] for r in s.resources("AWS::StepFunctions::StateMachine").values())
    return props  # type: ignore[no-any-return]


def states(s: Synthesized) -> dict[str, Any]:
    return json.loads(machine(s)["DefinitionString"])["States"]  # type: ignore[no-any-return]


def test_choice_routes_by_an_sfn_condition(branching: Synthesized) -> None:
    assert states(branching)["IsInStock"] == {
        "Type": "Choice",
        "Choices": [{"Variable": "$.inStock", "BooleanEquals": True, "Next": "TakePayment"}],
        "Default": "WaitForRestock",
    }


def test_wait_loops_back(branching: Synthesized) -> None:
    assert states(branching)["WaitForRestock"] == {"Type": "Wait", "Seconds": 3600, "Next": "CheckInventory"}


def test_parallel_and_map_nest_lambda_steps(branching: Synthesized) -> None:
    fulfil = states(branching)["Fulfil"]
    assert fulfil["Type"] == "Parallel" and fulfil["Next"] == "NotifySuccess"
    assert fulfil["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "NotifyError", "ResultPath": "$.error"}
    ]
    ship, reserve = fulfil["Branches"]
    assert ship["StartAt"] == "ShipOrder"
    assert ship["States"]["ShipOrder"]["Parameters"]["FunctionName"] == "${Function_ShipOrder}"
    assert "Catch" not in ship["States"]["ShipOrder"]  # errors go to the Parallel, which notifies
    assert ship["States"]["ShipOrder"]["End"] is True
    each = reserve["States"]["ReserveEachItem"]
    assert each["ItemsPath"] == "$.items" and each["MaxConcurrency"] == 5
    assert each["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    item = each["ItemProcessor"]["States"]["ReserveItem"]
    assert item["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"


def test_every_nested_function_is_built_canaried_and_granted(branching: Synthesized) -> None:
    aliases = branching.resources("AWS::Lambda::Alias")
    assert len(aliases) == len(FUNCTIONS)
    assert branching.count("AWS::CodeDeploy::DeploymentGroup") == len(FUNCTIONS)
    substitutions = machine(branching)["DefinitionSubstitutions"]
    assert {f"Function_{n}" for n in FUNCTIONS} <= set(substitutions)
    role = machine(branching)["RoleArn"]["Fn::GetAtt"][0]
    (policy,) = (
        p
        for k, p in branching.resources("AWS::IAM::Policy").items()
        if p["Properties"]["Roles"] == [{"Ref": role}] and "DefaultPolicy" in k
    )
    (invoke,) = (
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "lambda:InvokeFunction"
    )
    assert {r["Ref"] for r in invoke["Resource"]} == set(aliases)


def test_reserve_item_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    spec = importlib.util.spec_from_file_location(
        "_fulfilment_reserve_item", ROOT / "examples" / "handlers" / "fulfilment" / "reserve_item.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    class Context:
        function_name = "ReserveItem"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ReserveItem:live"
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    assert module.handler({"sku": "BOOK-42", "quantity": 2}, Context()) == {"sku": "BOOK-42", "reserved": 2}
    with pytest.raises(ValueError, match="quantity must be at least 1"):
        module.handler({"sku": "BOOK-42", "quantity": 0}, Context())


# ---------------------------------------------------------------- validation
def spec() -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler="app.handler")


def make(steps: list[Any]) -> None:
    app = cdk.App()
    OrchestratedPipeline(cdk.Stack(app, "S"), "P", steps=steps, deployment=DeploymentStrategy.none())


IS_BIG = sfn.Condition.number_greater_than("$.total", 100)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [Choice("C", [When(IS_BIG, "Nowhere")]), Step("A", spec())],
            r"steps\['C'\].when\[0\].next names no step at its level: 'Nowhere' \(steps are A, C\)",
        ),
        ([Choice("C", []), Step("A", spec())], r"steps\['C'\].when must be a non-empty list of When"),
        (
            [Choice("C", [When("$.x > 1", "A")]), Step("A", spec())],
            r"steps\['C'\].when\[0\] must be When\(sfn.Condition",
        ),  # type: ignore[arg-type]
        ([Wait("W"), Step("A", spec())], r"steps\['W'\] needs exactly one of duration, until, seconds_path"),
        (
            [Wait("W", duration=cdk.Duration.seconds(1), until="2026-01-01T00:00:00Z"), Step("A", spec())],
            "got duration, until",
        ),
        (
            [Wait("W", duration=cdk.Duration.millis(1500)), Step("A", spec())],
            "duration must be whole seconds",
        ),
        (
            [Wait("W", seconds_path="wait"), Step("A", spec())],
            r"seconds_path must be a path starting with '\$'",
        ),
        ([Parallel("P", []), Step("A", spec())], r"steps\['P'\].branches must be a non-empty list"),
        (
            [Parallel("P", [[Step("A", spec(), catch={"X": "NotifyError"})]])],
            r"steps\['P'\].branches\[0\]\['A'\].catch\['X'\] names no state: 'NotifyError'",
        ),
        (
            [Parallel("P", [[Step("A", spec())]]), Step("A", spec())],
            r"steps\['P'\].branches\[0\]\[0\].name 'A' is used by more than one step",
        ),
        (
            [Map("M", [Step("A", spec())], items_path="items")],
            r"items_path must be a path starting with '\$'",
        ),
        ([Map("M", [Step("A", spec())], max_concurrency=41)], r"max_concurrency must be 0..40, got 41"),
        ([Map("M", [])], r"steps\['M'\].steps must be a non-empty list of steps"),
        (
            [Map("M", [Step("A", spec())], retry=Retry(max_attempts=-1))],
            r"steps\['M'\].retry\[0\].max_attempts must be 0..99999999",
        ),
        ([Step("A", spec(), next="Ghost")], r"steps\['A'\].next names no step at its level: 'Ghost'"),
        (
            [Step("A", spec(), next="NotifyError"), Step("B", spec())],
            r"steps\['A'\].next names no step at its level: 'NotifyError' \(steps are A, B\)",
        ),
        (["A"], r"steps\[0\] must be a Step, Choice, Wait, Parallel or Map, got str"),
        (
            [Step("A", spec(), next="C"), Step("B", spec()), Choice("C", [When(IS_BIG, "A")], otherwise="A")],
            r"steps: state 'B' is not reachable from StartAt 'A'",
        ),
    ],
)
def test_validation(steps: list[Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(steps)
