"""OrchestratedPipeline: a Step Functions state machine whose Task states invoke Lambda functions
through their ``live`` alias, from Python steps or from an Amazon States Language file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ...core import (
    AlarmKind,
    Deployments,
    DeploymentStrategy,
    FunctionSpec,
    Invocation,
    Monitoring,
    MonitoringOptions,
    PatternFunction,
    acknowledge,
)
from ...core.monitoring import threshold_problems
from ...core.queue import parking_queue
from ...core.rest_api import api_metrics, secure_rest_api
from ...core.topic import encrypted_topic
from ...errors import Problems, is_token
from . import asl as _asl

__all__ = ["OrchestratedPipeline", "Retry", "Step", "Trigger"]

NOTIFY_SUCCESS = "NotifySuccess"
NOTIFY_ERROR = "NotifyError"
PIPELINE_FAILED = "PipelineFailed"
RESERVED_STATES = (NOTIFY_SUCCESS, NOTIFY_ERROR, PIPELINE_FAILED)
NOTIFICATION_TOPIC = "Notifications"
DEFAULT_RETRY_INTERVAL_SECONDS = 2
EXPRESS_MAX_SECONDS = _asl.EXPRESS_MAX_SECONDS
STANDARD_MAX_SECONDS = 365 * 24 * 3600
DEFAULT_API_PATH = "/executions"
DEFAULT_API_RATE_LIMIT = 10
DEFAULT_API_BURST_LIMIT = 20
DEFAULT_STAGE_NAME = "prod"
EVENT_RETRY_ATTEMPTS = 8
EVENT_MAX_AGE_HOURS = 1
_STATES_ARN = "arn:aws:states:::"
_STEP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^)]*)\)$")
_API_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_STAGE = re.compile(r"^[A-Za-z0-9_]{1,128}$")


# ------------------------------------------------------------------------------------------------ props
@dataclass(frozen=True)
class Retry:
    """How a step retries errors: ``Retry(errors=["Lambda.TooManyRequestsException"], max_attempts=3)``.

    ``Retry()`` is the retrier every Lambda step gets by default.
    """

    errors: Sequence[str] = _asl.TRANSIENT_LAMBDA_ERRORS
    """Error names this retrier handles (``States.ALL`` for any).
    Default: - the transient Lambda errors (Lambda.ServiceException, Lambda.AWSLambdaException,
    Lambda.SdkClientException, Lambda.TooManyRequestsException)"""
    interval: cdk.Duration | None = None
    """Wait before the first retry, whole seconds. Default: - 2 seconds"""
    max_attempts: int = 6
    """Retries before the error is caught or fails the execution, 0..99999999. Default: 6"""
    backoff_rate: float = 2.0
    """Multiplier of the wait on every retry, >= 1.0. Default: 2.0"""
    max_delay: cdk.Duration | None = None
    """Cap on the wait between retries, whole seconds. Default: - no cap"""
    jitter: bool = True
    """Randomize each wait (``JitterStrategy: FULL``) so retries of many executions spread out. Default: True"""

    def problems(self, prop: str) -> list[str]:
        found = Problems()
        errors = list(self.errors) if isinstance(self.errors, list | tuple) else None
        if not errors or not all(isinstance(e, str) and e for e in errors):
            found.add(f"{prop}.errors must be a non-empty list of error names, got {self.errors!r}")
        elif "States.ALL" in errors and len(errors) > 1:
            found.add(f"{prop}.errors: States.ALL must appear alone, got {errors!r}")
        for name, value in (("max_attempts", self.max_attempts), ("backoff_rate", self.backoff_rate)):
            if is_token(value):
                found.add(f"{prop}.{name} must be a number, not a token: the definition is built as JSON")
        if isinstance(self.max_attempts, int) and not is_token(self.max_attempts):
            found.in_range(f"{prop}.max_attempts", self.max_attempts, 0, _asl.MAX_ASL_INTEGER)
        elif not is_token(self.max_attempts):
            found.add(f"{prop}.max_attempts must be an integer, got {self.max_attempts!r}")
        if not is_token(self.backoff_rate) and (
            not isinstance(self.backoff_rate, int | float) or self.backoff_rate < 1
        ):
            found.add(f"{prop}.backoff_rate must be >= 1.0, got {self.backoff_rate!r}")
        for name, duration, high in (
            ("interval", self.interval, _asl.MAX_ASL_INTEGER),
            ("max_delay", self.max_delay, _asl.MAX_DELAY_SECONDS),
        ):
            if duration is not None:
                _whole_seconds(f"{prop}.{name}", duration, 1, high, found)
        return list(found)

    def to_asl(self) -> dict[str, Any]:
        retrier: dict[str, Any] = {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": int(_seconds(self.interval) or DEFAULT_RETRY_INTERVAL_SECONDS),
            "MaxAttempts": self.max_attempts,
            "BackoffRate": float(self.backoff_rate),
            "JitterStrategy": "FULL" if self.jitter else "NONE",
        }
        max_delay = _seconds(self.max_delay)
        if max_delay is not None:
            retrier["MaxDelaySeconds"] = int(max_delay)
        return retrier


@dataclass(frozen=True)
class Step:
    """One Lambda step of a pipeline built from Python: ``Step("Extract", FunctionSpec(...))``.

    Steps run in the order given; each one's return value is the next one's input.
    """

    name: str
    """The state name: a letter, then letters, digits, ``_`` or ``-``, at most 80 characters."""
    function: FunctionSpec
    """The function the step invokes (through its ``live`` alias)."""
    retry: Retry | Sequence[Retry] | None = None
    """Retriers for this step, tried in order. The default retrier still handles the transient Lambda
    errors your retriers do not name (none when one of them names ``States.ALL``).
    Default: - Retry(): the transient Lambda errors, 6 attempts from 2 s, backoff 2.0, full jitter"""
    catch: Mapping[str, str] = field(default_factory=dict)
    """Error name (``States.ALL`` for any) to the state that handles it: another step,
    ``NotifyError`` or ``NotifySuccess``. The error is added to the state input as ``$.error``.
    Default: - any error goes to NotifyError when notify_failure is on"""

    @property
    def retriers(self) -> list[Retry]:
        if self.retry is None:
            return []
        return [self.retry] if isinstance(self.retry, Retry) else list(self.retry)


@dataclass(frozen=True)
class Trigger:
    """What starts executions. Build one with :meth:`on_schedule`, :meth:`on_event` or :meth:`api`."""

    kind: str
    """schedule, event or api."""
    schedule: str | events.Schedule | None = None
    """``cron(...)`` or ``rate(...)`` expression, or an ``events.Schedule`` (kind schedule). Default: - none"""
    event_pattern: events.EventPattern | None = None
    """Events that start an execution (kind event). Default: - none"""
    event_bus: events.IEventBus | None = None
    """Bus the event rule listens on (kind event). Default: - the account's default bus"""
    input: Mapping[str, Any] | None = None
    """Execution input for a schedule (kind schedule). Default: - the EventBridge event"""
    input_path: str | None = None
    """JSONPath into the matching event used as execution input, e.g. ``$.detail`` (kind event).
    Default: - the whole EventBridge event"""
    path: str = DEFAULT_API_PATH
    """Resource path whose POST starts an execution (kind api). Default: /executions"""
    throttling_rate_limit: float = DEFAULT_API_RATE_LIMIT
    """Steady-state requests per second of the API stage (kind api). Default: 10"""
    throttling_burst_limit: int = DEFAULT_API_BURST_LIMIT
    """Request burst of the API stage (kind api). Default: 20"""
    stage_name: str = DEFAULT_STAGE_NAME
    """API stage name (kind api). Default: prod"""
    account_logging_role: bool = True
    """Create the account-level role API Gateway needs for execution logs (kind api). Default: True"""
    web_acl_arn: str | None = None
    """WAFv2 web ACL (REGIONAL) associated with the API stage (kind api). Default: - no web ACL"""
    request_schema: apigw.JsonSchema | None = None
    """JSON schema the request body must match (kind api). Default: - any JSON object"""

    @classmethod
    def on_schedule(
        cls, expression: str | events.Schedule, *, input: Mapping[str, Any] | None = None
    ) -> Trigger:
        """An EventBridge rule that starts an execution on ``expression`` (``"cron(0 2 * * ? *)"``)."""
        return cls("schedule", schedule=expression, input=input)

    @classmethod
    def on_event(
        cls,
        pattern: events.EventPattern,
        *,
        event_bus: events.IEventBus | None = None,
        input_path: str | None = None,
    ) -> Trigger:
        """An EventBridge rule that starts an execution for every event matching ``pattern``; the
        event (or the part of it at ``input_path``, such as ``$.detail``) is the execution input."""
        return cls("event", event_pattern=pattern, event_bus=event_bus, input_path=input_path)

    @classmethod
    def api(
        cls,
        *,
        path: str = DEFAULT_API_PATH,
        throttling_rate_limit: float = DEFAULT_API_RATE_LIMIT,
        throttling_burst_limit: int = DEFAULT_API_BURST_LIMIT,
        stage_name: str = DEFAULT_STAGE_NAME,
        account_logging_role: bool = True,
        web_acl_arn: str | None = None,
        request_schema: apigw.JsonSchema | None = None,
    ) -> Trigger:
        """A REST API whose ``POST path`` (IAM-authorized) starts an execution with the request body
        as input and answers with the execution ARN."""
        return cls(
            "api",
            path=path,
            throttling_rate_limit=throttling_rate_limit,
            throttling_burst_limit=throttling_burst_limit,
            stage_name=stage_name,
            account_logging_role=account_logging_role,
            web_acl_arn=web_acl_arn,
            request_schema=request_schema,
        )


