"""StreamToSns example: new and changed orders published to a topic by the built-in forwarder."""

import aws_cdk as cdk

from serverless_patterns.patterns.stream_to_sns import StreamToSns

from . import ENV


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "OrderEvents", env=ENV, description="serverless-patterns example: StreamToSns")
    orders = StreamToSns(stack, "Orders", partition_key="id", event_names=["INSERT", "MODIFY"])
    cdk.CfnOutput(stack, "TableName", value=orders.table.table_name)
    cdk.CfnOutput(stack, "TopicArn", value=orders.topic.topic_arn)
    return stack
