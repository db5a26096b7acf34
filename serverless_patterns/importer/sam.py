"""The SAM reader of ``serverless-patterns import``: an AWS SAM template (YAML with CloudFormation's
short-form tags, or JSON) read into an :class:`~serverless_patterns.importer.model.ImportedApp`.

What SAM itself resolves is resolved here: ``Globals`` merged under each resource, parameters with a
``Default`` substituted, the policy templates expanded into the statements SAM writes, a
``SimpleTable`` translated into its DynamoDB table, a state machine's ``DefinitionUri`` read. The
rest stays as the template says, intrinsic functions as their long-form dicts, and every element
the reader leaves out or changes gets a note. Elements are named ``Resources.<Id>``,
``Resources.<Id>.<Property>`` and ``Resources.<Id>.Events.<Event>`` (without ``Properties``),
``Globals.<Section>``, ``Parameters.<Name>``, ``Conditions.<Name>``.

Two additions to the normalised trigger props of :class:`~serverless_patterns.importer.model.Trigger`:
a route (``http``, ``httpApi``) has ``api``, the logical ID of its ``RestApiId``/``ApiId`` (None for
SAM's implicit API); a trigger of kind ``other`` has ``type`` (the SAM event type) and
``properties``. A state machine's ``Resource.properties`` hold ``Statements`` (its ``Policies``
expanded) and ``Triggers`` (its ``Events``, as :class:`Trigger`) in place of ``Policies`` and
``Events``, and ``Definition`` in place of ``DefinitionUri``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from serverless_patterns.importer.model import (
    EventKind,
    Function,
    ImportedApp,
    Resource,
    Status,
    Trigger,
)
from serverless_patterns.importer.yaml_files import load_file

__all__ = ["read_sam"]

_TRANSFORM = "AWS::Serverless-2016-10-31"
_SERVERLESS = "AWS::Serverless::"
_STAGE_PARAMETERS = ("stage", "stagename", "environment", "env", "environmentname")
_NOT_READ = (Status.NOT_MAPPED, "", "not read by the importer")


def read_sam(path: Path, *, stage: str | None = None) -> ImportedApp:
    """The SAM template at ``path`` as an :class:`ImportedApp`.

    ``stage`` is the value of the template's stage parameter (``Stage``, ``StageName``,
    ``Environment``, ``Env``), in place of its default. Raises ``ValueError`` naming ``path`` when the
    file cannot be read or parsed, or is not a SAM template.
    """
    template = _load(path, str(path))
    _check(path, template)
    app = ImportedApp(name=path.stem, tool="sam", source=path.name, region=None, stage=stage)
    values = _parameters(app, template.get("Parameters"), stage)
    if stage is None:
        app.stage = next((str(v) for k, v in values.items() if k.lower() in _STAGE_PARAMETERS), None)
    template = {key: _substitute(value, values) for key, value in template.items() if key != "Parameters"}
    resources = _mapping(template.get("Resources"))
    _template_notes(app, template)
    reader = _Reader(app, path.parent, _globals(app, template.get("Globals")), {})
    reader.apis.update(_apis(reader, resources))
    for logical_id, resource in resources.items():
        _read_resource(reader, str(logical_id), resource)
    app.outputs = dict(_mapping(template.get("Outputs")))
    return app


# --------------------------------------------------------------------------------------------- load
def _load(path: Path, name: str) -> Any:
    """The parsed file (JSON for ``.json``, else YAML with CloudFormation's short-form tags in their
    long form, :func:`~serverless_patterns.importer.yaml_files.load_file`), or the ``ValueError``
    saying why not; ``name`` is how it names the file."""
    try:
        return load_file(path)
    except OSError as error:
        raise ValueError(f"{name}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{name}: cannot be read (not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{name}: not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ValueError(f"{name}: not YAML: {getattr(error, 'problem', None) or error}{at}") from None


def _check(path: Path, template: Any) -> dict[str, Any]:
    """The template's resources, or the ``ValueError`` saying why it is not a SAM template."""
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ValueError(f"{path}: not a SAM template: expected a mapping with Resources")
    resources: dict[str, Any] = template["Resources"]
    transform = template.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    serverless = any(str(_mapping(r).get("Type", "")).startswith(_SERVERLESS) for r in resources.values())
    if _TRANSFORM not in transforms and not serverless:
        raise ValueError(
            f"{path}: not a SAM template: no Transform {_TRANSFORM} and no AWS::Serverless:: resource"
        )
    return resources


# -------------------------------------------------------------------------------------- shape helpers
def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _intrinsic(value: Any) -> bool:
    """Whether ``value`` is an intrinsic function or a ``Ref``/``Condition``."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _target(value: Any) -> str | None:
    """The logical ID ``value`` refers to (``{"Ref": X}``, ``{"Fn::GetAtt": [X, ...]}``), or None."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "Ref" and isinstance(inner, str):
            return inner
        if key == "Fn::GetAtt" and isinstance(inner, list) and inner and isinstance(inner[0], str):
            return inner[0]
    return None


# -------------------------------------------------------------------------------------- parameters
def _typed(kind: str, default: Any) -> Any:
    """A parameter's default as a ``Ref`` to it resolves: a number, a list, or a string."""
    if kind == "Number" and isinstance(default, str):
        try:
            return int(default)
        except ValueError:
            try:
                return float(default)
            except ValueError:
                return default
    if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(default, str):
        return [item.strip() for item in default.split(",")]
    if kind == "String" and isinstance(default, bool):
        return "true" if default else "false"
    if kind == "String" and isinstance(default, int | float):
        return str(default)
    return default