# ------------------------------------------------------------------------------------------------ pattern
class OrchestratedPipeline(Construct):
    """A Step Functions state machine orchestrating Lambda functions, logged, traced and alarmed.

    Give either ``steps`` (run in order, with retries, catches and SNS notifications) or a
    ``definition_file`` in Amazon States Language with the ``functions`` its Lambda states name:
    each Lambda ``Resource``/``FunctionName`` and SNS ``TopicArn`` in the file is rebound, by name,
    to the function's ``live`` alias and to the pattern's topic.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        steps: Sequence[Step] | None = None,
        definition_file: str | os.PathLike[str] | None = None,
        functions: Mapping[str, FunctionSpec] | None = None,
        topics: Mapping[str, sns.ITopic] | None = None,
        notify_success: bool | None = None,
        notify_failure: bool | None = None,
        notification_topic: sns.ITopic | None = None,
        state_machine_type: sfn.StateMachineType = sfn.StateMachineType.STANDARD,
        timeout: cdk.Duration | None = None,
        log_level: sfn.LogLevel = sfn.LogLevel.ALL,
        include_execution_data: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        triggers: Sequence[Trigger] = (),
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
    ) -> None:
        """
        :param steps: Lambda steps run in order (Python definition). Default: - none; give ``definition_file``
        :param definition_file: Amazon States Language file (JSON), relative to the current directory.
            Its Lambda tasks without a Retry get the default retrier. Default: - none; give ``steps``
        :param functions: Function name used in ``definition_file`` to the function to build for it.
            Default: - none (required with ``definition_file``)
        :param topics: SNS topic name used in ``definition_file`` to the topic to publish to instead.
            Default: - every topic in the file is the pattern's notification topic
        :param notify_success: With ``steps``: publish to the notification topic when the pipeline
            succeeds. Default: False
        :param notify_failure: With ``steps``: publish to the notification topic, then fail, when a
            step fails after its retries. Default: True
        :param notification_topic: The topic notifications go to. Default: - a topic encrypted with a
            customer-managed KMS key (rotation on), TLS-only, created when the definition publishes
        :param state_machine_type: ``STANDARD`` or ``EXPRESS``. Default: STANDARD
        :param timeout: Maximum duration of an execution, whole seconds (``TimeoutSeconds``; replaces
            the one in ``definition_file``). Default: - the file's TimeoutSeconds, else none: a Standard
            execution may run a year, an Express one 5 minutes
        :param log_level: Execution history logged to CloudWatch Logs: ALL, ERROR or FATAL. Default: ALL
        :param include_execution_data: Log state input and output too. Off because payloads may hold
            personal data that the log group would keep for ``log_retention``. Default: False
        :param log_retention: Retention of the execution log group (and of the API trigger's access
            logs). Default: ONE_MONTH
        :param triggers: What starts executions. Default: - none; start executions yourself
            (``grant_start_execution``)
        :param deployment: How new function versions reach traffic. Default: - DeploymentStrategy.canary()
            (10% for 5 minutes, rolled back on the function's error and throttle alarms)
        :param monitoring: Alarm thresholds and the monitoring to register with.
            Default: - MonitoringOptions() (the stack's shared alarm topic and dashboard)
        """
        super().__init__(scope, id)
        deployment = deployment or DeploymentStrategy.canary()
        monitoring_options = monitoring or MonitoringOptions()
        express = state_machine_type == sfn.StateMachineType.EXPRESS
        definition, specs, references = self._validate(
            state_machine_type,
            steps,
            definition_file,
            functions,
            topics,
            notify_success,
            notify_failure,
            express,
            timeout,
            log_level,
            triggers,
            deployment,
            monitoring_options,
        )
        self.monitoring = Monitoring.of(self, monitoring_options)
        thresholds = monitoring_options.thresholds
        self._thresholds = thresholds
        self.deployments = (
            Deployments(self, "Deployments", deployment) if deployment.uses_codedeploy else None
        )

        # One function per step, or per entry of ``functions``.
        self._pattern_functions: dict[str, PatternFunction] = {}
        used_ids: set[str] = set()
        for name, spec in specs.items():
            self._pattern_functions[name] = PatternFunction(
                self,
                _unique(_pascal(name) + "Function", used_ids),
                spec=spec,
                service_name=id,
                invocation=Invocation.SYNC,
                monitoring=self.monitoring,
                thresholds=thresholds,
                deployments=self.deployments,
            )
        self.functions: dict[str, lambda_.Function] = {
            n: pf.function for n, pf in self._pattern_functions.items()
        }
        self.aliases: dict[str, lambda_.Alias] = {n: pf.alias for n, pf in self._pattern_functions.items()}

        # Topics: the pattern's notification topic, plus any the user maps by name.
        topic_names = [t.name for t in references if t.kind == "topic"]
        needs_topic = any(name not in (topics or {}) for name in topic_names)
        self.topic: sns.ITopic | None = notification_topic
        self.topic_key: kms.IKey | None = None
        if self.topic is None and needs_topic:
            self.topic, self.topic_key = encrypted_topic(
                self,
                "NotificationTopic",
                key_id="NotificationTopicKey",
                key_description=f"Encrypts the notification topic of {self.node.path}",
            )

        # Rebind every target to what the pattern built, through definition substitutions.
        substitutions: dict[str, str] = {}
        alias_arns: dict[str, str] = {}
        publish_to: list[sns.ITopic] = []
        for target in references:
            if target.kind == "function":
                key = f"Function_{_key(target.name)}"
                if key not in substitutions:
                    arn = self.aliases[target.name].function_arn
                    substitutions[key] = arn
                    alias_arns[target.name] = arn
            else:
                topic = (topics or {}).get(target.name) or self.topic
                assert topic is not None
                key = f"Topic_{_key(target.name)}"
                if key not in substitutions:
                    substitutions[key] = topic.topic_arn
                    if all(topic is not t for t in publish_to):
                        publish_to.append(topic)
            target.bind("${" + key + "}")
        if steps is not None:
            _partition_neutral(definition, substitutions)

        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=log_retention)
        self.state_machine = sfn.StateMachine(
            self,
            "Resource",
            definition_body=sfn.DefinitionBody.from_string(json.dumps(definition, separators=(",", ":"))),
            definition_substitutions=substitutions,
            state_machine_type=state_machine_type,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=log_level, include_execution_data=include_execution_data
            ),
        )
        self._grant(alias_arns, publish_to, log_level)
        # CDK makes the state machine depend on its role, which CloudFormation already infers from
        # the GetAtt (cfn-lint W3005); keep only the dependency on the role's policy.
        cfn_machine = self.state_machine.node.default_child
        role_policy = self.state_machine.role.node.find_child("DefaultPolicy").node.default_child
        assert isinstance(cfn_machine, cdk.CfnResource) and isinstance(role_policy, cdk.CfnResource)
        cfn_machine.add_override("DependsOn", [role_policy.logical_id])

        self.rules: list[events.Rule] = []
        self.trigger_dead_letter_queue: sqs.Queue | None = None
        self.api: apigw.RestApi | None = None
        self.api_access_log_group: logs.LogGroup | None = None
        trigger_alarms: list[cw.Alarm] = []
        trigger_widgets: list[cw.IWidget] = []
        for trigger in triggers:
            if trigger.kind == "api":
                api_widgets, api_alarms = self._build_api(trigger, log_retention)
                trigger_widgets.extend(api_widgets)
                trigger_alarms.extend(api_alarms)
            else:
                self._build_rule(trigger)
        if self.trigger_dead_letter_queue is not None:
            trigger_alarms.append(self._dlq_alarm(self.trigger_dead_letter_queue))

        execution_widgets, execution_alarms = self._execution_alarms()
        topic_alarms = self._topic_alarms(publish_to)
        self.alarms: list[cw.Alarm] = [
            *execution_alarms,
            *(a for pf in self._pattern_functions.values() for a in pf.alarms),
            *topic_alarms,
            *trigger_alarms,
        ]
        if monitoring_options.dashboard:
            widgets: list[cw.IWidget] = [*execution_widgets, *trigger_widgets]
            for name, pf in self._pattern_functions.items():
                widgets.extend(pf.dashboard_widgets(name))
            self.monitoring.add_section(f"OrchestratedPipeline {self.node.path}", widgets, self.alarms)

    # ------------------------------------------------------------------ public API
    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` start executions of the state machine."""
        return self.state_machine.grant_start_execution(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` list and describe executions of the state machine."""
        return self.state_machine.grant_read(grantee)

    def metric_failed(self) -> cw.IMetric:
        """Executions that failed (Sum over five minutes)."""
        return self._metric_failed

    @property
    def url(self) -> str | None:
        """The invoke URL of the API trigger's stage, when there is one."""
        return self.api.url if self.api is not None else None

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        state_machine_type: sfn.StateMachineType,
        steps: Sequence[Step] | None,
        definition_file: str | os.PathLike[str] | None,
        functions: Mapping[str, FunctionSpec] | None,
        topics: Mapping[str, sns.ITopic] | None,
        notify_success: bool | None,
        notify_failure: bool | None,
        express: bool,
        timeout: cdk.Duration | None,
        log_level: sfn.LogLevel,
        triggers: Sequence[Trigger],
        deployment: DeploymentStrategy,
        monitoring: MonitoringOptions,
    ) -> tuple[dict[str, Any], dict[str, FunctionSpec], list[_asl.Target]]:
        problems = Problems()
        definition: dict[str, Any] = {}
        specs: dict[str, FunctionSpec] = {}
        references: list[_asl.Target] = []
        if steps is not None and definition_file is not None:
            problems.add("give either steps or definition_file, not both")
        elif steps is None and definition_file is None:
            problems.add("give steps (a list of Step) or definition_file (an Amazon States Language file)")
        elif steps is not None:
            if functions is not None or topics is not None:
                problems.add("functions and topics go with definition_file; steps name their own functions")
            definition, specs, references = self._steps_definition(
                steps, notify_success is True, notify_failure is not False, problems
            )
        elif definition_file is not None:
            if notify_success is not None or notify_failure is not None:
                problems.add(
                    "notify_success and notify_failure go with steps; an ASL definition publishes where "
                    "its own states say"
                )
            definition, specs = self._file_definition(definition_file, functions, topics, problems)
        if definition:
            where = "steps" if steps is not None else f"definition_file {os.fspath(definition_file or '')!r}"
            found = _asl.validate(definition, express=express, where=where)
            problems.extend(found)
            if not found:
                found_targets, unbound = _asl.find_targets(definition)
                references = found_targets + references
                problems.extend(f"{where}: {p}" for p in unbound)
                if definition_file is not None:
                    self._check_references(references, specs, topics, problems)
                for label, state in _asl.walk_states(definition):
                    config = state.get("ItemProcessor", {}).get("ProcessorConfig", {})
                    if (
                        state.get("Type") == "Map"
                        and isinstance(config, dict)
                        and config.get("Mode") == "DISTRIBUTED"
                    ):
                        problems.add(
                            f"{where}: state {label!r} is a Distributed Map, whose child executions need "
                            "permissions this pattern does not grant; use an INLINE Map"
                        )
                _add_default_retries(definition)
        if timeout is not None:
            high = EXPRESS_MAX_SECONDS if express else STANDARD_MAX_SECONDS
            kind = "an Express" if express else "a Standard"
            seconds = _whole_seconds(f"timeout ({kind} workflow)", timeout, 1, high, problems)
            if seconds is not None and definition:
                definition["TimeoutSeconds"] = seconds
        problems.require(
            isinstance(state_machine_type, sfn.StateMachineType),
            f"state_machine_type must be sfn.StateMachineType.STANDARD or EXPRESS, got {state_machine_type!r}",
        )
        if not isinstance(log_level, sfn.LogLevel):
            problems.add(f"log_level must be an sfn.LogLevel (ALL, ERROR or FATAL), got {log_level!r}")
        problems.require(
            log_level != sfn.LogLevel.OFF,
            "log_level must be ALL, ERROR or FATAL, got OFF: the execution history is always logged",
        )
        self._validate_triggers(triggers, problems)
        problems.extend(deployment.problems())
        problems.extend(threshold_problems(monitoring.thresholds))
        problems.raise_if_any(self.node.path)
        return definition, specs, references

    def _steps_definition(
        self, steps: Sequence[Step], notify_success: bool, notify_failure: bool, problems: Problems
    ) -> tuple[dict[str, Any], dict[str, FunctionSpec], list[_asl.Target]]:
        if not steps:
            problems.add("steps must have at least one Step, got []")
            return {}, {}, []
        names = [s.name if isinstance(s, Step) else None for s in steps]
        builtins = [NOTIFY_ERROR] if notify_failure else []
        builtins += [NOTIFY_SUCCESS] if notify_success else []
        states_known = {n for n in names if isinstance(n, str)} | set(builtins)
        specs: dict[str, FunctionSpec] = {}
        ok = True
        for index, step in enumerate(steps):
            prop = f"steps[{index}]"
            if not isinstance(step, Step):
                problems.add(f"{prop} must be a Step, got {type(step).__name__}")
                ok = False
                continue
            if not isinstance(step.name, str) or not _STEP_NAME.match(step.name):
                problems.add(
                    f"{prop}.name must be a letter then letters, digits, '_' or '-', at most 80 characters, "
                    f"got {step.name!r}"
                )
                ok = False
            elif step.name in RESERVED_STATES:
                problems.add(f"{prop}.name {step.name!r} is reserved for the pattern's notification states")
                ok = False
            elif names.count(step.name) > 1 and names.index(step.name) == index:
                problems.add(f"{prop}.name {step.name!r} is used by more than one step")
                ok = False
            label = f"steps[{step.name!r}]" if isinstance(step.name, str) else prop
            if not isinstance(step.function, FunctionSpec):
                problems.add(f"{label}.function must be a FunctionSpec, got {type(step.function).__name__}")
                ok = False
            else:
                problems.extend(step.function.problems(f"{label}.function"))
            retriers = step.retriers
            for r_index, retrier in enumerate(retriers):
                if not isinstance(retrier, Retry):
                    problems.add(f"{label}.retry must be a Retry or a list of Retry, got {retrier!r}")
                    ok = False
                    continue
                found = retrier.problems(f"{label}.retry[{r_index}]")
                problems.extend(found)
                ok = ok and not found
                if "States.ALL" in retrier.errors and r_index != len(retriers) - 1:
                    problems.add(f"{label}.retry: the retrier for States.ALL must be the last one")
                    ok = False
            if not isinstance(step.catch, Mapping):
                problems.add(f"{label}.catch must map error names to state names, got {step.catch!r}")
                ok = False
                continue
            for error, target in step.catch.items():
                if not isinstance(error, str) or not error:
                    problems.add(f"{label}.catch: error names must be non-empty strings, got {error!r}")
                    ok = False
                if target not in states_known:
                    allowed = ", ".join(sorted(states_known))
                    problems.add(
                        f"{label}.catch[{error!r}] names no state: {target!r} (states are {allowed})"
                    )
                    ok = False
            if isinstance(step.name, str):
                specs[step.name] = step.function
        if not ok:
            return {}, specs, []
        definition = _build_steps(steps, self.node.path, notify_success, notify_failure)
        notifications = [
            _asl.Target(
                name, "topic", NOTIFICATION_TOPIC, definition["States"][name]["Parameters"], "TopicArn"
            )
            for name in (NOTIFY_SUCCESS, NOTIFY_ERROR)
            if name in definition["States"]
        ]
        return definition, specs, notifications

    def _file_definition(
        self,
        definition_file: str | os.PathLike[str],
        functions: Mapping[str, FunctionSpec] | None,
        topics: Mapping[str, sns.ITopic] | None,
        problems: Problems,
    ) -> tuple[dict[str, Any], dict[str, FunctionSpec]]:
        specs: dict[str, FunctionSpec] = {}
        if not functions:
            problems.add(
                "definition_file needs functions: the function name used in the file to a FunctionSpec"
            )
        else:
            for name, spec in functions.items():
                if not isinstance(spec, FunctionSpec):
                    problems.add(f"functions[{name!r}] must be a FunctionSpec, got {type(spec).__name__}")
                    continue
                problems.extend(spec.problems(f"functions[{name!r}]"))
                specs[name] = spec
        for name, topic in (topics or {}).items():
            if not hasattr(topic, "topic_arn"):  # jsii interfaces are not runtime-checkable
                problems.add(f"topics[{name!r}] must be an sns.ITopic, got {type(topic).__name__}")
        if not isinstance(definition_file, str | os.PathLike):
            problems.add(f"definition_file must be a path, got {definition_file!r}")
            return {}, specs
        definition, found = _asl.load(definition_file)
        problems.extend(found)
        return definition or {}, specs

    @staticmethod
    def _check_references(
        references: list[_asl.Target],
        specs: Mapping[str, FunctionSpec],
        topics: Mapping[str, sns.ITopic] | None,
        problems: Problems,
    ) -> None:
        called = set()
        for target in references:
            if target.kind == "function":
                called.add(target.name)
                if target.name not in specs:
                    given = ", ".join(sorted(specs)) or "none"
                    problems.add(
                        f"state {target.state!r} calls function {target.name!r}, which functions does not "
                        f"give (given: {given})"
                    )
        for name in specs:
            if name not in called:
                problems.add(f"functions[{name!r}] is not called by any state of the definition")
        published = {t.name for t in references if t.kind == "topic"}
        for name in topics or {}:
            if name not in published:
                problems.add(f"topics[{name!r}] is not published to by any state of the definition")

    @staticmethod
    def _validate_triggers(triggers: Sequence[Trigger], problems: Problems) -> None:
        apis = 0
        for index, trigger in enumerate(triggers):
            prop = f"triggers[{index}]"
            if not isinstance(trigger, Trigger):
                problems.add(f"{prop} must be a Trigger, got {type(trigger).__name__}")
                continue
            problems.one_of(f"{prop}.kind", trigger.kind, ("schedule", "event", "api"))
            if trigger.kind == "schedule":
                if isinstance(trigger.schedule, str):
                    problem = _schedule_problem(trigger.schedule)
                    if problem:
                        problems.add(f"{prop}.schedule {problem}")
                elif not isinstance(trigger.schedule, events.Schedule):
                    problems.add(
                        f"{prop}.schedule must be a cron(...)/rate(...) expression, got {trigger.schedule!r}"
                    )
            elif trigger.kind == "event":
                pattern = trigger.event_pattern
                if not isinstance(pattern, events.EventPattern) or not any(
                    (
                        pattern.source,
                        pattern.detail_type,
                        pattern.detail,
                        pattern.account,
                        pattern.region,
                        pattern.resources,
                    )
                ):
                    problems.add(f"{prop}.event_pattern must be an events.EventPattern matching something")
                path = trigger.input_path
                if path is not None and not is_token(path) and not str(path).startswith("$"):
                    problems.add(f"{prop}.input_path must be a JSONPath starting with '$', got {path!r}")
            elif trigger.kind == "api":
                apis += 1
                if not is_token(trigger.path) and not _API_PATH.match(str(trigger.path)):
                    problems.add(
                        f"{prop}.path must be '/' then static segments of letters, digits or '._~-', "
                        f"got {trigger.path!r}"
                    )
                problems.in_range(f"{prop}.throttling_rate_limit", trigger.throttling_rate_limit, 1, 10_000)
                problems.in_range(f"{prop}.throttling_burst_limit", trigger.throttling_burst_limit, 0, 5_000)
                if not is_token(trigger.stage_name) and not _STAGE.match(str(trigger.stage_name)):
                    problems.add(
                        f"{prop}.stage_name must be 1..128 letters, digits or underscores, got {trigger.stage_name!r}"
                    )
                arn = trigger.web_acl_arn
                if arn is not None and not is_token(arn) and not str(arn).startswith("arn:"):
                    problems.add(f"{prop}.web_acl_arn must be a WAFv2 web ACL ARN, got {arn!r}")
        if apis > 1:
            problems.add(f"triggers may have at most one Trigger.api(), got {apis}")

    # ------------------------------------------------------------------ permissions
    def _grant(
        self, alias_arns: Mapping[str, str], topics: Sequence[sns.ITopic], log_level: sfn.LogLevel
    ) -> None:
        if alias_arns:
            self.state_machine.add_to_role_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=list(alias_arns.values()))
            )
        if topics:
            # Named actions rather than topic.grant_publish, whose kms:GenerateDataKey* is a wildcard.
            self.state_machine.add_to_role_policy(
                iam.PolicyStatement(actions=["sns:Publish"], resources=[t.topic_arn for t in topics])
            )
            keys = [key.key_arn for key in (t.master_key for t in topics) if key is not None]
            if keys:
                self.state_machine.add_to_role_policy(
                    iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=keys)
                )
        policy = self.state_machine.role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            acknowledge(
                policy,
                "AwsSolutions-IAM5",
                "CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray "
                "(xray:PutTraceSegments) do not support resource-level permissions; Lambda and SNS "
                "statements name the exact alias and topic ARNs",
                finding="Resource::*",
            )
        if log_level != sfn.LogLevel.ALL:
            acknowledge(
                self.state_machine,
                "AwsSolutions-SF1",
                f"log_level was explicitly set to {log_level.name} by the user; failures are still logged",
            )

    # ------------------------------------------------------------------ triggers
    def _build_rule(self, trigger: Trigger) -> None:
        if self.trigger_dead_letter_queue is None:
            self.trigger_dead_letter_queue = parking_queue(
                self,
                "TriggerDeadLetterQueue",
                role=f"the dead-letter queue of the EventBridge rules that start {self.node.path}",
            )
        target_input = (
            events.RuleTargetInput.from_object(dict(trigger.input))
            if trigger.input is not None
            else events.RuleTargetInput.from_event_path(trigger.input_path)
            if trigger.input_path is not None
            else None
        )
        target = targets.SfnStateMachine(
            self.state_machine,
            input=target_input,
            dead_letter_queue=self.trigger_dead_letter_queue,
            retry_attempts=EVENT_RETRY_ATTEMPTS,
            max_event_age=cdk.Duration.hours(EVENT_MAX_AGE_HOURS),
        )
        base = "ScheduleRule" if trigger.kind == "schedule" else "EventRule"
        count = sum(1 for r in self.rules if r.node.id.startswith(base))
        rule_id = base if count == 0 else f"{base}{count + 1}"
        if trigger.kind == "schedule":
            schedule = trigger.schedule
            if isinstance(schedule, str):
                schedule = events.Schedule.expression(schedule)
            rule = events.Rule(
                self,
                rule_id,
                schedule=schedule,
                targets=[target],
                description=f"Starts {self.node.path} on a schedule",
            )
        else:
            rule = events.Rule(
                self,
                rule_id,
                event_pattern=trigger.event_pattern,
                event_bus=trigger.event_bus,
                targets=[target],
                description=f"Starts {self.node.path} for matching events",
            )
        self.rules.append(rule)

    def _build_api(
        self, trigger: Trigger, retention: logs.RetentionDays
    ) -> tuple[list[cw.IWidget], list[cw.Alarm]]:
        self.api_access_log_group = logs.LogGroup(self, "ApiAccessLogs", retention=retention)
        api = secure_rest_api(
            self,
            "Api",
            description=f"Starts executions of {self.node.path} (serverless-patterns OrchestratedPipeline)",
            access_log_group=self.api_access_log_group,
            stage_name=trigger.stage_name,
            throttling_rate_limit=trigger.throttling_rate_limit,
            throttling_burst_limit=trigger.throttling_burst_limit,
            account_logging_role=trigger.account_logging_role,
            web_acl_arn=trigger.web_acl_arn,
            web_acl_prop="Trigger.api(web_acl_arn=...)",
            web_acl_association_id="ApiWebAclAssociation",
        )
        self.api = api
        role = iam.Role(
            self,
            "ApiRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description=f"Lets the API of {self.node.path} start executions",
        )
        self.state_machine.grant_start_execution(role)
        template = (
            '{"stateMachineArn": "' + self.state_machine.state_machine_arn + '", '
            '"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}'
        )
        error_template = '{"message": "$util.escapeJavaScript($input.path(\'$.message\'))"}'
        integration = apigw.AwsIntegration(
            service="states",
            action="StartExecution",
            options=apigw.IntegrationOptions(
                credentials_role=role,
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                request_templates={"application/json": template},
                integration_responses=[
                    apigw.IntegrationResponse(status_code="200"),
                    apigw.IntegrationResponse(
                        status_code="400",
                        selection_pattern="4\\d{2}",
                        response_templates={"application/json": error_template},
                    ),
                    apigw.IntegrationResponse(
                        status_code="500",
                        selection_pattern="5\\d{2}",
                        response_templates={"application/json": error_template},
                    ),
                ],
            ),
        )
        schema = trigger.request_schema or apigw.JsonSchema(
            schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT
        )
        model = api.add_model("ExecutionInput", content_type="application/json", schema=schema)
        validator = api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        resource = api.root.resource_for_path(trigger.path)
        method = resource.add_method(
            "POST",
            integration,
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
            request_models={"application/json": model},
            method_responses=[apigw.MethodResponse(status_code=code) for code in ("200", "400", "500")],
        )
        acknowledge(
            method,
            "AwsSolutions-COG4",
            "The method uses IAM (SigV4) authorization: callers are IAM principals granted "
            "execute-api:Invoke, not Cognito users",
        )
        metrics = api_metrics({"ApiName": api.rest_api_name, "Stage": trigger.stage_name})
        alarm = self.monitoring.alarm(
            self,
            "ApiServerErrorRateAlarm",
            kind=AlarmKind.SERVER_ERROR_RATE,
            metric=metrics.server_error_rate(),
            subject=f"{self.node.path} API",
            thresholds=self._thresholds,
        )
        widgets: list[cw.IWidget] = [
            cw.GraphWidget(
                title="API requests and errors",
                left=[metrics.count, metrics.errors_4xx, metrics.errors_5xx],
                width=24,
            )
        ]
        return widgets, [alarm]

    # ------------------------------------------------------------------ monitoring
    def _execution_alarms(self) -> tuple[list[cw.IWidget], list[cw.Alarm]]:
        dims = {"StateMachineArn": self.state_machine.state_machine_arn}
        subject = f"{self.node.path} state machine"
        kinds = (
            (AlarmKind.EXECUTIONS_FAILED, "ExecutionsFailed", "Failed"),
            (AlarmKind.EXECUTIONS_TIMED_OUT, "ExecutionsTimedOut", "Timed out"),
            (AlarmKind.EXECUTIONS_THROTTLED, "ExecutionThrottled", "Throttled"),
            (AlarmKind.EXECUTIONS_ABORTED, "ExecutionsAborted", "Aborted"),
        )
        metrics: list[cw.IMetric] = [
            Monitoring.metric("AWS/States", "ExecutionsStarted", dims, label="Started"),
            Monitoring.metric("AWS/States", "ExecutionsSucceeded", dims, label="Succeeded"),
        ]
        alarms: list[cw.Alarm] = []
        for kind, metric_name, label in kinds:
            metric = Monitoring.metric("AWS/States", metric_name, dims, kind=kind, label=label)
            metrics.append(metric)
            alarms.append(
                self.monitoring.alarm(
                    self,
                    f"{metric_name}Alarm",
                    kind=kind,
                    metric=metric,
                    subject=subject,
                    thresholds=self._thresholds,
                )
            )
        self._metric_failed = metrics[2]
        duration = Monitoring.metric(
            "AWS/States", "ExecutionTime", dims, kind=AlarmKind.LATENCY_P99, label="p99 execution time"
        )
        widgets: list[cw.IWidget] = [
            cw.GraphWidget(title="Executions", left=metrics, width=12),
            cw.GraphWidget(title="Execution time", left=[duration], width=12),
        ]
        return widgets, alarms

    def _topic_alarms(self, topics: Sequence[sns.ITopic]) -> list[cw.Alarm]:
        alarms = []
        for index, topic in enumerate(topics):
            alarms.append(
                self.monitoring.alarm(
                    self,
                    "NotificationsFailedAlarm" if index == 0 else f"NotificationsFailedAlarm{index + 1}",
                    kind=AlarmKind.NOTIFICATIONS_FAILED,
                    metric=Monitoring.metric(
                        "AWS/SNS",
                        "NumberOfNotificationsFailed",
                        {"TopicName": topic.topic_name},
                        kind=AlarmKind.NOTIFICATIONS_FAILED,
                    ),
                    subject=f"{self.node.path} notification topic",
                    thresholds=self._thresholds,
                )
            )
        return alarms

    def _dlq_alarm(self, queue: sqs.IQueue) -> cw.Alarm:
        return self.monitoring.alarm(
            self,
            "TriggerDeadLetterQueueAlarm",
            kind=AlarmKind.DLQ_DEPTH,
            metric=Monitoring.queue_metric(queue.queue_name, kind=AlarmKind.DLQ_DEPTH),
            subject=f"{self.node.path} trigger dead-letter queue",
            thresholds=self._thresholds,
        )


# ------------------------------------------------------------------------------------------------ helpers
def _build_steps(
    steps: Sequence[Step], path: str, notify_success: bool, notify_failure: bool
) -> dict[str, Any]:
    """The ASL for ``steps``; each step names its function by the step name, rebound like a file's."""
    lambda_invoke = f"{_STATES_ARN}lambda:invoke"
    sns_publish = f"{_STATES_ARN}sns:publish"
    states: dict[str, Any] = {}
    for index, step in enumerate(steps):
        retriers = step.retriers
        named = {e for r in retriers for e in r.errors}
        asl_retriers = [r.to_asl() for r in retriers]
        if "States.ALL" not in named:
            remaining = [e for e in _asl.TRANSIENT_LAMBDA_ERRORS if e not in named]
            if remaining:
                asl_retriers.append(Retry(errors=remaining).to_asl())
        catchers = [
            {"ErrorEquals": [error], "Next": target, "ResultPath": "$.error"}
            for error, target in step.catch.items()
            if error != "States.ALL"
        ]
        catch_all = step.catch.get("States.ALL") or (NOTIFY_ERROR if notify_failure else None)
        if catch_all is not None:
            catchers.append({"ErrorEquals": ["States.ALL"], "Next": catch_all, "ResultPath": "$.error"})
        state: dict[str, Any] = {
            "Type": "Task",
            "Comment": f"Invokes the live alias of the {step.name} function",
            "Resource": lambda_invoke,
            "Parameters": {"FunctionName": step.name, "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": asl_retriers,
        }
        if catchers:
            state["Catch"] = catchers
        if index + 1 < len(steps):
            state["Next"] = steps[index + 1].name
        elif notify_success:
            state["Next"] = NOTIFY_SUCCESS
        else:
            state["End"] = True
        states[step.name] = state
    message = {
        "stateMachine.$": "$$.StateMachine.Id",
        "execution.$": "$$.Execution.Id",
    }
    notify_retry = [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 1,
            "MaxAttempts": 3,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        }
    ]
    if notify_success:
        states[NOTIFY_SUCCESS] = {
            "Type": "Task",
            "Resource": sns_publish,
            "Parameters": {
                "TopicArn": "${Topic_" + NOTIFICATION_TOPIC + "}",
                "Subject": "Pipeline succeeded",
                "Message": {**message, "status": "SUCCEEDED"},
            },
            "ResultPath": None,
            "Retry": notify_retry,
            "End": True,
        }
    if notify_failure:
        states[NOTIFY_ERROR] = {
            "Type": "Task",
            "Resource": sns_publish,
            "Parameters": {
                "TopicArn": "${Topic_" + NOTIFICATION_TOPIC + "}",
                "Subject": "Pipeline failed",
                "Message": {
                    **message,
                    "status": "FAILED",
                    "error.$": "$.error.Error",
                    "cause.$": "$.error.Cause",
                },
            },
            "ResultPath": None,
            "Retry": notify_retry,
            "Catch": [
                {"ErrorEquals": ["States.ALL"], "Next": PIPELINE_FAILED, "ResultPath": "$.notificationError"}
            ],
            "Next": PIPELINE_FAILED,
        }
        states[PIPELINE_FAILED] = {
            "Type": "Fail",
            "Comment": "Fails the execution with the error of the step that failed",
            "ErrorPath": "$.error.Error",
            "CausePath": "$.error.Cause",
        }
    return {
        "Comment": f"{path} (serverless-patterns OrchestratedPipeline)",
        "StartAt": steps[0].name,
        "States": states,
    }


def _partition_neutral(definition: dict[str, Any], substitutions: dict[str, str]) -> None:
    """Service-integration ARNs of the pattern's own states, in the stack's partition."""
    for state in definition["States"].values():
        resource = state.get("Resource")
        if isinstance(resource, str) and resource.startswith(_STATES_ARN):
            action = resource[len(_STATES_ARN) :]
            key = f"States_{_key(action)}"
            substitutions[key] = f"arn:{cdk.Aws.PARTITION}:states:::{action}"
            state["Resource"] = "${" + key + "}"


def _add_default_retries(definition: dict[str, Any]) -> None:
    """Lambda tasks without a Retry get the default retrier for transient Lambda errors."""
    for _label, state in _asl.walk_states(definition):
        if state.get("Type") == "Task" and "Retry" not in state and _asl.is_lambda_task(state):
            state["Retry"] = [Retry().to_asl()]


def _schedule_problem(expression: str) -> str | None:
    if is_token(expression):
        return None
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            return f"must be rate(1 unit) or rate(N units) with N >= 1, got {expression!r}"
        return None
    cron = _CRON.match(expression)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            return (
                f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {expression!r}"
            )
        if (fields[2] == "?") == (fields[4] == "?"):
            return f"cron needs '?' in exactly one of day-of-month and day-of-week, got {expression!r}"
        return None
    return f"must be cron(...) or rate(...), got {expression!r}"


def _seconds(duration: cdk.Duration | None) -> float | None:
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_seconds(integral=False))


def _whole_seconds(prop: str, duration: cdk.Duration, low: int, high: int, problems: Problems) -> int | None:
    """``duration`` in whole seconds if it is one within ``low..high``; else a problem and None."""
    if not isinstance(duration, cdk.Duration):
        problems.add(f"{prop} must be a Duration, got {duration!r}")
        return None
    seconds = _seconds(duration)
    if seconds is None:
        problems.add(
            f"{prop} must be a Duration of known length, not a token: the definition is built as JSON"
        )
        return None
    if not seconds.is_integer():
        problems.add(f"{prop} must be whole seconds, got {seconds:g}")
        return None
    if not low <= seconds <= high:
        problems.in_range(prop, seconds, low, high, "seconds")
        return None
    return int(seconds)


def _pascal(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "Step"


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name)


def _unique(candidate: str, used: set[str]) -> str:
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}{n}", n + 1
    used.add(name)
    return name
