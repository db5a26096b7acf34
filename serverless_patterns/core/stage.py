"""Stages: one context key, read in one place, that sets the defaults a development stack and a
production stack need differently.

``cdk synth -c serverless-patterns:stage=dev`` (or ``serverless-patterns <command> --stage dev``)
makes every pattern of the app use the ``dev`` defaults; without the key every pattern uses the
``prod`` defaults, which are the library's defaults of every earlier release. A prop the user passes
always wins over the stage's default.

| stage | deployment of new code | log retention | created tables, buckets, log groups on stack delete |
|---|---|---|---|
| ``prod`` (default) | canary: 10 %, then the rest after 5 minutes | 1 month | retained |
| ``dev`` | all at once (hooks and alarms still apply) | 1 week | deleted (buckets only when empty) |
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from .._stages import STAGE_CONTEXT_KEY, STAGES
from ..errors import PatternValidationError
from .deployment import DeploymentStrategy

__all__ = ["STAGE_CONTEXT_KEY", "Stage", "StageDefaults"]


class Stage(StrEnum):
    """A stage with its own defaults (:class:`StageDefaults`)."""

    DEV = "dev"
    """A stack to work on: new code goes live at once, logs are kept a week, data may go with the stack."""
    PROD = "prod"
    """A stack that serves users: canary deployments, logs kept a month, data retained."""

    @property
    def defaults(self) -> StageDefaults:
        """The defaults of this stage."""
        return _DEFAULTS[self]

    @classmethod
    def of(cls, stack: cdk.Stack) -> Stage:
        """The stage named by ``stack``'s context (``serverless-patterns:stage``); ``PROD`` without it.

        Read once per stack: every pattern of the stack uses the same stage."""
        stage = _BY_STACK.get(stack)
        if stage is None:
            value = stack.node.try_get_context(STAGE_CONTEXT_KEY)
            if value is None:
                stage = cls.PROD
            elif isinstance(value, str) and value in cls._value2member_map_:
                stage = cls(value)
            else:
                allowed = ", ".join(repr(s.value) for s in cls)
                raise PatternValidationError(
                    stack.node.path,
                    [f"context {STAGE_CONTEXT_KEY} must be one of {allowed}, got {value!r}"],
                )
            _BY_STACK[stack] = stage
        return stage


@dataclass(frozen=True)
class StageDefaults:
    """What a stage changes. Each value is the default of the props that name it."""

    deployment: DeploymentStrategy
    """The ``deployment`` of every pattern."""
    log_retention: logs.RetentionDays
    """Retention of the function, execution and API access log groups."""
    removal_policy: cdk.RemovalPolicy
    """What happens to the tables, buckets and log groups a pattern creates when they leave the stack."""

    def log_group(self, scope: Construct, id: str, retention: logs.RetentionDays | None) -> logs.LogGroup:
        """A log group kept for ``retention`` (default: this stage's), removed as this stage says:
        every log group a pattern creates (functions, executions, API access logs) is built here."""
        return logs.LogGroup(
            scope, id, retention=retention or self.log_retention, removal_policy=self.removal_policy
        )


_DEFAULTS = {
    Stage.PROD: StageDefaults(
        DeploymentStrategy.canary(), logs.RetentionDays.ONE_MONTH, cdk.RemovalPolicy.RETAIN
    ),
    Stage.DEV: StageDefaults(
        DeploymentStrategy.all_at_once(), logs.RetentionDays.ONE_WEEK, cdk.RemovalPolicy.DESTROY
    ),
}

assert tuple(sorted(s.value for s in Stage)) == STAGES  # the command line's list is this one

_BY_STACK: weakref.WeakKeyDictionary[cdk.Stack, Stage] = weakref.WeakKeyDictionary()
