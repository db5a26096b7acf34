"""ArchiveFile: one item of the Distributed Map over an order's files (an S3 ListObjectsV2 entry);
answers where the file is archived."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


def archive_key(item: dict[str, Any]) -> str:
    return f"archive/{item['Key']}"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    key = archive_key(event)
    logger.info("file archived", extra={"key": event["Key"], "archive_key": key, "size": event.get("Size")})
    return {"key": event["Key"], "archiveKey": key}
