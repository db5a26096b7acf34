"""The user's function beyond code and sizing: extra policies the rule packs still judge, a VPC with
its own exact network-interface policy, property overrides, handler checks, shared layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from serverless_patterns import FunctionSpec, PatternValidationError
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, ApiType
from tests.support import GateFailure, Synthesized, cfn_lint, synth, write_handler

ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


def api(stack: cdk.Stack, code: str, **spec: Any) -> ApiToLambda:
    return ApiToLambda(
        stack,
        "Api",
        function=FunctionSpec(code=code, handler="app.handler", **spec),
        api_type=ApiType.HTTP,
    )


def policies(s: Synthesized) -> dict[str, dict[str, Any]]:
    """The function role's policies by the construct id in their logical ID."""
    found = {}
    for logical_id, policy in s.resources("AWS::IAM::Policy").items():
        for name in ("DefaultPolicy", "TracingPolicy", "VpcPolicy", "RolePolicy"):
            if f"FunctionServiceRole{name}" in logical_id:
                found[name] = policy["Properties"]
    return found


def function(s: Synthesized) -> dict[str, Any]:
    (fn,) = s.resources("AWS::Lambda::Function").values()
    return fn


# ------------------------------------------------------------------------------------- policies
def test_a_users_wildcard_statement_is_an_unacknowledged_finding(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    wildcard = iam.PolicyStatement(actions=["s3:*"], resources=["*"])
    with pytest.raises(GateFailure) as failure:
        synth(lambda stack: api(stack, code, policies=[wildcard]))
    findings = sorted(f.strip() for f in str(failure.value).splitlines()[1:])
    # The library hides nothing of the user's: both IAM5 findings are open, on the user's policy only.
    assert findings == [
        "AwsSolutions-IAM5[Action::s3:*] on Test/Api/AnyRootFunction/ServiceRole/Policy/Resource",
        "AwsSolutions-IAM5[Resource::*] on Test/Api/AnyRootFunction/ServiceRole/Policy/Resource",
    ]


def test_extra_statements_land_in_their_own_policy_and_pass_when_exact(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    statement = iam.PolicyStatement(
        actions=["ssm:GetParameter"], resources=["arn:aws:ssm:us-east-1:123456789012:parameter/app/db"]
    )
    s = synth(lambda stack: api(stack, code, policies=[statement]))
    assert s.unacknowledged() == []
    assert cfn_lint(s.template_path) == []
    user = [
        p["Properties"]
        for k, p in s.resources("AWS::IAM::Policy").items()
        if "FunctionServiceRolePolicy" in k
    ]
    assert len(user) == 1
    assert user[0]["PolicyDocument"]["Statement"] == [
        {
            "Action": "ssm:GetParameter",
            "Effect": "Allow",
            "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/app/db",
        }
    ]
    user_id = next(k for k in s.resources("AWS::IAM::Policy") if "FunctionServiceRolePolicy" in k)
    assert user_id in function(s)["DependsOn"]  # the function starts with its grants in place
    # No acknowledgment of the library's sits on the user's policy.
    assert not [a for a in s.acknowledged() if "ServiceRole/Policy" in json.dumps(a)]


def test_xray_is_its_own_acknowledged_policy_and_the_default_policy_has_no_wildcard(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    s = synth(lambda stack: api(stack, code))
    found = policies(s)
    assert found["TracingPolicy"]["PolicyDocument"]["Statement"] == [
        {"Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Effect": "Allow", "Resource": "*"}
    ]
    assert all(st["Resource"] != "*" for st in found["DefaultPolicy"]["PolicyDocument"]["Statement"])
    iam5 = [a for a in s.acknowledged() if "IAM5" in a["ruleName"]]
    paths = {c["constructPath"] for a in iam5 for c in a["violatingConstructs"]}
    assert paths == {"Test/Api/AnyRootFunction/ServiceRole/TracingPolicy"}
    assert function(s)["Properties"]["TracingConfig"] == {"Mode": "Active"}


# ------------------------------------------------------------------------------------------ VPC
def vpc_app(code: str, **spec: Any) -> Any:
    def build(stack: cdk.Stack) -> None:
        vpc = ec2.Vpc.from_vpc_attributes(
            stack,
            "Vpc",
            vpc_id="vpc-0123456789abcdef0",
            availability_zones=["us-east-1a", "us-east-1b"],
            private_subnet_ids=["subnet-0000000000000000a", "subnet-0000000000000000b"],
            public_subnet_ids=["subnet-0000000000000000c", "subnet-0000000000000000d"],
        )
        api(stack, code, vpc=vpc, **spec)

    return build


@pytest.fixture(scope="module")
def in_vpc(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synth(vpc_app(write_handler(tmp_path_factory.mktemp("vpc"))))


def test_vpc_function_passes_the_gates(in_vpc: Synthesized) -> None:
    assert in_vpc.unacknowledged() == []
    assert cfn_lint(in_vpc.template_path) == []


def test_vpc_function_gets_exactly_the_eni_actions_in_their_own_policy(in_vpc: Synthesized) -> None:
    found = policies(in_vpc)
    assert found["VpcPolicy"]["PolicyDocument"]["Statement"] == [
        {"Action": ENI_ACTIONS, "Effect": "Allow", "Resource": "*"}
    ]
    fn = function(in_vpc)
    assert set(fn["Properties"]["VpcConfig"]) == {"SubnetIds", "SecurityGroupIds"}
    vpc_policy_id = next(k for k in in_vpc.resources("AWS::IAM::Policy") if "VpcPolicy" in k)
    # Lambda checks the ENI permissions when it creates the function: the policy must exist first.
    assert vpc_policy_id in fn["DependsOn"]
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    assert role_id not in fn["DependsOn"]
    iam5 = [a for a in in_vpc.acknowledged() if "IAM5" in a["ruleName"]]
    paths = {c["constructPath"] for a in iam5 for c in a["violatingConstructs"]}
    assert paths == {
        "Test/Api/AnyRootFunction/ServiceRole/TracingPolicy",
        "Test/Api/AnyRootFunction/ServiceRole/VpcPolicy",
    }
    vpc_reason = next(a["reason"] for a in iam5 if "VpcPolicy" in json.dumps(a))
    assert "Test/Api/AnyRootFunction runs in a VPC (the private subnets)" in vpc_reason


def test_vpc_options_need_a_vpc(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    with pytest.raises(PatternValidationError) as error:
        synth(
            lambda stack: api(
                stack, code, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
            )
        )
    assert "function.vpc_subnets needs function.vpc" in str(error.value)


def test_public_subnets_are_a_validation_error_not_a_jsii_trace(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    with pytest.raises(PatternValidationError, match=r"vpc: .*public subnet"):
        synth(vpc_app(code, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)))


# ------------------------------------------------------------------------------------ overrides
def test_property_overrides_reach_the_function_and_its_version(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    s = synth(
        lambda stack: api(
            stack,
            code,
            property_overrides={
                "EphemeralStorage": {"Size": 2048},
                "SnapStart": {"ApplyOn": "PublishedVersions"},
            },
        )
    )
    props = function(s)["Properties"]
    assert props["EphemeralStorage"] == {"Size": 2048}
    assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert s.unacknowledged() == []
    assert cfn_lint(s.template_path) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Timeout": 30}, "may not set 'Timeout': use FunctionSpec.timeout"),
        ({"VpcConfig": {}}, "may not set 'VpcConfig': use FunctionSpec.vpc, vpc_subnets and security_groups"),
        (
            {"EphemeralStorag": {"Size": 1024}},
            r"'EphemeralStorag' is not a property .*\(did you mean 'EphemeralStorage'\?\)",
        ),
        ({"EphemeralStorage": {"Size": 100}}, r"EphemeralStorage'\] must be \{'Size': 512..10240\}"),
        ({"SnapStart": {"ApplyOn": "Always"}}, r"SnapStart'\] must be"),
    ],
)
def test_bad_property_overrides_are_refused(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    code = write_handler(tmp_path / "h")
    with pytest.raises(PatternValidationError, match=message):
        api(cdk.Stack(cdk.App(), "S"), code, property_overrides=overrides)


def test_policies_must_be_statements(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    with pytest.raises(
        PatternValidationError, match=r"function.policies\[0\] must be an iam.PolicyStatement"
    ):
        api(cdk.Stack(cdk.App(), "S"), code, policies=[{"Action": "s3:*"}])


# -------------------------------------------------------------------------------------- handler
def test_a_handler_module_missing_from_the_code_directory_is_named(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    with pytest.raises(PatternValidationError) as error:
        ApiToLambda(
            cdk.Stack(cdk.App(), "S"),
            "Api",
            function=FunctionSpec(code=code, handler="handlers.users.get"),
        )
    message = str(error.value)
    assert "module 'handlers.users' is not in the code directory" in message
    assert str(tmp_path / "h" / "handlers" / "users.py") in message


@pytest.mark.parametrize(
    ("files", "handler"), [(["pkg/mod.py"], "pkg.mod.fn"), (["pkg/__init__.py"], "pkg.fn")]
)
def test_handlers_in_packages_are_found(tmp_path: Path, files: list[str], handler: str) -> None:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("def fn(event, context):\n    return {}\n")
    assert FunctionSpec(code=str(tmp_path), handler=handler).problems("function") == []


# ---------------------------------------------------------------------------------------- layers
def test_add_layers_gives_every_function_of_a_pattern_the_layer(tmp_path: Path) -> None:
    code = write_handler(tmp_path / "h")
    (tmp_path / "h" / "other.py").write_text("def handler(event, context):\n    return {}\n")

    def build(stack: cdk.Stack) -> None:
        layer = lambda_.LayerVersion(
            stack,
            "Shared",
            code=lambda_.Code.from_asset(code),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_14],
        )
        pattern = ApiToLambda(
            stack,
            "Api",
            routes={
                "GET /a": FunctionSpec(code=code, handler="app.handler"),
                "GET /b": FunctionSpec(code=code, handler="other.handler"),
            },
            api_type=ApiType.HTTP,
        )
        pattern.add_layers(layer)

    s = synth(build)
    layer_id = next(iter(s.resources("AWS::Lambda::LayerVersion")))
    functions = s.resources("AWS::Lambda::Function").values()
    assert len(functions) == 2
    for fn in functions:
        assert fn["Properties"]["Layers"][-1] == {"Ref": layer_id}
