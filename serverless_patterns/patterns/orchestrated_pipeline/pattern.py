"""The OrchestratedPipeline construct: it validates its props, builds a function per step (or per
name the ASL file calls), the state machine with its logs, least-privilege role and triggers, and
registers its alarms and dashboard section with the stack's monitoring."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ...core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    Graph,
    InvocationType,
    MetricSpec,
    Monitoring,
    MonitoringOptions,
    Pattern,
    PatternFunction,
    acknowledge,
)
from ...core.ids import unique_id
from ...core.policies import wildcard_policy
from ...core.rest_api import api_metrics
from ...core.slo import Slo
from ...core.topic import encrypted_topic
from ...errors import Problems
from .binding import bind
from .chain import wrap as wrap_chain
from .grants import apply as apply_grants
from .grants import chain_topic_plan
from .grants import plan as plan_grants
from .props import StepLike, Trigger
from .triggers import rule, rule_dead_letter_queue, start_execution_api
from .validation import Checked, settings_problems, validate_props
from .wiring import Wiring

__all__ = ["OrchestratedPipeline"]


# ------------------------------------------------------------------------------------------------ pattern
# What aws-cdk-lib's StateMachine grants for logs and tracing (state-machine.ts).
_LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
_XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


class OrchestratedPipeline(Pattern):
    """A Step Functions state machine orchestrating Lambda functions, logged, traced and alarmed.

    Give either ``steps`` (run in order, with retries, catches and SNS notifications) or a
    ``definition_file`` in Amazon States Language with the ``functions`` its Lambda states name:
    each Lambda ``Resource``/``FunctionName`` and SNS ``TopicArn`` in the file is rebound, by name,
    to the function's ``live`` alias and to the pattern's topic.

    :param steps: Steps run in order (Python definition): Lambda ``Step``, ``Choice``, ``Wait``,
        ``Parallel`` and ``Map``. Default: - none; give ``definition_file``
    :param definition_file: Amazon States Language file (JSON, or YAML for ``.yaml``/``.yml``),
        relative to the current directory.
        Its Lambda tasks without a Retry get the default retrier. Default: - none; give ``steps``
    :param definition: A chain built with aws-cdk's ``aws_stepfunctions`` (its tasks grant their
        own permissions); the pattern adds logging, tracing, alarms, triggers and notifications
        (``notify_success``/``notify_failure``) around it. Default: - none; give ``steps`` or
        ``definition_file``
    :param functions: Function name used in ``definition_file`` to the function to build for it.
        Default: - none
    :param topics: SNS topic name used in ``definition_file`` to the topic to publish to instead.
        Default: - every topic in the file is the pattern's notification topic
    :param resources: Name used in ``definition_file`` to the table, queue, event bus, state
        machine, bucket, topic or function it stands for: each reference is rebound to it and the
        role gets exactly the actions each state takes on it. Default: - none
    :param substitutions: ``${Variable}`` of ``definition_file`` to a value that is no resource (a
        string or a string token), passed as a definition substitution. Default: - none
    :param policies: Statements for the state machine role, in a policy of their own (never
        acknowledged), for integrations the pattern cannot grant. Default: - none
    :param notify_success: With ``steps`` or ``definition``: publish to the notification topic when the pipeline
        succeeds. Default: - False; not allowed with ``definition_file``
    :param notify_failure: With ``steps`` or ``definition``: publish to the notification topic, then fail, when a
        step fails after its retries. Default: - True; not allowed with ``definition_file``
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
        logs). Default: - the stage's: ONE_MONTH (prod), ONE_WEEK (dev)
    :param triggers: What starts executions. Default: - none; start executions yourself
        (``grant_start_execution``)
    :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
    :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
    :param slo: An SLO (:class:`Slo`) measured on each function (a step's, or an entry of ``functions``).
        Default: - no SLO
    """

    topic: sns.ITopic | None
    """The notification topic: ``notification_topic``, the one the pattern made, or None."""
    topic_key: kms.IKey | None
    """The key of the notification topic the pattern made, else None."""
    rules: list[events.Rule]
    """The EventBridge rules of the schedule and event triggers."""
    trigger_dead_letter_queue: sqs.Queue | None
    """Where the rules park the events they could not deliver, when there is a rule."""
    api: apigw.RestApi | None
    """The REST API of the api trigger, when there is one."""
    api_access_log_group: logs.LogGroup | None
    """The access logs of the API trigger, when there is one."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        steps: Sequence[StepLike] | None = None,
        definition_file: str | os.PathLike[str] | None = None,
        definition: sfn.IChainable | None = None,
        functions: Mapping[str, FunctionSpec] | None = None,
        topics: Mapping[str, sns.ITopic] | None = None,
        resources: Mapping[str, Any] | None = None,
        substitutions: Mapping[str, str] | None = None,
        policies: Sequence[iam.PolicyStatement] = (),
        notify_success: bool | None = None,
        notify_failure: bool | None = None,
        notification_topic: sns.ITopic | None = None,
        state_machine_type: sfn.StateMachineType = sfn.StateMachineType.STANDARD,
        timeout: cdk.Duration | None = None,
        log_level: sfn.LogLevel = sfn.LogLevel.ALL,
        include_execution_data: bool = False,
        log_retention: logs.RetentionDays | None = None,
        triggers: Sequence[Trigger] = (),
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """Validates every prop (documented on the class), then builds the pipeline."""
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        problems = self._problems()
        problems.extend(
            settings_problems(
                notify_success, notify_failure, include_execution_data, log_retention, notification_topic
            )
        )
        checked = validate_props(
            self.path,
            state_machine_type=state_machine_type,
            steps=steps,
            definition_file=definition_file,
            functions=functions,
            topics=topics,
            resources=resources,
            substitutions=substitutions,
            policies=policies,
            chain=definition,
            notify_success=notify_success,
            notify_failure=notify_failure,
            timeout=timeout,
            log_level=log_level,
            triggers=triggers,
            problems=problems,
            spec_problems=self._slo_spec_problems,
        )
        titles = self._step_functions(checked.specs, id)
        chain = (
            None
            if definition is None
            else _Chain(definition, notify_success is True, notify_failure is not False)
        )
        self.topic, self.topic_key = notification_topic, None
        if notification_topic is None and ((chain is not None and chain.notifies) or checked.needs_topic):
            self.topic, self.topic_key = encrypted_topic(
                self,
                "NotificationTopic",
                key_id="NotificationTopicKey",
                key_description=f"Encrypts the notification topic of {self.path}",
            )
        wiring = Wiring(self.aliases, checked.resources, self.topic)
        self.state_machine = self._state_machine(
            checked, wiring, chain, substitutions, timeout, state_machine_type, log_retention
        )
        self._log(log_level, include_execution_data)
        publish_to = self._permissions(checked, wiring, chain, policies, log_level)
        trigger_widgets = self._triggers(triggers, log_retention)
        execution_widgets = self._execution_alarms()
        self._topic_alarms(publish_to)
        self._dashboard_section([*execution_widgets, *trigger_widgets], function_titles=titles)

    # ------------------------------------------------------------------ building
    def _slo_spec_problems(self, specs: Mapping[str, FunctionSpec]) -> list[str]:
        """The SLO's latency threshold against the timeout of each function to build."""
        found = Problems()
        self._slo_timeouts(
            found, [(f"the {name!r} function's timeout", spec) for name, spec in specs.items()]
        )
        return list(found)

    def _step_functions(
        self, specs: Mapping[str, FunctionSpec], service_name: str
    ) -> dict[PatternFunction, str]:
        """One function per step, or per entry of ``functions``, each with the name it has there."""
        used_ids: set[str] = set()
        return {
            self._function(
                self,
                unique_id(_pascal(name) + "Function", used_ids),
                spec=spec,
                invocation=InvocationType.SYNC,
                service_name=service_name,
                name=name,
            ): name
            for name, spec in specs.items()
        }

    def _state_machine(
        self,
        checked: Checked,
        wiring: Wiring,
        chain: _Chain | None,
        substitutions: Mapping[str, str] | None,
        timeout: cdk.Duration | None,
        state_machine_type: sfn.StateMachineType,
        log_retention: logs.RetentionDays | None,
    ) -> sfn.StateMachine:
        """The state machine, every reference of its definition rebound (through substitutions) to
        what the pattern built or was given, or the user's chain inside the pattern's notifications."""
        all_substitutions = bind(
            checked.definition, checked.found.uses, checked.free, wiring.value_of, substitutions or {}
        )
        if chain is not None:
            body = sfn.DefinitionBody.from_chainable(
                wrap_chain(
                    self,
                    chain.definition,
                    self.topic,
                    notify_success=chain.notify_success,
                    notify_failure=chain.notify_failure,
                )
            )
        else:
            body = sfn.DefinitionBody.from_string(json.dumps(checked.definition, separators=(",", ":")))
        self.log_group = self._defaults.log_group(self, "ExecutionLogs", log_retention)
        return sfn.StateMachine(
            self,
            "Resource",
            definition_body=body,
            definition_substitutions=all_substitutions or None,
            timeout=timeout if chain is not None else None,
            state_machine_type=state_machine_type,
        )

    def _log(self, log_level: sfn.LogLevel, include_execution_data: bool) -> None:
        """Tracing and logging, set on the resource: their "*" statements go to policies of their own
        (:meth:`_permissions`), where aws-cdk-lib's tracing_enabled/logs would put them in the role's
        default policy, beside the exact grants, under one acknowledgment that would cover any later
        wildcard."""
        cfn_machine = self._cfn_machine
        cfn_machine.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        cfn_machine.logging_configuration = sfn.CfnStateMachine.LoggingConfigurationProperty(
            destinations=[
                sfn.CfnStateMachine.LogDestinationProperty(
                    cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                        log_group_arn=self.log_group.log_group_arn
                    )
                )
            ],
            include_execution_data=include_execution_data,
            level=log_level.value,
        )

    @property
    def _cfn_machine(self) -> sfn.CfnStateMachine:
        cfn_machine = self.state_machine.node.default_child
        assert isinstance(cfn_machine, sfn.CfnStateMachine)
        return cfn_machine

    def _permissions(
        self,
        checked: Checked,
        wiring: Wiring,
        chain: _Chain | None,
        policies: Sequence[iam.PolicyStatement],
        log_level: sfn.LogLevel,
    ) -> list[sns.ITopic]:
        """The role's policies: log delivery and X-Ray (``*``, each in a policy of its own), the exact
        grants, the user's ``policies``; the state machine waits for them. Returns the topics the
        definition publishes to."""
        role = self.state_machine.role
        role_name = role.role_name
        wildcard_policies = [
            wildcard_policy(
                role,
                "LogDeliveryPolicy",
                name="logs-delivery",
                actions=_LOG_DELIVERY_ACTIONS,
                reason=f"{self.path} logs executions to its log group through CloudWatch Logs vended "
                "log delivery, whose actions support no resource-level permissions; this policy holds "
                "that one statement only",
                role_name=role_name,
            ),
            wildcard_policy(
                role,
                "TracingPolicy",
                name="xray-tracing",
                actions=_XRAY_ACTIONS,
                reason=f"X-Ray tracing of {self.path}: the X-Ray actions support no resource-level "
                "permissions; this policy holds that one statement only",
                role_name=role_name,
            ),
        ]
        grant_plan = plan_grants(self.stack, checked.found.uses, wiring.resource_of, wiring.invoke_arn)
        if chain is not None and self.topic is not None:
            grant_plan = chain_topic_plan(self.topic)  # SnsPublish grants sns:Publish; its key here
        waits_for = apply_grants(
            self, self.state_machine, grant_plan, checked.found.distributed_maps, policies
        )
        self._grant(log_level)
        # CDK makes the state machine depend on its role, which CloudFormation already infers from
        # the GetAtt (cfn-lint W3005); keep only the dependencies on the role's policies (Step
        # Functions checks the log delivery permission when it creates the state machine).
        # (A definition with no exact grant, e.g. a chain of its own tasks only, has no default policy.)
        default_policy = role.node.try_find_child("DefaultPolicy")
        role_policy = default_policy.node.default_child if default_policy is not None else None
        assert role_policy is None or isinstance(role_policy, cdk.CfnResource)
        self._cfn_machine.add_override(
            "DependsOn",
            sorted(
                [
                    *([role_policy.logical_id] if role_policy is not None else []),
                    *(p.logical_id for p in wildcard_policies),
                    *(self.stack.get_logical_id(p.node.default_child) for p in waits_for),  # type: ignore[arg-type]
                ]
            ),
        )
        return grant_plan.topics

    def _triggers(self, triggers: Sequence[Trigger], log_retention: logs.RetentionDays | None) -> list[Graph]:
        """The rules (with their dead-letter queue and its alarm) and the API that start executions;
        returns the API's graphs."""
        self.rules = []
        self.trigger_dead_letter_queue = None
        self.api = None
        self.api_access_log_group = None
        widgets: list[Graph] = []
        for trigger in triggers:
            if trigger.kind == "api":
                self.api, self.api_access_log_group = start_execution_api(
                    self,
                    trigger,
                    self.state_machine,
                    self._defaults.log_group(self, "ApiAccessLogs", log_retention),
                )
                widgets.extend(self._api_alarms(self.api, trigger.stage_name))
            else:
                if self.trigger_dead_letter_queue is None:
                    self.trigger_dead_letter_queue = rule_dead_letter_queue(self)
                self.rules.append(
                    rule(self, trigger, self.state_machine, self.trigger_dead_letter_queue, self.rules)
                )
        if self.trigger_dead_letter_queue is not None:
            self._dlq_alarm(self.trigger_dead_letter_queue)
        return widgets

    # ------------------------------------------------------------------ public API
    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` start executions of the state machine."""
        return self.state_machine.grant_start_execution(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` list and describe executions of the state machine."""
        return self.state_machine.grant_read(grantee)

    def metric_executions_failed(self, **options: Any) -> cw.IMetric:
        """``ExecutionsFailed`` of the state machine (Sum over five minutes). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._metric_failed, options)

    @property
    def url(self) -> str | None:
        """The invoke URL of the API trigger's stage, when there is one."""
        return self.api.url if self.api is not None else None

    # ------------------------------------------------------------------ permissions
    def _grant(self, log_level: sfn.LogLevel) -> None:
        # Log delivery and X-Ray are in policies of their own (above): nothing in the role's default
        # policy is acknowledged, so a wildcard a chain's task (or anyone) adds there stays open.
        if log_level != sfn.LogLevel.ALL:
            acknowledge(
                self.state_machine,
                "AwsSolutions-SF1",
                f"log_level was explicitly set to {log_level.name} by the user; failures are still logged",
            )

    # ------------------------------------------------------------------ monitoring
    def _execution_alarms(self) -> list[Graph]:
        dims = {"StateMachineArn": self.state_machine.state_machine_arn}
        subject = f"{self.path} state machine"
        kinds = (
            (AlarmKind.EXECUTIONS_FAILED, "ExecutionsFailed", "Failed"),
            (AlarmKind.EXECUTIONS_TIMED_OUT, "ExecutionsTimedOut", "Timed out"),
            (AlarmKind.EXECUTIONS_THROTTLED, "ExecutionThrottled", "Throttled"),
            (AlarmKind.EXECUTIONS_ABORTED, "ExecutionsAborted", "Aborted"),
        )
        metrics: list[MetricSpec] = [
            Monitoring.metric("AWS/States", "ExecutionsStarted", dims, label="Started"),
            Monitoring.metric("AWS/States", "ExecutionsSucceeded", dims, label="Succeeded"),
        ]
        for kind, metric_name, label in kinds:
            metric = Monitoring.metric("AWS/States", metric_name, dims, kind=kind, label=label)
            metrics.append(metric)
            self._alarm(self, f"{metric_name}Alarm", kind=kind, metric=metric, subject=subject)
        self._metric_failed = metrics[2]
        duration = Monitoring.metric(
            "AWS/States", "ExecutionTime", dims, kind=AlarmKind.LATENCY_P99, label="p99 execution time"
        )
        return [Graph("Executions", metrics, width=12), Graph("Execution time", [duration], width=12)]

    def _topic_alarms(self, topics: Sequence[sns.ITopic]) -> None:
        for index, topic in enumerate(topics):
            self._alarm(
                self,
                "NotificationsFailedAlarm" if index == 0 else f"NotificationsFailedAlarm{index + 1}",
                kind=AlarmKind.NOTIFICATIONS_FAILED,
                metric=Monitoring.metric(
                    "AWS/SNS",
                    "NumberOfNotificationsFailed",
                    {"TopicName": topic.topic_name},
                    kind=AlarmKind.NOTIFICATIONS_FAILED,
                ),
                subject=f"{self.path} notification topic",
            )

    def _api_alarms(self, api: apigw.RestApi, stage_name: str) -> list[Graph]:
        metrics = api_metrics({"ApiName": api.rest_api_name, "Stage": stage_name})
        # The API starts executions; it calls no function's new code, so it rolls no canary back.
        self._alarm(
            self,
            "ApiServerErrorRateAlarm",
            kind=AlarmKind.SERVER_ERROR_RATE,
            metric=metrics.server_error_rate(),
            subject=f"{self.path} API",
            functions=(),
        )
        return [
            Graph(
                "API requests and errors", [metrics.count, metrics.errors_4xx, metrics.errors_5xx], width=24
            )
        ]

    def _dlq_alarm(self, queue: sqs.IQueue) -> None:
        self._alarm(
            self,
            "TriggerDeadLetterQueueAlarm",
            kind=AlarmKind.DLQ_DEPTH,
            metric=Monitoring.queue_metric(queue.queue_name, kind=AlarmKind.DLQ_DEPTH),
            subject=f"{self.path} trigger dead-letter queue",
        )


# ------------------------------------------------------------------------------------------------ helpers
@dataclass(frozen=True)
class _Chain:
    """The user's ``definition`` chain and the notifications the pattern wraps it in."""

    definition: sfn.IChainable
    notify_success: bool
    notify_failure: bool

    @property
    def notifies(self) -> bool:
        return self.notify_success or self.notify_failure


def _pascal(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "Step"
