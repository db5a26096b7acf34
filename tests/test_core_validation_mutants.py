"""What the shared blocks promise, asserted where mutation testing (area ``core-validation``) found
nothing checking it: the queue and dead-letter queue every buffering pattern builds, the parking
queue of failed events, the deployment strategies' factories and checks, the CodeDeploy group's
rollback, the one function of a single-function pattern, and FunctionSpec's checks.

Small stacks, read with ``aws_cdk.assertions.Template``; no pattern snapshot.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from serverless_patterns import (
    DeploymentStrategy,
    FunctionSpec,
    MonitoringOptions,
    PatternValidationError,
    QueueOptions,
)
from serverless_patterns.core.deployment import DeploymentKind
from serverless_patterns.core.queue import QueueWithDlq, parking_queue
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.validation.support import HANDLER, Make, build, spec

TLS_ONLY = {
    "Action": "sqs:*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "S")


def _queues(stack: cdk.Stack) -> dict[str, dict[str, Any]]:
    """Logical ID to properties of every queue in ``stack``."""
    found = Template.from_stack(stack).find_resources("AWS::SQS::Queue")
    return {k: v.get("Properties", {}) for k, v in found.items()}


def _logical(stack: cdk.Stack, construct: Any) -> str:
    """The logical ID of ``construct``'s CloudFormation resource."""
    return stack.resolve(construct.node.default_child.logical_id)  # type: ignore[no-any-return]


def _acknowledged(construct: Any) -> list[dict[str, str]]:
    return [m.data for m in construct.node.metadata if m.type == "aws:cdk:acknowledged-rules"]


def _tls_only(template: Template, logical_id: str) -> None:
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": [{**TLS_ONLY, "Resource": {"Fn::GetAtt": [logical_id, "Arn"]}}],
            },
            "Queues": [{"Ref": logical_id}],
        },
    )


