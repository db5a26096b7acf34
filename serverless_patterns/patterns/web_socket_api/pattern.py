"""The WebSocketApi construct: an API Gateway WebSocket API whose routes invoke Lambda functions
through their ``live`` alias, with a connections table and the grants to answer clients.

Built from CloudFormation resources (``apigatewayv2.Cfn*``) with plain values: aws-cdk-lib's
``WebSocketLambdaIntegration`` lets any route whose key ends like this one's invoke the function
(``apiId/*sendMessage``), where this pattern allows the one route only (``apiId/*/sendMessage``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ...core import (
    AlarmKind,
    DeploymentStrategy,
    ExpressionSpec,
    FunctionSpec,
    Graph,
    InvocationType,
    MetricSpec,
    Monitoring,
    MonitoringOptions,
    Pattern,
    PatternFunction,
    acknowledge,
)
from ...core.domain import Domain, attach_domain
from ...core.ids import unique_id
from ...core.monitoring import AlarmKindSpec, register_alarm_kind
from ...core.rest_api import _acknowledge_logging_role
from ...core.slo import Slo
from .props import CONNECT, DEFAULT, DISCONNECT, Props, WebSocketAuthorizer, problems

__all__ = ["WebSocketApi"]

ROUTE_SELECTION_EXPRESSION = "$request.body.action"
CONNECTION_ID = "connectionId"
"""The connections table's partition key."""
TTL_ATTRIBUTE = "expiresAt"
"""The connections table's time-to-live attribute (epoch seconds)."""
ENVIRONMENT = ("CONNECTIONS_TABLE", "CONNECTION_TTL_ATTRIBUTE", "CALLBACK_URL")
"""The variables every route function gets: the table's name, its TTL attribute, the stage's
callback URL (``https://{api}.execute-api.{region}.amazonaws.com/{stage}``)."""
# What each route function may do to the connections table: exactly what its route is for.
_TABLE_ACTIONS = {CONNECT: "dynamodb:PutItem", DISCONNECT: "dynamodb:DeleteItem"}
_NAMED_ROUTES = {CONNECT: "Connect", DISCONNECT: "Disconnect", DEFAULT: "Default"}
_ROUTE_AUTHORIZATION = {"iam": "AWS_IAM", "lambda": "CUSTOM", "none": "NONE"}
# What $connect requires of a client, for acknowledgment reasons.
_AUTHORIZED_BY = {
    "iam": "IAM (SigV4) authorization: a principal granted execute-api:Invoke",
    "lambda": "the approval of the Lambda REQUEST authorizer",
    "none": "nothing (authorization='none', chosen by the user)",
}
# WebSocket $context variables, as JSON: one access log line per connection, message and disconnection.
_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "user": "$context.identity.user",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
        "connectionId": "$context.connectionId",
        "messageId": "$context.messageId",
        "status": "$context.status",
        "error": "$context.error.message",
        "integrationError": "$context.integrationErrorMessage",
        "authorizeError": "$context.authorize.error",
    },
    separators=(",", ":"),
)

INTEGRATION_ERROR_RATE = register_alarm_kind(
    "integration_error_rate_percent",
    AlarmKindSpec(
        "Average",
        5,
        1,
        "{subject}: integration errors >= {threshold:g}% of connections and messages over 5 minutes",
        about_code=True,
        default_threshold=1,
    ),
)
"""A WebSocket stage's ``IntegrationError`` as a percentage of its ``ConnectCount`` and
``MessageCount``: what its functions fail on, so it rolls a canary back."""


@functools.cache
def _aws() -> tuple[str, str, str, str]:
    """The partition, region, account and URL suffix tokens (the same in every stack; each read is
    a jsii round trip, so read once)."""
    return cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID, cdk.Aws.URL_SUFFIX


