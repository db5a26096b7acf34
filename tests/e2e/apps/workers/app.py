"""Stacks for the worker tests: isolation, timeouts, layers, a Node.js API, a TableV2 and a handler
with bundled (arm64) pydantic."""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns.core import PythonLayer, bundling

HERE = os.path.dirname(os.path.abspath(__file__))


def python_function(scope: Construct, id: str, code: str, **kwargs: object) -> lambda_.Function:
    return lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_asset(os.path.join(HERE, "handlers", code)),
        **kwargs,  # type: ignore[arg-type]
    )


class WorkersStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, layer_dir: str | None = None) -> None:
        super().__init__(scope, id)
        isolation = python_function(self, "Isolation", "isolation", timeout=cdk.Duration.seconds(20))

        table = dynamodb.Table(
            self,
            "Writes",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        failures = sqs.Queue(self, "SleeperFailures")
        sleeper = python_function(
            self,
            "Sleeper",
            "sleeper",
            timeout=cdk.Duration.seconds(1),
            environment={"TABLE_NAME": table.table_name},
            retry_attempts=0,
            on_failure=destinations.SqsDestination(failures),
        )
        table.grant_write_data(sleeper)
        ungranted = python_function(
            self,
            "Ungranted",
            "ungranted",
            timeout=cdk.Duration.seconds(10),
            environment={"TABLE_NAME": table.table_name, "QUEUE_URL": failures.queue_url},
        )
        table.grant_read_data(ungranted)
        hang = python_function(
            self,
            "Hang",
            "sleeper",
            timeout=cdk.Duration.seconds(60),
            environment={"TABLE_NAME": table.table_name},
            retry_attempts=0,
        )

        layer = lambda_.LayerVersion(
            self,
            "Shared",
            code=lambda_.Code.from_asset(layer_dir or os.path.join(HERE, "layers", "shared")),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
        )
        layered = python_function(self, "Layered", "layered", layers=[layer])

        node = lambda_.Function(
            self,
            "NodeApi",
            runtime=lambda_.Runtime.NODEJS_22_X,
            handler="index.handler",
            code=lambda_.Code.from_asset(os.path.join(HERE, "handlers", "node_api")),
        )
        api = apigw.LambdaRestApi(self, "Api", handler=node)

        table_v2 = dynamodb.TableV2(
            self,
            "TableV2",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        writer = python_function(
            self, "TableV2Writer", "table_v2", environment={"TABLE_NAME": table_v2.table_name}
        )
        table_v2.grant_read_write_data(writer)

        # Bundled as the project bundles it: manylinux aarch64 wheels beside the code.
        bundled = lambda_.Function(
            self,
            "Pydantic",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=bundling.code_asset(
                os.path.join(HERE, "handlers", "pydantic_app"),
                target=bundling.Target("python3.12", "arm64"),
                exclude=None,
                construct_path=f"{id}/Pydantic",
            ),
        )

        # A layer built as the project builds one: its code and its dependencies (arm64) in python/.
        models = PythonLayer(
            self,
            "Models",
            code=os.path.join(HERE, "layers", "models"),
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
        )
        layer_models = python_function(
            self, "LayerModels", "layer_models", layers=[models], architecture=lambda_.Architecture.ARM_64
        )

        for name, value in {
            "Isolation": isolation.function_name,
            "Sleeper": sleeper.function_name,
            "Hang": hang.function_name,
            "Ungranted": ungranted.function_name,
            "SleeperFailuresUrl": failures.queue_url,
            "WritesTable": table.table_name,
            "Layered": layered.function_name,
            "RestApiId": api.rest_api_id,
            "TableV2Writer": writer.function_name,
            "TableV2Name": table_v2.table_name,
            "Pydantic": bundled.function_name,
            "LayerModels": layer_models.function_name,
        }.items():
            cdk.CfnOutput(self, f"Out{name}", value=value)


def build(app: cdk.App, layer_dir: str | None = None) -> cdk.App:
    WorkersStack(app, "LocalWorkers", layer_dir=layer_dir)
    return app


class TableOnlyStack(cdk.Stack):
    """A TableV2 and nothing else: deployed while its model is made to fail, then again."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        dynamodb.TableV2(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )


def build_table_only(app: cdk.App) -> cdk.App:
    TableOnlyStack(app, "LocalTableOnly")
    return app
