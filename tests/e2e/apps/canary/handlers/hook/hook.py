"""A pre-traffic hook: tells CodeDeploy whether the new version may take traffic, as AWS asks."""

import boto3

STATUS = "Failed"  # the tests rewrite it


def handler(event, context):
    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=STATUS,
    )
    return {"status": STATUS}
