"""One of each kind of parking queue, for the redrive e2e tests: S3Processor through its queue (a
queue's DLQ) and invoked directly (an on-failure destination), a FanoutQueue subscriber (its queue's
DLQ and its subscription's DLQ), an OrchestratedPipeline started by an event rule (the rule target's
DLQ) and StreamToSns (its failure queue)."""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs

from serverless_patterns import FunctionSpec
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Step, Trigger
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from serverless_patterns.patterns.stream_to_sns import StreamToSns

HANDLERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "handlers")


def _spec(handler: str) -> FunctionSpec:
    return FunctionSpec(code=HANDLERS, handler=handler)


def build(app: cdk.App) -> cdk.App:
    stack = cdk.Stack(app, "LocalRedrive")
    none = DeploymentStrategy.none()
    queued = S3Processor(
        stack,
        "Queued",
        function=_spec("objects.handler"),
        prefix="in/",
        suffix=".txt",
        output_prefix="processed/",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        access_logs=False,
        deployment=none,
    )
    direct = S3Processor(
        stack,
        "Direct",
        function=_spec("objects.handler"),
        delivery=S3Delivery.DIRECT,
        prefix="in/",
        suffix=".txt",
        output_prefix="processed/",
        retry_attempts=1,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        access_logs=False,
        deployment=none,
    )
    fanout = FanoutQueue(
        stack,
        "Fanout",
        subscribers={"audit": Subscriber(function=_spec("subscriber.handler"))},
        deployment=none,
    )
    pipeline = OrchestratedPipeline(
        stack,
        "Pipeline",
        steps=[Step("Mark", _spec("step.handler"))],
        triggers=[Trigger.on_event(events.EventPattern(source=["redrive.test"]), input_path="$.detail")],
        deployment=none,
    )
    stream = StreamToSns(
        stack,
        "Changes",
        partition_key="id",
        table_removal_policy=cdk.RemovalPolicy.DESTROY,
        deployment=none,
    )
    watcher = sqs.Queue(stack, "Watcher")
    stream.topic.add_subscription(subs.SqsSubscription(watcher, raw_message_delivery=True))
    audit = fanout.subscribers["audit"]
    assert pipeline.trigger_dead_letter_queue is not None
    for name, value in {
        "QueuedBucket": queued.bucket.bucket_name,
        "DirectBucket": direct.bucket.bucket_name,
        "AuditQueueUrl": audit.queue.queue_url,
        "AuditFunction": audit.function.function_name if audit.function else "",
        "StateMachineArn": pipeline.state_machine.state_machine_arn,
        "TableName": stream.table.table_name,
        "WatcherUrl": watcher.queue_url,
    }.items():
        cdk.CfnOutput(stack, name, value=value)
    return app


if __name__ == "__main__":
    build(cdk.App()).synth()
