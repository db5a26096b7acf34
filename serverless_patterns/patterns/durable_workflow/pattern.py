"""DurableWorkflow: a Lambda durable function, started by invoking its ``live`` alias, whose steps
are checkpointed and replayed by Lambda's durable execution service."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...core import (
    AlarmKind,
    DeploymentStrategy,
    FunctionSpec,
    Graph,
    InvocationType,
    Monitoring,
    MonitoringOptions,
    Pattern,
    PatternFunction,
    acknowledge,
)
from ...core.queue import parking_queue
from ...core.slo import Slo

__all__ = ["DurableWorkflow"]

DEFAULT_EXECUTION_TIMEOUT = cdk.Duration.hours(1)
DEFAULT_RETENTION_DAYS = 14
MAX_EXECUTION_TIMEOUT_SECONDS = 31_622_400  # 366 days, DurableConfig.ExecutionTimeout's maximum
MAX_RETENTION_DAYS = 90
# The managed runtimes that run durable functions (Java aside, which FunctionSpec does not build).
DURABLE_RUNTIMES = ("python3.13", "python3.14", "nodejs22.x", "nodejs24.x")
# What the durable execution SDK calls while the function runs, on this function's executions.
CHECKPOINT_ACTIONS = ("lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState")
READ_ACTIONS = ("lambda:GetDurableExecution", "lambda:GetDurableExecutionHistory")
# A durable execution's ARN extends the ARN of the version that runs it:
# <function ARN>:<version>/durable-execution/<execution name>/<execution id>.
EXECUTIONS_SUFFIX = ":*/durable-execution/*"


class DurableWorkflow(Pattern):
    """A Lambda durable function: a workflow written as code, whose steps are checkpointed.

    Invoking the function's ``live`` alias starts a durable execution (``grant_start``): the
    handler, written with the durable execution SDK (``@durable_execution``), runs its steps
    (``context.step``), waits without paying for compute (``context.wait``) and waits for callbacks;
    after each wait, retry or failure Lambda invokes it again and the SDK replays the completed steps
    from their checkpoints. The execution may run ``execution_timeout`` in all; its history is kept
    ``retention`` after it ends. The function's role may checkpoint and read the state of this
    function's executions only. An asynchronously started execution that ends failed, stopped or
    timed out leaves its event in ``.dead_letter_queue``. Alarms on failed and timed-out executions
    and on the dead-letter queue (notify only), on the function's errors and throttles (which roll a
    canary back); a dashboard section; canary deployments through the alias.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionSpec,
        execution_timeout: cdk.Duration = DEFAULT_EXECUTION_TIMEOUT,
        retention: cdk.Duration | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param function: The durable function: a handler decorated with ``@durable_execution`` of
            the durable execution SDK (``aws-durable-execution-sdk-python`` in its
            ``requirements.txt``), on python3.13, python3.14, nodejs22.x or nodejs24.x.
        :param execution_timeout: How long one durable execution may run in all, waits included,
            1 s..366 days, at least the function's timeout. Default: 1 hour
        :param retention: How long an ended execution's history is kept, 1..90 whole days.
            Default: - 14 days
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the function (each invocation, replays included).
            Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        retention = cdk.Duration.days(DEFAULT_RETENTION_DAYS) if retention is None else retention
        self._validate(function, execution_timeout, retention)
        self.execution_timeout: cdk.Duration = execution_timeout
        self.retention: cdk.Duration = retention
        self.dead_letter_queue: sqs.Queue = parking_queue(
            self,
            "DeadLetterQueue",
            role=f"the dead-letter queue of the {self.path} durable function (the events of "
            "asynchronously started executions that ended failed, stopped or timed out)",
        )
        pf = self._single_function(
            function,
            # Lambda does not retry a durable execution: no asynchronous retries nor destinations;
            # what failed goes to the dead-letter queue.
            InvocationType.SYNC,
            durable_config=lambda_.DurableConfig(
                execution_timeout=execution_timeout, retention_period=retention
            ),
            dead_letter_queue=self.dead_letter_queue,
        )
        self._executions_arn = f"{pf.function.function_arn}{EXECUTIONS_SUFFIX}"
        self.checkpoint_policy: iam.Policy = self._checkpoint_policy(pf)
        self._monitor(pf)

    def _checkpoint_policy(self, pf: PatternFunction) -> iam.Policy:
        """The SDK's checkpoint statement, in a policy of its own on the function's role, acknowledged
        there only: its resource ends in a wildcard (any version, execution name and id) that no
        narrower ARN can replace, since every deployment publishes a new version."""
        policy = iam.Policy(
            pf.role,
            "DurableExecutionPolicy",
            statements=[
                iam.PolicyStatement(actions=list(CHECKPOINT_ACTIONS), resources=[self._executions_arn])
            ],
            roles=[pf.role],
        )
        # Invocations come through the alias: none before the role may checkpoint.
        pf.alias.node.add_dependency(policy)
        fn = pf.function.node.default_child
        assert isinstance(fn, lambda_.CfnFunction)
        acknowledge(
            policy,
            "AwsSolutions-IAM5",
            f"The durable execution SDK of {self.path} checkpoints and reads the state of this function's "
            "own executions (lambda:CheckpointDurableExecution, lambda:GetDurableExecutionState): a durable "
            "execution's ARN is <function ARN>:<version>/durable-execution/<name>/<id>, and each deployment "
            "publishes a new version; this policy holds that one statement only",
            finding=f"Resource::<{self.stack.resolve(fn.logical_id)}.Arn>{EXECUTIONS_SUFFIX}",
        )
        return policy

    def _monitor(self, pf: PatternFunction) -> None:
        """Alarms on failed and timed-out executions and on the dead-letter queue; the dashboard."""
        dims = {"FunctionName": pf.function_name}
        self._failed = Monitoring.metric(
            "AWS/Lambda", "DurableExecutionFailed", dims, kind=AlarmKind.EXECUTIONS_FAILED, label="Failed"
        )
        self._timed_out = Monitoring.metric(
            "AWS/Lambda",
            "DurableExecutionTimedOut",
            dims,
            kind=AlarmKind.EXECUTIONS_TIMED_OUT,
            label="Timed out",
        )
        self._started = Monitoring.metric("AWS/Lambda", "DurableExecutionStarted", dims, label="Started")
        self._succeeded = Monitoring.metric(
            "AWS/Lambda", "DurableExecutionSucceeded", dims, label="Succeeded"
        )
        self._parked = Monitoring.queue_metric(
            self.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH, label="Parked events"
        )
        subject = f"{self.path} durable"
        self._alarms(
            self,
            ("FailedExecutionsAlarm", AlarmKind.EXECUTIONS_FAILED, self._failed, subject),
            ("TimedOutExecutionsAlarm", AlarmKind.EXECUTIONS_TIMED_OUT, self._timed_out, subject),
            (
                "DeadLetterQueueDepthAlarm",
                AlarmKind.DLQ_DEPTH,
                self._parked,
                f"{self.path} dead-letter queue (events of executions that ended failed, stopped or timed out)",
            ),
        )
        self._dashboard_section(
            [
                Graph(
                    "Durable executions",
                    [self._started, self._succeeded, self._failed, self._timed_out],
                    width=12,
                ),
                Graph("Dead-letter queue: parked events", [self._parked], width=12),
            ]
        )

    # ------------------------------------------------------------------ public API
    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` start executions: ``lambda:InvokeFunction`` on the ``live`` alias only
        (an invocation starts an execution; ``DurableExecutionName`` makes the start idempotent)."""
        return self.alias.grant_invoke(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` follow the executions: ``lambda:GetDurableExecution`` and
        ``lambda:GetDurableExecutionHistory`` on this function's executions
        (``<function ARN>:*/durable-execution/*``: the rule packs report that wildcard on the
        grantee's policy, which this pattern does not acknowledge), and
        ``lambda:ListDurableExecutionsByFunction`` on the function."""
        reads = iam.Grant.add_to_principal(
            grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self._executions_arn]
        )
        lists = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["lambda:ListDurableExecutionsByFunction"],
            resource_arns=[self.function.function_arn],
        )
        return reads.combine(lists)

    def metric_durable_execution_failed(self, **options: Any) -> cw.IMetric:
        """``DurableExecutionFailed`` of the function (Sum over five minutes), what the failed-executions
        alarm watches. ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._failed, options)

    def metric_durable_execution_timed_out(self, **options: Any) -> cw.IMetric:
        """``DurableExecutionTimedOut`` of the function (Sum over five minutes), what the
        timed-out-executions alarm watches. ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._timed_out, options)

    def metric_durable_execution_started(self, **options: Any) -> cw.IMetric:
        """``DurableExecutionStarted`` of the function (Sum over five minutes). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._started, options)

    def metric_durable_execution_succeeded(self, **options: Any) -> cw.IMetric:
        """``DurableExecutionSucceeded`` of the function (Sum over five minutes). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._succeeded, options)

    def metric_dead_letter_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """``ApproximateNumberOfMessagesVisible`` of the dead-letter queue (Maximum over one minute),
        what the DLQ-depth alarm watches. ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._parked, options)

    # ------------------------------------------------------------------ validation
    def _validate(self, function: object, execution_timeout: object, retention: object) -> None:
        problems = self._problems()
        timeout = problems.duration("execution_timeout", execution_timeout, 1, MAX_EXECUTION_TIMEOUT_SECONDS)
        if not isinstance(retention, cdk.Duration):
            problems.add(f"retention must be a Duration, got {type(retention).__name__}")
        elif not retention.is_unresolved():
            days = float(retention.to_seconds()) / 86_400
            if not days.is_integer():
                problems.add(f"retention must be a whole number of days, got {days:g} days")
            problems.in_range("retention", days, 1, MAX_RETENTION_DAYS, "days")
        if problems.instance("function", function, FunctionSpec, "a FunctionSpec"):
            assert isinstance(function, FunctionSpec)
            problems.extend(function.problems("function"))
            runtime = function.runtime_name if isinstance(function.runtime, lambda_.Runtime | None) else None
            if runtime is not None and runtime not in DURABLE_RUNTIMES:
                problems.add(
                    f"function.runtime must be one that runs durable functions ({', '.join(DURABLE_RUNTIMES)}), "
                    f"got {runtime}"
                )
            seconds = function.timeout_seconds
            if timeout is not None and seconds is not None and timeout < seconds:
                problems.add(
                    f"execution_timeout must be at least the function's timeout ({seconds:g} s): one "
                    f"invocation may run that long, got {timeout:g} s"
                )
        self._slo_timeouts(problems, [("function.timeout", function)])
        self._check(problems)
