"""How a new function version reaches traffic: canary, linear, all at once, or no CodeDeploy at all."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.interfaces.aws_cloudwatch import IAlarmRef
from constructs import Construct

from ..errors import Problems, is_token
from .nag import acknowledge

__all__ = ["DeploymentKind", "DeploymentStrategy", "Deployments"]


class DeploymentKind(StrEnum):
    """How a new version reaches traffic."""

    CANARY = "canary"
    """A share of traffic first, the rest after an interval."""
    LINEAR = "linear"
    """Equal shares at equal intervals."""
    ALL_AT_ONCE = "all_at_once"
    """All traffic at once (hooks and alarms still apply)."""
    NONE = "none"
    """No CodeDeploy: CloudFormation moves the alias."""


_CANARY = DeploymentKind.CANARY
_LINEAR = DeploymentKind.LINEAR
_ALL_AT_ONCE = DeploymentKind.ALL_AT_ONCE
_NONE = DeploymentKind.NONE


@dataclass(frozen=True)
class DeploymentStrategy:
    """How CodeDeploy shifts the ``live`` alias to a new version, rolling back when an alarm fires.

    Build one with :meth:`canary`, :meth:`linear`, :meth:`all_at_once` or :meth:`none`.

    Every pattern with functions takes one as its ``deployment`` prop. Left out, the stage's applies
    (:class:`Stage`): ``DeploymentStrategy.canary()`` (10% for 5 minutes) in prod, ``all_at_once()``
    in dev. A deployment rolls back on the pattern's alarms about the new code: its functions' errors
    and throttles, an API's 5XX rate and latency, an SLO's fast burn.
    """

    kind: DeploymentKind = _CANARY
    """canary, linear, all_at_once or none. Default: DeploymentKind.CANARY"""
    percent: int = 10
    """Traffic percent shifted in the first step (canary) or in every step (linear). Default: 10"""
    interval_minutes: int = 5
    """Minutes between steps. Default: 5"""
    pre_traffic_hook: lambda_.IFunction | None = None
    """Function CodeDeploy runs before shifting traffic. Default: - none"""
    post_traffic_hook: lambda_.IFunction | None = None
    """Function CodeDeploy runs after shifting traffic. Default: - none"""

    @classmethod
    def canary(
        cls,
        percent: int = 10,
        interval_minutes: int = 5,
        *,
        pre_traffic_hook: lambda_.IFunction | None = None,
        post_traffic_hook: lambda_.IFunction | None = None,
    ) -> DeploymentStrategy:
        """Shift ``percent`` of traffic, wait ``interval_minutes``, then shift the rest."""
        return cls(_CANARY, percent, interval_minutes, pre_traffic_hook, post_traffic_hook)

    @classmethod
    def linear(
        cls,
        percent: int = 10,
        interval_minutes: int = 1,
        *,
        pre_traffic_hook: lambda_.IFunction | None = None,
        post_traffic_hook: lambda_.IFunction | None = None,
    ) -> DeploymentStrategy:
        """Shift ``percent`` of traffic every ``interval_minutes`` until all of it has moved."""
        return cls(_LINEAR, percent, interval_minutes, pre_traffic_hook, post_traffic_hook)

    @classmethod
    def all_at_once(
        cls,
        *,
        pre_traffic_hook: lambda_.IFunction | None = None,
        post_traffic_hook: lambda_.IFunction | None = None,
    ) -> DeploymentStrategy:
        """Shift all traffic at once, still rolling back when an alarm fires during the hooks."""
        return cls(_ALL_AT_ONCE, 100, 0, pre_traffic_hook, post_traffic_hook)

    @classmethod
    def none(cls) -> DeploymentStrategy:
        """No CodeDeploy: CloudFormation points the alias at each new version directly."""
        return cls(_NONE, 100, 0)

    def problems(self, prop: str = "deployment") -> list[str]:
        found = Problems()
        found.one_of(f"{prop}.kind", self.kind, (_CANARY, _LINEAR, _ALL_AT_ONCE, _NONE))
        if self.kind in (_CANARY, _LINEAR):
            found.whole_number(f"{prop}.percent", self.percent, 1, 99)
            found.whole_number(f"{prop}.interval_minutes", self.interval_minutes, 1, 2880)
            if (
                self.kind == _LINEAR
                and isinstance(self.percent, int)
                and isinstance(self.interval_minutes, int)
                and not is_token(self.percent)
                and not is_token(self.interval_minutes)
                and 1 <= self.percent <= 99
                and (100 // self.percent) * self.interval_minutes > 2880
            ):
                found.add(
                    f"{prop}: linear {self.percent}% every {self.interval_minutes} min takes longer than "
                    "CodeDeploy's 2880 minutes"
                )
        for name in ("pre_traffic_hook", "post_traffic_hook"):
            hook = getattr(self, name)
            if hook is not None:
                found.interface(
                    f"{prop}.{name}", hook, ("function_arn", "function_name"), "a lambda_.IFunction"
                )
        if self.kind == _NONE and (self.pre_traffic_hook is not None or self.post_traffic_hook is not None):
            found.add(f"{prop}: traffic hooks need a CodeDeploy strategy, got kind 'none'")
        return list(found)

    @property
    def uses_codedeploy(self) -> bool:
        return self.kind != _NONE


# Names of CodeDeploy's predefined configs, read lazily (each read is a jsii round trip).
_PREDEFINED: dict[tuple[str, int, int], str] = {
    (_CANARY, 10, 5): "CANARY_10_PERCENT_5_MINUTES",
    (_CANARY, 10, 10): "CANARY_10_PERCENT_10_MINUTES",
    (_CANARY, 10, 15): "CANARY_10_PERCENT_15_MINUTES",
    (_CANARY, 10, 30): "CANARY_10_PERCENT_30_MINUTES",
    (_LINEAR, 10, 1): "LINEAR_10_PERCENT_EVERY_1_MINUTE",
    (_LINEAR, 10, 2): "LINEAR_10_PERCENT_EVERY_2_MINUTES",
    (_LINEAR, 10, 3): "LINEAR_10_PERCENT_EVERY_3_MINUTES",
    (_LINEAR, 10, 10): "LINEAR_10_PERCENT_EVERY_10_MINUTES",
    (_ALL_AT_ONCE, 100, 0): "ALL_AT_ONCE",
}


class _StackDeployments(Construct):
    """The stack's one CodeDeploy application and service role, shared by every pattern's groups."""

    ID = "ServerlessPatternsDeployments"

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, self.ID)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSCodeDeployRoleForLambdaLimited"
                )
            ],
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM4",
            "AWSCodeDeployRoleForLambdaLimited (AWS-managed, v1) is not scoped to this stack: it allows "
            "cloudwatch:DescribeAlarms, lambda:GetAlias, lambda:UpdateAlias and "
            "lambda:GetProvisionedConcurrencyConfig on any resource, s3:GetObject and "
            "s3:GetObjectVersion on objects under */CodeDeploy/* or tagged UseWithCodeDeploy=true, and "
            "lambda:InvokeFunction on functions named CodeDeployHook_*. Only codedeploy.amazonaws.com "
            "can assume this role, to shift the live aliases of this stack's deployment groups and "
            "read their alarms; a traffic hook, when set, is granted on its exact ARN in the role's default "
            "policy",
            finding="Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited",
        )


_SHARED: weakref.WeakKeyDictionary[cdk.Stack, _StackDeployments] = weakref.WeakKeyDictionary()


def _stack_deployments(stack: cdk.Stack) -> _StackDeployments:
    shared = _SHARED.get(stack)
    if shared is None:
        shared = _SHARED[stack] = _StackDeployments(stack)
    return shared


class Deployments(Construct):
    """A pattern's deployment groups and the deployment config they share. The CodeDeploy
    application and service role are the stack's, created once (``ServerlessPatternsDeployments``)."""

    def __init__(self, scope: Construct, id: str, strategy: DeploymentStrategy, *, stack: cdk.Stack) -> None:
        super().__init__(scope, id)
        self.strategy = strategy
        shared = _stack_deployments(stack)
        self.application = shared.application
        self.role = shared.role
        key = (
            (_ALL_AT_ONCE, 100, 0)
            if strategy.kind == _ALL_AT_ONCE
            else (strategy.kind, strategy.percent, strategy.interval_minutes)
        )
        name = _PREDEFINED.get(key)
        config: codedeploy.ILambdaDeploymentConfig
        if name is not None:
            config = getattr(codedeploy.LambdaDeploymentConfig, name)
        else:
            routing: codedeploy.TrafficRouting
            if strategy.kind == _CANARY:
                routing = codedeploy.TrafficRouting.time_based_canary(
                    interval=cdk.Duration.minutes(strategy.interval_minutes), percentage=strategy.percent
                )
            else:
                routing = codedeploy.TrafficRouting.time_based_linear(
                    interval=cdk.Duration.minutes(strategy.interval_minutes), percentage=strategy.percent
                )
            config = codedeploy.LambdaDeploymentConfig(self, "Config", traffic_routing=routing)
        self.config = config

    def add(
        self, id: str, alias: lambda_.Alias, alarms: Sequence[IAlarmRef]
    ) -> codedeploy.LambdaDeploymentGroup:
        """A deployment group for ``alias`` that rolls back when any of ``alarms`` fires."""
        group = codedeploy.LambdaDeploymentGroup(
            self,
            id,
            alias=alias,
            application=self.application,
            role=self.role,
            deployment_config=self.config,
            alarms=list(alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        self._add_hooks(group, alias)
        return group

    def _add_hooks(self, group: codedeploy.LambdaDeploymentGroup, alias: lambda_.Alias) -> None:
        """Traffic hooks, granted on the hook's exact ARN.

        CDK's own ``pre_hook``/``post_hook`` grant ``lambda:InvokeFunction`` on ``<arn>:*`` too, a
        wildcard CodeDeploy does not need (it invokes the hook by name), so the hooks are set here.
        """
        hooks = {
            "BeforeAllowTrafficHook": self.strategy.pre_traffic_hook,
            "AfterAllowTrafficHook": self.strategy.post_traffic_hook,
        }
        if all(hook is None for hook in hooks.values()):
            return  # nothing to set: skip the round trips to the alias's CfnResource
        cfn_alias = alias.node.default_child
        assert isinstance(cfn_alias, cdk.CfnResource)
        for key, hook in hooks.items():
            if hook is None:
                continue
            cfn_alias.add_override(f"UpdatePolicy.CodeDeployLambdaAliasUpdate.{key}", hook.function_name)
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[hook.function_arn])
            )
            group.grant_put_lifecycle_event_hook_execution_status(hook)
