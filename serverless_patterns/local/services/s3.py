"""S3 on the local cloud: a bucket notification to a function is an asynchronous invocation
(Lambda's retries and destinations), with the object key encoded as S3 encodes it."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ..moto_adapter import Patches
from .running import RunningService

__all__ = ["S3", "quote_key"]

NOTIFICATIONS = "moto.s3.notifications"


class S3(RunningService):
    name = "s3"

    def install(self, patches: Patches) -> None:
        patches.replace(NOTIFICATIONS, "_invoke_awslambda", self.invoke)
        patches.replace(NOTIFICATIONS, "quote_plus", quote_key)

    def invoke(self, account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        self.dispatcher.invoke_async(fn_arn, event_body, source="s3", detail=_detail(event_body))


def quote_key(text: str) -> str:
    """S3 event keys are URL-encoded with '/' kept, as S3 sends them (moto encodes '/' too)."""
    return urllib.parse.quote_plus(text, safe="/")


def _detail(event: Any) -> str:
    try:
        record = event["Records"][0]
        return f"{record['eventName']} s3://{record['s3']['bucket']['name']}/{record['s3']['object']['key']}"
    except (KeyError, IndexError, TypeError):
        return ""
