"""Every moto internal the local cloud reads (outside of its public API): one place to check when
moto changes. The patches that replace moto's own methods are in :mod:`._patches`, and the names
they replace are listed in :data:`PATCHED` for the contract test (``tests/e2e/test_moto_contract.py``).

moto is pinned to the minor versions these were checked against (``pyproject.toml``).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ADDED",
    "PATCHED",
    "ContractProblem",
    "check_contract",
    "lambda_backend",
    "layer_version_code",
    "stack_resource_of",
]


def lambda_backend(account_id: str, region: str) -> Any:
    """moto's Lambda backend of an account and region."""
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


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
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account_id][region]
    for stack in list(backend.stacks.values()):
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


def role_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    """The identity policies of a role (inline and attached managed), as documents; none for a role
    that does not exist here."""
    import json
    from urllib.parse import unquote

    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["global"]
    try:
        role = backend.get_role_by_arn(role_arn)
    except Exception:
        return []
    documents: list[Any] = list(role.policies.values())
    for managed in role.managed_policies.values():
        version = getattr(managed, "default_version", None)
        documents.append(getattr(version, "document", None) or getattr(managed, "document", None))
    found: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                document = json.loads(unquote(document))
        if isinstance(document, dict):
            found.append(document)
    return found


def enforce(server: Any, enforcer: Any, account_id: str) -> Any:
    """Put an IAM enforcer (a WSGI middleware class) in front of a started ThreadedMotoServer."""
    inner = server._server
    wrapped = enforcer(inner.app, lambda role: role_policies(account_id, role), account_id)
    inner.app = wrapped
    return wrapped


_CLIENT_PARAMETERS = ("region", "service", "state_credentials")
_SFN_SERVICE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"


def _sfn_modules() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .stepfunctions import CLIENT_MODULES, JSON_PATH_MODULES

    return CLIENT_MODULES, JSON_PATH_MODULES


_SFN_CLIENT_MODULES, _SFN_JSON_PATH_MODULES = _sfn_modules()

