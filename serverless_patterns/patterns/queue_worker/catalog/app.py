from aws_cdk import App, Stack

from serverless_patterns import FunctionSpec, QueueWorker

app = App()
stack = Stack(app, "Orders")
worker = QueueWorker(stack, "Orders", function=FunctionSpec(code="handlers/orders", handler="app.handler"))
app.synth()
