"""OrchestratedPipeline: snapshots, documented defaults, ASL rebinding, validation, rule packs,
cfn-lint, and the example handlers as plain Python."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
)
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Retry, Step, Trigger
from tests.support import Synthesized, pattern_tests

ROOT = Path(__file__).parent.parent.parent
HANDLER = str(ROOT / "tests" / "fixtures" / "handlers" / "echo")
WORKFLOWS = ROOT / "examples" / "workflows"
HANDLERS = ROOT / "examples" / "handlers"
TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
ORDER_FUNCTIONS = ("validateOrder", "checkInventory", "processPayment", "shipOrder")


def spec(**kwargs: Any) -> FunctionSpec:
    return FunctionSpec(code=HANDLER, handler=kwargs.pop("handler", "app.handler"), **kwargs)


def build_default(stack: cdk.Stack) -> None:
    OrchestratedPipeline(
        stack,
        "Etl",
        steps=[
            Step("ExtractData", spec()),
            Step("TransformData", spec(handler="app.transform")),
            Step("LoadData", spec(handler="app.load")),
        ],
    )


def build_maximal(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "OpsKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "OpsTopic", master_key=key, enforce_ssl=True)
    bus = events.EventBus(stack, "Bus")
    OrchestratedPipeline(
        stack,
        "Pipeline",
        steps=[
            Step(
                "ExtractData",
                spec(memory_size=1024, timeout=cdk.Duration.seconds(60)),
                retry=Retry(
                    errors=["Lambda.TooManyRequestsException"],
                    interval=cdk.Duration.seconds(2),
                    max_attempts=3,
                    backoff_rate=2.0,
                ),
            ),
            Step(
                "TransformData",
                spec(handler="app.transform"),
                retry=[
                    Retry(
                        errors=["TransientTransformError"], max_delay=cdk.Duration.seconds(30), jitter=False
                    )
                ],
                catch={"TransformError": "NotifyError", "EmptyBatch": "NotifySuccess"},
            ),
            Step(
                "LoadData",
                spec(handler="app.load"),
                retry=Retry(errors=["States.ALL"], max_attempts=2),
                catch={"States.ALL": "NotifyError"},
            ),
        ],
        notify_success=True,
        notify_failure=True,
        notification_topic=topic,
        state_machine_type=sfn.StateMachineType.EXPRESS,
        timeout=cdk.Duration.minutes(2),
        log_level=sfn.LogLevel.ERROR,
        include_execution_data=True,
        log_retention=cdk.aws_logs.RetentionDays.THREE_MONTHS,
        triggers=[
            Trigger.on_schedule("cron(0 2 * * ? *)", input={"source": "nightly"}),
            Trigger.on_schedule("rate(1 hour)"),
            Trigger.on_event(
                events.EventPattern(source=["shop.orders"]), event_bus=bus, input_path="$.detail"
            ),
            Trigger.api(
                path="/pipelines/etl",
                throttling_rate_limit=5,
                throttling_burst_limit=10,
                stage_name="live",
                account_logging_role=False,
                web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/abc",
                request_schema=apigw.JsonSchema(
                    schema=apigw.JsonSchemaVersion.DRAFT4,
                    type=apigw.JsonSchemaType.OBJECT,
                    required=["date"],
                    properties={"date": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING)},
                ),
            ),
        ],
        deployment=DeploymentStrategy.none(),
        monitoring=MonitoringOptions(thresholds=AlarmThresholds(executions_failed=3, errors=2)),
    )


def order_functions() -> dict[str, FunctionSpec]:
    return {name: spec(handler=f"app.{name}") for name in ORDER_FUNCTIONS}


def build_asl(stack: cdk.Stack) -> None:
    """Both workflows from plain ASL files, as the Step Functions console exports them."""
    OrchestratedPipeline(
        stack,
        "Orders",
        definition_file=WORKFLOWS / "order_workflow.asl.json",
        functions=order_functions(),
        triggers=[Trigger.api(path="/orders")],
    )
    OrchestratedPipeline(
        stack,
        "EtlFromFile",
        definition_file=WORKFLOWS / "etl_pipeline.asl.json",
        functions={
            name: spec(handler=f"app.{name}") for name in ("ExtractData", "TransformData", "LoadData")
        },
        triggers=[Trigger.on_schedule("cron(0 2 * * ? *)")],
    )


# ---------------------------------------------------------------- configurations and gates
globals().update(
    pattern_tests(
        configs={"default": build_default, "maximal": build_maximal, "asl": build_asl},
        snapshots=("default", "maximal"),
    )
)


# ---------------------------------------------------------------- helpers
def machines(s: Synthesized) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in s.resources("AWS::StepFunctions::StateMachine").items()}


def only_machine(s: Synthesized) -> dict[str, Any]:
    (props,) = machines(s).values()
    return props


def definition(props: dict[str, Any]) -> dict[str, Any]:
    return json.loads(props["DefinitionString"])  # type: ignore[no-any-return]


def role_policies(s: Synthesized, machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The state machine role's policies, by logical ID."""
    role_id = machine["RoleArn"]["Fn::GetAtt"][0]
    return {
        k: p
        for k, p in s.resources("AWS::IAM::Policy").items()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    }


