"""Functions, written once: a FunctionSpec says what to run, PatternFunction builds it the same way
for every pattern (role, log group, tracing, version, ``live`` alias, alarms, deployment group)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_cloudwatch import IAlarmRef
from constructs import Construct, IConstruct

from ..errors import Problems, is_token
from . import bundling, node_bundling
from .monitoring import AlarmKind, AlarmThresholds, Graph, Monitoring
from .nag import acknowledge

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
_RESERVED_ENV = re.compile(r"^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_TASK_ROOT$|LAMBDA_RUNTIME_DIR$)")


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
    """Retention of the function's log group. Default: - one month"""
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

    def problems(self, prop: str, *, max_timeout_seconds: float = 900) -> list[str]:
        """Everything wrong with this spec, each message naming ``prop``."""
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
        found.in_range(f"{prop}.memory_size", self.memory_size, 128, 10240, "MB")
        seconds = self.timeout_seconds
        if seconds is not None:
            found.in_range(f"{prop}.timeout", seconds, 1, max_timeout_seconds, "seconds")
        if self.reserved_concurrency is not None:
            found.in_range(f"{prop}.reserved_concurrency", self.reserved_concurrency, 0, 1_000_000)
        if self.provisioned_concurrency is not None:
            found.in_range(f"{prop}.provisioned_concurrency", self.provisioned_concurrency, 1, 1_000_000)
            if (
                self.reserved_concurrency is not None
                and not is_token(self.reserved_concurrency)
                and not is_token(self.provisioned_concurrency)
                and self.provisioned_concurrency > self.reserved_concurrency
            ):
                found.add(
                    f"{prop}.provisioned_concurrency must be <= reserved_concurrency "
                    f"({self.reserved_concurrency}), got {self.provisioned_concurrency}"
                )
        for key in self.environment:
            found.require(
                not _RESERVED_ENV.match(key), f"{prop}.environment may not set the reserved variable {key!r}"
            )
        return list(found)

    @property
    def timeout_seconds(self) -> float | None:
        """The timeout in seconds, or None for an unresolved token. Default applied."""
        if self.timeout is None:
            return DEFAULT_TIMEOUT_SECONDS
        if self.timeout.is_unresolved():
            return None
        return float(self.timeout.to_seconds())


@functools.cache
def _lambda_principal() -> iam.ServicePrincipal:
    """``lambda.amazonaws.com``, created once per process (a principal is an immutable value)."""
    return iam.ServicePrincipal("lambda.amazonaws.com")


@functools.cache
def _default_timeout() -> cdk.Duration:
    return cdk.Duration.seconds(DEFAULT_TIMEOUT_SECONDS)


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
        deployments: Deployments | None = None,
        environment: Mapping[str, str] | None = None,
        on_failure_queue: sqs.IQueue | None = None,
        retry_attempts: int = 2,
        deployment_group_id: str | None = None,
    ) -> None:
        """``path`` is this construct's path (``Stack/Pattern/Function``), given by the pattern so
        that it is not read back from jsii."""
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=spec.log_retention or logs.RetentionDays.ONE_MONTH
        )
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
        env = {
            "POWERTOOLS_SERVICE_NAME": spec.service_name or service_name,
            "POWERTOOLS_METRICS_NAMESPACE": spec.metrics_namespace,
            **(environment or {}),
            **spec.environment,
        }
        if isinstance(spec.code, lambda_.Code):
            code = spec.code
        else:  # Node.js runtimes: an esbuild bundle, which needs NODE_OPTIONS for its source map
            code, code_environment = node_bundling.function_code(
                os.path.abspath(os.fspath(spec.code)),
                target=bundling.Target(
                    DEFAULT_RUNTIME_NAME if spec.runtime is None else spec.runtime.name,
                    DEFAULT_ARCHITECTURE_NAME if spec.architecture is None else spec.architecture.name,
                ),
                handler=spec.handler,
                exclude=spec.exclude,
                construct_path=path,
            )
            env = {**code_environment, **env}
        async_options: dict[str, object] = {}
        if invocation == InvocationType.ASYNC:
            if on_failure_queue is None:
                raise ValueError("an asynchronously invoked function needs an on_failure_queue")
            async_options = {
                "on_failure": destinations.SqsDestination(on_failure_queue),
                "retry_attempts": retry_attempts,
                "max_event_age": _SIX_HOURS(),
            }
        self.function = lambda_.Function(
            self,
            "Resource",
            code=code,
            handler=spec.handler,
            runtime=spec.runtime or lambda_.Runtime.PYTHON_3_14,  # DEFAULT_RUNTIME_NAME
            architecture=spec.architecture or lambda_.Architecture.ARM_64,
            memory_size=spec.memory_size,
            timeout=spec.timeout or _default_timeout(),
            environment=env,
            layers=self._layers(spec),
            reserved_concurrent_executions=spec.reserved_concurrency,
            description=spec.description,
            role=self.role,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            **async_options,  # type: ignore[arg-type]
        )
        # CDK makes the function depend on its role, which CloudFormation already infers from the
        # GetAtt (cfn-lint W3005); keep only the dependency on the role's policy.
        policy = self.role.node.find_child("DefaultPolicy")
        cfn_function = self.function.node.default_child
        cfn_policy = policy.node.default_child
        assert isinstance(cfn_policy, cdk.CfnResource) and isinstance(cfn_function, cdk.CfnResource)
        cfn_function.add_override("DependsOn", [cfn_policy.logical_id])
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
        self._acknowledge(invocation, policy)

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
            monitoring.alarm(
                self,
                "ErrorsAlarm",
                kind=AlarmKind.ERRORS,
                metric=self.errors_metric,
                subject=subject,
                thresholds=thresholds,
            ),
            monitoring.alarm(
                self,
                "ThrottlesAlarm",
                kind=AlarmKind.THROTTLES,
                metric=self.throttles_metric,
                subject=subject,
                thresholds=thresholds,
            ),
        ]
        # Both are about the new code, so both roll a canary back (monitoring.rolls_back).
        self.deployment_group = (
            deployments.add(deployment_group_id or id, self.alias, self.alarms)
            if deployments is not None and deployments.strategy.uses_codedeploy
            else None
        )

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

    def _acknowledge(self, invocation: InvocationType, policy: IConstruct) -> None:
        acknowledge(
            policy,
            "AwsSolutions-IAM5",
            "xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level "
            "permissions; every other statement names this function's own resources",
            finding="Resource::*",
        )
        reason = {
            InvocationType.SYNC: "Invoked synchronously only (API Gateway or Step Functions): the caller "
            "receives the error; a function DLQ applies to asynchronous invocation only",
            InvocationType.EVENT_SOURCE: "Invoked by an event source mapping only: failed records go to the "
            "source queue's DLQ or the mapping's on-failure destination, not a function DLQ",
            InvocationType.ASYNC: "Asynchronous failures go to an on-failure destination queue (EventInvokeConfig), "
            "which supersedes a function DLQ and keeps the error context",
        }[invocation]
        acknowledge(self.function, "Serverless-LambdaDLQ", reason)
