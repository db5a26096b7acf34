from aws_cdk import App, Stack

from serverless_patterns import DurableWorkflow, FunctionSpec

app = App()
stack = Stack(app, "Fulfilment")
DurableWorkflow(stack, "Orders", function=FunctionSpec(code="handlers/orders", handler="app.handler"))
app.synth()
