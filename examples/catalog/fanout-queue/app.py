from aws_cdk import App, Stack

from serverless_patterns import FanoutQueue, FunctionSpec, Subscriber

app = App()
stack = Stack(app, "UserCreatedFanout")
fanout = FanoutQueue(
    stack,
    "UserCreated",
    subscribers={
        "welcome-email": Subscriber(function=FunctionSpec(code="handlers/fanout", handler="welcome.handler")),
    },
)
app.synth()