# ---------------------------------------------------------------------------------- parking queue
def test_a_parking_queue_keeps_14_days_encrypted_tls_only_and_says_why_it_has_no_dlq() -> None:
    stack = _stack()
    queue = parking_queue(stack, "Parked", role="the on-failure destination of X")
    logical = _logical(stack, queue)
    assert _queues(stack) == {logical: {"MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True}}
    _tls_only(Template.from_stack(stack), logical)
    assert _acknowledged(queue) == [
        {
            "Serverless::Serverless-SQSRedrivePolicy": "This queue is itself the on-failure destination "
            "of X; an alarm fires on its depth"
        },
        {"AwsSolutions::AwsSolutions-SQS3": "This queue is itself the on-failure destination of X"},
    ]


def test_a_fifo_parking_queue_is_fifo() -> None:
    stack = _stack()
    parking_queue(stack, "Parked", role="r", fifo=True)
    assert [p.get("FifoQueue") for p in _queues(stack).values()] == [True]


# ---------------------------------------------------------------------------------- queue with DLQ
def test_a_queue_with_dlq_by_default() -> None:
    stack = _stack()
    made = QueueWithDlq(stack, "Q")
    assert made.queue.node.id == "Resource"
    assert made.dead_letter_queue.node.id == "DeadLetterQueue"
    queue = _logical(stack, made.queue)
    dlq = _logical(stack, made.dead_letter_queue)
    assert _queues(stack) == {
        dlq: {"MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True},
        queue: {
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 3},
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": 30,
        },
    }
    template = Template.from_stack(stack)
    _tls_only(template, queue)
    _tls_only(template, dlq)
    assert _acknowledged(made.dead_letter_queue)[1] == {
        "AwsSolutions::AwsSolutions-SQS3": "This queue is itself the dead-letter queue of its sibling queue"
    }


@pytest.mark.parametrize(
    ("consumer", "window", "expected"),
    [
        (10, None, 60),  # six times the function's timeout (no batching window by default)
        (10, 5, 65),  # plus its batching window
        (7_300, 0, 43_200),  # at most SQS's 12 hours
    ],
)
def test_visibility_follows_the_consumer(consumer: float, window: float | None, expected: int) -> None:
    stack = _stack()
    made = (
        QueueWithDlq(stack, "Q", consumer_timeout_seconds=consumer)
        if window is None
        else QueueWithDlq(
            stack, "Q", consumer_timeout_seconds=consumer, consumer_batching_window_seconds=window
        )
    )
    queue = _logical(stack, made.queue)
    assert _queues(stack)[queue]["VisibilityTimeout"] == expected


def test_queue_options_reach_the_queue() -> None:
    stack = _stack()
    options = QueueOptions(
        max_receive_count=7,
        retention_period=cdk.Duration.days(2),
        visibility_timeout=cdk.Duration.seconds(45),
    )
    made = QueueWithDlq(stack, "Q", options=options, consumer_timeout_seconds=100)
    queue = _queues(stack)[_logical(stack, made.queue)]
    assert queue["VisibilityTimeout"] == 45
    assert queue["MessageRetentionPeriod"] == 172_800
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 7


@pytest.mark.parametrize(
    ("fifo", "dedup", "expected"),
    [
        (True, None, {"FifoQueue": True}),  # no deduplication by default
        (True, False, {"FifoQueue": True}),
        (True, True, {"FifoQueue": True, "ContentBasedDeduplication": True}),
        (False, True, {}),
    ],
)
def test_fifo_and_content_based_deduplication(
    fifo: bool, dedup: bool | None, expected: dict[str, bool]
) -> None:
    stack = _stack()
    made = (
        QueueWithDlq(stack, "Q", fifo=fifo)
        if dedup is None
        else QueueWithDlq(stack, "Q", fifo=fifo, content_based_deduplication=dedup)
    )
    queues = _queues(stack)
    queue = queues[_logical(stack, made.queue)]
    dlq = queues[_logical(stack, made.dead_letter_queue)]
    assert {k: v for k, v in queue.items() if k in ("FifoQueue", "ContentBasedDeduplication")} == expected
    assert dlq.get("FifoQueue") == (True if fifo else None)


# ---------------------------------------------------------------------------------- deployments
def _hook(name: str) -> lambda_.IFunction:
    return lambda_.Function.from_function_name(_stack(), name, name)


def test_strategy_factories() -> None:
    pre, post = _hook("Pre"), _hook("Post")
    assert DeploymentStrategy.canary() == DeploymentStrategy(DeploymentKind.CANARY, 10, 5, None, None)
    assert DeploymentStrategy.linear() == DeploymentStrategy(DeploymentKind.LINEAR, 10, 1, None, None)
    assert DeploymentStrategy.all_at_once() == DeploymentStrategy(DeploymentKind.ALL_AT_ONCE, 100, 0)
    assert DeploymentStrategy.none() == DeploymentStrategy(DeploymentKind.NONE, 100, 0, None, None)
    hooks = {"pre_traffic_hook": pre, "post_traffic_hook": post}
    assert DeploymentStrategy.canary(20, 15, **hooks) == DeploymentStrategy(
        DeploymentKind.CANARY, 20, 15, pre, post
    )
    assert DeploymentStrategy.linear(25, 3, **hooks) == DeploymentStrategy(
        DeploymentKind.LINEAR, 25, 3, pre, post
    )
    assert DeploymentStrategy.all_at_once(**hooks) == DeploymentStrategy(
        DeploymentKind.ALL_AT_ONCE, 100, 0, pre, post
    )


def test_a_deployment_group_rolls_back_on_failure_stop_and_alarm() -> None:
    _, made = build("S3Processor", {"deployment": DeploymentStrategy.canary()})
    template = Template.from_stack(cdk.Stack.of(made))
    application = template.find_resources("AWS::CodeDeploy::Application")
    assert len(application) == 1
    template.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "ApplicationName": {"Ref": next(iter(application))},
            "AutoRollbackConfiguration": {
                "Enabled": True,
                "Events": Match.array_equals(
                    ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"]
                ),
            },
        },
    )


def _hook_arn(name: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":lambda:us-east-1:123456789012:function:{name}"],
        ]
    }


def test_a_post_traffic_hook_alone_is_set() -> None:
    hook = Make(lambda stack: lambda_.Function.from_function_name(stack, "Post", "CodeDeployHook_Post"))
    strategy = DeploymentStrategy.canary(post_traffic_hook=hook)
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": strategy})
    aliases = Template.from_stack(cdk.Stack.of(made)).find_resources("AWS::Lambda::Alias")
    (update,) = (a["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"] for a in aliases.values())
    assert "BeforeAllowTrafficHook" not in update
    assert update["AfterAllowTrafficHook"] == {
        "Fn::Select": [6, {"Fn::Split": [":", _hook_arn("CodeDeployHook_Post")]}]
    }


def test_traffic_hooks_are_set_on_the_alias_and_granted_on_their_own_arn() -> None:
    def hook(name: str) -> Make:
        return Make(lambda stack: lambda_.Function.from_function_name(stack, name, f"CodeDeployHook_{name}"))

    strategy = DeploymentStrategy.canary(pre_traffic_hook=hook("Pre"), post_traffic_hook=hook("Post"))
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": strategy})
    stack = cdk.Stack.of(made)
    template = Template.from_stack(stack)
    group = _logical(stack, made.deployments.node.find_child("Function"))
    application = template.find_resources("AWS::CodeDeploy::Application")
    aliases = template.find_resources("AWS::Lambda::Alias")
    assert [a["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"] for a in aliases.values()] == [
        {
            "ApplicationName": {"Ref": next(iter(application))},
            "DeploymentGroupName": {"Ref": group},
            "BeforeAllowTrafficHook": {
                "Fn::Select": [6, {"Fn::Split": [":", _hook_arn("CodeDeployHook_Pre")]}]
            },
            "AfterAllowTrafficHook": {
                "Fn::Select": [6, {"Fn::Split": [":", _hook_arn("CodeDeployHook_Post")]}]
            },
        }
    ]
    invoke = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "lambda:InvokeFunction"
    ]
    assert invoke == [
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": _hook_arn("CodeDeployHook_Pre")},
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": _hook_arn("CodeDeployHook_Post")},
    ]