class WebSocketApi(Pattern):
    """An API Gateway WebSocket API in front of Lambda functions, one per route, with a table of
    the open connections, secured, throttled, logged and alarmed.

    A message's ``action`` selects its route (``{"action": "sendMessage", ...}``), else
    ``$default``. The ``$connect`` function may put items into :attr:`connections_table` and the
    ``$disconnect`` function delete them; the functions of ``senders`` (every route's by default)
    may post to this stage's connections (``execute-api:ManageConnections``). Every route function
    gets ``CONNECTIONS_TABLE``, ``CONNECTION_TTL_ATTRIBUTE`` and ``CALLBACK_URL``, the endpoint of
    ``boto3.client("apigatewaymanagementapi", endpoint_url=...)``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Mapping[str, FunctionSpec],
        authorization: str | WebSocketAuthorizer = "iam",
        senders: Sequence[str] | None = None,
        stage_name: str = "prod",
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        account_logging_role: bool = True,
        access_log_retention: logs.RetentionDays | None = None,
        domain: Domain | None = None,
        deployment: DeploymentStrategy | None = None,
        monitoring: MonitoringOptions | None = None,
        slo: Slo | None = None,
    ) -> None:
        """
        :param routes: Route key to the function serving it: ``$connect``, ``$disconnect``,
            ``$default`` or a custom key, the ``action`` of the messages it serves. Each route has a
            function of its own, whose timeout is at most 29 seconds.
        :param authorization: Who may connect, checked on ``$connect`` (which it then requires):
            ``"iam"`` (SigV4-signed connection requests of principals granted
            ``execute-api:Invoke``), a ``WebSocketAuthorizer`` (a Lambda REQUEST authorizer) or
            ``"none"``. Default: iam
        :param senders: Route keys whose functions may post to connections
            (:meth:`grant_post_to_connection`). Default: - every route's function
        :param stage_name: Name of the stage. Default: prod
        :param throttling_rate_limit: Steady-state messages per second for the stage's routes. Default: 100
        :param throttling_burst_limit: Burst of messages for the stage's routes. Default: 200
        :param account_logging_role: Create the account-level role API Gateway needs to write a
            WebSocket stage's logs. Set False when the account already has one. Default: True
        :param access_log_retention: Retention of the stage's access log group.
            Default: - the stage's: ONE_MONTH (prod), ONE_WEEK (dev)
        :param domain: A custom domain name in front of the stage (``Domain("ws.example.com",
            hosted_zone=zone)``); :attr:`url` is then ``wss://`` on it. Default: - the
            ``execute-api`` endpoint only
        :param deployment: New versions' rollout (:class:`DeploymentStrategy`). Default: - the stage's
        :param monitoring: Alarms and dashboard (:class:`MonitoringOptions`). Default: - MonitoringOptions()
        :param slo: An SLO (:class:`Slo`) measured on each route's function. Default: - no SLO
        """
        super().__init__(scope, id, deployment=deployment, monitoring=monitoring, slo=slo)
        props = Props.of(locals())
        found = self._problems()
        problems(props, found)
        if isinstance(routes, Mapping):
            self._slo_timeouts(found, [(f"routes[{key!r}].timeout", spec) for key, spec in routes.items()])
        self._check(found)
        self._build(props, id)

    def _build(self, props: Props, id: str) -> None:
        """The table, the API, its routes and stage, the custom domain, the dashboard section."""
        stage_name = props.stage_name
        self.stage_name: str = stage_name
        self.connections_table: dynamodb.Table = self._table()
        """Open connections: ``connectionId`` (partition key) and ``expiresAt`` (TTL, epoch seconds)."""
        self.access_log_group = self._defaults.log_group(self, "AccessLogs", props.access_log_retention)
        self.api = apigwv2.CfnApi(
            self,
            "Resource",
            name=id,
            protocol_type="WEBSOCKET",
            route_selection_expression=ROUTE_SELECTION_EXPRESSION,
            description=f"{self.path} (serverless-patterns WebSocketApi)",
        )
        """The WebSocket API."""
        self.api_id: str = self.api.ref
        partition, region, account, suffix = _aws()
        host = f"{self.api_id}.execute-api.{region}.{suffix}"
        self.url: str = f"wss://{host}/{stage_name}"
        """The URL clients connect to: ``wss://{api}.execute-api.{region}.amazonaws.com/{stage}``
        (``wss://`` on the custom domain with ``domain``)."""
        self.callback_url: str = f"https://{host}/{stage_name}"
        """The management endpoint that posts to this stage's connections."""
        self._execute_api = f"arn:{partition}:execute-api:{region}:{account}:{self.api_id}"
        self._connections_arn = f"{self._execute_api}/{stage_name}/POST/@connections/*"
        self._authorization = props.authorization_kind
        self.routes: dict[str, apigwv2.CfnRoute] = self._routes(props, self._authorizer(props))
        """Route key to its route."""
        self.api_stage: apigwv2.CfnStage = self._stage(props)
        """The stage, deployed on every change."""
        self.domain = attach_domain(self, props.domain, self.api, self.api_stage) if props.domain else None
        """The custom domain's resources (None without ``domain``)."""
        if props.domain is not None:
            self.url = "wss://" + props.domain.url.removeprefix("https://")
        self._dashboard_section(self._monitor(), function_titles=self._titles)

    # ------------------------------------------------------------------ building
    def _table(self) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            "ConnectionsTable",
            partition_key=dynamodb.Attribute(name=CONNECTION_ID, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=TTL_ATTRIBUTE,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=self._defaults.removal_policy,
        )

    def _authorizer(self, props: Props) -> str | None:
        """With a WebSocketAuthorizer, its function and the REQUEST authorizer; returns its id."""
        spec = props.authorizer
        if spec is None:
            return None
        pf = self._function(
            self,
            "AuthorizerFunction",
            spec=spec.function,
            invocation=InvocationType.SYNC,
            service_name=f"{self._id}Authorizer",
        )
        alias_arn = pf.alias.function_arn
        authorizer = apigwv2.CfnAuthorizer(
            self,
            "Authorizer",
            api_id=self.api_id,
            authorizer_type="REQUEST",
            name=f"{self._id}Authorizer",
            identity_source=list(spec.identity_source),
            authorizer_uri=self._invocation_uri(alias_arn),
        )
        self._permission("AuthorizerPermission", alias_arn, f"authorizers/{authorizer.ref}")
        return authorizer.ref

    def _routes(self, props: Props, authorizer_id: str | None) -> dict[str, apigwv2.CfnRoute]:
        """A function, integration, route and invoke permission per route key, and each function's
        grants: the table's action of its route, posting to connections for the senders."""
        environment = dict(
            zip(
                ENVIRONMENT,
                (self.connections_table.table_name, TTL_ATTRIBUTE, self.callback_url),
                strict=True,
            )
        )
        senders = set(props.routes if props.senders is None else props.senders)
        made: dict[str, apigwv2.CfnRoute] = {}
        self._titles: dict[PatternFunction, str] = {}
        used: set[str] = set()
        for key, spec in props.routes.items():
            name = unique_id(_route_id(key), used)
            pf = self._function(
                self,
                f"{name}Function",
                spec=spec,
                invocation=InvocationType.SYNC,
                service_name=self._id,
                name=key,
                environment=environment,
            )
            self._titles[pf] = key
            alias_arn = pf.alias.function_arn
            integration = apigwv2.CfnIntegration(
                self,
                f"{name}Integration",
                api_id=self.api_id,
                integration_type="AWS_PROXY",
                integration_uri=self._invocation_uri(alias_arn),
            )
            made[key] = self._route(name, key, integration.ref, authorizer_id)
            self._permission(f"{name}Permission", alias_arn, f"*/{key}")
            if key in _TABLE_ACTIONS:
                self.connections_table.grant(pf.function, _TABLE_ACTIONS[key])
            if key in senders:
                self._post_policy(pf)
        return made

    def _route(self, name: str, key: str, integration_id: str, authorizer_id: str | None) -> apigwv2.CfnRoute:
        """The route; only ``$connect`` can be authorized (API Gateway authorizes a connection once)."""
        kind = self._authorization if key == CONNECT else "none"
        route = apigwv2.CfnRoute(
            self,
            f"{name}Route",
            api_id=self.api_id,
            route_key=key,
            target=f"integrations/{integration_id}",
            authorization_type=_ROUTE_AUTHORIZATION[kind],
            authorizer_id=authorizer_id if kind == "lambda" else None,
        )
        if key != CONNECT:
            acknowledge(
                route,
                "AwsSolutions-APIG4",
                "A WebSocket API authorizes a client once, on $connect (here: "
                f"{_AUTHORIZED_BY[self._authorization]}); routes other than $connect, such as {key}, "
                "cannot have an authorizer: their messages travel on the connection $connect let in",
            )
        elif self._authorization == "none":
            acknowledge(
                route,
                "AwsSolutions-APIG4",
                "Authorization was explicitly set to 'none' by the user: any client may connect",
            )
        return route

    def _invocation_uri(self, function_arn: str) -> str:
        partition, region, _, _ = _aws()
        return (
            f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        )

    def _permission(self, id: str, function_arn: str, source: str) -> None:
        """API Gateway may invoke ``function_arn`` for this API's ``source`` (``*/$connect``) only."""
        lambda_.CfnPermission(
            self,
            id,
            action="lambda:InvokeFunction",
            function_name=function_arn,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self._execute_api}/{source}",
        )

    def _post_statement(self) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Action": "execute-api:ManageConnections",
            "Resource": self._connections_arn,
        }

    def _post_policy(self, pf: PatternFunction) -> None:
        """Posting to this stage's connections, in a policy of its own on ``pf``'s role (a
        connection id is known at run time only), acknowledged there."""
        policy = iam.CfnPolicy(
            pf.role,
            "PostToConnectionPolicy",
            policy_name="post-to-connection",
            roles=[pf.role.role_name],
            policy_document={"Version": "2012-10-17", "Statement": [self._post_statement()]},
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5",
            f"execute-api:ManageConnections on POST /@connections/* of the {self.stage_name} stage of "
            f"this API only: the connection ids are made by API Gateway at run time; this policy holds "
            "that one statement only",
            finding=f"Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
            f"<{self.stack.get_logical_id(self.api)}>/{self.stage_name}/POST/@connections/*",
        )

    def _stage(self, props: Props) -> apigwv2.CfnStage:
        """The stage: deployed on every change, throttled, with JSON access logs."""
        stage = apigwv2.CfnStage(
            self,
            "Stage",
            api_id=self.api_id,
            stage_name=props.stage_name,
            auto_deploy=True,
            description=f"{self.path} (serverless-patterns WebSocketApi)",
            default_route_settings=apigwv2.CfnStage.RouteSettingsProperty(
                throttling_rate_limit=props.throttling_rate_limit,
                throttling_burst_limit=props.throttling_burst_limit,
            ),
            access_log_settings=apigwv2.CfnStage.AccessLogSettingsProperty(
                destination_arn=self.access_log_group.log_group_arn, format=_ACCESS_LOG_FORMAT
            ),
        )
        stage.node.add_dependency(*self.routes.values())  # its first deployment has every route
        self.account: apigw.CfnAccount | None = None
        """The account setting naming the logging role (``account_logging_role``), else None."""
        if props.account_logging_role:
            role = iam.Role(
                self,
                "CloudWatchRole",
                assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                managed_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name(
                        "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                    )
                ],
            )
            role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # the account setting outlives the stack
            self.account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
            self.account.node.add_dependency(self.api)
            stage.node.add_dependency(self.account)
            # It finds the CloudWatchRole child of the construct it is given, as a RestApi has one.
            _acknowledge_logging_role(cast(apigw.RestApi, self))
        return stage

    def _monitor(self) -> list[Graph]:
        """The stage's metrics, its alarms (about the new code: they roll every function's canary
        back) and graphs."""
        dims = {"ApiId": self.api_id, "Stage": self.stage_name}

        def metric(name: str, label: str, **options: Any) -> MetricSpec:
            return Monitoring.metric("AWS/ApiGateway", name, dims, label=label, **options)

        self._connects = metric("ConnectCount", "Connections")
        self._messages = metric("MessageCount", "Messages")
        self._integration_errors = metric("IntegrationError", "Integration errors")
        self._execution_errors = metric("ExecutionError", "Execution errors")
        self._client_errors = metric("ClientError", "Client errors")
        self._latency = metric("IntegrationLatency", "p99 integration latency", kind=AlarmKind.LATENCY_P99)
        rate = ExpressionSpec(
            "IF(c + m > 0, 100 * e / (c + m), 0)",
            (("e", self._integration_errors), ("c", self._connects), ("m", self._messages)),
            "Integration error rate %",
            5,
        )
        subject = f"{self.path} API"
        self._alarms(
            self,
            ("IntegrationErrorRateAlarm", INTEGRATION_ERROR_RATE, rate, subject),
            ("IntegrationLatencyP99Alarm", AlarmKind.LATENCY_P99, self._latency, subject),
        )
        return [
            Graph("Connections and messages", [self._connects, self._messages], width=8),
            Graph("Errors", [self._client_errors, self._integration_errors, self._execution_errors], width=8),
            Graph("Integration latency", [self._latency], width=8),
        ]

    # ------------------------------------------------------------------ public API
    def grant_post_to_connection(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` post to this stage's connections: ``execute-api:ManageConnections`` on
        ``arn:...:execute-api:<region>:<account>:<api>/<stage>/POST/@connections/*`` of this API
        only. The rule packs report the ``*`` (a connection id exists at run time only) on the
        grantee's policy, which this library does not acknowledge: it may hold your statements."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:ManageConnections"],
            resource_arns=[self._connections_arn],
        )

    def grant_read_connections(self, grantee: iam.IGrantable) -> iam.Grant:
        """Lets ``grantee`` read the connections table (to broadcast, say): its read actions on
        this table only (AWS-managed encryption: no key permission is needed)."""
        return self.connections_table.grant_read_data(grantee)

    def metric_connect_count(self, **options: Any) -> cw.IMetric:
        """``ConnectCount``: connection requests to the stage (Sum over five minutes). ``options``:
        see :class:`~serverless_patterns.core.MetricOptions`."""
        return self._metric(self._connects, options)

    def metric_message_count(self, **options: Any) -> cw.IMetric:
        """``MessageCount``: messages to and from the stage's clients (Sum over five minutes)."""
        return self._metric(self._messages, options)

    def metric_integration_error(self, **options: Any) -> cw.IMetric:
        """``IntegrationError``: requests whose integration (a function) failed (Sum over five minutes)."""
        return self._metric(self._integration_errors, options)

    def metric_execution_error(self, **options: Any) -> cw.IMetric:
        """``ExecutionError``: errors calling the integration (Sum over five minutes)."""
        return self._metric(self._execution_errors, options)

    def metric_client_error(self, **options: Any) -> cw.IMetric:
        """``ClientError``: requests refused before the integration, such as an unauthorized
        connection or a throttled message (Sum over five minutes)."""
        return self._metric(self._client_errors, options)

    def metric_integration_latency(self, **options: Any) -> cw.IMetric:
        """``IntegrationLatency`` in milliseconds (p99 over five minutes), what the latency alarm watches."""
        return self._metric(self._latency, options)


def _route_id(key: str) -> str:
    """The construct id part of a route key: ``$connect`` -> ``Connect``, ``sendMessage`` ->
    ``SendMessage``, ``send-message`` -> ``SendMessage``."""
    named = _NAMED_ROUTES.get(key)
    if named is not None:
        return named
    words = [w for w in re.split(r"[^A-Za-z0-9]+", key) if w]
    return "".join(w[0].upper() + w[1:] for w in words) or "Route"
