"""The base every pattern derives from: shared options resolved and validated once, functions built
the same way, alarms registered under the one rollback policy, and one dashboard section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ..errors import Problems
from .deployment import Deployments, DeploymentStrategy
from .function import FunctionSpec, FunctionWiring, InvocationType, PatternFunction
from .monitoring import (
    AlarmAbout,
    AlarmKind,
    ExpressionSpec,
    Graph,
    MetricSpec,
    Monitoring,
    MonitoringOptions,
    rolls_back,
)
from .slo import SLO_FAST_BURN, Sli, Slo, SloAlarms, SloTargets, build_slo, slo_problems
from .sources import Binding, Source, SourceTarget
from .stage import Stage, StageDefaults

__all__ = ["Pattern"]


# aws-cdk-lib's feature flag that puts a function's layers into the hash behind ``current_version``.
# Unset, it is off in aws-cdk-lib v2: a layer edit (a new LayerVersion) leaves the version's logical ID
# unchanged, so no version is published and the ``live`` alias, which every pattern serves through,
# keeps the old layer, on AWS and locally alike.
RECOGNIZE_LAYER_VERSION = "@aws-cdk/aws-lambda:recognizeLayerVersion"


def _recognize_layer_versions(pattern: Construct) -> None:
    """Turns :data:`RECOGNIZE_LAYER_VERSION` on for the functions under ``pattern`` (context set on
    the pattern's node, which has no children yet), unless the app sets the flag itself."""
    if pattern.node.try_get_context(RECOGNIZE_LAYER_VERSION) is None:
        pattern.node.set_context(RECOGNIZE_LAYER_VERSION, True)


class Pattern(Construct):
    """What every pattern shares, written once.

    A pattern calls :meth:`_check` with the problems of its own props (the shared ``deployment`` and
    ``monitoring`` options are checked here), then builds its functions with :meth:`_function`, its
    alarms with :meth:`_alarm` and its dashboard section with :meth:`_dashboard_section`.

    Exposes ``.monitoring``, ``.deployments`` (None without CodeDeploy), ``.alarms`` (every alarm
    the pattern made, ``cloudwatch.CfnAlarm``), ``.functions`` (name to function) and ``.function``
    when the pattern has exactly one.

    The rollback policy: alarms about the new code (function errors and throttles, API 5XX rate and
    latency, an SLO's fast burn) roll a canary back; alarms about data at rest (DLQ depth, message
    age, iterator age, failed notifications and executions) and an SLO's slow burn only notify.
    :func:`~.monitoring.rolls_back` decides.

    An ``slo`` (:class:`~.slo.Slo`) is measured on each function the pattern builds with
    :meth:`_function`, unless the pattern measures it on what it serves instead (an API: class
    attribute ``_SLO_PER_FUNCTION = False`` and a call to :meth:`_slo_alarms`). Its alarms are in
    ``.slo_alarms``.
    """

    _SLO_PER_FUNCTION = True

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        deployment: DeploymentStrategy | None,
        monitoring: MonitoringOptions | None,
        slo: Slo | None = None,
    ) -> None:
        super().__init__(scope, id)
        _recognize_layer_versions(self)
        self._stack: cdk.Stack | None = None
        self.stage: Stage = Stage.of(self.stack)
        """The stage of the stack (context ``serverless-patterns:stage``), whose defaults apply to
        every prop the pattern was not given."""
        self._defaults: StageDefaults = self.stage.defaults
        self._deployment = self._defaults.deployment if deployment is None else deployment
        self._monitoring_options = MonitoringOptions() if monitoring is None else monitoring
        self.path: str = self.node.path
        """This construct's path (``Stack/Id``)."""
        self._id = id
        self.alarms: list[cw.CfnAlarm] = []
        self.functions: dict[str, lambda_.Function] = {}
        self._pattern_functions: list[PatternFunction] = []
        self._deployments: Deployments | None = None
        self._monitoring: Monitoring | None = None
        self._slo = slo
        self._slo_targets: SloTargets | None = None
        self.slo_alarms: list[SloAlarms] = []
        """The SLO's alarms, one entry per subject it is measured on (each function, or the API);
        empty without ``slo``."""
        self._slo_functions: list[tuple[SloAlarms, PatternFunction]] = []  # the per-function SLOs

    # ------------------------------------------------------------------ for subclasses
    def _problems(self) -> Problems:
        """A collector already holding the problems of the shared options."""
        problems = Problems()
        if not isinstance(self._deployment, DeploymentStrategy):
            problems.add(f"deployment must be a DeploymentStrategy, got {type(self._deployment).__name__}")
        else:
            problems.extend(self._deployment.problems())
        if not isinstance(self._monitoring_options, MonitoringOptions):
            problems.add(
                f"monitoring must be a MonitoringOptions, got {type(self._monitoring_options).__name__}"
            )
        else:
            problems.extend(self._monitoring_options.problems())
        problems.extend(slo_problems(self._slo))
        return problems

    def _slo_timeouts(self, problems: Problems, under: Sequence[tuple[str, object]]) -> None:
        """Adds a problem for each timeout in ``under`` (what, a FunctionSpec or seconds) that the
        SLO's latency threshold is not under."""
        if not isinstance(self._slo, Slo):
            return
        limits = [
            (what, limit.timeout_seconds if isinstance(limit, FunctionSpec) else limit)
            for what, limit in under
            if isinstance(limit, FunctionSpec | int | float)
        ]
        problems.extend(self._slo.timeout_problems("slo", limits))

    def _check(self, problems: Problems) -> None:
        """Raises one PatternValidationError with every problem, naming this construct."""
        problems.raise_if_any(self.path)

    @property
    def stack(self) -> cdk.Stack:
        """The stack this pattern is in."""
        if self._stack is None:
            self._stack = cdk.Stack.of(self)
        return self._stack

    @property
    def monitoring(self) -> Monitoring:
        """The alarm topic and dashboard this pattern reports to."""
        if self._monitoring is None:
            options = self._monitoring_options
            self._monitoring = options.monitoring or Monitoring.of(self.stack)
        return self._monitoring

    @property
    def deployments(self) -> Deployments | None:
        """The pattern's CodeDeploy deployment groups, or None when it has no function or the
        strategy is ``DeploymentStrategy.none()``."""
        return self._deployments

    @property
    def function(self) -> lambda_.Function:
        """The function, when the pattern has exactly one."""
        return self._only_function("functions").function

    @property
    def alias(self) -> lambda_.Alias:
        """The ``live`` alias, when the pattern has exactly one function."""
        return self._only_function("aliases").alias

    def _only_function(self, by_name: str) -> PatternFunction:
        """The pattern's one function; AttributeError pointing to ``.<by_name>[name]`` otherwise."""
        if len(self._pattern_functions) != 1:
            raise AttributeError(
                f"{type(self).__name__} has {len(self._pattern_functions)} functions: use .{by_name}[name]"
            )
        return self._pattern_functions[0]

    @property
    def aliases(self) -> dict[str, lambda_.Alias]:
        """Name to ``live`` alias, for every function in :attr:`functions`."""
        by_function = {id(pf.function): pf.alias for pf in self._pattern_functions}
        return {name: by_function[id(function)] for name, function in self.functions.items()}

    def _function(
        self,
        scope: Construct,
        id: str,
        *,
        spec: FunctionSpec,
        invocation: InvocationType,
        service_name: str,
        scope_path: str | None = None,
        name: str | None = None,
        **wiring: Unpack[FunctionWiring],
    ) -> PatternFunction:
        """Builds a function the way every pattern does and registers it under ``name`` in
        :attr:`functions` (no entry when ``name`` is None, e.g. an authorizer)."""
        pf = PatternFunction(
            scope,
            id,
            spec=spec,
            service_name=service_name,
            invocation=invocation,
            monitoring=self.monitoring,
            thresholds=self._monitoring_options.thresholds,
            path=f"{scope_path or self.path}/{id}",
            stack=self.stack,
            deployments=self._deployments_for_functions(),
            defaults=self._defaults,
            **wiring,
        )
        self._pattern_functions.append(pf)
        self.alarms.extend(pf.alarms)
        if name is not None:
            self.functions[name] = pf.function
        if self._slo is not None and self._SLO_PER_FUNCTION:
            subject = f"{scope_path or self.path}/{id} function"
            built = self._slo_alarms(pf, Sli.of_function(pf.function_name, subject, id), functions=[pf])
            if built is not None:
                self._slo_functions.append((built, pf))
        return pf

    def _slo_alarms(
        self, scope: Construct, sli: Sli, *, functions: Sequence[PatternFunction] | None = None
    ) -> SloAlarms | None:
        """The SLO's burn-rate alarms on ``sli`` in ``scope`` (None without ``slo``), the fast burn
        a rollback alarm of ``functions`` (default: every function of the pattern built so far)."""
        if self._slo is None:
            return None
        if self._slo_targets is None:
            self._slo_targets = self._slo.targets()
        built = build_slo(scope, self.monitoring, self._monitoring_options.thresholds, self._slo_targets, sli)
        self.slo_alarms.append(built)
        targets = list(self._pattern_functions if functions is None else functions)
        if rolls_back(SLO_FAST_BURN) and any(pf.deployment_group is not None for pf in targets):
            # a deployment group takes an IAlarm: the composite alarm, by its name (Ref)
            fast = cw.CompositeAlarm.from_composite_alarm_name(
                scope, "SloFastBurnAlarmRef", built.fast_burn.ref
            )
            for pf in targets:
                pf.add_rollback_alarm(fast)
        return built

    def _single_function(
        self, spec: FunctionSpec, invocation: InvocationType, **options: Any
    ) -> PatternFunction:
        """The function of a pattern that has one: built as ``Function`` in the pattern, listed as
        ``functions["Function"]`` and named after the pattern's id in its logs and traces.
        ``options``: the keyword options of :meth:`_function` (``environment``, ``on_failure_queue``...)."""
        return self._function(
            self,
            "Function",
            spec=spec,
            invocation=invocation,
            service_name=self._id,
            name="Function",
            **options,
        )

    def _alarms(
        self,
        scope: Construct,
        *rows: tuple[str, AlarmKind | str, MetricSpec | ExpressionSpec, str],
        functions: Sequence[PatternFunction] | None = None,
    ) -> list[cw.CfnAlarm]:
        """One :meth:`_alarm` per row of ``(id, kind, metric, subject)``, in the rows' order, each
        rolling back ``functions`` when its kind does."""
        return [
            self._alarm(scope, id, kind=kind, metric=metric, subject=subject, functions=functions)
            for id, kind, metric, subject in rows
        ]

    def attach(
        self,
        source: Source,
        scope: Construct,
        *,
        function: PatternFunction | None,
        title: str,
        scope_path: str | None = None,
    ) -> Binding:
        """Binds an event ``source`` to ``function`` (None: its resources wait for a consumer outside
        the stack) in ``scope``, then builds the alarms it asks for, each a rollback alarm of
        ``function`` when its kind is about the new code. The source's props must have been checked
        (its ``problems`` are part of the pattern's). Returns what the source made; its graphs are
        for the pattern's dashboard section, in the order the pattern chooses."""
        binding = source.bind(scope, SourceTarget(function, title, scope_path or self.path))
        functions = [] if function is None else [function]
        for alarm in binding.alarms:
            self._alarm(
                scope,
                alarm.id,
                kind=alarm.kind,
                metric=alarm.metric,
                subject=alarm.subject,
                functions=functions,
            )
        return binding

    def add_layers(self, *layers: lambda_.ILayerVersion) -> None:
        """Adds ``layers`` to every function of this pattern, after the layers each already has
        (for one layer of shared code: ``pattern.add_layers(PythonLayer(stack, "Shared", code="shared"))``)."""
        for pf in self._pattern_functions:
            pf.function.add_layers(*layers)

    def _deployments_for_functions(self) -> Deployments | None:
        if self._deployments is None and self._deployment.uses_codedeploy:
            self._deployments = Deployments(self, "Deployments", self._deployment, stack=self.stack)
        return self._deployments

    def _alarm(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Sequence[PatternFunction] | None = None,
        **about: Unpack[AlarmAbout],
    ) -> cw.CfnAlarm:
        """An alarm of ``kind`` on ``metric``, notifying the alarm topic. When the policy says the kind
        rolls back (:func:`rolls_back`), it is a rollback alarm of ``functions`` (default: every
        function of the pattern built so far)."""
        alarm = self.monitoring.alarm(scope, id, thresholds=self._monitoring_options.thresholds, **about)
        self.alarms.append(alarm)
        if rolls_back(about["kind"]):
            for pf in self._pattern_functions if functions is None else functions:
                pf.add_rollback_alarm(alarm)
        return alarm

    def _dashboard_section(
        self, widgets: Sequence[Graph], *, function_titles: Mapping[PatternFunction, str] | None = None
    ) -> None:
        """The pattern's dashboard section: ``widgets``, each function's graphs, every alarm.
        ``function_titles`` names a function's graphs; default: its construct id."""
        if not self._monitoring_options.dashboard:
            return
        graphs = list(widgets)
        titles = function_titles or {}
        for pf in self._pattern_functions:
            graphs.extend(pf.dashboard_widgets(titles.get(pf, pf.construct_id)))
        alarms: list[cw.CfnAlarm | cw.CfnCompositeAlarm] = list(self.alarms)
        for slo in self.slo_alarms:
            measured = next((f for built, f in self._slo_functions if built is slo), None)
            graphs.extend(slo.graphs(None if measured is None else titles.get(measured)))
            alarms.extend((slo.fast_burn, slo.slow_burn))
        self.monitoring.add_section(f"{type(self).__name__} {self.path}", graphs, alarms)

    @staticmethod
    def _metric(spec: MetricSpec | ExpressionSpec | None, options: Mapping[str, Any]) -> cw.IMetric:
        """The aws-cdk-lib metric of ``spec`` with ``options``, for ``metric_*`` methods."""
        if spec is None:
            raise AttributeError("this configuration has no such metric")
        return spec.to_metric(**options)