def test_a_validation_error_names_the_pattern() -> None:
    with pytest.raises(PatternValidationError) as raised:
        build("S3Processor", {"function": spec(memory_size=127)})
    assert raised.value.construct_path == "S/P"
    assert str(raised.value) == "S/P: invalid props\n  - function.memory_size must be 128..10240 MB, got 127"


_CUSTOM_CANARY = {"TimeBasedCanary": {"CanaryInterval": 7, "CanaryPercentage": 20}, "Type": "TimeBasedCanary"}
_CUSTOM_LINEAR = {"TimeBasedLinear": {"LinearInterval": 4, "LinearPercentage": 25}, "Type": "TimeBasedLinear"}


@pytest.mark.parametrize(
    ("strategy", "predefined", "custom"),
    [
        (DeploymentStrategy.canary(), "CodeDeployDefault.LambdaCanary10Percent5Minutes", None),
        (DeploymentStrategy.linear(), "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", None),
        (DeploymentStrategy.all_at_once(), "CodeDeployDefault.LambdaAllAtOnce", None),
        # percent and interval are not an all-at-once strategy's: still CodeDeploy's own config
        (DeploymentStrategy(DeploymentKind.ALL_AT_ONCE, 50, 3), "CodeDeployDefault.LambdaAllAtOnce", None),
        (DeploymentStrategy.canary(20, 7), None, _CUSTOM_CANARY),
        (DeploymentStrategy.linear(25, 4), None, _CUSTOM_LINEAR),
    ],
    ids=["canary", "linear", "all-at-once", "all-at-once-50-3", "canary-20-7", "linear-25-4"],
)
def test_each_strategy_reaches_the_deployment_group(
    strategy: DeploymentStrategy, predefined: str | None, custom: dict[str, Any] | None
) -> None:
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": strategy})
    stack = cdk.Stack.of(made)
    template = Template.from_stack(stack)
    groups = template.find_resources("AWS::CodeDeploy::DeploymentGroup")
    configs = template.find_resources("AWS::CodeDeploy::DeploymentConfig")
    names = [g["Properties"]["DeploymentConfigName"] for g in groups.values()]
    if predefined is not None:
        assert (names, configs) == ([predefined], {})
    else:
        assert [c["Properties"] for c in configs.values()] == [
            {"ComputePlatform": "Lambda", "TrafficRoutingConfig": custom}
        ]
        assert names == [{"Ref": "PDeploymentsConfigF9888246"}]


def test_no_codedeploy_strategy_builds_no_deployment_group() -> None:
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": DeploymentStrategy.none()})
    assert made.deployments is None
    template = Template.from_stack(cdk.Stack.of(made))
    template.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 0)
    template.resource_count_is("AWS::CodeDeploy::Application", 0)


def test_function_alarms_roll_back_and_the_parked_events_alarm_only_notifies() -> None:
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": DeploymentStrategy.canary()})
    stack = cdk.Stack.of(made)
    template = Template.from_stack(stack)
    in_template = template.find_resources("AWS::CloudWatch::Alarm")
    assert sorted(stack.resolve(a.logical_id) for a in made.alarms) == sorted(in_template)
    (errors,) = (k for k in in_template if k.startswith("PFunctionErrorsAlarm"))
    (throttles,) = (k for k in in_template if k.startswith("PFunctionThrottlesAlarm"))
    (_parked,) = (k for k in in_template if k.startswith("PDeadLetterQueueDepthAlarm"))  # notifies only
    assert len(in_template) == 3
    groups = template.find_resources("AWS::CodeDeploy::DeploymentGroup")
    assert [g["Properties"]["AlarmConfiguration"] for g in groups.values()] == [
        {"Alarms": [{"Name": {"Ref": errors}}, {"Name": {"Ref": throttles}}], "Enabled": True}
    ]


