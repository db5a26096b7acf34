"""The adapter over moto: the only code of the local cloud that imports moto.

Every other module asks it: for a service's backend (:func:`backend`, :func:`lambda_backend`), for
a moto name the contract lists (:func:`read`), to start and reset moto's server, or for what a
moto object holds (:func:`function_code`, :func:`layer_version_code`, :func:`role_policies`,
:func:`stack_resource_of`). The services change moto through :class:`.patching.Patches`, which
replaces only names of the contract (:mod:`.contract`); the classes the local CloudFormation
models derive from are in :mod:`.bases`.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from typing import Any

from .contract import ADDED, PATCHED, READ, ContractProblem, check_contract, listed
from .patching import Patches, as_method, patched

__all__ = [
    "ADDED",
    "PATCHED",
    "READ",
    "ContractProblem",
    "Patches",
    "as_method",
    "backend",
    "backend_of",
    "check_contract",
    "construct_path",
    "enforce",
    "event_pattern",
    "function_code",
    "lambda_backend",
    "layer_version_code",
    "local_client",
    "mount",
    "patched",
    "read",
    "render_input",
    "reset",
    "role_policies",
    "secret_arn",
    "stack_resource_of",
    "start_server",
    "stop_server",
    "unix_time",
]

_BACKENDS: dict[str, tuple[str, str, str | None]] = {
    # service: (module, backends dict, the region key when the service is not regional)
    "sqs": ("moto.sqs.models", "sqs_backends", None),
    "sns": ("moto.sns.models", "sns_backends", None),
    "s3": ("moto.s3.models", "s3_backends", "aws"),
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends", None),
    "apigateway": ("moto.apigateway.models", "apigateway_backends", None),
    "apigatewayv2": ("moto.apigatewayv2.models", "apigatewayv2_backends", None),
    "iam": ("moto.iam.models", "iam_backends", "global"),
    "cloudformation": ("moto.cloudformation.models", "cloudformation_backends", None),
    "scheduler": ("moto.scheduler.models", "scheduler_backends", None),
    "secretsmanager": ("moto.secretsmanager.models", "secretsmanager_backends", None),
    "cloudwatch": ("moto.cloudwatch.models", "cloudwatch_backends", None),
    # Step Functions executions run on the parser's backend (services/stepfunctions.py).
    "stepfunctions": ("moto.stepfunctions.parser.models", "stepfunctions_parser_backends", None),
    "states": ("moto.stepfunctions.parser.models", "stepfunctions_parser_backends", None),
}


def local_client(
    service: str, endpoint: str, region: str, credentials: tuple[str, str, str | None], **config: Any
) -> Any:
    """A boto3 client of ``service`` that calls ``endpoint`` (the local cloud's, whatever the
    environment or a config file says) in ``region`` with ``credentials`` (access key, secret key,
    session token), configured by botocore ``config`` options."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        aws_session_token=credentials[2],
        config=Config(**config),
    )


def read(module: str, attribute: str) -> Any:
    """The moto name ``module.attribute`` (a dotted path below the module), as it is now (patched
    or not); only names the contract lists (:data:`PATCHED`, :data:`READ`)."""
    if not listed(module, attribute):
        raise KeyError(f"{module}.{attribute} is not in the moto contract (moto_adapter/contract.py)")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def backend(service: str, account_id: str, region: str = "") -> Any:
    """moto's backend of ``service`` (``sqs``, ``sns``, ``s3``, ``dynamodb``, ``apigateway``,
    ``apigatewayv2``, ``iam``, ``cloudformation``, ``scheduler``, ``secretsmanager``, ``stepfunctions``) for an
    account and region (the region is not used by global services)."""
    if service == "lambda":
        return lambda_backend(account_id, region)
    module, name, fixed = _BACKENDS[service]
    return read(module, name)[account_id][fixed or region]


def backend_of(arn: str) -> Any:
    """moto's backend of the service, account and region an ARN names."""
    parts = arn.split(":")
    return backend(parts[2], parts[4], parts[3])


def lambda_backend(account_id: str, region: str) -> Any:
    """moto's Lambda backend of an account and region."""
    return read("moto.awslambda.utils", "get_backend")(account_id, region)


def event_pattern(pattern: Any) -> Any:
    """An EventBridge event pattern (JSON text or a dict), as moto matches it (``.matches_event``)."""
    return read("moto.events.models", "EventPattern.load")(
        pattern if isinstance(pattern, str) else json.dumps(pattern)
    )


