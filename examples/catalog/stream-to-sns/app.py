from aws_cdk import App, Stack

from serverless_patterns import StreamToSns

app = App()
stack = Stack(app, "OrderEvents")
changes = StreamToSns(stack, "Orders", partition_key="orderId")
app.synth()
