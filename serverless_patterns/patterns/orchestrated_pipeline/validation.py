"""Validation of the OrchestratedPipeline props (CONTRIBUTING.md, "Errors"): every problem of a configuration,
steps, definition file, triggers, deployment and thresholds alike, collected into one
:class:`PatternValidationError` that names the prop, the value given and what is allowed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn

from ...core import FunctionSpec
from ...core.schedule_expressions import schedule_expression_problem
from ...errors import Problems, is_token
from . import asl
from .binding import PREFIX, FreeUse, key_twins, resolve, resource_kind
from .definition import NOTIFY_ERROR, NOTIFY_SUCCESS, RESERVED_STATES, add_default_retries, steps_definition
from .integrations import Found, find_uses
from .props import Choice, Map, Parallel, Retry, Step, StepLike, Trigger, Wait, When, whole_seconds

EXPRESS_MAX_SECONDS = asl.EXPRESS_MAX_SECONDS
STANDARD_MAX_SECONDS = 365 * 24 * 3600
_M = TypeVar("_M", bound=Mapping[str, Any])
_STEP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")
_API_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_STAGE = re.compile(r"^[A-Za-z0-9_]{1,128}$")
_VARIABLE = re.compile(r"^[A-Za-z0-9_]+$")
_RESERVED_PREFIXES = tuple(f"{p}_" for p in (*PREFIX.values(), "States", "AWS"))


@dataclass
class Checked:
    """A valid configuration: the definition, what to build and what to bind."""

    definition: dict[str, Any] = field(default_factory=dict)
    specs: dict[str, FunctionSpec] = field(default_factory=dict)
    """The function to build for each name the definition calls."""
    found: Found = field(default_factory=Found)
    """Every resource every state uses (names resolved), and the Distributed Maps."""
    free: list[FreeUse] = field(default_factory=list)
    """``${Variables}`` outside integration fields that name a resource."""
    resources: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(kind, name) to each resource the user gives (``topics`` and ``resources``)."""

    @property
    def needs_topic(self) -> bool:
        """Whether a state publishes to a topic the user does not give: the notification topic."""
        return any(u.kind == "topic" and ("topic", u.name) not in self.resources for u in self.found.uses)


def validate_props(
    path: str,
    *,
    state_machine_type: sfn.StateMachineType,
    steps: Sequence[StepLike] | None,
    definition_file: str | os.PathLike[str] | None,
    functions: Mapping[str, FunctionSpec] | None,
    topics: Mapping[str, sns.ITopic] | None,
    resources: Mapping[str, Any] | None,
    substitutions: Mapping[str, str] | None,
    policies: Sequence[iam.PolicyStatement],
    chain: sfn.IChainable | None,
    notify_success: bool | None,
    notify_failure: bool | None,
    timeout: cdk.Duration | None,
    log_level: sfn.LogLevel,
    triggers: Sequence[Trigger],
    problems: Problems,
    spec_problems: Callable[[Mapping[str, FunctionSpec]], Iterable[str]] | None = None,
) -> Checked:
    """Every problem of the props in one :class:`PatternValidationError` raised for ``path``; else the
    checked definition (default retries and timeout in), the function to build for each name it
    calls, and what to bind. ``problems`` holds those of the shared options already;
    ``spec_problems`` adds those of the functions to build, by name (the SLO's timeouts)."""
    express = state_machine_type == sfn.StateMachineType.EXPRESS
    checked = Checked()
    # A value of the wrong shape is reported and then read as not given, so the checks below run.
    functions = _mapping("functions", functions, problems)
    topics = _mapping("topics", topics, problems)
    resources = _mapping("resources", resources, problems)
    substitutions = _mapping("substitutions", substitutions, problems)
    if not isinstance(policies, list | tuple):
        problems.add(f"policies must be a list of iam.PolicyStatement, got {type(policies).__name__}")
        policies = ()
    given = _Given(steps, definition_file, chain, functions, topics, resources, substitutions, policies)
    definition = _definition(given, notify_success, notify_failure, path, checked, problems)
    _twin_problems(given, problems)
    checked.resources = _check_resources(topics, resources, functions, substitutions, policies, problems)
    if definition:
        _check_definition(definition, given, express, checked, problems)
    if timeout is not None:
        high = EXPRESS_MAX_SECONDS if express else STANDARD_MAX_SECONDS
        kind = "an Express" if express else "a Standard"
        seconds = whole_seconds(f"timeout ({kind} workflow)", timeout, 1, high, problems)
        if seconds is not None and definition:
            definition["TimeoutSeconds"] = seconds
    problems.require(
        isinstance(state_machine_type, sfn.StateMachineType),
        f"state_machine_type must be sfn.StateMachineType.STANDARD or EXPRESS, got {state_machine_type!r}",
    )
    if not isinstance(log_level, sfn.LogLevel):
        problems.add(f"log_level must be an sfn.LogLevel (ALL, ERROR or FATAL), got {log_level!r}")
    problems.require(
        log_level != sfn.LogLevel.OFF,
        "log_level must be ALL, ERROR or FATAL, got OFF: the execution history is always logged",
    )
    _check_triggers(triggers, problems)
    if spec_problems is not None:
        problems.extend(spec_problems(checked.specs))
    problems.raise_if_any(path)
    return checked