def machine_policy(s: Synthesized, machine: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of the role's default policy, where every grant lands."""
    (policy,) = (p for k, p in role_policies(s, machine).items() if "DefaultPolicy" in k)
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def test_wildcard_statements_are_in_policies_of_their_own(default: Synthesized) -> None:
    (machine,) = (m["Properties"] for m in default.resources("AWS::StepFunctions::StateMachine").values())
    policies = role_policies(default, machine)
    wildcards = {
        k.split("Role", 1)[1][:-8]: p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in policies.items()
        if "DefaultPolicy" not in k
    }
    assert set(wildcards) == {"LogDeliveryPolicy", "TracingPolicy"}
    for statements in wildcards.values():
        assert len(statements) == 1 and statements[0]["Resource"] == "*"
    assert wildcards["TracingPolicy"][0]["Action"] == [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    ]
    assert all(st["Resource"] != "*" for st in machine_policy(default, machine))
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"


def metric_of(alarm: dict[str, Any]) -> dict[str, Any]:
    """The metric an alarm watches, in either of the forms CloudFormation takes."""
    if "MetricName" in alarm:
        return {
            "MetricName": alarm["MetricName"],
            "Namespace": alarm["Namespace"],
            "Dimensions": alarm.get("Dimensions", []),
        }
    stats = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
    return stats[0] if len(stats) == 1 else {"MetricName": None, "Namespace": None, "Dimensions": []}


def alarm_metrics(s: Synthesized) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (a["Properties"], metric_of(a["Properties"])) for a in s.resources("AWS::CloudWatch::Alarm").values()
    ]


def statement_for(statements: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (found,) = (
        s for s in statements if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    )
    return found


# ---------------------------------------------------------------- documented defaults
def test_state_machine_defaults(default: Synthesized) -> None:
    machine = only_machine(default)
    assert machine.get("StateMachineType", "STANDARD") == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    logging = machine["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    assert "TimeoutSeconds" not in definition(machine)  # Standard: no execution timeout by default
    retention = {
        g["Properties"]["RetentionInDays"] for g in default.resources("AWS::Logs::LogGroup").values()
    }
    assert retention == {30}


def test_steps_run_in_order_through_live_aliases(default: Synthesized) -> None:
    machine = only_machine(default)
    asl = definition(machine)
    assert asl["StartAt"] == "ExtractData"
    states = asl["States"]
    assert states["ExtractData"]["Next"] == "TransformData"
    assert states["TransformData"]["Next"] == "LoadData"
    assert states["LoadData"]["End"] is True
    aliases = default.resources("AWS::Lambda::Alias")
    assert {a["Properties"]["Name"] for a in aliases.values()} == {"live"}
    substitutions = machine["DefinitionSubstitutions"]
    for name in ("ExtractData", "TransformData", "LoadData"):
        assert states[name]["Parameters"]["FunctionName"] == f"${{Function_{name}}}"
        assert states[name]["Resource"] == "${States_lambda_invoke}"
        assert substitutions[f"Function_{name}"]["Ref"] in aliases
    assert "Partition" in json.dumps(substitutions["States_lambda_invoke"])


def test_default_retry_on_transient_lambda_errors(default: Synthesized) -> None:
    states = definition(only_machine(default))["States"]
    for name in ("ExtractData", "TransformData", "LoadData"):
        assert states[name]["Retry"] == [
            {
                "ErrorEquals": TRANSIENT,
                "IntervalSeconds": 2,
                "MaxAttempts": 6,
                "BackoffRate": 2.0,
                "JitterStrategy": "FULL",
            }
        ]


def test_failure_path_notifies_then_fails(default: Synthesized) -> None:
    machine = only_machine(default)
    states = definition(machine)["States"]
    for name in ("ExtractData", "TransformData", "LoadData"):
        assert states[name]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "Next": "NotifyError", "ResultPath": "$.error"}
        ]
    notify = states["NotifyError"]
    assert notify["Parameters"]["TopicArn"] == "${Topic_Notifications}"
    assert notify["Next"] == "PipelineFailed"
    assert states["PipelineFailed"] == {
        "Type": "Fail",
        "Comment": "Fails the execution with the error of the step that failed",
        "ErrorPath": "$.error.Error",
        "CausePath": "$.error.Cause",
    }
    assert "NotifySuccess" not in states  # notify_success defaults to False
    topics = default.resources("AWS::SNS::Topic")
    topic_id = machine["DefinitionSubstitutions"]["Topic_Notifications"]["Ref"]
    topic = topics[topic_id]["Properties"]
    assert "KmsMasterKeyId" in topic
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert default.resources("AWS::KMS::Key")[key_id]["Properties"]["EnableKeyRotation"] is True
    policies = [
        p
        for p in default.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    assert "aws:SecureTransport" in json.dumps(policies)


def test_role_invokes_only_live_aliases_and_publishes_only_to_its_topic(default: Synthesized) -> None:
    machine = only_machine(default)
    statements = machine_policy(default, machine)
    invoke = statement_for(statements, "lambda:InvokeFunction")
    aliases = set(default.resources("AWS::Lambda::Alias"))
    assert {r["Ref"] for r in invoke["Resource"]} == aliases
    publish = statement_for(statements, "sns:Publish")
    assert publish["Resource"] == machine["DefinitionSubstitutions"]["Topic_Notifications"]
    kms_statement = statement_for(statements, "kms:GenerateDataKey")
    assert kms_statement["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert "Fn::GetAtt" in kms_statement["Resource"]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Resource"] == "*":
            assert all(a.startswith(("logs:", "xray:")) for a in actions), statement


def test_no_trigger_by_default(default: Synthesized) -> None:
    assert default.count("AWS::Events::Rule") == 0
    assert default.count("AWS::ApiGateway::RestApi") == 0
    assert default.count("AWS::SQS::Queue") == 0


def test_alarms(default: Synthesized) -> None:
    alarms = alarm_metrics(default)
    states = {m["MetricName"]: (a, m) for a, m in alarms if m["Namespace"] == "AWS/States"}
    assert set(states) == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionThrottled",
        "ExecutionsAborted",
    }
    for alarm, metric in states.values():
        assert alarm["Threshold"] == 1
        assert metric["Dimensions"][0]["Name"] == "StateMachineArn"
    by_namespace: dict[str, list[str]] = {}
    for _alarm, metric in alarms:
        by_namespace.setdefault(metric["Namespace"], []).append(metric["MetricName"])
    assert sorted(by_namespace["AWS/Lambda"]) == ["Errors"] * 3 + ["Throttles"] * 3
    assert by_namespace["AWS/SNS"] == ["NumberOfNotificationsFailed"]
    assert len(alarms) == 4 + 6 + 1
    for alarm, _metric in alarms:
        assert len(alarm["AlarmActions"]) == 1
    assert default.count("AWS::CloudWatch::Dashboard") == 1


