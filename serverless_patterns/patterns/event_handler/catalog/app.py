from aws_cdk import App, Stack

from serverless_patterns import EventHandler, FunctionSpec

app = App()
stack = Stack(app, "NightlyReport")
EventHandler(
    stack,
    "Nightly",
    function=FunctionSpec(code="handlers/nightly", handler="app.handler"),
    schedule="cron(0 2 * * ? *)",
)
app.synth()
