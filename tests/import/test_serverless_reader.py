"""The Serverless Framework reader: variables, the provider's settings inherited, every event kind
normalised, resources, Lift queues, plugins; and the writer's mapping of them onto the patterns."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from serverless_patterns.importer.model import EventKind, Status
from serverless_patterns.importer.serverless import read_serverless
from serverless_patterns.importer.variables import Resolver
from serverless_patterns.importer.writer import current_runtime, write_app

SERVICE = """
service: orders
frameworkVersion: '3'
custom:
  tableName: orders-${sls:stage}
  tables:
    dev: small
  size: ${self:custom.tables.${opt:stage, 'dev'}}
provider:
  name: aws
  runtime: python3.9
  stage: ${opt:stage, 'dev'}
  region: eu-west-1
  memorySize: 256
  environment:
    TABLE: ${self:custom.tableName}
    SIZE: ${self:custom.size}
    FROM_ENV: ${env:ORDERS_FLAG, 'off'}
    ACCOUNT_TOPIC: arn:aws:sns:${aws:region}:${aws:accountId}:orders
    SECRET_NAME: ${ssm:/orders/secret}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem, dynamodb:PutItem]
          Resource: arn:aws:dynamodb:eu-west-1:*:table/${self:custom.tableName}
        - Effect: Allow
          Action: s3:*
          Resource: '*'
functions:
  create:
    handler: src/orders/create.handler
    memorySize: 512
    events:
      - httpApi: POST /orders
      - http:
          path: orders/{id}
          method: get
          cors: true
  worker:
    handler: worker.main
    runtime: nodejs16.x
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
          batchSize: 5
          maximumBatchingWindow: 2
      - stream:
          arn: !GetAtt Orders.StreamArn
          type: dynamodb
      - schedule: rate(5 minutes)
      - eventBridge:
          eventBus: orders-bus
          pattern:
            source: [orders]
      - s3:
          bucket: uploads-${sls:stage}
          event: s3:ObjectRemoved:*
          rules:
            - prefix: in/
      - sns: order-events
      - alexaSkill: amzn1.ask.skill.x
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ${self:custom.tableName}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        StreamSpecification: {StreamViewType: NEW_IMAGE}
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: jobs-${sls:stage}
plugins:
  - serverless-python-requirements
  - serverless-something-unknown