def test_canary_deployment_per_step_function(default: Synthesized) -> None:
    groups = default.resources("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == 3
    for group in groups.values():
        props = group["Properties"]
        assert props["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert len(props["AlarmConfiguration"]["Alarms"]) == 2  # the function's errors and throttles


# ---------------------------------------------------------------- maximal
def test_maximal_state_machine(maximal: Synthesized) -> None:
    machine = only_machine(maximal)
    assert machine["StateMachineType"] == "EXPRESS"
    assert machine["LoggingConfiguration"]["Level"] == "ERROR"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True
    asl = definition(machine)
    assert asl["TimeoutSeconds"] == 120
    states = asl["States"]
    assert states["LoadData"]["Next"] == "NotifySuccess"
    assert states["NotifySuccess"]["End"] is True
    # the user's retriers first, then the default for transient errors they do not name
    assert states["ExtractData"]["Retry"] == [
        {
            "ErrorEquals": ["Lambda.TooManyRequestsException"],
            "IntervalSeconds": 2,
            "MaxAttempts": 3,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        },
        {
            "ErrorEquals": TRANSIENT[:3],
            "IntervalSeconds": 2,
            "MaxAttempts": 6,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        },
    ]
    assert states["TransformData"]["Retry"][0] == {
        "ErrorEquals": ["TransientTransformError"],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2.0,
        "JitterStrategy": "NONE",
        "MaxDelaySeconds": 30,
    }
    assert [r["ErrorEquals"] for r in states["LoadData"]["Retry"]] == [["States.ALL"]]
    assert [c["Next"] for c in states["TransformData"]["Catch"]] == [
        "NotifyError",
        "NotifySuccess",
        "NotifyError",
    ]
    assert states["LoadData"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "NotifyError", "ResultPath": "$.error"}
    ]
    groups = [g["Properties"] for g in maximal.resources("AWS::Logs::LogGroup").values()]
    assert {g["RetentionInDays"] for g in groups} >= {90}


def test_maximal_uses_the_given_topic(maximal: Synthesized) -> None:
    machine = only_machine(maximal)
    topics = maximal.resources("AWS::SNS::Topic")
    given = next(k for k in topics if k.startswith("OpsTopic"))
    assert machine["DefinitionSubstitutions"]["Topic_Notifications"] == {"Ref": given}
    statements = machine_policy(maximal, machine)
    assert statement_for(statements, "sns:Publish")["Resource"] == {"Ref": given}
    key = next(k for k in maximal.resources("AWS::KMS::Key") if k.startswith("OpsKey"))
    assert statement_for(statements, "kms:Decrypt")["Resource"] == {"Fn::GetAtt": [key, "Arn"]}
    assert maximal.count("AWS::SNS::Topic") == 2  # the given topic and the alarm topic
    assert maximal.count("AWS::CodeDeploy::DeploymentGroup") == 0


def test_maximal_event_rules_have_a_dead_letter_queue(maximal: Synthesized) -> None:
    rules = [r["Properties"] for r in maximal.resources("AWS::Events::Rule").values()]
    assert len(rules) == 3
    queues = maximal.resources("AWS::SQS::Queue")
    (queue_id,) = queues
    assert queues[queue_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for rule in rules:
        (target,) = rule["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
        assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 8}
    expressions = sorted(r.get("ScheduleExpression", "") for r in rules)
    assert expressions == ["", "cron(0 2 * * ? *)", "rate(1 hour)"]
    (with_input,) = (r for r in rules if "Input" in r["Targets"][0])
    assert json.loads(with_input["Targets"][0]["Input"]) == {"source": "nightly"}
    (on_bus,) = (r for r in rules if "EventPattern" in r)
    assert "EventBusName" in on_bus
    assert any(m["MetricName"] == "ApproximateNumberOfMessagesVisible" for _a, m in alarm_metrics(maximal))


def test_maximal_api_trigger(maximal: Synthesized) -> None:
    (method,) = maximal.resources("AWS::ApiGateway::Method").values()
    props = method["Properties"]
    assert props["HttpMethod"] == "POST"
    assert props["AuthorizationType"] == "AWS_IAM"
    assert "RequestValidatorId" in props
    assert props["Integration"]["Type"] == "AWS"
    assert "states:action/StartExecution" in json.dumps(props["Integration"]["Uri"])
    (model,) = maximal.resources("AWS::ApiGateway::Model").values()
    assert model["Properties"]["Schema"]["required"] == ["date"]
    (stage,) = maximal.resources("AWS::ApiGateway::Stage").values()
    stage_props = stage["Properties"]
    assert stage_props["StageName"] == "live"
    assert stage_props["TracingEnabled"] is True
    assert "AccessLogSetting" in stage_props
    (settings,) = stage_props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == 5 and settings["ThrottlingBurstLimit"] == 10
    assert settings["LoggingLevel"] == "ERROR"
    assert maximal.count("AWS::WAFv2::WebACLAssociation") == 1
    assert maximal.count("AWS::ApiGateway::Account") == 0
    api_roles = [
        r
        for r in maximal.resources("AWS::IAM::Role").values()
        if "apigateway.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(api_roles) == 1
    thresholds = {m["MetricName"]: a["Threshold"] for a, m in alarm_metrics(maximal)}
    assert thresholds["ExecutionsFailed"] == 3 and thresholds["Errors"] == 2
    assert any("API: 5XX rate >= 1%" in a["AlarmDescription"] for a, _m in alarm_metrics(maximal))


# ---------------------------------------------------------------- ASL files
def machine_named(s: Synthesized, prefix: str) -> dict[str, Any]:
    return next(props for key, props in machines(s).items() if key.startswith(prefix))


def test_order_workflow_is_rebound_by_name(asl: Synthesized) -> None:
    machine = machine_named(asl, "Orders")
    states = definition(machine)["States"]
    original = json.loads((WORKFLOWS / "order_workflow.asl.json").read_text())["States"]
    assert set(states) == set(original)
    assert states["ValidateOrder"]["Parameters"]["FunctionName"] == "${Function_validateOrder}"
    assert states["ProcessPayment"]["Resource"] == "${Function_processPayment}"  # a Lambda ARN as Resource
    for name in ("NotifyOutOfStock", "NotifyPaymentDeclined", "NotifyOrderShipped", "NotifyFailure"):
        assert states[name]["Parameters"]["TopicArn"] == "${Topic_OrderNotifications}"
        assert isinstance(states[name]["Parameters"]["Message"], dict)
    assert states["IsInStock"] == original["IsInStock"]
    assert states["IsPaymentApproved"]["Choices"][0]["Variable"] == "$.paymentApproved"
    # Retry as written where the file has one; the default retrier where it has none
    assert states["ProcessPayment"]["Retry"] == original["ProcessPayment"]["Retry"]
    assert states["CheckInventory"]["Retry"][0]["ErrorEquals"] == TRANSIENT
    assert states["ShipOrder"]["Retry"][0]["JitterStrategy"] == "FULL"
    assert "Retry" not in states["NotifyFailure"]
    aliases = asl.resources("AWS::Lambda::Alias")
    substitutions = machine["DefinitionSubstitutions"]
    assert set(substitutions) == {f"Function_{n}" for n in ORDER_FUNCTIONS} | {
        "Topic_OrderNotifications",
        "States_lambda_invoke",  # service integrations in the stack's partition, as steps have them
        "States_sns_publish",
    }
    invoke = statement_for(machine_policy(asl, machine), "lambda:InvokeFunction")
    assert len(invoke["Resource"]) == 4
    assert all(r["Ref"] in aliases for r in invoke["Resource"])
    assert "arn:aws:lambda:us-west-2" not in machine["DefinitionString"]
    assert "arn:aws:sns:us-west-2" not in machine["DefinitionString"]


def test_etl_workflow_file_is_rebound_by_name(asl: Synthesized) -> None:
    machine = machine_named(asl, "EtlFromFile")
    states = definition(machine)["States"]
    assert states["ExtractData"]["Resource"] == "${Function_ExtractData}"
    assert states["ExtractData"]["Retry"][0]["ErrorEquals"] == ["Lambda.TooManyRequestsException"]
    assert states["TransformData"]["Parameters"]["FunctionName"] == "${Function_TransformData}"
    assert states["LoadData"]["Retry"][0]["ErrorEquals"] == TRANSIENT  # added: the file has none
    assert states["NotifyError"]["Parameters"]["TopicArn"] == "${Topic_EtlNotifications}"
    assert states["NotifyError"]["Parameters"]["Message.$"].startswith("States.Format(")
    assert asl.count("AWS::Events::Rule") == 1
    assert asl.count("AWS::StepFunctions::StateMachine") == 2
    assert asl.count("AWS::SNS::Topic") == 3  # one per pipeline, and the alarm topic


# ---------------------------------------------------------------- public API
def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pipeline = OrchestratedPipeline(
        stack,
        "Orders",
        definition_file=WORKFLOWS / "order_workflow.asl.json",
        functions=order_functions(),
        monitoring=MonitoringOptions(dashboard=False),
        deployment=DeploymentStrategy.none(),
    )
    assert isinstance(pipeline.state_machine, sfn.StateMachine)
    assert set(pipeline.functions) == set(ORDER_FUNCTIONS)
    assert set(pipeline.aliases) == set(ORDER_FUNCTIONS)
    assert pipeline.aliases["shipOrder"].alias_name == "live"
    assert isinstance(pipeline.topic, sns.Topic)
    assert pipeline.log_group is not None
    assert len(pipeline.alarms) == 4 + 2 * 4 + 1
    assert pipeline.url is None and pipeline.api is None and pipeline.rules == []
    grantee = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(pipeline.grant_start_execution(grantee), iam.Grant)
    assert pipeline.metric_executions_failed().metric_name == "ExecutionsFailed"


def test_topics_in_the_file_can_be_the_users() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    mine = sns.Topic.from_topic_arn(stack, "Mine", "arn:aws:sns:us-east-1:123456789012:customer-updates")
    pipeline = OrchestratedPipeline(
        stack,
        "Orders",
        definition_file=WORKFLOWS / "order_workflow.asl.json",
        functions=order_functions(),
        topics={"OrderNotifications": mine},
        deployment=DeploymentStrategy.none(),
    )
    assert pipeline.topic is None  # every topic in the file is the user's: none is created
    cfn = pipeline.state_machine.node.default_child
    assert isinstance(cfn, sfn.CfnStateMachine)
    substitutions = stack.resolve(cfn.definition_substitutions)
    assert substitutions["Topic_OrderNotifications"] == "arn:aws:sns:us-east-1:123456789012:customer-updates"


def test_nested_states_are_rebound(tmp_path: Path) -> None:
    body = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Next": "Each",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": task("one")}},
                    {
                        "StartAt": "Right",
                        "States": {
                            "Right": {
                                **task(),
                                "Resource": "arn:aws:lambda:us-west-2:123456789012:function:two:prod",
                            }
                        },
                    },
                ],
            },
            "Each": {
                "Type": "Map",
                "End": True,
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": task("one")}},
            },
        },
    }
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pipeline = OrchestratedPipeline(
        stack,
        "Nested",
        definition_file=asl_file(tmp_path, body),
        functions={"one": spec(), "two": spec(handler="app.two")},
        deployment=DeploymentStrategy.none(),
    )
    cfn = pipeline.state_machine.node.default_child
    assert isinstance(cfn, sfn.CfnStateMachine)
    asl = json.loads(cfn.definition_string or "")
    left, right = (b["States"] for b in asl["States"]["Fan"]["Branches"])
    assert left["Left"]["Parameters"]["FunctionName"] == "${Function_one}"
    assert right["Right"]["Resource"] == "${Function_two}"
    item = asl["States"]["Each"]["ItemProcessor"]["States"]["Item"]
    assert item["Parameters"]["FunctionName"] == "${Function_one}"
    assert item["Retry"][0]["ErrorEquals"] == TRANSIENT
    assert set(stack.resolve(cfn.definition_substitutions)) == {
        "Function_one",
        "Function_two",
        "States_lambda_invoke",
    }
    assert pipeline.topic is None


