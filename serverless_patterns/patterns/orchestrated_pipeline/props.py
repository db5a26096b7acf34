"""The pipeline's public option types: :class:`Retry`, the steps (:class:`Step`, :class:`Choice` with
its :class:`When` rules, :class:`Wait`, :class:`Parallel`, :class:`Map`) and :class:`Trigger`.

Each is a frozen dataclass whose fields document their defaults. :func:`whole_seconds` is the check
every duration that ends up in the definition (a retrier's wait, the execution timeout) goes through.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_stepfunctions as sfn

from ...core import FunctionSpec
from ...errors import Problems, is_token
from . import asl

__all__ = ["Choice", "Map", "Parallel", "Retry", "Step", "StepLike", "Trigger", "Wait", "When"]

DEFAULT_RETRY_INTERVAL_SECONDS = 2
DEFAULT_API_PATH = "/executions"
DEFAULT_API_RATE_LIMIT = 10
DEFAULT_API_BURST_LIMIT = 20
DEFAULT_STAGE_NAME = "prod"


@dataclass(frozen=True)
class Retry:
    """How a step retries errors: ``Retry(errors=["Lambda.TooManyRequestsException"], max_attempts=3)``.

    ``Retry()`` is the retrier every Lambda step gets by default.
    """

    errors: Sequence[str] = asl.TRANSIENT_LAMBDA_ERRORS
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
            found.in_range(f"{prop}.max_attempts", self.max_attempts, 0, asl.MAX_ASL_INTEGER)
        elif not is_token(self.max_attempts):
            found.add(f"{prop}.max_attempts must be an integer, got {self.max_attempts!r}")
        # NaN and infinity pass a plain `< 1` test and end in the definition as invalid JSON.
        if not is_token(self.backoff_rate) and (
            isinstance(self.backoff_rate, bool)
            or not isinstance(self.backoff_rate, int | float)
            or not math.isfinite(self.backoff_rate)
            or self.backoff_rate < 1
        ):
            found.add(f"{prop}.backoff_rate must be >= 1.0, got {self.backoff_rate!r}")
        if not isinstance(self.jitter, bool):
            found.add(
                f"{prop}.jitter must be True (JitterStrategy FULL) or False (NONE), got {self.jitter!r}"
            )
        seconds: dict[str, int | None] = {}
        for name, duration, high in (
            ("interval", self.interval, asl.MAX_ASL_INTEGER),
            ("max_delay", self.max_delay, asl.MAX_DELAY_SECONDS),
        ):
            if duration is not None:
                seconds[name] = whole_seconds(f"{prop}.{name}", duration, 1, high, found)
        interval = seconds.get("interval", DEFAULT_RETRY_INTERVAL_SECONDS)
        max_delay = seconds.get("max_delay")
        if max_delay is not None and interval is not None and max_delay < interval:
            found.add(
                f"{prop}.max_delay must be at least the interval ({interval} s), got {max_delay} s: "
                "it would cap even the first wait"
            )
        return list(found)

    def to_asl(self) -> dict[str, Any]:
        retrier: dict[str, Any] = {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": int(seconds_of(self.interval) or DEFAULT_RETRY_INTERVAL_SECONDS),
            "MaxAttempts": self.max_attempts,
            "BackoffRate": float(self.backoff_rate),
            "JitterStrategy": "FULL" if self.jitter else "NONE",
        }
        max_delay = seconds_of(self.max_delay)
        if max_delay is not None:
            retrier["MaxDelaySeconds"] = int(max_delay)
        return retrier


class _Retrying:
    """A state with retriers (``retry``: one Retry, a list of them, or None)."""

    retry: Retry | Sequence[Retry] | None

    @property
    def retriers(self) -> list[Retry]:
        """The retriers, as a list."""
        if self.retry is None:
            return []
        return [self.retry] if isinstance(self.retry, Retry) else list(self.retry)


@dataclass(frozen=True)
class Step(_Retrying):
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

    next: str | None = None
    """The step to go to next (another step at the same level, or ``NotifySuccess``).
    Default: - the following step; after the last one the pipeline ends (or notifies success)"""


@dataclass(frozen=True)
class When:
    """One rule of a :class:`Choice`: ``When(sfn.Condition.boolean_equals("$.inStock", True), "Ship")``."""

    condition: sfn.Condition
    """The condition, built with aws-cdk's ``sfn.Condition`` (JSONPath)."""
    next: str
    """The step to go to when the condition holds (a step at the same level)."""