def test_patterns_of_one_stack_share_one_codedeploy_application_and_role() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    for id in ("One", "Two"):
        S3Processor(
            stack, id, function=spec(), delivery=S3Delivery.DIRECT, deployment=DeploymentStrategy.canary()
        )
    template = Template.from_stack(stack)
    (application,) = template.find_resources("AWS::CodeDeploy::Application")
    roles = {
        k: r["Properties"]
        for k, r in template.find_resources("AWS::IAM::Role").items()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "codedeploy.amazonaws.com"}
    }
    (role,) = roles
    assert roles[role]["ManagedPolicyArns"] == [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited",
                ],
            ]
        }
    ]
    groups = template.find_resources("AWS::CodeDeploy::DeploymentGroup")
    assert [
        (g["Properties"]["ApplicationName"], g["Properties"]["ServiceRoleArn"]) for g in groups.values()
    ] == [({"Ref": application}, {"Fn::GetAtt": [role, "Arn"]})] * 2
    shared = stack.node.find_child("ServerlessPatternsDeployments")
    (acknowledged,) = _acknowledged(shared.node.find_child("ServiceRole"))
    (rule,) = acknowledged
    assert rule == (
        "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSCodeDeployRoleForLambdaLimited]"
    )
    assert acknowledged[rule] == (
        "AWSCodeDeployRoleForLambdaLimited (AWS-managed, v1) is not scoped to this stack: it allows "
        "cloudwatch:DescribeAlarms, lambda:GetAlias, lambda:UpdateAlias and "
        "lambda:GetProvisionedConcurrencyConfig on any resource, s3:GetObject and "
        "s3:GetObjectVersion on objects under */CodeDeploy/* or tagged UseWithCodeDeploy=true, and "
        "lambda:InvokeFunction on functions named CodeDeployHook_*. Only codedeploy.amazonaws.com "
        "can assume this role, to shift the live aliases of this stack's deployment groups and "
        "read their alarms; a traffic hook, when set, is granted on its exact ARN in the role's default "
        "policy"
    )
    # construct IDs are public API: the stack's application and role keep their logical IDs
    assert (application, role) == (
        "ServerlessPatternsDeploymentsApplication0BFA8973",
        "ServerlessPatternsDeploymentsServiceRoleB491BE6F",
    )


# ---------------------------------------------------------------------------------- pattern
def test_the_one_function_of_a_direct_s3_processor_is_function() -> None:
    """Built as ``Function`` in the pattern and listed as ``functions["Function"]`` (S3Processor
    with direct delivery builds its one function so)."""
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT})
    assert list(made.functions) == ["Function"]
    assert made.functions["Function"] is made.function
    assert made.function.node.scope.node.id == "Function"
    assert made.function.node.scope.node.scope is made


def test_function_and_alias_of_a_pattern_with_two_functions_point_to_the_dicts() -> None:
    _, made = build("ApiToLambda", {"routes": {"GET /a": spec(), "GET /b": spec(memory_size=256)}})
    with pytest.raises(AttributeError, match=r"^ApiToLambda has 2 functions: use \.functions\[name\]$"):
        _ = made.function
    with pytest.raises(AttributeError, match=r"^ApiToLambda has 2 functions: use \.aliases\[name\]$"):
        _ = made.alias


def test_the_apis_alarms_roll_back_its_function_with_the_functions_own() -> None:
    _, made = build(
        "ApiToLambda", {"function": spec(), "deployment": DeploymentStrategy.canary()}, base=False
    )
    template = Template.from_stack(cdk.Stack.of(made))
    groups = template.find_resources("AWS::CodeDeploy::DeploymentGroup")
    assert [g["Properties"]["AlarmConfiguration"] for g in groups.values()] == [
        {
            "Alarms": [
                {"Name": {"Ref": "PAnyRootFunctionErrorsAlarm1346A468"}},
                {"Name": {"Ref": "PAnyRootFunctionThrottlesAlarm9614D3FA"}},
                {"Name": {"Ref": "PServerErrorRateAlarm4DFE3617"}},
                {"Name": {"Ref": "PLatencyP99Alarm8A4777E3"}},
            ],
            "Enabled": True,
        }
    ]


def _dashboard_body(template: Template) -> str:
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    return json.dumps(dashboard["Properties"]["DashboardBody"])


def test_a_patterns_alarms_describe_their_subject_and_fill_its_dashboard_section() -> None:
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT})
    template = Template.from_stack(cdk.Stack.of(made))
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert {k: a["Properties"]["AlarmDescription"] for k, a in alarms.items()} == {
        "PFunctionErrorsAlarmF69DECED": "S/P/Function function: errors >= 1 in 1 minute",
        "PFunctionThrottlesAlarm7995A086": "S/P/Function function: throttles >= 1 in 1 minute",
        "PDeadLetterQueueDepthAlarmAFD7A065": "S/P on-failure queue: 1 or more messages parked",
    }
    body = _dashboard_body(template)
    titles = re.findall(r'title\\":\\"([^\\]*)', body)
    assert titles == [
        "Parked events",
        "Function: invocations and errors",
        "Function: duration p99",
        "S3Processor S/P alarms",
    ]
    assert "## S3Processor S/P" in body
    for alarm in alarms:
        assert f'"Fn::GetAtt": ["{alarm}", "Arn"]' in body


