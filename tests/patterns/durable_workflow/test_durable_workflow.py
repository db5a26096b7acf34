"""DurableWorkflow: snapshots, gates, a test per documented default, validation, alarm and grant."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from serverless_patterns import PatternValidationError
from serverless_patterns.patterns.durable_workflow import DurableWorkflow
from tests.pattern_cases import spec
from tests.patterns.durable_workflow.cases import CASES
from tests.support import Synthesized, one, pattern_tests, statements, synth
from tests.support import alarm_properties as alarms

globals().update(
    pattern_tests(
        configs={"default": CASES.build_default, "maximal": CASES.build_maximal},
        snapshots=("default", "maximal"),
    )
)


# ---------------------------------------------------------------- resources and defaults
def test_resources_of_the_smallest_workflow(default: Synthesized) -> None:
    counts = {
        "AWS::Lambda::Function": 1,
        "AWS::Lambda::Version": 1,
        "AWS::Lambda::Alias": 1,
        "AWS::Lambda::EventInvokeConfig": 0,
        "AWS::SQS::Queue": 1,
        "AWS::SQS::QueuePolicy": 1,
        "AWS::Logs::LogGroup": 1,
        "AWS::CodeDeploy::DeploymentGroup": 1,
        "AWS::CloudWatch::Alarm": 5,
        "AWS::CloudWatch::Dashboard": 1,
    }
    assert {t: default.count(t) for t in counts} == counts


def test_durable_config_defaults(default: Synthesized) -> None:
    _, fn = one(default, "AWS::Lambda::Function")
    assert fn["DurableConfig"] == {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
    assert fn["Timeout"] == 10 and fn["Runtime"] == "python3.14"
    assert fn["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "Orders"


def test_the_function_has_a_dead_letter_queue_it_may_send_to(default: Synthesized) -> None:
    dlq_id, dlq = one(default, "AWS::SQS::Queue")
    assert dlq_id.startswith("OrdersDeadLetterQueue")
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600 and dlq["SqsManagedSseEnabled"] is True
    _, fn = one(default, "AWS::Lambda::Function")
    assert fn["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    sends = [s for s in statements(default, "FunctionServiceRoleDefaultPolicy") if "sqs:" in json.dumps(s)]
    assert sends == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    ]


def test_the_role_may_checkpoint_its_own_executions_only(default: Synthesized) -> None:
    fn_id, _ = one(default, "AWS::Lambda::Function")
    policy_id, policy = one(default, "AWS::IAM::Policy", "DurableExecutionPolicy")
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [fn_id, "Arn"]}, ":*/durable-execution/*"]]},
        }
    ]
    role_id, _ = one(default, "AWS::IAM::Role", "OrdersFunctionServiceRole")
    assert policy["Roles"] == [{"Ref": role_id}]
    # Nothing else on the role mentions durable executions.
    others = [s for k, p in default.resources("AWS::IAM::Policy").items() if k != policy_id for s in [p]]
    assert "DurableExecution" not in json.dumps(others)
    (alias,) = default.resources("AWS::Lambda::Alias").values()
    assert policy_id in alias["DependsOn"]  # no invocation through the alias before the role may checkpoint


def test_no_asynchronous_retries_nor_destinations(default: Synthesized) -> None:
    assert default.count("AWS::Lambda::EventInvokeConfig") == 0
    (alias,) = default.resources("AWS::Lambda::Alias").values()
    assert alias["Properties"]["Name"] == "live"


def test_execution_alarms(default: Synthesized) -> None:
    fn_id, _ = one(default, "AWS::Lambda::Function")
    for id, metric, threshold in (
        ("FailedExecutionsAlarm", "DurableExecutionFailed", 1),
        ("TimedOutExecutionsAlarm", "DurableExecutionTimedOut", 1),
    ):
        key, alarm = next((k, a) for k, a in alarms(default).items() if id in k)
        assert key.startswith(f"Orders{id}")
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", metric)
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn_id}}]
        assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, threshold)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_dead_letter_queue_alarm(default: Synthesized) -> None:
    dlq_id, _ = one(default, "AWS::SQS::Queue")
    key, alarm = next((k, a) for k, a in alarms(default).items() if "DeadLetterQueueDepthAlarm" in k)
    assert key.startswith("OrdersDeadLetterQueueDepthAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]


def test_every_alarm_notifies_and_only_function_alarms_roll_back(default: Synthesized) -> None:
    found = alarms(default)
    assert sorted(a["MetricName"] for a in found.values()) == [
        "ApproximateNumberOfMessagesVisible",
        "DurableExecutionFailed",
        "DurableExecutionTimedOut",
        "Errors",
        "Throttles",
    ]
    topic_id, _ = one(default, "AWS::SNS::Topic", "ServerlessPatternsMonitoring")
    assert all(a["AlarmActions"] == [{"Ref": topic_id}] for a in found.values())
    _, group = one(default, "AWS::CodeDeploy::DeploymentGroup")
    rollback = json.dumps(group["AlarmConfiguration"]["Alarms"])
    assert "ErrorsAlarm" in rollback and "ThrottlesAlarm" in rollback
    assert "Executions" not in rollback and "DeadLetter" not in rollback


def test_dashboard_section(default: Synthesized) -> None:
    (dashboard,) = default.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard)
    for title in ("DurableWorkflow Test/Orders", "Durable executions", "DurableExecutionStarted"):
        assert title in body


# ---------------------------------------------------------------- options
def test_maximal_options_are_applied(maximal: Synthesized) -> None:
    _, fn = one(maximal, "AWS::Lambda::Function")
    assert fn["DurableConfig"] == {"ExecutionTimeout": 30 * 86400, "RetentionPeriodInDays": 90}
    assert (fn["MemorySize"], fn["Timeout"]) == (1024, 120)
    found = alarms(maximal).values()
    assert {a["Threshold"] for a in found if a["MetricName"] == "DurableExecutionFailed"} == {3}
    assert {a["Threshold"] for a in found if a["MetricName"] == "DurableExecutionTimedOut"} == {2}


def test_grant_start_is_invoke_on_the_alias_only(maximal: Synthesized) -> None:
    alias_id, _ = one(maximal, "AWS::Lambda::Alias")
    assert statements(maximal, "Starter") == [
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Ref": alias_id}}
    ]


def test_grant_read_is_reading_this_functions_executions() -> None:
    def build(stack: cdk.Stack) -> None:
        workflow = DurableWorkflow(stack, "W", function=spec())
        workflow.grant_read(iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal()))

    s = synth(build, gate=False)
    fn_id, _ = one(s, "AWS::Lambda::Function")
    assert statements(s, "Reader") == [
        {
            "Action": ["lambda:GetDurableExecution", "lambda:GetDurableExecutionHistory"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [fn_id, "Arn"]}, ":*/durable-execution/*"]]},
        },
        {
            "Action": "lambda:ListDurableExecutionsByFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [fn_id, "Arn"]},
        },
    ]
    # The wildcard is reported on the reader's policy: the pattern acknowledges nothing of it.
    assert any("Reader" in f and "durable-execution" in f for f in s.unacknowledged())


# ---------------------------------------------------------------- what it exposes
def test_exposes_what_it_made() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    workflow = DurableWorkflow(stack, "W", function=spec())
    assert isinstance(workflow.function, lambda_.Function) and workflow.functions == {
        "Function": workflow.function
    }
    assert workflow.alias.alias_name == "live"
    assert isinstance(workflow.dead_letter_queue, sqs.Queue)
    assert workflow.dead_letter_queue.node.path == "S/W/DeadLetterQueue"
    assert workflow.checkpoint_policy.node.path == "S/W/Function/ServiceRole/DurableExecutionPolicy"
    assert workflow.execution_timeout.to_seconds() == 3600 and workflow.retention.to_days() == 14
    assert len(workflow.alarms) == 5
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(workflow.grant_start(role), iam.Grant)


@pytest.mark.parametrize(
    ("method", "namespace", "metric", "statistic", "period"),
    [
        ("metric_durable_execution_failed", "AWS/Lambda", "DurableExecutionFailed", "Sum", 300),
        ("metric_durable_execution_timed_out", "AWS/Lambda", "DurableExecutionTimedOut", "Sum", 300),
        ("metric_durable_execution_started", "AWS/Lambda", "DurableExecutionStarted", "Sum", 300),
        ("metric_durable_execution_succeeded", "AWS/Lambda", "DurableExecutionSucceeded", "Sum", 300),
        (
            "metric_dead_letter_queue_messages_visible",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "Maximum",
            60,
        ),
    ],
)
def test_metrics(method: str, namespace: str, metric: str, statistic: str, period: int) -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    workflow = DurableWorkflow(stack, "W", function=spec())
    made = getattr(workflow, method)()
    assert (made.metric_name, made.namespace, made.statistic) == (metric, namespace, statistic)
    assert made.period.to_seconds() == period
    if namespace == "AWS/Lambda":
        assert stack.resolve(made.dimensions["FunctionName"]) == stack.resolve(
            workflow.function.function_name
        )
    assert getattr(workflow, method)(label="mine").label == "mine"


# ---------------------------------------------------------------- validation
def make(**props: Any) -> None:
    app = cdk.App()
    DurableWorkflow(cdk.Stack(app, "S"), "W", **{**CASES.base_props(), **props})


@pytest.mark.parametrize(("props", "message"), CASES.invalid, ids=[str(i) for i in range(len(CASES.invalid))])
def test_validation(props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        make(**props)


def test_every_problem_in_one_error_naming_the_construct() -> None:
    with pytest.raises(PatternValidationError) as raised:
        make(
            function=spec(runtime=lambda_.Runtime.NODEJS_20_X, timeout=cdk.Duration.seconds(30)),
            execution_timeout=cdk.Duration.seconds(20),
            retention=cdk.Duration.days(0),
        )
    assert raised.value.construct_path == "S/W"
    assert raised.value.problems == [
        "retention must be 1..90 days, got 0",
        "function.runtime must be one that runs durable functions (python3.13, python3.14, nodejs22.x, "
        "nodejs24.x), got nodejs20.x",
        "execution_timeout must be at least the function's timeout (30 s): one invocation may run that "
        "long, got 20 s",
    ]


def test_nothing_is_built_before_validation() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    with pytest.raises(PatternValidationError):
        DurableWorkflow(stack, "W", function=spec(), retention=cdk.Duration.days(120))
    assert [c.node.id for c in stack.node.find_child("W").node.children] == []


@pytest.mark.parametrize("props", CASES.valid, ids=[str(i) for i in range(len(CASES.valid))])
def test_valid_edges_build(props: dict[str, Any]) -> None:
    make(**props)


def test_token_values_are_left_to_deploy_time() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    seconds = cdk.CfnParameter(stack, "Timeout", type="Number").value_as_number
    DurableWorkflow(stack, "W", function=spec(), execution_timeout=cdk.Duration.seconds(seconds))
    (fn,) = [
        r["Properties"]
        for r in app.synth().get_stack_by_name("S").template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert fn["DurableConfig"]["ExecutionTimeout"] == {"Ref": "Timeout"}
