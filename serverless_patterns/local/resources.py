"""CloudFormation resource types that moto skips or cannot run, made to deploy with their behaviour or
reported by name.

moto's CloudFormation silently drops types it has no model for, and ``Custom::`` resources wait for a
handler that can only run in Docker. Here every type the patterns emit gets a model:

- with behaviour: Lambda aliases and event invoke configs (async retries and destinations), SNS
  subscriptions (delivery, raw delivery, filter policies), API Gateway stages, HTTP APIs (v2) with
  routes, integrations and stages, S3 bucket notifications (``Custom::S3BucketNotifications``),
  DynamoDB global tables (``TableV2``: the replica of the local region), API Gateway methods with
  their integration responses, request validators and models (the local endpoint validates
  requests with them and runs AWS service integrations, ``local/integrations.py``);
- accepted: resource policies (queue, topic, bucket), which moto never enforces, and the API Gateway
  account setting;
- elsewhere, with behaviour: CloudWatch alarms (``services/cloudwatch.py``, evaluated by
  ``local/alarms.py``) and CodeDeploy applications, deployment groups and configs
  (``services/codedeploy.py``: an alias updated under a deployment group shifts traffic);
- reported as not emulated: API Gateway usage plans and API keys, custom domain names and their
  certificates, any other ``Custom::`` resource whose handler is not Python, and any type moto has
  no model for.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

from . import moto_adapter
from .integrations import aws_integration_unserved
from .moto_adapter.bases import CloudFormationModel
from .state import ACCEPTED, NOT_EMULATED, State

__all__ = [
    "MODELS",
    "NOT_EMULATED_TYPES",
    "NamedModel",
    "Noting",
    "ResourceRequest",
    "bind",
    "resource_model",
    "update_hook",
]

M = TypeVar("M", bound=type)


class Noting:
    """What a local model knows of the running cloud: its :class:`State`, set on the copy of the
    model that the cloud's CloudFormation service binds to it (:func:`bind`); None on the model
    itself, which then notes nothing."""

    state: ClassVar[State | None] = None

    @classmethod
    def _note(cls, kwargs: dict[str, Any], resource_type: str, status: str, reason: str) -> None:
        if cls.state is not None:
            cls.state.note(
                str(kwargs.get("StackId", "")),
                str(kwargs.get("LogicalId", "")),
                resource_type,
                status,
                reason,
            )

    @classmethod
    def _note_own(cls, kwargs: dict[str, Any], status: str, reason: str) -> None:
        """:meth:`_note` of a resource of the model's own type."""
        cls._note(kwargs, str(getattr(cls, "TYPE", "")), status, reason)


def bind(model: M, state: State) -> M:
    """``model`` for the cloud whose state is ``state``: a subclass that holds it."""
    bound: M = type(model.__name__, (model,), {"state": state, "__module__": model.__module__})  # type: ignore[assignment]
    bound.__qualname__ = model.__qualname__
    return bound


@dataclass(frozen=True)
class ResourceRequest:
    """One resource to create or update, as moto's CloudFormation hands it to a model."""

    name: str
    """The resource's name as moto gives it (its logical id, or a generated name)."""
    props: dict[str, Any]
    """Its ``Properties``."""
    account_id: str
    region: str
    kwargs: dict[str, Any]
    """What moto adds: ``StackId``, ``LogicalId``."""
    update_policy: dict[str, Any] = field(default_factory=dict)
    """Its ``UpdatePolicy`` (read on an update, references resolved)."""

    @classmethod
    def given(
        cls,
        name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region: str,
        kwargs: dict[str, Any],
    ) -> ResourceRequest:
        """The request of moto's create and update hooks: ``cloudformation_json`` is the resource's
        entry in the template (``Properties``, ``UpdatePolicy``)."""
        props = cloudformation_json.get("Properties") or {}
        policy = dict(cloudformation_json.get("UpdatePolicy") or {})
        return cls(name, props, account_id, region, kwargs, policy)

    def physical_name(self, prop: str = "Name") -> str:
        """The resource's ``prop``, else a name as CloudFormation generates one: the logical id
        and a random suffix, 1..64 characters."""
        if self.props.get(prop):
            return str(self.props[prop])
        logical = str(self.kwargs.get("LogicalId") or self.name)
        return f"{logical[:48]}-{secrets.token_hex(6).upper()}"


