"""The ServiceApi construct: a REST API whose routes call AWS services directly, each through an
AWS integration whose role may take that one action on that one resource."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ...core import AlarmKind, Graph, Monitoring, MonitoringOptions, Pattern, QueueOptions
from ...core.domain import Domain, attach_domain, check_domain
from ...core.given import FromLocals
from ...core.monitoring import AlarmKindSpec, register_alarm_kind
from ...core.queue import QueueWithDlq
from ...core.rest_api import (
    AUTHORIZED_BY,
    ServiceResponse,
    StageAccess,
    acknowledge_methods,
    api_metrics,
    method_authorization,
    secure_rest_api,
    service_integration,
    stage_problems,
    usage_plan,
)
from ...core.routes import Route, route_id
from ...core.slo import Sli, Slo
from ..api_to_lambda import REST_MAX_TIMEOUT_SECONDS, ApiType, Authorization, _authorization_problems
from .props import RouteSpec, SendMessage
from .templates import Integration, integration_of
from .validation import key_schema, route_problems

__all__ = ["ServiceApi"]

CLIENT_ERROR_RATE = register_alarm_kind(
    "client_error_rate_percent",
    AlarmKindSpec(
        "Average", 5, 1, "{subject}: 4XX rate >= {threshold:g}% over 5 minutes", default_threshold=10
    ),
)
"""4XX responses as a percentage of requests over five minutes (threshold: ``AlarmThresholds(
others={"client_error_rate_percent": ...})``, 10 unless set). It notifies only."""

# A service's refusal (its 4XX: a missing permission, a throttle, an input it rejects) or failure
# (its 5XX) is the integration's, not the caller's, once the request passed its model: 500.
_FAILED = ServiceResponse("500", "[45]\\d{2}", '{"message": "Internal server error"}')


@dataclass(frozen=True)
class _Props(FromLocals):
    routes: Mapping[str, RouteSpec]
    authorization: Authorization
    throttling_rate_limit: float
    throttling_burst_limit: int
    stage_name: str
    web_acl_arn: str | None
    domain: Domain | None
    account_logging_role: bool
    access_log_retention: logs.RetentionDays | None
    queue: QueueOptions | None


class ServiceApi(StageAccess, Pattern):
    """A REST API whose routes call AWS services directly, with no Lambda function: SQS
    ``SendMessage``, DynamoDB ``PutItem``/``GetItem``/``Query``/``DeleteItem``, Step Functions
    ``StartExecution``/``StartSyncExecution``, EventBridge ``PutEvents``.

    Routes are declared with a spec each (``{"POST /orders": SendMessage()}``); the library writes
    the mapping templates, and each route's integration has a role of its own that may take that
    one action on that one resource (and use the resource's customer managed key). A route's
    ``request_model`` is enforced by a request validator (body and parameters). Secured, throttled,
    logged and alarmed as ``ApiToLambda``'s REST API.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Mapping[str, RouteSpec],
        authorization: Authorization | None = None,
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        stage_name: str = "prod",
        web_acl_arn: str | None = None,
        domain: Domain | None = None,
        account_logging_role: bool = True,
        access_log_retention: logs.RetentionDays | None = None,
        queue: QueueOptions | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param routes: Route key (``"METHOD /path"``, path parameters in braces) to what the route
            does: ``SendMessage``, ``PutItem``, ``GetItem``, ``Query``, ``DeleteItem``,
            ``StartExecution``, ``StartSyncExecution`` or ``PutEvents``.
        :param authorization: How callers are authorized: ``Authorization.iam()``, ``cognito``,
            ``api_key`` or ``none`` (no Lambda authorizer). Default: - Authorization.iam()
        :param throttling_rate_limit: Steady-state requests per second for the stage. Default: 100
        :param throttling_burst_limit: Burst of requests for the stage. Default: 200
        :param stage_name: Name of the stage. Default: prod
        :param web_acl_arn: ARN of a WAFv2 web ACL (REGIONAL) to associate with the stage.
            Default: - no web ACL
        :param domain: A custom domain name in front of the stage (``Domain("api.example.com",
            hosted_zone=zone)``). Default: - the ``execute-api`` endpoint only
        :param account_logging_role: Create the account-level role API Gateway needs to write
            execution logs. Set False when the account already has one. Default: True
        :param access_log_retention: Retention of the stage's access log group.
            Default: - the stage's: ONE_MONTH (prod), ONE_WEEK (dev)
        :param queue: Options of the pattern's own queue, made when a ``SendMessage`` names no queue.
            Default: - QueueOptions() (3 receives, 4 days, 30 s visibility timeout)
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on the API stage (5XX responses of all requests; its
            ``Latency``). Default: - no SLO
        """
        super().__init__(scope, id, deployment=None, monitoring=monitoring, slo=slo)
        authorization = authorization or Authorization.iam()
        props = _Props.of(locals())
        parsed = self._validate(props)
        self._stage_name = stage_name
        self._own_queue(parsed, props.queue)
        self.access_log_group = self._defaults.log_group(self, "AccessLogs", access_log_retention)
        self.api: apigw.RestApi = secure_rest_api(
            self,
            "Resource",
            description=f"{self.path} (serverless-patterns ServiceApi)",
            access_log_group=self.access_log_group,
            stage_name=stage_name,
            throttling_rate_limit=throttling_rate_limit,
            throttling_burst_limit=throttling_burst_limit,
            account_logging_role=account_logging_role,
            web_acl_arn=web_acl_arn,
            web_acl_prop="web_acl_arn",
            authorization=AUTHORIZED_BY[authorization.kind],
        )
        """The REST API."""
        self.roles: dict[str, iam.Role] = {}
        """Route key to the role its integration calls the service with."""
        self._methods(parsed, authorization, props)
        self.domain = attach_domain(self, domain, self.api, self.api.deployment_stage) if domain else None
        """The custom domain's resources (None without ``domain``)."""
        self._dashboard_section(self._api_alarms())

    # ------------------------------------------------------------------ building
    def _own_queue(self, parsed: list[Route[RouteSpec]], options: QueueOptions | None) -> None:
        """The pattern's queue with its DLQ, when a ``SendMessage`` names no queue of its own."""
        self.queue: sqs.IQueue | None = None
        """The pattern's own queue (a ``SendMessage`` with no queue sends here), or None."""
        self.dead_letter_queue: sqs.IQueue | None = None
        """The dead-letter queue of :attr:`queue`, or None."""
        if not any(isinstance(r.spec, SendMessage) and r.spec.queue is None for r in parsed):
            return
        made = QueueWithDlq(self, "Queue", options=options)
        self.queue, self.dead_letter_queue = made.queue, made.dead_letter_queue
        dlq_depth = Monitoring.queue_metric(made.dead_letter_queue.queue_name, kind=AlarmKind.DLQ_DEPTH)
        self._alarm(
            self,
            "DeadLetterQueueDepthAlarm",
            kind=AlarmKind.DLQ_DEPTH,
            metric=dlq_depth,
            subject=f"{self.path} dead-letter queue",
        )

    def _methods(self, parsed: list[Route[RouteSpec]], authorization: Authorization, props: _Props) -> None:
        api = self.api
        validator = api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        options = {
            "request_validator": validator,
            **method_authorization(
                self, authorization.kind, user_pool=authorization.user_pool, scopes=authorization.scopes
            ),
        }
        methods: list[apigw.Method] = []
        for route in parsed:
            name = route_id(route)
            integration = integration_of(route.spec, self.stack, _numbers(route.spec), self.queue)
            role = self._role(name, route, integration)
            made, method_responses = service_integration(
                integration.service,
                role=role,
                request_template=integration.request_template,
                responses=(ServiceResponse("200", None, integration.response_template), _FAILED),
                action=integration.action,
                path=integration.path,
                request_parameters=integration.request_parameters,
            )
            required = {f"method.request.path.{p}": True for p in route.path_parameters}
            required.update(dict.fromkeys(sorted(integration.required), True))
            model = self._model(name, route.spec.request_model)
            resource = api.root if route.path == "/" else api.root.resource_for_path(route.path)
            methods.append(
                resource.add_method(
                    route.method,
                    made,
                    method_responses=method_responses,
                    request_parameters=required or None,
                    request_models={"application/json": model} if model is not None else None,
                    **options,  # type: ignore[arg-type]
                )
            )
        self.api_key: apigw.IApiKey | None = (
            usage_plan(api, props.throttling_rate_limit, props.throttling_burst_limit)
            if authorization.kind == "api_key"
            else None
        )
        """The API key of API-key authorization, or None."""
        acknowledge_methods(methods, authorization.kind, api, cors=False)

    def _role(self, name: str, route: Route[RouteSpec], integration: Integration) -> iam.Role:
        """The role the integration of ``route`` calls its service with: one statement, its action
        on its resource, and the KMS actions on the resource's customer managed key."""
        access = integration.access
        statements = [iam.PolicyStatement(actions=[access.action], resources=list(access.resources))]
        if access.key_arn is not None:
            statements.append(
                iam.PolicyStatement(actions=list(access.key_actions), resources=[access.key_arn])
            )
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description=f"Lets {route.key} of {self.path} call {access.action}",
            inline_policies={"Integration": iam.PolicyDocument(statements=statements)},
        )
        self.roles[route.key] = role
        return role

    def _model(self, name: str, schema: Mapping[str, Any] | None) -> apigw.IModel | None:
        """The request model of a route's JSON schema (draft 4 unless it says), or None."""
        if schema is None:
            return None
        body = {"$schema": "http://json-schema.org/draft-04/schema#", **schema}
        model = apigw.CfnModel(
            self,
            f"{name}Model",
            rest_api_id=self.api.rest_api_id,
            content_type="application/json",
            schema=body,
        )
        # The deployment changes with the schema, so a new schema reaches the stage.
        self.api.latest_deployment.add_to_logical_id({name: body})  # type: ignore[union-attr]
        return apigw.Model.from_model_name(self, f"{name}ModelRef", model.ref)

    def _api_alarms(self) -> list[Graph]:
        """The API's 5XX rate, 4XX rate and p99 latency alarms, and its graphs."""
        metrics = api_metrics({"ApiName": self.api.rest_api_name, "Stage": self._stage_name})
        self._metrics = metrics
        subject = f"{self.path} API"
        client_rate = Monitoring.rate_percent(
            metrics.errors_4xx,
            metrics.count,
            kind=CLIENT_ERROR_RATE,  # type: ignore[arg-type]
            label="4XX rate %",
        )
        self._alarms(
            self,
            ("ServerErrorRateAlarm", AlarmKind.SERVER_ERROR_RATE, metrics.server_error_rate(), subject),
            ("ClientErrorRateAlarm", CLIENT_ERROR_RATE, client_rate, subject),
            ("LatencyP99Alarm", AlarmKind.LATENCY_P99, metrics.latency, subject),
        )
        self._slo_alarms(self, Sli(metrics.errors_5xx, metrics.count, metrics.latency, subject, "API"))
        return metrics.widgets()

    # ------------------------------------------------------------------ validation
    def _validate(self, props: _Props) -> list[Route[RouteSpec]]:
        problems = self._problems()
        parsed = route_problems(props.routes, problems)
        authorization = props.authorization
        if problems.instance("authorization", authorization, Authorization, "an Authorization"):
            problems.extend(_authorization_problems(authorization, ApiType.REST))
            if authorization.kind == "lambda":
                problems.add(
                    "authorization: a Lambda authorizer is not supported by ServiceApi (no functions)"
                )
        stage_problems(props, problems)
        check_domain(problems, props.domain)
        if props.queue is not None and problems.instance(
            "queue", props.queue, QueueOptions, "a QueueOptions"
        ):
            problems.extend(props.queue.problems("queue"))
        self._slo_timeouts(problems, [("the API's integration timeout", REST_MAX_TIMEOUT_SECONDS)])
        self._check(problems)
        return parsed

    # ------------------------------------------------------------------ public API
    @property
    def url(self) -> str:
        """The URL clients call: the custom domain's, else the stage's invoke URL."""
        return self.domain.url if self.domain is not None else self.api.url

    def grant_consume_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` consume the pattern's own queue (AttributeError when it has none)."""
        if self.queue is None:
            raise AttributeError("this ServiceApi has no queue of its own")
        return self.queue.grant_consume_messages(grantee)

    def metric_server_errors(self, **options: Any) -> cw.IMetric:
        """``5XXError``: the stage's 5XX responses (Sum over five minutes)."""
        return self._metric(self._metrics.errors_5xx, options)

    def metric_client_errors(self, **options: Any) -> cw.IMetric:
        """``4XXError``: the stage's 4XX responses (Sum over five minutes)."""
        return self._metric(self._metrics.errors_4xx, options)


def _numbers(spec: RouteSpec) -> dict[str, bool]:
    """Which key attributes of a spec's table are numbers, when its table's schema is known."""
    table = getattr(spec, "table", None)
    return (key_schema(table) or {}) if table is not None else {}
