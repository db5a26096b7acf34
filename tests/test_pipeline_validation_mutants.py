"""OrchestratedPipeline's validation at its edges: the last value each rule allows, the first it
refuses, tokens, and the exact problem reported. Mutation testing (scripts/mutation.sh
op-validation) found these edges untested: an off-by-one or a dropped default passed every test.

Each case builds the pattern with ``state_machine_type`` deliberately wrong, so construction stops at
validation (nothing is built) and the problems besides that one are exactly what the props under
test cause: none for a valid edge.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from serverless_patterns import PatternValidationError
from serverless_patterns.patterns.orchestrated_pipeline import (
    OrchestratedPipeline,
    Retry,
    Step,
    Trigger,
    Wait,
)
from serverless_patterns.patterns.orchestrated_pipeline.asl import MAX_ASL_INTEGER, MAX_DELAY_SECONDS
from tests.validation.support import spec

SEC = cdk.Duration.seconds
_SENTINEL = "state_machine_type must be"


def problems(**props: Any) -> list[str]:
    """Every problem the props cause, besides the sentinel's."""
    stack = cdk.Stack(cdk.App(), "S")
    props.setdefault("steps", [Step("Run", spec())])
    with pytest.raises(PatternValidationError) as raised:
        OrchestratedPipeline(stack, "P", state_machine_type="sentinel", **props)  # type: ignore[arg-type]
    found = raised.value.problems
    assert sum(p.startswith(_SENTINEL) for p in found) == 1
    return [p for p in found if not p.startswith(_SENTINEL)]


def retry_problems(**kwargs: Any) -> list[str]:
    return problems(steps=[Step("Run", spec(), retry=Retry(**kwargs))])


def schedule_problems(expression: str) -> list[str]:
    return problems(triggers=[Trigger.on_schedule(expression)])


# ------------------------------------------------------------------ Retry
@pytest.mark.parametrize(
    "kwargs",
    [
        {"errors": ["States.ALL"]},
        {"errors": ["States.TaskFailed", "States.Timeout"]},
        {"backoff_rate": 1},
        {"backoff_rate": 1.5},
        {"interval": SEC(1)},
        {"interval": SEC(MAX_ASL_INTEGER)},
        {"max_delay": SEC(MAX_DELAY_SECONDS)},
        {"max_delay": SEC(2)},  # equal to the default interval
        {"interval": SEC(5), "max_delay": SEC(5)},
        {"max_attempts": 0},
        {"jitter": False},
    ],
    ids=lambda k: ",".join(
        f"{n}={v.to_seconds() if isinstance(v, cdk.Duration) else v}" for n, v in k.items()
    ),
)
def test_a_retrier_at_its_edges_is_valid(kwargs: dict[str, Any]) -> None:
    assert retry_problems(**kwargs) == []


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"errors": [""]}, "retry[0].errors must be a non-empty list of error names, got ['']"),
        ({"errors": [5]}, "retry[0].errors must be a non-empty list of error names, got [5]"),
        ({"max_delay": SEC(1)}, "retry[0].max_delay must be at least the interval (2 s), got 1 s"),
        (
            {"interval": SEC(10), "max_delay": SEC(9)},
            "max_delay must be at least the interval (10 s), got 9 s",
        ),
        ({"backoff_rate": 0.99}, "retry[0].backoff_rate must be >= 1.0, got 0.99"),
        ({"max_delay": SEC(MAX_DELAY_SECONDS + 1)}, f"max_delay must be 1..{MAX_DELAY_SECONDS} seconds"),
    ],
)
def test_a_retrier_past_its_edges_is_one_problem(kwargs: dict[str, Any], expected: str) -> None:
    (problem,) = retry_problems(**kwargs)
    assert expected in problem


@pytest.mark.parametrize("field", ["max_attempts", "backoff_rate"])
def test_a_token_in_a_retrier_is_one_problem_naming_the_field(field: str) -> None:
    """The definition is JSON built in Python: a number token cannot go in it."""
    (problem,) = retry_problems(**{field: cdk.Token.as_number(cdk.Aws.ACCOUNT_ID)})
    assert (
        problem
        == f"steps['Run'].retry[0].{field} must be a number, not a token: the definition is built as JSON"
    )