"""


@pytest.fixture
def service(tmp_path: Path) -> Path:
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent(SERVICE))
    return path


def test_variables_resolve_as_the_framework_does(service: Path) -> None:
    app = read_serverless(service, environ={})
    assert (app.name, app.tool, app.stage, app.region) == ("orders", "serverless 3", "dev", "eu-west-1")
    env = app.functions[0].environment
    assert env["TABLE"] == "orders-dev"
    assert env["SIZE"] == "small"  # nested: ${self:custom.tables.${opt:stage, 'dev'}}
    assert env["FROM_ENV"] == "off"
    assert env["ACCOUNT_TOPIC"] == {"Fn::Sub": "arn:aws:sns:eu-west-1:${AWS::AccountId}:orders"}
    assert env["SECRET_NAME"] == "{{resolve:ssm:/orders/secret}}"
    staged = read_serverless(service, stage="prod", environ={"ORDERS_FLAG": "on"})
    assert staged.functions[0].environment["TABLE"] == "orders-prod"
    assert staged.functions[0].environment["FROM_ENV"] == "on"


def test_an_unresolvable_variable_is_kept_and_reported(tmp_path: Path) -> None:
    resolver = Resolver({"a": 1}, tmp_path, stage="dev", region=None, environ={})
    assert resolver.resolve("x-${cf:other.Output}") == "x-${cf:other.Output}"
    assert resolver.resolve("${self:a}") == 1  # a whole-string variable keeps its type
    assert resolver.unresolved == ["${cf:other.Output}"]


def test_functions_inherit_the_provider_and_every_event_is_normalised(service: Path) -> None:
    create, worker = read_serverless(service, environ={}).functions
    assert (create.code_dir, create.handler, create.runtime, create.memory_size) == (
        ".",  # the service's directory, which the framework packages whole
        "src/orders/create.handler",
        "python3.9",
        512,
    )
    assert [t.props for t in create.triggers] == [
        {"method": "POST", "path": "/orders", "cors": False, "authorizer": None, "private": False},
        {"method": "GET", "path": "/orders/{id}", "cors": True, "authorizer": None, "private": False},
    ]
    assert [t.kind for t in worker.triggers] == [
        EventKind.SQS,
        EventKind.STREAM,
        EventKind.SCHEDULE,
        EventKind.EVENT_RULE,
        EventKind.S3,
        EventKind.SNS,
        EventKind.OTHER,
    ]
    sqs, stream, schedule, rule, s3, sns, _ = worker.triggers
    assert sqs.props == {
        "queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
        "batch_size": 5,
        "batch_window": 2,
        "max_concurrency": None,
        "report_failures": False,
    }
    assert stream.props["type"] == "dynamodb" and stream.props["arn"] == {
        "Fn::GetAtt": ["Orders", "StreamArn"]
    }
    assert schedule.props["expression"] == "rate(5 minutes)"
    assert rule.props == {"pattern": {"source": ["orders"]}, "bus": "orders-bus", "schedule": None}
    assert s3.props == {
        "bucket": "uploads-dev",
        "events": ["s3:ObjectRemoved:*"],
        "prefix": "in/",
        "suffix": None,
        "existing": False,
    }
    assert sns.props == {"topic": "order-events", "filter_policy": None}


def test_the_writer_maps_each_trigger_onto_its_pattern(service: Path, tmp_path: Path) -> None:
    app = read_serverless(service, environ={})
    written = write_app(app, service.parent, tmp_path / "cdk")
    source = written.files["app.py"]
    compile(source, "app.py", "exec")  # the app is Python
    for expected in (
        "ApiToLambda(",
        "api_type=ApiType.HTTP",
        "api_type=ApiType.REST",
        "QueueWorker(stack, 'WorkerQueue'",
        "batching=Batching(batch_size=5, max_batching_window=cdk.Duration.seconds(2))",
        "StreamToSns(stack, 'WorkerStream'",
        "schedule='rate(5 minutes)'",
        "event_pattern={",
        "events.EventBus.from_event_bus_name(",
        "event_types=[s3.EventType.OBJECT_REMOVED]",
        "FanoutQueue(stack,",
        "runtime=lambda_.Runtime.PYTHON_3_14",
        "runtime=lambda_.Runtime.NODEJS_24_X",
        "code='..', handler='src/orders/create.handler'",
    ):
        assert expected in source, expected
    statuses = {(n.element, n.status) for n in written.notes}
    assert ("functions.worker.events[6].alexaSkill", Status.NOT_MAPPED) in statuses
    assert ("plugins.serverless-something-unknown", Status.NOT_MAPPED) in statuses
    assert ("functions.create.runtime", Status.APPROXIMATED) in statuses  # python3.9 is deprecated
    # The table is kept under its name with PITR and encryption; the statement on it is narrowed.
    assert "'TableName': 'orders-dev'" in source and "'PointInTimeRecoveryEnabled': True" in source
    assert "'Fn::GetAtt': ['Orders', 'Arn']" in source
    assert "'Resource': '*'" in source  # a wildcard stays as written, for the rule packs to judge
    assert "IMPORT.md" in written.files and "resource-mapping.json" in written.files


@pytest.mark.parametrize(
    ("runtime", "expected"),
    [
        ("python3.12", ("python3.14", True)),  # not the latest: the rule packs ask for it
        ("python3.14", ("python3.14", False)),
        ("python3.9", ("python3.14", True)),
        ("nodejs18.x", ("nodejs24.x", True)),
        ("nodejs22.x", ("nodejs24.x", True)),
        ("nodejs24.x", ("nodejs24.x", False)),
        ("go1.x", (None, False)),
    ],
)
def test_runtimes_move_to_the_latest_of_their_language(
    runtime: str, expected: tuple[str | None, bool]
) -> None:
    assert current_runtime(runtime) == expected


def test_a_file_that_is_no_service_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text("Resources: {}\n")
    with pytest.raises(ValueError, match="not a Serverless Framework service"):
        read_serverless(path)
