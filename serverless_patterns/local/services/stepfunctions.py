"""Step Functions on the local cloud: moto's ASL interpreter, with its calls kept local and its
waits short.

moto's parser backend runs executions (Choice, Parallel, Map inline and distributed, Wait, Pass,
Succeed, Fail, retriers and catchers, JSONPath and JSONata). What the local cloud changes:

- Every AWS call a state makes (Lambda, DynamoDB, SQS, SNS, EventBridge, nested Step Functions,
  ``aws-sdk:*``, a Distributed Map's S3 ``ItemReader``/``ResultWriter``) goes to this local cloud's
  endpoint, always, signed with credentials the local STS issued to the state machine's role, so
  the role's IAM policies are enforced on it as on a handler's calls (see :mod:`.iam`). A Lambda
  task reaches the function's worker processes through the local Lambda endpoint.
- A ``Wait`` state waits at most ``retry_delay`` seconds (``LocalCloud(retry_delay=1)``), and so
  does each retrier's interval: what takes minutes or hours on AWS takes about a second here. The
  execution history keeps the states in order, as AWS records them.
- A service task's parameters are given to the SDK in its own casing (``StateMachineArn`` is
  ``stateMachineArn`` for Step Functions; a JSON object where the API takes a string is sent as
  JSON text) and its result comes back in Step Functions' casing (``ExecutionArn``, ``Output``),
  as AWS does; moto's copy of the interpreter leaves both out, so a nested ``startExecution``
  failed with ``States.Runtime``.
  Timestamps in a result are epoch milliseconds (they were datetimes, which broke
  ``DescribeExecution`` of the execution holding them).
- A definite JSONPath (``$.rows[1].status``) names one value, as on AWS (moto gave a one-item list).
- A ``.sync``/``.sync:2`` nested execution is polled every 50 ms (moto polls every 500 ms).
- A Distributed Map's ``s3:listObjectsV2`` reader lists every page of keys (moto read the first
  1000 and failed on an empty listing), and gives each object as Step Functions does.
- A Distributed Map whose child workflows are ``EXPRESS`` runs them as ``STANDARD`` ones (moto's
  grammar knows only ``STANDARD``; locally they behave the same). The definition stored and
  described is the one deployed.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .. import moto_adapter
from ..client_cache import ClientCache
from ..moto_adapter import Patches, as_method
from ..moto_adapter.contract import CLIENT_MODULES, JSON_PATH_MODULES
from .running import Running

__all__ = ["SYNC_POLL_SECONDS", "StepFunctions", "extract_json", "local_definition"]

SYNC_POLL_SECONDS = 0.05
"""How often a ``.sync`` task asks for the state of the execution it started."""

_SFN = "moto.stepfunctions.parser"
_TASK_SERVICE = f"{_SFN}.asl.component.state.exec.state_task.service.state_task_service"
_READER = f"{_SFN}.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3"
# A path that may select several values: a wildcard, a slice, a union, a filter, a deep scan.
_INDEFINITE = re.compile(r"\*|\.\.|\?|@|\[[^\]'\"]*[:,][^\]]*\]")


def extract_json(path: str, data: Any, *, moto_extract_json: Callable[[str, Any], Any] | None = None) -> Any:
    """The value at a JSONPath, as Step Functions reads it: a definite path (``$.a[1].b``) names one
    value, given as it is. Any other path (indefinite, like ``$.a[*].b``, or missing) is left to
    moto's ``moto_extract_json``, which gives the list of what it selects or raises."""
    from jsonpath_ng.ext import parse  # type: ignore[attr-defined]

    if not _INDEFINITE.search(path):
        matches = parse(path).find(data)
        if len(matches) == 1:
            return matches[0].value
    if moto_extract_json is None:
        moto_extract_json = moto_adapter.read(f"{_SFN}.asl.utils.json_path", "extract_json")
    return moto_extract_json(path, data)


def local_definition(definition: str) -> str:
    """``definition`` as moto's grammar takes it: a Distributed Map's ``EXPRESS`` child workflows
    become ``STANDARD`` ones. Anything that is not a JSON object is returned as given."""
    try:
        document = json.loads(definition)
    except (TypeError, ValueError):
        return definition
    if not isinstance(document, dict):
        return definition
    changed = False

    def visit(value: Any) -> None:
        nonlocal changed
        if isinstance(value, dict):
            config = value.get("ProcessorConfig")
            if isinstance(config, dict) and config.get("ExecutionType") == "EXPRESS":
                config["ExecutionType"] = "STANDARD"
                changed = True
            for inner in value.values():
                visit(inner)
        elif isinstance(value, list):
            for inner in value:
                visit(inner)

    visit(document)
    return json.dumps(document) if changed else definition


