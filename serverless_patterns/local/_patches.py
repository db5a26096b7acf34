"""The changes made to moto while a local cloud runs, and how they are undone.

Everything here is applied by :func:`install` and reverted by :func:`uninstall`; nothing is changed
at import time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import resources, stack_update, stepfunctions, workers
from ._state import ACCEPTED, NOT_EMULATED, State, active
from .resources import resource_model

__all__ = ["install", "uninstall"]

_saved: list[tuple[object, str, object]] = []


_MISSING = object()


def _patch(owner: object, name: str, value: object) -> None:
    _saved.append(
        (owner, name, owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name))
    )
    setattr(owner, name, value)


def _dispatcher() -> Any:
    state = active()
    if state is None or state.dispatcher is None:
        raise RuntimeError("no local cloud is running")
    return state.dispatcher


def install(state: State, port: int) -> None:
    """Point moto's Lambda at the local runtime (worker processes) and fill moto's CloudFormation gaps."""
    import moto.settings
    import moto.stepfunctions.models as sfn_models
    from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.core.config import default_user_config
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.s3 import notifications
    from moto.sns.models import Subscription
    from moto.stepfunctions.parser.asl.utils import boto_client
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    if _saved:
        raise RuntimeError("moto is already patched by another local cloud in this process")
    resources.forget_bucket_notifications()

    # Where moto's own callers (custom resource responses, Step Functions tasks) reach the server.
    _patch(moto.settings, "moto_server_port", lambda: str(port))
    _patch(boto_client, "moto_server_port", lambda: str(port))
    _patch(moto.settings, "moto_server_host", lambda: "http://localhost")

    # Step Functions: run executions, for state machines created by CloudFormation too.
    sfn_config: dict[str, Any] = dict(default_user_config["stepfunctions"])
    _patch_item(default_user_config, "stepfunctions", {**sfn_config, "execute_state_machine": True})
    _patch(sfn_models, "stepfunctions_backends", stepfunctions_parser_backends)
    parser_backend = type(stepfunctions_parser_backends[state.account_id][state.region])
    original_start = parser_backend.start_execution

    def start_execution(
        self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    _patch(parser_backend, "start_execution", start_execution)
    # Its states' AWS calls stay here, under the role's IAM; waits are short (see .stepfunctions).
    stepfunctions.install(state, port, _patch)

    # CloudFormation: local models first; types nobody models are reported, not silently dropped.
    original_lookup: Callable[[str], Any] = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        return resource_model(resource_type) or original_lookup(resource_type)

    original_create: Callable[..., Any] = parsing.parse_and_create_resource

    def parse_and_create_resource(
        logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        resource_type = str(resource_json.get("Type", ""))
        known = resource_model(resource_type) or parsing.get_model_map().get(resource_type)
        if resource_type == "AWS::Events::Rule" and (resource_json.get("Properties") or {}).get(
            "ScheduleExpression"
        ):
            state.note(
                str(resources_map.stack_id),
                logical_id,
                resource_type,
                NOT_EMULATED,
                "schedules never fire locally: start the target yourself (the demo does)",
            )
        props = resource_json.get("Properties") or {}
        runtime = str(props.get("Runtime", ""))
        local_python = f"python{sys.version_info.major}.{sys.version_info.minor}"
        if (
            resource_type == "AWS::Lambda::Function"
            and runtime.startswith("python")
            and runtime != local_python
        ):
            state.note(
                str(resources_map.stack_id),
                logical_id,
                resource_type,
                ACCEPTED,
                f"{runtime} handlers run on this process's Python ({local_python})",
            )
        if resource_type == "AWS::Lambda::Function" and runtime.startswith("nodejs"):
            node = workers.node_binary()
            state.note(
                str(resources_map.stack_id),
                logical_id,
                resource_type,
                ACCEPTED if node else NOT_EMULATED,
                f"{runtime} handlers run on this machine's Node.js ({workers.node_version()})"
                if node
                else f"runtime {runtime}: no node binary here, its handler does not run",
            )
        elif resource_type == "AWS::Lambda::Function" and not runtime.startswith("python"):
            what = f"runtime {runtime}" if runtime else "container image"
            state.note(
                str(resources_map.stack_id),
                logical_id,
                resource_type,
                NOT_EMULATED,
                f"{what}: its handler does not run locally (only Python and Node.js handlers do)",
            )
        if known is None and resource_type not in parsing.NULL_MODELS:
            state.note(
                str(resources_map.stack_id),
                logical_id,
                resource_type,
                NOT_EMULATED,
                "moto has no model for it; not deployed",
            )
            return None
        return original_create(logical_id, resource_json, resources_map, account_id, region_name)

    # Updates: the CDK CLI passes UsePreviousValue for parameters that were left at their default
    # (BootstrapVersion); moto only remembers the ones given, so fall back to the default.
    def resolve_update_parameters(
        self: Any, instance: Any, incoming_params: list[dict[str, Any]]
    ) -> dict[str, Any]:
        parameters = {
            p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p
        }
        for p in incoming_params:
            if p.get("UsePreviousValue", False) and p["ParameterKey"] in (instance.parameters or {}):
                parameters[p["ParameterKey"]] = instance.parameters[p["ParameterKey"]]
        return parameters

    _patch(CloudFormationBackend, "_resolve_update_parameters", resolve_update_parameters)

    # Deploys never lie: an internal error while creating or updating a stack (a model that
    # raises, say) went back as HTTP 500; the SDK retried the create and the user saw "already
    # exists". Surface it as a ValidationError naming the error, and drop a stack that never got
    # created, so that the next deploy starts clean.
    from moto.cloudformation.exceptions import ValidationError
    from moto.core.exceptions import JsonRESTError, ServiceException
    from werkzeug.exceptions import HTTPException

    def answered(exc: Exception) -> bool:
        # Errors moto already sends back as such; another service's JSON error (a state machine
        # definition moto refuses, say) would reach the CDK CLI as "XML parse error".
        return isinstance(exc, ServiceException | HTTPException) and not isinstance(exc, JsonRESTError)

    def reason(exc: Exception) -> str:
        return f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"

    original_create_stack = CloudFormationBackend.create_stack
    original_update_stack = CloudFormationBackend.update_stack

    def create_stack(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        known = set(self.stacks)
        try:
            return original_create_stack(self, name, *args, **kwargs)
        except Exception as exc:
            for stack_id in set(self.stacks) - known:
                stack = self.stacks.pop(stack_id)
                with contextlib.suppress(Exception):
                    stack.delete()
                for export in getattr(stack, "exports", []):
                    self.exports.pop(export.name, None)
            if answered(exc):
                raise
            raise ValidationError(
                message=f"local cloud: creating stack {name} failed: {reason(exc)}"
            ) from exc

    def update_stack(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        # A resource that fails rolls the update back (see .stack_update): what reaches here failed
        # before anything changed (a template or parameter moto refuses).
        try:
            return original_update_stack(self, name, *args, **kwargs)
        except Exception as exc:
            if answered(exc):
                raise
            raise ValidationError(
                message=f"local cloud: updating stack {name} failed, nothing was changed: {reason(exc)}"
            ) from exc

    _patch(CloudFormationBackend, "create_stack", create_stack)
    _patch(CloudFormationBackend, "update_stack", update_stack)

    _patch(LayerVersion, "update_from_cloudformation_json", classmethod(layer_version_update))
    _patch(LambdaFunction, "update_from_cloudformation_json", classmethod(function_update))
    # Updates in dependency order, removals deleted (and forgotten), failures rolled back.
    _patch(parsing.ResourceMap, "update", stack_update.update_resources)
    _patch(Stack, "update", stack_update.update_stack)
    # Ref of a layer version is its ARN (moto's model has no physical id, so Ref gave the object).
    _patch(LayerVersion, "physical_resource_id", property(lambda self: self.arn))
    _patch(parsing, "resource_class_from_type", resource_class_from_type)
    _patch(parsing, "parse_and_create_resource", parse_and_create_resource)
    # moto logs every failed state machine task and skipped type at ERROR: the invocation records
    # and resource notes say it better.
    _patch(logging.getLogger("moto"), "level", logging.CRITICAL)
    _patch(logging.getLogger("werkzeug"), "level", logging.ERROR)  # no line per request

    # Lambda: run handlers here.
    def backend_invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        event = json.loads(body) if body else {}
        if str(headers.get("X-Amz-Invocation-Type", headers.get("x-amz-invocation-type", ""))) == "Event":
            self.get_function(function_name, qualifier)  # 404 for an unknown function, as Lambda does
            _dispatcher().invoke_async(function_name, event, source="invoke", qualifier=qualifier)
            response_headers["Content-Length"] = "0"
            return b""
        result = _dispatcher().invoke(function_name, event, source="invoke", qualifier=qualifier)
        if result.error_type:
            response_headers["x-amz-function-error"] = result.error_type
        response_headers["x-amz-executed-version"] = str(result.invocation.qualifier)
        response_headers["Content-Length"] = str(len(result.payload))
        return bytes(result.payload)

    def function_invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        payload = json.loads(event) if isinstance(event, str) else event
        result = _dispatcher().runtime.invoke(self, payload, source="invoke")
        return result.payload.decode(), result.error_type is not None, ""

    def send_dynamodb_items(self: Any, function_arn: str, items: list[Any], source: str) -> str:
        from moto.core.utils import unix_time

        records = []
        for item in items:
            record = item.to_json()
            dynamodb = dict(record["dynamodb"])
            if isinstance(dynamodb.get("ApproximateCreationDateTime"), datetime):
                dynamodb["ApproximateCreationDateTime"] = unix_time(dynamodb["ApproximateCreationDateTime"])
            records.append(
                {
                    "eventID": record["eventID"],
                    "eventName": record["eventName"],
                    "eventVersion": record["eventVersion"],
                    "eventSource": record["eventSource"],
                    "awsRegion": self.region_name,
                    "dynamodb": dynamodb,
                    "eventSourceARN": source,
                }
            )
        _dispatcher().stream_records(function_arn, source, records)
        return "queued"

    original_create_esm = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = original_create_esm(self, spec)
        if ":sqs:" in esm.event_source_arn:
            from moto.sqs.models import sqs_backends

            for q in sqs_backends[self.account_id][self.region_name].queues.values():
                q.lambda_event_source_mappings.pop(esm.function_arn, None)  # the local poller drains it
        return esm

    # Layers published by another account (the public Powertools layer, say) are unknown here:
    # accept them, and say what the function gets instead. A layer of this account must exist.
    original_layers = LambdaFunction._get_layers_data

    def get_layers_data(self: Any, layers_versions_arns: list[str]) -> Any:
        known: list[Any] = []
        for arn in layers_versions_arns:
            parts = str(arn).split(":")
            if len(parts) < 8 or parts[4] == self.account_id:
                known.extend(original_layers(self, [arn]))  # raises for an unknown layer version
                continue
            known.append({"Arn": arn, "CodeSize": 0})
            if arn not in state.foreign_layers:
                state.foreign_layers.add(arn)
                powertools = "AWSLambdaPowertoolsPython" in parts[6]
                stand_in = workers.distribution_version("aws-lambda-powertools")
                state.note(
                    "",
                    parts[6],
                    "AWS::Lambda::LayerVersion",
                    ACCEPTED if powertools and stand_in else NOT_EMULATED,
                    f"public layer {arn}: this environment's aws-lambda-powertools {stand_in} stands in"
                    if powertools and stand_in
                    else f"layer {arn} of another account is not available locally: what it holds is missing",
                )
        return known

    # moto's CloudFormation model drops a function's Layers: set them as CreateFunction would.
    original_function_create = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def function_from_cloudformation(
        cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
    ) -> Any:
        fn = original_function_create(cls, resource_name, cloudformation_json, *args, **kwargs)
        layers = (cloudformation_json.get("Properties") or {}).get("Layers")
        if layers:
            try:
                fn.layers = fn._get_layers_data(layers)
            except Exception:
                fn.delete(fn.account_id, fn.region)  # a function that failed is not left behind
                raise
        return fn

    _patch(LambdaFunction, "create_from_cloudformation_json", classmethod(function_from_cloudformation))
    _patch(LambdaFunction, "_get_layers_data", get_layers_data)
    _patch(LambdaBackend, "invoke", backend_invoke)
    _patch(LambdaBackend, "send_dynamodb_items", send_dynamodb_items)
    _patch(LambdaBackend, "create_event_source_mapping", create_event_source_mapping)
    _patch(LambdaFunction, "_invoke_lambda", function_invoke_lambda)

    # S3 -> Lambda and SNS -> Lambda are asynchronous invocations.
    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        _dispatcher().invoke_async(fn_arn, event_body, source="s3", detail=_s3_detail(event_body))

    _patch(notifications, "_invoke_awslambda", invoke_from_s3)
    # S3 event keys are URL-encoded with '/' kept, as S3 sends them (moto encodes '/' too).
    _patch(notifications, "quote_plus", lambda text: urllib.parse.quote_plus(text, safe="/"))

    original_publish = Subscription.publish

    def subscription_publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            return original_publish(
                self,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        event = {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": datetime.now(UTC)
                        .isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z"),
                        "SignatureVersion": "1",
                        "Signature": "local",
                        "SigningCertUrl": "local",
                        "UnsubscribeUrl": "local",
                        "MessageAttributes": {
                            k: {
                                "Type": v.get("DataType", v.get("Type", "String")),
                                "Value": v.get("StringValue", v.get("Value")),
                            }
                            for k, v in (message_attributes or {}).items()
                        },
                    },
                }
            ]
        }
        _dispatcher().invoke_async(
            self.endpoint, event, source="sns", detail=f"from {self.topic.arn.split(':')[-1]}"
        )
        return None

    _patch(Subscription, "publish", subscription_publish)

    # EventBridge rules also deliver to functions, state machines and topics.
    original_send = Rule.send_to_targets
    rule_lock = threading.Lock()

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        ours = [t for t in self.targets if str(t["Arn"]).split(":")[2] in ("lambda", "states", "sns")]
        with rule_lock:  # moto raises on target services it does not know: hand it only its own
            every = self.targets
            self.targets = [t for t in every if t not in ours]
            try:
                original_send(self, original_event, transform_input)
            finally:
                self.targets = every
        if getattr(self, "scheduled_expression", None) or not self.event_pattern.matches_event(
            original_event
        ):
            return  # a schedule rule has no pattern: it matches no event
        if isinstance(original_event.get("time"), int | float):  # moto keeps epoch seconds
            original_event = {**original_event, "time": _iso(float(original_event["time"]))}
        for target in ours:
            arn = str(target["Arn"])
            service = arn.split(":")[2]
            if service not in ("lambda", "states", "sns"):
                continue
            if "Input" in target:
                event: Any = json.loads(target["Input"])
            elif transform_input and target.get("InputTransformer"):
                transformer = target["InputTransformer"]
                event = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=original_event,
                )
            elif target.get("InputPath"):
                event = _input_path(original_event, str(target["InputPath"]))
            else:
                event = dict(original_event)
            if service == "lambda":
                _dispatcher().invoke_async(arn, event, source="events", detail=f"rule {self.name}")
            elif service == "states":
                parser = stepfunctions_parser_backends[arn.split(":")[4]][arn.split(":")[3]]
                parser.start_execution(arn, str(uuid.uuid4()), json.dumps(event))
            else:
                _dispatcher().deliver(arn, event)

    _patch(Rule, "send_to_targets", send_to_targets)


def layer_version_update(
    cls: Any,
    original_resource: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    """A changed layer version is replaced, as CloudFormation does: publish the next version of the
    same layer (moto has no update for it). The functions whose ``Layers`` refer to it are updated
    next, in dependency order (see .stack_update); the old version stays, as in Lambda, for the
    function versions published with it."""
    name = (cloudformation_json.get("Properties") or {}).get("LayerName") or original_resource.name
    return cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)


def function_update(
    cls: Any,
    original_resource: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    """A function's update, as moto's, with what CloudFormation also does: a template without
    ``Environment`` or ``Layers`` leaves the function without them (moto kept the old ones)."""
    props = dict(cloudformation_json.get("Properties") or {})
    props["Environment"] = {"Variables": {}, **(props.get("Environment") or {})}
    props.setdefault("Layers", [])
    original_resource.update_configuration(props)
    original_resource.update_function_code(props["Code"])
    return original_resource


def _input_path(event: Any, path: str) -> Any:
    """The part of ``event`` a target's ``InputPath`` (``$``, ``$.detail``, ``$.detail.order``) names."""
    value = event
    for key in (k for k in path.removeprefix("$").split(".") if k):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _s3_detail(event: Any) -> str:
    try:
        record = event["Records"][0]
        return f"{record['eventName']} s3://{record['s3']['bucket']['name']}/{record['s3']['object']['key']}"
    except (KeyError, IndexError, TypeError):
        return ""


def _patch_item(owner: dict[str, Any] | Any, key: str, value: object) -> None:
    _saved.append((owner, f"[{key}]", owner[key]))
    owner[key] = value


def uninstall() -> None:
    """Undo :func:`install`, newest change first."""
    while _saved:
        owner, name, value = _saved.pop()
        if name.startswith("["):
            owner[name[1:-1]] = value  # type: ignore[index]
        elif value is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, value)