def _parameters(app: ImportedApp, parameters: Any, stage: str | None) -> dict[str, Any]:
    """The value each parameter's ``Ref`` is replaced with: the stage, or the ``Default``."""
    values: dict[str, Any] = {}
    for name, spec in _mapping(parameters).items():
        element = f"Parameters.{name}"
        kind = str(_mapping(spec).get("Type", "String"))
        if stage is not None and str(name).lower() in _STAGE_PARAMETERS:
            values[name] = stage
            app.note(element, Status.APPROXIMATED, f"the stage {stage!r}", "substituted where referenced")
        elif kind.startswith("AWS::SSM::Parameter::Value"):
            app.note(
                element,
                Status.NOT_MAPPED,
                "",
                "resolved from Parameter Store at deploy time: its Refs stay as they are",
            )
        elif "Default" in _mapping(spec):
            values[name] = _typed(kind, spec["Default"])
            app.note(
                element,
                Status.APPROXIMATED,
                f"its Default {values[name]!r}",
                "substituted where referenced: a deploy-time parameter becomes a value of the app",
            )
        else:
            app.note(element, Status.NOT_MAPPED, "", "no Default to substitute: its Refs stay as they are")
    return values


_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def _substitute(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with every ``Ref`` to a parameter in ``values``, and every ``${Parameter}`` of a
    ``Fn::Sub``, replaced by its value."""
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key == "Ref" and isinstance(inner, str) and inner in values:
            return values[inner]
        if key == "Fn::Sub":
            return _substitute_sub(inner, values)
    return {key: _substitute(item, values) for key, item in value.items()}


def _substitute_sub(inner: Any, values: dict[str, Any]) -> Any:
    """A ``Fn::Sub`` with the parameters it names replaced; a plain string once nothing is left to
    substitute."""
    if isinstance(inner, str):
        text, variables = inner, {}
    elif (
        isinstance(inner, list)
        and len(inner) == 2
        and isinstance(inner[0], str)
        and isinstance(inner[1], dict)
    ):
        text, variables = inner[0], _substitute(inner[1], values)
    else:
        return {"Fn::Sub": _substitute(inner, values)}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if name in variables or not isinstance(value, str | int | float) or isinstance(value, bool):
            return match.group(0)
        return str(value)

    text = _SUB_VARIABLE.sub(replace, text)
    if "${" not in text:
        return text
    return {"Fn::Sub": [text, variables] if isinstance(inner, list) else text}


# ------------------------------------------------------------------------- template-level sections
def _template_notes(app: ImportedApp, template: dict[str, Any]) -> None:
    """Notes on the sections the model has no place for: other transforms, conditions, mappings."""
    transform = template.get("Transform")
    for other in transform if isinstance(transform, list) else [transform]:
        if other not in (None, _TRANSFORM):
            app.note("Transform", Status.NOT_MAPPED, "", f"{other!r} is not applied by the importer")
    for name in _mapping(template.get("Conditions")):
        app.note(
            f"Conditions.{name}",
            Status.NOT_MAPPED,
            "",
            "conditions are not evaluated: the resources and Fn::If that use it stay as they are",
        )
    if _mapping(template.get("Mappings")):
        app.note("Mappings", Status.NOT_MAPPED, "", "not evaluated: Fn::FindInMap stays as it is")


_GLOBAL_SECTIONS = ("Function", "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion")


def _globals(app: ImportedApp, globals_: Any) -> dict[str, dict[str, Any]]:
    sections = {key: _mapping(value) for key, value in _mapping(globals_).items()}
    for key in sections:
        if key not in _GLOBAL_SECTIONS:
            app.note(f"Globals.{key}", Status.NOT_MAPPED, "", "not a section SAM applies")
    return sections


def _merge(global_value: Any, local_value: Any) -> Any:
    """SAM's merge of a ``Globals`` value under a resource's own: mappings merged key by key, lists
    appended to, anything else (and any intrinsic function) replaced by the resource's."""
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and not _intrinsic(global_value)
        and not _intrinsic(local_value)
    ):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


# ------------------------------------------------------------------------------------------- notes
_REASONS: dict[str, tuple[Status, str, str]] = {
    "DeadLetterQueue": (
        Status.NOT_MAPPED,
        "",
        "the patterns give every asynchronous edge its own dead-letter queue",
    ),
    "Role": (
        Status.NOT_MAPPED,
        "",
        "the patterns make one role per function: this role's permissions are not read; "
        "give them as Policies statements",
    ),
    "Tracing": (
        Status.APPROXIMATED,
        "X-Ray tracing",
        "the patterns turn X-Ray tracing on for every function",
    ),
    "AutoPublishAlias": (
        Status.APPROXIMATED,
        "a live alias",
        "the patterns publish every function version behind a live alias",
    ),
    "FunctionName": (Status.NOT_MAPPED, "", "the patterns give no physical names"),
    "EventInvokeConfig": (
        Status.NOT_MAPPED,
        "",
        "the patterns set the retries and the failure destination of asynchronous invocations",
    ),
    "DestinationConfig": (
        Status.NOT_MAPPED,
        "",
        "the patterns send failed batches to their own on-failure destination",
    ),
    "MaximumRetryAttempts": (Status.NOT_MAPPED, "", "the patterns set the retries of their event sources"),
    "BisectBatchOnFunctionError": (
        Status.NOT_MAPPED,
        "",
        "the patterns set how their event sources split failing batches",
    ),
}
_RESOURCE_ATTRIBUTES: dict[str, tuple[Status, str]] = {
    "Condition": (Status.APPROXIMATED, "kept unconditionally: conditions are not evaluated"),
    "DeletionPolicy": (Status.NOT_MAPPED, "not carried: give the removal policy in the app"),
    "UpdateReplacePolicy": (Status.NOT_MAPPED, "not carried: give the removal policy in the app"),
    "DependsOn": (Status.NOT_MAPPED, "not carried: the app orders what it references"),
}