def test_a_duration_token_in_a_retrier_is_one_problem() -> None:
    (problem,) = retry_problems(interval=SEC(cdk.Token.as_number(cdk.Aws.ACCOUNT_ID)))
    assert problem == (
        "steps['Run'].retry[0].interval must be a Duration of known length, not a token: "
        "the definition is built as JSON"
    )


# ------------------------------------------------------------------ Wait
@pytest.mark.parametrize(
    "wait",
    [
        Wait("Pause", duration=SEC(0)),
        Wait("Pause", seconds_path="$.delay"),
        Wait("Pause", timestamp_path="$.at"),
        Wait("Pause", until="2030-01-01T00:00:00Z"),
    ],
    ids=["zero-seconds", "seconds-path", "timestamp-path", "until"],
)
def test_a_wait_at_its_edges_is_valid(wait: Wait) -> None:
    assert problems(steps=[wait, Step("Run", spec())]) == []


@pytest.mark.parametrize(
    ("wait", "given"),
    [
        (Wait("Pause"), "none"),
        (Wait("Pause", seconds_path="$.a", timestamp_path="$.b"), "seconds_path, timestamp_path"),
        (Wait("Pause", duration=SEC(1), until="2030-01-01T00:00:00Z"), "duration, until"),
    ],
)
def test_a_wait_names_what_it_was_given(wait: Wait, given: str) -> None:
    (problem,) = problems(steps=[wait, Step("Run", spec())])
    assert problem == (
        f"steps['Pause'] needs exactly one of duration, until, seconds_path and timestamp_path, got {given}"
    )


# ------------------------------------------------------------------ schedules
@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(2 hours)",
        "cron(59 23 31 12 ? 2199)",
        "cron(0 0 1 1 ? 1970)",
        "cron(0/1 * * * ? *)",
        "cron(0 2 ? * MON-FRI *)",
        "cron(0 2 ? JAN,JUL 2#1 *)",
        "cron(0 2 ? * 6#5 *)",
        "cron(0 2 L * ? *)",
        "cron(0 2 15W * ? *)",
        "cron(0,15,30,45 * * * ? *)",
    ],
)
def test_a_schedule_at_its_edges_is_valid(expression: str) -> None:
    assert schedule_problems(expression) == []


def test_a_schedule_token_is_left_to_deploy_time() -> None:
    assert schedule_problems(cdk.Token.as_string(cdk.Aws.STACK_NAME)) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(0 minutes)", "must be rate(1 unit) or rate(N units) with N >= 1"),
        ("cron(0 2 32 * ? *)", "cron day-of-month must be 1..31, got 32"),
        ("cron(0 2 ? * 2#6 *)", "cron day-of-week '#' must be 1..5, got '2#6'"),
        ("cron(0 2 ? * 2#0 *)", "cron day-of-week '#' must be 1..5, got '2#0'"),
        ("cron(0/0 * * * ? *)", "cron minutes step must be a whole number >= 1, got '0/0'"),
        ("cron(0 2 ? * 2@ *)", "cron day-of-week may hold numbers, SUN, MON"),
        ("cron(0 2 * * ? 2200)", "cron year must be 1970..2199, got 2200"),
    ],
)
def test_a_schedule_past_its_edges_is_one_problem(expression: str, expected: str) -> None:
    (problem,) = schedule_problems(expression)
    assert problem.startswith("triggers[0].schedule ") and expected in problem


# ------------------------------------------------------------------ which props go together
def _topic(stack: cdk.Stack, id: str = "T") -> Any:
    from aws_cdk import aws_sns as sns

    return sns.Topic.from_topic_arn(stack, id, f"arn:aws:sns:us-east-1:123456789012:{id}")


def _chain(stack: cdk.Stack) -> Any:
    from aws_cdk import aws_stepfunctions as sfn

    return sfn.Pass(stack, "Start")