def settings_problems(
    notify_success: object,
    notify_failure: object,
    include_execution_data: object,
    log_retention: object,
    notification_topic: object,
) -> list[str]:
    """The problems of the props that are plain settings (checked before :func:`validate_props`)."""
    found = Problems()
    for prop, flag in (("notify_success", notify_success), ("notify_failure", notify_failure)):
        found.require(
            flag is None or isinstance(flag, bool), f"{prop} must be True, False or None, got {flag!r}"
        )
    found.require(
        isinstance(include_execution_data, bool),
        f"include_execution_data must be True or False, got {include_execution_data!r}",
    )
    found.require(
        log_retention is None or isinstance(log_retention, logs.RetentionDays),
        f"log_retention must be a logs.RetentionDays, got {log_retention!r}",
    )
    found.require(
        notification_topic is None or hasattr(notification_topic, "topic_arn"),
        f"notification_topic must be an sns.ITopic, got {notification_topic!r}",
    )
    return list(found)


@dataclass(frozen=True)
class _Given:
    """The props that say what the state machine runs, each mapping of the wrong shape read as not given."""

    steps: Sequence[StepLike] | None
    definition_file: str | os.PathLike[str] | None
    chain: sfn.IChainable | None
    functions: Mapping[str, FunctionSpec] | None
    topics: Mapping[str, sns.ITopic] | None
    resources: Mapping[str, Any] | None
    substitutions: Mapping[str, str] | None
    policies: Sequence[iam.PolicyStatement]

    @property
    def where(self) -> str:
        """How problems of the definition name it."""
        return (
            "steps"
            if self.steps is not None
            else f"definition_file {os.fspath(self.definition_file or '')!r}"
        )


def _definition(
    given: _Given,
    notify_success: bool | None,
    notify_failure: bool | None,
    path: str,
    checked: Checked,
    problems: Problems,
) -> dict[str, Any]:
    """The ASL definition of ``steps`` or ``definition_file`` (empty for a chain, or when it has
    problems); the function of each name it calls goes to ``checked.specs``."""
    steps, definition_file = given.steps, given.definition_file
    maps = (given.functions, given.topics, given.resources, given.substitutions)
    if given.chain is not None:
        if steps is not None or definition_file is not None:
            problems.add("give one of steps, definition_file and definition, not several")
        if not hasattr(given.chain, "start_state"):  # jsii interfaces are not runtime-checkable
            problems.add(
                f"definition must be an sfn.IChainable (a state or a chain), got {type(given.chain).__name__}"
            )
        if any(m is not None for m in maps):
            problems.add(
                "functions, topics, resources and substitutions go with definition_file; a definition's "
                "tasks name their own resources"
            )
    elif steps is not None and definition_file is not None:
        problems.add("give either steps or definition_file, not both")
    elif steps is None and definition_file is None:
        problems.add(
            "give steps (a list of Step) or definition_file (an Amazon States Language file) or definition "
            "(an aws_stepfunctions chain)"
        )
    elif steps is not None:
        if any(m is not None for m in maps):
            problems.add(
                "functions, topics, resources and substitutions go with definition_file; steps name their "
                "own functions"
            )
        success, failure = notify_success is True, notify_failure is not False
        checked.specs, ok = _check_steps(steps, success, failure, problems)
        if ok:
            return steps_definition(steps, path, success, failure)
    elif definition_file is not None:
        if notify_success is not None or notify_failure is not None:
            problems.add(
                "notify_success and notify_failure go with steps; an ASL definition publishes where "
                "its own states say"
            )
        definition, checked.specs = _file_definition(definition_file, given.functions, given.topics, problems)
        return definition
    return {}