def test_no_topic_without_notifications() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    pipeline = OrchestratedPipeline(
        stack,
        "Quiet",
        steps=[Step("Only", spec())],
        notify_failure=False,
        deployment=DeploymentStrategy.none(),
    )
    assert pipeline.topic is None


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    OrchestratedPipeline(cdk.Stack(app, "S"), "Pipeline", **props)


def asl_file(tmp_path: Path, body: Any) -> Path:
    path = tmp_path / "workflow.asl.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def task(function: str = "one", **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": f"arn:aws:lambda:us-west-2:123456789012:function:{function}",
            "Payload.$": "$",
        },
        **({"End": True} if "Next" not in extra else {}),
        **extra,
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "give steps"),
        (
            {"steps": [Step("A", spec())], "definition_file": "x.json"},
            "either steps or definition_file, not both",
        ),
        ({"steps": []}, "steps must have at least one Step"),
        ({"steps": [Step("A", spec()), Step("A", spec())]}, "name 'A' is used by more than one step"),
        ({"steps": [Step("has space", spec())]}, r"steps\[0\].name must be a letter"),
        ({"steps": [Step("NotifyError", spec())]}, "'NotifyError' is reserved"),
        ({"steps": [Step("A" * 81, spec())]}, "at most 80 characters"),
        (
            {"steps": [Step("A", spec(), catch={"Boom": "Nowhere"})]},
            r"steps\['A'\].catch\['Boom'\] names no state: 'Nowhere'",
        ),
        (
            {"steps": [Step("A", spec(), catch={"Boom": "NotifyError"})], "notify_failure": False},
            "names no state: 'NotifyError'",
        ),
        (
            {"steps": [Step("A", spec(), retry=Retry(max_attempts=-1))]},
            r"retry\[0\].max_attempts must be 0..99999999, got -1",
        ),
        (
            {"steps": [Step("A", spec(), retry=Retry(backoff_rate=0.5))]},
            r"backoff_rate must be >= 1.0, got 0.5",
        ),
        (
            {"steps": [Step("A", spec(), retry=Retry(interval=cdk.Duration.millis(1500)))]},
            "interval must be whole seconds",
        ),
        ({"steps": [Step("A", spec(), retry=Retry(errors=[]))]}, "errors must be a non-empty list"),
        (
            {"steps": [Step("A", spec(), retry=Retry(errors=["States.ALL", "X"]))]},
            "States.ALL must appear alone",
        ),
        (
            {"steps": [Step("A", spec(), retry=[Retry(errors=["States.ALL"]), Retry(errors=["X"])])]},
            "the retrier for States.ALL must be the last one",
        ),
        (
            {"steps": [Step("A", spec(memory_size=64))]},
            r"steps\['A'\].function.memory_size must be 128..10240 MB",
        ),
        (
            {"steps": [Step("A", spec())], "functions": {"x": spec()}},
            "functions, topics, resources and substitutions go with definition_file",
        ),
        (
            {
                "steps": [Step("A", spec())],
                "timeout": cdk.Duration.minutes(10),
                "state_machine_type": sfn.StateMachineType.EXPRESS,
            },
            r"timeout \(an Express workflow\) must be 1..300 seconds, got 600",
        ),
        (
            {"steps": [Step("A", spec())], "log_level": sfn.LogLevel.OFF},
            "log_level must be ALL, ERROR or FATAL",
        ),
        ({"steps": [Step("A", spec())], "log_level": "ALL"}, "log_level must be an sfn.LogLevel"),
        (
            {"steps": [Step("A", spec())], "state_machine_type": "EXPRESS"},
            "state_machine_type must be sfn.StateMachineType",
        ),
        (
            {"steps": [Step("A", spec())], "timeout": cdk.Duration.millis(1500)},
            r"timeout \(a Standard workflow\) must be whole seconds, got 1.5",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("cron(0 2 * * *)")]},
            "cron needs 6 fields",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("cron(0 2 * * * *)")]},
            "'\\?' in exactly one of day-of-month",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("rate(1 hours)")]},
            "rate\\(1 unit\\)",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("every day")]},
            "must be cron\\(...\\) or rate\\(...\\)",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_event(events.EventPattern())]},
            "event_pattern must be an events.EventPattern matching something",
        ),
        (
            {
                "steps": [Step("A", spec())],
                "triggers": [Trigger.on_event(events.EventPattern(source=["a"]), input_path="detail")],
            },
            r"triggers\[0\].input_path must be a JSONPath starting with '\$', got 'detail'",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(path="orders")]},
            r"triggers\[0\].path must be '/'",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(throttling_rate_limit=0)]},
            "throttling_rate_limit must be 1..10000",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(), Trigger.api()]},
            "at most one Trigger.api",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(web_acl_arn="acl")]},
            "web_acl_arn must be a WAFv2 web ACL ARN",
        ),
        (
            {"steps": [Step("A", spec())], "deployment": DeploymentStrategy.canary(0)},
            r"deployment.percent must be 1..99",
        ),
        (
            {
                "steps": [Step("A", spec())],
                "monitoring": MonitoringOptions(thresholds=AlarmThresholds(executions_failed=-1)),
            },
            "thresholds.executions_failed must be a number >= 0",
        ),
    ],
)
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