def test_no_dashboard_section_without_a_dashboard() -> None:
    props = {"delivery": S3Delivery.DIRECT, "monitoring": MonitoringOptions(dashboard=False)}
    _, made = build("S3Processor", props)
    template = Template.from_stack(cdk.Stack.of(made))
    dashboards = template.find_resources("AWS::CloudWatch::Dashboard")
    assert all("S3Processor S/P" not in json.dumps(d) for d in dashboards.values())


# ---------------------------------------------------------------------------------- strategy checks
def _strategy_problems(**fields: Any) -> list[str]:
    return DeploymentStrategy(**fields).problems()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"percent": 1, "interval_minutes": 2880}, []),
        ({"percent": 99, "interval_minutes": 1}, []),
        ({"percent": 0}, ["deployment.percent must be 1..99, got 0"]),
        ({"percent": 100}, ["deployment.percent must be 1..99, got 100"]),
        ({"interval_minutes": 0}, ["deployment.interval_minutes must be 1..2880, got 0"]),
        ({"interval_minutes": 2881}, ["deployment.interval_minutes must be 1..2880, got 2881"]),
        (
            {"kind": "blue-green"},
            ["deployment.kind must be one of canary, linear, all_at_once, none, got 'blue-green'"],
        ),
        # linear: (100 // percent) steps of interval_minutes, at most CodeDeploy's 2880 minutes
        ({"kind": DeploymentKind.LINEAR, "percent": 10, "interval_minutes": 288}, []),
        (
            {"kind": DeploymentKind.LINEAR, "percent": 10, "interval_minutes": 289},
            ["deployment: linear 10% every 289 min takes longer than CodeDeploy's 2880 minutes"],
        ),
        (
            {"kind": DeploymentKind.LINEAR, "percent": 3, "interval_minutes": 88},
            ["deployment: linear 3% every 88 min takes longer than CodeDeploy's 2880 minutes"],
        ),
        # whole steps: 100 // 3 = 33 steps of 87 minutes is 2871
        ({"kind": DeploymentKind.LINEAR, "percent": 3, "interval_minutes": 87}, []),
        (
            {"kind": DeploymentKind.LINEAR, "percent": 99, "interval_minutes": 2881},
            [
                "deployment.interval_minutes must be 1..2880, got 2881",
                "deployment: linear 99% every 2881 min takes longer than CodeDeploy's 2880 minutes",
            ],
        ),
        (
            {"kind": DeploymentKind.LINEAR, "percent": 100, "interval_minutes": 2881},
            [
                "deployment.percent must be 1..99, got 100",
                "deployment.interval_minutes must be 1..2880, got 2881",
            ],
        ),
        ({"kind": DeploymentKind.CANARY, "percent": 1, "interval_minutes": 2880}, []),
        # all at once and none shift everything in one step: percent and interval are not theirs
        ({"kind": DeploymentKind.ALL_AT_ONCE, "percent": 0, "interval_minutes": 0}, []),
        ({"kind": DeploymentKind.NONE, "percent": 0, "interval_minutes": 9999}, []),
    ],
)
def test_strategy_problems(fields: dict[str, Any], expected: list[str]) -> None:
    assert _strategy_problems(**fields) == expected


def test_strategy_tokens_are_left_to_deploy_time() -> None:
    token = cdk.Token.as_number(cdk.Fn.ref("Minutes"))
    assert _strategy_problems(kind=DeploymentKind.LINEAR, percent=1, interval_minutes=token) == []
    assert _strategy_problems(kind=DeploymentKind.LINEAR, percent=token, interval_minutes=2880) == []


def test_strategy_hooks() -> None:
    hook = _hook("Hook")
    assert _strategy_problems(pre_traffic_hook=hook, post_traffic_hook=hook) == []
    assert _strategy_problems(pre_traffic_hook=5, post_traffic_hook="f") == [
        "deployment.pre_traffic_hook must be a lambda_.IFunction, got int",
        "deployment.post_traffic_hook must be a lambda_.IFunction, got str",
    ]
    for name in ("pre_traffic_hook", "post_traffic_hook"):
        with_hook: dict[str, Any] = {name: hook}
        assert dataclasses.replace(DeploymentStrategy.none(), **with_hook).problems("d") == [
            "d: traffic hooks need a CodeDeploy strategy, got kind 'none'"
        ]


