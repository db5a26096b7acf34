"""A function subscribed to a topic (the Lambda protocol) with a filter policy runs only for the
messages the policy lets through, as SNS delivers them; a subscriber without a policy gets every one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs

from serverless_patterns.local import Deployment, LocalCloud

from .apps_support import synth

pytestmark = pytest.mark.e2e

HANDLER = """\
def handler(event, context):
    for record in event["Records"]:
        print("MESSAGE", record["Sns"]["Message"])
"""


def _build(code: Path) -> object:
    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "SnsFilter")
        topic = sns.Topic(stack, "Topic")

        def function(id: str) -> lambda_.Function:
            return lambda_.Function(
                stack,
                id,
                runtime=lambda_.Runtime.PYTHON_3_12,
                handler="index.handler",
                code=lambda_.Code.from_asset(str(code)),
                timeout=cdk.Duration.seconds(5),
            )

        orders = function("Orders")
        everything = function("Everything")
        topic.add_subscription(
            subs.LambdaSubscription(
                orders, filter_policy={"kind": sns.SubscriptionFilter.string_filter(allowlist=["order"])}
            )
        )
        topic.add_subscription(subs.LambdaSubscription(everything))
        cdk.CfnOutput(stack, "TopicArn", value=topic.topic_arn)
        cdk.CfnOutput(stack, "OrdersName", value=orders.function_name)
        cdk.CfnOutput(stack, "EverythingName", value=everything.function_name)

    return build


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    code = tmp_path_factory.mktemp("handler")
    (code / "index.py").write_text(HANDLER)
    return synth(_build(code), tmp_path_factory.mktemp("sns-filter") / "cdk.out")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def deployed(assembly: Path, local_cloud: LocalCloud) -> Iterator[Deployment]:
    yield local_cloud.deploy(assembly)


def _messages(cloud: LocalCloud, function_name: str) -> list[str]:
    return [
        line.split("MESSAGE ", 1)[1].strip()
        for run in cloud.invocations
        if run.function_name == function_name and run.source == "sns"
        for line in run.logs.splitlines()
        if line.startswith("MESSAGE ")
    ]


def test_a_filtered_lambda_subscription_runs_only_for_matching_messages(
    local_cloud: LocalCloud, deployed: Deployment
) -> None:
    out = deployed.outputs["SnsFilter"]
    client = local_cloud.client("sns")

    def publish(message: str, kind: str) -> None:
        client.publish(
            TopicArn=out["TopicArn"],
            Message=message,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )

    publish("refund-1", "refund")  # not in the policy's allowlist
    publish("order-1", "order")
    local_cloud.wait_for(
        lambda: (
            sorted(_messages(local_cloud, out["EverythingName"])) == ["order-1", "refund-1"]
            and "order-1" in _messages(local_cloud, out["OrdersName"])
        ),
        timeout=30,
    )
    local_cloud.wait_for(idle=True, timeout=30)  # nothing else is on its way
    assert _messages(local_cloud, out["OrdersName"]) == ["order-1"]
    assert sorted(_messages(local_cloud, out["EverythingName"])) == ["order-1", "refund-1"]
    # A message without the attribute does not match either.
    client.publish(TopicArn=out["TopicArn"], Message="plain-1")
    local_cloud.wait_for(lambda: "plain-1" in _messages(local_cloud, out["EverythingName"]), timeout=30)
    local_cloud.wait_for(idle=True, timeout=30)
    assert _messages(local_cloud, out["OrdersName"]) == ["order-1"]