ONE = {"one": None}  # filled with spec() in the test


@pytest.mark.parametrize(
    ("body", "functions", "message"),
    [
        ("{not json", ONE, "is not JSON: Expecting property name"),
        ([1, 2], ONE, "is not Amazon States Language: expected an object with StartAt and States"),
        ({"Comment": "no states"}, ONE, "is not Amazon States Language"),
        ({"StartAt": "Missing", "States": {"A": task()}}, ONE, "StartAt 'Missing' names no state"),
        (
            {"StartAt": "A", "States": {"A": task(Next="Ghost")}},
            ONE,
            "state 'A': Next 'Ghost' names no state",
        ),
        (
            {"StartAt": "A", "States": {"A": task(), "B": task()}},
            ONE,
            "state 'B' is not reachable from StartAt 'A'",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Teleport", "End": True}}},
            ONE,
            "state 'A': Type must be one of",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Pass"}}},
            {},
            "state 'A' \\(Pass\\) needs exactly one of Next",
        ),
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.x", "BooleanEquals": True, "Next": "Nope"}],
                    }
                },
            },
            {},
            r"state 'A': Choices\[0\].Next 'Nope' names no state",
        ),
        (
            {"StartAt": "A", "States": {"A": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Gone"}])}},
            ONE,
            r"state 'A': Catch\[0\].Next 'Gone' names no state",
        ),
        (
            {
                "StartAt": "A",
                "States": {"A": task(Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -2, "BackoffRate": 0.5}])},
            },
            ONE,
            r"state 'A': Retry\[0\].MaxAttempts must be an integer 0..99999999, got -2",
        ),
        (
            {
                "StartAt": "A",
                "States": {"A": task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])},
            },
            ONE,
            "States.ALL must appear alone, in the last entry",
        ),
        (
            {"StartAt": "A", "States": {"A": task("two")}},
            ONE,
            "state 'A': Parameters.FunctionName names function 'two', which is not given; could bind it: "
            r"functions \('one'\)",
        ),
        (
            {"StartAt": "A", "States": {"A": task()}},
            {"one": None, "extra": None},
            "functions\\['extra'\\] is not called by any state",
        ),
        (
            {"StartAt": "A", "States": {"A": {**task(), "Parameters": {"FunctionName.$": "$.fn"}}}},
            ONE,
            "FunctionName is chosen at run time",
        ),
        (
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Parallel",
                        "End": True,
                        "Branches": [{"StartAt": "B", "States": {"B": task(Next="Outside")}}],
                    }
                },
            },
            ONE,
            "state 'P > branch 1 > B': Next 'Outside' names no state",
        ),
        (
            {"StartAt": "A", "States": {"A": task()}},
            {},
            r"names function 'one', which is not given; could bind it: functions \(none given\)",
        ),
    ],
)
def test_asl_validation(tmp_path: Path, body: Any, functions: dict[str, None], message: str) -> None:
    path = asl_file(tmp_path, body)
    with pytest.raises(PatternValidationError, match=message):
        make(definition_file=path, functions={name: spec() for name in functions})