ONE_TASK = str(Path(__file__).parent / "validation" / "one_task.asl.json")
FILE = {
    "steps": None,
    "definition_file": ONE_TASK,
    "functions": {"Run": spec()},
    "substitutions": {"Stage": "p"},
}
NOT_SEVERAL = "give one of steps, definition_file and definition, not several"
FILE_ONLY = (
    "functions, topics, resources and substitutions go with definition_file; steps name their own functions"
)
NO_TASK_RESOURCES = (
    "functions, topics, resources and substitutions go with definition_file; a definition's tasks name "
    "their own resources"
)
NOTIFY_STEPS = (
    "notify_success and notify_failure go with steps; an ASL definition publishes where its own states say"
)


def exact(build: Any) -> list[str]:
    """The problems of the props ``build(stack)`` returns (made in the pattern's own stack)."""
    stack = cdk.Stack(cdk.App(), "S")
    props = build(stack)
    props.setdefault("steps", [Step("Run", spec())])
    with pytest.raises(PatternValidationError) as raised:
        OrchestratedPipeline(stack, "P", state_machine_type="sentinel", **props)
    return [p for p in raised.value.problems if not p.startswith(_SENTINEL)]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda s: {"steps": None, "definition": _chain(s)}, []),
        (lambda s: {"definition": _chain(s)}, [NOT_SEVERAL]),
        (lambda s: {"steps": None, "definition_file": ONE_TASK, "definition": _chain(s)}, [NOT_SEVERAL]),
        (
            lambda s: {"steps": None, "definition": _chain(s), "substitutions": {"A": "b"}},
            [NO_TASK_RESOURCES],
        ),
        (
            lambda s: {"steps": None, "definition": "chain"},
            ["definition must be an sfn.IChainable (a state or a chain), got str"],
        ),
        (lambda s: {"definition_file": ONE_TASK}, ["give either steps or definition_file, not both"]),
        (
            lambda s: {"steps": None},
            [
                "give steps (a list of Step) or definition_file (an Amazon States Language file) or definition "
                "(an aws_stepfunctions chain)"
            ],
        ),
        (lambda s: {"topics": {"T": _topic(s)}}, [FILE_ONLY]),
        (lambda s: {"resources": {"T": _topic(s)}}, [FILE_ONLY]),
        (lambda s: {"substitutions": {"A": "b"}}, [FILE_ONLY]),
        (lambda s: dict(FILE), []),
        (lambda s: {**FILE, "notify_success": False}, [NOTIFY_STEPS]),
        (lambda s: {**FILE, "notify_failure": True}, [NOTIFY_STEPS]),
        (
            lambda s: {**FILE, "topics": {"Alerts": _topic(s)}},
            ["topics['Alerts'] is not published to by any state of the definition"],
        ),
        (
            lambda s: {**FILE, "resources": {"Alerts": _topic(s)}},
            ["resources['Alerts'] is not published to by any state of the definition"],
        ),
        (
            lambda s: {**FILE, "functions": {"Bad": "x", "Run": spec()}},
            ["functions['Bad'] must be a FunctionSpec, got str"],
        ),
        (
            lambda s: {**FILE, "resources": {"Run": _function(s)}},
            ["resources['Run'] is also in functions: give each name once"],
        ),
        (
            lambda s: {**FILE, "topics": {"A-B": _topic(s, "T1"), "A_B": _topic(s, "T2")}},
            [
                "topics: 'A-B' and 'A_B' differ only in characters other than letters and digits, so both "
                "would be bound to one resource; rename one",
                "topics['A-B'] is not published to by any state of the definition",
                "topics['A_B'] is not published to by any state of the definition",
            ],
        ),
        (
            lambda s: {**FILE, "functions": {}},
            [
                f"definition_file {ONE_TASK!r}: state 'Run': Parameters.FunctionName ${{RunArn}} binds to no "
                "function; could bind it: functions (none given) or substitutions={'RunArn': ...}"
            ],
        ),
    ],
    ids=[
        "definition",
        "definition+steps",
        "definition+file",
        "definition+substitutions",
        "definition-str",
        "steps+file",
        "neither",
        "steps+topics",
        "steps+resources",
        "steps+substitutions",
        "file",
        "file+notify_success",
        "file+notify_failure",
        "unused-topic",
        "unused-resource",
        "function-not-spec",
        "resource-and-function",
        "topic-twins",
        "unbound-function",
    ],
)
def test_the_problems_of_a_combination_are_exactly_these(build: Any, expected: list[str]) -> None:
    assert exact(build) == expected


