"""The SAM reader (``serverless_patterns/importer/sam.py``): SAM templates written here, read into the
importer's model, and the exact normalised output asserted."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.importer.model import (
    EventKind,
    Function,
    ImportedApp,
    Note,
    Resource,
    Status,
    Trigger,
)
from serverless_patterns.importer.sam import read_sam

CORPUS = Path(__file__).parent / "corpus"
TRANSFORM = "Transform: AWS::Serverless-2016-10-31\n"
NOT_READ = "not read by the importer"
APPROX, NOT_MAPPED = Status.APPROXIMATED, Status.NOT_MAPPED


def write(folder: Path, text: str, name: str = "template.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def read(folder: Path, text: str, *, stage: str | None = None) -> ImportedApp:
    return read_sam(write(folder, TRANSFORM + textwrap.dedent(text).lstrip()), stage=stage)


def function_with(folder: Path, properties: str, *, globals_: str = "") -> ImportedApp:
    """A template with one function ``Fn`` (``app.handler`` in ``src``, Python 3.12) and ``properties``."""
    return read(
        folder,
        globals_
        + "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        + "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        + textwrap.indent(textwrap.dedent(properties).lstrip(), " " * 6),
    )


def sub(text: str, **variables: Any) -> dict[str, Any]:
    return {"Fn::Sub": [text, variables]}


def table(logical_id: str, key: str, kind: str, **properties: Any) -> Resource:
    """The ``AWS::DynamoDB::Table`` a SimpleTable becomes: its hash key, on demand unless
    ``properties`` say otherwise."""
    billing = {} if "ProvisionedThroughput" in properties else {"BillingMode": "PAY_PER_REQUEST"}
    return Resource(
        logical_id,
        "AWS::DynamoDB::Table",
        {
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": kind}],
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            **billing,
            **properties,
        },
        f"Resources.{logical_id}",
    )


# ------------------------------------------------------------------------------------------- events
ROUTE = {"cors": False, "authorizer": None, "private": False, "api": None}
EVENTS = [
    pytest.param(
        """
        Type: Api
        Properties:
          Path: /users/{id}
          Method: get
        """,
        Trigger(EventKind.HTTP, "", {"method": "GET", "path": "/users/{id}", **ROUTE}),
        [],
        id="Api",
    ),
    pytest.param(
        """
        Type: HttpApi
        """,
        Trigger(EventKind.HTTP_API, "", {"method": "ANY", "path": "$default", **ROUTE}),
        [],
        id="HttpApi-default-route",
    ),
    pytest.param(
        """
        Type: HttpApi
        Properties:
          ApiId: !Ref OrdersApi
          Path: orders/
          Method: post
          TimeoutInMillis: 5000
        """,
        Trigger(EventKind.HTTP_API, "", {"method": "POST", "path": "/orders", **ROUTE, "api": "OrdersApi"}),
        [Note("Resources.Fn.Events.Ev.TimeoutInMillis", NOT_MAPPED, "", NOT_READ)],
        id="HttpApi",
    ),
    pytest.param(
        """
        Type: SQS
        Properties:
          Queue: !GetAtt Jobs.Arn
          BatchSize: 10
          MaximumBatchingWindowInSeconds: 5
          ScalingConfig:
            MaximumConcurrency: 2
          FunctionResponseTypes: [ReportBatchItemFailures]
          FilterCriteria:
            Filters: [{Pattern: '{"body": {"kind": ["order"]}}'}]
        """,
        Trigger(
            EventKind.SQS,
            "",
            {
                "queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
                "batch_size": 10,
                "batch_window": 5,
                "max_concurrency": 2,
                "report_failures": True,
            },
        ),
        [Note("Resources.Fn.Events.Ev.FilterCriteria", NOT_MAPPED, "", NOT_READ)],
        id="SQS",
    ),
    pytest.param(
        """
        Type: SQS
        Properties:
          Queue: arn:aws:sqs:eu-west-1:123456789012:jobs
        """,
        Trigger(
            EventKind.SQS,
            "",
            {
                "queue": "arn:aws:sqs:eu-west-1:123456789012:jobs",
                "batch_size": None,
                "batch_window": None,
                "max_concurrency": None,
                "report_failures": False,
            },
        ),
        [],
        id="SQS-minimal",
    ),
    pytest.param(
        """
        Type: SNS
        Properties:
          Topic: !Ref Alerts
          FilterPolicy:
            severity: [high]
          SqsSubscription: true
        """,
        Trigger(EventKind.SNS, "", {"topic": {"Ref": "Alerts"}, "filter_policy": {"severity": ["high"]}}),
        [Note("Resources.Fn.Events.Ev.SqsSubscription", NOT_MAPPED, "", NOT_READ)],
        id="SNS",
    ),
    pytest.param(
        """
        Type: S3
        Properties:
          Bucket: !Ref Uploads
          Events: s3:ObjectCreated:*
          Filter:
            S3Key:
              Rules:
                - Name: prefix
                  Value: incoming/
                - Name: suffix
                  Value: .csv
        """,
        Trigger(
            EventKind.S3,
            "",
            {
                "bucket": {"Ref": "Uploads"},
                "events": ["s3:ObjectCreated:*"],
                "prefix": "incoming/",
                "suffix": ".csv",
                "existing": False,
            },
        ),
        [],
        id="S3",
    ),
    pytest.param(
        """
        Type: S3
        Properties:
          Bucket: !Ref Uploads
          Events: [s3:ObjectCreated:Put, s3:ObjectRemoved:*]
        """,
        Trigger(
            EventKind.S3,
            "",
            {
                "bucket": {"Ref": "Uploads"},
                "events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"],
                "prefix": None,
                "suffix": None,
                "existing": False,
            },
        ),
        [],
        id="S3-events-list",
    ),
    pytest.param(
        """
        Type: DynamoDB
        Properties:
          Stream: !GetAtt Users.StreamArn
          StartingPosition: TRIM_HORIZON
          BatchSize: 100
          MaximumBatchingWindowInSeconds: 1
          MaximumRetryAttempts: 2
        """,
        Trigger(
            EventKind.STREAM,
            "",
            {
                "type": "dynamodb",
                "arn": {"Fn::GetAtt": ["Users", "StreamArn"]},
                "batch_size": 100,
                "starting_position": "TRIM_HORIZON",
                "batch_window": 1,
            },
        ),
        [
            Note(
                "Resources.Fn.Events.Ev.MaximumRetryAttempts",
                NOT_MAPPED,
                "",
                "the patterns set the retries of their event sources",
            )
        ],
        id="DynamoDB",
    ),
    pytest.param(
        """
        Type: Kinesis
        Properties:
          Stream: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks
          StartingPosition: LATEST
        """,
        Trigger(
            EventKind.STREAM,
            "",
            {
                "type": "kinesis",
                "arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks",
                "batch_size": None,
                "starting_position": "LATEST",
                "batch_window": None,
            },
        ),
        [],
        id="Kinesis",
    ),
    pytest.param(
        """
        Type: Schedule
        Properties:
          Schedule: rate(5 minutes)
          Enabled: false
          Input: '{"job": "nightly"}'
        """,
        Trigger(
            EventKind.SCHEDULE,
            "",
            {
                "expression": "rate(5 minutes)",
                "enabled": False,
                "input": {"job": "nightly"},
                "time_zone": None,
            },
        ),
        [],
        id="Schedule",
    ),
    pytest.param(
        """
        Type: Schedule
        Properties:
          Schedule: cron(0 12 * * ? *)
          State: DISABLED
          Input: not json
        """,
        Trigger(
            EventKind.SCHEDULE,
            "",
            {"expression": "cron(0 12 * * ? *)", "enabled": False, "input": "not json", "time_zone": None},
        ),
        [],
        id="Schedule-state",
    ),
    pytest.param(
        """
        Type: ScheduleV2
        Properties:
          ScheduleExpression: cron(0 8 * * ? *)
          ScheduleExpressionTimezone: Europe/Paris
          Input: '{"a": 1}'
          FlexibleTimeWindow:
            Mode: "OFF"
        """,
        Trigger(
            EventKind.SCHEDULE,
            "",
            {
                "expression": "cron(0 8 * * ? *)",
                "enabled": True,
                "input": {"a": 1},
                "time_zone": "Europe/Paris",
            },
        ),
        [Note("Resources.Fn.Events.Ev.FlexibleTimeWindow", NOT_MAPPED, "", NOT_READ)],
        id="ScheduleV2",
    ),
    pytest.param(
        """
        Type: EventBridgeRule
        Properties:
          EventBusName: !Ref Bus
          Pattern:
            source: [orders]
            detail-type: [OrderPlaced]
        """,
        Trigger(
            EventKind.EVENT_RULE,
            "",
            {
                "pattern": {"source": ["orders"], "detail-type": ["OrderPlaced"]},
                "bus": {"Ref": "Bus"},
                "schedule": None,
            },
        ),
        [],
        id="EventBridgeRule",
    ),
    pytest.param(
        """
        Type: CloudWatchEvent
        Properties:
          EventBusName: default
          Pattern:
            source: [aws.ec2]
        """,
        Trigger(
            EventKind.EVENT_RULE, "", {"pattern": {"source": ["aws.ec2"]}, "bus": None, "schedule": None}
        ),
        [],
        id="CloudWatchEvent",
    ),
    pytest.param(
        """
        Type: CloudWatchLogs
        Properties:
          LogGroupName: /aws/app
          FilterPattern: ERROR
        """,
        Trigger(
            EventKind.OTHER,
            "",
            {"type": "CloudWatchLogs", "properties": {"LogGroupName": "/aws/app", "FilterPattern": "ERROR"}},
        ),
        [
            Note(
                "Resources.Fn.Events.Ev",
                NOT_MAPPED,
                "",
                "an event of type CloudWatchLogs: no pattern takes it",
            )
        ],
        id="unknown-event",
    ),
]


@pytest.mark.parametrize(("event", "trigger", "notes"), EVENTS)
def test_each_event_kind_is_normalised(
    tmp_path: Path, event: str, trigger: Trigger, notes: list[Note]
) -> None:
    app = function_with(
        tmp_path, "Events:\n  Ev:\n" + textwrap.indent(textwrap.dedent(event).lstrip(), "    ")
    )
    assert app.functions[0].triggers == [Trigger(trigger.kind, "Resources.Fn.Events.Ev", trigger.props)]
    assert app.notes == notes


# ------------------------------------------------------------------------------------- functions
GLOBALS = """
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    MemorySize: 256
    Timeout: 10
    Architectures: [arm64]
    Layers: [!Ref Common]
    Environment:
      Variables:
        LOG_LEVEL: INFO
        STAGE: dev