def _twin_problems(given: _Given, problems: Problems) -> None:
    """Names of one prop that would bind to one resource."""
    for prop, names in (
        ("steps", _step_names(given.steps)),
        ("functions", list(given.functions or {})),
        ("topics", list(given.topics or {})),
        ("resources", list(given.resources or {})),
    ):
        for one, other in key_twins(names):
            problems.add(
                f"{prop}: {one!r} and {other!r} differ only in characters other than letters and digits, "
                "so both would be bound to one resource; rename one"
            )


def _check_definition(
    definition: dict[str, Any], given: _Given, express: bool, checked: Checked, problems: Problems
) -> None:
    """The definition against the Step Functions rules and lints, then its names bound; when all
    holds, it gets its default retriers and becomes ``checked.definition``."""
    where = given.where
    found = asl.validate(definition, express=express, where=where)
    if not found:
        found = asl.lint(definition, where)
    problems.extend(found)
    if found:
        return
    checked.found, checked.free = _bind_names(
        definition,
        where,
        checked.specs,
        checked.resources,
        given.substitutions or {},
        given.policies,
        problems,
    )
    if given.definition_file is not None:
        _check_used(
            checked, given.functions, given.topics, given.resources, given.substitutions, definition, problems
        )
    lambda_states = {u.state for u in checked.found.uses if u.integration in ("lambda", "lambda:invoke")}
    add_default_retries(definition, lambda_states)
    checked.definition = definition


def _mapping(prop: str, value: _M | None, problems: Problems) -> _M | None:
    """``value`` if it is a mapping (or None); else a problem, and None."""
    if value is not None and not isinstance(value, Mapping):
        problems.add(f"{prop} must be a mapping of names, got {type(value).__name__}")
        return None
    return value


def _check_resources(
    topics: Mapping[str, sns.ITopic] | None,
    resources: Mapping[str, Any] | None,
    functions: Mapping[str, FunctionSpec] | None,
    substitutions: Mapping[str, str] | None,
    policies: Sequence[iam.PolicyStatement],
    problems: Problems,
) -> dict[tuple[str, str], Any]:
    """(kind, name) of every resource given; a problem for each that is no resource the pattern binds."""
    given: dict[tuple[str, str], Any] = {}
    for name, topic in (topics or {}).items():
        if not hasattr(topic, "topic_arn"):  # jsii interfaces are not runtime-checkable
            problems.add(f"topics[{name!r}] must be an sns.ITopic, got {type(topic).__name__}")
        else:
            given[("topic", name)] = topic
    for name, resource in (resources or {}).items():
        kind = resource_kind(resource)
        if kind is None:
            problems.add(
                f"resources[{name!r}] must be a dynamodb.ITable, sqs.IQueue, events.IEventBus, "
                f"sfn.IStateMachine, s3.IBucket, sns.ITopic or lambda_.IFunction, got {type(resource).__name__}"
            )
        elif (topics or {}).get(name) is not None:
            problems.add(f"resources[{name!r}] is also in topics: give each name once")
        elif kind == "function" and name in (functions or {}):
            problems.add(f"resources[{name!r}] is also in functions: give each name once")
        else:
            given[(kind, name)] = resource
    for key, value in (substitutions or {}).items():
        if not isinstance(key, str) or not _VARIABLE.match(key) or key.startswith(_RESERVED_PREFIXES):
            problems.add(
                f"substitutions key {key!r} must be letters, digits and '_' and not start with "
                f"{', '.join(_RESERVED_PREFIXES)} (the pattern's own)"
            )
        if not isinstance(value, str):
            problems.add(f"substitutions[{key!r}] must be a string (or a string token), got {value!r}")
    for index, statement in enumerate(policies):
        if not isinstance(statement, iam.PolicyStatement):
            problems.add(f"policies[{index}] must be an iam.PolicyStatement, got {type(statement).__name__}")
    return given


