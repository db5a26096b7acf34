"""Functions, written once: a FunctionSpec says what to run, PatternFunction builds it the same way
for every pattern (role, log group, tracing, version, ``live`` alias, alarms, deployment group)."""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_cloudwatch import IAlarmRef
from constructs import Construct, IConstruct

from ..errors import PatternValidationError, Problems, is_number_token, is_token
from . import bundling, handler_check, node_bundling
from .logical_id import logical_id
from .monitoring import AlarmKind, AlarmThresholds, Graph, Monitoring
from .nag import acknowledge
from .policies import wildcard_policy
from .secrets import Reads, reads_problems
from .stage import Stage, StageDefaults

if TYPE_CHECKING:
    from .deployment import Deployments

__all__ = ["FunctionSpec", "InvocationType", "PatternFunction"]

DEFAULT_MEMORY_MB = 512
DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_METRICS_NAMESPACE = "ServerlessPatterns"
DEFAULT_RUNTIME_NAME = "python3.14"
DEFAULT_ARCHITECTURE_NAME = "arm64"
# Powertools for AWS Lambda (Python) 3.23.0: layer version 27 of every Python runtime and architecture.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION = 27
_HANDLER = re.compile(r"^[A-Za-z_][\w.\-/]*\.[A-Za-z_]\w*$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")
MAX_ENVIRONMENT_BYTES = 4096
MAX_LAYERS = 5
_RESERVED_ENV = re.compile(r"^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$)")


class FunctionWiring(TypedDict, total=False):
    """How a pattern connects one of its functions, beyond its spec."""

    environment: Mapping[str, str] | None
    """Variables the pattern sets (the user's ``FunctionSpec.environment`` wins)."""
    on_failure_queue: sqs.IQueue | None
    """Where asynchronous invocations go after their retries (needed for ``InvocationType.ASYNC``)."""
    retry_attempts: int
    """Retries of an asynchronous invocation (2 unless given)."""
    deployment_group_id: str | None
    """The id of the function's deployment group (the function's construct id unless given)."""
    durable_config: lambda_.DurableConfig | None
    """Run the function as a Lambda durable function with this configuration (DurableWorkflow)."""
    dead_letter_queue: sqs.IQueue | None
    """The function's dead-letter queue (``DeadLetterConfig``; the role may send to it), which
    satisfies the rule packs' function-DLQ check: no acknowledgment is made then."""


class InvocationType(StrEnum):
    """How a pattern's function is invoked, which decides where its failures go."""

    SYNC = "sync"
    """Invoked synchronously (API Gateway, Step Functions): the caller sees the error."""
    EVENT_SOURCE = "event_source"
    """Polled by an event source mapping (SQS, DynamoDB Streams): failures go to the mapping's DLQ
    or on-failure destination."""
    ASYNC = "async"
    """Invoked asynchronously (S3, SNS): failures go to an on-failure destination queue."""


