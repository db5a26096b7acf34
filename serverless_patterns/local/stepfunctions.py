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
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ._state import State

__all__ = [
    "CLIENT_MODULES",
    "JSON_PATH_MODULES",
    "SYNC_POLL_SECONDS",
    "extract_json",
    "install",
    "local_definition",
    "unrouted_modules",
]

SYNC_POLL_SECONDS = 0.05
"""How often a ``.sync`` task asks for the state of the execution it started."""

# Every module of moto's parser that makes AWS calls with ``boto_client_for`` (imported by name,
# so each module's reference is replaced). The contract test checks that no other module uses it.
CLIENT_MODULES: tuple[str, ...] = tuple(
    f"moto.stepfunctions.parser.asl.component.state.exec.{name}"
    for name in (
        "state_map.result_writer.resource_eval.resource_eval_s3",
        "state_map.item_reader.eval.resource_eval_s3",
        "state_task.lambda_eval_utils",
        "state_task.service.state_task_service_aws_sdk",
        "state_task.service.state_task_service_batch",
        "state_task.service.state_task_service_dynamodb",
        "state_task.service.state_task_service_ecs",
        "state_task.service.state_task_service_events",
        "state_task.service.state_task_service_glue",
        "state_task.service.state_task_service_sfn",
        "state_task.service.state_task_service_sns",
        "state_task.service.state_task_service_sqs",
        "state_task.service.state_task_service_unsupported",
    )
)

# Every module of moto's parser that reads a JSONPath with ``extract_json`` (imported by name).
JSON_PATH_MODULES: tuple[str, ...] = tuple(
    f"moto.stepfunctions.parser.asl.{name}"
    for name in (
        "component.common.string.string_expression",
        "component.intrinsic.argument.argument",
        "component.state.choice.comparison.operator.implementations.boolean_equals",
        "component.state.choice.comparison.operator.implementations.numeric",
        "component.state.choice.comparison.operator.implementations.string_operators",
        "component.state.choice.comparison.operator.implementations.timestamp_operators",
        "eval.states",
    )
)
_HOMES = {
    "boto_client_for": ("moto.stepfunctions.parser.asl.utils.boto_client", CLIENT_MODULES),
    "extract_json": ("moto.stepfunctions.parser.asl.utils.json_path", JSON_PATH_MODULES),
}
# A path that may select several values: a wildcard, a slice, a union, a filter, a deep scan.
_INDEFINITE = re.compile(r"\*|\.\.|\?|@|\[[^\]'\"]*[:,][^\]]*\]")

Patch = Callable[[object, str, object], None]


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
        from moto.stepfunctions.parser.asl.utils import json_path

        moto_extract_json = json_path.extract_json
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


