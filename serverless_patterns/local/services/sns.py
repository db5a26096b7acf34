"""SNS on the local cloud: a message published to a topic reaches a subscribed function as an
asynchronous invocation of SNS's event shape, after the subscription's filter policy; other
protocols are moto's. A delivery to a function is counted (``NumberOfNotificationsDelivered``,
``NumberOfNotificationsFailed`` when the function is gone), as CloudWatch counts it."""

from __future__ import annotations

from typing import Any

from ... import event_shapes
from ..moto_adapter import Patches, as_method
from .running import Running

__all__ = ["Sns"]


class Sns:
    name = "sns"

    def __init__(self, running: Running) -> None:
        self.dispatcher = running.dispatcher
        self.metrics = running.state.metrics

    def install(self, patches: Patches) -> None:
        self._publish = patches.replace("moto.sns.models", "Subscription.publish", as_method(self.publish))

    def publish(
        self,
        subscription: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if subscription.protocol != "lambda":
            return self._publish(  # type: ignore[no-any-return]
                subscription,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return None
        if message_structure == "json":
            message = subscription._parse_message_structure(message, subscription.protocol)
        record = event_shapes.sns_record(
            subscription_arn=subscription.arn,
            message_id=message_id,
            message=message,
            topic_arn=subscription.topic.arn,
            subject=subject,
            message_attributes=event_shapes.sns_message_attributes(message_attributes),
        )
        topic = {"TopicName": str(subscription.topic.arn).split(":")[-1]}
        try:
            self.dispatcher.resolve(subscription.endpoint)
        except Exception:  # the function is gone: SNS cannot deliver
            self.metrics.record("AWS/SNS", "NumberOfNotificationsFailed", topic, 1, unit="Count")
            return None
        self.dispatcher.invoke_async(
            subscription.endpoint,
            event_shapes.records([record]),
            source="sns",
            detail=f"from {topic['TopicName']}",
        )
        self.metrics.record("AWS/SNS", "NumberOfNotificationsDelivered", topic, 1, unit="Count")
        return None