Resources:
  GetUser:
    Type: AWS::Serverless::Function
    Properties:
      Handler: users/get.handler
      MemorySize: 512
      Description: Reads a user
      ReservedConcurrentExecutions: 10
      Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:extra:3]
      Environment:
        Variables:
          STAGE: test
          TABLE: !Ref Users
      DeploymentPreference:
        Type: Canary10Percent5Minutes
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./worker
      Handler: index.handler
      Runtime: nodejs22.x
      Timeout: 60
  Plain:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Layers, Environment]
    Properties:
      Handler: plain.handler
"""


def test_globals_are_merged_under_each_function(tmp_path: Path) -> None:
    app = read(tmp_path, GLOBALS)
    assert app.functions == [
        Function(
            name="GetUser",
            element="Resources.GetUser",
            handler="get.handler",
            code_dir="src/users",
            runtime="python3.12",
            memory_size=512,
            timeout=10,
            environment={"LOG_LEVEL": "INFO", "STAGE": "test", "TABLE": {"Ref": "Users"}},
            architecture="arm64",
            layers=[{"Ref": "Common"}, "arn:aws:lambda:eu-west-1:123456789012:layer:extra:3"],
            reserved_concurrency=10,
            deployment="Canary10Percent5Minutes",
            description="Reads a user",
        ),
        Function(
            name="Worker",
            element="Resources.Worker",
            handler="index.handler",
            code_dir="worker",
            runtime="nodejs22.x",
            memory_size=256,
            timeout=60,
            environment={"LOG_LEVEL": "INFO", "STAGE": "dev"},
            architecture="arm64",
            layers=[{"Ref": "Common"}],
        ),
        Function(
            name="Plain",
            element="Resources.Plain",
            handler="plain.handler",
            code_dir="src",
            runtime="python3.12",
            memory_size=256,
            timeout=10,
            architecture="arm64",
        ),
    ]
    assert app.notes == []


def test_function_properties_the_patterns_replace_are_noted(tmp_path: Path) -> None:
    app = function_with(
        tmp_path,
        """
        FunctionName: get-user
        Role: !GetAtt UserRole.Arn
        DeadLetterQueue:
          Type: SQS
          TargetArn: !GetAtt Dlq.Arn
        AutoPublishAlias: live
        DeploymentPreference:
          Type: Linear10PercentEvery1Minute
          Alarms: [!Ref ErrorsAlarm]
        VpcConfig:
          SubnetIds: [subnet-1]
        """,
        globals_="Globals:\n  Function:\n    Tracing: Active\n",
    )
    assert app.functions[0].deployment == "Linear10PercentEvery1Minute"
    assert app.notes == [
        Note("Resources.Fn.DeploymentPreference.Alarms", NOT_MAPPED, "", NOT_READ),
        Note(
            "Resources.Fn.Tracing",
            APPROX,
            "X-Ray tracing",
            "the patterns turn X-Ray tracing on for every function",
        ),
        Note("Resources.Fn.FunctionName", NOT_MAPPED, "", "the patterns give no physical names"),
        Note(
            "Resources.Fn.Role",
            NOT_MAPPED,
            "",
            "the patterns make one role per function: this role's permissions are not read; "
            "give them as Policies statements",
        ),
        Note(
            "Resources.Fn.DeadLetterQueue",
            NOT_MAPPED,
            "",
            "the patterns give every asynchronous edge its own dead-letter queue",
        ),
        Note(
            "Resources.Fn.AutoPublishAlias",
            APPROX,
            "a live alias",
            "the patterns publish every function version behind a live alias",
        ),
        Note("Resources.Fn.VpcConfig", NOT_MAPPED, "", NOT_READ),
    ]


def test_disabled_deployment_preference_is_no_deployment(tmp_path: Path) -> None:
    app = function_with(tmp_path, "DeploymentPreference:\n  Type: AllAtOnce\n  Enabled: false\n")
    assert app.functions[0].deployment is None
    assert app.notes == []


def test_functions_without_local_code_are_not_mapped(tmp_path: Path) -> None:
    app = read(
        tmp_path,
        """
        Resources:
          ImageFn:
            Type: AWS::Serverless::Function
            Properties:
              PackageType: Image
              ImageUri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest
              Events:
                Get:
                  Type: Api
                  Properties: {Path: /, Method: get}
          InlineFn:
            Type: AWS::Serverless::Function
            Properties:
              InlineCode: "def handler(event, context): return 1"
              Handler: index.handler
              Runtime: python3.12
          S3Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: {Bucket: artifacts, Key: fn.zip}
              Handler: app.handler
              Runtime: python3.12
          NoRuntime:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
        """,
    )
    assert app.functions == []
    assert app.notes == [
        Note(
            "Resources.ImageFn",
            NOT_MAPPED,
            "",
            "a container image function (ImageUri, ImageConfig): the patterns build functions from code",
        ),
        Note(
            "Resources.InlineFn",
            NOT_MAPPED,
            "",
            "code inline in the template: move it into a file of a code directory",
        ),
        Note(
            "Resources.S3Fn",
            NOT_MAPPED,
            "",
            "code in S3 ({'Bucket': 'artifacts', 'Key': 'fn.zip'}): the patterns build functions from a local "
            "code directory",
        ),
        Note("Resources.NoRuntime", NOT_MAPPED, "", "Runtime must be a string, got None"),
    ]


# ------------------------------------------------------------------------------------- policies
TABLE_ARNS = [
    sub(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",
        tableName="users",
    ),
    sub(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",
        tableName="users",
    ),
]
BUCKET = {"Ref": "Uploads"}
BUCKET_ARNS = [
    sub("arn:${AWS::Partition}:s3:::${bucketName}", bucketName=BUCKET),
    sub("arn:${AWS::Partition}:s3:::${bucketName}/*", bucketName=BUCKET),
]
QUEUE = {"Fn::GetAtt": ["Jobs", "QueueName"]}
QUEUE_ARN = sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", queueName=QUEUE)
POLICIES = [
    (
        "DynamoDBCrudPolicy: {TableName: users}",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:PutItem",
                    "dynamodb:Scan",
                    "dynamodb:Query",
                    "dynamodb:UpdateItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:DescribeTable",
                    "dynamodb:ConditionCheckItem",
                ],
                "Resource": TABLE_ARNS,
            }
        ],
    ),
    (
        "DynamoDBReadPolicy: {TableName: users}",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:Scan",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                    "dynamodb:DescribeTable",
                ],
                "Resource": TABLE_ARNS,
            }
        ],
    ),
    (
        "DynamoDBWritePolicy: {TableName: users}",
        [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
                "Resource": TABLE_ARNS,
            }
        ],
    ),
    (
        "SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}",
        [{"Effect": "Allow", "Action": ["sqs:SendMessage*"], "Resource": QUEUE_ARN}],
    ),
    (
        "SQSPollerPolicy: {QueueName: !GetAtt Jobs.QueueName}",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:ChangeMessageVisibilityBatch",
                    "sqs:DeleteMessage",
                    "sqs:DeleteMessageBatch",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                "Resource": QUEUE_ARN,
            }
        ],
    ),
    (
        "SNSPublishMessagePolicy: {TopicName: !GetAtt Alerts.TopicName}",
        [
            {
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": sub(
                    "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}",
                    topicName={"Fn::GetAtt": ["Alerts", "TopicName"]},
                ),
            }
        ],
    ),
    (
        "S3ReadPolicy: {BucketName: !Ref Uploads}",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetObjectVersion",
                    "s3:GetLifecycleConfiguration",
                ],
                "Resource": BUCKET_ARNS,
            }
        ],
    ),
    (
        "S3WritePolicy: {BucketName: !Ref Uploads}",
        [
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
                "Resource": BUCKET_ARNS,
            }
        ],
    ),
    (
        "S3CrudPolicy: {BucketName: !Ref Uploads}",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectAcl",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                    "s3:DeleteObject",
                ],
                "Resource": BUCKET_ARNS,
            }
        ],
    ),
    (
        "LambdaInvokePolicy: {FunctionName: !Ref Charge}",
        [
            {
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": sub(
                    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*",
                    functionName={"Ref": "Charge"},
                ),
            }
        ],
    ),
    (
        "StepFunctionsExecutionPolicy: {StateMachineName: !GetAtt Flow.Name}",
        [
            {
                "Effect": "Allow",
                "Action": ["states:StartExecution"],
                "Resource": sub(
                    "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}",
                    stateMachineName={"Fn::GetAtt": ["Flow", "Name"]},
                ),
            }
        ],
    ),
    (
        "EventBridgePutEventsPolicy: {EventBusName: default}",
        [
            {
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": sub(
                    "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${eventBusName}",
                    eventBusName="default",
                ),
            }
        ],
    ),
    (
        "SSMParameterReadPolicy: {ParameterName: app/config}",
        [
            {"Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": sub(
                    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${parameterName}",
                    parameterName="app/config",
                ),
            },
        ],
    ),
    (
        "AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref DbSecret}",
        [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": sub("${secretArn}", secretArn={"Ref": "DbSecret"}),
            }
        ],
    ),
    (
        "KMSDecryptPolicy: {KeyId: !Ref Key}",
        [
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": sub(
                    "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}",
                    keyId={"Ref": "Key"},
                ),
            }
        ],
    ),
    (
        "DynamoDBStreamReadPolicy: {TableName: !Ref Users, StreamName: '2024-01-01T00:00:00.000'}",
        [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                "Resource": sub(
                    "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/stream/"
                    "${streamName}",
                    tableName={"Ref": "Users"},
                    streamName="2024-01-01T00:00:00.000",
                ),
            },
            {
                "Effect": "Allow",
                "Action": ["dynamodb:ListStreams"],
                "Resource": sub(
                    "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/stream/*",
                    tableName={"Ref": "Users"},
                ),
            },
        ],
    ),
    (
        "KinesisStreamReadPolicy: {StreamName: clicks}",
        [
            {
                "Effect": "Allow",
                "Action": ["kinesis:ListStreams", "kinesis:DescribeLimits"],
                "Resource": {
                    "Fn::Sub": "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"
                },
            },
            {
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                ],
                "Resource": sub(
                    "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${streamName}",
                    streamName="clicks",
                ),
            },
        ],
    ),
    (
        "CloudWatchPutMetricPolicy: {}",
        [{"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}],
    ),
]


@pytest.mark.parametrize(("policy", "statements"), POLICIES, ids=[p[0].split(":")[0] for p in POLICIES])
def test_policy_templates_expand_into_sams_statements(
    tmp_path: Path, policy: str, statements: list[dict[str, Any]]
) -> None:
    app = function_with(tmp_path, f"Policies:\n  - {policy}\n")
    assert app.functions[0].statements == statements
    assert app.notes == []


def test_inline_managed_and_unknown_policies(tmp_path: Path) -> None:
    app = function_with(
        tmp_path,
        """
        Policies:
          - AmazonDynamoDBReadOnlyAccess
          - arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole
          - Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [s3:GetObject]
                Resource: !Sub "${Uploads.Arn}/*"
          - Statement:
              Effect: Allow
              Action: sqs:SendMessage
              Resource: !GetAtt Jobs.Arn
          - RekognitionDetectOnlyPolicy: {}
          - DynamoDBCrudPolicy: {}
          - !Ref ExtraPolicyArn
          - 42
        """,
    )
    assert app.functions[0].statements == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {"Fn::Sub": "${Uploads.Arn}/*"}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Jobs", "Arn"]}},
    ]
    review = (
        "a managed policy grants more than the function needs: kept to be reviewed; "
        "replace it with statements on the exact resources"
    )
    assert app.notes == [
        Note("Resources.Fn.Policies[0]", APPROX, "managed policy AmazonDynamoDBReadOnlyAccess", review),
        Note(
            "Resources.Fn.Policies[1]",
            NOT_MAPPED,
            "",
            "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole: every function of the patterns has it already",
        ),
        Note(
            "Resources.Fn.Policies[4]",
            NOT_MAPPED,
            "",
            "the policy template RekognitionDetectOnlyPolicy is not expanded by the importer: give its statements",
        ),
        Note("Resources.Fn.Policies[5]", NOT_MAPPED, "", "DynamoDBCrudPolicy without its TableName"),
        Note("Resources.Fn.Policies[6]", APPROX, 'managed policy {"Ref": "ExtraPolicyArn"}', review),
        Note("Resources.Fn.Policies[7]", NOT_MAPPED, "", "not a policy: 42"),
    ]


def test_a_single_policy_is_read_like_a_list_of_one(tmp_path: Path) -> None:
    app = function_with(tmp_path, "Policies: AmazonS3ReadOnlyAccess\n")
    assert [(note.element, note.became) for note in app.notes] == [
        ("Resources.Fn.Policies", "managed policy AmazonS3ReadOnlyAccess")
    ]


# ------------------------------------------------------------------------------------------ APIs
APIS = """
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
  Api:
    Cors:
      AllowOrigin: "'*'"