def _note_unread(app: ImportedApp, element: str, props: dict[str, Any], keys: tuple[str, ...]) -> None:
    """A note for every property of ``props`` not among ``keys`` (``"Auth.Authorizer"``: a key of a
    nested mapping), with its reason when :data:`_REASONS` knows one."""
    for key, value in props.items():
        nested = [k.split(".", 1)[1] for k in keys if k.startswith(f"{key}.")]
        if nested and isinstance(value, dict):
            unread = [f"{key}.{sub}" for sub in value if sub not in nested]
        else:
            unread = [] if key in keys else [str(key)]
        for name in unread:
            status, became, why = _REASONS.get(name, _NOT_READ)
            app.note(f"{element}.{name}", status, became, why)


def _note_attributes(app: ImportedApp, logical_id: str, resource: dict[str, Any]) -> None:
    for attribute, (status, why) in _RESOURCE_ATTRIBUTES.items():
        if attribute in resource:
            value = resource[attribute]
            became = logical_id if status is Status.APPROXIMATED else ""
            app.note(f"Resources.{logical_id}.{attribute}", status, became, f"{attribute} {value!r} {why}")


# -------------------------------------------------------------------------------------- resources
@dataclass(frozen=True)
class _Api:
    """What an API gives its routes."""

    default: str | None
    authorizers: dict[str, str | None]
    cors: bool
    api_key: bool


_NO_API = _Api(None, {}, False, False)
_IMPLICIT = {EventKind.HTTP: "ServerlessRestApi", EventKind.HTTP_API: "ServerlessHttpApi"}


@dataclass
class _Reader:
    app: ImportedApp
    folder: Path
    globals_: dict[str, dict[str, Any]]
    apis: dict[str, _Api]

    def properties(self, section: str, resource: dict[str, Any]) -> dict[str, Any]:
        """The resource's properties with ``Globals.<section>`` merged under them, but for those its
        ``IgnoreGlobals`` names (``*``: all)."""
        ignored = resource.get("IgnoreGlobals")
        globals_ = self.globals_.get(section, {}) if ignored != "*" else {}
        if isinstance(ignored, list):
            globals_ = {key: value for key, value in globals_.items() if key not in ignored}
        return _mapping(_merge(globals_, _mapping(resource.get("Properties"))))


def _read_resource(reader: _Reader, logical_id: str, resource: Any) -> None:
    app, element = reader.app, f"Resources.{logical_id}"
    if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
        app.note(element, Status.NOT_MAPPED, "", "not a resource: no Type")
        return
    kind: str = resource["Type"]
    _note_attributes(app, logical_id, resource)
    read = _RESOURCE_READERS.get(kind)
    try:
        if read is not None:
            read(reader, logical_id, reader.properties(kind.removeprefix(_SERVERLESS), resource), resource)
        elif kind.startswith(_SERVERLESS):
            app.note(element, Status.NOT_MAPPED, "", f"{kind}: no pattern takes it")
        else:
            app.resources.append(Resource(logical_id, kind, _mapping(resource.get("Properties")), element))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
        app.note(element, Status.NOT_MAPPED, "", f"unexpected shape: {error}")


# -------------------------------------------------------------------------------------- functions
_FUNCTION_KEYS = (
    "CodeUri",
    "Handler",
    "Runtime",
    "MemorySize",
    "Timeout",
    "Environment.Variables",
    "Architectures",
    "Layers",
    "ReservedConcurrentExecutions",
    "Description",
    "DeploymentPreference",
    "Policies",
    "Events",
    "PackageType",
)