def update_hook(update: Callable[[Any, Any, ResourceRequest], Any]) -> Any:
    """moto's ``update_from_cloudformation_json`` classmethod, running ``update(cls, the original
    resource, the request)``."""

    def hook(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        kwargs = {"LogicalId": getattr(original_resource, "logical_resource_id", "")}
        request = ResourceRequest.given(
            new_resource_name, cloudformation_json, account_id, region_name, kwargs
        )
        return update(cls, original_resource, request)

    return classmethod(hook)


class Requested(Noting):
    """moto's create and update hooks, handed to :meth:`create` and :meth:`update_to` as one
    :class:`ResourceRequest`."""

    @classmethod
    def create(cls, r: ResourceRequest) -> Any:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls.create(
            ResourceRequest.given(resource_name, cloudformation_json, account_id, region_name, kwargs)
        )

    @classmethod
    def update_to(cls, original: Any, r: ResourceRequest) -> Any:
        raise NotImplementedError

    update_from_cloudformation_json = update_hook(lambda cls, original, r: cls.update_to(original, r))


class LocalModel(Requested, CloudFormationModel):
    """Base of the local models: a physical id, attributes for ``Fn::GetAtt``, create/update/delete hooks."""

    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""

    def __init__(self, physical_id: str, attributes: dict[str, Any] | None = None) -> None:
        self._physical_id = physical_id
        self.attributes = attributes or {}
        self.on_delete: Callable[[], None] | None = None

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.attributes.get(attribute_name, self._physical_id)

    def is_created(self) -> bool:
        return True  # made at once: nothing to wait for

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        raise NotImplementedError

    @classmethod
    def _made(
        cls, physical_id: str, attributes: dict[str, Any] | None = None, *, on_delete: Callable[[], Any]
    ) -> LocalModel:
        """A model of ``physical_id`` that runs ``on_delete`` when its resource is deleted."""
        model = cls(physical_id, attributes)
        model.on_delete = on_delete
        return model

    @classmethod
    def update_to(cls, original: Any, r: ResourceRequest) -> LocalModel:
        updated = cls._update(original, r)
        if updated is not None:
            return updated
        original.delete(r.account_id, r.region)
        return cls.create(r)

    @classmethod
    def _update(cls, original: LocalModel, r: ResourceRequest) -> LocalModel | None:
        """``original`` updated in place to ``props``, or None to replace it (delete, then create)."""
        return None

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        if self.on_delete is not None:
            with contextlib.suppress(Exception):  # already gone
                self.on_delete()


class NamedModel(LocalModel):
    """A model of a resource named by its ``NAME_PROPERTY``, or by CloudFormation when the template
    gives no name. An update that keeps the name, or still gives none (the generated one stays),
    makes the resource again under that name, in place; another name replaces it."""

    @classmethod
    def _update(cls, original: LocalModel, r: ResourceRequest) -> LocalModel | None:
        name = original.physical_resource_id
        if r.props.get(cls.NAME_PROPERTY) not in (None, name):
            return None
        return cls.create(replace(r, props={**r.props, cls.NAME_PROPERTY: name}))


def _name_from_arn(value: str) -> str:
    return value.split(":function:")[-1].split(":")[0] if ":function:" in value else value.split(":")[0]


def _function_of(r: ResourceRequest) -> tuple[Any, str]:
    """The Lambda backend of the request's account and region, and the name its ``FunctionName`` gives."""
    return moto_adapter.lambda_backend(r.account_id, r.region), _name_from_arn(str(r.props["FunctionName"]))


class LambdaAlias(LocalModel):
    TYPE = "AWS::Lambda::Alias"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend, function = _function_of(r)
        alias = (str(r.props["Name"]), function, str(r.props.get("FunctionVersion", "$LATEST")))
        description = str(r.props.get("Description", ""))
        try:
            made = backend.create_alias(*alias, description, "")
        except Exception:
            made = backend.update_alias(*alias, description, "")
        routing = r.props.get("RoutingConfig") or {}
        if routing:
            weights = {
                str(w["FunctionVersion"]): float(w["FunctionWeight"])
                for w in routing.get("AdditionalVersionWeights") or []
            }
            backend.update_alias(*alias, description, {"AdditionalVersionWeights": weights})
        if r.props.get("ProvisionedConcurrencyConfig"):
            cls._note_own(r.kwargs, ACCEPTED, "provisioned concurrency has no local meaning")
        return cls._made(
            made.arn, {"AliasArn": made.arn}, on_delete=lambda: backend.delete_alias(alias[0], function)
        )

    @classmethod
    def _update(cls, original: LocalModel, r: ResourceRequest) -> LocalModel | None:
        """The same alias of the same function points at its new version at once (no moment
        without the alias), or, under a CodeDeploy deployment group (its ``UpdatePolicy``), stays
        until the deployment moves it (``services/codedeploy.py``); another name or function
        replaces it."""
        function = _name_from_arn(str(r.props["FunctionName"]))
        if original.physical_resource_id.split(":function:")[-1] != f"{function}:{r.props['Name']}":
            return None
        policy = r.update_policy.get("CodeDeployLambdaAliasUpdate")
        codedeploy = None if cls.state is None else cls.state.codedeploy
        version = str(r.props.get("FunctionVersion", "$LATEST"))
        if (
            policy
            and codedeploy is not None
            and codedeploy.shift(function, str(r.props["Name"]), version, policy)
        ):
            return original
        return cls.create(r)


class LambdaVersion(LocalModel):
    TYPE = "AWS::Lambda::Version"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend, function = _function_of(r)
        # Published from the function as it is now: a stack update has already applied the
        # function's changes, which this version depends on (see .stack_update).
        fn = backend.publish_version(function, str(r.props.get("Description", "")))
        if fn is None:
            raise ValueError(f"cannot publish a version of {r.props['FunctionName']}")
        if r.props.get("ProvisionedConcurrencyConfig"):
            cls._note_own(r.kwargs, ACCEPTED, "provisioned concurrency has no local meaning")
        return cls(str(fn.function_arn), {"Version": str(fn.version), "FunctionArn": str(fn.function_arn)})

    def delete(self, account_id: str, region_name: str) -> None:
        return None  # versions outlive their resource, as in Lambda with a Retain policy


class LambdaPermission(LocalModel):
    """A statement of the function's resource policy, removed with the resource (moto's model
    cannot be deleted nor updated)."""

    TYPE = "AWS::Lambda::Permission"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        fn = moto_adapter.lambda_backend(r.account_id, r.region).get_function(str(r.props["FunctionName"]))
        statement, _ = fn.policy.add_statement(raw=json.dumps(r.props))

        def remove() -> None:
            fn.policy.statements[:] = [s for s in fn.policy.statements if s is not statement]

        return cls._made(r.name, on_delete=remove)


class EventInvokeConfig(LocalModel):
    TYPE = "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        function = _name_from_arn(str(r.props["FunctionName"]))
        qualifier = str(r.props.get("Qualifier", "$LATEST"))
        keys: tuple[str, ...] = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
        config: dict[str, Any] = {k: r.props[k] for k in keys if k in r.props}
        state = cls.state
        if state is not None:
            state.invoke_configs[(function, qualifier)] = config

        def forget() -> None:
            if state is not None:
                state.invoke_configs.pop((function, qualifier), None)

        return cls._made(f"{function}:{qualifier}", on_delete=forget)


class SnsSubscription(LocalModel):
    TYPE = "AWS::SNS::Subscription"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        topic_arn = str(r.props["TopicArn"])
        backend = moto_adapter.backend_of(topic_arn)
        sub = backend.subscribe(topic_arn, str(r.props["Endpoint"]), str(r.props["Protocol"]))
        for key in (
            "RawMessageDelivery",
            "FilterPolicy",
            "FilterPolicyScope",
            "RedrivePolicy",
            "DeliveryPolicy",
        ):
            if key in r.props:
                value = r.props[key]
                text = (
                    json.dumps(value)
                    if isinstance(value, dict)
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value)
                )
                backend.set_subscription_attributes(sub.arn, key, text)
        return cls._made(sub.arn, on_delete=lambda: backend.unsubscribe(sub.arn))