def _bind_names(
    definition: dict[str, Any],
    where: str,
    specs: Mapping[str, FunctionSpec],
    given: Mapping[tuple[str, str], Any],
    substitutions: Mapping[str, str],
    policies: Sequence[iam.PolicyStatement],
    problems: Problems,
) -> tuple[Found, list[FreeUse]]:
    """Every use resolved to a name given; the unmapped integrations checked against ``policies``."""
    found = find_uses(definition)
    names: dict[str, set[str]] = {"function": set(specs)}
    for kind, name in given:
        names.setdefault(kind, set()).add(name)
    unbound: list[str] = list(found.problems)
    free = resolve(definition, found, names, substitutions, unbound, default_topic=True)
    problems.extend(f"{where}: {p}" for p in unbound)
    actions = [a.lower() for s in policies if isinstance(s, iam.PolicyStatement) for a in s.actions]
    for item in found.unmapped:
        if item.actions and all(
            any(fnmatch.fnmatchcase(n.lower(), a) for a in actions) for n in item.actions
        ):
            continue
        if not item.actions and any(a.startswith(f"{item.service.lower()}:") for a in actions):
            continue
        needs = " and ".join(item.actions) if item.actions else f"{item.service}: actions"
        problems.add(
            f"{where}: state {item.state!r}: the pattern cannot grant {item.integration} ({item.why}); "
            f"pass policies=[iam.PolicyStatement(actions=[...], resources=[...])] allowing {needs} on "
            "exactly what it uses"
        )
    return found, free


def _check_used(
    checked: Checked,
    functions: Mapping[str, FunctionSpec] | None,
    topics: Mapping[str, sns.ITopic] | None,
    resources: Mapping[str, Any] | None,
    substitutions: Mapping[str, str] | None,
    definition: dict[str, Any],
    problems: Problems,
) -> None:
    """Every function, topic, resource and substitution given is used by the definition."""
    used = {(u.kind, u.name) for u in checked.found.uses} | {(f.kind, f.name) for f in checked.free}
    for name in checked.specs:
        if ("function", name) not in used:
            problems.add(f"functions[{name!r}] is not called by any state of the definition")
    for (kind, name), _resource in checked.resources.items():
        if (kind, name) not in used:
            prop = "topics" if name in (topics or {}) else "resources"
            verb = "published to" if kind == "topic" else "used"
            problems.add(f"{prop}[{name!r}] is not {verb} by any state of the definition")
    text = json.dumps(definition)
    for key in substitutions or {}:
        if "${" + str(key) + "}" not in text:
            problems.add(f"substitutions[{key!r}] is not used by the definition (no ${{{key}}} in it)")


_STEP_KINDS = (Step, Choice, Wait, Parallel, Map)


def _check_steps(
    steps: Sequence[StepLike], notify_success: bool, notify_failure: bool, problems: Problems
) -> tuple[dict[str, FunctionSpec], bool]:
    """The function of each named step (at any depth), and whether the steps are valid enough to build."""
    if not steps:
        problems.add("steps must have at least one Step, got []")
        return {}, False
    builtins = [NOTIFY_ERROR] if notify_failure else []
    builtins += [NOTIFY_SUCCESS] if notify_success else []
    every: list[str] = []
    _collect_names(steps, every)
    check = _StepCheck(problems, every)
    check.level(steps, "steps", set(builtins), nested=False)
    return check.specs, check.ok