Resources:
  UsersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Cognito
        UsagePlan:
          CreateUsagePlan: PER_API
        Authorizers:
          Cognito:
            UserPoolArn: !GetAtt UserPool.Arn
          Token:
            FunctionArn: !GetAtt AuthFunction.Arn
  ItemsApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: true
      Auth:
        EnableIamAuthorizer: true
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration:
              issuer: https://auth.example.com
              audience: [web]
          Pool:
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}
          Custom:
            FunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:custom
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: auth.handler
  RoutesFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: routes.handler
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref UsersApi, Path: /users, Method: get}}
        Admin:
          Type: Api
          Properties:
            RestApiId: !Ref UsersApi
            Path: /admin
            Method: post
            Auth: {Authorizer: Token, ApiKeyRequired: true}
        Health:
          Type: Api
          Properties: {RestApiId: !Ref UsersApi, Path: /health, Method: get, Auth: {Authorizer: NONE}}
        Legacy: {Type: Api, Properties: {Path: /legacy, Method: any}}
        Items: {Type: HttpApi, Properties: {ApiId: !Ref ItemsApi, Path: /items, Method: get}}
        Delete:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsApi
            Path: /items/{id}
            Method: delete
            Auth: {Authorizer: AWS_IAM}
        Mine:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /mine, Method: get, Auth: {Authorizer: Pool}}
        Custom:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsApi
            Path: /custom
            Method: get
            Auth: {Authorizer: Custom, AuthorizationScopes: [read]}
        Open: {Type: HttpApi, Properties: {Path: /open, Method: get}}