def _function(stack: cdk.Stack) -> Any:
    from aws_cdk import aws_lambda as lambda_

    return lambda_.Function.from_function_arn(
        stack, "Fn", "arn:aws:lambda:us-east-1:123456789012:function:run"
    )


# ------------------------------------------------------------------ steps
def _next(target: str) -> list[Any]:
    return [Step("Run", spec(), next=target)]


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"steps": _next("NotifySuccess"), "notify_success": True}, []),
        (
            {"steps": _next("NotifySuccess")},
            ["steps['Run'].next names no step at its level: 'NotifySuccess' (steps are Run)"],
        ),
        (
            {"steps": [Step("Run", spec(), retry=[Retry(errors=["A"]), Retry(errors=["States.ALL"])])]},
            [],
        ),
        (
            {"steps": [Step("Run", spec(), retry=[Retry(errors=["States.ALL"]), Retry(errors=["A"])])]},
            ["steps['Run'].retry: the retrier for States.ALL must be the last one"],
        ),
        (
            {"steps": [Step("Run", spec(), retry=["x", Retry(errors=[""])])]},
            [
                "steps['Run'].retry must be a Retry or a list of Retry, got 'x'",
                "steps['Run'].retry[1].errors must be a non-empty list of error names, got ['']",
            ],
        ),
        (
            {"steps": [5, Step("Run", spec(), next="Nope")]},
            [
                "steps[0] must be a Step, Choice, Wait, Parallel or Map, got int",
                "steps['Run'].next names no step at its level: 'Nope' (steps are Run)",
            ],
        ),
        (
            {"steps": [Step("Run", spec()), Step("Run", spec()), Step("Run", spec())]},
            ["steps[0].name 'Run' is used by more than one step"],
        ),
        (
            {"steps": [Step(5, spec(), next="Nope")]},  # type: ignore[arg-type]
            ["steps[0].name must be a letter then letters, digits, '_' or '-', at most 80 characters, got 5"],
        ),
        (
            {"steps": [Step("NotifyError", spec(), next="Nope")]},
            ["steps[0].name 'NotifyError' is reserved for the pattern's notification states"],
        ),
    ],
    ids=[
        "next-notify-success",
        "next-notify-success-off",
        "all-last",
        "all-not-last",
        "retry-not-retry",
        "not-a-step",
        "three-of-a-name",
        "bad-name",
        "reserved-name",
    ],
)
def test_the_problems_of_the_steps_are_exactly_these(props: dict[str, Any], expected: list[str]) -> None:
    assert problems(**props) == expected


def test_a_name_inside_a_map_collides_with_one_outside() -> None:
    from serverless_patterns.patterns.orchestrated_pipeline import Map

    found = problems(steps=[Map("Each", [Step("Run", spec())]), Step("Run", spec())])
    assert found == ["steps['Each'].steps[0].name 'Run' is used by more than one step"]


# ------------------------------------------------------------------ integrations the user's policies cover
def _ec2_file(tmp_path: Path) -> str:
    path = tmp_path / "ec2.asl.json"
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances", "Parameters": {}}
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {**state, "End": True}}}))
    return str(path)


def _glue_file(tmp_path: Path) -> str:
    path = tmp_path / "glue.asl.json"
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": "n"},
    }
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {**state, "End": True}}}))
    return str(path)


@pytest.mark.parametrize(
    ("actions", "covered"),
    [
        (["ec2:DescribeInstances"], True),
        (["EC2:describeinstances"], True),
        (["ec2:Describe*"], True),
        (["ec2:DescribeVolumes"], False),
        (["s3:GetObject"], False),
    ],
)
def test_a_users_statement_covers_an_sdk_integration_by_its_action(
    tmp_path: Path, actions: list[str], covered: bool
) -> None:
    from aws_cdk import aws_iam as iam

    statement = iam.PolicyStatement(actions=actions, resources=["*"])
    found = problems(steps=None, definition_file=_ec2_file(tmp_path), policies=[statement])
    if covered:
        assert found == []
    else:
        (problem,) = found
        assert problem.endswith(
            "state 'A': the pattern cannot grant aws-sdk:ec2:describeInstances (its Parameters name no "
            "resource the pattern can bind); pass policies=[iam.PolicyStatement(actions=[...], "
            "resources=[...])] allowing ec2:DescribeInstances on exactly what it uses"
        )