# ---------------------------------------------------------------------------------- FunctionSpec
_LAYER_STACK = cdk.Stack(cdk.App(), "Layers")
_LAYERS = [
    lambda_.LayerVersion.from_layer_version_arn(
        _LAYER_STACK, f"L{i}", f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1"
    )
    for i in range(6)
]
_NUMBER = cdk.Token.as_number(cdk.Fn.ref("Number"))
_STRING = cdk.Token.as_string(cdk.Fn.ref("String"))
_NOT_A_NAME = "is not a valid variable name (a letter, then letters, digits or '_')"
_EPHEMERAL = "f.property_overrides['EphemeralStorage'] must be {'Size': 512..10240} (MB), got"
_SNAP_START = "f.property_overrides['SnapStart'] must be {'ApplyOn': 'PublishedVersions' | 'None'}, got"


def _spec_problems(**fields: Any) -> list[str]:
    return FunctionSpec(**{"code": HANDLER, "handler": "app.handler", **fields}).problems("f")


# Values exactly at a limit, and tokens, are valid.
_VALID: list[dict[str, Any]] = [
    {"memory_size": 128},
    {"memory_size": 10240},
    {"memory_size": _NUMBER},
    {"timeout": cdk.Duration.seconds(1)},
    {"timeout": cdk.Duration.seconds(900)},
    {"reserved_concurrency": 0},
    {"reserved_concurrency": 1_000_000},
    {"provisioned_concurrency": 1, "reserved_concurrency": 1},
    {"provisioned_concurrency": 1_000_000},
    {"provisioned_concurrency": _NUMBER, "reserved_concurrency": 2},
    {"provisioned_concurrency": 3, "reserved_concurrency": _NUMBER},
    {"environment": {"AB": "x" * 4094}},  # 4096 bytes with the name
    {"environment": {"AB": "x" * 4094, "CD": _STRING}},  # a token's size is unknown
    {"layers": _LAYERS[:4]},  # and the Powertools layer: 5
    {"layers": _LAYERS[:5], "powertools": False},
    {"layers": _LAYERS[:5], "runtime": lambda_.Runtime.NODEJS_22_X, "handler": "index.handler"},
    {"metrics_namespace": "x" * 255},
    {"metrics_namespace": _STRING},
    {"description": "x" * 256},
    {"exclude": ["*.md", "docs"]},
    {"property_overrides": {"EphemeralStorage": {"Size": 512}, "SnapStart": {"ApplyOn": "None"}}},
    {
        "property_overrides": {
            "EphemeralStorage": {"Size": 10240},
            "SnapStart": {"ApplyOn": "PublishedVersions"},
        }
    },
    {"property_overrides": {"EphemeralStorage": {"Size": _NUMBER}, "SnapStart": {"ApplyOn": _STRING}}},
]


@pytest.mark.parametrize("fields", _VALID, ids=range(len(_VALID)))
def test_function_spec_values_at_their_limits_are_valid(fields: dict[str, Any]) -> None:
    assert _spec_problems(**fields) == []


