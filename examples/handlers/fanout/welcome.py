"""Drains the welcome-email queue: one welcome email per new user.

Messages arrive as published (raw message delivery): the body is the user as JSON. A record that
fails is reported back to SQS on its own (partial batch response); it is retried and, after the
queue's max receive count, parked in the dead-letter queue, while the rest of the batch succeeds.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


class InvalidUser(ValueError):
    """The message does not describe a user that can be welcomed."""


@tracer.capture_method
def send_welcome_email(user: dict[str, Any]) -> None:
    email = user.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise InvalidUser(f"user {user.get('id')!r} has no valid email address")
    # A real handler calls Amazon SES here; the example only logs.
    logger.info("welcome email sent", extra={"user_id": user.get("id")})


def record_handler(record: SQSRecord) -> None:
    send_welcome_email(record.json_body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
