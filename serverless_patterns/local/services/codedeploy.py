"""CodeDeploy on the local cloud: a Lambda alias updated under a deployment group shifts traffic as
CodeDeploy does, and rolls back.

When a stack update moves an alias whose ``UpdatePolicy.CodeDeployLambdaAliasUpdate`` names a
deployment group (``AWS::CodeDeploy::DeploymentGroup``) to a new version, the alias stays where it
is and a deployment starts, as CodeDeploy's:

1. the ``BeforeAllowTrafficHook`` function, when set, is invoked asynchronously with
   ``DeploymentId`` and ``LifecycleEventHookExecutionId``, and the deployment waits for its
   ``PutLifecycleEventHookExecutionStatus`` call (served here: moto has none), at most an hour;
2. the alias's routing shifts as the group's deployment config says (``CodeDeployDefault.Lambda*``
   or an ``AWS::CodeDeploy::DeploymentConfig`` with ``TrafficRoutingConfig``): the alias keeps the
   old version with ``AdditionalVersionWeights`` for the new one, which local invocations follow
   (``local/events.py``), waiting each interval (the bake), then points at the new version;
3. the ``AfterAllowTrafficHook`` runs the same way; the deployment has ``Succeeded``.

The group's alarms (``AlarmConfiguration``, evaluated by ``local/alarms.py``) are watched from start
to end: one in ``ALARM`` stops the deployment (``Stopped``); a hook that reports ``Failed`` (or never
reports) fails it (``Failed``, as CodeDeploy says). Either way, with ``AutoRollbackConfiguration``,
the alias is moved back to the old version. ``LocalCloud(clock=N)`` runs bakes and the hooks' hour N
times faster.

A hook's status call is allowed by the local IAM as on AWS: on the deployment's group (what
``grant_put_lifecycle_event_hook_execution_status`` grants).

Unlike CloudFormation, the stack update does not wait for the deployment nor fail with it: it ends
with the alias still on the old version, the deployment goes on, and ``LocalCloud.deploy`` waits for
it and lists it (:class:`LambdaDeployment`). A failed deployment therefore leaves the rest of the
stack updated, where CloudFormation would roll the stack back.
"""

from __future__ import annotations

import contextlib
import secrets
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import moto_adapter
from ..moto_adapter import Patches, as_method
from ..resources import LocalModel, NamedModel, ResourceRequest
from ..state import State
from .running import Running, RunningService

__all__ = ["MODELS", "CodeDeploy", "LambdaDeployment", "TrafficRouting"]

_HOOK_TIMEOUT_MINUTES = 60


@dataclass(frozen=True)
class TrafficRouting:
    """How a deployment config shifts traffic: ``canary``, ``linear`` or ``all``."""

    kind: str
    percent: float = 100.0
    interval_minutes: float = 0.0

    def steps(self) -> list[tuple[float, float]]:
        """(share of traffic on the new version, minutes to bake after it), in order."""
        if self.kind == "canary":
            return [(self.percent / 100, self.interval_minutes), (1.0, 0.0)]
        if self.kind == "linear":
            shares = []
            share = self.percent
            while share < 100:
                shares.append((share / 100, self.interval_minutes))
                share += self.percent
            return [*shares, (1.0, 0.0)]
        return [(1.0, 0.0)]

    @classmethod
    def from_properties(cls, config: Mapping[str, Any]) -> TrafficRouting:
        """A ``TrafficRoutingConfig``."""
        kind = str(config.get("Type", "AllAtOnce"))
        if kind == "TimeBasedCanary":
            canary = config.get("TimeBasedCanary") or {}
            return cls("canary", float(canary["CanaryPercentage"]), float(canary["CanaryInterval"]))
        if kind == "TimeBasedLinear":
            linear = config.get("TimeBasedLinear") or {}
            return cls("linear", float(linear["LinearPercentage"]), float(linear["LinearInterval"]))
        return cls("all")


