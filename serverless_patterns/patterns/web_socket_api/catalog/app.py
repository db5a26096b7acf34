from aws_cdk import App, Stack

from serverless_patterns import FunctionSpec, WebSocketApi

app = App()
stack = Stack(app, "Chat")
chat = WebSocketApi(
    stack,
    "Chat",
    routes={
        "$connect": FunctionSpec(code="handlers/chat", handler="app.connect"),
        "$disconnect": FunctionSpec(code="handlers/chat", handler="app.disconnect"),
        "sendMessage": FunctionSpec(code="handlers/chat", handler="app.send_message"),
        "$default": FunctionSpec(code="handlers/chat", handler="app.default"),
    },
)
app.synth()