class GlobalTable(LocalModel):
    """``AWS::DynamoDB::GlobalTable`` (what ``dynamodb.TableV2`` makes): the replica of this region,
    as a DynamoDB table with the same keys, indexes, stream and billing mode."""

    TYPE = "AWS::DynamoDB::GlobalTable"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        table_name = str(r.props.get("TableName") or r.name)
        table_props: dict[str, Any] = {
            key: r.props[key]
            for key in (
                "KeySchema",
                "AttributeDefinitions",
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "BillingMode",
                "SSESpecification",
            )
            if key in r.props
        }
        stream = r.props.get("StreamSpecification")
        if stream:
            table_props["StreamSpecification"] = {"StreamEnabled": True, **stream}
        if r.props.get("BillingMode") != "PAY_PER_REQUEST":
            write = (r.props.get("WriteProvisionedThroughputSettings") or {}).get(
                "WriteCapacityAutoScalingSettings"
            ) or {}
            capacity = int(write.get("MinCapacity", 5))
            table_props["ProvisionedThroughput"] = {
                "ReadCapacityUnits": capacity,
                "WriteCapacityUnits": capacity,
            }
            for index in table_props.get("GlobalSecondaryIndexes", []):
                index.pop("WriteProvisionedThroughputSettings", None)
                index.setdefault("ProvisionedThroughput", dict(table_props["ProvisionedThroughput"]))
        replicas = r.props.get("Replicas") or []
        others = [rep.get("Region") for rep in replicas if rep.get("Region") != r.region]
        if others:
            cls._note_own(
                r.kwargs, NOT_EMULATED, f"replicas in {', '.join(map(str, others))} are not created"
            )
        table = moto_adapter.read("moto.dynamodb.models.table", "Table.create_from_cloudformation_json")(
            table_name, {"Properties": table_props}, r.account_id, r.region
        )
        attributes = {"Arn": table.table_arn, "TableId": getattr(table, "table_id", table_name)}
        if stream:
            attributes["StreamArn"] = table.get_cfn_attribute("StreamArn")
        model = cls._made(
            table_name,
            attributes,
            on_delete=lambda: moto_adapter.backend("dynamodb", r.account_id, r.region).delete_table(
                table_name
            ),
        )
        model.key_schema = r.props.get("KeySchema")  # type: ignore[attr-defined]
        return model

    @classmethod
    def _update(cls, original: LocalModel, r: ResourceRequest) -> LocalModel | None:
        same_table = r.props.get("TableName") in (None, original.physical_resource_id)
        if same_table and r.props.get("KeySchema") == getattr(original, "key_schema", None):
            return original  # keys unchanged: the table and its items stay
        return None