"""


def test_api_authorizers_and_cors_reach_their_routes(tmp_path: Path) -> None:
    app = read(tmp_path, APIS)
    routes = {
        trigger.element.rsplit(".", 1)[1]: (
            trigger.kind,
            trigger.props["method"],
            trigger.props["authorizer"],
            trigger.props["cors"],
            trigger.props["private"],
            trigger.props["api"],
        )
        for trigger in app.functions[1].triggers
    }
    http, http_api = EventKind.HTTP, EventKind.HTTP_API
    custom = "lambda:arn:aws:lambda:eu-west-1:123456789012:function:custom"
    assert routes == {
        "List": (http, "GET", "cognito", True, False, "UsersApi"),
        "Admin": (http, "POST", "lambda:AuthFunction", True, True, "UsersApi"),
        "Health": (http, "GET", None, True, False, "UsersApi"),
        "Legacy": (http, "ANY", None, True, False, None),
        "Items": (http_api, "GET", "jwt", True, False, "ItemsApi"),
        "Delete": (http_api, "DELETE", "iam", True, False, "ItemsApi"),
        "Mine": (http_api, "GET", "cognito", True, False, "ItemsApi"),
        "Custom": (http_api, "GET", custom, True, False, "ItemsApi"),
        "Open": (http_api, "GET", None, False, False, None),
    }
    made = "the API is made by the pattern that takes its routes"
    assert app.notes == [
        Note("Globals.Api", APPROX, "its routes' authorizer (none) and CORS (on)", made),
        Note(
            "Resources.UsersApi",
            APPROX,
            "its routes' authorizer (cognito) and CORS (on)",
            f"{made}; not carried: StageName, Auth.UsagePlan",
        ),
        Note("Resources.ItemsApi", APPROX, "its routes' authorizer (jwt) and CORS (on)", made),
        Note("Resources.RoutesFunction.Events.Custom.Auth.AuthorizationScopes", NOT_MAPPED, "", NOT_READ),
    ]


# ----------------------------------------------------------------------------- tables and layers
def test_simple_tables_become_dynamodb_tables(tmp_path: Path) -> None:
    app = read(
        tmp_path,
        """
        Globals:
          SimpleTable:
            SSESpecification:
              SSEEnabled: true
        Resources:
          Sessions:
            Type: AWS::Serverless::SimpleTable
          Orders:
            Type: AWS::Serverless::SimpleTable
            Properties:
              TableName: orders
              PrimaryKey:
                Name: orderId
                Type: Number
              ProvisionedThroughput:
                ReadCapacityUnits: 5
                WriteCapacityUnits: 2
              Tags:
                team: checkout
          Odd:
            Type: AWS::Serverless::SimpleTable
            Properties:
              PrimaryKey: {Name: pk, Type: Date}
              TimeToLive: {AttributeName: ttl}
        """,
    )
    sse = {"SSESpecification": {"SSEEnabled": True}}
    assert app.resources == [
        table("Sessions", "id", "S", **sse),
        table(
            "Orders",
            "orderId",
            "N",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
            TableName="orders",
            **sse,
            Tags=[{"Key": "team", "Value": "checkout"}],
        ),
        table("Odd", "pk", "S", **sse),
    ]
    assert app.notes == [
        Note("Resources.Odd.PrimaryKey.Type", APPROX, "String", "not a key type: 'Date'"),
        Note("Resources.Odd.TimeToLive", NOT_MAPPED, "", NOT_READ),
    ]


def test_layer_versions_are_kept_for_the_writer(tmp_path: Path) -> None:
    app = read(
        tmp_path,
        """
        Resources:
          Common:
            Type: AWS::Serverless::LayerVersion
            Properties:
              LayerName: common
              ContentUri: layers/common/
              CompatibleRuntimes: [python3.12]
            Metadata:
              BuildMethod: python3.12
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Layers: [!Ref Common]
        """,
    )
    props = {"LayerName": "common", "ContentUri": "layers/common/", "CompatibleRuntimes": ["python3.12"]}
    assert app.resources == [Resource("Common", "AWS::Serverless::LayerVersion", props, "Resources.Common")]
    assert app.functions[0].layers == [{"Ref": "Common"}]
    assert app.functions[0].code_dir == "."
    assert app.notes == [
        Note(
            "Resources.Common",
            APPROX,
            "a layer from 'layers/common/'",
            "kept as a SAM layer (runtimes ['python3.12']) to be built from its ContentUri; "
            "sam build's BuildMethod 'python3.12' is not carried",
        )
    ]


# -------------------------------------------------------------------------------- state machines
ASL = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": "${ChargeArn}", "Next": "Save"},
        "Save": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "${TableName}", "Item": {"id": {"S.$": "$.id"}}},
            "End": True,
        },
    },
}


STATE_MACHINES = """
Globals:
  StateMachine:
    Tracing: {Enabled: true}
Resources:
  OrderFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      DefinitionUri: statemachine/order.asl.json
      DefinitionSubstitutions:
        ChargeArn: !GetAtt Charge.Arn
        TableName: !Ref Orders
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Charge}
        - AWSXrayWriteOnlyAccess
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  WaitFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/wait.asl.yaml
      Role: arn:aws:iam::123456789012:role/flows
  InlineFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States: {Done: {Type: Succeed}}
  MissingFlow:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: statemachine/missing.asl.json}
  BrokenFlow:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: statemachine/broken.asl.yaml}
  RemoteFlow:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: {Bucket: artifacts, Key: flow.json}}
  NotAsl:
    Type: AWS::Serverless::StateMachine
    Properties: {Definition: {Comment: nothing}}