def render_input(template: Any, paths: Any, event: Any) -> Any:
    """A rule target's ``InputTransformer`` applied to ``event``, as moto does."""
    return read("moto.events.utils", "EventTemplateParser.parse")(
        input_template=template, input_paths_map=paths, event=event
    )


def unix_time(when: datetime) -> float:
    return float(read("moto.core.utils", "unix_time")(when))


def reset() -> None:
    """Forget every resource of every moto backend in this process."""
    read("moto.moto_api._internal.models", "moto_api_backend").reset()


def start_server() -> tuple[Any, int]:
    """moto's threaded server, started on 127.0.0.1 and an ephemeral port, and that port."""
    server = read("moto.moto_server.threaded_moto_server", "ThreadedMotoServer")(
        ip_address="127.0.0.1", port=0, verbose=False
    )
    server.start()
    return server, int(server.get_host_and_port()[1])


def stop_server(server: Any) -> None:
    """Stop a server of :func:`start_server` and close its socket."""
    inner = getattr(server, "_server", None)
    server.stop()
    if inner is not None:
        inner.server_close()


def enforce(server: Any, enforcer: Any, account_id: str) -> Any:
    """Put an IAM enforcer (a WSGI middleware class) in front of a started server."""
    inner = server._server
    wrapped = enforcer(
        inner.app,
        lambda role: role_policies(account_id, role),
        account_id,
        lambda region, secret: secret_arn(account_id, region, secret),
    )
    inner.app = wrapped
    return wrapped


def secret_arn(account_id: str, region: str, secret: str) -> str | None:
    """The full ARN of the secret ``secret`` (a name, a partial or a full ARN) names, or None."""
    found = backend("secretsmanager", account_id, region).secrets.get(secret)
    return None if found is None else str(found.arn)


def mount(server: Any, middleware: Any) -> None:
    """Put a WSGI middleware (a function of the app it wraps) right in front of moto's app, behind
    the middlewares already there (each holding what it wraps as ``.app``, as the IAM enforcer
    does), so that they still see every request first."""
    holder = server._server
    while hasattr(holder.app, "app"):
        holder = holder.app
    holder.app = middleware(holder.app)


def layer_version_code(account_id: str, region: str, arn: str) -> tuple[str, bytes] | None:
    """(code digest, zip bytes) of a layer version published here, or None for one that is not
    (a public layer of another account)."""
    try:
        found = lambda_backend(account_id, region).layers_versions_by_arn(arn)
    except Exception:
        return None
    if found is None:
        return None
    return str(found.code_sha_256), bytes(found.code_bytes or b"")


def function_code(fn: Any) -> tuple[str, bytes]:
    """(code digest, zip bytes) of a moto function object (what the deployment uploaded)."""
    return str(getattr(fn, "code_sha_256", "") or ""), bytes(getattr(fn, "code_bytes", b"") or b"")


def stack_resource_of(account_id: str, region: str, physical_id: str) -> tuple[str, str] | None:
    """(stack name, logical ID) of the stack resource deployed here whose physical ID is
    ``physical_id`` (a function's name, say), read from moto's resource maps without creating
    anything; None when no stack has it (yet)."""
    for stack in list(backend("cloudformation", account_id, region).stacks.values()):
        parsed = getattr(stack.resource_map, "_parsed_resources", {})
        for logical, found in list(parsed.items()):
            if isinstance(found, str | int | float | list | dict) or found is None:
                continue
            try:
                if str(found.physical_resource_id) == physical_id:
                    return str(stack.name), str(logical)
            except Exception:  # a model without one
                continue
    return None


def construct_path(account_id: str, region: str, physical_id: str) -> str | None:
    """The construct path (``Stack/Api/GetUserFunction/Function``, without a trailing ``Resource``)
    of the stack resource whose physical ID is ``physical_id``, from its ``aws:cdk:path``
    metadata; None when it has none."""
    found = stack_resource_of(account_id, region, physical_id)
    if found is None:
        return None
    stack = next(
        s for s in backend("cloudformation", account_id, region).stacks.values() if s.name == found[0]
    )
    resource = (stack.resource_map._resource_json_map or {}).get(found[1]) or {}
    parts = str((resource.get("Metadata") or {}).get("aws:cdk:path") or "").split("/")
    while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return "/".join(parts) or None


def role_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    """The identity policies of a role (inline and attached managed), as documents; none for a role
    that does not exist here."""
    from .identities import policy_documents

    try:
        role = backend("iam", account_id).get_role_by_arn(role_arn)
    except Exception:
        return []
    return policy_documents(role)