class Accepted(LocalModel):
    """Deployed; nothing to emulate (resource policies are never enforced locally)."""

    REASON: ClassVar[str] = ""
    STATUS: ClassVar[str] = ACCEPTED

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        if cls.REASON:
            cls._note_own(r.kwargs, cls.STATUS, cls.REASON)
        physical = str(r.props.get(cls.NAME_PROPERTY) or r.name) if cls.NAME_PROPERTY else r.name
        return cls(
            physical,
            {"Arn": f"arn:aws:local:{r.region}:{r.account_id}:{cls.TYPE.split('::')[-1].lower()}/{physical}"},
        )


_DOMAIN = "custom domain names are not served: the API answers on its local endpoint"


def _accepted(
    resource_type: str, reason: str = "", status: str = ACCEPTED, name_property: str = ""
) -> type[Accepted]:
    return type(
        resource_type.replace("::", ""),
        (Accepted,),
        {"TYPE": resource_type, "REASON": reason, "STATUS": status, "NAME_PROPERTY": name_property},
    )


class QueuePolicy(LocalModel):
    TYPE = "AWS::SQS::QueuePolicy"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        return cls(r.name)


class TopicPolicy(QueuePolicy):
    TYPE = "AWS::SNS::TopicPolicy"


class BucketPolicy(LocalModel):
    """Accepted, not stored: moto would enforce its ``aws:SecureTransport`` denial on plain HTTP."""

    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        cls._note_own(
            r.kwargs,
            ACCEPTED,
            "not stored (the local endpoint is plain HTTP, a TLS-only policy would deny it)",
        )
        return cls(str(r.props.get("Bucket", r.name)))


def _rest_api(r: ResourceRequest) -> tuple[Any, str]:
    """The API Gateway (v1) backend of the request's account and region, and its ``RestApiId``."""
    return moto_adapter.backend("apigateway", r.account_id, r.region), str(r.props["RestApiId"])


class RestApiStage(LocalModel):
    TYPE = "AWS::ApiGateway::Stage"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend, api_id = _rest_api(r)
        stage_name = str(r.props.get("StageName", r.name))
        with contextlib.suppress(Exception):  # exists from a previous deploy
            backend.create_stage(
                api_id,
                stage_name,
                str(r.props.get("DeploymentId", "")),
                variables=r.props.get("Variables") or {},
                description=str(r.props.get("Description", "")),
                tracing_enabled=bool(r.props.get("TracingEnabled", False)),
            )
        _method_settings(backend.get_stage(api_id, stage_name), r.props)
        if r.props.get("AccessLogSetting"):
            cls._note_own(r.kwargs, ACCEPTED, "access logs are not written locally")
        model = cls._made(stage_name, on_delete=lambda: backend.delete_stage(api_id, stage_name))
        model.api_id = api_id  # type: ignore[attr-defined]
        return model

    @classmethod
    def _update(cls, original: LocalModel, r: ResourceRequest) -> LocalModel | None:
        api_id = str(r.props["RestApiId"])
        stage_name = str(r.props.get("StageName", r.name))
        if (getattr(original, "api_id", None), original.physical_resource_id) != (api_id, stage_name):
            return None
        stage = moto_adapter.backend("apigateway", r.account_id, r.region).get_stage(api_id, stage_name)
        stage.deployment_id = str(r.props.get("DeploymentId", "")) or stage.deployment_id
        stage.variables = r.props.get("Variables") or {}
        stage.description = str(r.props.get("Description", ""))
        _method_settings(stage, r.props)
        return original