"""


def state_machines(folder: Path) -> ImportedApp:
    """:data:`STATE_MACHINES` read, with the definition files it names."""
    write(folder, json.dumps(ASL), "statemachine/order.asl.json")
    write(
        folder,
        "StartAt: Wait\nStates:\n  Wait: {Type: Wait, Seconds: 5, End: true}\n",
        "statemachine/wait.asl.yaml",
    )
    write(folder, "StartAt: [", "statemachine/broken.asl.yaml")
    return read(folder, STATE_MACHINES)


TRACING = {"Tracing": {"Enabled": True}}


def test_a_state_machine_reads_its_definition_uri_policies_and_events(tmp_path: Path) -> None:
    assert state_machines(tmp_path).state_machines[0] == Resource(
        "OrderFlow",
        "AWS::Serverless::StateMachine",
        {
            **TRACING,
            "Type": "EXPRESS",
            "DefinitionSubstitutions": {
                "ChargeArn": {"Fn::GetAtt": ["Charge", "Arn"]},
                "TableName": {"Ref": "Orders"},
            },
            "Definition": ASL,
            "Statements": [
                {
                    "Effect": "Allow",
                    "Action": ["lambda:InvokeFunction"],
                    "Resource": sub(
                        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*",
                        functionName={"Ref": "Charge"},
                    ),
                }
            ],
            "Triggers": [
                Trigger(
                    EventKind.SCHEDULE,
                    "Resources.OrderFlow.Events.Nightly",
                    {"expression": "rate(1 day)", "enabled": True, "input": None, "time_zone": None},
                )
            ],
        },
        "Resources.OrderFlow",
    )


def test_state_machines_from_a_yaml_file_and_inline(tmp_path: Path) -> None:
    assert state_machines(tmp_path).state_machines[1:] == [
        Resource(
            "WaitFlow",
            "AWS::Serverless::StateMachine",
            {
                **TRACING,
                "Role": "arn:aws:iam::123456789012:role/flows",
                "Definition": {
                    "StartAt": "Wait",
                    "States": {"Wait": {"Type": "Wait", "Seconds": 5, "End": True}},
                },
                "Statements": [],
                "Triggers": [],
            },
            "Resources.WaitFlow",
        ),
        Resource(
            "InlineFlow",
            "AWS::Serverless::StateMachine",
            {
                **TRACING,
                "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
                "Statements": [],
                "Triggers": [],
            },
            "Resources.InlineFlow",
        ),
    ]


def test_state_machines_without_a_definition_are_noted(tmp_path: Path) -> None:
    assert [(note.element, note.status, note.why) for note in state_machines(tmp_path).notes] == [
        (
            "Resources.OrderFlow.Policies[1]",
            NOT_MAPPED,
            "AWSXrayWriteOnlyAccess: every function of the patterns has it already",
        ),
        (
            "Resources.WaitFlow.Role",
            NOT_MAPPED,
            "the patterns make one role per function: this role's permissions are not read; "
            "give them as Policies statements",
        ),
        (
            "Resources.MissingFlow.DefinitionUri",
            NOT_MAPPED,
            "statemachine/missing.asl.json: cannot be read (No such file or directory)",
        ),
        (
            "Resources.BrokenFlow.DefinitionUri",
            NOT_MAPPED,
            "statemachine/broken.asl.yaml: not YAML: expected the node content, but found '<stream end>' "
            "at line 1 column 11",
        ),
        (
            "Resources.RemoteFlow",
            NOT_MAPPED,
            "no Definition, nor a DefinitionUri in this folder: {'Bucket': 'artifacts', 'Key': 'flow.json'}",
        ),
        ("Resources.NotAsl", NOT_MAPPED, "the definition is not Amazon States Language: no States"),
    ]


# ----------------------------------------------------------------------- tags, JSON, parameters
def test_short_form_tags_load_as_their_long_form(tmp_path: Path) -> None:
    app = read(
        tmp_path,
        """
        AWSTemplateFormatVersion: 2010-09-09
        Parameters:
          Env: {Type: String}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          NotProd: !Not [!Condition IsProd]
          Either: !Or [!Condition IsProd, !And [!Condition NotProd, !Condition IsProd]]
        Mappings:
          Sizes:
            eu-west-1: {small: 1}
        Resources:
          Thing:
            Type: Custom::Thing
            Properties:
              Ref: !Ref Bucket
              GetAtt: !GetAtt Table.StreamArn
              GetAttList: !GetAtt [Table, Arn]
              GetAttNested: !GetAtt Db.Endpoint.Address
              Sub: !Sub "${AWS::StackName}-thing"
              SubList: !Sub ["${Name}-x", {Name: !Ref Bucket}]
              Join: !Join [",", [a, !Ref Bucket]]
              If: !If [IsProd, 5, !Ref AWS::NoValue]
              Select: !Select [0, !GetAZs ""]
              Split: !Split ["/", !Ref Path]
              FindInMap: !FindInMap [Sizes, !Ref AWS::Region, small]
              ImportValue: !ImportValue shared-vpc-id
              Base64: !Base64 "#!/bin/bash"
              Cidr: !Cidr [10.0.0.0/16, 4, 8]
              GetAZs: !GetAZs eu-west-1
              Date: 2024-01-01
        """,
    )
    assert app.resources == [
        Resource(
            "Thing",
            "Custom::Thing",
            {
                "Ref": {"Ref": "Bucket"},
                "GetAtt": {"Fn::GetAtt": ["Table", "StreamArn"]},
                "GetAttList": {"Fn::GetAtt": ["Table", "Arn"]},
                "GetAttNested": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
                "Sub": {"Fn::Sub": "${AWS::StackName}-thing"},
                "SubList": {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Bucket"}}]},
                "Join": {"Fn::Join": [",", ["a", {"Ref": "Bucket"}]]},
                "If": {"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]},
                "Select": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
                "Split": {"Fn::Split": ["/", {"Ref": "Path"}]},
                "FindInMap": {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::Region"}, "small"]},
                "ImportValue": {"Fn::ImportValue": "shared-vpc-id"},
                "Base64": {"Fn::Base64": "#!/bin/bash"},
                "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
                "GetAZs": {"Fn::GetAZs": "eu-west-1"},
                "Date": "2024-01-01",
            },
            "Resources.Thing",
        )
    ]
    not_evaluated = "conditions are not evaluated: the resources and Fn::If that use it stay as they are"
    assert app.notes == [
        Note("Parameters.Env", NOT_MAPPED, "", "no Default to substitute: its Refs stay as they are"),
        Note("Conditions.IsProd", NOT_MAPPED, "", not_evaluated),
        Note("Conditions.NotProd", NOT_MAPPED, "", not_evaluated),
        Note("Conditions.Either", NOT_MAPPED, "", not_evaluated),
        Note("Mappings", NOT_MAPPED, "", "not evaluated: Fn::FindInMap stays as it is"),
    ]


def test_conditions_on_resources_are_kept_and_noted(tmp_path: Path) -> None:
    read_app = read(
        tmp_path,
        """
        Resources:
          Archive:
            Type: AWS::S3::Bucket
            Condition: IsProd
            DeletionPolicy: Retain
            UpdateReplacePolicy: Retain
            DependsOn: Table
            Properties:
              VersioningConfiguration: {Status: Enabled}
          Table:
            Type: AWS::DynamoDB::Table
        """,
    )
    assert read_app.resources == [
        Resource(
            "Archive",
            "AWS::S3::Bucket",
            {"VersioningConfiguration": {"Status": "Enabled"}},
            "Resources.Archive",
        ),
        Resource("Table", "AWS::DynamoDB::Table", {}, "Resources.Table"),
    ]
    assert read_app.notes == [
        Note(
            "Resources.Archive.Condition",
            APPROX,
            "Archive",
            "Condition 'IsProd' kept unconditionally: conditions are not evaluated",
        ),
        Note(
            "Resources.Archive.DeletionPolicy",
            NOT_MAPPED,
            "",
            "DeletionPolicy 'Retain' not carried: give the removal policy in the app",
        ),
        Note(
            "Resources.Archive.UpdateReplacePolicy",
            NOT_MAPPED,
            "",
            "UpdateReplacePolicy 'Retain' not carried: give the removal policy in the app",
        ),
        Note(
            "Resources.Archive.DependsOn",
            NOT_MAPPED,
            "",
            "DependsOn 'Table' not carried: the app orders what it references",
        ),
    ]


def test_json_templates_are_read(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": ["AWS::Serverless-2016-10-31"],
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "src",
                    "Handler": "app.handler",
                    "Runtime": "python3.12",
                    "Environment": {"Variables": {"TABLE": {"Ref": "Users"}}},
                    "Events": {
                        "Jobs": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Jobs", "Arn"]}}}
                    },
                },
            }
        },
        "Outputs": {"FnArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}}},
    }
    app = read_sam(write(tmp_path, json.dumps(template, indent="\t"), "template.json"))
    assert (app.name, app.source, app.tool) == ("template", "template.json", "sam")
    assert app.functions == [
        Function(
            name="Fn",
            element="Resources.Fn",
            handler="app.handler",
            code_dir="src",
            runtime="python3.12",
            environment={"TABLE": {"Ref": "Users"}},
            triggers=[
                Trigger(
                    EventKind.SQS,
                    "Resources.Fn.Events.Jobs",
                    {
                        "queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
                        "batch_size": None,
                        "batch_window": None,
                        "max_concurrency": None,
                        "report_failures": False,
                    },
                )
            ],
        )
    ]
    assert app.outputs == {"FnArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}}}


PARAMETERS = """
Parameters:
  Stage: {Type: String, Default: dev}
  Memory: {Type: Number, Default: "512"}
  Ratio: {Type: Number, Default: "0.5"}
  Origins: {Type: CommaDelimitedList, Default: "https://a.example, https://b.example"}
  Flag: {Type: String, Default: true}
  ApiKey: {Type: String, NoEcho: true}
  LatestAmi: {Type: "AWS::SSM::Parameter::Value<String>", Default: /aws/service/ami}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      MemorySize: !Ref Memory
      Environment:
        Variables:
          STAGE: !Ref Stage
          PREFIX: !Sub "${Stage}-orders"
          REGIONAL: !Sub "${Stage}-${AWS::Region}"
          VARS: !Sub ["${Stage}-${Suffix}", {Suffix: !Ref Stage}]
          SHADOWED: !Sub ["${Stage}", {Stage: other}]
          LITERAL: !Sub "${!Stage}-${Stage}"
          KEY: !Ref ApiKey
          AMI: !Ref LatestAmi
          RATIO: !Ref Ratio
          ORIGINS: !Join [",", !Ref Origins]
          FLAG: !Ref Flag
          ACCOUNT: !Ref AWS::AccountId