@pytest.mark.parametrize(
    ("actions", "covered"),
    [(["glue:StartJobRun"], True), (["GLUE:GetJobRun"], True), (["s3:GetObject"], False)],
)
def test_a_users_statement_covers_an_unmapped_service_by_any_of_its_actions(
    tmp_path: Path, actions: list[str], covered: bool
) -> None:
    from aws_cdk import aws_iam as iam

    statement = iam.PolicyStatement(actions=actions, resources=["*"])
    found = problems(steps=None, definition_file=_glue_file(tmp_path), policies=[statement])
    if covered:
        assert found == []
    else:
        (problem,) = found
        assert problem.endswith("allowing glue: actions on exactly what it uses")


# ------------------------------------------------------------------ triggers
def _bus(stack: cdk.Stack) -> Any:
    from aws_cdk import aws_events as events

    return events.EventBus.from_event_bus_name(stack, "Bus", "orders")


def _event(**kwargs: Any) -> Trigger:
    from aws_cdk import aws_events as events

    return Trigger.on_event(events.EventPattern(source=["shop.orders"]), **kwargs)


_TOKEN = cdk.Token.as_string(cdk.Aws.STACK_NAME)


@pytest.mark.parametrize(
    "build",
    [
        lambda s: [_event(input_path="$.detail", event_bus=_bus(s))],
        lambda s: [_event(input_path=_TOKEN)],
        lambda s: [Trigger.api(path=_TOKEN, stage_name=_TOKEN, web_acl_arn=_TOKEN)],
        lambda s: [Trigger.api(throttling_burst_limit=cdk.Token.as_number(cdk.Aws.ACCOUNT_ID))],
        lambda s: [
            Trigger.api(
                web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/w/1", stage_name="v1"
            )
        ],
    ],
    ids=["event-bus-and-path", "path-token", "api-tokens", "burst-token", "web-acl"],
)
def test_valid_triggers_have_no_problems(build: Any) -> None:
    assert exact(lambda s: {"triggers": build(s)}) == []


def test_each_trigger_is_checked_after_one_that_is_no_trigger() -> None:
    assert problems(triggers=[5, Trigger.api(path="executions")]) == [
        "triggers[0] must be a Trigger, got int",
        "triggers[1].path must be '/' then static segments of letters, digits or '._~-', got 'executions'",
    ]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda s: {**FILE, "topics": {"T": _topic(s)}, "resources": {"T": _topic(s, "T2")}},
            [
                "resources['T'] is also in topics: give each name once",
                "topics['T'] is not published to by any state of the definition",
            ],
        ),
        (
            lambda s: {**FILE, "resources": {"A-B": _topic(s, "T1"), "A_B": _topic(s, "T2")}},
            [
                "resources: 'A-B' and 'A_B' differ only in characters other than letters and digits, so both "
                "would be bound to one resource; rename one",
                "resources['A-B'] is not published to by any state of the definition",
                "resources['A_B'] is not published to by any state of the definition",
            ],
        ),
        (
            lambda s: {**FILE, "substitutions": {"Stage": "p", "AWS_X": "v"}},
            [
                "substitutions key 'AWS_X' must be letters, digits and '_' and not start with Function_, "
                "Topic_, Table_, Queue_, EventBus_, StateMachine_, Bucket_, States_, AWS_ (the pattern's own)",
                "substitutions['AWS_X'] is not used by the definition (no ${AWS_X} in it)",
            ],
        ),
    ],
    ids=["resource-also-topic", "resource-twins", "reserved-substitution"],
)
def test_the_problems_of_resources_are_exactly_these(build: Any, expected: list[str]) -> None:
    assert exact(build) == expected