def _method_settings(stage: Any, props: dict[str, Any]) -> None:
    """A REST stage's ``MethodSettings`` on moto's stage, keyed as API Gateway does
    (``{resource path without its first slash}/{verb}``): the local endpoint throttles by them
    (``local/throttle.py``)."""
    stage.method_settings = {
        f"{str(entry.get('ResourcePath', '/*'))[1:]}/{entry.get('HttpMethod', '*')}": {
            key[0].lower() + key[1:]: value
            for key, value in entry.items()
            if key not in ("ResourcePath", "HttpMethod")
        }
        for entry in props.get("MethodSettings") or []
    }


class RestApiRequestValidator(LocalModel):
    """A REST API's request validator, which the local endpoint applies to the methods naming it."""

    TYPE = "AWS::ApiGateway::RequestValidator"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend, api_id = _rest_api(r)
        made = backend.create_request_validator(
            api_id,
            str(r.props.get("Name") or r.name),
            bool(r.props.get("ValidateRequestBody", False)),
            bool(r.props.get("ValidateRequestParameters", False)),
        )
        return cls._made(
            made.id,
            {"RequestValidatorId": made.id},
            on_delete=lambda: backend.delete_request_validator(api_id, made.id),
        )


class RestApiModel(LocalModel):
    """A REST API's model (a JSON schema), which the local endpoint checks request bodies against."""

    TYPE = "AWS::ApiGateway::Model"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend, api_id = _rest_api(r)
        name = str(r.props.get("Name") or "".join(c for c in r.name if c.isalnum()))
        schema = r.props.get("Schema") or {}
        backend.create_model(
            api_id,
            name,
            str(r.props.get("ContentType", "application/json")),
            str(r.props.get("Description", "")),
            schema if isinstance(schema, str) else json.dumps(schema),
        )
        return cls._made(name, on_delete=lambda: backend.delete_model(api_id, name))


class HttpApi(LocalModel):
    TYPE = "AWS::ApiGatewayV2::Api"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend = moto_adapter.backend("apigatewayv2", r.account_id, r.region)
        if r.props.get("Body") or r.props.get("BodyS3Location") or r.props.get("Target"):
            cls._note_own(r.kwargs, NOT_EMULATED, "OpenAPI bodies and quick-create targets are not read")
        options: dict[str, Any] = {
            "api_key_selection_expression": r.props.get("ApiKeySelectionExpression"),
            "cors_configuration": r.props.get("CorsConfiguration"),
            "description": r.props.get("Description"),
            "disable_schema_validation": r.props.get("DisableSchemaValidation"),
            "disable_execute_api_endpoint": r.props.get("DisableExecuteApiEndpoint"),
            "name": str(r.props.get("Name", r.name)),
            "protocol_type": str(r.props.get("ProtocolType", "HTTP")),
            "route_selection_expression": r.props.get("RouteSelectionExpression"),
            "tags": r.props.get("Tags") or {},
            "version": r.props.get("Version"),
        }
        api = backend.create_api(**options)
        if str(r.props.get("ProtocolType", "HTTP")) != "HTTP":
            cls._note_own(r.kwargs, NOT_EMULATED, "only HTTP APIs are served, not WebSocket APIs")
        return cls._made(
            api.api_id,
            {"ApiId": api.api_id, "ApiEndpoint": api.api_endpoint},
            on_delete=lambda: backend.delete_api(api.api_id),
        )


def _http_api(props: dict[str, Any], account_id: str, region: str) -> Any:
    """The HTTP API (v2) named by ``ApiId`` in ``props``."""
    return moto_adapter.backend("apigatewayv2", account_id, region).get_api(str(props["ApiId"]))


class HttpApiIntegration(LocalModel):
    TYPE = "AWS::ApiGatewayV2::Integration"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        api = _http_api(r.props, r.account_id, r.region)
        options: dict[str, Any] = {
            "connection_type": r.props.get("ConnectionType"),
            "description": r.props.get("Description"),
            "integration_method": r.props.get("IntegrationMethod"),
            "integration_type": str(r.props.get("IntegrationType")),
            "integration_uri": r.props.get("IntegrationUri"),
            "payload_format_version": r.props.get("PayloadFormatVersion"),
            "request_parameters": r.props.get("RequestParameters"),
            "timeout_in_millis": r.props.get("TimeoutInMillis"),
        }
        integration = api.create_integration(**options)
        if str(r.props.get("IntegrationType")) != "AWS_PROXY":
            cls._note_own(
                r.kwargs,
                NOT_EMULATED,
                f"integration type {r.props.get('IntegrationType')} is not served",
            )
        return cls._made(
            integration.id,
            {"IntegrationId": integration.id},
            on_delete=lambda: api.delete_integration(integration.id),
        )


