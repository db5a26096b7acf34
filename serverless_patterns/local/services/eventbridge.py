"""EventBridge on the local cloud: a rule also delivers to functions (asynchronous invocations),
state machines (executions) and topics, with its target's ``Input``, ``InputPath`` or
``InputTransformer``; the targets moto knows stay moto's."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .. import moto_adapter
from ..moto_adapter import Patches, as_method
from ..state import NOT_EMULATED, State
from .running import Running, RunningService

__all__ = ["EventBridge", "input_path", "note_schedule"]

_OURS = ("lambda", "states", "sns")


class EventBridge(RunningService):
    name = "eventbridge"

    def __init__(self, running: Running) -> None:
        super().__init__(running)
        self._lock = threading.Lock()

    def install(self, patches: Patches) -> None:
        self._send = patches.replace(
            "moto.events.models", "Rule.send_to_targets", as_method(self.send_to_targets)
        )

    def send_to_targets(self, rule: Any, original_event: Any, transform_input: bool = True) -> None:
        ours = [t for t in rule.targets if str(t["Arn"]).split(":")[2] in _OURS]
        with self._lock:  # moto raises on target services it does not know: hand it only its own
            every = rule.targets
            rule.targets = [t for t in every if t not in ours]
            try:
                self._send(rule, original_event, transform_input)
            finally:
                rule.targets = every
        if getattr(rule, "scheduled_expression", None) or not rule.event_pattern.matches_event(
            original_event
        ):
            return  # a schedule rule has no pattern: it matches no event
        if isinstance(original_event.get("time"), int | float):  # moto keeps epoch seconds
            when = datetime.fromtimestamp(float(original_event["time"]), UTC)
            original_event = {**original_event, "time": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for target in ours:
            self.deliver(rule.name, target, _target_input(target, original_event, transform_input))

    def deliver(self, rule_name: str, target: Mapping[str, Any], event: Any) -> None:
        arn = str(target["Arn"])
        service = arn.split(":")[2]
        if service == "lambda":
            self.dispatcher.invoke_async(arn, event, source="events", detail=f"rule {rule_name}")
        elif service == "states":
            parser = moto_adapter.backend_of(arn)
            parser.start_execution(arn, str(uuid.uuid4()), json.dumps(event))
        else:
            self.dispatcher.deliver(arn, event)


def _target_input(target: Mapping[str, Any], event: Any, transform_input: bool) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if transform_input and target.get("InputTransformer"):
        transformer = target["InputTransformer"]
        return moto_adapter.render_input(
            transformer.get("InputTemplate"), transformer.get("InputPathsMap", {}), event
        )
    if target.get("InputPath"):
        return input_path(event, str(target["InputPath"]))
    return dict(event)


def input_path(event: Any, path: str) -> Any:
    """The part of ``event`` a target's ``InputPath`` (``$``, ``$.detail``, ``$.detail.order``) names."""
    value = event
    for key in (k for k in path.removeprefix("$").split(".") if k):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def note_schedule(state: State, stack_id: str, logical_id: str, props: Mapping[str, Any]) -> None:
    """A rule with a schedule: its targets are not started by any clock here."""
    if props.get("ScheduleExpression"):
        state.note(
            stack_id,
            logical_id,
            "AWS::Events::Rule",
            NOT_EMULATED,
            "schedules never fire locally: start the target yourself (the demo does)",
        )