def _read_function(reader: _Reader, logical_id: str, props: dict[str, Any], resource: dict[str, Any]) -> None:
    app, element = reader.app, f"Resources.{logical_id}"
    code = _code(app, element, props)
    if code is None:
        return
    runtime = props.get("Runtime")
    if not isinstance(runtime, str):
        app.note(element, Status.NOT_MAPPED, "", f"Runtime must be a string, got {runtime!r}")
        return
    architectures = props.get("Architectures")
    description = props.get("Description")
    function = Function(
        name=logical_id,
        element=element,
        handler=code[1],
        code_dir=code[0],
        runtime=runtime,
        memory_size=_integer(app, f"{element}.MemorySize", props.get("MemorySize")),
        timeout=_integer(app, f"{element}.Timeout", props.get("Timeout")),
        environment=dict(_mapping(_mapping(props.get("Environment")).get("Variables"))),
        architecture=str(architectures[0]) if isinstance(architectures, list) and architectures else None,
        layers=_layers(app, f"{element}.Layers", props.get("Layers")),
        statements=_statements(app, element, props.get("Policies")),
        reserved_concurrency=_integer(
            app, f"{element}.ReservedConcurrentExecutions", props.get("ReservedConcurrentExecutions")
        ),
        deployment=_deployment(app, element, props.get("DeploymentPreference")),
        description=description if isinstance(description, str) else None,
    )
    function.triggers = _triggers(reader, element, props.get("Events"))
    _note_unread(app, element, props, _FUNCTION_KEYS)
    build = _mapping(resource.get("Metadata")).get("BuildMethod")
    if build is not None:
        app.note(
            f"{element}.Metadata.BuildMethod",
            Status.APPROXIMATED,
            "the library's bundling",
            f"sam build's BuildMethod {build!r} is not carried: the library bundles the code directory",
        )
    app.functions.append(function)


def _code(app: ImportedApp, element: str, props: dict[str, Any]) -> tuple[str, str] | None:
    """The function's code directory (relative to the template's) and handler, or None (noted)."""
    if props.get("PackageType") == "Image":
        why = "a container image function (ImageUri, ImageConfig): the patterns build functions from code"
        app.note(element, Status.NOT_MAPPED, "", why)
        return None
    if "InlineCode" in props:
        why = "code inline in the template: move it into a file of a code directory"
        app.note(element, Status.NOT_MAPPED, "", why)
        return None
    uri = props.get("CodeUri", ".")
    if not isinstance(uri, str) or uri.startswith("s3://"):
        why = f"code in S3 ({uri!r}): the patterns build functions from a local code directory"
        app.note(element, Status.NOT_MAPPED, "", why)
        return None
    handler = props.get("Handler")
    if not isinstance(handler, str) or not handler:
        app.note(element, Status.NOT_MAPPED, "", f"Handler must be a string, got {handler!r}")
        return None
    folder, _, handler = handler.rpartition("/")
    return posixpath.normpath(posixpath.join(uri, folder)), handler


