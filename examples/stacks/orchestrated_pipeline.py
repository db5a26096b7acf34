"""OrchestratedPipeline example: a nightly ETL built from Python steps, and an order workflow
built from the Amazon States Language file drawn in the Step Functions console."""

import aws_cdk as cdk
from aws_cdk import aws_events as events

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Retry, Step, Trigger

from . import ENV


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(
        app, "OrchestratedPipelines", env=ENV, description="serverless-patterns example: OrchestratedPipeline"
    )

    # 1. Steps in Python: extract, transform, load, every night at 02:00 UTC.
    OrchestratedPipeline(
        stack,
        "Etl",
        steps=[
            Step(
                "ExtractData",
                FunctionSpec(code="handlers/etl", handler="extract.handler"),
                retry=Retry(
                    errors=["Lambda.TooManyRequestsException"],
                    interval=cdk.Duration.seconds(2),
                    max_attempts=3,
                    backoff_rate=2.0,
                ),
            ),
            Step(
                "TransformData",
                FunctionSpec(code="handlers/etl", handler="transform.handler", memory_size=1024),
                catch={"TransformError": "NotifyError"},
            ),
            Step(
                "LoadData",
                FunctionSpec(
                    code="handlers/etl",
                    handler="load.handler",
                    timeout=cdk.Duration.minutes(2),
                    environment={"WAREHOUSE_TABLE": "daily_sales"},
                ),
            ),
        ],
        notify_success=True,
        notify_failure=True,
        triggers=[Trigger.on_schedule("cron(0 2 * * ? *)")],
    )

    # 2. The order workflow from its ASL file: each Lambda ARN and SNS topic in the file is rebound,
    #    by name, to the function and topic built here. Orders arrive through an IAM-authorized API
    #    and from OrderPlaced events of the shop.
    orders_code = "handlers/orders_workflow"
    OrchestratedPipeline(
        stack,
        "Orders",
        definition_file="workflows/order_workflow.asl.json",
        functions={
            "validateOrder": FunctionSpec(code=orders_code, handler="validate_order.handler"),
            "checkInventory": FunctionSpec(code=orders_code, handler="check_inventory.handler"),
            "processPayment": FunctionSpec(
                code=orders_code, handler="process_payment.handler", timeout=cdk.Duration.seconds(25)
            ),
            "shipOrder": FunctionSpec(code=orders_code, handler="ship_order.handler"),
        },
        timeout=cdk.Duration.hours(1),
        triggers=[
            Trigger.api(path="/orders"),
            Trigger.on_event(
                events.EventPattern(source=["shop.orders"], detail_type=["OrderPlaced"]),
                input_path="$.detail",
            ),
        ],
    )
    return stack
