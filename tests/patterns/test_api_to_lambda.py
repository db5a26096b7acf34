"""ApiToLambda: snapshots, documented defaults, validation, rule packs and cfn-lint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito

from serverless_patterns import (
    AlarmThresholds,
    ApiToLambda,
    ApiType,
    Authorization,
    Cors,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
)
from tests.support import Synthesized, pattern_tests

HANDLER = str(Path(__file__).parent.parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=kwargs.pop("handler", "app.handler"), **kwargs)


def build_default(stack: cdk.Stack) -> None:
    ApiToLambda(
        stack,
        "UsersApi",
        routes={
            "GET /users/{id}": spec(),
            "POST /users": spec(handler="app.create"),
        },
    )


def build_maximal(stack: cdk.Stack) -> None:
    hook = cdk.aws_lambda.Function.from_function_arn(
        stack, "Hook", "arn:aws:lambda:us-east-1:123456789012:function:pre-traffic"
    )
    ApiToLambda(
        stack,
        "Api",
        routes={
            "GET /items": spec(
                memory_size=1024,
                timeout=cdk.Duration.seconds(20),
                reserved_concurrency=50,
                provisioned_concurrency=2,
                environment={"TABLE": "items"},
            ),
            "GET /items/{id}": spec(handler="app.get"),
            "DELETE /items/{id}": spec(handler="app.get"),
            "ANY /proxy/{path+}": spec(handler="app.any", architecture=cdk.aws_lambda.Architecture.X86_64),
        },
        authorization=Authorization.lambda_authorizer(spec(handler="app.authorize")),
        cors=Cors(allow_origins=["https://app.example.com"]),
        throttling_rate_limit=50,
        throttling_burst_limit=100,
        stage_name="live",
        web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/abc",
        account_logging_role=False,
        access_log_retention=cdk.aws_logs.RetentionDays.THREE_MONTHS,
        deployment=DeploymentStrategy.linear(20, 2, pre_traffic_hook=hook),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(latency_p99_ms=1500, errors=3)),
    )


def build_http(stack: cdk.Stack) -> None:
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_abc123")
    ApiToLambda(
        stack,
        "HttpApi",
        function=spec(),
        api_type=ApiType.HTTP,
        authorization=Authorization.cognito(pool, scopes=["api/read"]),
        cors=Cors(allow_origins=["*"]),
        deployment=DeploymentStrategy.none(),
    )


# ---------------------------------------------------------------- configurations and gates
globals().update(
    pattern_tests(
        configs={"default": build_default, "maximal": build_maximal, "http": build_http},
        snapshots=("default", "maximal"),
    )
)


# ---------------------------------------------------------------- documented defaults
def functions(s: Synthesized) -> list[dict[str, Any]]:
    return [r["Properties"] for r in s.resources("AWS::Lambda::Function").values()]


def test_function_defaults(default: Synthesized) -> None:
    fns = functions(default)
    assert len(fns) == 2
    for fn in fns:
        assert fn["Runtime"] == "python3.14"
        assert fn["Architectures"] == ["arm64"]
        assert fn["MemorySize"] == 512
        assert fn["Timeout"] == 10
        assert fn["TracingConfig"] == {"Mode": "Active"}
        assert fn["LoggingConfig"]["LogFormat"] == "JSON"
        assert "LogGroup" in fn["LoggingConfig"]
        env = fn["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "UsersApi"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ServerlessPatterns"


def test_log_groups_have_retention(default: Synthesized) -> None:
    groups = default.resources("AWS::Logs::LogGroup")
    assert len(groups) == 3  # one per function and the access logs
    assert {g["Properties"]["RetentionInDays"] for g in groups.values()} == {30}


def test_roles_are_least_privilege(default: Synthesized) -> None:
    lambda_roles = [
        r
        for r in default.resources("AWS::IAM::Role").values()
        if "lambda.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(lambda_roles) == 2
    for role in lambda_roles:
        assert "ManagedPolicyArns" not in role["Properties"]
    for policy in default.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith("logs:") for a in actions):
                # the function's own log group, never logs:* on *
                assert statement["Resource"] != "*"
                assert "Fn::GetAtt" in statement["Resource"]
            else:
                assert set(actions) <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_integrations_target_live_alias(default: Synthesized) -> None:
    aliases = default.resources("AWS::Lambda::Alias")
    assert {a["Properties"]["Name"] for a in aliases.values()} == {"live"}
    methods = [
        m
        for m in default.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS"
    ]
    assert len(methods) == 2
    for method in methods:
        uri = str(method["Properties"]["Integration"]["Uri"])
        assert any(alias_id in uri for alias_id in aliases), uri
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert "RequestValidatorId" in method["Properties"]


def test_stage_defaults(default: Synthesized) -> None:
    (stage,) = default.resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "prod"
    assert props["TracingEnabled"] is True
    assert props["AccessLogSetting"]["Format"].startswith("{")
    (settings,) = props["MethodSettings"]
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    assert settings["ThrottlingRateLimit"] == 100
    assert settings["ThrottlingBurstLimit"] == 200


def test_canary_deployment_rolls_back_on_alarms(default: Synthesized) -> None:
    groups = default.resources("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == 2
    for group in groups.values():
        props = group["Properties"]
        assert props["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert props["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in props["AutoRollbackConfiguration"]["Events"]
        assert props["AlarmConfiguration"]["Enabled"] is True
        # function errors and throttles plus the API's 5XX rate and p99 latency
        assert len(props["AlarmConfiguration"]["Alarms"]) == 4


def test_alarms_notify_the_encrypted_topic(default: Synthesized) -> None:
    alarms = default.resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 2 + 2 * 2
    ((topic_id, topic),) = default.resources("AWS::SNS::Topic").items()
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": topic_id}]
        assert props["TreatMissingData"] == "notBreaching"
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    thresholds = sorted(a["Properties"]["Threshold"] for a in alarms.values())
    assert thresholds == [1, 1, 1, 1, 1, 3000]  # AlarmThresholds defaults
    assert default.count("AWS::CloudWatch::Dashboard") == 1
    policy = next(iter(default.resources("AWS::SNS::TopicPolicy").values()))
    assert "aws:SecureTransport" in str(policy)


def test_maximal_options_are_applied(maximal: Synthesized) -> None:
    fns = functions(maximal)
    items = next(f for f in fns if f.get("MemorySize") == 1024)
    assert items["Timeout"] == 20 and items["ReservedConcurrentExecutions"] == 50
    assert items["Environment"]["Variables"]["TABLE"] == "items"
    assert any(f["Architectures"] == ["x86_64"] for f in fns)
    # GET and DELETE /items/{id} share one function; plus the authorizer
    assert len(fns) == 4
    provisioned = [
        a
        for a in maximal.resources("AWS::Lambda::Alias").values()
        if "ProvisionedConcurrencyConfig" in a["Properties"]
    ]
    assert len(provisioned) == 1
    assert maximal.count("AWS::WAFv2::WebACLAssociation") == 1
    assert maximal.count("AWS::ApiGateway::Account") == 0
    assert maximal.count("AWS::CodeDeploy::DeploymentConfig") == 1  # linear 20% every 2 minutes
    assert maximal.count("AWS::ApiGateway::Authorizer") == 1
    thresholds = sorted(
        {a["Properties"]["Threshold"] for a in maximal.resources("AWS::CloudWatch::Alarm").values()}
    )
    assert 1500 in thresholds and 3 in thresholds
    (stage,) = maximal.resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["StageName"] == "live"
    groups = maximal.resources("AWS::CodeDeploy::DeploymentGroup").values()
    assert all("AlarmConfiguration" in g["Properties"] for g in groups)


def test_http_api(http: Synthesized) -> None:
    assert http.count("AWS::ApiGatewayV2::Api") == 1
    assert http.count("AWS::CodeDeploy::DeploymentGroup") == 0  # DeploymentStrategy.none()
    routes = http.resources("AWS::ApiGatewayV2::Route")
    assert {r["Properties"]["RouteKey"] for r in routes.values()} == {"ANY /", "ANY /{proxy+}"}
    for route in routes.values():
        assert route["Properties"]["AuthorizationType"] == "JWT"
        assert route["Properties"]["AuthorizationScopes"] == ["api/read"]
    (stage,) = http.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"] == 100
    assert "AccessLogSettings" in stage["Properties"]


def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    api = ApiToLambda(stack, "Api", function=spec())
    assert api.function is api.functions["ANY /{proxy+}"]
    assert api.alias.alias_name == "live"
    assert isinstance(api.api, cdk.aws_apigateway.RestApi)
    assert api.access_log_group is not None
    assert len(api.alarms) == 4
    multi = ApiToLambda(stack, "Multi", routes={"GET /a": spec(), "GET /b": spec(handler="app.b")})
    with pytest.raises(AttributeError, match="2 functions"):
        _ = multi.function


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    ApiToLambda(cdk.Stack(app, "S"), "Api", **props)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "give routes"),
        ({"routes": {"GET /a": spec()}, "function": spec()}, "either routes or function, not both"),
        ({"routes": {}}, "at least one route"),
        ({"routes": {"GET/a": spec()}}, "keys must be 'METHOD /path'"),
        ({"routes": {"FETCH /a": spec()}}, "method in 'FETCH /a' must be one of"),
        ({"routes": {"GET a": spec()}}, "must start with '/'"),
        ({"routes": {"GET /a/{p+}/b": spec()}}, "greedy parameter"),
        ({"routes": {"GET /a b": spec()}}, "keys must be 'METHOD /path'"),
        ({"routes": {"GET /a/{x}": spec(), "GET /a/{y}": spec()}}, "duplicates another route"),
        ({"function": spec(memory_size=64)}, r"function.memory_size must be 128..10240 MB, got 64"),
        ({"function": spec(memory_size=20000)}, r"memory_size must be 128..10240 MB, got 20000"),
        (
            {"function": spec(timeout=cdk.Duration.seconds(60))},
            r"timeout must be <= 29 seconds behind a REST API",
        ),
        ({"function": spec(timeout=cdk.Duration.minutes(20))}, r"timeout must be 1..900 seconds, got 1200"),
        ({"function": spec(handler="nohandler")}, "handler must look like 'module.function'"),
        ({"function": FunctionSpec(code="does/not/exist", handler="a.b")}, "code must be a directory"),
        ({"function": spec(environment={"AWS_REGION": "x"})}, "reserved variable 'AWS_REGION'"),
        (
            {"function": spec(reserved_concurrency=1, provisioned_concurrency=2)},
            "provisioned_concurrency must be <=",
        ),
        (
            {"function": spec(), "deployment": DeploymentStrategy.canary(0)},
            r"deployment.percent must be 1..99, got 0",
        ),
        (
            {"function": spec(), "deployment": DeploymentStrategy.canary(100)},
            r"deployment.percent must be 1..99, got 100",
        ),
        ({"function": spec(), "throttling_rate_limit": 0}, "throttling_rate_limit must be 1..10000"),
        ({"function": spec(), "api_type": "graphql"}, "api_type must be one of rest, http"),
        (
            {"function": spec(), "api_type": ApiType.HTTP, "authorization": Authorization.api_key()},
            "api_key is only supported by REST",
        ),
        (
            {"function": spec(), "cors": Cors(allow_origins=["app.example.com"])},
            "cors.allow_origins entries must be",
        ),
        (
            {"routes": {"OPTIONS /a": spec()}, "cors": Cors(allow_origins=["*"])},
            "conflicts with the CORS preflight",
        ),
        ({"function": spec(), "stage_name": "my stage"}, "stage_name must be"),
        ({"function": spec(), "web_acl_arn": "webacl"}, "web_acl_arn must be a WAFv2 web ACL ARN"),
        (
            {"function": spec(), "monitoring": MonitoringOptions(thresholds=AlarmThresholds(errors=-1))},
            "thresholds.errors must be a number >= 0",
        ),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_every_problem_in_one_error() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(function=spec(memory_size=1, handler="x"), throttling_burst_limit=-1)
    assert len(raised.value.problems) == 3
    assert isinstance(raised.value, ValueError)


def test_tokens_are_not_validated() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    memory = cdk.CfnParameter(stack, "Memory", type="Number").value_as_number
    ApiToLambda(stack, "Api", function=spec(memory_size=memory))
    resources = app.synth().get_stack_by_name("S").template["Resources"].values()
    (function,) = (r["Properties"] for r in resources if r["Type"] == "AWS::Lambda::Function")
    assert function["MemorySize"] == {"Ref": "Memory"}  # passed through unchecked, not dropped
