from aws_cdk import App, Stack

from serverless_patterns import FunctionSpec, S3Processor

app = App()
stack = Stack(app, "Uploads")
processor = S3Processor(
    stack,
    "Uploads",
    function=FunctionSpec(code="handlers/uploads", handler="app.handler"),
    suffix=".csv",
)
app.synth()
