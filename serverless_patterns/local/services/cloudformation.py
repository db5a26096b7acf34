"""CloudFormation on the local cloud: the local models first (``local/resources.py``, each bound to
the running cloud's state), types nobody models reported rather than silently dropped, stack
updates as CloudFormation does them (``local/stack_update.py``), and deploys that never lie."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from .. import moto_adapter, stack_update
from ..moto_adapter import Patches, as_method
from ..resources import bind, resource_model
from ..state import NOT_EMULATED, State
from .running import Running

__all__ = ["Check", "CloudFormation"]

PARSING = "moto.cloudformation.parsing"
MODELS = "moto.cloudformation.models"

Check = Callable[[State, str, str, Mapping[str, Any]], None]
"""What a service notes of a resource of its type being created: (state, stack id, logical id, properties)."""


class CloudFormation:
    name = "cloudformation"

    def __init__(self, running: Running, models: Mapping[str, type], checks: Mapping[str, Check]) -> None:
        self.state = running.state
        self._models = dict(models)
        self._checks = dict(checks)
        self._bound: dict[type, type] = {}

    def install(self, patches: Patches) -> None:
        self._lookup = patches.replace(PARSING, "resource_class_from_type", self.resource_class_from_type)
        self._create = patches.replace(PARSING, "parse_and_create_resource", self.parse_and_create_resource)
        patches.replace(MODELS, "CloudFormationBackend._resolve_update_parameters", resolve_update_parameters)
        self._create_stack = patches.replace(
            MODELS, "CloudFormationBackend.create_stack", as_method(self.create_stack)
        )
        self._update_stack = patches.replace(
            MODELS, "CloudFormationBackend.update_stack", as_method(self.update_stack)
        )
        # Updates in dependency order, removals deleted (and forgotten), failures rolled back.
        patches.replace(PARSING, "ResourceMap.update", as_method(self.update_resources))
        patches.replace(MODELS, "Stack.update", stack_update.update_stack)

    # -- which model builds a type ------------------------------------------------------------------

    def model(self, resource_type: str) -> type | None:
        """The local model of ``resource_type``, bound to this cloud, or None."""
        found = resource_model(resource_type, self._models)
        if found is None:
            return None
        bound = self._bound.get(found)
        if bound is None:
            bound = self._bound[found] = bind(found, self.state)
        return bound

    def resource_class_from_type(self, resource_type: str) -> Any:
        return self.model(resource_type) or self._lookup(resource_type)

    def parse_and_create_resource(
        self,
        logical_id: str,
        resource_json: dict[str, Any],
        resources_map: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        resource_type = str(resource_json.get("Type", ""))
        stack_id = str(resources_map.stack_id)
        check = self._checks.get(resource_type)
        if check is not None:
            check(self.state, stack_id, logical_id, resource_json.get("Properties") or {})
        parsing_map = moto_adapter.read(PARSING, "get_model_map")()
        known = self.model(resource_type) or parsing_map.get(resource_type)
        if known is None and resource_type not in moto_adapter.read(PARSING, "NULL_MODELS"):
            self.state.note(
                stack_id, logical_id, resource_type, NOT_EMULATED, "moto has no model for it; not deployed"
            )
            return None
        return self._create(logical_id, resource_json, resources_map, account_id, region_name)

    # -- stacks ------------------------------------------------------------------------------------

    def create_stack(self, backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """Deploys never lie: an internal error while creating a stack (a model that raises, say)
        went back as HTTP 500; the SDK retried the create and the user saw "already exists".
        Surface it as a ValidationError naming the error, and drop a stack that never got
        created, so that the next deploy starts clean."""
        known = set(backend.stacks)
        try:
            return self._create_stack(backend, name, *args, **kwargs)
        except Exception as exc:
            for stack_id in set(backend.stacks) - known:
                stack = backend.stacks.pop(stack_id)
                with contextlib.suppress(Exception):
                    stack.delete()
                for export in getattr(stack, "exports", []):
                    backend.exports.pop(export.name, None)
            if _answered(exc):
                raise
            raise _validation_error(f"local cloud: creating stack {name} failed: {_reason(exc)}") from exc

    def update_stack(self, backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        """A resource that fails rolls the update back (see stack_update): what reaches here failed
        before anything changed (a template or parameter moto refuses)."""
        try:
            return self._update_stack(backend, name, *args, **kwargs)
        except Exception as exc:
            if _answered(exc):
                raise
            raise _validation_error(
                f"local cloud: updating stack {name} failed, nothing was changed: {_reason(exc)}"
            ) from exc

    def update_resources(
        self, resource_map: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> None:
        stack_update.update_resources(resource_map, template, parameters, state=self.state)


def resolve_update_parameters(
    backend: Any, instance: Any, incoming_params: list[dict[str, Any]]
) -> dict[str, Any]:
    """The CDK CLI passes UsePreviousValue for parameters that were left at their default
    (BootstrapVersion); moto only remembers the ones given, so fall back to the default."""
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
    for p in incoming_params:
        if p.get("UsePreviousValue", False) and p["ParameterKey"] in (instance.parameters or {}):
            parameters[p["ParameterKey"]] = instance.parameters[p["ParameterKey"]]
    return parameters


def _answered(exc: Exception) -> bool:
    """Errors moto already sends back as such; another service's JSON error (a state machine
    definition moto refuses, say) would reach the CDK CLI as "XML parse error"."""
    from werkzeug.exceptions import HTTPException

    service_exception = moto_adapter.read("moto.core.exceptions", "ServiceException")
    json_error = moto_adapter.read("moto.core.exceptions", "JsonRESTError")
    return isinstance(exc, service_exception | HTTPException) and not isinstance(exc, json_error)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"


def _validation_error(message: str) -> Exception:
    error: Exception = moto_adapter.read("moto.cloudformation.exceptions", "ValidationError")(message=message)
    return error
