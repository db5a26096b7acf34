"""ServiceApi's material for the shared tests (tests/pattern_cases.py), and the configurations its
own test module snapshots and gates."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns import AlarmThresholds, MonitoringOptions, QueueOptions
from serverless_patterns.patterns.api_to_lambda import Authorization
from serverless_patterns.patterns.service_api import (
    DeleteItem,
    GetItem,
    Param,
    PutEvents,
    PutItem,
    Query,
    SendMessage,
    ServiceApi,
    StartExecution,
    StartSyncExecution,
)
from tests.pattern_cases import Claim, PatternCases
from tests.validation.support import Make

LEDGER = "ledger.fifo"
ORDER_MODEL = {
    "type": "object",
    "required": ["customerId", "total"],
    "properties": {"customerId": {"type": "string"}, "total": {"type": "number"}},
}


def table(stack: cdk.Stack, id: str = "Table", **options: Any) -> dynamodb.Table:
    found = stack.node.try_find_child(id)
    if isinstance(found, dynamodb.Table):
        return found
    return dynamodb.Table(
        stack,
        id,
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        removal_policy=cdk.RemovalPolicy.DESTROY,
        **options,
    )


def machine(stack: cdk.Stack, id: str = "Workflow", express: bool = False) -> sfn.StateMachine:
    found = stack.node.try_find_child(id)
    if isinstance(found, sfn.StateMachine):
        return found
    kind = sfn.StateMachineType.EXPRESS if express else sfn.StateMachineType.STANDARD
    logged = logs.LogGroup(stack, f"{id}Logs", removal_policy=cdk.RemovalPolicy.DESTROY)
    return sfn.StateMachine(
        stack,
        id,
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, f"{id}Pass")),
        state_machine_type=kind,
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=logged, level=sfn.LogLevel.ALL),
    )


def build_default(stack: cdk.Stack) -> None:
    """The catalog's smallest app (catalog/app.py): orders sent to the pattern's own queue, read
    back from a table."""
    orders = table(stack)
    ServiceApi(
        stack,
        "Orders",
        routes={
            "POST /orders": SendMessage(request_model=ORDER_MODEL),
            "GET /orders/{id}": GetItem(orders, key={"pk": "ORDER#{id}"}),
        },
    )


def build_maximal(stack: cdk.Stack) -> None:
    """Every spec, a FIFO queue and a table encrypted with a customer managed key, every option set."""
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    fifo = sqs.Queue.from_queue_attributes(
        stack,
        "Ledger",
        queue_arn=f"arn:aws:sqs:us-east-1:123456789012:{LEDGER}",
        fifo=True,
        key_arn=key.key_arn,
    )
    orders = table(
        stack,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.NUMBER),
    )
    orders.add_global_secondary_index(
        index_name="byCustomer",
        partition_key=dynamodb.Attribute(name="customer", type=dynamodb.AttributeType.STRING),
    )
    bus = events.EventBus(stack, "Bus")
    ServiceApi(
        stack,
        "Shop",
        routes={
            "POST /ledger/{account}": SendMessage(fifo, message_group_id="{account}"),
            "POST /orders": SendMessage(request_model=ORDER_MODEL),
            "PUT /orders/{id}/{version}": PutItem(
                orders,
                item={
                    "pk": "ORDER#{id}",
                    "sk": Param.path("version"),
                    "customer": Param.body("customerId"),
                    "total": Param.body("total", number=True),
                    "tenant": Param.header("X-Tenant"),
                },
                request_model=ORDER_MODEL,
            ),
            "GET /orders/{id}/{version}": GetItem(orders, key={"pk": "ORDER#{id}", "sk": "{version}"}),
            "DELETE /orders/{id}/{version}": DeleteItem(orders, key={"pk": "ORDER#{id}", "sk": "{version}"}),
            "GET /customers/{id}/orders": Query(
                orders, key={"customer": "{id}"}, index="byCustomer", limit=50, scan_forward=False
            ),
            "GET /orders": Query(orders, key={"pk": Param.query("pk")}),
            "POST /workflows": StartExecution(
                sfn.StateMachine.from_state_machine_name(stack, "Workflow", "workflow")
            ),
            "POST /quotes": StartSyncExecution(
                sfn.StateMachine.from_state_machine_name(stack, "Quote", "quote")
            ),
            "POST /events": PutEvents(bus, source="orders", detail_type="OrderPlaced"),
            "POST /default-bus": PutEvents(),
        },
        authorization=Authorization.api_key(),
        throttling_rate_limit=50,
        throttling_burst_limit=100,
        stage_name="v1",
        account_logging_role=False,
        access_log_retention=logs.RetentionDays.THREE_MONTHS,
        queue=QueueOptions(max_receive_count=5, retention_period=cdk.Duration.days(7)),
        monitoring=MonitoringOptions(
            thresholds=AlarmThresholds(latency_p99_ms=1000, others={"client_error_rate_percent": 20})
        ),
    )


def _one_table(stack: cdk.Stack) -> dynamodb.Table:
    return table(stack, "Shared")


TABLE: Any = Make(_one_table, "table")
CLAIMS: list[Claim] = []

CASES = PatternCases(
    base_props=lambda: {"routes": {"POST /orders": SendMessage()}},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: ServiceApi(stack, "ServiceApi", routes={"POST /orders": SendMessage()}),
    stage_log_groups=1,
    invalid=[
        ({"routes": {}}, r"routes must have at least one route, got \{\}"),
        (
            {"routes": [("POST /x", SendMessage())]},
            r"routes must be a mapping of 'METHOD /path' to a route spec",
        ),
        ({"routes": {"/orders": SendMessage()}}, r"routes: keys must be 'METHOD /path', got '/orders'"),
        ({"routes": {"FETCH /orders": SendMessage()}}, r"routes: method in 'FETCH /orders' must be one of"),
        (
            {"routes": {"POST /orders": "sqs"}},
            r"routes\['POST /orders'\] must be one of SendMessage, .*got str",
        ),
        (
            {"routes": {"GET /orders": SendMessage(request_model={"type": "object"})}},
            r"routes\['GET /orders'\]\.request_model: a GET request has no body to validate",
        ),
        (
            {"routes": {"POST /orders": SendMessage(request_model="schema")}},  # type: ignore[arg-type]
            r"routes\['POST /orders'\]\.request_model must be a JSON schema \(a dict\), got str",
        ),
        (
            {"routes": {"GET /orders/{id}": GetItem(TABLE, key={"pk": "{oid}"})}},
            r"routes\['GET /orders/\{id\}'\]\.key\['pk'\] uses the path parameter \{oid\}, which "
            r"'GET /orders/\{id\}' does not have",
        ),
        (
            {"routes": {"GET /orders/{id}": GetItem(TABLE, key={"pk": Param.path("oid")})}},
            r"uses the path parameter \{oid\}",
        ),
        (
            {"routes": {"GET /orders": GetItem(TABLE, key={"pk": Param.body("id")})}},
            r"routes\['GET /orders'\]\.key\['pk'\]: a GET request has no body, got Param\.body\('id'\)",
        ),
        (
            {"routes": {"GET /orders/{id}": GetItem(TABLE, key={"id": "{id}"})}},
            r"routes\['GET /orders/\{id\}'\]\.key must give the table's key \['pk'\], got \['id'\]",
        ),
        (
            {"routes": {"GET /orders/{id}": GetItem(TABLE, key={"pk": "it's {id}"})}},
            r"literal text may not hold quotes",
        ),
        (
            {"routes": {"POST /orders/{id}": PutItem(TABLE, item={})}},
            r"item must be a non-empty mapping of attribute name to value, got \{\}",
        ),
        (
            {"routes": {"GET /orders": Query(TABLE, key={"pk": Param.query("pk")}, limit=0)}},
            r"routes\['GET /orders'\]\.limit must be 1\.\.1000 items, got 0",
        ),
        (
            {"routes": {"GET /orders": Query(TABLE, key={"pk": "a", "sk": "b"})}},
            r"routes\['GET /orders'\]\.key must name the partition key only",
        ),
        (
            {"routes": {"GET /orders": Query(TABLE, key={"pk": "a"}, index="x")}},
            r"routes\['GET /orders'\]\.index must be an index name",
        ),
        (
            {"routes": {"POST /orders": SendMessage(message_group_id="orders")}},
            r"message_group_id applies to FIFO queues only; the pattern's own queue is standard",
        ),
        (
            {"routes": {"POST /orders": SendMessage(queue="orders")}},  # type: ignore[arg-type]
            r"routes\['POST /orders'\]\.queue must be an sqs\.IQueue, got str",
        ),
        (
            {"routes": {"POST /quotes": StartSyncExecution(Make(lambda s: machine(s), "standard machine"))}},  # type: ignore[arg-type]
            r"StartSyncExecution runs EXPRESS state machines only, got a STANDARD one",
        ),
        (
            {
                "routes": {
                    "POST /runs": StartExecution("arn:aws:states:us-east-1:123456789012:stateMachine:x")  # type: ignore[arg-type]
                }
            },
            r"state_machine must be an sfn\.IStateMachine, got str",
        ),
        (
            {"routes": {"POST /events": PutEvents(source="aws.orders")}},
            r"routes\['POST /events'\]\.source must not start with 'aws\.'",
        ),
        ({"routes": {"POST /events": PutEvents(detail_type="")}}, r"detail_type must not be empty"),
        (
            {"authorization": Authorization.lambda_authorizer(None)},  # type: ignore[arg-type]
            r"authorization: a Lambda authorizer is not supported by ServiceApi",
        ),
        ({"authorization": "iam"}, r"authorization must be an Authorization, got 'iam'"),
        (
            {"throttling_rate_limit": 0},
            r"throttling_rate_limit must be 1\.\.10000 requests per second, got 0",
        ),
        ({"stage_name": "my-stage"}, r"stage_name must be 1\.\.128 letters, digits or underscores"),
        ({"web_acl_arn": "acl"}, r"web_acl_arn must be a WAFv2 web ACL ARN"),
        ({"queue": QueueOptions(max_receive_count=0)}, r"queue\.max_receive_count must be 1\.\.1000, got 0"),
    ],
    valid=[
        {"routes": {"GET /orders/{id}": GetItem(TABLE, key={"pk": "ORDER#{id}"})}},
        {"routes": {"DELETE /orders/{id}": DeleteItem(TABLE, key={"pk": Param.path("id")})}},
        {"routes": {"POST /events": PutEvents(source="a" * 256, detail_type="d" * 128)}},
        {"routes": {"GET /q": Query(TABLE, key={"pk": Param.query("pk")}, limit=1000)}},
        {"throttling_rate_limit": 10_000, "throttling_burst_limit": 5_000},
        {"authorization": Authorization.none()},
    ],
    options={"queue": QueueOptions},
    acknowledgments={
        "service-api": lambda stack, fn: build_default(stack),
        "service-api-maximal": lambda stack, fn: build_maximal(stack),
    },
    claims=CLAIMS,
)
