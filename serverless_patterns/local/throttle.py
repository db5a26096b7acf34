"""Stage throttling, as API Gateway applies it: a token bucket per method (REST) or route (HTTP API)
of a stage, which holds ``burst`` requests and refills at ``rate`` per second; a request that
finds it empty gets 429 ``{"message":"Too Many Requests"}``.

The limits are read from the stage: a REST stage's ``MethodSettings`` (the method's own entry,
else ``*/*``), an HTTP API stage's ``RouteSettings`` of the route, else its
``DefaultRouteSettings``; without any, the account-level default (10,000 requests per second,
burst 5,000). Usage plans (per API key) are not applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ACCOUNT_BURST", "ACCOUNT_RATE", "Limit", "Throttles", "http_limit", "rest_limit"]

ACCOUNT_RATE = 10_000.0
"""The account-level steady-state limit of API Gateway, requests per second."""
ACCOUNT_BURST = 5_000
"""The account-level burst limit of API Gateway, requests."""


@dataclass(frozen=True)
class Limit:
    rate: float
    """Requests per second, steady state."""
    burst: int
    """Requests at once (the bucket's size)."""


class _Bucket:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.tokens = float(limit.burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(float(self.limit.burst), self.tokens + (now - self.at) * self.limit.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Throttles:
    """The token buckets of every stage served, by (API, stage, method or route)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, api_id: str, stage: str, key: str, limit: Limit) -> bool:
        """Whether a request to ``key`` (a method or route) of a stage may go on now."""
        with self._lock:
            bucket = self._buckets.get((api_id, stage, key))
            if bucket is None or bucket.limit != limit:  # a redeploy changed the limits: start full
                bucket = self._buckets[(api_id, stage, key)] = _Bucket(limit)
            return bucket.take()


def _limit(settings: Mapping[str, Any] | None) -> Limit | None:
    """The limit an entry of method or route settings sets (either name), or None."""
    if not settings:
        return None
    rate = settings.get("throttlingRateLimit", settings.get("ThrottlingRateLimit"))
    burst = settings.get("throttlingBurstLimit", settings.get("ThrottlingBurstLimit"))
    if rate is None and burst is None:
        return None
    return Limit(
        ACCOUNT_RATE if rate is None else float(rate), ACCOUNT_BURST if burst is None else int(burst)
    )


def rest_limit(stage: Any, template: str, method: str) -> Limit:
    """The limit of a REST method on a moto stage (``method_settings``, keyed as API Gateway does:
    ``{resource path without its first slash, / as ~1}/{verb}``, ``*/*`` for every method)."""
    settings: Mapping[str, Any] = getattr(stage, "method_settings", None) or {}
    path = template.lstrip("/").replace("/", "~1")
    for key in (f"{path}/{method}", f"{path}/*", "*/*"):
        found = _limit(settings.get(key))
        if found is not None:
            return found
    return Limit(ACCOUNT_RATE, ACCOUNT_BURST)


def http_limit(stage: Any, route_key: str) -> Limit:
    """The limit of an HTTP API route on a moto stage: its route settings, else the stage's
    default route settings."""
    routes: Mapping[str, Any] = getattr(stage, "route_settings", None) or {}
    for found in (_limit(routes.get(route_key)), _limit(getattr(stage, "default_route_settings", None))):
        if found is not None:
            return found
    return Limit(ACCOUNT_RATE, ACCOUNT_BURST)