# ------------------------------------------------------------------ what the validation hands on
# validate_props returns the checked definition the pattern builds (the default retrier and the
# timeout in); called directly, these tests read it without building a stack's functions.
def checked(**props: Any) -> Any:
    from aws_cdk import aws_stepfunctions as sfn

    from serverless_patterns.errors import Problems
    from serverless_patterns.patterns.orchestrated_pipeline.validation import validate_props

    given: dict[str, Any] = {
        "state_machine_type": sfn.StateMachineType.STANDARD,
        "steps": None,
        "definition_file": None,
        "functions": None,
        "topics": None,
        "resources": None,
        "substitutions": None,
        "policies": [],
        "chain": None,
        "notify_success": None,
        "notify_failure": None,
        "timeout": None,
        "log_level": sfn.LogLevel.ERROR,
        "triggers": [],
        **props,
    }
    return validate_props("S/P", problems=Problems(), **given)


def _file(tmp_path: Path, states: dict[str, Any], name: str = "w.asl.json") -> str:
    path = tmp_path / name
    first = next(iter(states))
    path.write_text(json.dumps({"StartAt": first, "States": states}))
    return str(path)


@pytest.mark.parametrize(
    ("express", "seconds"),
    [(False, 365 * 24 * 3600), (False, 1), (True, 300)],
    ids=["standard-ceiling", "floor", "express-ceiling"],
)
def test_a_timeout_at_its_edges_is_the_definitions_timeout(express: bool, seconds: int) -> None:
    from aws_cdk import aws_stepfunctions as sfn

    kind = sfn.StateMachineType.EXPRESS if express else sfn.StateMachineType.STANDARD
    result = checked(state_machine_type=kind, steps=[Step("Run", spec())], timeout=SEC(seconds))
    assert result.definition["TimeoutSeconds"] == seconds


@pytest.mark.parametrize(
    ("kind", "seconds", "expected"),
    [
        ("EXPRESS", 301, "timeout (an Express workflow) must be 1..300 seconds, got 301"),
        (
            "STANDARD",
            365 * 24 * 3600 + 1,
            "timeout (a Standard workflow) must be 1..31536000 seconds, got 31536001",
        ),
        ("STANDARD", 0, "timeout (a Standard workflow) must be 1..31536000 seconds, got 0"),
    ],
)
def test_a_timeout_past_its_edges_names_the_workflow_kind(kind: str, seconds: int, expected: str) -> None:
    from aws_cdk import aws_stepfunctions as sfn

    with pytest.raises(PatternValidationError) as raised:
        checked(
            state_machine_type=getattr(sfn.StateMachineType, kind),
            steps=[Step("Run", spec())],
            timeout=SEC(seconds),
        )
    assert raised.value.problems == [expected]
    assert raised.value.construct_path == "S/P"


def test_a_retrier_whose_interval_is_at_its_ceiling_still_bounds_max_delay() -> None:
    # interval at its ceiling is a valid interval, so a smaller max_delay is still compared with it
    assert retry_problems(interval=SEC(MAX_ASL_INTEGER), max_delay=SEC(MAX_DELAY_SECONDS)) == [
        f"steps['Run'].retry[0].max_delay must be at least the interval ({MAX_ASL_INTEGER} s), got "
        f"{MAX_DELAY_SECONDS} s: it would cap even the first wait"
    ]


def test_a_wait_at_its_ceiling_is_in_the_definition() -> None:
    result = checked(steps=[Wait("Pause", duration=SEC(MAX_ASL_INTEGER)), Step("Run", spec())])
    assert result.definition["States"]["Pause"]["Seconds"] == MAX_ASL_INTEGER


