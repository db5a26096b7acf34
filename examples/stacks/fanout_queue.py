"""FanoutQueue example: a "user created" topic fanned out to a welcome email and to analytics."""

import aws_cdk as cdk

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber

from . import ENV


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(
        app, "UserCreatedFanout", env=ENV, description="serverless-patterns example: FanoutQueue"
    )
    fanout = FanoutQueue(
        stack,
        "UserCreated",
        subscribers={
            "welcome-email": Subscriber(
                function=FunctionSpec(code="handlers/fanout", handler="welcome.handler"),
            ),
            "analytics": Subscriber(
                function=FunctionSpec(code="handlers/fanout", handler="analytics.handler"),
                filter_policy={"plan": ["pro"]},
                batch_size=10,
                max_batching_window=cdk.Duration.seconds(5),
            ),
        },
    )
    cdk.CfnOutput(stack, "TopicArn", value=fanout.topic.topic_arn)
    return stack
