"""Amazon States Language in plain Python: load, validate and rebind a definition (no jsii).

:func:`load` reads a JSON or YAML file; :func:`validate` reports what Step Functions itself would
reject (a ``Next`` to a missing state, an unreachable state, a retrier out of range), each message
naming the state, and :func:`lint` checks the rest of the grammar with statelint. What each state
names and uses is found by ``integrations``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "STATE_TYPES",
    "TRANSIENT_LAMBDA_ERRORS",
    "lint",
    "load",
    "validate",
    "walk_states",
]

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
MAX_STATE_NAME = 80
EXPRESS_MAX_SECONDS = 300
MAX_ASL_INTEGER = 99_999_999
MAX_DELAY_SECONDS = 31_622_400
_NEEDS_TRANSITION = ("Task", "Pass", "Wait", "Parallel", "Map")
_TERMINAL = ("Succeed", "Fail")


def load(
    path: str | os.PathLike[str], prop: str = "definition_file"
) -> tuple[dict[str, Any] | None, list[str]]:
    """The parsed definition in ``path`` (JSON, or YAML for ``.yaml``/``.yml``), or None and the
    problems that stopped it."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        return None, [
            f"{prop} must be a readable Amazon States Language file, got {name!r} ({error.strerror})"
        ]
    if name.endswith((".yaml", ".yml")):
        import yaml

        try:
            definition = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
            return None, [f"{prop} {name!r} is not YAML: {getattr(error, 'problem', error)}{at}"]
    else:
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as error:
            return None, [
                f"{prop} {name!r} is not JSON: {error.msg} at line {error.lineno} column {error.colno}"
            ]
    if not isinstance(definition, dict) or "States" not in definition or "StartAt" not in definition:
        return None, [
            f"{prop} {name!r} is not Amazon States Language: expected an object with StartAt and States"
        ]
    return definition, []