def test_asl_validation_for_express(tmp_path: Path) -> None:
    body = {
        "StartAt": "A",
        "States": {"A": {**task(), "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"}},
    }
    with pytest.raises(PatternValidationError, match="Express workflows do not support"):
        make(
            definition_file=asl_file(tmp_path, body),
            functions={"one": spec()},
            state_machine_type=sfn.StateMachineType.EXPRESS,
        )


def test_asl_file_missing_and_notify_props() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(definition_file="does/not/exist.asl.json", functions={"one": spec()}, notify_success=True)
    text = str(raised.value)
    assert "must be a readable Amazon States Language file" in text
    assert "notify_success and notify_failure go with steps" in text


def test_every_problem_in_one_error() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(
            steps=[Step("A", spec(memory_size=1)), Step("A", spec(), catch={"X": "Nowhere"})],
            log_level=sfn.LogLevel.OFF,
        )
    assert len(raised.value.problems) == 4
    assert isinstance(raised.value, ValueError)


def test_tokens_are_not_validated_but_not_allowed_inside_the_definition() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    memory = cdk.CfnParameter(stack, "Memory", type="Number").value_as_number
    expression = cdk.CfnParameter(stack, "Schedule").value_as_string
    OrchestratedPipeline(
        stack,
        "Pipeline",
        steps=[Step("A", spec(memory_size=memory))],
        triggers=[Trigger.on_schedule(expression)],
        deployment=DeploymentStrategy.none(),
    )
    attempts = cdk.CfnParameter(stack, "Attempts", type="Number").value_as_number
    with pytest.raises(PatternValidationError, match="max_attempts must be a number, not a token"):
        retry = Retry(max_attempts=attempts)  # type: ignore[arg-type]
        OrchestratedPipeline(stack, "Tokens", steps=[Step("A", spec(), retry=retry)])