Outputs:
  Name:
    Value: !Sub "orders-${Stage}"
"""


def test_parameters_with_a_default_are_substituted(tmp_path: Path) -> None:
    app = read(tmp_path, PARAMETERS)
    assert app.stage == "dev"
    assert app.functions[0].memory_size == 512
    assert app.functions[0].environment == {
        "STAGE": "dev",
        "PREFIX": "dev-orders",
        "REGIONAL": {"Fn::Sub": "dev-${AWS::Region}"},
        "VARS": {"Fn::Sub": ["dev-${Suffix}", {"Suffix": "dev"}]},
        "SHADOWED": {"Fn::Sub": ["${Stage}", {"Stage": "other"}]},
        "LITERAL": {"Fn::Sub": "${!Stage}-dev"},
        "KEY": {"Ref": "ApiKey"},
        "AMI": {"Ref": "LatestAmi"},
        "RATIO": 0.5,
        "ORIGINS": {"Fn::Join": [",", ["https://a.example", "https://b.example"]]},
        "FLAG": "true",
        "ACCOUNT": {"Ref": "AWS::AccountId"},
    }
    assert app.outputs == {"Name": {"Value": "orders-dev"}}
    substituted = "substituted where referenced: a deploy-time parameter becomes a value of the app"
    assert app.notes == [
        Note("Parameters.Stage", APPROX, "its Default 'dev'", substituted),
        Note("Parameters.Memory", APPROX, "its Default 512", substituted),
        Note("Parameters.Ratio", APPROX, "its Default 0.5", substituted),
        Note(
            "Parameters.Origins",
            APPROX,
            "its Default ['https://a.example', 'https://b.example']",
            substituted,
        ),
        Note("Parameters.Flag", APPROX, "its Default 'true'", substituted),
        Note("Parameters.ApiKey", NOT_MAPPED, "", "no Default to substitute: its Refs stay as they are"),
        Note(
            "Parameters.LatestAmi",
            NOT_MAPPED,
            "",
            "resolved from Parameter Store at deploy time: its Refs stay as they are",
        ),
    ]


def test_the_stage_given_replaces_the_stage_parameter(tmp_path: Path) -> None:
    app = read(tmp_path, PARAMETERS, stage="prod")
    assert app.stage == "prod"
    assert app.functions[0].environment["PREFIX"] == "prod-orders"
    assert app.outputs == {"Name": {"Value": "orders-prod"}}
    assert app.notes[0] == Note(
        "Parameters.Stage", APPROX, "the stage 'prod'", "substituted where referenced"
    )


def test_a_template_without_stage_parameter_has_no_stage(tmp_path: Path) -> None:
    assert function_with(tmp_path, "Timeout: 3\n").stage is None


# ------------------------------------------------------------------------ shapes and bad files
def test_unexpected_shapes_are_noted_not_raised(tmp_path: Path) -> None:
    app = read(
        tmp_path,
        """
        Globals:
          Functions:
            Runtime: python3.12
        Resources:
          NotAResource: just text
          NoProperties:
            Type: AWS::Serverless::Function
            Properties: oops
          Odd:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              MemorySize: lots
              Timeout: "30"
              Environment: [A, B]
              Layers: !Ref SharedLayers
              Policies: 42
              Events: [Api]
          OddEvents:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Events:
                Text: just text
                Listed: {Type: SQS, Properties: [1, 2]}
          Connector:
            Type: AWS::Serverless::Connector
            Properties: {Source: {Id: Fn}, Destination: {Id: Table}, Permissions: [Read]}
        """,
    )
    assert [(f.name, f.memory_size, f.timeout, f.layers, f.environment) for f in app.functions] == [
        ("Odd", None, 30, [], {}),
        ("OddEvents", None, None, [], {}),
    ]
    assert app.functions[1].triggers == [
        Trigger(EventKind.OTHER, "Resources.OddEvents.Events.Text", {"type": None, "properties": {}}),
        Trigger(
            EventKind.SQS,
            "Resources.OddEvents.Events.Listed",
            {
                "queue": None,
                "batch_size": None,
                "batch_window": None,
                "max_concurrency": None,
                "report_failures": False,
            },
        ),
    ]
    assert app.notes == [
        Note("Globals.Functions", NOT_MAPPED, "", "not a section SAM applies"),
        Note("Resources.NotAResource", NOT_MAPPED, "", "not a resource: no Type"),
        Note("Resources.NoProperties", NOT_MAPPED, "", "Handler must be a string, got None"),
        Note("Resources.Odd.MemorySize", APPROX, "the library's default", "not a number: 'lots'"),
        Note("Resources.Odd.Layers", NOT_MAPPED, "", "not a list of layers: {'Ref': 'SharedLayers'}"),
        Note("Resources.Odd.Policies", NOT_MAPPED, "", "not a policy: 42"),
        Note("Resources.Odd.Events", NOT_MAPPED, "", "not a mapping of events: ['Api']"),
        Note("Resources.Odd.Environment", NOT_MAPPED, "", NOT_READ),
        Note("Resources.OddEvents.Events.Text", NOT_MAPPED, "", "an event of type None: no pattern takes it"),
        Note("Resources.Connector", NOT_MAPPED, "", "AWS::Serverless::Connector: no pattern takes it"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("template.yaml", "Resources: [unclosed", r"template\.yaml: not YAML: .* at line 1 column 21$"),
        (
            "template.json",
            '{"Resources": ',
            r"template\.json: not JSON: Expecting value at line 1 column 15$",
        ),
        ("template.yaml", "", r"template\.yaml: not a SAM template: expected a mapping with Resources$"),
        (
            "template.yaml",
            "Resources:\n  A: !Unknown x\n",
            r"template\.yaml: not YAML: could not determine a constructor for the tag '!Unknown' at line 2 column 6$",
        ),
        ("template.yaml", "- a\n- b\n", r"not a SAM template: expected a mapping with Resources$"),
        (
            "serverless.yml",
            "service: users\nprovider: {name: aws, runtime: python3.12}\n",
            r"serverless\.yml: not a SAM template: expected a mapping with Resources$",
        ),
        (
            "template.yaml",
            "Resources:\n  Bucket: {Type: AWS::S3::Bucket}\n",
            r"not a SAM template: no Transform AWS::Serverless-2016-10-31 and no AWS::Serverless:: resource$",
        ),
    ],
)
def test_files_that_are_not_sam_templates_raise_one_value_error(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = write(tmp_path, content, name)
    with pytest.raises(ValueError, match=message) as raised:
        read_sam(path)
    assert str(raised.value).startswith(f"{path}: ")


def test_unreadable_files_raise_one_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.yaml: cannot be read \(No such file or directory\)$"):
        read_sam(tmp_path / "missing.yaml")
    binary = tmp_path / "template.yaml"
    binary.write_bytes(b"\xff\xfe\x00R")
    with pytest.raises(ValueError, match=r"template\.yaml: cannot be read \(not UTF-8 text\)$"):
        read_sam(binary)


def test_a_serverless_resource_without_the_transform_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12}
        """,
    )
    assert [f.name for f in read_sam(path).functions] == ["Fn"]