# (module, attribute path, parameters the patch relies on, or None when not a callable's signature).
PATCHED: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("moto.settings", "moto_server_port", ()),
    ("moto.settings", "moto_server_host", ()),
    ("moto.stepfunctions.parser.asl.utils.boto_client", "moto_server_port", ()),
    ("moto.stepfunctions.models", "stepfunctions_backends", None),
    ("moto.stepfunctions.parser.models", "stepfunctions_parser_backends", None),
    ("moto.core.config", "default_user_config", None),
    (
        "moto.stepfunctions.parser.models",
        "StepFunctionsParserBackend.start_execution",
        ("self", "state_machine_arn", "name"),
    ),
    ("moto.cloudformation.parsing", "resource_class_from_type", ("resource_type",)),
    (
        "moto.cloudformation.parsing",
        "parse_and_create_resource",
        ("logical_id", "resource_json", "resources_map", "account_id", "region_name"),
    ),
    ("moto.cloudformation.parsing", "get_model_map", ()),
    ("moto.cloudformation.parsing", "NULL_MODELS", None),
    (
        "moto.cloudformation.models",
        "CloudFormationBackend._resolve_update_parameters",
        ("self", "instance", "incoming_params"),
    ),
    (
        "moto.awslambda.models",
        "LambdaBackend.invoke",
        ("self", "function_name", "qualifier", "body", "headers", "response_headers"),
    ),
    ("moto.cloudformation.models", "CloudFormationBackend.create_stack", ("self", "name", "template")),
    ("moto.cloudformation.models", "CloudFormationBackend.update_stack", ("self", "name", "template")),
    ("moto.cloudformation.exceptions", "ValidationError", None),
    # Stack updates (.stack_update): replaced, and the ResourceMap and Stack internals they use.
    ("moto.cloudformation.parsing", "ResourceMap.update", ("self", "template", "parameters")),
    ("moto.cloudformation.models", "Stack.update", ("self", "template", "role_arn", "parameters", "tags")),
    (
        "moto.cloudformation.parsing",
        "ResourceMap.build_resource_diff",
        ("self", "other_template", "parameters"),
    ),
    ("moto.cloudformation.parsing", "ResourceMap.load_mapping", ("self",)),
    ("moto.cloudformation.parsing", "ResourceMap.load_parameters", ("self",)),
    ("moto.cloudformation.parsing", "ResourceMap.load_conditions", ("self",)),
    (
        "moto.cloudformation.parsing",
        "ResourceMap._delete_resource",
        ("self", "parsed_resource", "resource_json"),
    ),
    ("moto.cloudformation.parsing", "ResourceMap.__getitem__", ("self", "key")),
    (
        "moto.cloudformation.parsing",
        "parse_resource_and_generate_name",
        ("logical_id", "resource_json", "resources_map"),
    ),
    (
        "moto.cloudformation.models",
        "Stack._add_stack_event",
        ("self", "resource_status", "resource_status_reason"),
    ),
    ("moto.cloudformation.models", "Stack._parse_template", ("self",)),
    ("moto.cloudformation.models", "Stack._create_output_map", ("self",)),
    ("moto.cloudformation.models", "Event", None),
    ("moto.cloudformation.models", "cloudformation_backends", None),
    (
        "moto.awslambda.models",
        "LambdaFunction.update_from_cloudformation_json",
        ("original_resource", "new_resource_name", "cloudformation_json", "account_id", "region_name"),
    ),
    ("moto.awslambda.models", "LambdaFunction.update_configuration", ("self", "config_updates")),
    ("moto.awslambda.models", "LambdaFunction.update_function_code", ("self", "updated_spec")),
    ("moto.awslambda.policy", "Policy.add_statement", ("self", "raw")),
    ("moto.apigateway.models", "APIGatewayBackend.delete_resource", ("self", "function_id", "resource_id")),
    ("moto.apigateway.models", "APIGatewayBackend.get_resource", ("self", "function_id", "resource_id")),
    ("moto.apigateway.models", "APIGatewayBackend.get_stage", ("self", "function_id", "stage_name")),
    ("moto.apigateway.models", "Resource.delete_method", ("self", "method_type")),
    ("moto.apigatewayv2.models", "Api.delete_route", ("self", "route_id")),
    ("moto.apigatewayv2.models", "Api.delete_integration", ("self", "integration_id")),
    ("moto.core.exceptions", "ServiceException", None),
    (
        "moto.awslambda.models",
        "LambdaFunction.create_from_cloudformation_json",
        ("resource_name", "cloudformation_json", "account_id", "region_name"),
    ),
    (
        "moto.awslambda.models",
        "LayerVersion.update_from_cloudformation_json",
        ("original_resource", "new_resource_name", "cloudformation_json", "account_id", "region_name"),
    ),
    (
        "moto.awslambda.models",
        "LayerVersion.create_from_cloudformation_json",
        ("resource_name", "cloudformation_json", "account_id", "region_name"),
    ),
    ("moto.awslambda.models", "LambdaBackend.list_functions", ("self",)),
    (
        "moto.dynamodb.models.table",
        "Table.create_from_cloudformation_json",
        ("resource_name", "cloudformation_json"),
    ),
    (
        "moto.awslambda.models",
        "LambdaBackend.send_dynamodb_items",
        ("self", "function_arn", "items", "source"),
    ),
    ("moto.awslambda.models", "LambdaBackend.create_event_source_mapping", ("self", "spec")),
    ("moto.awslambda.models", "LambdaBackend.layers_versions_by_arn", ("self", "layer_version_arn")),
    ("moto.awslambda.models", "LambdaFunction._get_layers_data", ("self", "layers_versions_arns")),
    ("moto.awslambda.models", "LambdaFunction._invoke_lambda", ("self", "event")),
    ("moto.awslambda.utils", "get_backend", ("account_id", "region")),
    ("moto.s3.notifications", "_invoke_awslambda", ("account_id", "event_body", "fn_arn", "region_name")),
    ("moto.s3.notifications", "quote_plus", None),
    (
        "moto.sns.models",
        "Subscription.publish",
        (
            "self",
            "message",
            "message_id",
            "subject",
            "message_attributes",
            "group_id",
            "deduplication_id",
            "message_structure",
        ),
    ),
    ("moto.sns.models", "Subscription._parse_message_structure", ("self", "message", "protocol")),
    ("moto.events.models", "Rule.send_to_targets", ("self", "original_event", "transform_input")),
    ("moto.events.utils", "EventTemplateParser.parse", ("input_template", "input_paths_map", "event")),
    (
        "moto.sqs.models",
        "SQSBackend.receive_message",
        (
            "self",
            "queue_name",
            "count",
            "wait_seconds_timeout",
            "visibility_timeout",
            "message_attribute_names",
        ),
    ),
    ("moto.sqs.models", "SQSBackend.get_queue", ("self", "queue_name")),
    ("moto.moto_server.threaded_moto_server", "ThreadedMotoServer", None),
    ("moto.moto_api._internal.models", "moto_api_backend", None),
    ("moto.moto_server.threaded_moto_server", "ThreadedMotoServer.start", ("self",)),
    ("moto.iam.models", "IAMBackend.get_role_by_arn", ("self", "arn")),
    ("moto.iam.models", "Role.__init__", None),
    ("moto.core.exceptions", "JsonRESTError", None),
    # Step Functions (.stepfunctions): where the interpreter's calls go, how it waits and parses.
    ("moto.stepfunctions.parser.asl.utils.boto_client", "boto_client_for", _CLIENT_PARAMETERS),
    *((module, "boto_client_for", _CLIENT_PARAMETERS) for module in _SFN_CLIENT_MODULES),
    ("moto.stepfunctions.parser.asl.utils.json_path", "extract_json", ("path", "data")),
    *((module, "extract_json", ("path", "data")) for module in _SFN_JSON_PATH_MODULES),
    ("moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials", "StateCredentials", None),
    ("moto.stepfunctions.parser.asl.parse.asl_parser", "AmazonStateLanguageParser.parse", ("definition",)),
    (
        "moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function",
        "WaitFunction._wait_interval",
        ("self", "env", "wait_seconds"),
    ),
    ("moto.stepfunctions.parser.asl.component.common.retry.retrier_decl", "time", None),
    (
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback",
        "_DELAY_SECONDS_SYNC_CONDITION_CHECK",
        None,
    ),
    *(
        (_SFN_SERVICE, f"StateTaskService.{name}", parameters)
        for name, parameters in (
            ("_normalise_parameters", ("self", "parameters", "boto_service_name", "service_action_name")),
            ("_normalise_response", ("self", "response", "boto_service_name", "service_action_name")),
            ("_to_boto_request", ("self", "parameters", "structure_shape")),
            ("_from_boto_response", ("self", "response", "structure_shape")),
            ("_get_boto_service_name", ("self", "boto_service_name")),
            ("_get_boto_service_action", ("self", "service_action_name")),
        )
    ),
    ("moto.stepfunctions.parser.utils", "camel_to_snake_case", ("string",)),
    # Replaced (stepfunctions._refuse_api_gateway_invoke): moto's apigateway:invoke sends its request,
    # with `requests`, to the ApiEndpoint of the definition, which may be a real API. Only the
    # parameters both moto 5.2.5 (then `task_credentials`) and 5.2.6 (`state_credentials`) share.
    (
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_api_gateway",
        "StateTaskServiceApiGateway._eval_service_task",
        ("self", "env", "resource_runtime_part", "normalised_parameters"),
    ),
    (
        "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
        "ResourceEvalS3._handle_list_objects_v2",
        ("env", "resource_runtime_part", "state_credentials"),
    ),
    (
        "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
        "ResourceEvalS3._get_s3_client",
        ("resource_runtime_part", "state_credentials"),
    ),
)