class HttpApiRoute(LocalModel):
    TYPE = "AWS::ApiGatewayV2::Route"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        api = _http_api(r.props, r.account_id, r.region)
        route = api.create_route(
            api_key_required=bool(r.props.get("ApiKeyRequired", False)),
            authorization_scopes=r.props.get("AuthorizationScopes") or [],
            route_key=str(r.props["RouteKey"]),
            target=str(r.props.get("Target", "")),
            authorization_type=r.props.get("AuthorizationType"),
            authorizer_id=r.props.get("AuthorizerId"),
        )
        websocket = str(getattr(api, "protocol_type", "HTTP")) == "WEBSOCKET"
        if websocket and r.props.get("AuthorizationType") not in (None, "NONE"):
            # HTTP API routes are authorized by the local endpoint (local/api_auth.py); WebSocket
            # connections are not (services/websocket.py)
            cls._note_own(
                r.kwargs,
                NOT_EMULATED,
                f"authorization {r.props.get('AuthorizationType')} is not checked",
            )
        return cls._made(
            route.route_id, {"RouteId": route.route_id}, on_delete=lambda: api.delete_route(route.route_id)
        )


class HttpApiStage(LocalModel):
    TYPE = "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        api = _http_api(r.props, r.account_id, r.region)
        stage_name = str(r.props.get("StageName", "$default"))
        api.create_stage(
            {
                "stageName": stage_name,
                "autoDeploy": r.props.get("AutoDeploy", False),
                "stageVariables": r.props.get("StageVariables") or {},
                "description": r.props.get("Description", ""),
                # throttled by the local endpoint (local/throttle.py)
                "defaultRouteSettings": r.props.get("DefaultRouteSettings") or {},
                "routeSettings": r.props.get("RouteSettings") or {},
            }
        )
        if r.props.get("AccessLogSettings"):
            cls._note_own(r.kwargs, ACCEPTED, "access logs are not written locally")
        return cls(stage_name)


_BUCKET_KINDS = (
    ("QueueConfigurations", "QueueConfiguration", "QueueArn", "Queue"),
    ("TopicConfigurations", "TopicConfiguration", "TopicArn", "Topic"),
    ("LambdaFunctionConfigurations", "CloudFunctionConfiguration", "LambdaFunctionArn", "CloudFunction"),
)


