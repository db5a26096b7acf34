"""(c) The equivalent app from AWS Solutions Constructs, each construct in its default configuration.

ApiToLambda ~ ApiGatewayToLambda; S3Processor ~ S3ToLambda; StreamToSns ~ DynamoDBStreamsToLambda +
LambdaToSns on the same function; FanoutQueue ~ SnsToSqs + SqsToLambda on the same queue;
OrchestratedPipeline ~ LambdaToStepfunctions. Functions use the same runtime, architecture-default
and handler code as (b).
"""

from __future__ import annotations

from typing import Any

import common
import probe
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_solutions_constructs.aws_apigateway_lambda import ApiGatewayToLambda
from aws_solutions_constructs.aws_dynamodbstreams_lambda import DynamoDBStreamsToLambda
from aws_solutions_constructs.aws_lambda_sns import LambdaToSns
from aws_solutions_constructs.aws_lambda_stepfunctions import LambdaToStepfunctions
from aws_solutions_constructs.aws_s3_lambda import S3ToLambda
from aws_solutions_constructs.aws_sns_sqs import SnsToSqs
from aws_solutions_constructs.aws_sqs_lambda import SqsToLambda

probe.mark("import_library")


def props() -> lambda_.FunctionProps:
    return lambda_.FunctionProps(
        code=lambda_.Code.from_asset(common.HANDLER_DIR),
        handler="app.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
    )


def build_set(stack: Any, index: int) -> None:
    n = index + 1
    with probe.instance("ApiGatewayToLambda"):
        ApiGatewayToLambda(stack, f"ApiGatewayToLambda{n}", lambda_function_props=props())
    with probe.instance("S3ToLambda"):
        S3ToLambda(stack, f"S3ToLambda{n}", lambda_function_props=props())
    with probe.instance("DynamoDBStreamsToLambda+LambdaToSns"):
        streams = DynamoDBStreamsToLambda(stack, f"DynamoDBStreamsToLambda{n}", lambda_function_props=props())
        LambdaToSns(stack, f"LambdaToSns{n}", existing_lambda_obj=streams.lambda_function)
    with probe.instance("SnsToSqs+SqsToLambda"):
        fanout = SnsToSqs(stack, f"SnsToSqs{n}")
        SqsToLambda(
            stack, f"SqsToLambda{n}", existing_queue_obj=fanout.sqs_queue, lambda_function_props=props()
        )
    with probe.instance("LambdaToStepfunctions"):
        LambdaToStepfunctions(
            stack,
            f"LambdaToStepfunctions{n}",
            lambda_function_props=props(),
            state_machine_props=sfn.StateMachineProps(
                definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, f"Start{n}"))
            ),
        )


probe.note(
    "patterns",
    [
        "ApiGatewayToLambda",
        "S3ToLambda",
        "DynamoDBStreamsToLambda+LambdaToSns",
        "SnsToSqs+SqsToLambda",
        "LambdaToStepfunctions",
    ],
)

if __name__ == "__main__":
    common.run(build_set)