PREDEFINED: dict[str, TrafficRouting] = {
    **{
        f"CodeDeployDefault.LambdaCanary10Percent{m}Minutes": TrafficRouting("canary", 10, m)
        for m in (5, 10, 15, 30)
    },
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": TrafficRouting("linear", 10, 1),
    **{
        f"CodeDeployDefault.LambdaLinear10PercentEvery{m}Minutes": TrafficRouting("linear", 10, m)
        for m in (2, 3, 10)
    },
    "CodeDeployDefault.LambdaAllAtOnce": TrafficRouting("all"),
}


@dataclass(frozen=True)
class DeploymentGroup:
    application: str
    name: str
    config: str
    alarms: tuple[str, ...]
    roll_back_on: frozenset[str]
    """``DEPLOYMENT_FAILURE``, ``DEPLOYMENT_STOP_ON_ALARM``: when the alias goes back."""

    @classmethod
    def from_properties(cls, name: str, props: Mapping[str, Any]) -> DeploymentGroup:
        alarms = props.get("AlarmConfiguration") or {}
        enabled = str(alarms.get("Enabled", True)).lower() != "false"
        rollback = props.get("AutoRollbackConfiguration") or {}
        events = rollback.get("Events") or [] if str(rollback.get("Enabled", False)).lower() == "true" else []
        return cls(
            application=str(props.get("ApplicationName", "")),
            name=name,
            config=str(props.get("DeploymentConfigName") or "CodeDeployDefault.LambdaAllAtOnce"),
            alarms=tuple(str(a["Name"]) for a in alarms.get("Alarms") or []) if enabled else (),
            roll_back_on=frozenset(str(e) for e in events),
        )


@dataclass
class LambdaDeployment:
    """One CodeDeploy deployment of a Lambda alias."""

    id: str
    function: str
    """The function's construct path (``Stack/Api/GetVersionFunction``), or its name."""
    function_name: str
    alias: str
    from_version: str
    to_version: str
    group: str
    application: str = ""
    status: str = "InProgress"
    """``InProgress``, then ``Succeeded``, ``Stopped`` (an alarm) or ``Failed`` (a hook)."""
    reason: str = ""
    """What stopped or failed it: the alarm in ALARM, or the hook and its status."""
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    events: list[tuple[float, str]] = field(default_factory=list)
    """(wall-clock time, what happened), in order: hooks, shifts, the outcome."""

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class _Stop(Exception):
    def __init__(self, status: str, reason: str, event: str) -> None:
        super().__init__(reason)
        self.status, self.reason, self.event = status, reason, event


