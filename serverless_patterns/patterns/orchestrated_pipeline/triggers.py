"""What starts executions: EventBridge rules (a schedule or an event pattern) that retry into a
dead-letter queue, and a REST API whose IAM-authorized ``POST`` calls ``StartExecution``.

The alarms on them belong to the pattern (see ``pattern.py``); this module only builds the resources.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ...core import acknowledge
from ...core.queue import parking_queue
from ...core.rest_api import ServiceResponse, secure_rest_api, service_integration
from .props import Trigger

EVENT_RETRY_ATTEMPTS = 8
EVENT_MAX_AGE_HOURS = 1


def rule_dead_letter_queue(scope: Construct) -> sqs.Queue:
    """The queue every rule of ``scope`` parks the events it could not deliver in."""
    return parking_queue(
        scope,
        "TriggerDeadLetterQueue",
        role=f"the dead-letter queue of the EventBridge rules that start {scope.node.path}",
    )


def rule(
    scope: Construct,
    trigger: Trigger,
    state_machine: sfn.IStateMachine,
    dead_letter_queue: sqs.IQueue,
    rules: Sequence[events.Rule],
) -> events.Rule:
    """The rule of a schedule or event ``trigger``, numbered after the ``rules`` of its kind already built."""
    from aws_cdk import aws_events_targets as targets  # loaded only for a pipeline with a rule

    target_input = (
        events.RuleTargetInput.from_object(dict(trigger.input))
        if trigger.input is not None
        else events.RuleTargetInput.from_event_path(trigger.input_path)
        if trigger.input_path is not None
        else None
    )
    target = targets.SfnStateMachine(
        state_machine,
        input=target_input,
        dead_letter_queue=dead_letter_queue,
        retry_attempts=EVENT_RETRY_ATTEMPTS,
        max_event_age=cdk.Duration.hours(EVENT_MAX_AGE_HOURS),
    )
    base = "ScheduleRule" if trigger.kind == "schedule" else "EventRule"
    count = sum(1 for r in rules if r.node.id.startswith(base))
    rule_id = base if count == 0 else f"{base}{count + 1}"
    if trigger.kind == "schedule":
        schedule = trigger.schedule
        if isinstance(schedule, str):
            schedule = events.Schedule.expression(schedule)
        return events.Rule(
            scope,
            rule_id,
            schedule=schedule,
            targets=[target],
            description=f"Starts {scope.node.path} on a schedule",
        )
    return events.Rule(
        scope,
        rule_id,
        event_pattern=trigger.event_pattern,
        event_bus=trigger.event_bus,
        targets=[target],
        description=f"Starts {scope.node.path} for matching events",
    )


def start_execution_api(
    scope: Construct, trigger: Trigger, state_machine: sfn.IStateMachine, access_log_group: logs.LogGroup
) -> tuple[apigw.RestApi, logs.LogGroup]:
    """The REST API of an api ``trigger`` logging to ``access_log_group``, and that log group."""
    api = secure_rest_api(
        scope,
        "Api",
        description=f"Starts executions of {scope.node.path} (serverless-patterns OrchestratedPipeline)",
        access_log_group=access_log_group,
        stage_name=trigger.stage_name,
        throttling_rate_limit=trigger.throttling_rate_limit,
        throttling_burst_limit=trigger.throttling_burst_limit,
        account_logging_role=trigger.account_logging_role,
        web_acl_arn=trigger.web_acl_arn,
        web_acl_prop="Trigger.api(web_acl_arn=...)",
        authorization="an IAM (SigV4) signature of a principal granted execute-api:Invoke",
        web_acl_association_id="ApiWebAclAssociation",
    )
    role = iam.Role(
        scope,
        "ApiRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description=f"Lets the API of {scope.node.path} start executions",
    )
    state_machine.grant_start_execution(role)
    template = (
        '{"stateMachineArn": "' + state_machine.state_machine_arn + '", '
        '"input": "$util.escapeJavaScript($input.json(\'$\')).replaceAll("\\\\\'", "\'")"}'
    )
    error_template = '{"message": "$util.escapeJavaScript($input.path(\'$.message\'))"}'
    integration, method_responses = service_integration(
        "states",
        action="StartExecution",
        role=role,
        request_template=template,
        responses=(
            ServiceResponse("200"),
            ServiceResponse("400", "4\\d{2}", error_template),
            ServiceResponse("500", "5\\d{2}", error_template),
        ),
    )
    schema = trigger.request_schema or apigw.JsonSchema(
        schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT
    )
    model = api.add_model("ExecutionInput", content_type="application/json", schema=schema)
    validator = api.add_request_validator(
        "RequestValidator", validate_request_body=True, validate_request_parameters=True
    )
    resource = api.root.resource_for_path(trigger.path)
    method = resource.add_method(
        "POST",
        integration,
        authorization_type=apigw.AuthorizationType.IAM,
        request_validator=validator,
        request_models={"application/json": model},
        method_responses=method_responses,
    )
    acknowledge(
        method,
        "AwsSolutions-COG4",
        "The method uses IAM (SigV4) authorization: callers are IAM principals granted "
        "execute-api:Invoke, not Cognito users",
    )
    return api, access_log_group