class _Clients:
    """boto3 clients for the local endpoint, one per (service, region, role), shared by the states
    that executions run in threads (:class:`~..client_cache.ClientCache`)."""

    def __init__(self, port: int, issue: Callable[[str], tuple[str, str, str] | None]) -> None:
        self._endpoint = f"http://127.0.0.1:{port}"
        self._issue = issue
        self._made = ClientCache()

    def _credentials(self, role_arn: str) -> tuple[str, str, str | None]:
        issued = self._issue(role_arn) if role_arn else None
        # A role the local STS does not know: calls are made, unchecked, with fixed keys.
        return issued if issued is not None else ("local", "local", None)

    def client_for(self, region: str, service: str, state_credentials: Any = None) -> Any:
        role_arn = str(getattr(state_credentials, "role_arn", "") or "")
        # Always this endpoint: whatever the environment or a config file says, a state never
        # reaches a real AWS account.
        return self._made.get(
            (service, region, role_arn),
            lambda: moto_adapter.local_client(
                service,
                self._endpoint,
                region,
                self._credentials(role_arn),
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=99,
                read_timeout=99,
                s3={"addressing_style": "path"},
            ),
        )


_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _operation(service: str, action: str) -> Any:
    """botocore's model of ``action`` (any casing: ``startExecution``, ``start_execution``) of ``service``."""
    camel_to_snake_case = moto_adapter.read(f"{_SFN}.utils", "camel_to_snake_case")
    with _models_lock:
        model = _models.get(service)
        if model is None:
            import botocore.session

            model = _models[service] = botocore.session.get_session().get_service_model(service)
    wanted = camel_to_snake_case(action)
    for name in model.operation_names:
        if camel_to_snake_case(name) == wanted:
            return model.operation_model(name)
    raise ValueError(f"{service} has no action {action}")


def _task_operation(task: Any, boto_service_name: str | None, service_action_name: str | None) -> Any:
    """botocore's model of the call a task state makes (its service and action as moto names them)."""
    return _operation(
        task._get_boto_service_name(boto_service_name=boto_service_name),
        task._get_boto_service_action(service_action_name=service_action_name),
    )


def _normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    shape = _task_operation(self, boto_service_name, service_action_name).input_shape
    if shape is not None:
        self._to_boto_request(parameters, shape)


def _normalise_response(
    self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    shape = _task_operation(self, boto_service_name, service_action_name).output_shape
    if shape is not None:
        self._from_boto_response(response, shape)
    _epoch_dates(response)


def _epoch_dates(value: Any) -> None:
    """Timestamps of a result as Step Functions gives them, epoch milliseconds (the SDK parsed them
    into datetimes, which the execution's output could not hold)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in list(items):
        if isinstance(inner, datetime):
            value[key] = int(inner.timestamp() * 1000)
        else:
            _epoch_dates(inner)


def _list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    """A Distributed Map's ``s3:listObjectsV2`` ItemReader: every page (moto read the first 1000
    keys only, and failed on an empty listing), each object as Step Functions gives it (``Etag``,
    ``Key``, ``LastModified`` in epoch seconds, ``Size``, ``StorageClass``)."""
    client = moto_adapter.read(_READER, "ResourceEvalS3._get_s3_client")(
        resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
    )
    parameters = env.stack.pop()
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("list_objects_v2").paginate(**parameters):
        for found in page.get("Contents", []):
            item = {"Etag": found.get("ETag"), **{k: v for k, v in found.items() if k != "ETag"}}
            if isinstance(item.get("LastModified"), datetime):
                item["LastModified"] = int(item["LastModified"].timestamp())
            items.append(item)
    env.stack.append(items)


class ApiGatewayInvokeNotEmulated(RuntimeError):
    """Raised in place of moto's ``apigateway:invoke``, which would send the request with ``requests``
    to the definition's ``ApiEndpoint``: a real API, possibly. The task fails with this error."""


