"""Returns: a workflow with every kind of state (Choice, Parallel, inline Map, Wait, Fail) and the
DynamoDB, SNS and Lambda integrations, on the orders table of the fulfilment workflow
(``examples/bring_your_own_state_machine.py``).

``tests/e2e/test_workflows_local.py`` deploys both on the local cloud and runs every branch of each.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline

HERE = Path(__file__).parent
RETURNS = str(HERE / "handlers/returns")


def build(stack: cdk.Stack, orders: dynamodb.ITable) -> OrchestratedPipeline:
    """Adds the returns workflow and its topic to ``stack``; ``orders`` is the fulfilment's table."""
    key = kms.Key(stack, "ReturnsKey", enable_key_rotation=True, description="Encrypts return notices")
    returns = sns.Topic(stack, "Returns", master_key=key, enforce_ssl=True)
    return OrchestratedPipeline(
        stack,
        "ReturnsWorkflow",
        definition_file=HERE / "workflows/returns.asl.json",
        functions={
            "restockItem": FunctionSpec(code=RETURNS, handler="restock_item.handler"),
            "refundOrder": FunctionSpec(code=RETURNS, handler="refund_order.handler"),
        },
        topics={"Returns": returns},
        resources={"Orders": orders},
    )