def test_lambda_tasks_without_a_retrier_get_the_default_one(tmp_path: Path) -> None:
    own = [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1}]
    lambda_task = {"Type": "Task", "Parameters": {"FunctionName": "${RunArn}", "Payload.$": "$"}}
    definition = _file(
        tmp_path,
        {
            "Invoke": {**lambda_task, "Resource": "arn:aws:states:::lambda:invoke", "Next": "Direct"},
            "Direct": {"Type": "Task", "Resource": "${RunArn}", "Next": "Own"},
            "Own": {
                **lambda_task,
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": own,
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    )
    result = checked(definition_file=definition, functions={"Run": spec()})
    states = result.definition["States"]
    assert states["Invoke"]["Retry"] == [Retry().to_asl()]
    assert states["Direct"]["Retry"] == [Retry().to_asl()]
    assert states["Own"]["Retry"] == own
    assert "Retry" not in states["Done"]


def test_a_task_of_another_service_gets_no_default_retrier(tmp_path: Path) -> None:
    from aws_cdk import aws_dynamodb as dynamodb

    stack = cdk.Stack(cdk.App(), "S")
    table = dynamodb.TableV2(
        stack, "T", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    definition = _file(
        tmp_path,
        {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "Orders", "Item": {"id": {"S": "1"}}},
                "End": True,
            }
        },
    )
    result = checked(definition_file=definition, resources={"Orders": table})
    assert "Retry" not in result.definition["States"]["Put"]
    # the table given is bound: the state uses it by its name
    assert [(u.kind, u.name, u.actions) for u in result.found.uses] == [
        ("table", "Orders", ("dynamodb:PutItem",))
    ]
    assert result.resources == {("table", "Orders"): table}


def test_an_express_workflow_refuses_a_sync_integration(tmp_path: Path) -> None:
    from aws_cdk import aws_stepfunctions as sfn

    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": "Child", "Input.$": "$"},
        "End": True,
    }
    definition = _file(tmp_path, {"Ship": state})
    stack = cdk.Stack(cdk.App(), "S")
    child = sfn.StateMachine.from_state_machine_name(stack, "C", "Child")
    standard = checked(definition_file=definition, resources={"Child": child})
    assert standard.definition["States"]["Ship"]["Resource"].endswith(".sync:2")
    with pytest.raises(PatternValidationError) as raised:
        checked(
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_file=definition,
            resources={"Child": child},
        )
    assert raised.value.problems == [
        f"definition_file {definition!r}: state 'Ship' uses arn:aws:states:::states:startExecution.sync:2, "
        "which Express workflows do not support (use a Standard workflow)"
    ]


def test_each_unmapped_integration_is_checked_after_one_a_policy_covers(tmp_path: Path) -> None:
    from aws_cdk import aws_iam as iam

    ec2 = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances", "Parameters": {}}
    glue = {
        "Type": "Task",
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": "n"},
    }
    s3 = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "Parameters": {}}
    definition = _file(
        tmp_path,
        {
            "Ec2": {**ec2, "Next": "Glue"},
            "Glue": {**glue, "Next": "S3"},
            "S3": {**s3, "Next": "Ec2Again"},
            "Ec2Again": {**ec2, "End": True},
        },
    )
    glue_only = iam.PolicyStatement(actions=["glue:StartJobRun"], resources=["*"])
    found = problems(steps=None, definition_file=definition, policies=[glue_only])
    where = f"definition_file {definition!r}"
    assert [p.split(" (")[0] for p in found] == [
        f"{where}: state 'Ec2': the pattern cannot grant aws-sdk:ec2:describeInstances",
        f"{where}: state 'S3': the pattern cannot grant aws-sdk:s3:listBuckets",
        f"{where}: state 'Ec2Again': the pattern cannot grant aws-sdk:ec2:describeInstances",
    ]
    ec2_only = iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"])
    found = problems(steps=None, definition_file=definition, policies=[ec2_only])
    assert [p.split(" (")[0] for p in found] == [
        f"{where}: state 'Glue': the pattern cannot grant glue:startJobRun.sync",
        f"{where}: state 'S3': the pattern cannot grant aws-sdk:s3:listBuckets",
    ]


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 2 ? jan,jul mon-fri *)",
        "cron(0,30/5 * * * ? *)",
        "cron(0 2 ? * 2#1,6#5 *)",
        "cron(0 2 ? * mon#2 *)",
        "cron(0 2 lw * ? *)",
    ],
)
def test_a_schedule_with_lists_steps_and_lower_case_names_is_valid(expression: str) -> None:
    assert schedule_problems(expression) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0,30/0 * * * ? *)", "cron minutes step must be a whole number >= 1, got '30/0'"),
        ("cron(0 2 ? * 2#1,6#6 *)", "cron day-of-week '#' must be 1..5, got '6#6'"),
        ("cron(0,60 2 * * ? *)", "cron minutes must be 0..59, got 60"),
        ("cron(0 2 ? * 0 *)", "cron day-of-week must be 1..7, got 0"),
        ("cron(0 2 ? foo * *)", "cron month may hold numbers, JAN, FEB"),
    ],
)
def test_a_list_is_checked_item_by_item(expression: str, expected: str) -> None:
    (problem,) = schedule_problems(expression)
    assert expected in problem


