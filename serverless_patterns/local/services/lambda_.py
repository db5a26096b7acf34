"""Lambda on the local cloud: invocations run the deployed handlers in worker processes (through
the dispatcher, ``local/events.py``), DynamoDB stream records reach them with Lambda's rules, and
functions and layers deploy and update as CloudFormation does it; an invocation of a durable function
starts a durable execution (``durable.py``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ... import event_shapes
from .. import moto_adapter, workers
from ..moto_adapter import Patches, as_method
from ..resources import ResourceRequest, update_hook
from ..state import ACCEPTED, NOT_EMULATED, State
from .durable import LocalDurable, durable_config
from .running import Running, RunningService

__all__ = ["Lambda", "function_update", "layer_version_update", "note_runtime"]

MODELS = "moto.awslambda.models"


class Lambda(RunningService):
    name = "lambda"

    def __init__(self, running: Running) -> None:
        super().__init__(running)
        self.durable = LocalDurable(
            account_id=running.state.account_id, region=running.state.region, dispatcher=running.dispatcher
        )
        """The durable execution service: what an invocation of a durable function starts."""

    def install(self, patches: Patches) -> None:
        patches.replace(
            MODELS, "LayerVersion.update_from_cloudformation_json", update_hook(layer_version_update)
        )
        patches.replace(
            MODELS, "LambdaFunction.update_from_cloudformation_json", update_hook(self.function_updated)
        )
        runtime = getattr(self.dispatcher, "runtime", None)
        if runtime is not None:  # what runs handlers asks the durable execution service first
            patches.set(runtime, "durable", self.durable.hook)
        # Ref of a layer version is its ARN (moto's model has no physical id, so Ref gave the object).
        patches.add(MODELS, "LayerVersion.physical_resource_id", property(layer_version_arn))
        original = patches.replace(
            MODELS,
            "LambdaFunction.create_from_cloudformation_json",
            classmethod(as_method(self.function_from_cloudformation)),
        )
        self._create_function = original.__func__
        self._layers = patches.replace(MODELS, "LambdaFunction._get_layers_data", as_method(self.layers_data))
        patches.replace(MODELS, "LambdaBackend.invoke", as_method(self.invoke))
        patches.replace(MODELS, "LambdaBackend.send_dynamodb_items", as_method(self.send_dynamodb_items))
        patches.replace(MODELS, "LambdaFunction._invoke_lambda", as_method(self.invoke_function))

    # -- invocations -------------------------------------------------------------------------------

    def invoke(
        self,
        backend: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        """``Invoke``: synchronous (the handler's answer) or ``Event`` (queued, retried, destinations)."""
        event = json.loads(body) if body else {}
        asynchronous = (
            str(headers.get("X-Amz-Invocation-Type", headers.get("x-amz-invocation-type", ""))) == "Event"
        )
        fn = backend.get_function(function_name, qualifier)  # 404 for an unknown function, as Lambda does
        if str(fn.function_name) in self.durable.configs:
            return self.start_durable(fn, event, qualifier, headers, response_headers, asynchronous)
        if asynchronous:
            self.dispatcher.invoke_async(function_name, event, source="invoke", qualifier=qualifier)
            response_headers["Content-Length"] = "0"
            return b""
        result = self.dispatcher.invoke(function_name, event, source="invoke", qualifier=qualifier)
        if result.error_type:
            response_headers["x-amz-function-error"] = result.error_type
        response_headers["x-amz-executed-version"] = result.invocation.version or result.invocation.qualifier
        response_headers["Content-Length"] = str(len(result.payload))
        return bytes(result.payload)

    def start_durable(
        self,
        fn: Any,
        event: Any,
        qualifier: str | None,
        headers: Any,
        response_headers: Any,
        asynchronous: bool,
    ) -> bytes:
        """``Invoke`` of a durable function: starts an execution (named by
        ``X-Amz-Durable-Execution-Name``, else a uuid); ``Event`` answers with its ARN at once, a
        synchronous invocation with its result."""
        name = headers.get("X-Amz-Durable-Execution-Name") or headers.get("x-amz-durable-execution-name")
        arn, result = self.durable.start(
            fn, event, qualifier=qualifier, source="invoke", wait=not asynchronous, name=name
        )
        response_headers["X-Amz-Durable-Execution-Arn"] = arn
        response_headers["x-amz-executed-version"] = str(fn.version)
        if result is None:
            response_headers["Content-Length"] = "0"
            return b""
        if result.error_type:
            response_headers["x-amz-function-error"] = result.error_type
        response_headers["Content-Length"] = str(len(result.payload))
        return bytes(result.payload)

    def invoke_function(self, fn: Any, event: Any = None) -> tuple[str, bool, str]:
        """What moto's other services call to run a function (a custom resource's provider, say)."""
        payload = json.loads(event) if isinstance(event, str) else event
        result = self.dispatcher.runtime.invoke(fn, payload, source="invoke")
        return result.payload.decode(), result.error_type is not None, ""

    def send_dynamodb_items(self, backend: Any, function_arn: str, items: list[Any], source: str) -> str:
        """A table's stream records, as Lambda hands them to the mapping's function."""
        found = []
        for item in items:
            record = item.to_json()
            dynamodb = dict(record["dynamodb"])
            if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
                dynamodb["ApproximateCreationDateTime"] = moto_adapter.unix_time(
                    dynamodb["ApproximateCreationDateTime"]
                )
            found.append(
                event_shapes.dynamodb_record(
                    event_id=record["eventID"],
                    event_name=record["eventName"],
                    event_version=record["eventVersion"],
                    stream_arn=source,
                    dynamodb=dynamodb,
                )
            )
        self.dispatcher.stream_records(function_arn, source, found)
        return "queued"

    # -- functions and layers deployed -------------------------------------------------------------

    def function_from_cloudformation(
        self, cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """moto's CloudFormation model drops a function's Layers: set them as CreateFunction would."""
        fn = self._create_function(cls, resource_name, cloudformation_json, *args, **kwargs)
        self._durable_config(str(fn.function_name), cloudformation_json.get("Properties") or {})
        layers = (cloudformation_json.get("Properties") or {}).get("Layers")
        if layers:
            try:
                fn.layers = fn._get_layers_data(layers)
            except Exception:
                fn.delete(fn.account_id, fn.region)  # a function that failed is not left behind
                raise
        return fn

    def function_updated(self, cls: Any, original_resource: Any, r: ResourceRequest) -> Any:
        """:func:`function_update`, and the function's durable configuration as the template says."""
        self._durable_config(str(original_resource.function_name), r.props)
        return function_update(cls, original_resource, r)

    def _durable_config(self, function_name: str, props: Any) -> None:
        config = durable_config(props)
        if config is None:
            self.durable.configs.pop(function_name, None)
        else:
            self.durable.configs[function_name] = config

    def layers_data(self, fn: Any, layers_versions_arns: list[str]) -> Any:
        """Layers published by another account (the public Powertools layer, say) are unknown here:
        accept them, and say what the function gets instead. A layer of this account must exist."""
        known: list[Any] = []
        for arn in layers_versions_arns:
            parts = str(arn).split(":")
            if len(parts) < 8 or parts[4] == fn.account_id:
                known.extend(self._layers(fn, [arn]))  # raises for an unknown layer version
                continue
            known.append({"Arn": arn, "CodeSize": 0})
            if arn not in self.state.foreign_layers:
                self.state.foreign_layers.add(arn)
                powertools = "AWSLambdaPowertoolsPython" in parts[6]
                stand_in = workers.distribution_version("aws-lambda-powertools")
                self.state.note(
                    "",
                    parts[6],
                    "AWS::Lambda::LayerVersion",
                    ACCEPTED if powertools and stand_in else NOT_EMULATED,
                    f"public layer {arn}: this environment's aws-lambda-powertools {stand_in} stands in"
                    if powertools and stand_in
                    else f"layer {arn} of another account is not available locally: what it holds is missing",
                )
        return known


def note_runtime(state: State, stack_id: str, logical_id: str, props: Mapping[str, Any]) -> None:
    """What runs a function of this runtime here (this process's Python, this machine's Node.js),
    or that nothing does."""
    runtime = str(props.get("Runtime", ""))
    local_python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime.startswith("python"):
        if runtime == local_python:
            return
        status, reason = ACCEPTED, f"{runtime} handlers run on this process's Python ({local_python})"
    elif runtime.startswith("nodejs") and workers.node_binary():
        status, reason = (
            ACCEPTED,
            f"{runtime} handlers run on this machine's Node.js ({workers.node_version()})",
        )
    elif runtime.startswith("nodejs"):
        status, reason = NOT_EMULATED, f"runtime {runtime}: no node binary here, its handler does not run"
    else:
        what = f"runtime {runtime}" if runtime else "container image"
        status, reason = (
            NOT_EMULATED,
            f"{what}: its handler does not run locally (only Python and Node.js handlers do)",
        )
    state.note(stack_id, logical_id, "AWS::Lambda::Function", status, reason)


def layer_version_arn(layer_version: Any) -> str:
    return str(layer_version.arn)


def layer_version_update(cls: Any, original_resource: Any, r: ResourceRequest) -> Any:
    """A changed layer version is replaced, as CloudFormation does: publish the next version of the
    same layer (moto has no update for it). The functions whose ``Layers`` refer to it are updated
    next, in dependency order (see stack_update); the old version stays, as in Lambda, for the
    function versions published with it."""
    name = r.props.get("LayerName") or original_resource.name
    return cls.create_from_cloudformation_json(name, {"Properties": r.props}, r.account_id, r.region)


def function_update(cls: Any, original_resource: Any, r: ResourceRequest) -> Any:
    """A function's update, as moto's, with what CloudFormation also does: a template without
    ``Environment`` or ``Layers`` leaves the function without them (moto kept the old ones)."""
    props = dict(r.props)
    props["Environment"] = {"Variables": {}, **(props.get("Environment") or {})}
    props.setdefault("Layers", [])
    original_resource.update_configuration(props)
    original_resource.update_function_code(props["Code"])
    return original_resource
