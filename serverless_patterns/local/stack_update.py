"""Stack updates as CloudFormation does them, on moto's stacks.

moto's own update deletes the resources a template no longer has first (without forgetting them,
so one added back is never created again), then creates the new ones, then modifies the changed
ones; it never updates a resource whose properties only changed through a reference (a function
whose layer version was replaced), and an error leaves the stack half-updated. Here, as in
CloudFormation:

- resources are created and updated in dependency order (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``,
  ``DependsOn``), and a resource whose template is unchanged is updated when what its references
  resolve to changed (a new layer version, a replaced resource);
- a new ``AWS::Lambda::Version`` therefore publishes the function as it is at that moment (code,
  layers, environment), and the alias that refers to it follows;
- resources removed from the template are deleted once everything else succeeded (the cleanup
  phase), dependents first, unless their ``DeletionPolicy`` is ``Retain``; they can be added back;
- a failure rolls back every change made so far (UPDATE_ROLLBACK_COMPLETE): the stack is left as
  it was, ready for the next update.

:func:`update_resources` replaces ``ResourceMap.update`` and :func:`update_stack` replaces
``Stack.update`` while a local cloud runs (see :mod:`.services.cloudformation`, which passes the
running cloud's :class:`~.state.State`).
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import moto_adapter
from .state import ACCEPTED, State

__all__ = [
    "UpdateFailed",
    "dependencies",
    "dependency_order",
    "references",
    "update_resources",
    "update_stack",
]

REPLACED_TYPES = frozenset(
    {"AWS::Lambda::Permission", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Resource"}
)
"""Types moto cannot update that are replaced on a change (created anew, the old one deleted in
the cleanup). Other types moto cannot update (a table, a log group, a REST API) keep their
resource: replacing them would lose data or clash on their name."""

KEPT_TYPES = frozenset({"AWS::Lambda::LayerVersion"})
"""Types never deleted locally: a function version keeps the layer versions it was published
with, as in Lambda, and a rollback goes back to them."""

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


class UpdateFailed(Exception):
    """A resource could not be created or updated; every change was rolled back."""

    def __init__(self, logical_id: str, resource_type: str, action: str, reason: str, rollback: list[str]):
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.action = action
        """``CREATE`` or ``UPDATE``: what failed."""
        self.reason = reason
        self.rollback_problems = rollback
        """What could not be rolled back (empty when the stack is as it was)."""


# -- references ----------------------------------------------------------------------------------


def references(value: Any) -> set[str]:
    """Logical IDs (and parameters) that ``value``, part of a template, refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        ref = value.get("Ref")
        if isinstance(ref, str):
            found.add(ref)
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and isinstance(attribute[0], str):
            found.add(attribute[0])
        elif isinstance(attribute, str):
            found.add(attribute.split(".", 1)[0])
        sub = value.get("Fn::Sub")
        if sub is not None:
            text, names = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1] if len(sub) > 1 else {})
            if isinstance(text, str):
                given = names if isinstance(names, dict) else {}
                found.update(name.split(".", 1)[0] for name in _SUB_NAME.findall(text) if name not in given)
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependencies(resources: Mapping[str, Any]) -> dict[str, set[str]]:
    """Logical ID -> the resources of ``resources`` (a template's ``Resources``) it depends on."""
    found: dict[str, set[str]] = {}
    for logical, resource in resources.items():
        depends_on = resource.get("DependsOn") or []
        named = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        wanted = references(resource.get("Properties")) | named
        found[logical] = {d for d in wanted if d in resources and d != logical}
    return found


