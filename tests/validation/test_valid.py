"""Valid values, at the edges the corpus's checks draw, still build and synthesize (with
CloudFormation's schema checks on), and reach the template."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from serverless_patterns import DeploymentStrategy, MonitoringOptions, QueueOptions
from serverless_patterns.core import AlarmThresholds
from serverless_patterns.core.deployment import DeploymentKind
from serverless_patterns.patterns.api_to_lambda import ApiType, Authorization, Cors
from serverless_patterns.patterns.fanout_queue import FilterPolicyScope, Subscriber
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.pattern_cases import all_cases
from tests.validation.support import Make, bucket, build, layer, spec

SEC = cdk.Duration.seconds


def _same_bucket(stack: cdk.Stack) -> s3.IBucket:
    found = stack.node.try_find_child("Shared")
    return found if found is not None else s3.Bucket.from_bucket_name(stack, "Shared", "shared-bucket")  # type: ignore[return-value]


SHARED = Make(_same_bucket, "shared")

RIGHT: list[tuple[str, dict[str, Any]]] = [
    (
        "ApiToLambda",
        {
            "routes": {
                "GET /users": spec(),
                "GET /users/{id}": spec(),
                "PUT /users/{id}": spec(memory_size=10240),
                "GET /users/{id}/posts/{postId}": spec(timeout=SEC(29)),
                "GET /files/{path+}": spec(),
            },
            "cors": Cors(allow_origins=["https://app.example.com:8443"], max_age=cdk.Duration.days(1)),
            "throttling_rate_limit": 10_000.0,
            "throttling_burst_limit": 0,
            "web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/0123-abcd",
            "access_log_retention": logs.RetentionDays.ONE_YEAR,
        },
    ),
    (
        "ApiToLambda",
        {
            "routes": {"ANY /{proxy+}": spec(timeout=SEC(30), environment={"AB": "x", "a_1": ""})},
            "api_type": ApiType.HTTP,
            "authorization": Authorization.cognito(
                Make(lambda s: cognito.UserPool(s, "Pool"), "pool"),  # type: ignore[arg-type]
                scopes=["orders/read"],
            ),
            "cors": Cors(allow_origins=["*"], allow_methods=["ANY"], max_age=SEC(86_400)),
            "stage_name": "v1_beta",
            "account_logging_role": False,
        },
    ),
    (
        "ApiToLambda",
        {
            "function": spec(description="d" * 256, layers=[layer(f"L{i}") for i in range(4)]),
            "routes": None,
            "authorization": Authorization.lambda_authorizer(spec(powertools=False)),
            "deployment": DeploymentStrategy.linear(1, 28),
            "monitoring": MonitoringOptions(
                thresholds=AlarmThresholds(error_rate_percent=100, latency_p99_ms=0), dashboard=False
            ),
        },
    ),
    (
        "S3Processor",
        {
            "prefix": "in/",
            "suffix": ".jpg",
            "output_prefix": "out/",
            "batch_size": 100,
            "max_batching_window": SEC(1),
            "queue": QueueOptions(
                max_receive_count=1000,
                retention_period=cdk.Duration.days(14),
                visibility_timeout=cdk.Duration.hours(12),
            ),
            "noncurrent_version_expiration": cdk.Duration.days(1),
            "access_log_retention": cdk.Duration.days(400),
            "removal_policy": cdk.RemovalPolicy.DESTROY,
        },
    ),
    (
        "S3Processor",
        {
            "bucket": SHARED,
            "output_bucket": SHARED,
            "filters": [
                s3.NotificationKeyFilter(prefix="in/"),
                s3.NotificationKeyFilter(prefix="raw/", suffix=".csv"),
            ],
            "output_prefix": "out/",
            "event_types": [s3.EventType.OBJECT_CREATED_PUT, s3.EventType.OBJECT_REMOVED],
            "delivery": S3Delivery.DIRECT,
            "retry_attempts": 0,
        },
    ),
    ("S3Processor", {"bucket": bucket(), "output_bucket": bucket("Out"), "output_prefix": ""}),
    (
        "StreamToSns",
        {
            "sort_key": "sk",
            "event_names": "INSERT",
            "batch_size": 10_000,
            "max_batching_window": SEC(300),
            "retry_attempts": 10_000,
            "max_record_age": cdk.Duration.days(7),
            "parallelization_factor": 10,
            "starting_position": lambda_.StartingPosition.LATEST,
            "bisect_batch_on_error": False,
            "idempotency": True,
            "table_removal_policy": cdk.RemovalPolicy.DESTROY,
            "deployment": DeploymentStrategy.all_at_once(),
        },
    ),
    (
        "StreamToSns",
        {
            "function": spec(reserved_concurrency=0, exclude=["tests"]),
            "topic": Make(lambda s: sns.Topic(s, "Mine"), "topic"),
            "max_record_age": SEC(60),
            "deployment": DeploymentStrategy.none(),
        },
    ),
    (
        "FanoutQueue",
        {
            "subscribers": {
                "a": Subscriber(
                    function=spec(timeout=SEC(60)),
                    queue=QueueOptions(visibility_timeout=SEC(60)),
                    filter_policy={
                        "plan": [{"prefix": "pro"}, {"suffix": {"equals-ignore-case": "-X"}}, "free"],
                        "price": [{"numeric": [">=", 0, "<", 1e9]}, {"numeric": ["=", -5.5]}],
                        "ip": [{"cidr": "10.0.0.0/24"}],
                        "region": [{"anything-but": ["eu-west-1", "eu-west-2"]}],
                        "vip": [{"exists": True}],
                    },
                ),
                "b": Subscriber(
                    filter_policy={
                        "$or": [
                            {"user": {"name": [{"wildcard": "a*b*c"}]}},
                            {"kind": [{"anything-but": {"prefix": "test-"}}, {"equals-ignore-case": "x"}]},
                        ]
                    },
                    filter_policy_scope=FilterPolicyScope.MESSAGE_BODY,
                    raw_message_delivery=False,
                ),
                "c-d_9": Subscriber(function=spec(), max_concurrency=1000, batch_size=1),
            }
        },
    ),
    (
        "FanoutQueue",
        {
            "fifo": True,
            "content_based_deduplication": True,
            "subscribers": {"a": Subscriber(function=spec(), batch_size=10)},
        },
    ),
    ("FanoutQueue", {"topic": Make(lambda s: sns.Topic(s, "Mine", fifo=True), "fifo topic")}),
]


# The rows above are the first patterns'; every pattern's own come from its cases.py (``valid``).
RIGHT += [(pattern, props) for pattern, cases in all_cases().items() for props in cases.valid]


@pytest.mark.parametrize(("pattern", "props"), RIGHT, ids=[f"{p}-{i}" for i, (p, _) in enumerate(RIGHT)])
def test_valid_props_synthesize(pattern: str, props: dict[str, Any]) -> None:
    app, _ = build(pattern, props)
    app.synth()


def test_every_registered_pattern_has_valid_rows() -> None:
    assert {pattern for pattern, _ in RIGHT} == set(all_cases())


def test_all_at_once_shifts_all_traffic_whatever_percent_the_strategy_holds() -> None:
    """``DeploymentStrategy(kind=ALL_AT_ONCE)`` keeps the dataclass's percent 10 and interval 5;
    CodeDeploy's predefined all-at-once config is used, not a 10%-every-5-minutes linear one."""
    _, pattern = build("S3Processor", {"deployment": DeploymentStrategy(kind=DeploymentKind.ALL_AT_ONCE)})
    template = Template.from_stack(pattern.stack)
    template.resource_count_is("AWS::CodeDeploy::DeploymentConfig", 0)
    template.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup", {"DeploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce"}
    )


def test_a_chain_through_buckets_that_does_not_come_back_is_no_loop() -> None:
    """b-one (in/) -> b-two (out/) -> b-one under done/, which the first processor does not read."""

    def second_reads_b_two(stack: cdk.Stack) -> s3.IBucket:
        out = s3.Bucket.from_bucket_name(stack, "Two", "b-two")
        S3Processor(
            stack,
            "First",
            function=spec(),
            bucket=s3.Bucket.from_bucket_name(stack, "FirstIn", "b-one"),
            prefix="in/",
            output_bucket=out,
            output_prefix="out/",
        )
        return out

    app, _ = build(
        "S3Processor",
        {
            "bucket": Make(second_reads_b_two, "b-two"),
            "prefix": "out/",
            "output_bucket": Make(lambda s: s3.Bucket.from_bucket_name(s, "One", "b-one"), "b-one"),
            "output_prefix": "done/",
        },
    )
    app.synth()


def test_two_apps_in_one_process_do_not_share_bucket_notifications() -> None:
    """The overlap check between S3Processors on one bucket is per app: a second app with the same
    bucket and filter is no overlap."""
    for _ in range(2):
        build("S3Processor", {"bucket": SHARED, "prefix": "in/"})
