"""Branching without ASL: an order pipeline from Python steps with a Choice, a Wait that loops back,
a Parallel and a Map. Each Lambda step gets its function, live alias, canary, retries and alarms.

docs/patterns/orchestrated-pipeline.md shows this file; tests synthesize it with the rule packs and cfn-lint
(tests/patterns/test_orchestrated_pipeline_branching.py).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.orchestrated_pipeline import (
    Choice,
    Map,
    OrchestratedPipeline,
    Parallel,
    Step,
    Trigger,
    Wait,
    When,
)

HERE = Path(__file__).parent
ORDERS = str(HERE / "handlers/orders_workflow")
FULFILMENT = str(HERE / "handlers/fulfilment")


def build(stack: cdk.Stack) -> OrchestratedPipeline:
    """Adds the branching order pipeline to ``stack``."""
    return OrchestratedPipeline(
        stack,
        "BranchingOrders",
        steps=[
            Step("ValidateOrder", FunctionSpec(code=ORDERS, handler="validate_order.handler")),
            Step("CheckInventory", FunctionSpec(code=ORDERS, handler="check_inventory.handler")),
            Choice(
                "IsInStock",
                [When(sfn.Condition.boolean_equals("$.inStock", True), "TakePayment")],
                otherwise="WaitForRestock",
            ),
            Wait("WaitForRestock", duration=cdk.Duration.hours(1), next="CheckInventory"),
            Step("TakePayment", FunctionSpec(code=ORDERS, handler="process_payment.handler")),
            Parallel(
                "Fulfil",
                [
                    [Step("ShipOrder", FunctionSpec(code=ORDERS, handler="ship_order.handler"))],
                    [
                        Map(
                            "ReserveEachItem",
                            [
                                Step(
                                    "ReserveItem",
                                    FunctionSpec(code=FULFILMENT, handler="reserve_item.handler"),
                                )
                            ],
                            items_path="$.items",
                            max_concurrency=5,
                        )
                    ],
                ],
            ),
        ],
        notify_success=True,
        triggers=[Trigger.api(path="/orders")],
    )