def _refuse_api_gateway_invoke(
    self: Any, env: Any, resource_runtime_part: Any, *args: Any, **kwargs: Any
) -> None:
    # One signature for every moto this runs on: 5.2.5 names the last parameter task_credentials,
    # 5.2.6 state_credentials; neither is read.
    raise ApiGatewayInvokeNotEmulated(
        "apigateway:invoke is not emulated by the local cloud: the request is not sent to the endpoint"
    )


class _ShortSleep:
    """Stands in for the ``time`` module where moto sleeps for a retrier: at most ``cap()`` seconds."""

    def __init__(self, cap: Callable[[], float]) -> None:
        self._cap = cap

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, min(float(seconds), self._cap())))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class StepFunctions:
    """The changes above, and executions for state machines created by CloudFormation too (moto's
    parser backend runs them; its ``start_execution`` names an unnamed execution)."""

    name = "stepfunctions"

    def __init__(self, running: Running) -> None:
        self.port = running.port
        self.retry_delay = running.dispatcher.retry_delay
        self.clients = _Clients(running.port, running.credentials)

    def install(self, patches: Patches) -> None:
        config = moto_adapter.read("moto.core.config", "default_user_config")["stepfunctions"]
        patches.replace_item(
            "moto.core.config",
            "default_user_config",
            "stepfunctions",
            {**config, "execute_state_machine": True},
        )
        # Executions run on moto's parser backend, for the API (its responses module holds the
        # name it imported when first imported: so it is imported, and patched, first) as for
        # moto's other callers.
        parser_backends = moto_adapter.read(f"{_SFN}.models", "stepfunctions_parser_backends")
        for module in ("moto.stepfunctions.responses", "moto.stepfunctions.models"):
            patches.replace(module, "stepfunctions_backends", parser_backends)
        self._start = patches.replace(
            f"{_SFN}.models", "StepFunctionsParserBackend.start_execution", as_method(self.start_execution)
        )
        # Its states' AWS calls stay here, under the role's IAM.
        for module in (f"{_SFN}.asl.utils.boto_client", *CLIENT_MODULES):
            patches.replace(module, "boto_client_for", self.clients.client_for)
        self._extract_json = moto_adapter.read(f"{_SFN}.asl.utils.json_path", "extract_json")
        for module in (f"{_SFN}.asl.utils.json_path", *JSON_PATH_MODULES):
            patches.replace(module, "extract_json", self.extract_json)
        self._parse = patches.replace(
            f"{_SFN}.asl.parse.asl_parser", "AmazonStateLanguageParser.parse", staticmethod(self.parse)
        )
        # Waits are short.
        patches.replace(
            f"{_SFN}.asl.component.state.wait.wait_function.wait_function",
            "WaitFunction._wait_interval",
            as_method(self.wait_interval),
        )
        patches.replace(f"{_SFN}.asl.component.common.retry.retrier_decl", "time", _ShortSleep(self.cap))
        patches.replace(f"{_TASK_SERVICE}_callback", "_DELAY_SECONDS_SYNC_CONDITION_CHECK", SYNC_POLL_SECONDS)
        patches.replace(_TASK_SERVICE, "StateTaskService._normalise_parameters", _normalise_parameters)
        patches.replace(_TASK_SERVICE, "StateTaskService._normalise_response", _normalise_response)
        patches.replace(_READER, "ResourceEvalS3._handle_list_objects_v2", staticmethod(_list_objects_v2))
        patches.replace(
            f"{_TASK_SERVICE}_api_gateway",
            "StateTaskServiceApiGateway._eval_service_task",
            _refuse_api_gateway_invoke,
        )

    def cap(self) -> float:
        """The longest wait: the cloud's retry delay."""
        return float(self.retry_delay)

    def start_execution(
        self, backend: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        return self._start(backend, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    def extract_json(self, path: str, data: Any) -> Any:
        return extract_json(path, data, moto_extract_json=self._extract_json)

    def parse(self, definition: str) -> Any:
        return self._parse(local_definition(definition))

    def wait_interval(self, function: Any, env: Any, wait_seconds: int) -> None:
        deadline = time.monotonic() + max(0.0, min(float(wait_seconds), self.cap()))
        while env.is_running():  # a stopped execution ends its wait at once
            left = deadline - time.monotonic()
            if left <= 0:
                return
            env.program_state_event.wait(left)