# ------------------------------------------------------------------ what each check hands on, exactly
def test_policies_of_the_wrong_shape_name_the_type_given() -> None:
    assert problems(policies="statement") == ["policies must be a list of iam.PolicyStatement, got str"]


def test_a_resource_of_no_known_kind_names_the_type_given() -> None:
    assert exact(lambda s: {**FILE, "resources": {"Odd": 5}}) == [
        "resources['Odd'] must be a dynamodb.ITable, sqs.IQueue, events.IEventBus, sfn.IStateMachine, "
        "s3.IBucket, sns.ITopic or lambda_.IFunction, got int"
    ]


def test_empty_steps_are_one_problem() -> None:
    assert problems(steps=[]) == ["steps must have at least one Step, got []"]


def test_each_step_is_checked_after_one_that_is_no_step() -> None:
    assert problems(steps=[5, Step("Run", spec(), next="Nowhere")]) == [
        "steps[0] must be a Step, Choice, Wait, Parallel or Map, got int",
        "steps['Run'].next names no step at its level: 'Nowhere' (steps are Run)",
    ]


def test_a_steps_own_retrier_is_in_the_definition() -> None:
    result = checked(steps=[Step("Run", spec(), retry=Retry(max_attempts=2))])
    (retrier,) = result.definition["States"]["Run"]["Retry"]
    assert retrier["MaxAttempts"] == 2


def test_a_parallel_state_catches_into_a_step_of_its_level() -> None:
    from serverless_patterns.patterns.orchestrated_pipeline import Parallel

    steps = [Parallel("Fan", [[Step("A", spec())]], catch={"States.ALL": "Run"}), Step("Run", spec())]
    result = checked(steps=steps)
    (catcher,) = result.definition["States"]["Fan"]["Catch"]
    assert catcher["ErrorEquals"] == ["States.ALL"] and catcher["Next"] == "Run"


def test_a_given_topic_and_a_users_function_are_bound_by_name(tmp_path: Path) -> None:
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sns as sns

    stack = cdk.Stack(cdk.App(), "S")
    topic = sns.Topic.from_topic_arn(stack, "T", "arn:aws:sns:us-east-1:123456789012:alerts")
    notify = lambda_.Function.from_function_arn(
        stack, "N", "arn:aws:lambda:us-east-1:123456789012:function:n"
    )
    invoke = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}
    definition = _file(
        tmp_path,
        {
            "Run": {**invoke, "Parameters": {"FunctionName": "Run", "Payload.$": "$"}, "Next": "Notify"},
            "Notify": {**invoke, "Parameters": {"FunctionName": "Notify", "Payload.$": "$"}, "Next": "Tell"},
            "Tell": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "Alerts", "Message.$": "$"},
                "End": True,
            },
        },
    )
    result = checked(
        definition_file=definition,
        functions={"Run": spec()},
        topics={"Alerts": topic},
        resources={"Notify": notify},
    )
    assert result.resources == {("topic", "Alerts"): topic, ("function", "Notify"): notify}
    assert sorted((u.kind, u.name) for u in result.found.uses) == [
        ("function", "Notify"),
        ("function", "Run"),
        ("topic", "Alerts"),
    ]


def test_each_step_is_checked_after_one_with_a_bad_name() -> None:
    assert problems(steps=[Step("bad name", spec()), Step("Run", spec(), next="Nowhere")]) == [
        "steps[0].name must be a letter then letters, digits, '_' or '-', at most 80 characters, got 'bad name'",
        "steps['Run'].next names no step at its level: 'Nowhere' (steps are Run, bad name)",
    ]


def test_a_map_state_catches_into_a_step_of_its_level() -> None:
    from serverless_patterns.patterns.orchestrated_pipeline import Map

    steps = [Map("Each", [Step("A", spec())], catch={"States.ALL": "Run"}), Step("Run", spec())]
    result = checked(steps=steps)
    (catcher,) = result.definition["States"]["Each"]["Catch"]
    assert catcher["ErrorEquals"] == ["States.ALL"] and catcher["Next"] == "Run"