def _integer(app: ImportedApp, element: str, value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    app.note(element, Status.APPROXIMATED, "the library's default", f"not a number: {value!r}")
    return None


def _layers(app: ImportedApp, element: str, layers: Any) -> list[Any]:
    if layers is None or isinstance(layers, list):
        return list(layers or [])
    app.note(element, Status.NOT_MAPPED, "", f"not a list of layers: {layers!r}")
    return []


def _deployment(app: ImportedApp, element: str, preference: Any) -> str | None:
    if preference is None:
        return None
    kind = _mapping(preference).get("Type")
    _note_unread(app, f"{element}.DeploymentPreference", _mapping(preference), ("Type", "Enabled"))
    if _mapping(preference).get("Enabled") is False:
        return None
    return kind if isinstance(kind, str) else None


# ---------------------------------------------------------------------------------- policies
@dataclass(frozen=True)
class _Grant:
    """One statement of a policy template: its actions, and its resources (``Fn::Sub`` text, or
    ``*``)."""

    actions: str | tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class _PolicyTemplate:
    parameters: tuple[str, ...]
    """The template's parameters (``TableName``); each fills the ``Fn::Sub`` variable of the same name
    with a lower-case initial (``${tableName}``)."""
    grants: tuple[_Grant, ...]


def _arn(service: str, resource: str) -> str:
    return f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"


_TABLE = (_arn("dynamodb", "table/${tableName}"), _arn("dynamodb", "table/${tableName}/index/*"))
_BUCKET = ("arn:${AWS::Partition}:s3:::${bucketName}", "arn:${AWS::Partition}:s3:::${bucketName}/*")
_QUEUE = (_arn("sqs", "${queueName}"),)
_DYNAMODB_READ = ("GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable")
_DYNAMODB_WRITE = ("PutItem", "UpdateItem", "BatchWriteItem")
_DYNAMODB_CRUD = ("GetItem", "DeleteItem", "PutItem", "Scan", "Query", "UpdateItem", "BatchWriteItem")
_SQS_POLL = ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage", "DeleteMessageBatch")
_S3_READ = ("GetObject", "ListBucket", "GetBucketLocation", "GetObjectVersion")
_KINESIS_READ = ("DescribeStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator")
_COMPREHEND = (
    "BatchDetectKeyPhrases",
    "DetectDominantLanguage",
    "DetectEntities",
    "BatchDetectEntities",
    "DetectKeyPhrases",
    "DetectSentiment",
    "BatchDetectDominantLanguage",
    "BatchDetectSentiment",
)


def _actions(service: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{service}:{name}" for name in names)


def _template(parameters: str, *grants: _Grant) -> _PolicyTemplate:
    return _PolicyTemplate(tuple(parameters.split()), grants)


# The statements of SAM's policy templates (samtranslator/policy_templates_data/policy_templates.json),
# actions in SAM's order.
_POLICY_TEMPLATES: dict[str, _PolicyTemplate] = {
    "DynamoDBCrudPolicy": _template(
        "TableName",
        _Grant(
            _actions("dynamodb", *_DYNAMODB_CRUD, "BatchGetItem", "DescribeTable", "ConditionCheckItem"),
            _TABLE,
        ),
    ),
    "DynamoDBReadPolicy": _template("TableName", _Grant(_actions("dynamodb", *_DYNAMODB_READ), _TABLE)),
    "DynamoDBWritePolicy": _template("TableName", _Grant(_actions("dynamodb", *_DYNAMODB_WRITE), _TABLE)),
    "DynamoDBStreamReadPolicy": _template(
        "TableName StreamName",
        _Grant(
            _actions("dynamodb", "DescribeStream", "GetRecords", "GetShardIterator"),
            (_arn("dynamodb", "table/${tableName}/stream/${streamName}"),),
        ),
        _Grant(("dynamodb:ListStreams",), (_arn("dynamodb", "table/${tableName}/stream/*"),)),
    ),
    "SQSSendMessagePolicy": _template("QueueName", _Grant(("sqs:SendMessage*",), _QUEUE)),
    "SQSPollerPolicy": _template(
        "QueueName", _Grant(_actions("sqs", *_SQS_POLL, "GetQueueAttributes", "ReceiveMessage"), _QUEUE)
    ),
    "SNSPublishMessagePolicy": _template(
        "TopicName", _Grant(("sns:Publish",), (_arn("sns", "${topicName}"),))
    ),
    "S3ReadPolicy": _template(
        "BucketName", _Grant(_actions("s3", *_S3_READ, "GetLifecycleConfiguration"), _BUCKET)
    ),
    "S3WritePolicy": _template(
        "BucketName",
        _Grant(_actions("s3", "PutObject", "PutObjectAcl", "PutLifecycleConfiguration"), _BUCKET),
    ),
    "S3CrudPolicy": _template(
        "BucketName",
        _Grant(
            _actions(
                "s3",
                *_S3_READ,
                "PutObject",
                "PutObjectAcl",
                "GetLifecycleConfiguration",
                "PutLifecycleConfiguration",
                "DeleteObject",
            ),
            _BUCKET,
        ),
    ),
    "KinesisStreamReadPolicy": _template(
        "StreamName",
        _Grant(("kinesis:ListStreams", "kinesis:DescribeLimits"), (_arn("kinesis", "stream/*"),)),
        _Grant(_actions("kinesis", *_KINESIS_READ), (_arn("kinesis", "stream/${streamName}"),)),
    ),
    "LambdaInvokePolicy": _template(
        "FunctionName", _Grant(("lambda:InvokeFunction",), (_arn("lambda", "function:${functionName}*"),))
    ),
    "StepFunctionsExecutionPolicy": _template(
        "StateMachineName",
        _Grant(("states:StartExecution",), (_arn("states", "stateMachine:${stateMachineName}"),)),
    ),
    "EventBridgePutEventsPolicy": _template(
        "EventBusName", _Grant("events:PutEvents", (_arn("events", "event-bus/${eventBusName}"),))
    ),
    "SSMParameterReadPolicy": _template(
        "ParameterName",
        _Grant(("ssm:DescribeParameters",), ("*",)),
        _Grant(
            _actions("ssm", "GetParameters", "GetParameter", "GetParametersByPath"),
            (_arn("ssm", "parameter/${parameterName}"),),
        ),
    ),
    "AWSSecretsManagerGetSecretValuePolicy": _template(
        "SecretArn", _Grant(("secretsmanager:GetSecretValue",), ("${secretArn}",))
    ),
    "KMSDecryptPolicy": _template("KeyId", _Grant("kms:Decrypt", (_arn("kms", "key/${keyId}"),))),
    "CloudWatchPutMetricPolicy": _template("", _Grant(("cloudwatch:PutMetricData",), ("*",))),
    "ComprehendBasicAccessPolicy": _template("", _Grant(_actions("comprehend", *_COMPREHEND), ("*",))),
}
# Managed policies whose permissions every function of the patterns already has.
_MANAGED_BY_PATTERNS = ("AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess")


def _expand(template: _PolicyTemplate, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements SAM writes for ``template`` given ``values`` for its parameters."""
    variables = {name[0].lower() + name[1:]: values[name] for name in template.parameters}
    statements = []
    for grant in template.grants:
        resources: list[Any] = []
        for arn in grant.resources:
            used = {name: value for name, value in variables.items() if "${" + name + "}" in arn}
            resources.append({"Fn::Sub": [arn, used]} if used else {"Fn::Sub": arn} if "${" in arn else arn)
        statements.append(
            {
                "Effect": "Allow",
                "Action": list(grant.actions) if isinstance(grant.actions, tuple) else grant.actions,
                "Resource": resources[0] if len(resources) == 1 else resources,
            }
        )
    return statements


def _statements(app: ImportedApp, element: str, policies: Any) -> list[dict[str, Any]]:
    """The IAM statements of a function's or state machine's ``Policies``: policy templates expanded,
    inline statements as they are; managed policies noted (``became``: ``managed policy <name or
    ARN>``)."""
    if policies is None:
        return []
    many = isinstance(policies, list)
    statements: list[dict[str, Any]] = []
    for index, policy in enumerate(policies if many else [policies]):
        at = f"{element}.Policies[{index}]" if many else f"{element}.Policies"
        if isinstance(policy, str) or _intrinsic(policy):
            _note_managed(app, at, policy)
        elif isinstance(policy, dict) and "Statement" in policy:
            inline = policy["Statement"]
            statements += [
                s for s in (inline if isinstance(inline, list) else [inline]) if isinstance(s, dict)
            ]
        elif isinstance(policy, dict) and len(policy) == 1:
            ((name, parameters),) = policy.items()
            template = _POLICY_TEMPLATES.get(name)
            if template is None:
                why = f"the policy template {name} is not expanded by the importer: give its statements"
                app.note(at, Status.NOT_MAPPED, "", why)
            elif missing := [p for p in template.parameters if p not in _mapping(parameters)]:
                app.note(at, Status.NOT_MAPPED, "", f"{name} without its {', '.join(missing)}")
            else:
                statements += _expand(template, _mapping(parameters))
        else:
            app.note(at, Status.NOT_MAPPED, "", f"not a policy: {policy!r}")
    return statements


def _note_managed(app: ImportedApp, element: str, policy: Any) -> None:
    name = policy if isinstance(policy, str) else json.dumps(policy, sort_keys=True)
    if name.rsplit("/", 1)[-1] in _MANAGED_BY_PATTERNS:
        app.note(element, Status.NOT_MAPPED, "", f"{name}: every function of the patterns has it already")
        return
    app.note(
        element,
        Status.APPROXIMATED,
        f"managed policy {name}",
        "a managed policy grants more than the function needs: kept to be reviewed; "
        "replace it with statements on the exact resources",
    )


# ----------------------------------------------------------------------------------------- events
_EventReader = Callable[[dict[str, Any], "_Reader"], dict[str, Any]]


@dataclass(frozen=True)
class _EventSpec:
    kind: EventKind
    keys: tuple[str, ...]
    """The event properties read; the others are noted."""
    read: _EventReader


def _route(kind: EventKind, api_key: str) -> _EventReader:
    def read(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
        api_id = _target(props.get(api_key))
        api = reader.apis.get(api_id or _IMPLICIT[kind], _NO_API)
        auth = _mapping(props.get("Auth"))
        authorizer = (
            _authorizer_of(api.authorizers, auth["Authorizer"]) if "Authorizer" in auth else api.default
        )
        path = props.get("Path", "$default" if kind is EventKind.HTTP_API else None)
        if isinstance(path, str) and path != "$default":
            path = "/" + path.strip("/")
        return {
            "method": str(props.get("Method", "ANY")).upper(),
            "path": path,
            "cors": api.cors,
            "authorizer": authorizer,
            "private": bool(auth.get("ApiKeyRequired", api.api_key)),
            "api": api_id,
        }

    return read


def _sqs(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    types = props.get("FunctionResponseTypes")
    return {
        "queue": props.get("Queue"),
        "batch_size": props.get("BatchSize"),
        "batch_window": props.get("MaximumBatchingWindowInSeconds"),
        "max_concurrency": _mapping(props.get("ScalingConfig")).get("MaximumConcurrency"),
        "report_failures": isinstance(types, list) and "ReportBatchItemFailures" in types,
    }


def _sns(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    return {"topic": props.get("Topic"), "filter_policy": props.get("FilterPolicy")}


def _s3(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    events = props.get("Events")
    rules = _mapping(_mapping(props.get("Filter")).get("S3Key")).get("Rules")
    values = {
        str(rule.get("Name", "")).lower(): rule.get("Value")
        for rule in (rules if isinstance(rules, list) else [])
        if isinstance(rule, dict)
    }
    return {
        "bucket": props.get("Bucket"),
        "events": events if isinstance(events, list) else [events] if events is not None else [],
        "prefix": values.get("prefix"),
        "suffix": values.get("suffix"),
        "existing": False,
    }


def _stream(kind: str) -> _EventReader:
    def read(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
        return {
            "type": kind,
            "arn": props.get("Stream"),
            "batch_size": props.get("BatchSize"),
            "starting_position": props.get("StartingPosition"),
            "batch_window": props.get("MaximumBatchingWindowInSeconds"),
        }

    return read


def _input(value: Any) -> Any:
    """A target's ``Input``: the JSON text parsed, as a Serverless ``input`` is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _schedule(expression: str, time_zone: str | None) -> _EventReader:
    def read(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
        enabled = props.get("Enabled", props.get("State", "ENABLED") != "DISABLED")
        return {
            "expression": props.get(expression),
            "enabled": enabled,
            "input": _input(props.get("Input")),
            "time_zone": props.get(time_zone) if time_zone else None,
        }

    return read


def _rule(props: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    bus = props.get("EventBusName")
    return {"pattern": props.get("Pattern"), "bus": None if bus == "default" else bus, "schedule": None}


_ROUTE_KEYS = ("Path", "Method", "Auth.Authorizer", "Auth.ApiKeyRequired")
_STREAM_KEYS = ("Stream", "StartingPosition", "BatchSize", "MaximumBatchingWindowInSeconds")
_RULE_KEYS = ("Pattern", "EventBusName")
_EVENTS: dict[str, _EventSpec] = {
    "Api": _EventSpec(EventKind.HTTP, (*_ROUTE_KEYS, "RestApiId"), _route(EventKind.HTTP, "RestApiId")),
    "HttpApi": _EventSpec(EventKind.HTTP_API, (*_ROUTE_KEYS, "ApiId"), _route(EventKind.HTTP_API, "ApiId")),
    "SQS": _EventSpec(
        EventKind.SQS,
        (
            "Queue",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "ScalingConfig.MaximumConcurrency",
            "FunctionResponseTypes",
        ),
        _sqs,
    ),
    "SNS": _EventSpec(EventKind.SNS, ("Topic", "FilterPolicy"), _sns),
    "S3": _EventSpec(EventKind.S3, ("Bucket", "Events", "Filter.S3Key"), _s3),
    "DynamoDB": _EventSpec(EventKind.STREAM, _STREAM_KEYS, _stream("dynamodb")),
    "Kinesis": _EventSpec(EventKind.STREAM, _STREAM_KEYS, _stream("kinesis")),
    "Schedule": _EventSpec(
        EventKind.SCHEDULE, ("Schedule", "Enabled", "State", "Input"), _schedule("Schedule", None)
    ),
    "ScheduleV2": _EventSpec(
        EventKind.SCHEDULE,
        ("ScheduleExpression", "ScheduleExpressionTimezone", "State", "Input"),
        _schedule("ScheduleExpression", "ScheduleExpressionTimezone"),
    ),
    "EventBridgeRule": _EventSpec(EventKind.EVENT_RULE, _RULE_KEYS, _rule),
    "CloudWatchEvent": _EventSpec(EventKind.EVENT_RULE, _RULE_KEYS, _rule),
}


def _triggers(reader: _Reader, element: str, events: Any) -> list[Trigger]:
    """The normalised triggers of a function's or state machine's ``Events``."""
    app = reader.app
    if events is not None and not isinstance(events, dict):
        app.note(f"{element}.Events", Status.NOT_MAPPED, "", f"not a mapping of events: {events!r}")
    triggers = []
    for name, event in _mapping(events).items():
        at = f"{element}.Events.{name}"
        kind, props = _mapping(event).get("Type"), _mapping(_mapping(event).get("Properties"))
        spec = _EVENTS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            triggers.append(Trigger(EventKind.OTHER, at, {"type": kind, "properties": props}))
            app.note(at, Status.NOT_MAPPED, "", f"an event of type {kind}: no pattern takes it")
            continue
        try:
            triggers.append(Trigger(spec.kind, at, spec.read(props, reader)))
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            app.note(at, Status.NOT_MAPPED, "", f"unexpected shape: {error}")
            continue
        _note_unread(app, at, props, spec.keys)
    return triggers


# ------------------------------------------------------------------------------------------- APIs
def _authorizer_of(authorizers: dict[str, str | None], name: Any) -> str | None:
    if name in (None, "NONE"):
        return None
    if name == "AWS_IAM":
        return "iam"
    return authorizers.get(name, f"unknown:{name}")


def _describe_authorizer(spec: Any) -> str:
    """``cognito``, ``lambda:<function>``, ``jwt`` or ``unknown``."""
    spec = _mapping(spec)
    if "UserPoolArn" in spec:
        return "cognito"
    if "FunctionArn" in spec:
        arn = spec["FunctionArn"]
        return f"lambda:{_target(arn) or (arn if isinstance(arn, str) else json.dumps(arn, sort_keys=True))}"
    if "JwtConfiguration" in spec:
        return "cognito" if "cognito-idp" in json.dumps(spec["JwtConfiguration"]) else "jwt"
    return "unknown"


_API_KEYS = ("Auth.DefaultAuthorizer", "Auth.Authorizers", "Auth.ApiKeyRequired", "Auth.EnableIamAuthorizer")


def _api(props: dict[str, Any], http: bool) -> _Api:
    auth = _mapping(props.get("Auth"))
    authorizers: dict[str, str | None] = {
        str(name): _describe_authorizer(spec) for name, spec in _mapping(auth.get("Authorizers")).items()
    }
    cors = props.get("CorsConfiguration" if http else "Cors")
    return _Api(
        default=_authorizer_of(authorizers, auth.get("DefaultAuthorizer")),
        authorizers=authorizers,
        cors=cors is not None and cors is not False,
        api_key=auth.get("ApiKeyRequired") is True,
    )


def _apis(reader: _Reader, resources: dict[str, Any]) -> dict[str, _Api]:
    """What each API (the implicit ones included) gives its routes, with a note per API."""
    declared = {
        str(logical_id): (
            resource["Type"] == "AWS::Serverless::HttpApi",
            reader.properties(resource["Type"].removeprefix(_SERVERLESS), resource),
        )
        for logical_id, resource in resources.items()
        if isinstance(resource, dict)
        and resource.get("Type") in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")
    }
    apis = {}
    for section, implicit in (("Api", _IMPLICIT[EventKind.HTTP]), ("HttpApi", _IMPLICIT[EventKind.HTTP_API])):
        apis[implicit] = _api(reader.globals_.get(section, {}), section == "HttpApi")
        if section in reader.globals_:
            _note_api(
                reader.app,
                f"Globals.{section}",
                reader.globals_[section],
                apis[implicit],
                section == "HttpApi",
            )
    for logical_id, (http, props) in declared.items():
        apis[logical_id] = _api(props, http)
        _note_api(reader.app, f"Resources.{logical_id}", props, apis[logical_id], http)
    return apis


def _note_api(app: ImportedApp, element: str, props: dict[str, Any], api: _Api, http: bool) -> None:
    cors = "CorsConfiguration" if http else "Cors"
    read = (*_API_KEYS, cors)
    unread = [key for key in props if key not in (cors, "Auth")]
    unread += [f"Auth.{key}" for key in _mapping(props.get("Auth")) if f"Auth.{key}" not in read]
    app.note(
        element,
        Status.APPROXIMATED,
        f"its routes' authorizer ({api.default or 'none'}) and CORS ({'on' if api.cors else 'off'})",
        "the API is made by the pattern that takes its routes"
        + (f"; not carried: {', '.join(unread)}" if unread else ""),
    )


def _note_api_resource(
    reader: _Reader, logical_id: str, props: dict[str, Any], resource: dict[str, Any]
) -> None:
    """An API is read by :func:`_apis` into its routes: nothing more to do here."""


# -------------------------------------------------------------------------- tables, layers, states
_ATTRIBUTE_TYPES = {"String": "S", "Number": "N", "Binary": "B"}
_TABLE_KEYS = (
    "PrimaryKey",
    "ProvisionedThroughput",
    "TableName",
    "SSESpecification",
    "PointInTimeRecoverySpecification",
    "Tags",
)


def _read_simple_table(
    reader: _Reader, logical_id: str, props: dict[str, Any], resource: dict[str, Any]
) -> None:
    """A ``SimpleTable`` as the ``AWS::DynamoDB::Table`` SAM makes of it."""
    app, element = reader.app, f"Resources.{logical_id}"
    key = _mapping(props.get("PrimaryKey"))
    name, kind = key.get("Name", "id"), key.get("Type", "String")
    if kind not in _ATTRIBUTE_TYPES:
        app.note(f"{element}.PrimaryKey.Type", Status.APPROXIMATED, "String", f"not a key type: {kind!r}")
    table: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": _ATTRIBUTE_TYPES.get(kind, "S")}],
        "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}],
    }
    if "ProvisionedThroughput" in props:
        table["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    else:
        table["BillingMode"] = "PAY_PER_REQUEST"
    for copied in ("TableName", "SSESpecification", "PointInTimeRecoverySpecification"):
        if copied in props:
            table[copied] = props[copied]
    tags = props.get("Tags")
    if isinstance(tags, dict) and tags:
        table["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    _note_unread(app, element, props, _TABLE_KEYS)
    app.resources.append(Resource(logical_id, "AWS::DynamoDB::Table", table, element))


def _read_layer(reader: _Reader, logical_id: str, props: dict[str, Any], resource: dict[str, Any]) -> None:
    app, element = reader.app, f"Resources.{logical_id}"
    app.resources.append(Resource(logical_id, "AWS::Serverless::LayerVersion", props, element))
    build = _mapping(resource.get("Metadata")).get("BuildMethod")
    app.note(
        element,
        Status.APPROXIMATED,
        f"a layer from {props.get('ContentUri')!r}",
        f"kept as a SAM layer (runtimes {props.get('CompatibleRuntimes')!r}) to be built from its ContentUri"
        + (f"; sam build's BuildMethod {build!r} is not carried" if build is not None else ""),
    )


def _read_state_machine(
    reader: _Reader, logical_id: str, props: dict[str, Any], resource: dict[str, Any]
) -> None:
    app, element = reader.app, f"Resources.{logical_id}"
    definition = _definition(reader, element, props)
    if definition is None:
        return
    properties = {k: v for k, v in props.items() if k not in ("DefinitionUri", "Policies", "Events")}
    properties["Definition"] = definition
    properties["Statements"] = _statements(app, element, props.get("Policies"))
    properties["Triggers"] = _triggers(reader, element, props.get("Events"))
    if "Role" in props:
        status, became, why = _REASONS["Role"]
        app.note(f"{element}.Role", status, became, why)
    app.state_machines.append(Resource(logical_id, "AWS::Serverless::StateMachine", properties, element))


def _definition(reader: _Reader, element: str, props: dict[str, Any]) -> dict[str, Any] | None:
    """The state machine's ASL: its ``Definition``, or the file its ``DefinitionUri`` names."""
    app = reader.app
    if "Definition" in props:
        definition = props["Definition"]
    elif isinstance(props.get("DefinitionUri"), str) and not props["DefinitionUri"].startswith("s3://"):
        uri = props["DefinitionUri"]
        try:
            definition = _load(reader.folder / uri, uri)
        except ValueError as error:
            app.note(f"{element}.DefinitionUri", Status.NOT_MAPPED, "", str(error))
            return None
    else:
        why = f"no Definition, nor a DefinitionUri in this folder: {props.get('DefinitionUri')!r}"
        app.note(element, Status.NOT_MAPPED, "", why)
        return None
    if not isinstance(definition, dict) or "States" not in definition:
        app.note(element, Status.NOT_MAPPED, "", "the definition is not Amazon States Language: no States")
        return None
    return definition


# Each reader is given the resource's properties with their Globals section (the type's last part)
# merged under them.
_RESOURCE_READERS: dict[str, Callable[[_Reader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::Serverless::Function": _read_function,
    "AWS::Serverless::Api": _note_api_resource,
    "AWS::Serverless::HttpApi": _note_api_resource,
    "AWS::Serverless::SimpleTable": _read_simple_table,
    "AWS::Serverless::LayerVersion": _read_layer,
    "AWS::Serverless::StateMachine": _read_state_machine,
}