# ---------------------------------------------------------------- handlers, as plain Python
@dataclass
class Context:
    function_name: str = "handler"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:handler:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "test")
    added: list[str] = []
    modules_before = set(sys.modules)

    def load(directory: str, module: str) -> ModuleType:
        path = str(HANDLERS / directory)
        if path not in sys.path:
            sys.path.insert(0, path)
            added.append(path)
        spec_ = importlib.util.spec_from_file_location(
            f"_{directory}_{module}", os.path.join(path, f"{module}.py")
        )
        assert spec_ is not None and spec_.loader is not None
        loaded = importlib.util.module_from_spec(spec_)
        spec_.loader.exec_module(loaded)
        return loaded

    yield load
    for path in added:
        sys.path.remove(path)
    for name in set(sys.modules) - modules_before:  # the handlers' sibling modules (source, catalog)
        if str(getattr(sys.modules[name], "__file__", "")).startswith(str(HANDLERS)):
            del sys.modules[name]


SCHEDULED_EVENT = {
    "version": "0",
    "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-23T02:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/Etl-ScheduleRule"],
    "detail": {},
}


def test_etl_handlers_chain(load_handler: Any) -> None:
    extract = load_handler("etl", "extract")
    transform = load_handler("etl", "transform")
    load = load_handler("etl", "load")
    extracted = extract.handler(SCHEDULED_EVENT, Context())
    assert extracted["date"] == "2026-11-22"  # the day before the 02:00 run
    transformed = transform.handler(extracted, Context())
    assert transformed["rows"][0] == {
        "date": "2026-11-22",
        "sku": "BOOK-42",
        "country": "DE",
        "units": 3,
        "revenueCents": 5997,
    }
    loaded = load.handler(transformed, Context())
    assert loaded == {"date": "2026-11-22", "rowsLoaded": 2, "table": "daily_sales"}
    with pytest.raises(transform.TransformError, match="lacks"):
        transform.handler({"date": "2026-11-22", "orders": [{"orderId": "x"}]}, Context())


