from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb

from serverless_patterns import GetItem, SendMessage, ServiceApi

app = App()
stack = Stack(app, "Orders")
table = dynamodb.Table(
    stack,
    "Table",
    partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
    point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
        point_in_time_recovery_enabled=True
    ),
    removal_policy=RemovalPolicy.DESTROY,
)
api = ServiceApi(
    stack,
    "Orders",
    routes={
        "POST /orders": SendMessage(
            request_model={
                "type": "object",
                "required": ["customerId", "total"],
                "properties": {"customerId": {"type": "string"}, "total": {"type": "number"}},
            }
        ),
        "GET /orders/{id}": GetItem(table, key={"pk": "ORDER#{id}"}),
    },
)
app.synth()
