"""The S3Processor and StreamToSns patterns, in both delivery modes, for the e2e tests."""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs

from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from serverless_patterns.patterns.stream_to_sns import StreamToSns

HERE = os.path.dirname(os.path.abspath(__file__))
OBJECTS = FunctionSpec(code=os.path.join(HERE, "handlers", "objects"), handler="index.handler")


def build(app: cdk.App) -> cdk.App:
    stack = cdk.Stack(app, "LocalPatterns")
    queued = S3Processor(
        stack,
        "Queued",
        function=OBJECTS,
        prefix="in/",
        suffix=".txt",
        output_prefix="processed/",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        access_logs=False,
        deployment=DeploymentStrategy.none(),
    )
    direct = S3Processor(
        stack,
        "Direct",
        function=OBJECTS,
        delivery=S3Delivery.DIRECT,
        prefix="in/",
        output_prefix="processed/",
        retry_attempts=1,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        access_logs=False,
        deployment=DeploymentStrategy.none(),
    )
    stream = StreamToSns(
        stack,
        "Changes",
        partition_key="id",
        table_removal_policy=cdk.RemovalPolicy.DESTROY,
        deployment=DeploymentStrategy.none(),
    )
    watcher = sqs.Queue(stack, "Watcher")
    stream.topic.add_subscription(subs.SqsSubscription(watcher, raw_message_delivery=True))
    for name, value in {
        "QueuedBucket": queued.bucket.bucket_name,
        "QueuedDlqUrl": queued.dead_letter_queue.queue_url,
        "DirectBucket": direct.bucket.bucket_name,
        "DirectFailuresUrl": direct.dead_letter_queue.queue_url,
        "TableName": stream.table.table_name,
        "WatcherUrl": watcher.queue_url,
    }.items():
        cdk.CfnOutput(stack, name, value=value)
    return app


if __name__ == "__main__":
    build(cdk.App()).synth()