def _step_names(steps: Any) -> list[str]:
    names: list[str] = []
    if isinstance(steps, list | tuple):
        _collect_names(steps, names)
    return names


def _collect_names(steps: Any, names: list[str]) -> None:
    if not isinstance(steps, list | tuple):
        return
    for step in steps:
        if isinstance(step, _STEP_KINDS) and isinstance(step.name, str):
            names.append(step.name)
        if isinstance(step, Parallel) and isinstance(step.branches, list | tuple):
            for branch in step.branches:
                _collect_names(branch, names)
        elif isinstance(step, Map):
            _collect_names(step.steps, names)


class _StepCheck:
    """Checks the steps of each level (the top, each Parallel branch, each Map processor)."""

    def __init__(self, problems: Problems, every: list[str]) -> None:
        self.problems = problems
        self.every = every
        self.seen: set[str] = set()
        self.specs: dict[str, FunctionSpec] = {}
        self.ok = True

    def fail(self, message: str) -> None:
        self.problems.add(message)
        self.ok = False

    def level(self, steps: Sequence[StepLike], where: str, builtins: set[str], *, nested: bool) -> None:
        if not isinstance(steps, list | tuple) or not steps:
            self.fail(f"{where} must be a non-empty list of steps, got {steps!r}")
            return
        known = {s.name for s in steps if isinstance(s, _STEP_KINDS) and isinstance(s.name, str)} | builtins
        for index, step in enumerate(steps):
            prop = f"{where}[{index}]"
            if not isinstance(step, _STEP_KINDS):
                self.fail(f"{prop} must be a Step, Choice, Wait, Parallel or Map, got {type(step).__name__}")
                continue
            if not self._name(step, prop):
                continue
            label = f"{where}[{step.name!r}]"
            self._transitions(step, label, known)
            if isinstance(step, Step):
                self._step(step, label, known)
            elif isinstance(step, Wait):
                self._wait(step, label)
            elif isinstance(step, Parallel):
                self._retry_catch(step, label, known)
                if not isinstance(step.branches, list | tuple) or not step.branches:
                    self.fail(f"{label}.branches must be a non-empty list of branches, got {step.branches!r}")
                else:
                    for b_index, branch in enumerate(step.branches):
                        self.level(branch, f"{label}.branches[{b_index}]", set(), nested=True)
            elif isinstance(step, Map):
                self._retry_catch(step, label, known)
                self.level(step.steps, f"{label}.steps", set(), nested=True)
                if not isinstance(step.items_path, str) or not step.items_path.startswith("$"):
                    self.fail(f"{label}.items_path must be a path starting with '$', got {step.items_path!r}")
                if isinstance(step.max_concurrency, bool) or not isinstance(step.max_concurrency, int):
                    self.fail(f"{label}.max_concurrency must be an integer, got {step.max_concurrency!r}")
                else:
                    self.problems.in_range(f"{label}.max_concurrency", step.max_concurrency, 0, 40)

    def _name(self, step: StepLike, prop: str) -> bool:
        name = step.name
        if not isinstance(name, str) or not _STEP_NAME.match(name):
            self.fail(
                f"{prop}.name must be a letter then letters, digits, '_' or '-', at most 80 characters, got {name!r}"
            )
            return False
        if name in RESERVED_STATES:
            self.fail(f"{prop}.name {name!r} is reserved for the pattern's notification states")
            return False
        if self.every.count(name) > 1:
            if name not in self.seen:
                self.fail(f"{prop}.name {name!r} is used by more than one step")
            self.seen.add(name)
            self.ok = False  # the other checks of the step still run
        return True

    def _transitions(self, step: StepLike, label: str, known: set[str]) -> None:
        # NotifyError reads the $.error a catch adds: it is a catch target, never a next one.
        known = known - {NOTIFY_ERROR}
        allowed = ", ".join(sorted(known))
        targets: list[tuple[str, Any]] = []
        if isinstance(step, Choice):
            if not isinstance(step.when, list | tuple) or not step.when:
                self.fail(f"{label}.when must be a non-empty list of When, got {step.when!r}")
            else:
                for w_index, rule in enumerate(step.when):
                    if not isinstance(rule, When) or not isinstance(rule.condition, sfn.Condition):
                        self.fail(
                            f"{label}.when[{w_index}] must be When(sfn.Condition..., next), got {rule!r}"
                        )
                    else:
                        targets.append((f"when[{w_index}].next", rule.next))
            if step.otherwise is not None:
                targets.append(("otherwise", step.otherwise))
        elif step.next is not None:
            targets.append(("next", step.next))
        for field_name, target in targets:
            if target not in known:
                self.fail(
                    f"{label}.{field_name} names no step at its level: {target!r} (steps are {allowed})"
                )

    def _step(self, step: Step, label: str, known: set[str]) -> None:
        if not isinstance(step.function, FunctionSpec):
            self.fail(f"{label}.function must be a FunctionSpec, got {type(step.function).__name__}")
        else:
            self.problems.extend(step.function.problems(f"{label}.function"))
            self.specs[step.name] = step.function
        self._retriers(step.retriers, label)
        self._catch(step.catch, label, known)

    def _retry_catch(self, step: Parallel | Map, label: str, known: set[str]) -> None:
        self._retriers(step.retriers, label)
        self._catch(step.catch, label, known)

    def _wait(self, step: Wait, label: str) -> None:
        given = [
            n
            for n, v in (
                ("duration", step.duration),
                ("until", step.until),
                ("seconds_path", step.seconds_path),
                ("timestamp_path", step.timestamp_path),
            )
            if v is not None
        ]
        if len(given) != 1:
            self.fail(
                f"{label} needs exactly one of duration, until, seconds_path and timestamp_path, got "
                f"{', '.join(given) or 'none'}"
            )
            return
        if step.duration is not None and (
            whole_seconds(f"{label}.duration", step.duration, 0, asl.MAX_ASL_INTEGER, self.problems) is None
        ):
            self.ok = False
        for name, path in (("seconds_path", step.seconds_path), ("timestamp_path", step.timestamp_path)):
            if path is not None and (not isinstance(path, str) or not path.startswith("$")):
                self.fail(f"{label}.{name} must be a path starting with '$', got {path!r}")

    def _retriers(self, retriers: list[Retry], label: str) -> None:
        for r_index, retrier in enumerate(retriers):
            if not isinstance(retrier, Retry):
                self.fail(f"{label}.retry must be a Retry or a list of Retry, got {retrier!r}")
                continue
            found = retrier.problems(f"{label}.retry[{r_index}]")
            self.problems.extend(found)
            self.ok = self.ok and not found
            errors = retrier.errors if isinstance(retrier.errors, list | tuple) else ()
            if "States.ALL" in errors and r_index != len(retriers) - 1:
                self.fail(f"{label}.retry: the retrier for States.ALL must be the last one")

    def _catch(self, catch: Any, label: str, known: set[str]) -> None:
        if not isinstance(catch, Mapping):
            self.fail(f"{label}.catch must map error names to state names, got {catch!r}")
            return
        for error, target in catch.items():
            if not isinstance(error, str) or not error:
                self.fail(f"{label}.catch: error names must be non-empty strings, got {error!r}")
            if target not in known:
                allowed = ", ".join(sorted(known))
                self.fail(f"{label}.catch[{error!r}] names no state: {target!r} (states are {allowed})")


