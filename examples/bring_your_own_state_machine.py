"""Bring your own state machine: an ASL file that uses DynamoDB, SQS, EventBridge, a nested state
machine and a Distributed Map over S3, bound by name to resources this stack owns.

The "Bring your own state machine" section of docs/patterns/orchestrated-pipeline.md shows this
file; tests synthesize it with the rule packs and cfn-lint
(tests/patterns/test_orchestrated_pipeline_integrations.py).
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Step

HERE = Path(__file__).parent


def build(stack: cdk.Stack) -> OrchestratedPipeline:
    """Adds the fulfilment workflow and what it uses to a new ``stack``."""
    # Server access logs under a bucket policy, not the legacy LogDeliveryWrite ACL.
    stack.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)
    # What the workflow uses, owned by this stack.
    orders = dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="orderId", type=dynamodb.AttributeType.STRING),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    key = kms.Key(stack, "JobsKey", enable_key_rotation=True, description="Encrypts the packing jobs")
    dead_letters = sqs.Queue(
        stack,
        "JobsDeadLetters",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
    )
    cdk.Validations.of(dead_letters).acknowledge(
        cdk.Acknowledgment(
            id="Serverless::Serverless-SQSRedrivePolicy",
            reason="This queue is itself the dead-letter queue of the packing jobs queue",
        ),
        cdk.Acknowledgment(
            id="AwsSolutions::AwsSolutions-SQS3",
            reason="This queue is itself the dead-letter queue of the packing jobs queue",
        ),
    )
    jobs = sqs.Queue(
        stack,
        "Jobs",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=dead_letters),
    )
    bus = events.EventBus(stack, "Events")
    secured = {
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    }
    access_logs = s3.Bucket(stack, "ArchiveAccessLogs", **secured)
    cdk.Validations.of(access_logs).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions::AwsSolutions-S1",
            reason="This bucket receives the server access logs of the archive bucket; logging it as well "
            "would log every log delivery",
        )
    )
    archive = s3.Bucket(
        stack,
        "Archive",
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="archive/",
        **secured,
    )
    shipping = OrchestratedPipeline(
        stack,
        "Shipping",
        steps=[
            Step(
                "BookShipment",
                FunctionSpec(code=str(HERE / "handlers/orders_workflow"), handler="ship_order.handler"),
            )
        ],
    )

    # The workflow: each name in the file is rebound to the resource of that name, and the state
    # machine role gets exactly the actions each state takes on it.
    return OrchestratedPipeline(
        stack,
        "Fulfilment",
        definition_file=HERE / "workflows/fulfilment.asl.json",
        functions={
            "archiveFile": FunctionSpec(
                code=str(HERE / "handlers/fulfilment"), handler="archive_file.handler"
            )
        },
        resources={
            "Orders": orders,
            "Jobs": jobs,
            "Events": bus,
            "Child": shipping.state_machine,
            "Archive": archive,
        },
    )