_WRONG: list[tuple[dict[str, Any], list[str]]] = [
    ({"timeout": cdk.Duration.seconds(0)}, ["f.timeout must be 1..900 seconds, got 0"]),
    ({"reserved_concurrency": -1}, ["f.reserved_concurrency must be 0..1000000, got -1"]),
    ({"reserved_concurrency": 1_000_001}, ["f.reserved_concurrency must be 0..1000000, got 1000001"]),
    ({"provisioned_concurrency": 0}, ["f.provisioned_concurrency must be 1..1000000, got 0"]),
    ({"provisioned_concurrency": 1_000_001}, ["f.provisioned_concurrency must be 1..1000000, got 1000001"]),
    (
        {"provisioned_concurrency": 3, "reserved_concurrency": 2},
        ["f.provisioned_concurrency must be <= reserved_concurrency (2), got 3"],
    ),
    (
        {
            "environment": {
                "A": "x",
                "1B": "x",
                "AWS_REGION": "x",
                "LAMBDA_TASK_ROOT": "x",
                "LAMBDA_RUNTIME_DIR": "x",
                "OK": 5,
            }
        },
        [
            f"f.environment: 'A' {_NOT_A_NAME}",
            f"f.environment: '1B' {_NOT_A_NAME}",
            "f.environment may not set the reserved variable 'AWS_REGION'",
            "f.environment may not set the reserved variable 'LAMBDA_TASK_ROOT'",
            "f.environment may not set the reserved variable 'LAMBDA_RUNTIME_DIR'",
            "f.environment['OK'] must be a string, got 5",
        ],
    ),
    (
        {"environment": {"AB": "x" * 4095}},
        ["f.environment must be at most 4 KB in all (names and values), got 4097 bytes"],
    ),
    ({"environment": [("AB", "x")]}, ["f.environment must be a mapping of names to strings, got list"]),
    ({"layers": 5}, ["f.layers must be a list of lambda_.ILayerVersion, got 5"]),
    ({"layers": [5]}, ["f.layers[0] must be a lambda_.ILayerVersion, got int"]),
    ({"layers": _LAYERS, "powertools": False}, ["f.layers: a function has at most 5 layers, got 6"]),
    (
        {"layers": _LAYERS[:5]},
        [
            "f.layers: a function has at most 5 layers, got 6 with the Powertools layer (powertools=False drops it)"
        ],
    ),
    ({"service_name": ""}, ["f.service_name must not be empty"]),
    ({"metrics_namespace": ""}, ["f.metrics_namespace must not be empty"]),
    ({"metrics_namespace": "x" * 256}, ["f.metrics_namespace must be at most 255 characters, got 256"]),
    (
        {"metrics_namespace": "AWS/Lambda"},
        ["f.metrics_namespace must not start with 'AWS/' (reserved for AWS services), got 'AWS/Lambda'"],
    ),
    ({"log_retention": 7}, ["f.log_retention must be a logs.RetentionDays, got 7"]),
    ({"description": "x" * 257}, ["f.description must be at most 256 characters, got 257"]),
    ({"powertools": "yes"}, ["f.powertools must be True or False, got 'yes'"]),
    ({"exclude": "*.pyc"}, ["f.exclude must be a list of glob patterns, got '*.pyc'"]),
    ({"exclude": [5]}, ["f.exclude must be a list of glob patterns, got [5]"]),
    ({"exclude": 5}, ["f.exclude must be a list of glob patterns, got 5"]),
    ({"vpc_subnets": "private"}, ["f.vpc_subnets needs f.vpc"]),
    ({"security_groups": [5]}, ["f.security_groups needs f.vpc"]),
    (
        {"vpc": 5, "vpc_subnets": 5, "security_groups": [5]},
        [
            "f.vpc must be an ec2.IVpc, got int",
            "f.vpc_subnets must be an ec2.SubnetSelection, got int",
            "f.security_groups[0] must be an ec2.ISecurityGroup, got int",
        ],
    ),
    (
        {"vpc": 5, "security_groups": 5},
        [
            "f.vpc must be an ec2.IVpc, got int",
            "f.security_groups must be a list of ec2.ISecurityGroup, got 5",
        ],
    ),
    ({"policies": [5]}, ["f.policies[0] must be an iam.PolicyStatement, got int"]),
    ({"policies": 5}, ["f.policies must be a list of iam.PolicyStatement, got 5"]),
    (
        {
            "property_overrides": {
                "Timeout": 3,
                "Timout2": 1,
                "Qqqqqqqqq": 1,
                "EphemeralStorage": {"Size": 511},
                "SnapStart": {"ApplyOn": "x"},
            }
        },
        [
            "f.property_overrides may not set 'Timeout': use FunctionSpec.timeout",
            "f.property_overrides: 'Timout2' is not a property of AWS::Lambda::Function (did you mean 'Timeout'?)",
            "f.property_overrides: 'Qqqqqqqqq' is not a property of AWS::Lambda::Function",
            f"{_EPHEMERAL} {{'Size': 511}}",
            f"{_SNAP_START} {{'ApplyOn': 'x'}}",
        ],
    ),
    ({"property_overrides": {"EphemeralStorage": {"Size": 10241}}}, [f"{_EPHEMERAL} {{'Size': 10241}}"]),
    (
        {"property_overrides": {"EphemeralStorage": 5, "SnapStart": 5}},
        [f"{_EPHEMERAL} 5", f"{_SNAP_START} 5"],
    ),
    (
        {"property_overrides": 5},
        ["f.property_overrides must be a mapping of AWS::Lambda::Function properties, got int"],
    ),
    ({"code": 5}, ["f.code must be a directory path or a lambda_.Code, got 5"]),
    ({"runtime": "py"}, ["f.runtime must be a lambda_.Runtime, got 'py'"]),
    ({"architecture": "arm"}, ["f.architecture must be a lambda_.Architecture, got 'arm'"]),
]


@pytest.mark.parametrize(("fields", "expected"), _WRONG, ids=range(len(_WRONG)))
def test_function_spec_problems_are_exact(fields: dict[str, Any], expected: list[str]) -> None:
    assert _spec_problems(**fields) == expected


def test_a_handler_module_missing_from_the_code_names_both_places_looked() -> None:
    assert _spec_problems(handler="nomodule.handler") == [
        f"f.handler 'nomodule.handler': module 'nomodule' is not in the code directory: looked for "
        f"'{HANDLER}/nomodule.py' and '{HANDLER}/nomodule/__init__.py'"
    ]


def test_a_metric_method_passes_its_options_and_refuses_a_metric_the_configuration_lacks() -> None:
    _, direct = build("S3Processor", {"delivery": S3Delivery.DIRECT})
    parked = direct.metric_dead_letter_queue_messages_visible(statistic="Average", label="Parked")
    assert (parked.metric_name, parked.statistic, parked.label) == (
        "ApproximateNumberOfMessagesVisible",
        "Average",
        "Parked",
    )
    with pytest.raises(AttributeError, match=r"^this configuration has no such metric$"):
        direct.metric_approximate_age_of_oldest_message()