# Names the local cloud adds to moto's classes: if moto grows its own, the patch must be checked.
ADDED: tuple[tuple[str, str], ...] = (("moto.awslambda.models", "LayerVersion.physical_resource_id"),)


@dataclass(frozen=True)
class ContractProblem:
    name: str
    problem: str

    def __str__(self) -> str:
        return f"{self.name}: {self.problem}"


def check_contract() -> list[ContractProblem]:
    """Every moto name the local cloud patches or reads, with the parameters it relies on: what is
    missing or changed. Empty when this moto is one the local cloud works with."""
    from .stepfunctions import unrouted_modules

    problems = [
        ContractProblem(module, "not patched: add it to stepfunctions.CLIENT_MODULES or JSON_PATH_MODULES")
        for module in unrouted_modules()
    ]
    for module_name, attribute in ADDED:
        owner_name, _, name = attribute.rpartition(".")
        cls = getattr(importlib.import_module(module_name), owner_name, None)
        if cls is None:
            problems.append(ContractProblem(f"{module_name}.{owner_name}", "missing"))
        elif name in vars(cls):
            problems.append(ContractProblem(f"{module_name}.{attribute}", "now defined by moto itself"))
    for module_name, attribute, parameters in PATCHED:
        name = f"{module_name}.{attribute}"
        try:
            owner: Any = importlib.import_module(module_name)
            for part in attribute.split("."):
                owner = getattr(owner, part)
        except (ImportError, AttributeError) as exc:
            problems.append(ContractProblem(name, f"missing ({exc})"))
            continue
        if parameters is None:
            continue
        try:
            found = tuple(inspect.signature(owner).parameters)
        except (TypeError, ValueError):
            problems.append(ContractProblem(name, "no longer a function"))
            continue
        if found[: len(parameters)] != parameters:
            problems.append(ContractProblem(name, f"parameters are {found}, expected {parameters} first"))
    return problems
