"""A definition built with aws-cdk's own ``aws_stepfunctions``, run by OrchestratedPipeline: the
chain's tasks grant themselves; the pattern adds logging, tracing, alarms, triggers and the
failure and success notifications.

docs/patterns/orchestrated-pipeline.md shows this file; tests synthesize it with the rule packs and cfn-lint
(tests/patterns/test_orchestrated_pipeline_chain.py).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Trigger


def build(stack: cdk.Stack) -> OrchestratedPipeline:
    """Adds the order-recording workflow to ``stack``."""
    orders = dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="orderId", type=dynamodb.AttributeType.STRING),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    record = tasks.DynamoPutItem(
        stack,
        "RecordOrder",
        table=orders,
        item={"orderId": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.orderId"))},
        result_path=sfn.JsonPath.DISCARD,
    )
    is_large = sfn.Condition.number_greater_than("$.total", 1000)
    hold = sfn.Wait(stack, "HoldForReview", time=sfn.WaitTime.duration(cdk.Duration.minutes(15)))
    chain = record.next(
        sfn.Choice(stack, "IsLarge").when(is_large, hold).otherwise(sfn.Succeed(stack, "Recorded"))
    )

    return OrchestratedPipeline(
        stack,
        "RecordOrders",
        definition=chain,
        notify_success=True,
        triggers=[Trigger.api(path="/orders")],
    )