def dependency_order(resources: Mapping[str, Any]) -> list[str]:
    """The logical IDs of ``resources``, each after the ones it depends on (a cycle is cut where
    it is met: moto resolves what is left lazily)."""
    needs = dependencies(resources)
    order: list[str] = []
    state: dict[str, int] = {}
    for start in resources:
        stack: list[tuple[str, list[str]]] = [(start, sorted(needs[start]))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            while pending and state.get(pending[-1]):
                pending.pop()
            if pending:
                nxt = pending.pop()
                state[nxt] = 1
                stack.append((nxt, sorted(needs[nxt])))
                continue
            stack.pop()
            state[node] = 2
            order.append(node)
    return order


# -- the update ------------------------------------------------------------------------------------


@dataclass
class _Step:
    action: str  # "add", "update" or "replace"
    logical_id: str
    previous: Any = None


@dataclass
class _Update:
    """One update of a moto ``ResourceMap`` to a new template (see the module docstring)."""

    resources: Any
    template: dict[str, Any]
    parameters: dict[str, Any] | None
    state: State | None = None
    """The running cloud's, for notes (None: no notes)."""
    steps: list[_Step] = field(default_factory=list)
    retired: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)

    def run(self) -> None:
        resources = self.resources
        diff = resources.build_resource_diff(self.template, self.parameters)
        old_template = resources._template
        old_json = dict(resources._resource_json_map)
        old_parameters = resources.input_parameters
        old_parsed = dict(resources._parsed_resources)
        before = {
            logical: self._resolve(logical, old_json[logical])
            for logical in old_json
            if old_parsed.get(logical) is not None
        }
        try:
            self._load(self.template, self.parameters or old_parameters)
        except Exception:
            self._load(old_template, old_parameters)
            raise
        new_json = self.template["Resources"]
        needs = dependencies(new_json)
        touched: set[str] = set()
        current = ("", "", "CREATE")
        try:
            for logical in dependency_order(new_json):
                kind = str(new_json[logical].get("Type", ""))
                parsed = resources._parsed_resources
                if logical in diff["Add"] or (logical in diff["Modify"] and logical not in parsed):
                    current = (logical, kind, "CREATE")
                    parsed.pop(logical, None)
                    if resources[logical] is not None:
                        self.steps.append(_Step("add", logical))
                        touched.add(logical)
                elif parsed.get(logical) is None:
                    continue  # a type nobody models, or a false condition
                elif logical in diff["Modify"]:
                    current = (logical, kind, "UPDATE")
                    if self._update(logical, new_json[logical]):
                        touched.add(logical)
                elif needs[logical] & touched:
                    resolved = self._resolve(logical, new_json[logical])
                    known = before.get(logical)
                    if resolved is not None and known is not None and resolved[1] != known[1]:
                        current = (logical, kind, "UPDATE")
                        if self._update(logical, new_json[logical]):
                            touched.add(logical)
        except Exception as exc:
            problems = self._roll_back(before, old_parsed, old_json)
            self._load(old_template, old_parameters)
            logical, kind, action = current
            raise UpdateFailed(logical, kind, action, _reason(exc), problems) from exc
        self._clean_up(diff["Remove"], old_json)

    # -- steps ---------------------------------------------------------------------------------------

    def _load(self, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
        resources = self.resources
        resources._template = template
        if parameters is not None:
            resources.input_parameters = parameters
        resources.load_mapping()
        resources.load_parameters()
        resources.load_conditions()
        resources._resource_json_map = template["Resources"]

    def _resolve(self, logical: str, resource_json: dict[str, Any]) -> tuple[Any, dict[str, Any], str] | None:
        """(model class, resource JSON with its references resolved now, physical name), or None
        for a type nobody models or a reference that cannot be resolved."""
        try:
            found = moto_adapter.read("moto.cloudformation.parsing", "parse_resource_and_generate_name")(
                logical, copy.deepcopy(resource_json), self.resources
            )
        except Exception:
            return None
        return (found[0], found[1], found[2]) if found else None

    def _update(self, logical: str, resource_json: dict[str, Any]) -> bool:
        """Update one resource in place, or replace it; False when it was kept as it was."""
        resources = self.resources
        previous = resources._parsed_resources[logical]
        resolved = self._resolve(logical, resource_json)
        if resolved is None:
            return False
        cls, cleaned, name = resolved
        kind = str(resource_json.get("Type", ""))
        if not hasattr(cls.update_from_cloudformation_json, "__isabstractmethod__"):
            updated = cls.update_from_cloudformation_json(
                original_resource=previous,
                new_resource_name=name,
                cloudformation_json=cleaned,
                account_id=resources._account_id,
                region_name=resources._region_name,
            )
            self.steps.append(_Step("update", logical, previous))
            if updated is None:
                return True
            _label(updated, kind, logical)
            resources._parsed_resources[logical] = updated
            return True
        if kind not in REPLACED_TYPES:
            if self.state is not None:
                self.state.note(
                    str(resources.stack_id),
                    logical,
                    kind,
                    ACCEPTED,
                    "a change of its properties is not applied locally (moto cannot update this type)",
                )
            return False
        created = moto_adapter.read("moto.cloudformation.parsing", "parse_and_create_resource")(
            logical, copy.deepcopy(resource_json), resources, resources._account_id, resources._region_name
        )
        self.steps.append(_Step("replace", logical, previous))
        resources._parsed_resources[logical] = created
        self.retired.append((previous, resource_json))
        return True

    def _roll_back(
        self,
        before: Mapping[str, tuple[Any, dict[str, Any], str] | None],
        old_parsed: dict[str, Any],
        old_json: Mapping[str, Any],
    ) -> list[str]:
        """Undo the steps taken, newest first; what could not be undone."""
        resources = self.resources
        parsed = resources._parsed_resources
        problems: list[str] = []
        restored: dict[str, Any] = {}
        for step in reversed(self.steps):
            try:
                if step.action == "add":
                    delete_resource(
                        resources,
                        parsed.pop(step.logical_id, None),
                        self.template["Resources"][step.logical_id],
                    )
                elif step.action == "replace":
                    delete_resource(
                        resources, parsed.get(step.logical_id), self.template["Resources"][step.logical_id]
                    )
                    restored[step.logical_id] = step.previous
                else:
                    known = before.get(step.logical_id)
                    if known is None:
                        raise RuntimeError("its previous properties are unknown")
                    cls, cleaned, name = known
                    back = cls.update_from_cloudformation_json(
                        original_resource=parsed[step.logical_id],
                        new_resource_name=name,
                        cloudformation_json=copy.deepcopy(cleaned),
                        account_id=resources._account_id,
                        region_name=resources._region_name,
                    )
                    if back is not None:
                        _label(back, str(old_json[step.logical_id].get("Type", "")), step.logical_id)
                    restored[step.logical_id] = back if back is not None else parsed[step.logical_id]
            except Exception as exc:
                problems.append(f"{step.logical_id}: {_reason(exc)}")
        created = [k for k in parsed if k not in old_parsed and k in self.template["Resources"]]
        for logical in created:  # made on the way (a reference cycle), not as a step of its own
            with contextlib.suppress(Exception):
                delete_resource(resources, parsed.get(logical), self.template["Resources"][logical])
        parsed.clear()
        parsed.update(old_parsed)
        parsed.update(restored)
        return problems

    def _clean_up(self, removed: Iterable[str], old_json: Mapping[str, Any]) -> None:
        """Delete what the template no longer has (dependents first) and what was replaced; as in
        CloudFormation, a failure here does not fail the update."""
        resources = self.resources
        gone = {logical: old_json[logical] for logical in removed}
        for logical in reversed(dependency_order(gone)):
            found = resources._parsed_resources.pop(logical, None)
            with contextlib.suppress(Exception):
                delete_resource(resources, found, gone[logical])
        for previous, resource_json in self.retired:
            with contextlib.suppress(Exception):
                delete_resource(resources, previous, resource_json)


def delete_resource(resources: Any, found: Any, resource_json: Mapping[str, Any]) -> None:
    """Delete one resource of a stack as CloudFormation would (a ``Retain`` policy keeps it)."""
    if found is None or isinstance(found, str | int | float | list | dict):
        return
    if resource_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
        return
    kind = str(resource_json.get("Type", ""))
    if kind in KEPT_TYPES:
        return
    if kind == "AWS::ApiGateway::Resource":
        backend = moto_adapter.backend("apigateway", resources._account_id, resources._region_name)
        api_id, resource_id = str(found.api_id), str(found.id)
        if backend.get_rest_api(api_id).resources.get(resource_id) is found:
            backend.delete_resource(api_id, resource_id)
        return
    if kind == "AWS::ApiGateway::Deployment":
        return  # no behaviour: a stage keeps the deployment it names
    resources._delete_resource(found, dict(resource_json))


def _label(model: Any, kind: str, logical: str) -> None:
    with contextlib.suppress(AttributeError):
        model.cf_resource_type = kind
        model.logical_resource_id = logical


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"


def update_resources(
    self: Any,
    template: dict[str, Any],
    parameters: dict[str, Any] | None = None,
    *,
    state: State | None = None,
) -> None:
    """``ResourceMap.update``: update the stack's resources to ``template``, rolling back on failure
    (raises :class:`UpdateFailed` then); what is not applied locally is noted in ``state``."""
    _Update(self, template, parameters, state).run()


def update_stack(
    self: Any,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """``Stack.update``: UPDATE_COMPLETE, or UPDATE_ROLLBACK_COMPLETE with the failed resource's
    event and the reason, the stack's template and resources as they were."""
    event = moto_adapter.read("moto.cloudformation.models", "Event")
    self._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    previous = (self.template, self.template_dict)
    self.template = template
    try:
        self._parse_template()
        self.resource_map.update(self.template_dict, parameters)
    except UpdateFailed as failed:
        self.template, self.template_dict = previous
        self.output_map = self._create_output_map()
        self.events.append(
            event(
                stack_id=self.stack_id,
                stack_name=self.name,
                logical_resource_id=failed.logical_id,
                physical_resource_id="",
                resource_type=failed.resource_type,
                resource_status=f"{failed.action}_FAILED",
                resource_status_reason=failed.reason,
                resource_properties=None,
            )
        )
        reason = f"The following resource(s) failed to {failed.action.lower()}: [{failed.logical_id}]."
        self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        status = "UPDATE_ROLLBACK_FAILED" if failed.rollback_problems else "UPDATE_ROLLBACK_COMPLETE"
        self._add_stack_event(status, resource_status_reason="; ".join(failed.rollback_problems) or None)
        self.status = status
        self.stack_status_reason = f"{failed.logical_id}: {failed.reason}"
        return
    except Exception:
        self.template, self.template_dict = previous
        raise
    self.output_map = self._create_output_map()
    self._add_stack_event("UPDATE_COMPLETE")
    self.status = "UPDATE_COMPLETE"
    self.stack_status_reason = None
    self.role_arn = role_arn
    if parameters:
        self.parameters = parameters
    if tags is not None:
        self.tags = tags