def _file_definition(
    definition_file: str | os.PathLike[str],
    functions: Mapping[str, FunctionSpec] | None,
    topics: Mapping[str, sns.ITopic] | None,
    problems: Problems,
) -> tuple[dict[str, Any], dict[str, FunctionSpec]]:
    """The parsed ``definition_file`` and the checked ``functions``."""
    specs: dict[str, FunctionSpec] = {}
    if functions:
        for name, spec in functions.items():
            if not isinstance(spec, FunctionSpec):
                problems.add(f"functions[{name!r}] must be a FunctionSpec, got {type(spec).__name__}")
                continue
            problems.extend(spec.problems(f"functions[{name!r}]"))
            specs[name] = spec
    if not isinstance(definition_file, str | os.PathLike):
        problems.add(f"definition_file must be a path, got {definition_file!r}")
        return {}, specs
    definition, found = asl.load(definition_file)
    problems.extend(found)
    return definition or {}, specs


def _check_triggers(triggers: Sequence[Trigger], problems: Problems) -> None:
    """Each trigger's own props, and at most one API."""
    apis = 0
    if not isinstance(triggers, list | tuple):
        problems.add(f"triggers must be a list of Trigger, got {type(triggers).__name__}")
        return
    for index, trigger in enumerate(triggers):
        prop = f"triggers[{index}]"
        if not isinstance(trigger, Trigger):
            problems.add(f"{prop} must be a Trigger, got {type(trigger).__name__}")
            continue
        problems.one_of(f"{prop}.kind", trigger.kind, ("schedule", "event", "api"))
        if trigger.kind == "schedule":
            if isinstance(trigger.schedule, str):
                problem = schedule_expression_problem(trigger.schedule, at=False)
                if problem:
                    problems.add(f"{prop}.schedule {problem}")
            elif not isinstance(trigger.schedule, events.Schedule):
                problems.add(
                    f"{prop}.schedule must be a cron(...)/rate(...) expression, got {trigger.schedule!r}"
                )
            if trigger.input is not None and not isinstance(trigger.input, Mapping):
                problems.add(f"{prop}.input must be a mapping (the execution input), got {trigger.input!r}")
        elif trigger.kind == "event":
            pattern = trigger.event_pattern
            if not isinstance(pattern, events.EventPattern) or not any(
                (
                    pattern.source,
                    pattern.detail_type,
                    pattern.detail,
                    pattern.account,
                    pattern.region,
                    pattern.resources,
                )
            ):
                problems.add(f"{prop}.event_pattern must be an events.EventPattern matching something")
            if trigger.event_bus is not None:
                problems.interface(
                    f"{prop}.event_bus", trigger.event_bus, ["event_bus_arn"], "an events.IEventBus"
                )
            path = trigger.input_path
            if path is not None and not is_token(path) and not str(path).startswith("$"):
                problems.add(f"{prop}.input_path must be a JSONPath starting with '$', got {path!r}")
        elif trigger.kind == "api":
            apis += 1
            if not is_token(trigger.path) and not _API_PATH.match(str(trigger.path)):
                problems.add(
                    f"{prop}.path must be '/' then static segments of letters, digits or '._~-', "
                    f"got {trigger.path!r}"
                )
            problems.in_range(f"{prop}.throttling_rate_limit", trigger.throttling_rate_limit, 1, 10_000)
            burst = trigger.throttling_burst_limit
            if not is_token(burst) and isinstance(burst, int | float) and burst != int(burst):
                problems.add(
                    f"{prop}.throttling_burst_limit must be a whole number of requests, got {burst!r}"
                )
            problems.in_range(f"{prop}.throttling_burst_limit", burst, 0, 5_000)
            stage = trigger.stage_name
            if not is_token(stage) and not (isinstance(stage, str) and _STAGE.match(stage)):
                problems.add(
                    f"{prop}.stage_name must be 1..128 letters, digits or underscores, got {trigger.stage_name!r}"
                )
            problems.boolean(f"{prop}.account_logging_role", trigger.account_logging_role)
            if trigger.request_schema is not None:
                problems.instance(
                    f"{prop}.request_schema", trigger.request_schema, apigw.JsonSchema, "an apigw.JsonSchema"
                )
            arn = trigger.web_acl_arn
            if arn is not None and not is_token(arn) and not str(arn).startswith("arn:"):
                problems.add(f"{prop}.web_acl_arn must be a WAFv2 web ACL ARN, got {arn!r}")
    if apis > 1:
        problems.add(f"triggers may have at most one Trigger.api(), got {apis}")