class CodeDeploy(RunningService):
    """The local CodeDeploy of one cloud (``state.codedeploy``)."""

    name = "codedeploy"

    def __init__(self, running: Running) -> None:
        super().__init__(running)
        self.configs: dict[str, TrafficRouting] = dict(PREDEFINED)
        self.groups: dict[tuple[str, str], DeploymentGroup] = {}
        self.deployments: list[LambdaDeployment] = []
        self.listeners: list[Callable[[LambdaDeployment, str], None]] = []
        """Called with a deployment and what just happened to it."""
        self._hooks: dict[str, tuple[str, threading.Event, list[str]]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def install(self, patches: Patches) -> None:
        patches.add(
            "moto.codedeploy.responses",
            "CodeDeployResponse.put_lifecycle_event_hook_execution_status",
            as_method(self.put_hook_status),
        )
        self.state.codedeploy = self

    def close(self) -> None:
        self._stop.set()

    # -- deployments ----------------------------------------------------------------------------------

    def shift(self, function_name: str, alias: str, version: str, policy: Mapping[str, Any]) -> bool:
        """Start moving ``alias`` to ``version`` as the group ``policy`` names says; False when no
        deployment group of this cloud is named (CloudFormation then moves the alias itself)."""
        group = self.groups.get(
            (str(policy.get("ApplicationName", "")), str(policy.get("DeploymentGroupName", "")))
        )
        if group is None:
            return False
        backend = moto_adapter.lambda_backend(self.state.account_id, self.state.region)
        current = str(backend.get_alias(alias, function_name).function_version)
        with self._lock:
            running = [
                d
                for d in self.deployments
                if not d.ended and (d.function_name, d.alias) == (function_name, alias)
            ]
        for previous in running:
            previous.reason = "a newer deployment of the alias started"
        if current == version:
            return True
        deployment = LambdaDeployment(
            id="d-" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9)),
            function=moto_adapter.construct_path(self.state.account_id, self.state.region, function_name)
            or function_name,
            function_name=function_name,
            alias=alias,
            from_version=current,
            to_version=version,
            group=group.name,
            application=group.application,
        )
        with self._lock:
            self.deployments.append(deployment)
        hooks = {k: str(v) for k, v in policy.items() if k.endswith("TrafficHook") and v}
        threading.Thread(
            target=self._run, args=(deployment, group, hooks), name=f"codedeploy-{deployment.id}", daemon=True
        ).start()
        return True

    def wait(self, since: int, timeout: float) -> list[LambdaDeployment]:
        """The deployments started after the first ``since``, once each has ended."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = self.deployments[since:]
            if all(d.ended for d in found) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def _run(self, deployment: LambdaDeployment, group: DeploymentGroup, hooks: Mapping[str, str]) -> None:
        routing = self.configs.get(group.config, TrafficRouting("all"))
        self._say(
            deployment,
            f"started: {deployment.alias} from version {deployment.from_version} to {deployment.to_version} ({group.config})",
        )
        try:
            self._hook(deployment, group, "BeforeAllowTraffic", hooks.get("BeforeAllowTrafficHook"))
            for share, minutes in routing.steps():
                self._route(deployment, share)
                self._bake(deployment, group, minutes * 60 / self.state.clock)
            self._hook(deployment, group, "AfterAllowTraffic", hooks.get("AfterAllowTrafficHook"))
        except _Stop as stop:
            if stop.event in group.roll_back_on:
                self._route(deployment, 0.0)
            self._end(deployment, stop.status, stop.reason)
            return
        except Exception as error:  # the function or alias went away
            self._end(deployment, "Failed", f"{type(error).__name__}: {error}")
            return
        self._end(deployment, "Succeeded", "")

    def _route(self, deployment: LambdaDeployment, share: float) -> None:
        """``share`` of the alias's traffic on the new version (0: all back on the old one)."""
        backend = moto_adapter.lambda_backend(self.state.account_id, self.state.region)
        name, alias = deployment.function_name, deployment.alias
        if share >= 1.0:
            backend.update_alias(alias, name, deployment.to_version, None, {})
            self._say(deployment, f"{alias} on version {deployment.to_version} (100%)")
        elif share <= 0.0:
            backend.update_alias(alias, name, deployment.from_version, None, {})
            self._say(deployment, f"rolled back: {alias} on version {deployment.from_version}")
        else:
            weights = {"AdditionalVersionWeights": {deployment.to_version: share}}
            backend.update_alias(alias, name, deployment.from_version, None, weights)
            self._say(deployment, f"{share:.0%} of {alias} on version {deployment.to_version}")

    def _bake(self, deployment: LambdaDeployment, group: DeploymentGroup, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self._check(deployment, group)
            if time.monotonic() >= deadline:
                return
            if self._stop.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
                raise _Stop("Stopped", "the local cloud stopped", "DEPLOYMENT_STOP_ON_REQUEST")

    def _check(self, deployment: LambdaDeployment, group: DeploymentGroup) -> None:
        alarms = self.state.alarms
        if deployment.reason:  # a newer deployment of the alias
            raise _Stop("Stopped", deployment.reason, "DEPLOYMENT_STOP_ON_REQUEST")
        for name in group.alarms if alarms is not None else ():
            if alarms is not None and alarms.state(name) == "ALARM":
                why = alarms.reason(name)
                raise _Stop("Stopped", f"alarm {name} in ALARM: {why}", "DEPLOYMENT_STOP_ON_ALARM")

    def _hook(
        self, deployment: LambdaDeployment, group: DeploymentGroup, event: str, hook: str | None
    ) -> None:
        self._check(deployment, group)
        if hook is None:
            return
        execution = secrets.token_hex(16)
        done = threading.Event()
        status: list[str] = []
        with self._lock:
            self._hooks[execution] = (deployment.id, done, status)
        self._say(deployment, f"{event} hook {hook} invoked")
        self.dispatcher.invoke_async(
            hook,
            {"DeploymentId": deployment.id, "LifecycleEventHookExecutionId": execution},
            source="codedeploy",
            detail=f"{event} of {deployment.function}",
        )
        deadline = time.monotonic() + _HOOK_TIMEOUT_MINUTES * 60 / self.state.clock
        while not done.wait(0.05):
            self._check(deployment, group)
            if time.monotonic() > deadline or self._stop.is_set():
                raise _Stop(
                    "Stopped", f"{event} hook {hook} did not report a status in time", "DEPLOYMENT_FAILURE"
                )
        if status[0] != "Succeeded":
            # Stopped, as LocalCloud.deploy() reports every deployment that did not succeed (CodeDeploy
            # itself calls a failed hook's deployment Failed); the reason names the hook.
            raise _Stop("Stopped", f"{event} hook {hook} reported {status[0]}", "DEPLOYMENT_FAILURE")
        self._say(deployment, f"{event} hook {hook} reported Succeeded")

    def _end(self, deployment: LambdaDeployment, status: str, reason: str) -> None:
        deployment.status, deployment.reason = status, reason
        self._say(deployment, status + (f": {reason}" if reason else ""))
        deployment.ended_at = time.time()

    def _say(self, deployment: LambdaDeployment, what: str) -> None:
        deployment.events.append((time.time(), what))
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(deployment, what)

    def group_arn(self, deployment_id: str) -> str | None:
        """The ARN of the deployment group of the deployment ``deployment_id``, as IAM names it."""
        with self._lock:
            found = next((d for d in self.deployments if d.id == deployment_id), None)
        if found is None:
            return None
        region, account = self.state.region, self.state.account_id
        return f"arn:aws:codedeploy:{region}:{account}:deploymentgroup:{found.application}/{found.group}"

    # -- the API a hook calls -------------------------------------------------------------------------

    def put_hook_status(self, response: Any) -> Any:
        """``PutLifecycleEventHookExecutionStatus``: a hook's verdict."""
        execution = str(response._get_param("lifecycleEventHookExecutionId") or "")
        with self._lock:
            found = self._hooks.pop(execution, None)
        error = moto_adapter.read("moto.core.exceptions", "ServiceException")
        if found is None or found[0] != response._get_param("deploymentId"):
            raise error("LifecycleEventAlreadyCompletedException", f"no pending hook execution {execution}")
        _, done, status = found
        status.append(str(response._get_param("status") or "Failed"))
        done.set()
        return moto_adapter.read("moto.core.responses", "ActionResult")(
            {"lifecycleEventHookExecutionId": execution}
        )


# -- what the templates deploy ----------------------------------------------------------------------


def _codedeploy(state: State | None) -> CodeDeploy | None:
    found = None if state is None else state.codedeploy
    return found if isinstance(found, CodeDeploy) else None


class Application(LocalModel):
    TYPE = "AWS::CodeDeploy::Application"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        return cls._made(r.physical_name("ApplicationName"), on_delete=lambda: None)


class DeploymentGroupModel(NamedModel):
    TYPE = "AWS::CodeDeploy::DeploymentGroup"
    NAME_PROPERTY = "DeploymentGroupName"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        group = DeploymentGroup.from_properties(r.physical_name(cls.NAME_PROPERTY), r.props)
        codedeploy = _codedeploy(cls.state)
        key = (group.application, group.name)
        if codedeploy is not None:
            codedeploy.groups[key] = group
        arn = f"arn:aws:codedeploy:{r.region}:{r.account_id}:deploymentgroup:{group.application}/{group.name}"
        return cls._made(
            group.name,
            {"Arn": arn},
            on_delete=lambda: codedeploy.groups.pop(key, None) if codedeploy else None,
        )


class DeploymentConfig(LocalModel):
    TYPE = "AWS::CodeDeploy::DeploymentConfig"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        name = r.physical_name("DeploymentConfigName")
        codedeploy = _codedeploy(cls.state)
        if codedeploy is not None:
            codedeploy.configs[name] = TrafficRouting.from_properties(
                r.props.get("TrafficRoutingConfig") or {}
            )
        return cls._made(name, on_delete=lambda: codedeploy.configs.pop(name, None) if codedeploy else None)


MODELS: dict[str, type] = {m.TYPE: m for m in (Application, DeploymentGroupModel, DeploymentConfig)}
