"""The QueueWorker construct: its props checked in one place, its function built by the pattern base,
its queue attached as a :class:`~serverless_patterns.core.sources.QueueSource`."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...core import (
    DeploymentStrategy,
    FunctionSpec,
    InvocationType,
    Monitoring,
    MonitoringOptions,
    Pattern,
    QueueOptions,
)
from ...core.consumer import Batching
from ...core.slo import Slo
from ...core.sources import QueueSource

__all__ = ["QueueWorker"]


class QueueWorker(Pattern):
    """An SQS queue with its dead-letter queue, drained by a Lambda function.

    The function consumes the queue through its ``live`` alias, in batches, returning the messages
    that failed (``{"batchItemFailures": [...]}``, Powertools' ``process_partial_response``): they
    alone come back, and after ``max_receive_count`` receives move to the dead-letter queue. The
    function may consume this queue and no other; ``grant_send`` lets producers in. Alarms on the
    DLQ's depth and the oldest message's age (notify only), on the function's errors and throttles
    (which roll a canary back); a dashboard section; canary deployments through the alias.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionSpec,
        fifo: bool = False,
        queue: QueueOptions | None = None,
        batching: Batching | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param function: The function that processes the messages; it should return the failed
            ones as ``{"batchItemFailures": [{"itemIdentifier": messageId}]}``.
        :param fifo: A FIFO queue (and FIFO DLQ): order kept per message group, batches of 1..10,
            no batching window; producers give a ``MessageGroupId`` and a
            ``MessageDeduplicationId``. Default: False
        :param queue: Receives before a message moves to the DLQ (1..1000), retention, and a
            visibility timeout at least the function's timeout.
            Default: - QueueOptions() (3 receives, 4 days, six times the function timeout plus the batching window)
        :param batching: Messages per invocation, batching window and maximum concurrency of the
            event source. Default: - Batching() (batches of 10, no window, no concurrency limit)
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the function. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        self.source = QueueSource(fifo=fifo, queue=queue, batching=batching)
        """The queue source this pattern attached: its props as given."""
        self._validate(function)
        self.fifo: bool = fifo
        pf = self._single_function(function, InvocationType.EVENT_SOURCE)
        binding = self.attach(self.source, self, function=pf, title=self.path)
        made = binding.resources
        self.queue: sqs.Queue = made["queue"]
        self.dead_letter_queue: sqs.Queue = made["dead_letter_queue"]
        self.event_source_mapping: lambda_.EventSourceMapping = made["event_source_mapping"]
        metrics = {alarm.id: alarm.metric for alarm in binding.alarms}
        self._parked = metrics["DeadLetterQueueDepthAlarm"]
        self._age = metrics["MessageAgeAlarm"]
        dims = {"QueueName": self.queue.queue_name}
        self._visible = Monitoring.metric(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, statistic="Maximum", period_minutes=1
        )
        self._sent = Monitoring.metric("AWS/SQS", "NumberOfMessagesSent", dims, period_minutes=1)
        self._dashboard_section(binding.graphs)

    def _validate(self, function: object) -> None:
        problems = self._problems()
        spec: FunctionSpec | None = None
        if problems.instance("function", function, FunctionSpec, "a FunctionSpec"):
            assert isinstance(function, FunctionSpec)
            spec = function
            problems.extend(function.problems("function"))
        problems.extend(self.source.problems("", function=spec))
        self._slo_timeouts(problems, [("function.timeout", function)])
        self._check(problems)

    # ------------------------------------------------------------------ public API
    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` send messages to the queue: ``sqs:SendMessage``,
        ``sqs:GetQueueAttributes`` and ``sqs:GetQueueUrl`` on this queue only (the queue uses
        SQS-managed encryption, so no key permission is needed)."""
        return self.queue.grant_send_messages(grantee)

    def metric_approximate_age_of_oldest_message(self, **options: Any) -> cw.IMetric:
        """``ApproximateAgeOfOldestMessage`` of the queue, in seconds (Maximum over one minute), what
        the message-age alarm watches. ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._age, options)

    def metric_approximate_number_of_messages_visible(self, **options: Any) -> cw.IMetric:
        """``ApproximateNumberOfMessagesVisible`` of the queue: messages waiting (Maximum over one
        minute). ``options``: see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._visible, options)

    def metric_number_of_messages_sent(self, **options: Any) -> cw.IMetric:
        """``NumberOfMessagesSent`` to the queue (Sum over one minute). ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._sent, options)

    def metric_dead_letter_queue_messages_visible(self, **options: Any) -> cw.IMetric:
        """``ApproximateNumberOfMessagesVisible`` of the dead-letter queue: messages parked (Maximum
        over one minute), what the DLQ-depth alarm watches. ``options``: see
        :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._parked, options)