def test_order_handlers_follow_the_workflow(load_handler: Any) -> None:
    validate = load_handler("orders_workflow", "validate_order")
    inventory = load_handler("orders_workflow", "check_inventory")
    payment = load_handler("orders_workflow", "process_payment")
    ship = load_handler("orders_workflow", "ship_order")
    order = {"orderId": "o-1", "customerId": "c-9", "items": [{"sku": "BOOK-42", "quantity": 2}]}
    checked = inventory.handler(validate.handler(order, Context()), Context())
    assert checked["inStock"] is True and checked["missingItems"] == []
    paid = payment.handler(checked, Context())
    assert paid["paymentApproved"] is True and paid["amountCents"] == 3998
    assert ship.handler(paid, Context())["trackingNumber"].startswith("TRK")
    out = inventory.handler({**order, "items": [{"sku": "POSTER-1", "quantity": 1}]}, Context())
    assert out["inStock"] is False and out["missingItems"] == ["POSTER-1"]
    with pytest.raises(validate.InvalidOrder, match="customerId is required"):
        validate.handler({"orderId": "o-2", "items": []}, Context())


def test_event_trigger_passes_the_chosen_part_of_the_event(maximal: Synthesized) -> None:
    rules = [r for r in maximal.resources("AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    (rule,) = rules
    (target,) = rule["Properties"]["Targets"]
    assert target["InputPath"] == "$.detail"


def test_a_wildcard_added_to_the_state_machine_role_is_an_open_finding() -> None:
    """Widening the invoke grant to "*" is seen: no acknowledgment of the library's covers it."""
    from tests.support import synth

    def build(stack: cdk.Stack) -> None:
        pipeline = OrchestratedPipeline(stack, "Etl", steps=[Step("ExtractData", spec())])
        pipeline.state_machine.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=["*"])
        )

    findings = synth(build, gate=False).unacknowledged()
    assert findings == ["AwsSolutions-IAM5[Resource::*] on Test/Etl/Resource/Role/DefaultPolicy/Resource"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"steps": [Step("Load-Data", spec()), Step("Load_Data", spec())]},
            r"steps: 'Load-Data' and 'Load_Data' differ only in characters other than letters and digits",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("cron(99 99 * * ? *)")]},
            r"triggers\[0\]\.schedule cron minutes must be 0\.\.59, got 99",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("cron(0 2 * 13 ? *)")]},
            r"cron month must be 1\.\.12, got 13",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.on_schedule("cron(0 2 ? * 6#9 *)")]},
            r"cron day-of-week '#' must be 1\.\.5",
        ),
        (
            {"steps": [Step("A", spec())], "notify_success": "yes"},
            r"notify_success must be True, False or None",
        ),
        (
            {"steps": [Step("A", spec())], "include_execution_data": "yes"},
            r"include_execution_data must be True or False, got 'yes'",
        ),
        (
            {"steps": [Step("A", spec())], "log_retention": 30},
            r"log_retention must be a logs\.RetentionDays, got 30",
        ),
        (
            {"steps": [Step("A", spec())], "notification_topic": "arn:aws:sns:us-east-1:123456789012:t"},
            r"notification_topic must be an sns\.ITopic",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(stage_name=5)]},  # type: ignore[arg-type]
            r"triggers\[0\]\.stage_name must be 1\.\.128 letters, digits or underscores, got 5",
        ),
        (
            {"steps": [Step("A", spec())], "triggers": [Trigger.api(throttling_burst_limit=2.5)]},  # type: ignore[arg-type]
            r"throttling_burst_limit must be a whole number of requests, got 2\.5",
        ),
    ],
)
def test_props_that_used_to_pass_silently_or_raw(props: dict[str, Any], message: str) -> None:
    """Holes the validation corpus listed for this pattern: each is one clear error now."""
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_valid_cron_expressions_pass() -> None:
    expressions = ["cron(0 2 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 10 ? * 6#3 2026-2030)"]
    app = cdk.App()
    OrchestratedPipeline(
        cdk.Stack(app, "S"),
        "Pipeline",
        steps=[Step("A", spec())],
        triggers=[Trigger.on_schedule(e) for e in expressions],
    )
    resources = app.synth().get_stack_by_name("S").template["Resources"].values()
    assert sorted(
        r["Properties"]["ScheduleExpression"] for r in resources if r["Type"] == "AWS::Events::Rule"
    ) == sorted(expressions)