class BucketNotifications(LocalModel):
    """CDK's ``Custom::S3BucketNotifications``, applied directly instead of through its handler."""

    TYPE = "Custom::S3BucketNotifications"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        bucket = str(r.props["BucketName"])
        given = r.props.get("NotificationConfiguration") or {}
        config: dict[str, Any] = {}
        for cfn_key, moto_key, arn_key, moto_arn_key in _BUCKET_KINDS:
            entries = []
            for entry in given.get(cfn_key, []):
                converted: dict[str, Any] = {
                    moto_arn_key: entry[arn_key],
                    "Event": list(entry.get("Events", [])),
                }
                rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
                if rules:
                    converted["Filter"] = {
                        "S3Key": {
                            "FilterRule": [{"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]
                        }
                    }
                if "Id" in entry:
                    converted["Id"] = entry["Id"]
                entries.append(converted)
            if entries:
                config[moto_key] = entries
        if "EventBridgeConfiguration" in given:
            config["EventBridgeConfiguration"] = given["EventBridgeConfiguration"]
        backend = moto_adapter.backend("s3", r.account_id)
        # Each resource owns its entries; the bucket gets the union (what CDK's handler does for
        # unmanaged notifications, and the same as replacing for a single managed one).
        owner = f"{r.kwargs.get('StackId', '')}/{r.kwargs.get('LogicalId', r.name)}"
        configs = cls.state.bucket_notifications if cls.state is not None else {}
        with _BUCKET_LOCK:
            owned = configs.setdefault(bucket, {})
            owned[owner] = config
            backend.put_bucket_notification_configuration(bucket, _union(owned.values()))

        def remove() -> None:
            with _BUCKET_LOCK:
                owned.pop(owner, None)
                backend.put_bucket_notification_configuration(bucket, _union(owned.values()))

        return cls._made(f"{bucket}-notifications", on_delete=remove)


_BUCKET_LOCK = threading.Lock()


def _union(configs: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for config in configs:
        for key, value in config.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


class CustomResource(LocalModel):
    """Any other ``Custom::`` resource: its handler runs when it is Python, else it is reported."""

    TYPE = "AWS::CloudFormation::CustomResource"

    @classmethod
    def create(cls, r: ResourceRequest) -> Any:
        from .moto_adapter.service_bases import CustomModel

        props, kwargs, resource_name, region_name = r.props, r.kwargs, r.name, r.region
        resource_type = str(kwargs.get("ResourceType", cls.TYPE))
        token = str(props.get("ServiceToken", ""))
        try:
            fn = moto_adapter.lambda_backend(r.account_id, region_name).get_function(token)
        except Exception:
            fn = None
        if fn is None or not str(fn.run_time or "").startswith("python"):
            runtime = "unknown" if fn is None else fn.run_time
            cls._note(
                kwargs,
                resource_type,
                NOT_EMULATED,
                f"its provider ({runtime}) does not run locally; no attributes",
            )
            placeholder = CustomModel(  # type: ignore[abstract]
                region_name, "local", str(kwargs.get("LogicalId")), resource_name
            )
            placeholder.set_data({})
            return placeholder
        custom = CustomModel.create_from_cloudformation_json(
            resource_name, {"Properties": props}, r.account_id, region_name, **kwargs
        )
        timeout = float(fn.timeout or 3) + 5

        def settle() -> None:
            deadline = threading.Event()
            for _ in range(int(timeout * 10)):
                if custom.is_created():
                    return
                deadline.wait(0.1)
            cls._note(
                kwargs,
                resource_type,
                NOT_EMULATED,
                f"its handler did not answer in {timeout:.0f} s; no attributes",
            )
            custom.set_data({})

        threading.Thread(target=settle, name=f"custom-resource:{resource_name}", daemon=True).start()
        return custom


def _state_machine_model() -> type[CloudFormationModel]:
    from .moto_adapter.service_bases import StateMachine

    def prepare(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
        """``Definition`` or ``DefinitionString`` with ``DefinitionSubstitutions`` applied, as CloudFormation does."""
        props = dict(cloudformation_json.get("Properties") or {})
        definition = props.pop("Definition", None)
        text = json.dumps(definition) if definition is not None else str(props.get("DefinitionString", ""))
        for key, value in (props.pop("DefinitionSubstitutions", None) or {}).items():
            text = text.replace("${" + str(key) + "}", str(value))
        props["DefinitionString"] = text
        return {**cloudformation_json, "Properties": props}

    class LocalStateMachine(Requested, StateMachine):
        @classmethod
        def create(cls, r: ResourceRequest) -> Any:
            if r.props.get("DefinitionS3Location"):
                cls._note(
                    r.kwargs,
                    "AWS::StepFunctions::StateMachine",
                    NOT_EMULATED,
                    "DefinitionS3Location is not read",
                )
            return StateMachine.create_from_cloudformation_json.__func__(  # type: ignore[attr-defined]
                cls, r.name, prepare({"Properties": r.props}), r.account_id, r.region, **r.kwargs
            )

        @classmethod
        def update_to(cls, original: Any, r: ResourceRequest) -> Any:
            return StateMachine.update_from_cloudformation_json.__func__(  # type: ignore[attr-defined]
                cls, original, r.name, prepare({"Properties": r.props}), r.account_id, r.region
            )

    return LocalStateMachine


def _method_model() -> type[CloudFormationModel]:
    from .moto_adapter.service_bases import Method

    class LocalMethod(Requested, Method):
        """moto's method model drops request templates and fails on MOCK integrations; this one
        keeps them, the integration's role and responses, the method's required parameters, models,
        validator and authorizer, and says what the local endpoint will not do for the method."""

        @classmethod
        def create(cls, r: ResourceRequest) -> Any:
            props, kwargs, account_id, region_name = r.props, r.kwargs, r.account_id, r.region
            backend = moto_adapter.backend("apigateway", account_id, region_name)
            method = backend.put_method(
                function_id=props["RestApiId"],
                resource_id=props["ResourceId"],
                method_type=props["HttpMethod"],
                authorization_type=props.get("AuthorizationType", "NONE"),
                api_key_required=props.get("ApiKeyRequired"),
                request_parameters=props.get("RequestParameters"),
                request_models=props.get("RequestModels"),
                request_validator_id=props.get("RequestValidatorId"),
                authorizer_id=props.get("AuthorizerId"),
                authorization_scopes=props.get("AuthorizationScopes"),
            )
            integration = props.get("Integration") or {}
            kind = str(integration.get("Type", "MOCK"))
            backend.put_integration(
                function_id=props["RestApiId"],
                resource_id=props["ResourceId"],
                method_type=props["HttpMethod"],
                integration_type=kind,
                uri=str(integration.get("Uri", "")),
                integration_method=str(integration.get("IntegrationHttpMethod", props["HttpMethod"])),
                credentials=integration.get("Credentials"),
                request_templates=integration.get("RequestTemplates"),
                passthrough_behavior=integration.get("PassthroughBehavior"),
                request_parameters=integration.get("RequestParameters"),
            )
            for response in integration.get("IntegrationResponses") or []:
                backend.put_integration_response(
                    function_id=props["RestApiId"],
                    resource_id=props["ResourceId"],
                    method_type=props["HttpMethod"],
                    status_code=str(response.get("StatusCode", "200")),
                    selection_pattern=response.get("SelectionPattern"),
                    response_templates=dict(response.get("ResponseTemplates") or {}),
                    response_parameters=response.get("ResponseParameters"),
                )
            where = f"{props['HttpMethod']} method"
            uri = str(integration.get("Uri", ""))
            unserved = aws_integration_unserved(uri) if kind == "AWS" else None
            if kind not in ("AWS_PROXY", "AWS") or unserved:
                cls._note(
                    kwargs,
                    "AWS::ApiGateway::Method",
                    NOT_EMULATED,
                    f"{where}: {unserved or kind + ' integration'} answers 501",
                )
            place = (account_id, region_name, props["RestApiId"], props["ResourceId"])
            method.local_place = place
            return method

        @classmethod
        def update_to(cls, original: Any, r: ResourceRequest) -> Any:
            """Put again, in place (another resource or verb replaces the method)."""
            place = getattr(original, "local_place", None)
            new_place = (r.account_id, r.region, r.props["RestApiId"], r.props["ResourceId"])
            if place != new_place or original.http_method != r.props["HttpMethod"]:
                with contextlib.suppress(Exception):
                    original.delete(r.account_id, r.region)
            return cls.create(r)

        def delete(self, account_id: str, region_name: str) -> None:
            """Remove this method from its resource (unless another has taken its place)."""
            place = getattr(self, "local_place", None)
            if place is None:
                return
            resource = moto_adapter.backend("apigateway", place[0], place[1]).get_resource(place[2], place[3])
            if resource.resource_methods.get(self.http_method) is self:
                resource.delete_method(self.http_method)

    return LocalMethod


MODELS: dict[str, type[CloudFormationModel]] = {
    m.TYPE: m
    for m in (
        LambdaAlias,
        LambdaVersion,
        LambdaPermission,
        EventInvokeConfig,
        GlobalTable,
        SnsSubscription,
        QueuePolicy,
        TopicPolicy,
        BucketPolicy,
        RestApiStage,
        HttpApi,
        HttpApiIntegration,
        HttpApiRoute,
        HttpApiStage,
        BucketNotifications,
        _accepted("AWS::CDK::Metadata"),
        _accepted("AWS::ApiGateway::Account"),
        RestApiRequestValidator,
        RestApiModel,
        _accepted("AWS::ApiGateway::UsagePlan", "no throttling or quotas", NOT_EMULATED),
        _accepted("AWS::ApiGateway::ApiKey", "API keys are not checked", NOT_EMULATED),
        _accepted("AWS::ApiGateway::UsagePlanKey", "API keys are not checked", NOT_EMULATED),
        _accepted("AWS::CertificateManager::Certificate", "no certificate is issued locally", NOT_EMULATED),
        _accepted("AWS::ApiGateway::DomainName", _DOMAIN, NOT_EMULATED, "DomainName"),
        _accepted("AWS::ApiGateway::BasePathMapping", _DOMAIN, NOT_EMULATED),
        _accepted("AWS::ApiGatewayV2::DomainName", _DOMAIN, NOT_EMULATED, "DomainName"),
        _accepted("AWS::ApiGatewayV2::ApiMapping", _DOMAIN, NOT_EMULATED),
    )
}
MODELS["AWS::StepFunctions::StateMachine"] = _state_machine_model()
MODELS["AWS::ApiGateway::Method"] = _method_model()
NOT_EMULATED_TYPES = sorted(t for t, m in MODELS.items() if getattr(m, "STATUS", "") == NOT_EMULATED)


def resource_model(
    resource_type: str, models: Mapping[str, type[CloudFormationModel]] = MODELS
) -> type[CloudFormationModel] | None:
    """The local model for ``resource_type`` among ``models``, if the local cloud provides one."""
    found = models.get(resource_type)
    if (
        found is None and resource_type.startswith("Custom::")
    ) or resource_type == "AWS::CloudFormation::CustomResource":
        return CustomResource
    return found