# ------------------------------------------------------------------------ real-looking templates
HELLO_WORLD = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

  Sample SAM Template for sam-app

# More info about Globals: https://github.com/awslabs/serverless-application-model/blob/master/docs/globals.rst
Globals:
  Function:
    Timeout: 3
    MemorySize: 128

    LoggingConfig:
      LogFormat: JSON
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function # More info about Function Resource: ...
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
        - x86_64
      Events:
        HelloWorld:
          Type: Api # More info about API Event Source: ...
          Properties:
            Path: /hello
            Method: get

Outputs:
  # ServerlessRestApi is an implicit API created from Events key under Serverless::Function
  HelloWorldApi:
    Description: "API Gateway endpoint URL for Prod stage for Hello World function"
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Description: "Hello World Lambda Function ARN"
    Value: !GetAtt HelloWorldFunction.Arn
  HelloWorldFunctionIamRole:
    Description: "Implicit IAM Role created for Hello World function"
    Value: !GetAtt HelloWorldFunctionRole.Arn
"""


def test_the_sam_init_hello_world_template(tmp_path: Path) -> None:
    app = read_sam(write(tmp_path, HELLO_WORLD))
    assert app == ImportedApp(
        name="template",
        tool="sam",
        source="template.yaml",
        region=None,
        stage=None,
        functions=[
            Function(
                name="HelloWorldFunction",
                element="Resources.HelloWorldFunction",
                handler="app.lambda_handler",
                code_dir="hello_world",
                runtime="python3.13",
                memory_size=128,
                timeout=3,
                architecture="x86_64",
                triggers=[
                    Trigger(
                        EventKind.HTTP,
                        "Resources.HelloWorldFunction.Events.HelloWorld",
                        {"method": "GET", "path": "/hello", **ROUTE},
                    )
                ],
            )
        ],
        outputs={
            "HelloWorldApi": {
                "Description": "API Gateway endpoint URL for Prod stage for Hello World function",
                "Value": {
                    "Fn::Sub": "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
                },
            },
            "HelloWorldFunction": {
                "Description": "Hello World Lambda Function ARN",
                "Value": {"Fn::GetAtt": ["HelloWorldFunction", "Arn"]},
            },
            "HelloWorldFunctionIamRole": {
                "Description": "Implicit IAM Role created for Hello World function",
                "Value": {"Fn::GetAtt": ["HelloWorldFunctionRole", "Arn"]},
            },
        },
        notes=[Note("Resources.HelloWorldFunction.LoggingConfig", NOT_MAPPED, "", NOT_READ)],
    )


ORDERS = """
AWSTemplateFormatVersion: 2010-09-09
Description: orders-service
Transform:
  - AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  AlertEmail:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: nodejs22.x
    Architectures: [arm64]
    MemorySize: 256
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref OrdersTable
        POWERTOOLS_SERVICE_NAME: orders
  HttpApi:
    CorsConfiguration:
      AllowOrigins: ["*"]
Resources:
  OrdersApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: !Ref Stage
      Auth:
        DefaultAuthorizer: OrdersCognito
        Authorizers:
          OrdersCognito:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}
              audience: [!Ref UserPoolClient]
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Sub orders-${Stage}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
  OrdersTable:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey:
        Name: orderId
        Type: String
  OrderEventsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrderEventsDLQ.Arn
        maxReceiveCount: 3
  OrderEventsDLQ:
    Type: AWS::SQS::Queue
  AlertsTopic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Endpoint: !Ref AlertEmail
          Protocol: email
  CreateOrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: src/handlers/create-order.handler
      Description: Creates an order
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
      Policies:
        - DynamoDBWritePolicy:
            TableName: !Ref OrdersTable
        - SQSSendMessagePolicy:
            QueueName: !GetAtt OrderEventsQueue.QueueName
      Environment:
        Variables:
          QUEUE_URL: !Ref OrderEventsQueue
      Events:
        Create:
          Type: HttpApi
          Properties:
            ApiId: !Ref OrdersApi
            Path: /orders
            Method: POST
  GetOrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: src/handlers/get-order.handler
      Policies:
        - DynamoDBReadPolicy:
            TableName: !Ref OrdersTable
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref OrdersApi
            Path: /orders/{orderId}
            Method: GET
  ProcessOrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: src/handlers/process-order.handler
      ReservedConcurrentExecutions: 5
      Policies:
        - SNSPublishMessagePolicy:
            TopicName: !GetAtt AlertsTopic.TopicName
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt OrderEventsQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
  NightlyReportFunction:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      Handler: src/handlers/nightly-report.handler
      Timeout: 300
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 2 * * ? *)
            ScheduleExpressionTimezone: Europe/Paris
Outputs:
  ApiUrl:
    Value: !Sub https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}