@dataclass(frozen=True)
class FunctionSpec:
    """What a pattern's Lambda function runs, and how it is sized.

    ``FunctionSpec(code="handlers/users", handler="get_user.handler")`` is enough; everything else
    has a production default.
    """

    code: str | os.PathLike[str] | lambda_.Code
    """Directory with the handler code, or any ``lambda_.Code``. A directory with a
    ``requirements.txt``, or a ``pyproject.toml`` (with its ``uv.lock`` or ``poetry.lock``), gets
    those dependencies bundled beside the code, without Docker: manylinux wheels for the function's
    runtime and architecture, installed by uv and cached per user (see
    ``serverless_patterns.core.bundling``). A bundled ``aws-lambda-powertools`` wins over the
    Powertools layer (the function's code comes before layers on ``sys.path``). On a ``nodejs*``
    runtime, the handler's ``.ts``/``.js`` entry is bundled with esbuild instead (see
    ``serverless_patterns.core.node_bundling``)."""
    handler: str
    """The handler, ``module.function``, relative to the code directory."""
    runtime: lambda_.Runtime | None = None
    """Lambda runtime. Default: - Python 3.14, the newest Python runtime in aws-cdk-lib"""
    architecture: lambda_.Architecture | None = None
    """Instruction set. Default: - arm64"""
    memory_size: int = DEFAULT_MEMORY_MB
    """Memory in MB, 128..10240. Default: 512"""
    timeout: cdk.Duration | None = None
    """Maximum run time, 1 s..15 min. Default: - 10 seconds"""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Extra environment variables. Default: - only the Powertools variables"""
    layers: Sequence[lambda_.ILayerVersion] = ()
    """Layers to add. Default: - none"""
    reserved_concurrency: int | None = None
    """Reserved concurrent executions. Default: - none (the account's unreserved pool)"""
    provisioned_concurrency: int | None = None
    """Provisioned concurrency on the ``live`` alias. Default: - none"""
    service_name: str | None = None
    """``POWERTOOLS_SERVICE_NAME``. Default: - the pattern's construct id"""
    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE
    """``POWERTOOLS_METRICS_NAMESPACE``. Default: ServerlessPatterns"""
    log_retention: logs.RetentionDays | None = None
    """Retention of the function's log group. Default: - the stage's: one month (prod), one week (dev)"""
    description: str | None = None
    """Function description. Default: - none"""
    powertools: bool = True
    """Attach the public Powertools for AWS Lambda (Python) layer for the function's runtime and
    architecture, so handlers can import ``aws_lambda_powertools`` with nothing bundled (Python
    3.9+ runtimes; commercial regions: pass your own layer in ``layers`` and False elsewhere).
    Default: True"""
    exclude: Sequence[str] | None = None
    """Glob patterns of files and directories of ``code`` to leave out of the asset (a pattern
    without ``/`` matches a name at any depth). Default: - ``cdk.out``, ``.venv``,
    ``node_modules``, ``.git``, ``__pycache__``, ``tests``, ``*.pyc``"""
    vpc: ec2.IVpc | None = None
    """The VPC to run the function in. The role gets the network-interface actions Lambda needs in
    a policy of their own (``VpcPolicy``). Default: - no VPC"""
    vpc_subnets: ec2.SubnetSelection | None = None
    """Where in ``vpc`` to place the function's network interfaces; needs ``vpc``.
    Default: - the VPC's private subnets"""
    security_groups: Sequence[ec2.ISecurityGroup] = ()
    """Security groups of the function's network interfaces; needs ``vpc``.
    Default: - one new security group allowing all outbound traffic"""
    policies: Sequence[iam.PolicyStatement] = ()
    """Extra statements for the function's role, in a policy of their own (``Policy``) that no
    acknowledgment of this library covers: the rule packs judge them as you wrote them.
    Default: - none"""
    secrets: Mapping[str, Any] = field(default_factory=dict)
    """Secrets Manager secrets (``secretsmanager.ISecret``) the function reads, by environment
    variable: ``{"DB_PASSWORD": secret}``. The variable holds the secret's ARN (its name when it is
    known by name only), never its value; the role may ``secretsmanager:GetSecretValue`` on that
    secret only, and ``kms:Decrypt`` on its key through Secrets Manager when it has one. Read it
    with Powertools: ``parameters.get_secret(os.environ["DB_PASSWORD"])``. Default: - none"""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """SSM parameters (``ssm.IParameter``) the function reads, by environment variable:
    ``{"FEATURE_FLAGS": parameter}``. The variable holds the parameter's name, never its value; the
    role may ``ssm:GetParameter`` and ``ssm:GetParameters`` on that parameter only (a SecureString
    under your own KMS key also needs ``kms:Decrypt`` on it: add it in ``policies``). Read it with
    Powertools: ``parameters.get_parameter(os.environ["FEATURE_FLAGS"])``. Default: - none"""
    property_overrides: Mapping[str, Any] = field(default_factory=dict)
    """``AWS::Lambda::Function`` properties the spec does not cover, as CloudFormation spells them
    (``{"EphemeralStorage": {"Size": 2048}, "SnapStart": {"ApplyOn": "PublishedVersions"}}``),
    applied as property overrides. A property the spec manages (``Timeout``, ``VpcConfig``, ...)
    is refused: set the spec's field. Default: - none"""

    def problems(self, prop: str, *, max_timeout_seconds: float = 900) -> list[str]:
        """Everything wrong with this spec, each message naming ``prop``."""
        return [
            *self._code_problems(prop),
            *self._capacity_problems(prop, max_timeout_seconds),
            *_environment_problems(f"{prop}.environment", self.environment),
            *reads_problems(prop, self.secrets, self.parameters, self.environment, _environment_problems),
            *self._layer_problems(prop),
            *self._setting_problems(prop),
            *self._handler_problems(prop),
            *self._vpc_problems(prop),
            *self._policy_problems(prop),
            *_override_problems(f"{prop}.property_overrides", self.property_overrides),
        ]

    def _code_problems(self, prop: str) -> list[str]:
        """What runs: the code, the handler's form, the runtime and the architecture."""
        found = Problems()
        if isinstance(self.code, str | os.PathLike):
            path = os.fspath(self.code)
            found.require(
                os.path.isdir(path), f"{prop}.code must be a directory with the handler code, got {path!r}"
            )
        elif not isinstance(self.code, lambda_.Code):
            found.add(f"{prop}.code must be a directory path or a lambda_.Code, got {self.code!r}")
        found.require(
            isinstance(self.handler, str) and bool(_HANDLER.match(self.handler)),
            f"{prop}.handler must look like 'module.function', got {self.handler!r}",
        )
        if self.runtime is not None:
            found.instance(f"{prop}.runtime", self.runtime, lambda_.Runtime, "a lambda_.Runtime")
        if self.architecture is not None:
            found.instance(
                f"{prop}.architecture", self.architecture, lambda_.Architecture, "a lambda_.Architecture"
            )
        return list(found)

    def _capacity_problems(self, prop: str, max_timeout_seconds: float) -> list[str]:
        """Memory, timeout and concurrency."""
        found = Problems()
        memory = self.memory_size
        if not is_number_token(memory) and (isinstance(memory, bool) or not isinstance(memory, int)):
            found.add(f"{prop}.memory_size must be a whole number of MB, got {memory!r}")
        else:
            found.in_range(f"{prop}.memory_size", memory, 128, 10240, "MB")
        found.duration(f"{prop}.timeout", self.timeout, 1, max_timeout_seconds)
        if self.reserved_concurrency is not None:
            found.whole_number(f"{prop}.reserved_concurrency", self.reserved_concurrency, 0, 1_000_000)
        if self.provisioned_concurrency is not None:
            found.whole_number(f"{prop}.provisioned_concurrency", self.provisioned_concurrency, 1, 1_000_000)
            if (
                isinstance(self.reserved_concurrency, int)
                and isinstance(self.provisioned_concurrency, int)
                and not is_token(self.reserved_concurrency)
                and not is_token(self.provisioned_concurrency)
                and self.provisioned_concurrency > self.reserved_concurrency
            ):
                found.add(
                    f"{prop}.provisioned_concurrency must be <= reserved_concurrency "
                    f"({self.reserved_concurrency}), got {self.provisioned_concurrency}"
                )
        return list(found)

    def _layer_problems(self, prop: str) -> list[str]:
        """The layers, at most five with the Powertools layer."""
        found = Problems()
        if _list_problems(
            found,
            f"{prop}.layers",
            self.layers,
            "a lambda_.ILayerVersion",
            # a jsii interface, which user classes implement without deriving from it
            lambda layer: hasattr(layer, "layer_version_arn") and not isinstance(layer, str | Mapping),
        ):
            powertools = (
                self.powertools is True
                and isinstance(self.runtime, lambda_.Runtime | None)
                and isinstance(self.architecture, lambda_.Architecture | None)
                and powertools_layer_name(
                    self.runtime_name,
                    DEFAULT_ARCHITECTURE_NAME if self.architecture is None else self.architecture.name,
                )
                is not None
            )
            count = len(self.layers) + int(powertools)
            found.require(
                count <= MAX_LAYERS,
                f"{prop}.layers: a function has at most {MAX_LAYERS} layers, got {count}"
                + (" with the Powertools layer (powertools=False drops it)" if powertools else ""),
            )
        return list(found)

    def _setting_problems(self, prop: str) -> list[str]:
        """The names, log retention, description, Powertools and the files left out."""
        found = Problems()
        if self.service_name is not None:
            found.string(f"{prop}.service_name", self.service_name, empty=False)
        if found.string(f"{prop}.metrics_namespace", self.metrics_namespace, empty=False, max_length=255):
            found.require(
                is_token(self.metrics_namespace) or not self.metrics_namespace.startswith("AWS/"),
                f"{prop}.metrics_namespace must not start with 'AWS/' (reserved for AWS services), "
                f"got {self.metrics_namespace!r}",
            )
        if self.log_retention is not None:
            found.instance(
                f"{prop}.log_retention", self.log_retention, logs.RetentionDays, "a logs.RetentionDays"
            )
        if self.description is not None:
            found.string(f"{prop}.description", self.description, max_length=256)
        found.boolean(f"{prop}.powertools", self.powertools)
        if self.exclude is not None and (
            isinstance(self.exclude, str)
            or not isinstance(self.exclude, Sequence)
            or not all(isinstance(pattern, str) for pattern in self.exclude)
        ):
            found.add(f"{prop}.exclude must be a list of glob patterns, got {self.exclude!r}")
        return list(found)

    def _policy_problems(self, prop: str) -> list[str]:
        found = Problems()
        _list_problems(
            found,
            f"{prop}.policies",
            self.policies,
            "an iam.PolicyStatement",
            lambda statement: isinstance(statement, iam.PolicyStatement),
        )
        return list(found)

    @property
    def runtime_name(self) -> str:
        """The runtime's name (``python3.14``), default applied."""
        return DEFAULT_RUNTIME_NAME if self.runtime is None else self.runtime.name

    def _handler_problems(self, prop: str) -> list[str]:
        """A Python handler's module must be in the code directory (Lambda imports it from there)
        and define the function named; a Node.js entry must export it where its exports are
        statically visible (both read from the source, see ``handler_check``)."""
        if (
            not isinstance(self.code, str | os.PathLike)
            or not isinstance(self.runtime, lambda_.Runtime | None)
            or not isinstance(self.handler, str)
            or not _HANDLER.match(self.handler)
            or not os.path.isdir(os.fspath(self.code))
        ):
            return []
        root = os.fspath(self.code)
        if node_bundling.is_node(self.runtime_name):
            return self._node_handler_problems(prop, root)
        if not self.runtime_name.startswith("python"):
            return []
        module = self.handler.rsplit(".", 1)[0].replace(".", "/")
        candidates = [f"{module}.py", f"{module}/__init__.py"]
        for candidate in candidates:
            if os.path.isfile(os.path.join(root, candidate)):
                return handler_check.python_problems(
                    prop, self.handler, os.path.join(root, candidate), candidate, self.runtime_name
                )
        if any(os.path.isfile(os.path.join(root, module + ext)) for ext in node_bundling.ENTRY_EXTENSIONS):
            return []  # a Node.js entry on a Python runtime: the bundler names that mistake
        return [
            f"{prop}.handler {self.handler!r}: module {module.replace('/', '.')!r} is not in the code "
            f"directory: looked for {os.path.join(root, candidates[0])!r} and "
            f"{os.path.join(root, candidates[1])!r}"
        ]

    def _node_handler_problems(self, prop: str, root: str) -> list[str]:
        """The entry is the first of ``module.ts``, ``.js``, ... that exists, as
        ``node_bundling`` resolves it; without one, the bundler names the files it looked for."""
        module = self.handler.rsplit(".", 1)[0]
        for extension in node_bundling.ENTRY_EXTENSIONS:
            if os.path.isfile(os.path.join(root, module + extension)):
                entry = os.path.join(root, module + extension)
                return handler_check.node_problems(prop, self.handler, entry, module + extension)
        return []

    def _vpc_problems(self, prop: str) -> list[str]:
        found = Problems()
        if self.vpc is None:
            found.require(self.vpc_subnets is None, f"{prop}.vpc_subnets needs {prop}.vpc")
            found.require(not self.security_groups, f"{prop}.security_groups needs {prop}.vpc")
            return list(found)
        found.require(
            hasattr(self.vpc, "select_subnets") and hasattr(self.vpc, "vpc_id"),
            f"{prop}.vpc must be an ec2.IVpc, got {type(self.vpc).__name__}",
        )
        found.require(
            self.vpc_subnets is None or isinstance(self.vpc_subnets, ec2.SubnetSelection),
            f"{prop}.vpc_subnets must be an ec2.SubnetSelection, got {type(self.vpc_subnets).__name__}",
        )
        _list_problems(
            found,
            f"{prop}.security_groups",
            self.security_groups,
            "an ec2.ISecurityGroup",
            lambda group: hasattr(group, "security_group_id"),
        )
        return list(found)

    @property
    def timeout_seconds(self) -> float | None:
        """The timeout in seconds, or None for an unresolved token (or no Duration). Default applied."""
        if self.timeout is None:
            return DEFAULT_TIMEOUT_SECONDS
        if not isinstance(self.timeout, cdk.Duration) or self.timeout.is_unresolved():
            return None
        return float(self.timeout.to_milliseconds()) / 1000


def _list_problems(
    found: Problems, prop: str, items: object, what: str, accepts: Callable[[object], bool]
) -> bool:
    """``items`` must be a list (``"prop must be a list of ec2.ISecurityGroup, got 'sg'"``) of
    ``what``, each item one that ``accepts`` takes (``"prop[1] must be an ec2.ISecurityGroup, got
    str"``). Returns whether it is a list."""
    if not found.sequence(prop, items, what.split(" ", 1)[1]):
        return False
    assert isinstance(items, Sequence)
    for index, item in enumerate(items):
        found.require(accepts(item), f"{prop}[{index}] must be {what}, got {type(item).__name__}")
    return True


def _environment_problems(prop: str, environment: object) -> list[str]:
    """Lambda's rules for environment variables: names ``[A-Za-z][A-Za-z0-9_]+``, string values,
    none of the reserved names, 4 KB in all."""
    if not isinstance(environment, Mapping):
        return [f"{prop} must be a mapping of names to strings, got {type(environment).__name__}"]
    found = Problems()
    size = 0
    for key, value in environment.items():
        if not isinstance(key, str) or not _ENV_NAME.match(key):
            found.add(f"{prop}: {key!r} is not a valid variable name (a letter, then letters, digits or '_')")
        elif _RESERVED_ENV.match(key):
            found.add(f"{prop} may not set the reserved variable {key!r}")
        if not isinstance(value, str):
            found.add(f"{prop}[{key!r}] must be a string, got {value!r}")
        elif not is_token(value):
            size += len(str(key).encode()) + len(value.encode())
    found.require(
        size <= MAX_ENVIRONMENT_BYTES,
        f"{prop} must be at most 4 KB in all (names and values), got {size} bytes",
    )
    return list(found)


# The AWS::Lambda::Function properties FunctionSpec sets from its own fields (or that a pattern's
# function must not change), and the field to use instead.
_MANAGED_PROPERTIES = {
    "Architectures": "architecture",
    "Code": "code",
    "DeadLetterConfig": "the pattern's failure handling",
    "Description": "description",
    "Environment": "environment",
    "Handler": "handler",
    "ImageConfig": "code (container images are not supported)",
    "Layers": "layers",
    "LoggingConfig": "log_retention (logs are JSON, to the function's own log group)",
    "MemorySize": "memory_size",
    "PackageType": "code (container images are not supported)",
    "ReservedConcurrentExecutions": "reserved_concurrency",
    "Role": "policies",
    "Runtime": "runtime",
    "Timeout": "timeout",
    "TracingConfig": "nothing: tracing is always active",
    "VpcConfig": "vpc, vpc_subnets and security_groups",
}


@functools.cache
def _function_properties() -> frozenset[str]:
    """Every AWS::Lambda::Function property, read from aws-cdk-lib's ``CfnFunctionProps`` (no jsii)."""
    names = inspect.signature(lambda_.CfnFunctionProps.__init__).parameters
    return frozenset(
        "".join(part[:1].upper() + part[1:] for part in name.split("_")) for name in names if name != "self"
    )


def _override_problems(prop: str, overrides: object) -> list[str]:
    if not isinstance(overrides, Mapping):
        return [
            f"{prop} must be a mapping of AWS::Lambda::Function properties, got {type(overrides).__name__}"
        ]
    known = _function_properties()
    found = Problems()
    for key, value in overrides.items():
        if key in _MANAGED_PROPERTIES:
            found.add(f"{prop} may not set {key!r}: use FunctionSpec.{_MANAGED_PROPERTIES[key]}")
        elif key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            found.add(f"{prop}: {key!r} is not a property of AWS::Lambda::Function{hint}")
        elif key == "EphemeralStorage":
            size = value.get("Size") if isinstance(value, Mapping) else None
            found.require(
                is_token(size) or (isinstance(size, int) and 512 <= size <= 10240),
                f"{prop}['EphemeralStorage'] must be {{'Size': 512..10240}} (MB), got {value!r}",
            )
        elif key == "SnapStart":
            apply_on = value.get("ApplyOn") if isinstance(value, Mapping) else None
            found.require(
                is_token(apply_on) or apply_on in ("PublishedVersions", "None"),
                f"{prop}['SnapStart'] must be {{'ApplyOn': 'PublishedVersions' | 'None'}}, got {value!r}",
            )
    return list(found)


@functools.cache
def _lambda_principal() -> iam.ServicePrincipal:
    """``lambda.amazonaws.com``, created once per process (a principal is an immutable value)."""
    return iam.ServicePrincipal("lambda.amazonaws.com")


@functools.cache
def _default_timeout() -> cdk.Duration:
    return cdk.Duration.seconds(DEFAULT_TIMEOUT_SECONDS)


@functools.cache
def _default_runtime() -> lambda_.Runtime:
    return lambda_.Runtime.PYTHON_3_14


@functools.cache
def _default_architecture() -> lambda_.Architecture:
    return lambda_.Architecture.ARM_64


@functools.cache
def _SIX_HOURS() -> cdk.Duration:
    return cdk.Duration.hours(6)


@functools.cache
def _layer_arn_prefix() -> str:
    """``arn:<partition>:lambda:<region>:<account>:layer:`` for the Powertools layers. The pseudo
    parameters are the same tokens in every stack; reading them is a jsii round trip, so read once."""
    return f"arn:{cdk.Aws.PARTITION}:lambda:{cdk.Aws.REGION}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"


def powertools_layer_name(runtime: str, architecture: str) -> str | None:
    """The public Powertools layer's name for a runtime (``python3.14``) and architecture
    (``arm64``, ``x86_64``), or None where Powertools publishes no layer."""
    match = re.fullmatch(r"python3\.(\d+)", runtime)
    if match is None or int(match.group(1)) < 9 or architecture not in ("arm64", "x86_64"):
        return None
    return f"AWSLambdaPowertoolsPythonV3-python3{match.group(1)}-{architecture}"


class PatternFunction(Construct):
    """A function built from a :class:`FunctionSpec` the way every pattern builds one.

    - its own role, whose only policy lets it write to its own log group (plus X-Ray);
    - a log group with retention, JSON structured logs, active tracing;
    - a version and a ``live`` alias, which everything that invokes the function targets;
    - error and throttle alarms, and a CodeDeploy deployment group that rolls back on them.
    """

    construct_id: str
    """This construct's id (``Function``), kept in Python so that reading it is no jsii call."""
    tracing_policy: iam.CfnPolicy
    """The X-Ray statement (``xray:PutTraceSegments``, ``xray:PutTelemetryRecords`` on ``*``)."""
    vpc_policy: iam.CfnPolicy | None
    """The network-interface statement of a function in a VPC, else None."""
    policy: iam.Policy | None
    """The policy holding ``FunctionSpec.policies``, else None."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: FunctionSpec,
        service_name: str,
        invocation: InvocationType,
        monitoring: Monitoring,
        thresholds: AlarmThresholds,
        path: str,
        stack: cdk.Stack,
        deployments: Deployments | None = None,
        defaults: StageDefaults = Stage.PROD.defaults,
        **wiring: Unpack[FunctionWiring],
    ) -> None:
        """``path`` is this construct's path (``Stack/Pattern/Function``) and ``stack`` its stack,
        given by the pattern so that neither is read back from jsii; ``defaults`` are the stage's
        (log retention and removal of the log group); ``wiring`` is how the pattern connects the
        function (:class:`FunctionWiring`)."""
        super().__init__(scope, id)
        self.construct_id = id
        self.log_group = defaults.log_group(self, "LogGroup", spec.log_retention)
        self._role(spec, path)
        async_options = _async_options(invocation, wiring)
        function_options = {**async_options}
        for option in ("durable_config", "dead_letter_queue"):
            if wiring.get(option) is not None:
                function_options[option] = wiring[option]
        self.function = self._lambda(spec, service_name, path, wiring.get("environment"), function_options)
        self._configure(spec, path, stack)
        self.alias = lambda_.Alias(
            self,
            "LiveAlias",
            alias_name="live",
            version=self.function.current_version,
            provisioned_concurrent_executions=spec.provisioned_concurrency,
            # Asynchronous invocation config is per qualifier: invokers target the alias, so the
            # alias needs the same on-failure destination and retries as the function.
            **async_options,  # type: ignore[arg-type]
        )
        if wiring.get("dead_letter_queue") is None:
            self._acknowledge(invocation)
        self._alarms(monitoring, thresholds, path)
        # Both are about the new code, so both roll a canary back (monitoring.rolls_back).
        self.deployment_group = (
            deployments.add(wiring.get("deployment_group_id") or id, self.alias, self.alarms)
            if deployments is not None and deployments.strategy.uses_codedeploy
            else None
        )

    def _role(self, spec: FunctionSpec, path: str) -> None:
        """The function's own role, which may write to its own log group, with its policies."""
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=_lambda_principal(),
            description=f"Execution role of {path}",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        # Statements that need "*" each live in a policy of their own, acknowledged there only, so
        # that no acknowledgment can cover a statement added to the role later (CONTRIBUTING.md, "Acknowledgments").
        self._role_name = self.role.role_name
        self.tracing_policy = self.add_wildcard_policy(
            "TracingPolicy",
            "xray-tracing",
            _XRAY_ACTIONS,
            f"X-Ray tracing of {path}: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
            "resource-level permissions; this policy holds that one statement only",
        )
        self.vpc_policy = (
            self.add_wildcard_policy(
                "VpcPolicy",
                "vpc-network-interfaces",
                _ENI_ACTIONS,
                f"{path} runs in a VPC "
                f"({'the subnets selected' if spec.vpc_subnets is not None else 'the private subnets'}): "
                "Lambda creates, describes and deletes its network interfaces with the execution role; "
                "these EC2 actions (those of AWSLambdaVPCAccessExecutionRole) take no resource ARN known "
                "before the interfaces exist; this policy holds that one statement only",
            )
            if spec.vpc is not None
            else None
        )
        self.policy = (
            iam.Policy(self.role, "Policy", statements=list(spec.policies), roles=[self.role])
            if spec.policies
            else None
        )
        self.reads_policy = Reads(spec.secrets, spec.parameters).policy(self.role, self.role)
        """The statements that read ``spec.secrets`` and ``spec.parameters`` (None without any)."""

    def _lambda(
        self,
        spec: FunctionSpec,
        service_name: str,
        path: str,
        environment: Mapping[str, str] | None,
        function_options: Mapping[str, object],
    ) -> lambda_.Function:
        """The function (``Resource``): its code, environment, logging, VPC, and the options the
        pattern's wiring adds (asynchronous invocation, durable execution)."""
        env = {
            "POWERTOOLS_SERVICE_NAME": spec.service_name or service_name,
            "POWERTOOLS_METRICS_NAMESPACE": spec.metrics_namespace,
            **(environment or {}),
            **spec.environment,
            **Reads(spec.secrets, spec.parameters).environment(),
        }
        if isinstance(spec.code, lambda_.Code):
            code = spec.code
        else:  # Node.js runtimes: an esbuild bundle, which needs NODE_OPTIONS for its source map
            code, code_environment = node_bundling.function_code(
                os.path.abspath(os.fspath(spec.code)),
                target=bundling.Target(
                    spec.runtime_name,
                    DEFAULT_ARCHITECTURE_NAME if spec.architecture is None else spec.architecture.name,
                ),
                handler=spec.handler,
                exclude=spec.exclude,
                construct_path=path,
            )
            env = {**code_environment, **env}
        vpc_options: dict[str, object] = {}
        if spec.vpc is not None:
            vpc_options = {"vpc": spec.vpc, "vpc_subnets": spec.vpc_subnets}
            if spec.security_groups:
                vpc_options["security_groups"] = list(spec.security_groups)
        try:
            return lambda_.Function(
                self,
                "Resource",
                code=code,
                handler=spec.handler,
                runtime=spec.runtime or _default_runtime(),  # DEFAULT_RUNTIME_NAME
                architecture=spec.architecture or _default_architecture(),
                memory_size=spec.memory_size,
                timeout=spec.timeout or _default_timeout(),
                environment=env,
                layers=self._layers(spec),
                reserved_concurrent_executions=spec.reserved_concurrency,
                description=spec.description,
                role=self.role,
                log_group=self.log_group,
                logging_format=lambda_.LoggingFormat.JSON,
                application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
                system_log_level_v2=lambda_.SystemLogLevel.WARN,
                **vpc_options,  # type: ignore[arg-type]
                **function_options,  # type: ignore[arg-type]
            )
        except RuntimeError as error:  # aws-cdk-lib's own checks, e.g. public subnets for a VPC function
            if spec.vpc is None:
                raise
            raise PatternValidationError(path, [f"vpc: {str(error).splitlines()[0]}"]) from None

    def _configure(self, spec: FunctionSpec, path: str, stack: cdk.Stack) -> None:
        """Tracing, the spec's property overrides and the dependencies of the ``AWS::Lambda::Function``."""
        cfn_function = self.function.node.default_child
        # Active tracing, set on the resource: aws-cdk-lib's ``tracing=`` would put the X-Ray
        # statement in the role's default policy, beside grants made later.
        assert isinstance(cfn_function, lambda_.CfnFunction)
        cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        for key, value in spec.property_overrides.items():
            cfn_function.add_property_override(key, value)
        # CDK makes the function depend on its role, which CloudFormation already infers from the
        # GetAtt (cfn-lint W3005); keep only the dependencies on the role's policies.
        # Their logical IDs are computed in Python (read from jsii only for a stack that allocates
        # its own); the default policy is looked up only then.
        role_path = f"{path}/ServiceRole"
        policies: list[tuple[str, Callable[[], IConstruct]]] = [
            (f"{role_path}/DefaultPolicy/Resource", lambda: self.role.node.find_child("DefaultPolicy")),
            (f"{role_path}/TracingPolicy", lambda: self.tracing_policy),
        ]
        if self.vpc_policy is not None:
            policies.append((f"{role_path}/VpcPolicy", lambda: self.vpc_policy))  # type: ignore[arg-type,return-value]
        if self.policy is not None:
            policies.append((f"{role_path}/Policy/Resource", lambda: self.policy))  # type: ignore[arg-type,return-value]
        cfn_function.add_override(
            "DependsOn",
            sorted(logical_id(stack, resource) or _logical_id(policy()) for resource, policy in policies),
        )

    def _alarms(self, monitoring: Monitoring, thresholds: AlarmThresholds, path: str) -> None:
        """The error and throttle metrics, and an alarm on each."""
        subject = f"{path} function"
        self.function_name = self.function.function_name
        dims = {"FunctionName": self.function_name}
        self.errors_metric = Monitoring.metric(
            "AWS/Lambda", "Errors", dims, kind=AlarmKind.ERRORS, label="Errors"
        )
        self.throttles_metric = Monitoring.metric(
            "AWS/Lambda", "Throttles", dims, kind=AlarmKind.THROTTLES, label="Throttles"
        )
        self.alarms: list[cw.CfnAlarm] = [
            monitoring.alarm(self, id, kind=kind, metric=metric, subject=subject, thresholds=thresholds)
            for id, kind, metric in (
                ("ErrorsAlarm", AlarmKind.ERRORS, self.errors_metric),
                ("ThrottlesAlarm", AlarmKind.THROTTLES, self.throttles_metric),
            )
        ]

    def _layers(self, spec: FunctionSpec) -> list[lambda_.ILayerVersion] | None:
        layers = list(spec.layers)
        if spec.powertools:
            runtime = DEFAULT_RUNTIME_NAME if spec.runtime is None else spec.runtime.name
            arch = DEFAULT_ARCHITECTURE_NAME if spec.architecture is None else spec.architecture.name
            layer_name = powertools_layer_name(runtime, arch)
            if layer_name is not None:
                layers.insert(
                    0,
                    lambda_.LayerVersion.from_layer_version_arn(
                        self,
                        "PowertoolsLayer",
                        f"{_layer_arn_prefix()}{layer_name}:{POWERTOOLS_LAYER_VERSION}",
                    ),
                )
        return layers or None

    def add_rollback_alarm(self, alarm: IAlarmRef) -> None:
        """Also roll the deployment back when ``alarm`` fires (for alarms the pattern owns)."""
        if self.deployment_group is not None:
            self.deployment_group.add_alarm(alarm)

    def dashboard_widgets(self, title: str) -> list[Graph]:
        """The graphs this function contributes to its pattern's dashboard section."""
        dims = {"FunctionName": self.function_name}
        return [
            Graph(
                f"{title}: invocations and errors",
                [
                    Monitoring.metric(
                        "AWS/Lambda", "Invocations", dims, period_minutes=1, label="Invocations"
                    ),
                    self.errors_metric,
                    self.throttles_metric,
                ],
                width=12,
            ),
            Graph(
                f"{title}: duration p99",
                [Monitoring.metric("AWS/Lambda", "Duration", dims, kind=AlarmKind.LATENCY_P99, label="p99")],
                width=12,
            ),
        ]

    def add_wildcard_policy(self, id: str, name: str, actions: Sequence[str], reason: str) -> iam.CfnPolicy:
        """``actions`` on ``*`` in a policy of their own on this function's role, acknowledged there
        only (:func:`~.policies.wildcard_policy`). Only for actions with no resource-level permission."""
        return wildcard_policy(
            self.role, id, name=name, actions=actions, reason=reason, role_name=self._role_name
        )

    def _acknowledge(self, invocation: InvocationType) -> None:
        reason = {
            InvocationType.SYNC: "Invoked synchronously only (API Gateway or Step Functions): the caller "
            "receives the error; a function DLQ applies to asynchronous invocation only",
            InvocationType.EVENT_SOURCE: "Invoked by an event source mapping only: failed records go to the "
            "source queue's DLQ or the mapping's on-failure destination, not a function DLQ",
            InvocationType.ASYNC: "Asynchronous failures go to an on-failure destination queue (EventInvokeConfig), "
            "which supersedes a function DLQ and keeps the error context",
        }[invocation]
        acknowledge(self.function, "Serverless-LambdaDLQ", reason)


_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# What AWSLambdaVPCAccessExecutionRole grants besides logs: Lambda manages the function's ENIs.
_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def _async_options(invocation: InvocationType, wiring: FunctionWiring) -> dict[str, object]:
    """The asynchronous invocation options of the function and its alias: the on-failure queue,
    the retries and the event age (none for a function invoked otherwise)."""
    if invocation != InvocationType.ASYNC:
        return {}
    on_failure_queue = wiring.get("on_failure_queue")
    if on_failure_queue is None:
        raise ValueError("an asynchronously invoked function needs an on_failure_queue")
    return {
        "on_failure": destinations.SqsDestination(on_failure_queue),
        "retry_attempts": wiring.get("retry_attempts", 2),
        "max_event_age": _SIX_HOURS(),
    }


def _logical_id(policy: object) -> str:
    """The logical ID of a policy: an ``iam.CfnPolicy`` or an ``iam.Policy`` (its ``Resource``)."""
    resource = policy if isinstance(policy, cdk.CfnResource) else policy.node.default_child  # type: ignore[attr-defined]
    assert isinstance(resource, cdk.CfnResource)
    return resource.logical_id
