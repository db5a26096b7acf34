"""Runs every night at 02:00 UTC, and for each order an EventBridge event reports: logs what it got.

The event is an EventBridge event (Powertools' ``EventBridgeEvent``): from the schedule its source is
``aws.scheduler``; from a rule, the event as it was put on the bus.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    if event.detail.get("fail"):
        raise RuntimeError(f"asked to fail: {event.get_id}")
    logger.info(
        "handled", source=event.source, detail_type=event.detail_type, id=event.get_id, detail=event.detail
    )
    print("HANDLED", event.source, event.detail_type, event.get_id)
    return {"source": event.source, "detail_type": event.detail_type, "id": event.get_id}