@dataclass(frozen=True)
class Choice:
    """A branch: ``Choice("IsInStock", [When(condition, "Ship")], otherwise="Backorder")``.

    The rules are tried in order; the first that holds chooses the next step.
    """

    name: str
    """The state name (as for :class:`Step`)."""
    when: Sequence[When]
    """The rules, tried in order; at least one."""
    otherwise: str | None = None
    """The step to go to when no rule holds. Default: - none: the execution fails with
    States.NoChoiceMatched"""


@dataclass(frozen=True)
class Wait:
    """A pause: ``Wait("Cooldown", duration=cdk.Duration.minutes(5))``. Give exactly one of
    ``duration``, ``until``, ``seconds_path`` and ``timestamp_path``."""

    name: str
    """The state name (as for :class:`Step`)."""
    duration: cdk.Duration | None = None
    """How long to wait, whole seconds (``Seconds``). Default: - none"""
    until: str | None = None
    """An RFC 3339 timestamp to wait until (``Timestamp``). Default: - none"""
    seconds_path: str | None = None
    """A path to the number of seconds in the state input (``SecondsPath``). Default: - none"""
    timestamp_path: str | None = None
    """A path to the timestamp in the state input (``TimestampPath``). Default: - none"""
    next: str | None = None
    """The step to go to next. Default: - the following step"""


@dataclass(frozen=True)
class Parallel(_Retrying):
    """Branches run at once: ``Parallel("Enrich", [[Step(...)], [Step(...), Step(...)]])``; the output
    is the list of each branch's output."""

    name: str
    """The state name (as for :class:`Step`)."""
    branches: Sequence[Sequence[StepLike]]
    """Each branch: steps run in order, as at the top level; at least one branch."""
    retry: Retry | Sequence[Retry] | None = None
    """Retriers for the whole state. Default: - none (each Lambda step retries its own transient errors)"""
    catch: Mapping[str, str] = field(default_factory=dict)
    """Error name to the state that handles it, as for :class:`Step`.
    Default: - any error goes to NotifyError when notify_failure is on"""
    next: str | None = None
    """The step to go to next. Default: - the following step"""


@dataclass(frozen=True)
class Map(_Retrying):
    """The same steps for every item of a list: ``Map("EachLine", [Step(...)], items_path="$.lines")``
    (an inline Map); the output is the list of each item's output."""

    name: str
    """The state name (as for :class:`Step`)."""
    steps: Sequence[StepLike]
    """The steps run for each item, in order, as at the top level; at least one."""
    items_path: str = "$.items"
    """Path to the list in the state input. Default: $.items"""
    max_concurrency: int = 0
    """Items processed at once, 0 for as many as possible (up to 40). Default: 0"""
    retry: Retry | Sequence[Retry] | None = None
    """Retriers for the whole state, as for :class:`Parallel`. Default: - none"""
    catch: Mapping[str, str] = field(default_factory=dict)
    """As for :class:`Parallel`. Default: - any error goes to NotifyError when notify_failure is on"""
    next: str | None = None
    """The step to go to next. Default: - the following step"""


StepLike = Step | Choice | Wait | Parallel | Map
"""Anything ``steps`` holds."""


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


# ------------------------------------------------------------------------------------------------ durations
def seconds_of(duration: cdk.Duration | None) -> float | None:
    """``duration`` in seconds; None when there is none or its length is a token."""
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_seconds(integral=False))


def whole_seconds(prop: str, duration: cdk.Duration, low: int, high: int, problems: Problems) -> int | None:
    """``duration`` in whole seconds if it is one within ``low..high``; else a problem and None."""
    if not isinstance(duration, cdk.Duration):
        problems.add(f"{prop} must be a Duration, got {duration!r}")
        return None
    seconds = seconds_of(duration)
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