"""


def orders_function(name: str, handler: str, **fields: Any) -> Function:
    environment = {"TABLE_NAME": {"Ref": "OrdersTable"}, "POWERTOOLS_SERVICE_NAME": "orders"}
    environment.update(fields.pop("environment", {}))
    return Function(
        name=name,
        element=f"Resources.{name}",
        handler=handler,
        code_dir="src/handlers",
        runtime="nodejs22.x",
        memory_size=256,
        timeout=fields.pop("timeout", 10),
        environment=environment,
        architecture="arm64",
        **fields,
    )


def orders_route(function: str, event: str, method: str, path: str) -> Trigger:
    return Trigger(
        EventKind.HTTP_API,
        f"Resources.{function}.Events.{event}",
        {
            "method": method,
            "path": path,
            "cors": True,
            "authorizer": "cognito",
            "private": False,
            "api": "OrdersApi",
        },
    )


ORDERS_TABLE = {"Ref": "OrdersTable"}
ORDERS_TABLE_ARNS = [
    sub(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",
        tableName=ORDERS_TABLE,
    ),
    sub(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",
        tableName=ORDERS_TABLE,
    ),
]
ORDERS_QUEUE_NAME = {"Fn::GetAtt": ["OrderEventsQueue", "QueueName"]}


def test_the_orders_service_api_functions(tmp_path: Path) -> None:
    assert read_sam(write(tmp_path, ORDERS)).functions[:2] == [
        orders_function(
            "CreateOrderFunction",
            "create-order.handler",
            environment={"QUEUE_URL": {"Ref": "OrderEventsQueue"}},
            description="Creates an order",
            deployment="Canary10Percent5Minutes",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
                    "Resource": ORDERS_TABLE_ARNS,
                },
                {
                    "Effect": "Allow",
                    "Action": ["sqs:SendMessage*"],
                    "Resource": sub(
                        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}",
                        queueName=ORDERS_QUEUE_NAME,
                    ),
                },
            ],
            triggers=[orders_route("CreateOrderFunction", "Create", "POST", "/orders")],
        ),
        orders_function(
            "GetOrderFunction",
            "get-order.handler",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": [
                        "dynamodb:GetItem",
                        "dynamodb:Scan",
                        "dynamodb:Query",
                        "dynamodb:BatchGetItem",
                        "dynamodb:DescribeTable",
                    ],
                    "Resource": ORDERS_TABLE_ARNS,
                }
            ],
            triggers=[orders_route("GetOrderFunction", "Get", "GET", "/orders/{orderId}")],
        ),
    ]


def test_the_orders_service_worker_functions(tmp_path: Path) -> None:
    assert read_sam(write(tmp_path, ORDERS)).functions[2:] == [
        orders_function(
            "ProcessOrderFunction",
            "process-order.handler",
            reserved_concurrency=5,
            statements=[
                {
                    "Effect": "Allow",
                    "Action": ["sns:Publish"],
                    "Resource": sub(
                        "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}",
                        topicName={"Fn::GetAtt": ["AlertsTopic", "TopicName"]},
                    ),
                }
            ],
            triggers=[
                Trigger(
                    EventKind.SQS,
                    "Resources.ProcessOrderFunction.Events.Queue",
                    {
                        "queue": {"Fn::GetAtt": ["OrderEventsQueue", "Arn"]},
                        "batch_size": 10,
                        "batch_window": None,
                        "max_concurrency": None,
                        "report_failures": True,
                    },
                )
            ],
        ),
        orders_function(
            "NightlyReportFunction",
            "nightly-report.handler",
            timeout=300,
            triggers=[
                Trigger(
                    EventKind.SCHEDULE,
                    "Resources.NightlyReportFunction.Events.Nightly",
                    {
                        "expression": "cron(0 2 * * ? *)",
                        "enabled": True,
                        "input": None,
                        "time_zone": "Europe/Paris",
                    },
                )
            ],
        ),
    ]


def test_the_orders_service_resources_and_outputs(tmp_path: Path) -> None:
    app = read_sam(write(tmp_path, ORDERS))
    assert app.resources == [
        Resource("UserPool", "AWS::Cognito::UserPool", {"UserPoolName": "orders-dev"}, "Resources.UserPool"),
        Resource(
            "UserPoolClient",
            "AWS::Cognito::UserPoolClient",
            {"UserPoolId": {"Ref": "UserPool"}},
            "Resources.UserPoolClient",
        ),
        table("OrdersTable", "orderId", "S"),
        Resource(
            "OrderEventsQueue",
            "AWS::SQS::Queue",
            {
                "VisibilityTimeout": 60,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["OrderEventsDLQ", "Arn"]},
                    "maxReceiveCount": 3,
                },
            },
            "Resources.OrderEventsQueue",
        ),
        Resource("OrderEventsDLQ", "AWS::SQS::Queue", {}, "Resources.OrderEventsDLQ"),
        Resource(
            "AlertsTopic",
            "AWS::SNS::Topic",
            {"Subscription": [{"Endpoint": {"Ref": "AlertEmail"}, "Protocol": "email"}]},
            "Resources.AlertsTopic",
        ),
    ]
    assert app.outputs == {
        "ApiUrl": {"Value": {"Fn::Sub": "https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/dev"}}
    }
    assert (app.stage, app.state_machines, app.statements) == ("dev", [], [])


def test_the_orders_service_notes(tmp_path: Path) -> None:
    app = read_sam(write(tmp_path, ORDERS))
    made = "the API is made by the pattern that takes its routes"
    assert app.notes == [
        Note(
            "Parameters.Stage",
            APPROX,
            "its Default 'dev'",
            "substituted where referenced: a deploy-time parameter becomes a value of the app",
        ),
        Note("Parameters.AlertEmail", NOT_MAPPED, "", "no Default to substitute: its Refs stay as they are"),
        Note(
            "Conditions.IsProd",
            NOT_MAPPED,
            "",
            "conditions are not evaluated: the resources and Fn::If that use it stay as they are",
        ),
        Note("Globals.HttpApi", APPROX, "its routes' authorizer (none) and CORS (on)", made),
        Note(
            "Resources.OrdersApi",
            APPROX,
            "its routes' authorizer (cognito) and CORS (on)",
            f"{made}; not carried: StageName",
        ),
        Note(
            "Resources.CreateOrderFunction.AutoPublishAlias",
            APPROX,
            "a live alias",
            "the patterns publish every function version behind a live alias",
        ),
        Note(
            "Resources.NightlyReportFunction.Condition",
            APPROX,
            "NightlyReportFunction",
            "Condition 'IsProd' kept unconditionally: conditions are not evaluated",
        ),
    ]


def test_the_orders_service_for_another_stage(tmp_path: Path) -> None:
    app = read_sam(write(tmp_path, ORDERS), stage="prod")
    assert app.stage == "prod"
    assert app.resources[0].properties == {"UserPoolName": "orders-prod"}
    assert app.outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/prod"
    }


# ----------------------------------------------------------------------------- the import corpus
# Each SAM template of the corpus (tests/import/corpus/SOURCES.md): its functions, their code folder
# and handler, and their triggers' kinds; its state machines.
CORPUS_SAM = {
    "sam-go-schedule-v2": [("SchedulerLambdaFunction", "src", "main", ["schedule"])],
    "sam-node-eventbridge-custom-bus": [
        ("EndpointFunction", "src", "endpoint.lambdaHandler", ["httpApi"]),
        ("TranslateFunction", "src", "translate.lambdaHandler", ["eventBridge"]),
        ("SentimentFunction", "src", "sentiment.lambdaHandler", ["eventBridge"]),
    ],
    "sam-node-express-sfn-http-api": [
        ("uploadSignerLambda", "lambda/uploadSigner", "app.handler", []),
        ("downloadSignerLambda", "lambda/downloadSigner", "app.handler", []),
        ("fetchedShortUrlLambda", "lambda/fetchShortUrl", "app.handler", ["httpApi"]),
        ("urlStateMachine", "", "", []),
    ],
    "sam-node-http-api-simple-table": [
        ("getAllItemsFunction", "src", "get-all-items.getAllItemsHandler", ["httpApi"]),
        ("getByIdFunction", "src", "get-by-id.getByIdHandler", ["httpApi"]),
        ("putItemFunction", "src", "put-item.putItemHandler", ["httpApi"]),
    ],
    "sam-node-safe-deploy": [
        ("BaseFunction", "src", "base.lambdaHandler", ["httpApi"]),
        ("BasePreFunction", "src/hooks", "basepre.lambdaHandler", []),
        ("BasePostFunction", "src/hooks", "basepost.lambdaHandler", []),
    ],
    "sam-node-sns": [("ProcessorFunction", "src", "app.handler", ["sns"])],
    "sam-node-sqs-simple-table": [("IngressProcessingFunction", "src", "app.handler", ["sqs"])],
    "sam-python-api-dynamodb-stream": [
        ("ProducerFunction", "src", "apiHandler.lambda_handler", ["http"]),
        ("ConsumerFunction", "src", "messageHandler.lambda_handler", ["stream"]),
    ],
    "sam-python-kinesis-on-failure": [
        ("KinesisDataStreamProcessor", "kinesis-consumer", "kinesis-consumer-fn.lambda_handler", ["stream"])
    ],
    "sam-python-layer-version": [
        ("PyMySQLLayerLambdaFunction", "src", "app.lambda_handler", []),
        ("PyMySQLNoLayerLambdaFunction", "src", "app.lambda_handler", []),
    ],
    "sam-python-s3-trigger": [("SpeechToTextFunction", "src", "app.lambda_handler", ["s3"])],
    "sam-python-schedule": [("ScheduledFunction", "src", "app.lambda_handler", ["schedule"])],
    "sam-python-testing-workshop": [
        ("CheckoutFunction", "src/Checkout", "app.lambda_handler", ["http"]),
        ("GetInventoryFunction", "src/GetInventory", "app.lambda_handler", ["http"]),
        ("GetLocations", "src/GetLocations", "app.lambda_handler", ["http"]),
        (
            "GetSignedUrlForInventoryFilePost",
            "src/GetSignedUrlForInventoryFilePost",
            "app.lambda_handler",
            ["http"],
        ),
        ("FileValidator", "src/FileValidator", "app.lambda_handler", []),
        ("CreateLocations", "src/CreateLocations", "app.lambda_handler", []),
        ("SFProcessFile", "", "", ["eventBridge"]),
    ],
}


def test_the_corpus_lists_every_sam_template_here() -> None:
    assert sorted(path.parent.name for path in CORPUS.glob("sam-*/template.yaml")) == sorted(CORPUS_SAM)


@pytest.mark.parametrize("name", sorted(CORPUS_SAM))
def test_every_sam_template_of_the_corpus_is_read(name: str) -> None:
    app = read_sam(CORPUS / name / "template.yaml")
    read = [(f.name, f.code_dir, f.handler, [t.kind.value for t in f.triggers]) for f in app.functions]
    read += [
        (machine.logical_id, "", "", [t.kind.value for t in machine.properties["Triggers"]])
        for machine in app.state_machines
    ]
    assert read == [(n, code_dir, handler, kinds) for n, code_dir, handler, kinds in CORPUS_SAM[name]]
    assert all(isinstance(machine.properties["Definition"]["States"], dict) for machine in app.state_machines)
