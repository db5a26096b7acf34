"""Every moto name the local cloud replaces, reads or adds, with the parameters it relies on: one
place to check when moto changes (``tests/e2e/test_moto_contract.py`` runs :func:`check_contract`).

The patch registry (:mod:`.patching`) replaces only names of :data:`PATCHED` and adds only those of
:data:`ADDED`; :func:`~serverless_patterns.local.moto_adapter.read` gives only names of
:data:`PATCHED` and :data:`READ`. moto is pinned to the minor versions these were checked against
(``pyproject.toml``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ADDED",
    "CLIENT_MODULES",
    "JSON_PATH_MODULES",
    "PATCHED",
    "READ",
    "ContractProblem",
    "check_contract",
    "listed",
    "unrouted_modules",
]

Entry = tuple[str, str, tuple[str, ...] | None]
"""(module, attribute path, the parameters relied on first, or None when not a callable's signature)."""

# Every module of moto's Step Functions parser that makes AWS calls with ``boto_client_for``
# (imported by name, so each module's reference is replaced). :func:`unrouted_modules` checks that
# no other module uses it.
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

_CLIENT_PARAMETERS = ("region", "service", "state_credentials")
_SFN = "moto.stepfunctions.parser"
_SFN_SERVICE = f"{_SFN}.asl.component.state.exec.state_task.service.state_task_service"
_SFN_READER = f"{_SFN}.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3"
_FROM_CFN = ("resource_name", "cloudformation_json", "account_id", "region_name")
_UPDATE_FROM_CFN = (
    "original_resource",
    "new_resource_name",
    "cloudformation_json",
    "account_id",
    "region_name",
)

# Names the local cloud replaces while it runs (services/*.py), each with what its replacement relies on.
PATCHED: tuple[Entry, ...] = (
    # Where moto's own callers (custom resource responses, Step Functions tasks) reach the server.
    ("moto.settings", "moto_server_port", ()),
    ("moto.settings", "moto_server_host", ()),
    (f"{_SFN}.asl.utils.boto_client", "moto_server_port", ()),
    # Step Functions (services/stepfunctions.py).
    ("moto.stepfunctions.models", "stepfunctions_backends", None),
    # (the API's responses read the name they imported, whenever they were first imported)
    ("moto.stepfunctions.responses", "stepfunctions_backends", None),
    ("moto.core.config", "default_user_config", None),
    (f"{_SFN}.models", "StepFunctionsParserBackend.start_execution", ("self", "state_machine_arn", "name")),
    (f"{_SFN}.asl.utils.boto_client", "boto_client_for", _CLIENT_PARAMETERS),
    *((module, "boto_client_for", _CLIENT_PARAMETERS) for module in CLIENT_MODULES),
    (f"{_SFN}.asl.utils.json_path", "extract_json", ("path", "data")),
    *((module, "extract_json", ("path", "data")) for module in JSON_PATH_MODULES),
    (f"{_SFN}.asl.parse.asl_parser", "AmazonStateLanguageParser.parse", ("definition",)),
    (
        f"{_SFN}.asl.component.state.wait.wait_function.wait_function",
        "WaitFunction._wait_interval",
        ("self", "env", "wait_seconds"),
    ),
    (f"{_SFN}.asl.component.common.retry.retrier_decl", "time", None),
    (
        f"{_SFN}.asl.component.state.exec.state_task.service.state_task_service_callback",
        "_DELAY_SECONDS_SYNC_CONDITION_CHECK",
        None,
    ),
    (
        _SFN_SERVICE,
        "StateTaskService._normalise_parameters",
        ("self", "parameters", "boto_service_name", "service_action_name"),
    ),
    (
        _SFN_SERVICE,
        "StateTaskService._normalise_response",
        ("self", "response", "boto_service_name", "service_action_name"),
    ),
    # moto's apigateway:invoke sends its request, with `requests`, to the ApiEndpoint of the
    # definition, which may be a real API. Only the parameters both moto 5.2.5 (then
    # `task_credentials`) and 5.2.6 (`state_credentials`) share.
    (
        f"{_SFN_SERVICE}_api_gateway",
        "StateTaskServiceApiGateway._eval_service_task",
        ("self", "env", "resource_runtime_part", "normalised_parameters"),
    ),
    (
        _SFN_READER,
        "ResourceEvalS3._handle_list_objects_v2",
        ("env", "resource_runtime_part", "state_credentials"),
    ),
    # CloudWatch (services/cloudwatch.py): metric reads answered from the local metrics.
    ("moto.cloudwatch.responses", "CloudWatchResponse.get_metric_data", ("self",)),
    ("moto.cloudwatch.responses", "CloudWatchResponse.get_metric_statistics", ("self",)),
    # SQS (services/sqs.py): messages sent, received and deleted are counted.
    ("moto.sqs.models", "SQSBackend.send_message", ("self", "queue_name", "message_body")),
    (
        "moto.sqs.models",
        "SQSBackend.receive_message",
        ("self", "queue_name", "count", "wait_seconds_timeout", "visibility_timeout"),
    ),
    ("moto.sqs.models", "SQSBackend.delete_message", ("self", "queue_name", "receipt_handle")),
    # moto's slow paths made fast (speedups.py): SQS counts, deletion, retention check, attribute
    # names and receipt handles (services/sqs.py); the server's list of moto's folders (services/server.py).
    ("moto.sqs.models", "Queue.messages", None),
    ("moto.sqs.models", "Queue.approximate_number_of_messages", None),
    ("moto.sqs.models", "Queue.approximate_number_of_messages_delayed", None),
    ("moto.sqs.models", "Queue.approximate_number_of_messages_not_visible", None),
    ("moto.sqs.models", "Queue.delete_message", ("self", "receipt_handle")),
    (
        "moto.sqs.models",
        "SQSBackend.is_message_valid_based_on_retention_period",
        ("self", "queue_name", "message"),
    ),
    ("moto.sqs.models", "camelcase_to_underscores", ("argument",)),
    ("moto.sqs.models", "generate_receipt_handle", ()),
    ("moto.backends", "list_of_moto_modules", ()),
    # CloudFormation (services/cloudformation.py).
    ("moto.cloudformation.parsing", "resource_class_from_type", ("resource_type",)),
    (
        "moto.cloudformation.parsing",
        "parse_and_create_resource",
        ("logical_id", "resource_json", "resources_map", "account_id", "region_name"),
    ),
    (
        "moto.cloudformation.models",
        "CloudFormationBackend._resolve_update_parameters",
        ("self", "instance", "incoming_params"),
    ),
    ("moto.cloudformation.models", "CloudFormationBackend.create_stack", ("self", "name", "template")),
    ("moto.cloudformation.models", "CloudFormationBackend.update_stack", ("self", "name", "template")),
    ("moto.cloudformation.parsing", "ResourceMap.update", ("self", "template", "parameters")),
    ("moto.cloudformation.models", "Stack.update", ("self", "template", "role_arn", "parameters", "tags")),
    # Lambda (services/lambda_.py) and SQS (services/sqs.py).
    ("moto.awslambda.models", "LambdaFunction.update_from_cloudformation_json", _UPDATE_FROM_CFN),
    ("moto.awslambda.models", "LayerVersion.update_from_cloudformation_json", _UPDATE_FROM_CFN),
    ("moto.awslambda.models", "LambdaFunction.create_from_cloudformation_json", _FROM_CFN),
    ("moto.awslambda.models", "LambdaFunction._get_layers_data", ("self", "layers_versions_arns")),
    ("moto.awslambda.models", "LambdaFunction._invoke_lambda", ("self", "event")),
    (
        "moto.awslambda.models",
        "LambdaBackend.invoke",
        ("self", "function_name", "qualifier", "body", "headers", "response_headers"),
    ),
    (
        "moto.awslambda.models",
        "LambdaBackend.send_dynamodb_items",
        ("self", "function_arn", "items", "source"),
    ),
    ("moto.awslambda.models", "LambdaBackend.create_event_source_mapping", ("self", "spec")),
    # S3 (services/s3.py), SNS (services/sns.py), EventBridge (services/eventbridge.py).
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
    ("moto.events.models", "Rule.send_to_targets", ("self", "original_event", "transform_input")),
)

# Names the local cloud reads (calls, subclasses, or whose objects' attributes it reads).
READ: tuple[Entry, ...] = (
    ("moto.core.common_models", "CloudFormationModel", None),
    ("moto.core.exceptions", "ServiceException", None),
    # CloudWatch alarms (services/cloudwatch.py) and CodeDeploy's alias shifts (services/codedeploy.py).
    ("moto.core.responses", "ActionResult", None),
    ("moto.core.responses", "BaseResponse._get_param", ("self", "param_name")),
    ("moto.core.responses", "BaseResponse._get_params", ("self",)),
    ("moto.cloudwatch.models", "cloudwatch_backends", None),
    (
        "moto.cloudwatch.models",
        "CloudWatchBackend.put_metric_alarm",
        ("self", "name", "namespace", "metric_name", "comparison_operator", "evaluation_periods", "period"),
    ),
    ("moto.cloudwatch.models", "Alarm.update_state", ("self", "reason", "reason_data", "state_value")),
    ("moto.sns.models", "Topic.publish", ("self", "message", "subject")),
    (
        "moto.awslambda.models",
        "LambdaBackend.update_alias",
        ("self", "name", "function_name", "function_version", "description", "routing_config"),
    ),
    ("moto.awslambda.models", "LambdaBackend.get_alias", ("self", "name", "function_name")),
    ("moto.core.exceptions", "JsonRESTError", None),
    ("moto.core.utils", "unix_time", ("dt",)),
    ("moto.moto_server.threaded_moto_server", "ThreadedMotoServer", None),
    ("moto.moto_server.threaded_moto_server", "ThreadedMotoServer.start", ("self",)),
    ("moto.moto_api._internal.models", "moto_api_backend", None),
    # Backends, by service.
    ("moto.awslambda.utils", "get_backend", ("account_id", "region")),
    ("moto.sqs.models", "sqs_backends", None),
    ("moto.sns.models", "sns_backends", None),
    ("moto.s3.models", "s3_backends", None),
    ("moto.dynamodb.models", "dynamodb_backends", None),
    ("moto.apigateway.models", "apigateway_backends", None),
    ("moto.apigatewayv2.models", "apigatewayv2_backends", None),
    ("moto.iam.models", "iam_backends", None),
    ("moto.cloudformation.models", "cloudformation_backends", None),
    ("moto.scheduler.models", "scheduler_backends", None),
    ("moto.secretsmanager.models", "secretsmanager_backends", None),
    ("moto.secretsmanager.models", "SecretsStore.get", ("self", "key")),
    (f"{_SFN}.models", "stepfunctions_parser_backends", None),
    # CloudFormation: what the local models and stack updates (stack_update.py) use.
    ("moto.cloudformation.parsing", "get_model_map", ()),
    ("moto.cloudformation.parsing", "NULL_MODELS", None),
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
    ("moto.cloudformation.exceptions", "ValidationError", None),
    ("moto.cloudformation.custom_model", "CustomModel", None),
    ("moto.stepfunctions.models", "StateMachine", None),
    ("moto.apigateway.models", "Method", None),
    # Lambda, DynamoDB, API Gateway, SNS, SQS, EventBridge, IAM: what the models and delivery call.
    ("moto.awslambda.models", "LambdaFunction.update_configuration", ("self", "config_updates")),
    ("moto.awslambda.models", "LambdaFunction.update_function_code", ("self", "updated_spec")),
    ("moto.awslambda.models", "LayerVersion.create_from_cloudformation_json", _FROM_CFN),
    ("moto.awslambda.models", "LambdaBackend.list_functions", ("self",)),
    ("moto.awslambda.models", "LambdaBackend.layers_versions_by_arn", ("self", "layer_version_arn")),
    ("moto.awslambda.policy", "Policy.add_statement", ("self", "raw")),
    (
        "moto.dynamodb.models.table",
        "Table.create_from_cloudformation_json",
        ("resource_name", "cloudformation_json"),
    ),
    ("moto.apigateway.models", "APIGatewayBackend.delete_resource", ("self", "function_id", "resource_id")),
    ("moto.apigateway.models", "APIGatewayBackend.get_resource", ("self", "function_id", "resource_id")),
    ("moto.apigateway.models", "APIGatewayBackend.get_stage", ("self", "function_id", "stage_name")),
    ("moto.apigateway.models", "Resource.delete_method", ("self", "method_type")),
    # REST methods' validators, models and AWS integrations (local/resources.py, local/integrations.py).
    (
        "moto.apigateway.models",
        "APIGatewayBackend.put_method",
        (
            "self",
            "function_id",
            "resource_id",
            "method_type",
            "authorization_type",
            "api_key_required",
            "request_parameters",
            "request_models",
            "operation_name",
            "authorizer_id",
            "authorization_scopes",
            "request_validator_id",
        ),
    ),
    (
        "moto.apigateway.models",
        "APIGatewayBackend.put_integration_response",
        (
            "self",
            "function_id",
            "resource_id",
            "method_type",
            "status_code",
            "selection_pattern",
            "response_templates",
            "response_parameters",
        ),
    ),
    (
        "moto.apigateway.models",
        "APIGatewayBackend.create_request_validator",
        ("self", "restapi_id", "name", "body", "params"),
    ),
    (
        "moto.apigateway.models",
        "APIGatewayBackend.delete_request_validator",
        ("self", "restapi_id", "validator_id"),
    ),
    (
        "moto.apigateway.models",
        "APIGatewayBackend.create_model",
        ("self", "rest_api_id", "name", "content_type", "description", "schema"),
    ),
    ("moto.apigateway.models", "APIGatewayBackend.delete_model", ("self", "rest_api_id", "model_name")),
    ("moto.apigateway.models", "RequestValidator.__init__", ("self", "_id", "name", "validateRequestBody")),
    ("moto.apigateway.models", "Integration.__init__", ("self", "integration_type", "uri", "http_method")),
    ("moto.apigatewayv2.models", "Api.delete_route", ("self", "route_id")),
    ("moto.apigatewayv2.models", "Api.delete_integration", ("self", "integration_id")),
    ("moto.sns.models", "Subscription._parse_message_structure", ("self", "message", "protocol")),
    ("moto.events.models", "EventPattern.load", ("raw_pattern",)),
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
    ("moto.sqs.models", "unix_time_millis", ("dt",)),
    ("moto.sqs.exceptions", "ReceiptHandleIsInvalid", None),
    ("moto.moto_api._internal", "mock_random", None),
    ("moto.iam.models", "IAMBackend.get_role_by_arn", ("self", "arn")),
    # Who signed a request to an IAM-authorized API, and what a user pool issued (identities.py).
    ("moto.iam.models", "IAMBackend.get_user", ("self", "name")),
    ("moto.iam.models", "IAMBackend.get_groups_for_user", ("self", "user_name")),
    ("moto.sts.models", "sts_backends", None),
    ("moto.sts.models", "STSBackend.get_assumed_role_from_access_key", ("self", "access_key_id")),
    ("moto.cognitoidp.models", "cognitoidp_backends", None),
    (
        "moto.cognitoidp.models",
        "CognitoIdpBackend.create_user_pool_client",
        ("self", "user_pool_id", "generate_secret", "extended_config"),
    ),
    ("moto.cognitoidp.models", "CognitoIdpBackend.create_user_pool", ("self", "name", "extended_config")),
    ("moto.iam.models", "Role.__init__", None),
    # EventBridge Scheduler (services/scheduler.py): moto has its backend, not its CloudFormation
    # model; the local models create schedules there, and the clock reads what a schedule stores.
    ("moto.scheduler.models", "EventBridgeSchedulerBackend.create_schedule_group", ("self", "name", "tags")),
    ("moto.scheduler.models", "EventBridgeSchedulerBackend.delete_schedule_group", ("self", "name")),
    (
        "moto.scheduler.models",
        "EventBridgeSchedulerBackend.create_schedule",
        (
            "self",
            "description",
            "end_date",
            "flexible_time_window",
            "group_name",
            "kms_key_arn",
            "name",
            "schedule_expression",
            "schedule_expression_timezone",
            "start_date",
            "state",
            "target",
            "action_after_completion",
        ),
    ),
    ("moto.scheduler.models", "EventBridgeSchedulerBackend.get_schedule", ("self", "group_name", "name")),
    ("moto.scheduler.models", "EventBridgeSchedulerBackend.delete_schedule", ("self", "group_name", "name")),
    ("moto.scheduler.models", "EventBridgeSchedulerBackend.list_schedules", ("self", "group_names", "state")),
    (
        "moto.scheduler.models",
        "Schedule.__init__",
        (
            "self",
            "region",
            "account_id",
            "group_name",
            "name",
            "description",
            "schedule_expression",
            "schedule_expression_timezone",
            "flexible_time_window",
            "target",
            "state",
            "kms_key_arn",
            "start_date",
            "end_date",
        ),
    ),
    # Step Functions: what the replaced task methods and the S3 item reader call.
    (f"{_SFN}.asl.component.state.exec.state_task.credentials", "StateCredentials", None),
    *(
        (_SFN_SERVICE, f"StateTaskService.{name}", parameters)
        for name, parameters in (
            ("_to_boto_request", ("self", "parameters", "structure_shape")),
            ("_from_boto_response", ("self", "response", "structure_shape")),
            ("_get_boto_service_name", ("self", "boto_service_name")),
            ("_get_boto_service_action", ("self", "service_action_name")),
        )
    ),
    (f"{_SFN}.utils", "camel_to_snake_case", ("string",)),
    (_SFN_READER, "ResourceEvalS3._get_s3_client", ("resource_runtime_part", "state_credentials")),
)

# Names the local cloud adds to moto's classes: if moto grows its own, the addition must be checked.
ADDED: tuple[tuple[str, str], ...] = (
    ("moto.awslambda.models", "LayerVersion.physical_resource_id"),
    # DescribeAlarmHistory (services/cloudwatch.py) and a traffic hook's status call
    # (services/codedeploy.py), which moto does not serve.
    ("moto.cloudwatch.responses", "CloudWatchResponse.describe_alarm_history"),
    ("moto.codedeploy.responses", "CodeDeployResponse.put_lifecycle_event_hook_execution_status"),
)

_LISTED = frozenset((m, a) for m, a, _ in (*PATCHED, *READ))


def listed(module: str, attribute: str) -> bool:
    """Whether ``module.attribute`` is in :data:`PATCHED` or :data:`READ`."""
    return (module, attribute) in _LISTED


@dataclass(frozen=True)
class ContractProblem:
    name: str
    problem: str

    def __str__(self) -> str:
        return f"{self.name}: {self.problem}"


def check_contract() -> list[ContractProblem]:
    """Every moto name the local cloud patches or reads, with the parameters it relies on: what is
    missing or changed. Empty when this moto is one the local cloud works with."""
    problems = [
        ContractProblem(module, "not patched: add it to CLIENT_MODULES or JSON_PATH_MODULES")
        for module in unrouted_modules()
    ]
    for module_name, attribute in ADDED:
        owner_name, _, name = attribute.rpartition(".")
        cls = getattr(importlib.import_module(module_name), owner_name, None)
        if cls is None:
            problems.append(ContractProblem(f"{module_name}.{owner_name}", "missing"))
        elif name in vars(cls):
            problems.append(ContractProblem(f"{module_name}.{attribute}", "now defined by moto itself"))
    for module_name, attribute, parameters in (*PATCHED, *READ):
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


def unrouted_modules() -> list[str]:
    """Modules of moto's Step Functions parser that use ``boto_client_for`` or ``extract_json`` but
    are not listed in :data:`CLIENT_MODULES` or :data:`JSON_PATH_MODULES` (so would miss the local
    version): empty when every user is patched."""
    spec = importlib.util.find_spec(_SFN)
    if spec is None or not spec.submodule_search_locations:
        return [f"{_SFN} (missing)"]
    root = Path(next(iter(spec.submodule_search_locations)))
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        module = ".".join((_SFN, *path.relative_to(root).with_suffix("").parts))
        for name, (home, users) in _HOMES.items():
            if re.search(rf"\b{name}\b", text) and module != home and module not in users:
                found.append(f"{module} ({name})")
    return found
