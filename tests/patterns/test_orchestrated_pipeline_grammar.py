"""OrchestratedPipeline: a definition is checked against the States Language grammar before deploy.

The pattern's own checks (transitions, reachability, retriers, paths) name the state; statelint
checks the rest (Choice rules, Wait fields, Parameters/Arguments, JSONPath and JSONata). Each case
is refused at construction, before CloudFormation would refuse it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import DeploymentStrategy, FunctionSpec, PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, asl

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")
PASS = {"Type": "Pass", "End": True}
INVOKE = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "one", "Payload.$": "$"},
    "End": True,
}


def make(tmp_path: Path, states: dict[str, Any], **top: Any) -> OrchestratedPipeline:
    path = tmp_path / "workflow.asl.json"
    path.write_text(json.dumps({"StartAt": next(iter(states)), "States": states, **top}))
    app = cdk.App()
    return OrchestratedPipeline(
        cdk.Stack(app, "S"),
        "P",
        definition_file=path,
        functions={"one": FunctionSpec(code=HANDLER, handler="app.handler")},
        deployment=DeploymentStrategy.none(),
    )


def choice(rule: dict[str, Any]) -> dict[str, Any]:
    return {"C": {"Type": "Choice", "Choices": [{**rule, "Next": "A"}], "Default": "A"}, "A": INVOKE}


def wait(**fields: Any) -> dict[str, Any]:
    return {"W": {"Type": "Wait", "Next": "A", **fields}, "A": INVOKE}


@pytest.mark.parametrize(
    ("states", "top", "message"),
    [
        (
            choice({"Variable": "$.total", "IsGreater": 1}),
            {},
            r'Field "IsGreater" not allowed in States.C.Choices\[0\]',
        ),
        (choice({"And": []}), {}, r"States.C.Choices\[0\].And is empty, non-empty required"),
        (
            choice({"Variable": "total", "NumericEquals": 1}),
            {},
            r"state 'C': Choices\[0\].Variable must be a path starting with '\$', got 'total'",
        ),
        (
            choice({"Not": {"Variable": "x", "IsPresent": True}}),
            {},
            r"state 'C': Choices\[0\].Not.Variable must be a path",
        ),
        (wait(), {}, r'States.W does not have required field from \["Seconds", "SecondsPath"'),
        (wait(Seconds=5, Timestamp="2026-01-01T00:00:00Z"), {}, "States.W may have only one of"),
        (
            wait(Timestamp="tomorrow"),
            {},
            'States.W.Timestamp is "tomorrow" but should be an RFC3339 timestamp',
        ),
        (wait(SecondsPath="seconds"), {}, 'States.W.SecondsPath is "seconds" but should be a Reference Path'),
        (
            {"A": {**INVOKE, "Catch": [{"ErrorEquals": ["States.ALL"]}]}},
            {},
            r"state 'A': Catch\[0\].Next None names no state",
        ),
        (
            {"A": {**INVOKE, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": "fast"}]}},
            {},
            r"state 'A': Retry\[0\].BackoffRate must be a number >= 1.0, got 'fast'",
        ),
        ({"A": INVOKE}, {"QueryLanguage": "JSONata"}, 'Field "Parameters" not allowed in States.A'),
        (
            {"A": {**INVOKE, "Parameters": {"FunctionName": "one", "Payload.$": "not a path"}}},
            {},
            'Field "Payload.\\$" of Parameters at "States.A" is not a JSONPath or intrinsic function',
        ),
        (
            {"A": {**PASS, "OutputPath": "Payload"}},
            {},
            r"state 'A': OutputPath must be a path starting with '\$'",
        ),
        (
            {
                "M": {
                    "Type": "Map",
                    "Label": "has space",
                    "ItemProcessor": {"StartAt": "A", "States": {"A": INVOKE}},
                    "End": True,
                }
            },
            {},
            r"state 'M': Label must be 1..40 characters",
        ),
    ],
)
def test_grammar(tmp_path: Path, states: dict[str, Any], top: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(tmp_path, states, **top)


def test_jsonata_arguments_are_accepted_and_rebound(tmp_path: Path) -> None:
    states = {
        "A": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {
                "FunctionName": "arn:aws:lambda:REGION:ACCOUNT:function:one",
                "Payload": "{% $states.input %}",
            },
            "End": True,
        }
    }
    pipeline = make(tmp_path, states, QueryLanguage="JSONata")
    cfn = pipeline.state_machine.node.default_child
    definition = json.loads(cfn.definition_string)  # type: ignore[union-attr]
    assert definition["States"]["A"]["Arguments"]["FunctionName"] == "${Function_one}"


def test_the_examples_pass_the_grammar() -> None:
    for path in (ROOT / "examples" / "workflows").glob("*.asl.json"):
        definition, problems = asl.load(path)
        assert problems == [] and definition is not None
        assert asl.validate(definition) == [] and asl.lint(definition) == [], path


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.asl.yaml"
    path.write_text("StartAt: A\nStates:\n  A: [unclosed\n")
    app = cdk.App()
    with pytest.raises(PatternValidationError, match=r"is not YAML: .* at line \d+ column \d+"):
        OrchestratedPipeline(cdk.Stack(app, "S"), "P", definition_file=path)