def test_variables_add_up_to_the_4_kb_limit() -> None:
    assert _spec_problems(environment={"AB": "x" * 2048, "CD": "x" * 2048}) == [
        "f.environment must be at most 4 KB in all (names and values), got 4100 bytes"
    ]


def test_no_powertools_layer_is_counted_for_an_architecture_it_is_not_published_for() -> None:
    riscv = lambda_.Architecture.custom("riscv64", "linux/riscv64")
    assert _spec_problems(layers=_LAYERS[:5], architecture=riscv) == []
    assert _spec_problems(layers=_LAYERS[:5], architecture=lambda_.Architecture.X86_64) == [
        "f.layers: a function has at most 5 layers, got 6 with the Powertools layer (powertools=False drops it)"
    ]


def test_a_node_entry_on_a_python_runtime_is_left_to_the_bundler(tmp_path: Path) -> None:
    """A ``.ts`` entry for the handler's module, in the code directory: not a missing module (the
    bundler names the runtime mistake)."""
    (tmp_path / "app.ts").write_text("export const handler = async () => ({});\n")
    spec = FunctionSpec(code=str(tmp_path), handler="app.handler")
    assert spec.problems("f") == []
    (tmp_path / "app.ts").unlink()
    assert len(spec.problems("f")) == 1


def test_a_vpc_and_security_groups_are_checked_by_their_interfaces() -> None:
    stack = _stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["us-east-1a"], private_subnet_ids=["subnet-1"]
    )
    group = ec2.SecurityGroup.from_security_group_id(stack, "Group", "sg-1")
    assert _spec_problems(vpc=vpc, security_groups=[group]) == []
    half_a_vpc = SimpleNamespace(vpc_id="vpc-1")
    assert _spec_problems(vpc=half_a_vpc) == ["f.vpc must be an ec2.IVpc, got SimpleNamespace"]


def test_the_deployment_group_keeps_its_logical_id() -> None:
    """Construct IDs are public API: the group is ``Deployments/<function id>`` in the pattern."""
    _, made = build("S3Processor", {"delivery": S3Delivery.DIRECT, "deployment": DeploymentStrategy.canary()})
    groups = Template.from_stack(cdk.Stack.of(made)).find_resources("AWS::CodeDeploy::DeploymentGroup")
    assert list(groups) == ["PDeploymentsFunction1AFA91ED"]


@pytest.mark.parametrize(("stage", "days"), [("dev", 7), ("prod", 30)])
def test_a_patterns_function_takes_the_stages_defaults(stage: str, days: int) -> None:
    app = cdk.App(context={"serverless-patterns:stage": stage})
    stack = cdk.Stack(app, "S")
    S3Processor(stack, "P", function=spec(), delivery=S3Delivery.DIRECT)
    groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup")
    assert {k: g["Properties"]["RetentionInDays"] for k, g in groups.items()} == {
        "PFunctionLogGroup0B3C476E": days
    }


def test_a_pipeline_api_alarm_rolls_no_step_back() -> None:
    """The API trigger of an OrchestratedPipeline starts executions and runs no function's new code:
    its 5XX alarm notifies and is in no deployment group, while each step's own alarms are in its
    group (``Pattern._alarm`` with ``functions=()``)."""
    from serverless_patterns import OrchestratedPipeline, Step, Trigger

    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    OrchestratedPipeline(
        stack,
        "Pipeline",
        steps=[Step("Load", spec()), Step("Save", spec())],
        triggers=[Trigger.api(path="/orders")],
        deployment=DeploymentStrategy.canary(),
    )
    template = Template.from_stack(stack)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    (api_alarm,) = [k for k in alarms if k.startswith("PipelineApiServerErrorRateAlarm")]
    groups = template.find_resources("AWS::CodeDeploy::DeploymentGroup")
    rolled = [
        sorted(a["Name"]["Ref"] for a in g["Properties"]["AlarmConfiguration"]["Alarms"])
        for g in groups.values()
    ]
    assert len(rolled) == 2
    assert all(api_alarm not in names for names in rolled)
    assert all(len(names) == 2 for names in rolled)  # each step's errors and throttles


@pytest.mark.parametrize("prop", ["reserved_concurrency", "provisioned_concurrency"])
def test_a_token_concurrency_is_left_to_deploy_time(prop: str) -> None:
    """A concurrency given as a token (a parameter, an imported value) is not range-checked in
    Python: its placeholder number is not the value CloudFormation will see."""
    stack = _stack()
    token = cdk.Token.as_number(cdk.CfnParameter(stack, "Concurrency", type="Number").value_as_number)
    assert FunctionSpec(code=HANDLER, handler="app.handler", **{prop: token}).problems("function") == []