def unrouted_modules() -> list[str]:
    """Modules of moto's parser that use ``boto_client_for`` or ``extract_json`` but are not listed
    in :data:`CLIENT_MODULES` or :data:`JSON_PATH_MODULES` (so would miss the local version):
    empty when every user is patched."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("moto.stepfunctions.parser")
    if spec is None or not spec.submodule_search_locations:
        return ["moto.stepfunctions.parser (missing)"]
    root = Path(next(iter(spec.submodule_search_locations)))
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        module = ".".join(("moto.stepfunctions.parser", *path.relative_to(root).with_suffix("").parts))
        for name, (home, users) in _HOMES.items():
            if re.search(rf"\b{name}\b", text) and module != home and module not in users:
                found.append(f"{module} ({name})")
    return found


class _Clients:
    """boto3 clients for the local endpoint, one per (service, region, role), made thread-safely
    (executions run states in threads; a boto3 client, once made, is thread-safe)."""

    def __init__(self, state: State, port: int) -> None:
        self._state = state
        self._endpoint = f"http://127.0.0.1:{port}"
        self._lock = threading.Lock()
        self._made: dict[tuple[str, str, str], Any] = {}

    def _credentials(self, role_arn: str) -> tuple[str, str, str | None]:
        dispatcher = self._state.dispatcher
        issue = getattr(getattr(dispatcher, "runtime", None), "_credentials", None)
        issued = issue(role_arn) if role_arn and issue is not None else None
        # A role the local STS does not know: calls are made, unchecked, with fixed keys.
        return issued if issued is not None else ("local", "local", None)

    def client_for(self, region: str, service: str, state_credentials: Any = None) -> Any:
        role_arn = str(getattr(state_credentials, "role_arn", "") or "")
        key = (service, region, role_arn)
        with self._lock:
            found = self._made.get(key)
            if found is not None:
                return found
            import boto3
            from botocore.config import Config

            access_key, secret, token = self._credentials(role_arn)
            # Always this endpoint: whatever the environment or a config file says, a state never
            # reaches a real AWS account.
            made = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
                region_name=region,
                endpoint_url=self._endpoint,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret,
                aws_session_token=token,
                config=Config(
                    parameter_validation=False,
                    retries={"max_attempts": 0, "total_max_attempts": 1},
                    connect_timeout=99,
                    read_timeout=99,
                    s3={"addressing_style": "path"},
                ),
            )
            self._made[key] = made
            return made


_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _operation(service: str, action: str) -> Any:
    """botocore's model of ``action`` (any casing: ``startExecution``, ``start_execution``) of ``service``."""
    from moto.stepfunctions.parser.utils import camel_to_snake_case

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


def _normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    shape = _operation(
        self._get_boto_service_name(boto_service_name=boto_service_name),
        self._get_boto_service_action(service_action_name=service_action_name),
    ).input_shape
    if shape is not None:
        self._to_boto_request(parameters, shape)


def _normalise_response(
    self: Any, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None
) -> None:
    shape = _operation(
        self._get_boto_service_name(boto_service_name=boto_service_name),
        self._get_boto_service_action(service_action_name=service_action_name),
    ).output_shape
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
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    client = ResourceEvalS3._get_s3_client(
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


def install(state: State, port: int, patch: Patch) -> None:
    """Apply the changes above with ``patch(owner, name, value)`` (undone by the caller)."""
    import importlib

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
        ResourceEvalS3,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway import (
        StateTaskServiceApiGateway,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import boto_client

    def cap() -> float:
        dispatcher = state.dispatcher
        return float(dispatcher.retry_delay) if dispatcher is not None else 1.0

    clients = _Clients(state, port)
    patch(boto_client, "boto_client_for", clients.client_for)
    for name in CLIENT_MODULES:
        patch(importlib.import_module(name), "boto_client_for", clients.client_for)

    from moto.stepfunctions.parser.asl.utils import json_path

    moto_extract_json = json_path.extract_json

    def local_extract_json(path: str, data: Any) -> Any:
        return extract_json(path, data, moto_extract_json=moto_extract_json)

    patch(json_path, "extract_json", local_extract_json)
    for name in JSON_PATH_MODULES:
        patch(importlib.import_module(name), "extract_json", local_extract_json)

    original_parse = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        return original_parse(local_definition(definition))

    patch(AmazonStateLanguageParser, "parse", staticmethod(parse))

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        deadline = time.monotonic() + max(0.0, min(float(wait_seconds), cap()))
        while env.is_running():  # a stopped execution ends its wait at once
            left = deadline - time.monotonic()
            if left <= 0:
                return
            env.program_state_event.wait(left)

    patch(WaitFunction, "_wait_interval", wait_interval)
    patch(retrier_decl, "time", _ShortSleep(cap))
    patch(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", SYNC_POLL_SECONDS)
    patch(StateTaskService, "_normalise_parameters", _normalise_parameters)
    patch(StateTaskService, "_normalise_response", _normalise_response)
    patch(ResourceEvalS3, "_handle_list_objects_v2", staticmethod(_list_objects_v2))
    patch(StateTaskServiceApiGateway, "_eval_service_task", _refuse_api_gateway_invoke)
