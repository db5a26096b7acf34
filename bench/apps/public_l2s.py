"""(e) The aws-cdk-lib constructs that (b)'s five patterns expose as public attributes, built directly
with their plain props and nothing else: per function its role, log group, ``live`` alias on a
version and CodeDeploy deployment group; the REST API and its access log group; the bucket and its
access-logs bucket; the table with its stream; the topics with their keys; the queues with their
dead-letter queues; the state machine and its log group.

No alarm, dashboard, policy document, acknowledgment or validation of ours: (e) minus its own
template included as L1 resources (the bench's part ``publicl2``) is what aws-cdk-lib's L2 types
cost by themselves, a floor under (b) - (d) for any library whose public attributes are these types.
"""

from __future__ import annotations

import common
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct


def function(scope: Construct, id: str) -> lambda_.Alias:
    """A function as the patterns expose it: role, log group, version, alias, deployment group."""
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    log_group = logs.LogGroup(scope, f"{id}Logs", retention=logs.RetentionDays.ONE_MONTH)
    fn = lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        handler="app.handler",
        code=lambda_.Code.from_asset(common.HANDLER_DIR),
        role=role,
        log_group=log_group,
        tracing=lambda_.Tracing.ACTIVE,
        timeout=Duration.seconds(10),
        memory_size=512,
    )
    alias = lambda_.Alias(scope, f"{id}Live", alias_name="live", version=fn.current_version)
    codedeploy.LambdaDeploymentGroup(
        scope,
        f"{id}Deployments",
        alias=alias,
        deployment_config=codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
    )
    return alias


def build(stack: Stack, index: int) -> None:
    scope = Construct(stack, f"Set{index + 1}")
    # ApiToLambda
    api_fn = function(scope, "ApiFunction")
    access_logs = logs.LogGroup(scope, "ApiAccessLogs", retention=logs.RetentionDays.ONE_MONTH)
    api = apigw.RestApi(
        scope,
        "Api",
        deploy_options=apigw.StageOptions(
            access_log_destination=apigw.LogGroupLogDestination(access_logs), tracing_enabled=True
        ),
    )
    api.root.add_method("GET", apigw.LambdaIntegration(api_fn))
    # S3Processor
    access_logs_bucket = s3.Bucket(scope, "AccessLogsBucket", enforce_ssl=True)
    s3.Bucket(scope, "Bucket", enforce_ssl=True, server_access_logs_bucket=access_logs_bucket)
    function(scope, "S3Function")
    # StreamToSns
    dynamodb.Table(
        scope,
        "Table",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    )
    function(scope, "StreamFunction")
    stream_key = kms.Key(scope, "StreamTopicKey", enable_key_rotation=True)
    sns.Topic(scope, "StreamTopic", master_key=stream_key, enforce_ssl=True)
    # FanoutQueue
    fanout_key = kms.Key(scope, "FanoutTopicKey", enable_key_rotation=True)
    topic = sns.Topic(scope, "FanoutTopic", master_key=fanout_key, enforce_ssl=True)
    dead_letters = sqs.Queue(scope, "WorkerDlq", enforce_ssl=True)
    queue = sqs.Queue(
        scope,
        "WorkerQueue",
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=3),
    )
    topic.add_subscription(subscriptions.SqsSubscription(queue))
    function(scope, "WorkerFunction")
    # OrchestratedPipeline
    step = function(scope, "StepFunction")
    machine_logs = logs.LogGroup(scope, "StateMachineLogs", retention=logs.RetentionDays.ONE_MONTH)
    sfn.StateMachine(
        scope,
        "StateMachine",
        definition_body=sfn.DefinitionBody.from_chainable(
            tasks.LambdaInvoke(scope, "Process", lambda_function=step)
        ),
        logs=sfn.LogOptions(destination=machine_logs, level=sfn.LogLevel.ALL),
        tracing_enabled=True,
    )
    sns.Topic(scope, "PipelineTopic", master_key=kms.Key(scope, "PipelineTopicKey", enable_key_rotation=True))


if __name__ == "__main__":
    common.run(build)
