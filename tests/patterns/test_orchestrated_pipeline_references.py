"""OrchestratedPipeline: every form in which a definition names a resource is rebound by name.

The order workflow of ``examples/workflows`` is written in five styles under
``tests/fixtures/workflows`` (real ARNs of another account and region, placeholder words,
``${AWS::...}`` pseudo parameters in YAML, SAM-style substitution variables, plain names and partial
ARNs); each synthesizes to the very template of the original.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs

from serverless_patterns import DeploymentStrategy, FunctionSpec, PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline
from serverless_patterns.patterns.orchestrated_pipeline.references import Reference, binding_name, name_in

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")
WORKFLOWS = ROOT / "tests" / "fixtures" / "workflows"
ORDER_WORKFLOW = ROOT / "examples" / "workflows" / "order_workflow.asl.json"
ORDER_FUNCTIONS = ("validateOrder", "checkInventory", "processPayment", "shipOrder")
STYLES = {
    "real ARNs": ORDER_WORKFLOW,
    "placeholder words": WORKFLOWS / "order_workflow_placeholders.asl.json",
    "pseudo parameters (YAML)": WORKFLOWS / "order_workflow_pseudo_parameters.asl.yaml",
    "substitution variables": WORKFLOWS / "order_workflow_substitutions.asl.json",
    "plain names": WORKFLOWS / "order_workflow_plain_names.asl.json",
}


def spec(handler: str = "app.handler") -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=handler)


def template_of(definition_file: Path, **props: Any) -> dict[str, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, "Orders", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    OrchestratedPipeline(
        stack,
        "Orders",
        definition_file=definition_file,
        functions={name: spec(f"app.{name}") for name in ORDER_FUNCTIONS},
        deployment=DeploymentStrategy.none(),
        **props,
    )
    return app.synth().get_stack_by_name("Orders").template  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def original() -> dict[str, Any]:
    return template_of(ORDER_WORKFLOW)


@pytest.mark.parametrize("style", list(STYLES)[1:])
def test_every_reference_style_synthesizes_to_the_same_template(style: str, original: dict[str, Any]) -> None:
    assert template_of(STYLES[style]) == original


def test_the_original_is_rebound_in_the_stacks_partition_region_and_account(original: dict[str, Any]) -> None:
    (machine,) = (
        r for r in original["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    )
    text = machine["Properties"]["DefinitionString"]
    assert "us-west-2" not in text and "123456789012" not in text and "arn:aws:" not in text
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert substitutions["States_lambda_invoke"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:::lambda:invoke"]]
    }


# ---------------------------------------------------------------- the forms, one by one
@pytest.mark.parametrize(
    ("kind", "value", "name"),
    [
        ("function", "arn:aws:lambda:us-west-2:123456789012:function:validateOrder", "validateOrder"),
        (
            "function",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:validateOrder:$LATEST",
            "validateOrder",
        ),
        ("function", "arn:aws:lambda:REGION:ACCOUNT:function:validateOrder", "validateOrder"),
        ("function", "arn:aws:lambda:<region>:<account-id>:function:validateOrder:prod", "validateOrder"),
        (
            "function",
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:validateOrder",
            "validateOrder",
        ),
        ("function", "123456789012:function:validateOrder:live", "validateOrder"),
        ("function", "function:validateOrder", "validateOrder"),
        ("function", "validateOrder:$LATEST", "validateOrder"),
        ("function", "validateOrder", "validateOrder"),
        ("topic", "arn:aws:sns:REGION:ACCOUNT_ID:OrderNotifications", "OrderNotifications"),
        ("topic", "arn:aws:sns:us-east-1:123456789012:Orders.fifo", "Orders.fifo"),
        ("table", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", "Orders"),
        ("table", "Orders", "Orders"),
        ("queue", "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs", "Jobs"),
        ("queue", "https://sqs.REGION.amazonaws.com/ACCOUNT_ID/Jobs.fifo", "Jobs.fifo"),
        ("queue", "Jobs", "Jobs"),
        ("bus", "arn:aws:events:us-east-1:123456789012:event-bus/Events", "Events"),
        ("bus", "Events", "Events"),
        ("state_machine", "arn:aws:states:us-east-1:123456789012:stateMachine:Child", "Child"),
        ("state_machine", "arn:aws:states:REGION:ACCOUNT:stateMachine:Child:prod", "Child"),
        ("bucket", "arn:aws:s3:::archive-bucket", "archive-bucket"),
        ("bucket", "Archive", "Archive"),
    ],
)
def test_name_in(kind: str, value: str, name: str) -> None:
    assert name_in(kind, value) == Reference(name=name)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("function", "arn:aws:sns:us-east-1:123456789012:topic"),
        ("table", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/index/ByCustomer"),
        ("bucket", "arn:aws:s3:us-east-1:123456789012:archive"),
        ("function", "has space"),
    ],
)
def test_name_in_refuses_other_forms(kind: str, value: str) -> None:
    assert name_in(kind, value) is None


def test_a_whole_variable_is_a_variable_but_a_pseudo_parameter_is_not() -> None:
    assert name_in("function", "${ValidateOrderArn}") == Reference(variable="ValidateOrderArn")
    assert name_in("table", "${AWS::Region}") is None


@pytest.mark.parametrize(
    ("variable", "bound"),
    [
        ("validateOrder", ("validateOrder", "")),
        ("ValidateOrder", ("validateOrder", "")),
        ("ValidateOrderArn", ("validateOrder", "arn")),
        ("ValidateOrderFunctionArn", ("validateOrder", "arn")),
        ("ValidateOrderName", ("validateOrder", "name")),
        ("JobsQueueUrl", ("Jobs", "url")),
        ("Nothing", (None, "")),
    ],
)
def test_binding_name(variable: str, bound: tuple[str | None, str]) -> None:
    assert binding_name(variable, {"validateOrder", "Jobs"}) == bound


# ---------------------------------------------------------------- substitutions and unbound references
def asl_file(tmp_path: Path, states: dict[str, Any], name: str = "workflow.asl.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"StartAt": next(iter(states)), "States": states}))
    return path


def put_item(table: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}}},
        "End": True,
        **extra,
    }


def test_substitutions_are_definition_substitutions(tmp_path: Path) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    table = dynamodb.TableV2(
        stack, "Orders", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    states = {
        "Save": {
            **put_item("Orders"),
            "ResultSelector": {
                "environment": "${Environment}",
                "table": "${OrdersTableArn}",
                "region": "${AWS::Region}",
            },
        }
    }
    pipeline = OrchestratedPipeline(
        stack,
        "P",
        definition_file=asl_file(tmp_path, states),
        resources={"Orders": table},
        substitutions={"Environment": "prod"},
        deployment=DeploymentStrategy.none(),
    )
    cfn = pipeline.state_machine.node.default_child
    assert isinstance(cfn, cdk.aws_stepfunctions.CfnStateMachine)
    asl = json.loads(cfn.definition_string or "")
    selector = asl["States"]["Save"]["ResultSelector"]
    assert selector == {
        "environment": "${Environment}",
        "table": "${Table_Orders_Arn}",
        "region": "${AWS_Region}",
    }
    assert asl["States"]["Save"]["Parameters"]["TableName"] == "${Table_Orders}"
    substitutions = stack.resolve(cfn.definition_substitutions)
    assert substitutions["Environment"] == "prod"
    assert substitutions["AWS_Region"] == {"Ref": "AWS::Region"}
    assert substitutions["Table_Orders"] == {"Ref": stack.get_logical_id(table.node.default_child)}  # type: ignore[arg-type]
    assert substitutions["Table_Orders_Arn"]["Fn::GetAtt"][1] == "Arn"


def make(tmp_path: Path, states: dict[str, Any], **props: Any) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    resources = {
        name: factory(stack)
        for name, factory in props.pop("build", {}).items()  # resources built in the test's stack
    }
    OrchestratedPipeline(
        stack,
        "P",
        definition_file=asl_file(tmp_path, states),
        resources=resources or None,
        deployment=DeploymentStrategy.none(),
        **props,
    )


def a_queue(stack: cdk.Stack) -> sqs.IQueue:
    return sqs.Queue(stack, "Jobs", enforce_ssl=True)


@pytest.mark.parametrize(
    ("states", "props", "message"),
    [
        (
            {"Save": put_item("Orders")},
            {"build": {"Jobs": a_queue}},
            r"state 'Save': Parameters.TableName names table 'Orders', which is not given; could bind it: "
            r"resources \(none given\)",
        ),
        (
            {"Save": put_item("${OrdersTable}")},
            {"build": {"Jobs": a_queue}},
            r"state 'Save': Parameters.TableName \$\{OrdersTable\} binds to no table; could bind it: "
            r"resources \(none given\) or substitutions=\{'OrdersTable': ...\}",
        ),
        (
            {
                "Fan": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "Save", "States": {"Save": put_item("Jobs")}}],
                }
            },
            {"build": {"Jobs": a_queue}},
            r"state 'Fan > branch 1 > Save': Parameters.TableName names table 'Jobs', which is not given",
        ),
        (
            {"Save": {**put_item("${Legacy}"), "Comment": "${Stage}"}},
            {"substitutions": {"Legacy": "legacy-orders"}},
            r"state 'Save': Comment \$\{Stage\} is bound by nothing; could bind it: substitutions=\{'Stage': ...\}",
        ),
        (
            {"Save": put_item("${Legacy}")},
            {"substitutions": {"Legacy": "legacy-orders"}},
            r"state 'Save': the pattern cannot grant dynamodb:putItem \(its Parameters.TableName is the "
            r"substitution \$\{Legacy\}, not a resource the pattern knows\); pass policies=",
        ),
        (
            {"Save": put_item("Orders")},
            {"substitutions": {"Unused": "x"}, "build": {"Orders": a_queue}},
            r"substitutions\['Unused'\] is not used by the definition",
        ),
        (
            {"Save": put_item("Orders")},
            {"substitutions": {"Function_x": "x"}},
            r"substitutions key 'Function_x' must be letters, digits and '_' and not start with",
        ),
        (
            {"Save": {**put_item("Orders"), "Parameters": {"TableName.$": "$.table"}}},
            {},
            r"state 'Save': Parameters.TableName is chosen at run time",
        ),
    ],
)
def test_unbound_references(
    tmp_path: Path, states: dict[str, Any], props: dict[str, Any], message: str
) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(tmp_path, states, **props)


def test_an_unbound_reference_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(tmp_path, {"Save": put_item("Orders")})
    (problem,) = raised.value.problems
    assert "\n" not in problem