# ---------------------------------------------------------------------------------------------- walk
def walk_states(definition: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, nested ones (Parallel branches, Map processors) included, with a qualified label."""
    states = definition.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        label = f"{prefix}{name}"
        yield label, state
        for index, branch in enumerate(_branches(state), start=1):
            kind = "branch" if state.get("Type") == "Parallel" else "processor"
            suffix = f" {index}" if kind == "branch" else ""
            yield from walk_states(branch, f"{label} > {kind}{suffix} > ")


def _branches(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    if state.get("Type") == "Parallel" and isinstance(state.get("Branches"), list):
        return [b for b in state["Branches"] if isinstance(b, dict)]
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor", state.get("Iterator"))
        if isinstance(processor, dict):
            return [processor]
    return []


# ---------------------------------------------------------------------------------------------- validate
def validate(definition: Mapping[str, Any], *, express: bool = False, where: str = "definition") -> list[str]:
    """What Step Functions would reject in ``definition``, each problem naming the state."""
    problems: list[str] = []
    _validate_machine(definition, "", problems, where)
    timeout = definition.get("TimeoutSeconds")
    high = EXPRESS_MAX_SECONDS if express else MAX_ASL_INTEGER
    if timeout is not None and (
        not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= high
    ):
        kind = "an Express" if express else "a"
        problems.append(
            f"{where}: TimeoutSeconds must be an integer 1..{high} for {kind} workflow, got {timeout!r}"
        )
    if express:
        for label, state in walk_states(definition):
            resource = state.get("Resource")
            if isinstance(resource, str) and resource.endswith((".sync", ".sync:2", ".waitForTaskToken")):
                problems.append(
                    f"{where}: state {label!r} uses {resource}, which Express workflows do not support "
                    "(use a Standard workflow)"
                )
    return problems


def _validate_machine(machine: Any, prefix: str, problems: list[str], where: str) -> None:
    scope = f"{where} {prefix.rstrip(' >')}" if prefix else where
    if not isinstance(machine, dict):
        problems.append(f"{scope}: expected an object with StartAt and States, got {type(machine).__name__}")
        return
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not states:
        problems.append(f"{scope}: States must be a non-empty object of state name to state")
        return
    if not isinstance(start, str) or start not in states:
        problems.append(f"{scope}: StartAt {start!r} names no state; states are {', '.join(states)}")
    for name, state in states.items():
        label = f"{prefix}{name}"
        if len(name) > MAX_STATE_NAME:
            problems.append(f"{where}: state name {label!r} is longer than {MAX_STATE_NAME} characters")
        if not isinstance(state, dict):
            problems.append(f"{where}: state {label!r} must be an object, got {type(state).__name__}")
            continue
        _validate_state(label, state, states, problems, where)
        kind = state.get("Type")
        if kind == "Parallel":
            branches = state.get("Branches")
            if not isinstance(branches, list) or not branches:
                problems.append(f"{where}: state {label!r} (Parallel) needs a non-empty Branches list")
            else:
                for index, branch in enumerate(branches, start=1):
                    _validate_machine(branch, f"{label} > branch {index} > ", problems, where)
        elif kind == "Map":
            processor = state.get("ItemProcessor", state.get("Iterator"))
            if processor is None:
                problems.append(f"{where}: state {label!r} (Map) needs an ItemProcessor")
            else:
                _validate_machine(processor, f"{label} > processor > ", problems, where)
    if isinstance(start, str) and start in states:
        reachable = _reachable(start, states)
        for name in states:
            if name not in reachable:
                problems.append(f"{where}: state {prefix}{name!r} is not reachable from StartAt {start!r}")


def _validate_state(
    label: str, state: Mapping[str, Any], states: Mapping[str, Any], problems: list[str], where: str
) -> None:
    kind = state.get("Type")
    if kind not in STATE_TYPES:
        problems.append(
            f"{where}: state {label!r}: Type must be one of {', '.join(STATE_TYPES)}, got {kind!r}"
        )
        return

    def target(field: str, value: Any) -> None:
        if not isinstance(value, str) or value not in states:
            problems.append(f"{where}: state {label!r}: {field} {value!r} names no state")

    has_next, has_end = "Next" in state, state.get("End") is True
    if kind in _NEEDS_TRANSITION:
        if has_next == has_end:
            problems.append(f'{where}: state {label!r} ({kind}) needs exactly one of Next or "End": true')
        elif has_next:
            target("Next", state["Next"])
    elif (kind in _TERMINAL or kind == "Choice") and (has_next or "End" in state):
        problems.append(f"{where}: state {label!r} ({kind}) cannot have Next or End")
    if kind == "Choice":
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            problems.append(f"{where}: state {label!r} (Choice) needs a non-empty Choices list")
        else:
            for index, rule in enumerate(choices):
                if not isinstance(rule, dict) or "Next" not in rule:
                    problems.append(f"{where}: state {label!r}: Choices[{index}] needs a Next")
                else:
                    target(f"Choices[{index}].Next", rule["Next"])
        if "Default" in state:
            target("Default", state["Default"])
    for field in ("InputPath", "OutputPath", "ResultPath"):
        value = state.get(field)
        if value is not None and (not isinstance(value, str) or not value.startswith("$")):
            problems.append(
                f"{where}: state {label!r}: {field} must be a path starting with '$' or null, got {value!r}"
            )
    if kind == "Choice" and isinstance(state.get("Choices"), list):
        for index, rule in enumerate(state["Choices"]):
            _validate_variables(label, f"Choices[{index}]", rule, problems, where)
    if kind == "Task" and not isinstance(state.get("Resource"), str):
        problems.append(f"{where}: state {label!r} (Task) needs a Resource ARN")
    if kind in ("Task", "Parallel", "Map"):
        _validate_retry(label, state.get("Retry"), problems, where)
        catchers = state.get("Catch")
        if catchers is not None:
            _validate_errors(label, "Catch", catchers, problems, where)
            if isinstance(catchers, list):
                for index, catcher in enumerate(catchers):
                    if isinstance(catcher, dict):
                        target(f"Catch[{index}].Next", catcher.get("Next"))
    elif "Retry" in state or "Catch" in state:
        problems.append(f"{where}: state {label!r} ({kind}) cannot have Retry or Catch")


def _validate_variables(label: str, field: str, rule: Any, problems: list[str], where: str) -> None:
    """Every ``Variable`` of a Choice rule (nested And/Or/Not included) is a path."""
    if not isinstance(rule, dict):
        return
    variable = rule.get("Variable")
    if variable is not None and (not isinstance(variable, str) or not variable.startswith("$")):
        problems.append(
            f"{where}: state {label!r}: {field}.Variable must be a path starting with '$', got {variable!r}"
        )
    for key in ("And", "Or"):
        if isinstance(rule.get(key), list):
            for index, inner in enumerate(rule[key]):
                _validate_variables(label, f"{field}.{key}[{index}]", inner, problems, where)
    if isinstance(rule.get("Not"), dict):
        _validate_variables(label, f"{field}.Not", rule["Not"], problems, where)


def _validate_errors(label: str, field: str, entries: Any, problems: list[str], where: str) -> None:
    if not isinstance(entries, list):
        problems.append(f"{where}: state {label!r}: {field} must be a list, got {type(entries).__name__}")
        return
    for index, entry in enumerate(entries):
        errors = entry.get("ErrorEquals") if isinstance(entry, dict) else None
        if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
            problems.append(
                f"{where}: state {label!r}: {field}[{index}].ErrorEquals must be a non-empty list of error names"
            )
            continue
        if "States.ALL" in errors and (len(errors) > 1 or index != len(entries) - 1):
            problems.append(
                f"{where}: state {label!r}: {field}[{index}]: States.ALL must appear alone, in the last entry"
            )


def _validate_retry(label: str, retriers: Any, problems: list[str], where: str) -> None:
    if retriers is None:
        return
    _validate_errors(label, "Retry", retriers, problems, where)
    if not isinstance(retriers, list):
        return
    for index, retrier in enumerate(retriers):
        if not isinstance(retrier, dict):
            continue
        field = f"{where}: state {label!r}: Retry[{index}]"
        for key, low, high in (
            ("IntervalSeconds", 1, MAX_ASL_INTEGER),
            ("MaxAttempts", 0, MAX_ASL_INTEGER),
            ("MaxDelaySeconds", 1, MAX_DELAY_SECONDS),
        ):
            value = retrier.get(key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high
            ):
                problems.append(f"{field}.{key} must be an integer {low}..{high}, got {value!r}")
        rate = retrier.get("BackoffRate")
        if rate is not None and (not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 1):
            problems.append(f"{field}.BackoffRate must be a number >= 1.0, got {rate!r}")
        jitter = retrier.get("JitterStrategy")
        if jitter is not None and jitter not in ("FULL", "NONE"):
            problems.append(f"{field}.JitterStrategy must be FULL or NONE, got {jitter!r}")


def _reachable(start: str, states: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        state = states[name]
        if not isinstance(state, dict):
            continue
        todo.extend(_successors(state))
    return seen


def _successors(state: Mapping[str, Any]) -> list[str]:
    found = [state.get("Next"), state.get("Default")]
    for key in ("Choices", "Catch"):
        entries = state.get(key)
        if isinstance(entries, list):
            found.extend(e.get("Next") for e in entries if isinstance(e, dict))
    return [n for n in found if isinstance(n, str)]


# ---------------------------------------------------------------------------------------------- lint
def lint(definition: Mapping[str, Any], where: str = "definition") -> list[str]:
    """What statelint (a Python port of awslabs/statelint) finds against the States Language
    grammar: Choice rules, Wait fields, Retry/Catch, Parameters/Arguments, JSONPath and JSONata.

    Resources are not checked as URIs (a definition names them by ``${Variable}`` and plain names
    the pattern rebinds) and ``BackoffRate: 2`` is not refused for lacking a ``.0``.
    """
    from statelint.config import Config
    from statelint.linter import Linter
    from statelint.problem import ProblemType

    own: list[str] = []
    lintable = _without_fields_statelint_lacks(definition, own, where)
    found = Linter.validate(json.dumps(lintable), Config({ProblemType.URI, ProblemType.FLOAT}))
    return own + [f"{where}: {problem.replace('State Machine.', '', 1)}" for problem in found]


# Distributed Map fields Step Functions documents that statelint 3.1 does not know yet: checked here,
# then left out of what statelint sees.
_READER_CONFIG_FIELDS = ("InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "ManifestType")
_WRITER_FIELDS = ("WriterConfig",)
_LABEL = re.compile(r"^[^\s?*<>{}\\\[\]:;,|^~$#%&`\"\x00-\x1f\x7f-\x9f]{1,40}$")


def _without_fields_statelint_lacks(definition: Mapping[str, Any], problems: list[str], where: str) -> Any:
    copy = json.loads(json.dumps(definition))
    for label, state in walk_states(copy):
        if state.get("Type") != "Map":
            continue
        value = state.pop("Label", None)
        if value is not None and (not isinstance(value, str) or not _LABEL.match(value)):
            problems.append(
                f"{where}: state {label!r}: Label must be 1..40 characters, no whitespace or special "
                f"characters, got {value!r}"
            )
        config = (
            state.get("ItemReader", {}).get("ReaderConfig")
            if isinstance(state.get("ItemReader"), dict)
            else None
        )
        if isinstance(config, dict):
            for name in _READER_CONFIG_FIELDS:
                config.pop(name, None)
        writer = state.get("ResultWriter")
        if isinstance(writer, dict):
            for name in _WRITER_FIELDS:
                writer.pop(name, None)
    return copy
