from aws_cdk import App, Stack

from serverless_patterns import FunctionSpec, OrchestratedPipeline, Step, Trigger

app = App()
stack = Stack(app, "NightlyEtl")
etl = OrchestratedPipeline(
    stack,
    "Etl",
    steps=[
        Step("ExtractData", FunctionSpec(code="handlers/etl", handler="extract.handler")),
        Step("TransformData", FunctionSpec(code="handlers/etl", handler="transform.handler")),
        Step("LoadData", FunctionSpec(code="handlers/etl", handler="load.handler")),
    ],
    triggers=[Trigger.on_schedule("cron(0 2 * * ? *)")],
)
app.synth()
