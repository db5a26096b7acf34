"""The wrong-prop corpus: every prop of every pattern and shared option type, given a wrong type, an
out-of-range value, a bad combination or something the service itself refuses, must raise one
PatternValidationError whose message names the prop; never a raw Python or jsii error, never a
stack that synthesizes.

Each row is ``(pattern, props replaced in its base configuration, regex the message must match)``.
Construction only: validation runs before anything is built.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns import (
    AlarmThresholds,
    DeploymentStrategy,
    MonitoringOptions,
    PatternValidationError,
    QueueOptions,
)
from serverless_patterns.core.deployment import DeploymentKind
from serverless_patterns.patterns.api_to_lambda import ApiType, Authorization, Cors
from serverless_patterns.patterns.fanout_queue import FilterPolicyScope, Subscriber
from serverless_patterns.patterns.orchestrated_pipeline import (
    Choice,
    Map,
    Parallel,
    Retry,
    Step,
    Trigger,
    Wait,
    When,
)
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.pattern_cases import all_cases
from tests.validation.support import HANDLER, Make, bucket, build, layer, spec, streamed_table, topic

A, S3, ST, FQ = "ApiToLambda", "S3Processor", "StreamToSns", "FanoutQueue"
SEC = cdk.Duration.seconds
ORDERS = str(Path(HANDLER).parent / "orders")
NODE_HANDLER = str(Path(HANDLER).parent / "node_greeter")


def sub(**kwargs: Any) -> dict[str, Subscriber]:
    """FanoutQueue's ``subscribers`` with one subscriber ``a`` built from ``kwargs``."""
    kwargs.setdefault("function", spec())
    return {"a": Subscriber(**kwargs)}


def route(**kwargs: Any) -> dict[str, Any]:
    """ApiToLambda's ``routes`` with one route served by ``spec(**kwargs)``."""
    return {"GET /users/{id}": spec(**kwargs)}


# FunctionSpec, given to each pattern in turn so that every pattern is seen to check it.
_FUNCTION_CASES: list[tuple[dict[str, Any], str]] = [
    ({"code": 5}, r"function\.code must be a directory path or a lambda_\.Code, got 5"),
    ({"code": "/does/not/exist"}, r"function\.code must be a directory with the handler code"),
    ({"handler": 5}, r"function\.handler must look like 'module\.function', got 5"),
    ({"handler": "handler"}, r"function\.handler must look like 'module\.function'"),
    ({"handler": "missing.handler"}, r"function\.handler 'missing\.handler': module 'missing' is not in"),
    # the module is read for the function (four rows: one per pattern, the rotation below unchanged)
    (
        {"code": ORDERS, "handler": "orders.creat"},
        r"function\.handler 'orders\.creat': orders\.py defines no 'creat'; did you mean 'create'\? "
        r"It defines: create, delete, json$",
    ),
    (
        {"code": ORDERS, "handler": "orders.main"},
        r"function\.handler 'orders\.main': orders\.py defines no 'main'; it defines: create, delete, json$",
    ),
    (
        {"handler": "app.handle"},
        r"function\.handler 'app\.handle': app\.py defines no 'handle'; did you mean",
    ),
    (
        {"code": NODE_HANDLER, "handler": "index.handle", "runtime": lambda_.Runtime.NODEJS_22_X},
        r"function\.handler 'index\.handle': index\.ts exports no 'handle'; did you mean 'handler'\? "
        r"It exports: handler$",
    ),
    ({"runtime": "python3.12"}, r"function\.runtime must be a lambda_\.Runtime, got 'python3\.12'"),
    ({"architecture": "arm64"}, r"function\.architecture must be a lambda_\.Architecture, got 'arm64'"),
    ({"memory_size": None}, r"function\.memory_size must be a whole number of MB, got None"),
    ({"memory_size": "512"}, r"function\.memory_size must be a whole number of MB, got '512'"),
    ({"memory_size": 512.5}, r"function\.memory_size must be a whole number of MB, got 512\.5"),
    ({"memory_size": True}, r"function\.memory_size must be a whole number of MB, got True"),
    ({"memory_size": 127}, r"function\.memory_size must be 128\.\.10240 MB, got 127"),
    ({"memory_size": 10241}, r"function\.memory_size must be 128\.\.10240 MB, got 10241"),
    ({"timeout": 10}, r"function\.timeout must be a Duration, got 10"),
    ({"timeout": "10s"}, r"function\.timeout must be a Duration, got '10s'"),
    ({"timeout": SEC(0)}, r"function\.timeout must be 1\.\.\d+ seconds, got 0"),
    ({"timeout": cdk.Duration.minutes(16)}, r"function\.timeout must be 1\.\.\d+ seconds, got 960"),
    (
        {"timeout": cdk.Duration.millis(1500)},
        r"function\.timeout must be a whole number of seconds, got 1\.5",
    ),
    ({"environment": ["A=1"]}, r"function\.environment must be a mapping of names to strings, got list"),
    ({"environment": {"AB": 1}}, r"function\.environment\['AB'\] must be a string, got 1"),
    ({"environment": {"1A": "x"}}, r"function\.environment: '1A' is not a valid variable name"),
    ({"environment": {"A-B": "x"}}, r"function\.environment: 'A-B' is not a valid variable name"),
    ({"environment": {"AWS_REGION": "x"}}, r"function\.environment may not set the reserved variable"),
    ({"environment": {"BIG": "x" * 5000}}, r"function\.environment must be at most 4 KB in all"),
    ({"layers": "arn:aws:lambda:layer"}, r"function\.layers must be a list of lambda_\.ILayerVersion"),
    ({"layers": [5]}, r"function\.layers\[0\] must be a lambda_\.ILayerVersion, got int"),
    ({"reserved_concurrency": -1}, r"function\.reserved_concurrency must be 0\.\.1000000, got -1"),
    ({"reserved_concurrency": -(10**281)}, r"function\.reserved_concurrency must be 0\.\.1000000, got -1000"),
    ({"reserved_concurrency": "5"}, r"function\.reserved_concurrency must be a whole number, got '5'"),
    ({"reserved_concurrency": 2.5}, r"function\.reserved_concurrency must be a whole number, got 2\.5"),
    ({"provisioned_concurrency": 0}, r"function\.provisioned_concurrency must be 1\.\.1000000, got 0"),
    ({"provisioned_concurrency": "1"}, r"function\.provisioned_concurrency must be a whole number"),
    (
        {"provisioned_concurrency": 5, "reserved_concurrency": 2},
        r"function\.provisioned_concurrency must be <= reserved_concurrency \(2\), got 5",
    ),
    ({"service_name": 5}, r"function\.service_name must be a string, got 5"),
    ({"service_name": ""}, r"function\.service_name must not be empty"),
    ({"metrics_namespace": None}, r"function\.metrics_namespace must be a string, got None"),
    ({"metrics_namespace": "AWS/Lambda"}, r"function\.metrics_namespace must not start with 'AWS/'"),
    ({"log_retention": 30}, r"function\.log_retention must be a logs\.RetentionDays, got 30"),
    ({"description": 5}, r"function\.description must be a string, got 5"),
    ({"description": "d" * 257}, r"function\.description must be at most 256 characters, got 257"),
    ({"powertools": "no"}, r"function\.powertools must be True or False, got 'no'"),
    ({"exclude": "tests"}, r"function\.exclude must be a list of glob patterns, got 'tests'"),
    ({"exclude": [5]}, r"function\.exclude must be a list of glob patterns, got \[5\]"),
    ({"vpc_subnets": "private"}, r"function\.vpc_subnets needs function\.vpc"),
    ({"security_groups": ["sg"]}, r"function\.security_groups needs function\.vpc"),
    ({"vpc": "vpc-123"}, r"function\.vpc must be an ec2\.IVpc, got str"),
    (
        {"vpc": "vpc-123", "security_groups": None},
        r"function\.security_groups must be a list of ec2\.ISecurityGroup, got None",
    ),
    ({"policies": "s3:GetObject"}, r"function\.policies must be a list of iam\.PolicyStatement"),
    (
        {"policies": [{"Action": "s3:*"}]},
        r"function\.policies\[0\] must be an iam\.PolicyStatement, got dict",
    ),
    ({"property_overrides": ["x"]}, r"function\.property_overrides must be a mapping"),
    ({"property_overrides": {"Timeout": 5}}, r"function\.property_overrides may not set 'Timeout'"),
    ({"property_overrides": {"Tracing": 5}}, r"function\.property_overrides: 'Tracing' is not a property"),
    (
        {"property_overrides": {"EphemeralStorage": {"Size": 100}}},
        r"function\.property_overrides\['EphemeralStorage'\] must be",
    ),
]


def _function_rows() -> list[tuple[str, dict[str, Any], str]]:
    rows: list[tuple[str, dict[str, Any], str]] = []
    for index, (fields, message) in enumerate(_FUNCTION_CASES):
        pattern = (A, S3, ST, FQ)[index % 4]
        if pattern == A:
            rows.append(
                (
                    A,
                    {"routes": route(**fields)},
                    message.replace(r"function\.", r"routes\['GET /users/\{id\}'\]\."),
                )
            )
        elif pattern == S3:
            rows.append((S3, {"function": spec(**fields)}, message))
        elif pattern == ST:
            rows.append((ST, {"function": spec(**fields)}, message))
        else:
            rows.append(
                (
                    FQ,
                    {"subscribers": sub(function=spec(**fields))},
                    message.replace(r"function\.", r"subscribers\['a'\]\.function\."),
                )
            )
    return rows


def _shared_rows() -> list[tuple[str, dict[str, Any], str]]:
    """DeploymentStrategy and MonitoringOptions, given to each pattern in turn."""
    cases: list[tuple[dict[str, Any], str]] = [
        ({"deployment": "canary"}, r"deployment must be a DeploymentStrategy, got str"),
        ({"deployment": DeploymentStrategy.canary(0)}, r"deployment\.percent must be 1\.\.99, got 0"),
        ({"deployment": DeploymentStrategy.canary(100)}, r"deployment\.percent must be 1\.\.99, got 100"),
        (
            {"deployment": DeploymentStrategy.canary("10")},
            r"deployment\.percent must be a whole number, got '10'",
        ),
        (
            {"deployment": DeploymentStrategy.canary(10.5)},
            r"deployment\.percent must be a whole number, got 10\.5",
        ),
        (
            {"deployment": DeploymentStrategy.canary(10, 0)},
            r"deployment\.interval_minutes must be 1\.\.2880, got 0",
        ),
        (
            {"deployment": DeploymentStrategy.linear(10, "1")},
            r"deployment\.interval_minutes must be a whole number",
        ),
        (
            {"deployment": DeploymentStrategy.linear(1, 60)},
            r"deployment: linear 1% every 60 min takes longer",
        ),
        (
            {"deployment": DeploymentStrategy(kind="blue-green")},
            r"deployment\.kind must be one of canary, linear",
        ),
        ({}, ""),  # replaced below: hooks with kind none need a function made in the stack
        (
            {"deployment": DeploymentStrategy.canary(pre_traffic_hook="my-hook")},
            r"deployment\.pre_traffic_hook must be a lambda_\.IFunction, got str",
        ),
        (
            {"deployment": DeploymentStrategy.linear(post_traffic_hook=5)},
            r"deployment\.post_traffic_hook must be a lambda_\.IFunction, got int",
        ),
        ({"monitoring": "on"}, r"monitoring must be a MonitoringOptions, got str"),
        (
            {"monitoring": MonitoringOptions(thresholds={"errors": 1})},
            r"monitoring\.thresholds must be an AlarmThresholds, got dict",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(errors=-1))},
            r"monitoring\.thresholds\.errors must be a number >= 0, got -1",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(throttles="1"))},
            r"monitoring\.thresholds\.throttles must be a number >= 0, got '1'",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(dlq_depth=math.nan))},
            r"monitoring\.thresholds\.dlq_depth must be a finite number",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(latency_p99_ms=math.inf))},
            r"monitoring\.thresholds\.latency_p99_ms must be a finite number",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(error_rate_percent=150))},
            r"monitoring\.thresholds\.error_rate_percent must be 0\.\.100 percent, got 150",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(server_error_rate_percent=-1))},
            r"monitoring\.thresholds\.server_error_rate_percent must be",
        ),
        (
            {"monitoring": MonitoringOptions(thresholds=AlarmThresholds(executions_failed=None))},
            r"monitoring\.thresholds\.executions_failed must be a number >= 0, got None",
        ),
        (
            {"monitoring": MonitoringOptions(monitoring="topic")},
            r"monitoring\.monitoring must be a Monitoring, got str",
        ),
        (
            {"monitoring": MonitoringOptions(dashboard="yes")},
            r"monitoring\.dashboard must be True or False, got 'yes'",
        ),
    ]
    cases[9] = (
        {
            "deployment": DeploymentStrategy(
                kind=DeploymentKind.NONE,
                percent=100,
                interval_minutes=0,
                pre_traffic_hook=Make(lambda s: _hook(s), "hook"),
            )
        },
        r"deployment: traffic hooks need a CodeDeploy strategy, got kind 'none'",
    )
    return [((A, S3, ST, FQ)[i % 4], props, message) for i, (props, message) in enumerate(cases)]


def _hook(stack: cdk.Stack) -> lambda_.IFunction:
    return lambda_.Function.from_function_arn(
        stack, "Hook", "arn:aws:lambda:us-east-1:123456789012:function:hook"
    )


_PATTERN_ROWS: list[tuple[str, dict[str, Any], str]] = [
    # ---------------------------------------------------------------- ApiToLambda
    (A, {"routes": None}, r"give routes \(a map of 'METHOD /path' to FunctionSpec\) or function"),
    (A, {"function": spec()}, r"give either routes or function, not both"),
    (A, {"routes": {}}, r"routes must have at least one route, got \{\}"),
    (
        A,
        {"routes": [("GET /x", spec())]},
        r"routes must be a mapping of 'METHOD /path' to FunctionSpec, got list",
    ),
    (A, {"routes": {"GET /x": "app.handler"}}, r"routes\['GET /x'\] must be a FunctionSpec, got str"),
    (A, {"routes": {5: spec()}}, r"routes: keys must be 'METHOD /path', got 5"),
    (A, {"routes": {"/users": spec()}}, r"routes: keys must be 'METHOD /path', got '/users'"),
    (A, {"routes": {"FETCH /users": spec()}}, r"routes: method in 'FETCH /users' must be one of GET"),
    (A, {"routes": {"GET users": spec()}}, r"routes: path in 'GET users' must start with '/'"),
    (
        A,
        {"routes": {"GET /users/": spec()}},
        r"routes: path in 'GET /users/' must start with '/' and not end",
    ),
    (A, {"routes": {"GET /users//x": spec()}}, r"routes: segment '' in 'GET /users//x' must be"),
    (A, {"routes": {"GET /users/{id": spec()}}, r"routes: segment '\{id' in 'GET /users/\{id' must be"),
    (A, {"routes": {"GET /a b": spec()}}, r"routes: keys must be 'METHOD /path', got 'GET /a b'"),
    (
        A,
        {"routes": {"GET /{proxy+}/x": spec()}},
        r"routes: greedy parameter '\{proxy\+\}' in 'GET /\{proxy\+\}/x' must be the last",
    ),
    (
        A,
        {"routes": {"GET /users/{id}": spec(), "get /users/{id}": spec()}},
        r"routes: 'get /users/\{id\}' duplicates another route",
    ),
    (
        A,
        {"routes": {"GET /users/{id}": spec(), "PUT /users/{userId}": spec()}},
        r"routes: 'PUT /users/\{userId\}' names the path parameter \{userId\} where 'GET /users/\{id\}' names \{id\}",
    ),
    (
        A,
        {"routes": {"GET /users/{id}": spec(), "GET /users/{proxy+}": spec()}},
        r"routes: 'GET /users/\{proxy\+\}' names the path parameter \{proxy\+\} where 'GET /users/\{id\}' names \{id\}",
    ),
    (
        A,
        {"routes": {"GET /a/{id}/b/{id}": spec()}},
        r"routes: 'GET /a/\{id\}/b/\{id\}' names the path parameter \{id\} twice",
    ),
    (
        A,
        {"routes": {"OPTIONS /x": spec()}, "cors": Cors(allow_origins=["*"])},
        r"routes: 'OPTIONS /x' conflicts with the CORS preflight",
    ),
    (
        A,
        {"routes": route(timeout=SEC(30))},
        r"routes\['GET /users/\{id\}'\]\.timeout must be <= 29 seconds behind a REST API",
    ),
    (
        A,
        {"routes": route(timeout=SEC(31)), "api_type": ApiType.HTTP},
        r"\.timeout must be <= 30 seconds behind a HTTP API",
    ),
    (A, {"api_type": "grpc"}, r"api_type must be one of rest, http, got 'grpc'"),
    (A, {"api_type": 5}, r"api_type must be one of rest, http, got 5"),
    (A, {"authorization": "iam"}, r"authorization must be an Authorization, got 'iam'"),
    (
        A,
        {"authorization": Authorization("oauth")},
        r"authorization\.kind must be one of iam, cognito, api_key, lambda, none, got 'oauth'",
    ),
    (A, {"authorization": Authorization("cognito")}, r"authorization: cognito needs a user_pool"),
    (
        A,
        {"authorization": Authorization("cognito", user_pool="pool-id")},
        r"authorization\.user_pool must be a cognito\.IUserPool, got str",
    ),
    (
        A,
        {"authorization": Authorization("iam", scopes=("read",))},
        r"authorization\.scopes apply to cognito authorization only",
    ),
    (
        A,
        {"authorization": Authorization("lambda")},
        r"authorization: lambda needs a FunctionSpec for the authorizer",
    ),
    (
        A,
        {"authorization": Authorization.lambda_authorizer(spec(memory_size=64))},
        r"authorization\.authorizer\.memory_size must be 128\.\.10240 MB, got 64",
    ),
    (
        A,
        {"authorization": Authorization("iam", authorizer=spec())},
        r"authorization\.authorizer applies to lambda authorization only",
    ),
    (
        A,
        {"authorization": Authorization.api_key(), "api_type": ApiType.HTTP},
        r"authorization: api_key is only supported by REST APIs",
    ),
    (A, {"cors": "*"}, r"cors must be a Cors, got '\*'"),
    (A, {"cors": Cors(allow_origins=[])}, r"cors\.allow_origins must name at least one origin, got \[\]"),
    (
        A,
        {"cors": Cors(allow_origins="https://a.example.com")},
        r"cors\.allow_origins must be a list of origins, got 'https://a\.example\.com'",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["a.example.com"])},
        r"cors\.allow_origins entries must be '\*' or scheme://host\[:port\], got 'a\.example\.com'",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["*", "https://a.example.com"])},
        r"cors\.allow_origins: '\*' allows every origin; give it alone",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["*"], allow_methods=[]), "api_type": ApiType.HTTP},
        r"cors\.allow_methods must name at least one method, got \[\]",
    ),
    (A, {"routes": {"GET /files/..": spec()}}, r"routes: segment '\.\.' in 'GET /files/\.\.' must be"),
    (
        A,
        {"cors": Cors(allow_origins=[5])},
        r"cors\.allow_origins entries must be '\*' or scheme://host\[:port\], got 5",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["*"], allow_methods=["FETCH"])},
        r"cors\.allow_methods entries must be among GET, POST",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["*"], allow_methods=["FETCH"]), "api_type": ApiType.HTTP},
        r"cors\.allow_methods entries must be among",
    ),
    (
        A,
        {"cors": Cors(allow_origins=["*"], allow_headers=[5])},
        r"cors\.allow_headers entries must be header names, got 5",
    ),
    (A, {"cors": Cors(allow_origins=["*"], max_age=600)}, r"cors\.max_age must be a Duration, got 600"),
    (
        A,
        {"cors": Cors(allow_origins=["*"], max_age=cdk.Duration.days(2)), "api_type": ApiType.HTTP},
        r"cors\.max_age must be 0\.\.86400 seconds, got 172800",
    ),
    (A, {"throttling_rate_limit": 0}, r"throttling_rate_limit must be 1\.\.10000 requests per second, got 0"),
    (A, {"throttling_rate_limit": "100"}, r"throttling_rate_limit must be a number, got '100'"),
    (A, {"throttling_rate_limit": None}, r"throttling_rate_limit must be a number, got None"),
    (A, {"throttling_burst_limit": 5001}, r"throttling_burst_limit must be 0\.\.5000 requests, got 5001"),
    (A, {"throttling_burst_limit": 2.5}, r"throttling_burst_limit must be a whole number, got 2\.5"),
    (
        A,
        {"stage_name": "my stage"},
        r"stage_name must be 1\.\.128 letters, digits or underscores, got 'my stage'",
    ),
    (A, {"stage_name": 5}, r"stage_name must be 1\.\.128 letters, digits or underscores, got 5"),
    (A, {"web_acl_arn": "my-acl"}, r"web_acl_arn must be a WAFv2 web ACL ARN"),
    (
        A,
        {"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"},
        r"web_acl_arn must be a WAFv2 web ACL ARN \(regional\)",
    ),
    (A, {"web_acl_arn": 5}, r"web_acl_arn must be a WAFv2 web ACL ARN.*got 5"),
    (
        A,
        {"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1", "api_type": ApiType.HTTP},
        r"web_acl_arn: WAF can only be associated with REST API stages",
    ),
    (A, {"account_logging_role": "yes"}, r"account_logging_role must be True or False, got 'yes'"),
    (A, {"access_log_retention": 30}, r"access_log_retention must be a logs\.RetentionDays, got 30"),
    # ---------------------------------------------------------------- S3Processor
    (S3, {"function": None}, r"function must be a FunctionSpec, got NoneType"),
    (S3, {"function": "app.handler"}, r"function must be a FunctionSpec, got str"),
    (S3, {"bucket": "my-bucket"}, r"bucket must be an s3\.IBucket, got str"),
    (
        S3,
        {"bucket": bucket(), "versioned": True},
        r"bucket: give your own bucket or the options to build one, not both \(got bucket and versioned\)",
    ),
    (S3, {"bucket": bucket(), "removal_policy": cdk.RemovalPolicy.DESTROY}, r"got bucket and removal_policy"),
    (S3, {"event_types": []}, r"event_types must name at least one s3\.EventType, got \[\]"),
    (S3, {"event_types": 5}, r"event_types must be a list of s3\.EventType values, got 5"),
    (
        S3,
        {"event_types": "OBJECT_CREATED"},
        r"event_types must be a list of s3\.EventType values, got 'OBJECT_CREATED'",
    ),
    (
        S3,
        {"event_types": ["s3:ObjectCreated:*"]},
        r"event_types must be s3\.EventType values, got 's3:ObjectCreated:\*'",
    ),
    (
        S3,
        {"event_types": [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_CREATED_PUT]},
        r"event_types: OBJECT_CREATED and OBJECT_CREATED_PUT overlap",
    ),
    (S3, {"prefix": 5}, r"prefix must be a string, got 5"),
    (
        S3,
        {"suffix": "*.jpg"},
        r"suffix must be a literal key suffix: S3 filters have no wildcards, got '\*\.jpg'",
    ),
    (
        S3,
        {"prefix": "uploads/*"},
        r"prefix must be a literal key prefix: S3 filters have no wildcards, got 'uploads/\*'",
    ),
    (S3, {"prefix": "x" * 1025}, r"prefix must be at most 1024 characters, got 1025"),
    (
        S3,
        {"filters": [s3.NotificationKeyFilter(prefix="a/")], "prefix": "b/"},
        r"give prefix/suffix or filters, not both",
    ),
    (S3, {"filters": []}, r"filters must have at least one filter, got \[\]"),
    (
        S3,
        {"filters": s3.NotificationKeyFilter(prefix="a/")},
        r"filters must be a list of s3\.NotificationKeyFilter",
    ),
    (
        S3,
        {"filters": [{"prefix": "a/"}]},
        r"filters\[0\] must be an s3\.NotificationKeyFilter, got \{'prefix': 'a/'\}",
    ),
    (
        S3,
        {"filters": [s3.NotificationKeyFilter(prefix="a/"), s3.NotificationKeyFilter(prefix="a/b/")]},
        r"filters .* overlap: S3 rejects overlapping filters",
    ),
    (S3, {"filters": [s3.NotificationKeyFilter(suffix="*.png")]}, r"suffix must be a literal key suffix"),
    (S3, {"delivery": "lambda"}, r"delivery must be one of queue, direct, got 'lambda'"),
    (S3, {"delivery": S3Delivery.DIRECT, "batch_size": 5}, r"batch_size applies to queue delivery only"),
    (S3, {"delivery": S3Delivery.DIRECT, "queue": QueueOptions()}, r"queue applies to queue delivery only"),
    (S3, {"delivery": S3Delivery.DIRECT, "retry_attempts": 3}, r"retry_attempts must be 0\.\.2, got 3"),
    (
        S3,
        {"delivery": S3Delivery.DIRECT, "retry_attempts": "2"},
        r"retry_attempts must be a whole number, got '2'",
    ),
    (S3, {"retry_attempts": 1}, r"retry_attempts applies to direct delivery only"),
    (S3, {"batch_size": 0}, r"batch_size must be 1\.\.10000 messages, got 0"),
    (S3, {"batch_size": "10"}, r"batch_size must be a whole number, got '10'"),
    (S3, {"batch_size": 100}, r"batch_size above 10 needs a max_batching_window of at least 1 second"),
    (S3, {"max_batching_window": 5}, r"max_batching_window must be a Duration, got 5"),
    (
        S3,
        {"max_batching_window": cdk.Duration.minutes(6)},
        r"max_batching_window must be 0\.\.300 seconds, got 360",
    ),
    (
        S3,
        {"max_batching_window": cdk.Duration.millis(1500)},
        r"max_batching_window must be a whole number of seconds, got 1\.5",
    ),
    (S3, {"queue": {"max_receive_count": 3}}, r"queue must be a QueueOptions, got dict"),
    (S3, {"queue": QueueOptions(max_receive_count=0)}, r"queue\.max_receive_count must be 1\.\.1000, got 0"),
    (
        S3,
        {"queue": QueueOptions(max_receive_count="3")},
        r"queue\.max_receive_count must be a whole number, got '3'",
    ),
    (
        S3,
        {"queue": QueueOptions(visibility_timeout=30)},
        r"queue\.visibility_timeout must be a Duration, got 30",
    ),
    (
        S3,
        {"queue": QueueOptions(visibility_timeout=SEC(5))},
        r"queue\.visibility_timeout must be at least the function's timeout \(10 s\), got 5 s",
    ),
    (
        S3,
        {"queue": QueueOptions(visibility_timeout=cdk.Duration.hours(13))},
        r"queue\.visibility_timeout must be 0\.\.43200 seconds, got 46800",
    ),
    (
        S3,
        {"queue": QueueOptions(retention_period=SEC(30))},
        r"queue\.retention_period must be 60\.\.1209600 seconds, got 30",
    ),
    (
        S3,
        {"queue": QueueOptions(retention_period=cdk.Duration.days(15))},
        r"queue\.retention_period must be 60\.\.1209600 seconds, got 1296000",
    ),
    (S3, {"queue": QueueOptions(retention_period=4)}, r"queue\.retention_period must be a Duration, got 4"),
    (S3, {"output_prefix": ""}, r"output_prefix must not be empty when writing to the processed bucket"),
    (S3, {"output_prefix": 5}, r"output_prefix must be a string, got 5"),
    (S3, {"output_prefix": "out/*"}, r"output_prefix must be a literal key prefix.*got 'out/\*'"),
    (
        S3,
        {"prefix": "in/", "output_prefix": "in/processed/"},
        r"output_prefix 'in/processed/' overlaps the filter",
    ),
    (
        S3,
        {
            "bucket": Make(lambda s: _shared_bucket(s), "shared"),
            "output_bucket": Make(lambda s: _shared_bucket(s), "shared"),
            "prefix": "in/",
            "output_prefix": "in/x/",
        },
        r"output_prefix 'in/x/' overlaps the filter",
    ),
    (
        S3,
        {
            "bucket": Make(lambda s: _shared_bucket(s), "shared"),
            "output_bucket": Make(lambda s: _shared_bucket(s), "shared"),
        },
        r"output_bucket is the processed bucket: give output_prefix outside the filtered prefixes",
    ),
    (
        S3,
        {
            "bucket": Make(lambda s: _shared_bucket(s), "shared"),
            "output_bucket": Make(lambda s: s3.Bucket.from_bucket_name(s, "Again", "shared-bucket"), "again"),
            "output_prefix": "",
        },
        r"output_prefix must not be empty when writing to the processed bucket",
    ),
    (S3, {"output_bucket": "out-bucket"}, r"output_bucket must be an s3\.IBucket, got str"),
    (
        S3,
        {
            "bucket": Make(lambda s: _chain(s, "b-two"), "b-two after First: b-one -> b-two"),
            "prefix": "out/",
            "output_bucket": Make(lambda s: s3.Bucket.from_bucket_name(s, "One", "b-one"), "b-one"),
            "output_prefix": "in/x/",
        },
        r"output_bucket: what the function writes \(under 'in/x/'\) triggers S/First, which writes back",
    ),
    (S3, {"versioned": "yes"}, r"versioned must be True or False, got 'yes'"),
    (S3, {"noncurrent_version_expiration": 30}, r"noncurrent_version_expiration must be a Duration, got 30"),
    (
        S3,
        {"noncurrent_version_expiration": cdk.Duration.hours(36)},
        r"noncurrent_version_expiration must be a whole number of days, got 1\.5",
    ),
    (
        S3,
        {"versioned": False, "noncurrent_version_expiration": cdk.Duration.days(3)},
        r"noncurrent_version_expiration has no effect with versioned=False",
    ),
    (S3, {"access_logs": 1}, r"access_logs must be True or False, got 1"),
    (S3, {"access_log_retention": 90}, r"access_log_retention must be a Duration, got 90"),
    (
        S3,
        {"access_log_retention": cdk.Duration.hours(1)},
        r"access_log_retention must be a whole number of days, got 0\.0416667",
    ),
    (
        S3,
        {"access_logs": False, "access_log_retention": cdk.Duration.days(3)},
        r"access_log_retention has no effect with access_logs=False",
    ),
    (S3, {"removal_policy": "destroy"}, r"removal_policy must be a cdk\.RemovalPolicy, got 'destroy'"),
    # ---------------------------------------------------------------- StreamToSns
    (ST, {"partition_key": None}, r"partition_key is required to create a table"),
    (ST, {"partition_key": ""}, r"partition_key must be an attribute name of 1\.\.255 characters, got ''"),
    (ST, {"partition_key": 5}, r"partition_key must be a name or a dynamodb\.Attribute, got int"),
    (
        ST,
        {"partition_key": dynamodb.Attribute(name="", type=dynamodb.AttributeType.STRING)},
        r"partition_key must be an attribute name of 1\.\.255 characters, got ''",
    ),
    (
        S3,
        {"event_types": [s3.EventType.OBJECT_REMOVED, s3.EventType.OBJECT_REMOVED]},
        r"event_types: OBJECT_REMOVED is given twice",
    ),
    (ST, {"sort_key": "x" * 256}, r"sort_key must be an attribute name of 1\.\.255 characters"),
    (ST, {"sort_key": "pk"}, r"sort_key must differ from partition_key, got 'pk' for both"),
    (
        ST,
        {"sort_key": dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.NUMBER)},
        r"sort_key must differ from partition_key, got 'pk' for both",
    ),
    (ST, {"table": "orders"}, r"table must be a dynamodb\.ITable, got str"),
    (
        ST,
        {"table": streamed_table()},
        r"table: give your own table or the options to build one, not both \(got table and partition_key\)",
    ),
    (
        ST,
        {
            "partition_key": None,
            "table": Make(
                lambda s: dynamodb.Table(
                    s, "T", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
                ),
                "unstreamed",
            ),
        },
        r"table: .* has no stream",
    ),
    (
        ST,
        {"table_removal_policy": "retain"},
        r"table_removal_policy must be a cdk\.RemovalPolicy, got 'retain'",
    ),
    (ST, {"function": "app.handler"}, r"function must be a FunctionSpec, got str"),
    (
        ST,
        {"function": spec(), "powertools_layer": layer()},
        r"powertools_layer is only for the built-in forwarder",
    ),
    (
        ST,
        {"powertools_layer": "arn:aws:lambda:us-east-1:1:layer:x:1"},
        r"powertools_layer must be a lambda_\.ILayerVersion, got str",
    ),
    (ST, {"topic": "arn:aws:sns:us-east-1:123456789012:t"}, r"topic must be an sns\.ITopic, got str"),
    (ST, {"event_names": []}, r"event_names must name at least one of INSERT, MODIFY, REMOVE, got \[\]"),
    (ST, {"event_names": ["insert"]}, r"event_names must be among INSERT, MODIFY, REMOVE, got 'insert'"),
    (ST, {"event_names": ["INSERT", "INSERT"]}, r"event_names has duplicates"),
    (ST, {"event_names": 5}, r"event_names must be a list of INSERT, MODIFY, REMOVE, got 5"),
    (
        ST,
        {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP},
        r"starting_position must be TRIM_HORIZON or LATEST",
    ),
    (
        ST,
        {"starting_position": "LATEST"},
        r"starting_position must be TRIM_HORIZON or LATEST for a DynamoDB stream, got 'LATEST'",
    ),
    (ST, {"batch_size": 0}, r"batch_size must be 1\.\.10000 records for a DynamoDB stream, got 0"),
    (ST, {"batch_size": "100"}, r"batch_size must be a whole number, got '100'"),
    (ST, {"batch_size": 10.5}, r"batch_size must be a whole number, got 10\.5"),
    (ST, {"max_batching_window": 5}, r"max_batching_window must be a Duration, got 5"),
    (ST, {"max_batching_window": SEC(301)}, r"max_batching_window must be 0\.\.300 seconds, got 301"),
    (
        ST,
        {"max_batching_window": cdk.Duration.millis(500)},
        r"max_batching_window must be a whole number of seconds, got 0\.5",
    ),
    (ST, {"bisect_batch_on_error": "yes"}, r"bisect_batch_on_error must be True or False, got 'yes'"),
    (ST, {"retry_attempts": -1}, r"retry_attempts must be 0\.\.10000, got -1"),
    (ST, {"retry_attempts": None}, r"retry_attempts must be a whole number, got None"),
    (ST, {"max_record_age": SEC(59)}, r"max_record_age must be 60\.\.604800 seconds, got 59"),
    (ST, {"max_record_age": 3600}, r"max_record_age must be a Duration, got 3600"),
    (
        ST,
        {"max_record_age": cdk.Duration.millis(60500)},
        r"max_record_age must be a whole number of seconds, got 60\.5",
    ),
    (ST, {"parallelization_factor": 11}, r"parallelization_factor must be 1\.\.10, got 11"),
    (ST, {"parallelization_factor": "2"}, r"parallelization_factor must be a whole number, got '2'"),
    (ST, {"idempotency": "yes"}, r"idempotency must be True or False, got 'yes'"),
    # ---------------------------------------------------------------- FanoutQueue
    (FQ, {"subscribers": {}}, r"subscribers must name at least one Subscriber"),
    (FQ, {"subscribers": [Subscriber()]}, r"subscribers must name at least one Subscriber"),
    (
        FQ,
        {"subscribers": {"a b": Subscriber()}},
        r"subscribers: names must be 1\.\.64 letters, digits, '-' or '_', got 'a b'",
    ),
    (FQ, {"subscribers": {"a": spec()}}, r"subscribers\['a'\] must be a Subscriber, got FunctionSpec"),
    (
        FQ,
        {"subscribers": {"a": Subscriber(function="app.handler")}},
        r"subscribers\['a'\]\.function must be a FunctionSpec, got str",
    ),
    (FQ, {"topic": "arn:aws:sns:us-east-1:123456789012:t"}, r"topic must be an sns\.ITopic, got str"),
    (FQ, {"topic": topic(), "fifo": True}, r"fifo configure the topic this construct creates"),
    (FQ, {"fifo": "yes"}, r"fifo must be True or False, got 'yes'"),
    (FQ, {"content_based_deduplication": True}, r"content_based_deduplication needs a FIFO topic"),
    (
        FQ,
        {"content_based_deduplication": 1, "fifo": True},
        r"content_based_deduplication must be True or False, got 1",
    ),
    (
        FQ,
        {"subscribers": sub(raw_message_delivery="yes")},
        r"subscribers\['a'\]\.raw_message_delivery must be True or False, got 'yes'",
    ),
    (
        FQ,
        {"subscribers": sub(batch_size=0)},
        r"subscribers\['a'\]\.batch_size must be 1\.\.10000 messages, got 0",
    ),
    (
        FQ,
        {"subscribers": sub(batch_size=None)},
        r"subscribers\['a'\]\.batch_size must be a whole number, got None",
    ),
    (
        FQ,
        {"subscribers": sub(batch_size=11), "fifo": True},
        r"batch_size must be 1\.\.10 messages for a FIFO queue, got 11",
    ),
    (
        FQ,
        {"subscribers": sub(max_batching_window=SEC(1)), "fifo": True},
        r"max_batching_window is not supported for FIFO queues",
    ),
    (
        FQ,
        {"subscribers": sub(max_concurrency=1)},
        r"subscribers\['a'\]\.max_concurrency must be 2\.\.1000, got 1",
    ),
    (
        FQ,
        {"subscribers": sub(max_concurrency="5")},
        r"subscribers\['a'\]\.max_concurrency must be a whole number, got '5'",
    ),
    (
        FQ,
        {"subscribers": sub(function=None, batch_size=5)},
        r"batch_size configure the function's event source",
    ),
    (
        FQ,
        {"subscribers": sub(queue=QueueOptions(max_receive_count=1001))},
        r"subscribers\['a'\]\.queue\.max_receive_count must be 1\.\.1000, got 1001",
    ),
    (
        FQ,
        {"subscribers": sub(queue=QueueOptions(visibility_timeout="30s"))},
        r"subscribers\['a'\]\.queue\.visibility_timeout must be a Duration, got '30s'",
    ),
    (
        FQ,
        {"subscribers": sub(queue=QueueOptions(retention_period=cdk.Duration.days(20)))},
        r"subscribers\['a'\]\.queue\.retention_period must be 60\.\.1209600 seconds",
    ),
    (
        FQ,
        {"subscribers": sub(function=spec(timeout=SEC(60)), queue=QueueOptions(visibility_timeout=SEC(30)))},
        r"queue\.visibility_timeout must be at least the function's timeout \(60 s\), got 30 s",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy_scope="Body", filter_policy={"a": ["1"]})},
        r"filter_policy_scope must be one of MessageAttributes, MessageBody, got 'Body'",
    ),
    (FQ, {"subscribers": sub(filter_policy=["plan"])}, r"filter_policy must be a non-empty dict"),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": "pro"})},
        r"filter_policy\['plan'\] must be a list of values, got 'pro'",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": []})},
        r"filter_policy\['plan'\] must list at least one value",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"starts-with": "p"}]})},
        r"filter_policy\['plan'\]: unknown operator 'starts-with'; SNS knows",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"prefix": "p", "suffix": "o"}]})},
        r"filter_policy\['plan'\]: an operator dict must have exactly one operator",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"prefix": 5}]})},
        r"filter_policy\['plan'\]: prefix takes a non-empty string",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"suffix": ""}]})},
        r"filter_policy\['plan'\]: suffix takes a non-empty string",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"exists": "yes"}]})},
        r"filter_policy\['plan'\]: exists takes true or false, got 'yes'",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [{"numeric": [">", "5"]}]})},
        r"filter_policy\['price'\]: numeric takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [{"numeric": ["!=", 5]}]})},
        r"filter_policy\['price'\]: numeric takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [{"numeric": [">", 5, ">", 6]}]})},
        r"filter_policy\['price'\]: numeric takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [{"numeric": ["<", 5, ">", 6]}]})},
        r"filter_policy\['price'\]: numeric takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [{"numeric": ["=", 2e9]}]})},
        r"filter_policy\['price'\]: numeric takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"price": [2e9]})},
        r"filter_policy\['price'\] numbers must be within -1e9\.\.1e9, got 2000000000",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"anything-but": [{"prefix": "a"}]}]})},
        r"filter_policy\['plan'\]: anything-but takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"anything-but": {"exists": True}}]})},
        r"filter_policy\['plan'\]: anything-but takes",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"ip": [{"cidr": "10.0.0.0"}]})},
        r"filter_policy\['ip'\]: cidr takes an IP address prefix",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"equals-ignore-case": 5}]})},
        r"filter_policy\['plan'\]: equals-ignore-case takes a string",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [{"wildcard": "a**"}]})},
        r"filter_policy\['plan'\]: wildcard takes a string without consecutive",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": [["nested"]]})},
        r"filter_policy\['plan'\] values must be strings, numbers, booleans or operator dicts",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"plan": ["pro", None]})},
        r"filter_policy\['plan'\] may not list null: aws-cdk-lib drops null",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"a": {"b": ["c"]}})},
        r"only a filter_policy_scope of FilterPolicyScope\.MESSAGE_BODY allows",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"a": {}}, filter_policy_scope=FilterPolicyScope.MESSAGE_BODY)},
        r"filter_policy\['a'\] must be a non-empty dict or a list of values",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={k: ["v"] for k in "abcdef"})},
        r"filter_policy may match at most 5 names, got 6",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"a": list(range(20)), "b": list(range(10))})},
        r"at most 150 combinations of values, got 200",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={"$or": [{"a": ["1"]}]})},
        r"\['\$or'\] must be a list of at least two filter policies",
    ),
    (
        FQ,
        {"subscribers": sub(filter_policy={5: ["1"]})},
        r"filter_policy: names must be non-empty strings, got 5",
    ),
]

# OrchestratedPipeline: its steps (Step, Retry, Choice, Wait, Parallel, Map), a definition file with
# its functions, topics, resources and substitutions, the state machine's own props and the triggers.
OP = "OrchestratedPipeline"
ONE_TASK = str(Path(__file__).parent / "one_task.asl.json")
_NEVER = sfn.Condition.boolean_equals("$.a", True)


def retried(**kwargs: Any) -> list[Step]:
    """``steps``: one Lambda step ``Run`` with one retrier built from ``kwargs``."""
    return [Step("Run", spec(), retry=Retry(**kwargs))]


def from_file(**kwargs: Any) -> dict[str, Any]:
    """Props that build the pipeline from ``one_task.asl.json`` (its ``${RunArn}`` and ``${Stage}``)."""
    return {
        "steps": None,
        "definition_file": ONE_TASK,
        "functions": {"Run": spec()},
        "substitutions": {"Stage": "prod"},
        **kwargs,
    }


_PIPELINE_ROWS: list[tuple[str, dict[str, Any], str]] = [
    # backoff nan
    (
        OP,
        dict(steps=retried(backoff_rate=math.nan)),
        r"steps\['Run'\]\.retry\[0\]\.backoff_rate must be >= 1\.0, got nan",
    ),
    # backoff inf
    (
        OP,
        dict(steps=retried(backoff_rate=math.inf)),
        r"steps\['Run'\]\.retry\[0\]\.backoff_rate must be >= 1\.0, got inf",
    ),
    # backoff neg
    (
        OP,
        dict(steps=retried(backoff_rate=-1.0)),
        r"steps\['Run'\]\.retry\[0\]\.backoff_rate must be >= 1\.0, got -1\.0",
    ),
    # backoff bool
    (
        OP,
        dict(steps=retried(backoff_rate=True)),
        r"steps\['Run'\]\.retry\[0\]\.backoff_rate must be >= 1\.0, got True",
    ),
    # backoff str
    (
        OP,
        dict(steps=retried(backoff_rate="2")),
        r"steps\['Run'\]\.retry\[0\]\.backoff_rate must be >= 1\.0, got '2'",
    ),
    # interval 0
    (
        OP,
        dict(steps=retried(interval=SEC(0))),
        r"steps\['Run'\]\.retry\[0\]\.interval must be 1\.\.99999999 seconds, got 0",
    ),
    # interval int
    (OP, dict(steps=retried(interval=5)), r"steps\['Run'\]\.retry\[0\]\.interval must be a Duration, got 5"),
    # interval ms
    (
        OP,
        dict(steps=retried(interval=cdk.Duration.millis(1500))),
        r"steps\['Run'\]\.retry\[0\]\.interval must be whole seconds, got 1\.5",
    ),
    # maxdelay < interval
    (
        OP,
        dict(steps=retried(interval=SEC(10), max_delay=SEC(5))),
        r"steps\['Run'\]\.retry\[0\]\.max_delay must be at least the interval \(10 s\), got 5 s: i",
    ),
    # maxdelay 0
    (
        OP,
        dict(steps=retried(max_delay=SEC(0))),
        r"steps\['Run'\]\.retry\[0\]\.max_delay must be 1\.\.31622400 seconds, got 0",
    ),
    # jitter str
    (
        OP,
        dict(steps=retried(jitter="FULL")),
        r"steps\['Run'\]\.retry\[0\]\.jitter must be True \(JitterStrategy FULL\) or False \(NONE\),",
    ),
    # jitter None
    (
        OP,
        dict(steps=retried(jitter=None)),
        r"steps\['Run'\]\.retry\[0\]\.jitter must be True \(JitterStrategy FULL\) or False \(NONE\),",
    ),
    # jitter 1
    (
        OP,
        dict(steps=retried(jitter=1)),
        r"steps\['Run'\]\.retry\[0\]\.jitter must be True \(JitterStrategy FULL\) or False \(NONE\),",
    ),
    # attempts bool
    (
        OP,
        dict(steps=retried(max_attempts=True)),
        r"steps\['Run'\]\.retry\[0\]\.max_attempts must be a number, got True",
    ),
    # attempts neg
    (
        OP,
        dict(steps=retried(max_attempts=-1)),
        r"steps\['Run'\]\.retry\[0\]\.max_attempts must be 0\.\.99999999, got -1",
    ),
    # attempts float
    (
        OP,
        dict(steps=retried(max_attempts=2.0)),
        r"steps\['Run'\]\.retry\[0\]\.max_attempts must be an integer, got 2\.0",
    ),
    # errors str
    (
        OP,
        dict(steps=retried(errors="States.ALL")),
        r"steps\['Run'\]\.retry\[0\]\.errors must be a non-empty list of error names, got 'State",
    ),
    # errors None
    (
        OP,
        dict(steps=retried(errors=None)),
        r"steps\['Run'\]\.retry\[0\]\.errors must be a non-empty list of error names, got None",
    ),
    # errors empty
    (
        OP,
        dict(steps=retried(errors=[])),
        r"steps\['Run'\]\.retry\[0\]\.errors must be a non-empty list of error names, got \[\]",
    ),
    # errors ALL+
    (
        OP,
        dict(steps=retried(errors=["States.ALL", "X"])),
        r"steps\['Run'\]\.retry\[0\]\.errors: States\.ALL must appear alone, got \['States\.ALL', '",
    ),
    # retry not Retry
    (
        OP,
        dict(steps=[Step("Run", spec(), retry="x")]),
        r"steps\['Run'\]\.retry must be a Retry or a list of Retry, got 'x'",
    ),
    # retry ALL not last
    (
        OP,
        dict(steps=[Step("Run", spec(), retry=[Retry(errors=["States.ALL"]), Retry(errors=["X"])])]),
        r"steps\['Run'\]\.retry: the retrier for States\.ALL must be the last one",
    ),
    # steps empty
    (OP, dict(steps=[]), r"steps must have at least one Step, got \[\]"),
    # steps str
    (OP, dict(steps="Run"), r"steps must be a non-empty list of steps, got 'Run'"),
    # step name bad
    (
        OP,
        dict(steps=[Step("1Run", spec())]),
        r"steps\[0\]\.name must be a letter then letters, digits, '_' or '-', at most 80 char",
    ),
    # step name int
    (
        OP,
        dict(steps=[Step(5, spec())]),
        r"steps\[0\]\.name must be a letter then letters, digits, '_' or '-', at most 80 char",
    ),
    # step name reserved
    (
        OP,
        dict(steps=[Step("NotifyError", spec())]),
        r"steps\[0\]\.name 'NotifyError' is reserved for the pattern's notification states",
    ),
    # step dup
    (
        OP,
        dict(steps=[Step("Run", spec()), Step("Run", spec())]),
        r"steps\[0\]\.name 'Run' is used by more than one step",
    ),
    # step twins
    (
        OP,
        dict(steps=[Step("Load-Data", spec()), Step("Load_Data", spec())]),
        r"steps: 'Load-Data' and 'Load_Data' differ only in characters other than letters ",
    ),
    # step function str
    (OP, dict(steps=[Step("Run", "fn")]), r"steps\['Run'\]\.function must be a FunctionSpec, got str"),
    # step function bad mem
    (
        OP,
        dict(steps=[Step("Run", spec(memory_size=1))]),
        r"steps\['Run'\]\.function\.memory_size must be 128\.\.10240 MB, got 1",
    ),
    # step next unknown
    (
        OP,
        dict(steps=[Step("Run", spec(), next="Nope")]),
        r"steps\['Run'\]\.next names no step at its level: 'Nope' \(steps are Run\)",
    ),
    # step next NotifyError
    (
        OP,
        dict(steps=[Step("Run", spec(), next="NotifyError")]),
        r"steps\['Run'\]\.next names no step at its level: 'NotifyError' \(steps are Run\)",
    ),
    # step next int
    (
        OP,
        dict(steps=[Step("Run", spec(), next=5)]),
        r"steps\['Run'\]\.next names no step at its level: 5 \(steps are Run\)",
    ),
    # catch list
    (
        OP,
        dict(steps=[Step("Run", spec(), catch=["States.ALL"])]),
        r"steps\['Run'\]\.catch must map error names to state names, got \['States\.ALL'\]",
    ),
    # catch unknown
    (
        OP,
        dict(steps=[Step("Run", spec(), catch={"States.ALL": "Nope"})]),
        r"steps\['Run'\]\.catch\['States\.ALL'\] names no state: 'Nope' \(states are NotifyError,",
    ),
    # catch empty err
    (
        OP,
        dict(steps=[Step("Run", spec(), catch={"": "NotifyError"})]),
        r"steps\['Run'\]\.catch: error names must be non-empty strings, got ''",
    ),
    # catch self
    (
        OP,
        dict(steps=[Step("Run", spec(), catch={"States.ALL": "Run"})]),
        r"steps: state 'PipelineFailed' is not reachable from StartAt 'Run'",
    ),
    # catch NotifySuccess no notify
    (
        OP,
        dict(steps=[Step("Run", spec(), catch={"States.ALL": "NotifySuccess"})]),
        r"steps\['Run'\]\.catch\['States\.ALL'\] names no state: 'NotifySuccess' \(states are Not",
    ),
    # catch NotifyError notify off
    (
        OP,
        dict(steps=[Step("Run", spec(), catch={"States.ALL": "NotifyError"})], notify_failure=False),
        r"steps\['Run'\]\.catch\['States\.ALL'\] names no state: 'NotifyError' \(states are Run\)",
    ),
    # choice empty
    (
        OP,
        dict(steps=[Choice("C", []), Step("Run", spec())]),
        r"steps\['C'\]\.when must be a non-empty list of When, got \[\]",
    ),
    # choice when str
    (
        OP,
        dict(steps=[Choice("C", ["x"]), Step("Run", spec())]),
        r"steps\['C'\]\.when\[0\] must be When\(sfn\.Condition\.\.\., next\), got 'x'",
    ),
    # choice when next unknown
    (
        OP,
        dict(steps=[Choice("C", [When(_NEVER, "Nope")]), Step("Run", spec())]),
        r"steps\['C'\]\.when\[0\]\.next names no step at its level: 'Nope' \(steps are C, Run\)",
    ),
    # choice otherwise unknown
    (
        OP,
        dict(steps=[Choice("C", [When(_NEVER, "Run")], otherwise="Nope"), Step("Run", spec())]),
        r"steps\['C'\]\.otherwise names no step at its level: 'Nope' \(steps are C, Run\)",
    ),
    # choice only
    (
        OP,
        dict(steps=[Choice("C", [When(_NEVER, "C")])]),
        r"steps: state 'PipelineFailed' is not reachable from StartAt 'C'",
    ),
    # choice when cond str
    (
        OP,
        dict(steps=[Choice("C", [When("$.a == 1", "Run")]), Step("Run", spec())]),
        r"steps\['C'\]\.when\[0\] must be When\(sfn\.Condition\.\.\., next\), got When\(condition='\$\.a",
    ),
    # wait none
    (
        OP,
        dict(steps=[Wait("W"), Step("Run", spec())]),
        r"steps\['W'\] needs exactly one of duration, until, seconds_path and timestamp_path",
    ),
    # wait two
    (
        OP,
        dict(steps=[Wait("W", duration=SEC(1), until="2030-01-01T00:00:00Z"), Step("Run", spec())]),
        r"steps\['W'\] needs exactly one of duration, until, seconds_path and timestamp_path",
    ),
    # wait ms
    (
        OP,
        dict(steps=[Wait("W", duration=cdk.Duration.millis(500)), Step("Run", spec())]),
        r"steps\['W'\]\.duration must be whole seconds, got 0\.5",
    ),
    # wait int
    (
        OP,
        dict(steps=[Wait("W", duration=5), Step("Run", spec())]),
        r"steps\['W'\]\.duration must be a Duration, got 5",
    ),
    # wait until bad
    (
        OP,
        dict(steps=[Wait("W", until="tomorrow"), Step("Run", spec())]),
        r"""steps: States\.W\.Timestamp is "tomorrow" but should be an RFC3339 timestamp""",
    ),
    # wait until int
    (
        OP,
        dict(steps=[Wait("W", until=5), Step("Run", spec())]),
        r"steps: States\.W\.Timestamp is 5 but should be an RFC3339 timestamp",
    ),
    # wait seconds_path bad
    (
        OP,
        dict(steps=[Wait("W", seconds_path="delay"), Step("Run", spec())]),
        r"steps\['W'\]\.seconds_path must be a path starting with '\$', got 'delay'",
    ),
    # wait ts_path bad
    (
        OP,
        dict(steps=[Wait("W", timestamp_path="at"), Step("Run", spec())]),
        r"steps\['W'\]\.timestamp_path must be a path starting with '\$', got 'at'",
    ),
    # wait only
    (
        OP,
        dict(steps=[Wait("W", duration=SEC(1))]),
        r"steps: state 'PipelineFailed' is not reachable from StartAt 'W'",
    ),
    # wait next unknown
    (
        OP,
        dict(steps=[Wait("W", duration=SEC(1), next="Nope"), Step("Run", spec())]),
        r"steps\['W'\]\.next names no step at its level: 'Nope' \(steps are Run, W\)",
    ),
    # parallel empty
    (
        OP,
        dict(steps=[Parallel("P", [])]),
        r"steps\['P'\]\.branches must be a non-empty list of branches, got \[\]",
    ),
    # parallel branch empty
    (
        OP,
        dict(steps=[Parallel("P", [[]])]),
        r"steps\['P'\]\.branches\[0\] must be a non-empty list of steps, got \[\]",
    ),
    # parallel branch str
    (
        OP,
        dict(steps=[Parallel("P", ["x"])]),
        r"steps\['P'\]\.branches\[0\] must be a non-empty list of steps, got 'x'",
    ),
    # parallel branch next outer
    (
        OP,
        dict(steps=[Parallel("P", [[Step("A", spec(), next="Run")]]), Step("Run", spec())]),
        r"steps\['P'\]\.branches\[0\]\['A'\]\.next names no step at its level: 'Run' \(steps are A\)",
    ),
    # parallel catch unknown
    (
        OP,
        dict(steps=[Parallel("P", [[Step("A", spec())]], catch={"States.ALL": "Nope"})]),
        r"steps\['P'\]\.catch\['States\.ALL'\] names no state: 'Nope' \(states are NotifyError, P",
    ),
    # parallel retry bad
    (
        OP,
        dict(steps=[Parallel("P", [[Step("A", spec())]], retry=Retry(max_attempts=-1))]),
        r"steps\['P'\]\.retry\[0\]\.max_attempts must be 0\.\.99999999, got -1",
    ),
    # parallel dup inner
    (
        OP,
        dict(steps=[Parallel("P", [[Step("A", spec())], [Step("A", spec())]])]),
        r"steps\['P'\]\.branches\[0\]\[0\]\.name 'A' is used by more than one step",
    ),
    # parallel inner named like outer
    (
        OP,
        dict(steps=[Parallel("P", [[Step("Run", spec())]]), Step("Run", spec())]),
        r"steps\['P'\]\.branches\[0\]\[0\]\.name 'Run' is used by more than one step",
    ),
    # map empty
    (OP, dict(steps=[Map("M", [])]), r"steps\['M'\]\.steps must be a non-empty list of steps, got \[\]"),
    # map items_path bad
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], items_path="items")]),
        r"steps\['M'\]\.items_path must be a path starting with '\$', got 'items'",
    ),
    # map items_path int
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], items_path=5)]),
        r"steps\['M'\]\.items_path must be a path starting with '\$', got 5",
    ),
    # map conc neg
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], max_concurrency=-1)]),
        r"steps: States\.M\.MaxConcurrency is -1 but allowed floor is 0",
    ),
    # map conc 41
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], max_concurrency=41)]),
        r"steps\['M'\]\.max_concurrency must be 0\.\.40, got 41",
    ),
    # map conc float
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], max_concurrency=1.5)]),
        r"steps\['M'\]\.max_concurrency must be an integer, got 1\.5",
    ),
    # map conc bool
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec())], max_concurrency=True)]),
        r"steps\['M'\]\.max_concurrency must be an integer, got True",
    ),
    # map inner notify
    (
        OP,
        dict(steps=[Map("M", [Step("A", spec(), catch={"States.ALL": "NotifyError"})])]),
        r"steps\['M'\]\.steps\['A'\]\.catch\['States\.ALL'\] names no state: 'NotifyError' \(states ",
    ),
    # map steps str
    (OP, dict(steps=[Map("M", "A")]), r"steps\['M'\]\.steps must be a non-empty list of steps, got 'A'"),
    # definition_file missing
    (
        OP,
        dict(steps=None, definition_file="nope.json"),
        r"definition_file must be a readable Amazon States Language file, got 'nope\.json' ",
    ),
    # definition_file int
    (OP, dict(steps=None, definition_file=5), r"definition_file must be a path, got 5"),
    # steps+file
    (OP, dict(definition_file="x.json"), r"give either steps or definition_file, not both"),
    # neither
    (
        OP,
        dict(steps=None),
        r"give steps \(a list of Step\) or definition_file \(an Amazon States Language file\) ",
    ),
    # definition str
    (
        OP,
        dict(steps=None, definition="x"),
        r"definition must be an sfn\.IChainable \(a state or a chain\), got str",
    ),
    # functions with steps
    (
        OP,
        dict(functions={"A": spec()}),
        r"functions, topics, resources and substitutions go with definition_file; steps na",
    ),
    # substitutions with steps
    (
        OP,
        dict(substitutions={"A": "b"}),
        r"functions, topics, resources and substitutions go with definition_file; steps na",
    ),
    # resources with steps
    (
        OP,
        dict(resources={"A": 5}),
        r"resources\['A'\] must be a dynamodb\.ITable, sqs\.IQueue, events\.IEventBus, sfn\.ISta",
    ),
    # topics with steps
    (OP, dict(topics={"A": 5}), r"topics\['A'\] must be an sns\.ITopic, got int"),
    # policies str
    (OP, dict(policies=["x"]), r"policies\[0\] must be an iam\.PolicyStatement, got str"),
    # notify_success str
    (OP, dict(notify_success="yes"), r"notify_success must be True, False or None, got 'yes'"),
    # notify_failure int
    (OP, dict(notify_failure=1), r"notify_failure must be True, False or None, got 1"),
    # notification_topic str
    (
        OP,
        dict(notification_topic="arn:aws:sns:us-east-1:123456789012:t"),
        r"notification_topic must be an sns\.ITopic, got 'arn:aws:sns:us-east-1:12345678901",
    ),
    # type str
    (
        OP,
        dict(state_machine_type="EXPRESS"),
        r"state_machine_type must be sfn\.StateMachineType\.STANDARD or EXPRESS, got 'EXPRES",
    ),
    # timeout int
    (OP, dict(timeout=10), r"timeout \(a Standard workflow\) must be a Duration, got 10"),
    # timeout 0
    (OP, dict(timeout=SEC(0)), r"timeout \(a Standard workflow\) must be 1\.\.31536000 seconds, got 0"),
    # timeout ms
    (
        OP,
        dict(timeout=cdk.Duration.millis(1500)),
        r"timeout \(a Standard workflow\) must be whole seconds, got 1\.5",
    ),
    # timeout express long
    (
        OP,
        dict(timeout=cdk.Duration.minutes(6), state_machine_type=sfn.StateMachineType.EXPRESS),
        r"timeout \(an Express workflow\) must be 1\.\.300 seconds, got 360",
    ),
    # timeout 2y
    (
        OP,
        dict(timeout=cdk.Duration.days(800)),
        r"timeout \(a Standard workflow\) must be 1\.\.31536000 seconds, got 69120000",
    ),
    # log_level OFF
    (
        OP,
        dict(log_level=sfn.LogLevel.OFF),
        r"log_level must be ALL, ERROR or FATAL, got OFF: the execution history is always ",
    ),
    # log_level str
    (OP, dict(log_level="ALL"), r"log_level must be an sfn\.LogLevel \(ALL, ERROR or FATAL\), got 'ALL'"),
    # include_execution_data str
    (OP, dict(include_execution_data="yes"), r"include_execution_data must be True or False, got 'yes'"),
    # log_retention int
    (OP, dict(log_retention=30), r"log_retention must be a logs\.RetentionDays, got 30"),
    # triggers not list
    (OP, dict(triggers=Trigger.api()), r"triggers must be a list of Trigger, got Trigger"),
    # triggers str
    (OP, dict(triggers=["x"]), r"triggers\[0\] must be a Trigger, got str"),
    # trigger kind
    (
        OP,
        dict(triggers=[Trigger("nope")]),
        r"triggers\[0\]\.kind must be one of schedule, event, api, got 'nope'",
    ),
    # schedule bad
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(99 99 * * ? *)")]),
        r"triggers\[0\]\.schedule cron minutes must be 0\.\.59, got 99 in 'cron\(99 99 \* \* \? \*\)'",
    ),
    # schedule rate 0
    (
        OP,
        dict(triggers=[Trigger.on_schedule("rate(0 minutes)")]),
        r"triggers\[0\]\.schedule must be rate\(1 unit\) or rate\(N units\) with N >= 1, got 'rat",
    ),
    # schedule rate 1 minutes
    (
        OP,
        dict(triggers=[Trigger.on_schedule("rate(1 minutes)")]),
        r"triggers\[0\]\.schedule must be rate\(1 unit\) or rate\(N units\) with N >= 1, got 'rat",
    ),
    # schedule rate 5 minute
    (
        OP,
        dict(triggers=[Trigger.on_schedule("rate(5 minute)")]),
        r"triggers\[0\]\.schedule must be rate\(1 unit\) or rate\(N units\) with N >= 1, got 'rat",
    ),
    # schedule cron 5 fields
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 * * ?)")]),
        r"triggers\[0\]\.schedule cron needs 6 fields \(minutes hours day-of-month month day-o",
    ),
    # schedule cron two ?
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 ? * ? *)")]),
        r"triggers\[0\]\.schedule cron needs '\?' in exactly one of day-of-month and day-of-we",
    ),
    # schedule cron no ?
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 * * * *)")]),
        r"triggers\[0\]\.schedule cron needs '\?' in exactly one of day-of-month and day-of-we",
    ),
    # schedule cron step 0
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0/0 2 * * ? *)")]),
        r"triggers\[0\]\.schedule cron minutes step must be a whole number >= 1, got '0/0' in",
    ),
    # schedule cron # 6
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 ? * 2#6 *)")]),
        r"triggers\[0\]\.schedule cron day-of-week '#' must be 1\.\.5, got '2#6' in 'cron\(0 2 \?",
    ),
    # schedule cron letters
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(a b * * ? *)")]),
        r"triggers\[0\]\.schedule cron minutes may hold numbers, the wildcards , - \* /, got '",
    ),
    # schedule cron XYZ
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 ? * XYZ *)")]),
        r"triggers\[0\]\.schedule cron day-of-week may hold numbers, SUN, MON, TUE, WED, THU,",
    ),
    # schedule cron year 1800
    (
        OP,
        dict(triggers=[Trigger.on_schedule("cron(0 2 * * ? 1800)")]),
        r"triggers\[0\]\.schedule cron year must be 1970\.\.2199, got 1800 in 'cron\(0 2 \* \* \? 1",
    ),
    # schedule int
    (
        OP,
        dict(triggers=[Trigger.on_schedule(5)]),
        r"triggers\[0\]\.schedule must be a cron\(\.\.\.\)/rate\(\.\.\.\) expression, got 5",
    ),
    # schedule input str
    (
        OP,
        dict(triggers=[Trigger.on_schedule("rate(1 day)", input="x")]),
        r"triggers\[0\]\.input must be a mapping \(the execution input\), got 'x'",
    ),
    # schedule input set
    (
        OP,
        dict(triggers=[Trigger.on_schedule("rate(1 day)", input={1, 2})]),
        r"triggers\[0\]\.input must be a mapping \(the execution input\), got \{1, 2\}",
    ),
    # event pattern empty
    (
        OP,
        dict(triggers=[Trigger.on_event(events.EventPattern())]),
        r"triggers\[0\]\.event_pattern must be an events\.EventPattern matching something",
    ),
    # event pattern dict
    (
        OP,
        dict(triggers=[Trigger.on_event({"source": ["x"]})]),
        r"triggers\[0\]\.event_pattern must be an events\.EventPattern matching something",
    ),
    # event input_path bad
    (
        OP,
        dict(triggers=[Trigger.on_event(events.EventPattern(source=["x"]), input_path="detail")]),
        r"triggers\[0\]\.input_path must be a JSONPath starting with '\$', got 'detail'",
    ),
    # event bus str
    (
        OP,
        dict(triggers=[Trigger.on_event(events.EventPattern(source=["x"]), event_bus="default")]),
        r"triggers\[0\]\.event_bus must be an events\.IEventBus, got str",
    ),
    # api path bad
    (
        OP,
        dict(triggers=[Trigger.api(path="executions")]),
        r"triggers\[0\]\.path must be '/' then static segments of letters, digits or '\._\~-', ",
    ),
    # api path param
    (
        OP,
        dict(triggers=[Trigger.api(path="/x/{id}")]),
        r"triggers\[0\]\.path must be '/' then static segments of letters, digits or '\._\~-', ",
    ),
    # api rate 0
    (
        OP,
        dict(triggers=[Trigger.api(throttling_rate_limit=0)]),
        r"triggers\[0\]\.throttling_rate_limit must be 1\.\.10000, got 0",
    ),
    # api rate nan
    (
        OP,
        dict(triggers=[Trigger.api(throttling_rate_limit=math.nan)]),
        r"triggers\[0\]\.throttling_rate_limit must be 1\.\.10000, got nan",
    ),
    # api rate str
    (
        OP,
        dict(triggers=[Trigger.api(throttling_rate_limit="10")]),
        r"triggers\[0\]\.throttling_rate_limit must be a number, got '10'",
    ),
    # api burst neg
    (
        OP,
        dict(triggers=[Trigger.api(throttling_burst_limit=-1)]),
        r"triggers\[0\]\.throttling_burst_limit must be 0\.\.5000, got -1",
    ),
    # api burst frac
    (
        OP,
        dict(triggers=[Trigger.api(throttling_burst_limit=1.5)]),
        r"triggers\[0\]\.throttling_burst_limit must be a whole number of requests, got 1\.5",
    ),
    # api burst str
    (
        OP,
        dict(triggers=[Trigger.api(throttling_burst_limit="5")]),
        r"triggers\[0\]\.throttling_burst_limit must be a number, got '5'",
    ),
    # api burst bool
    (
        OP,
        dict(triggers=[Trigger.api(throttling_burst_limit=True)]),
        r"triggers\[0\]\.throttling_burst_limit must be a number, got True",
    ),
    # api stage bad
    (
        OP,
        dict(triggers=[Trigger.api(stage_name="a b")]),
        r"triggers\[0\]\.stage_name must be 1\.\.128 letters, digits or underscores, got 'a b'",
    ),
    # api waf bad
    (
        OP,
        dict(triggers=[Trigger.api(web_acl_arn="acl")]),
        r"triggers\[0\]\.web_acl_arn must be a WAFv2 web ACL ARN, got 'acl'",
    ),
    # api two
    (
        OP,
        dict(triggers=[Trigger.api(), Trigger.api(path="/other")]),
        r"triggers may have at most one Trigger\.api\(\), got 2",
    ),
    # api logging role str
    (
        OP,
        dict(triggers=[Trigger.api(account_logging_role="yes")]),
        r"triggers\[0\]\.account_logging_role must be True or False, got 'yes'",
    ),
    # api schema str
    (
        OP,
        dict(triggers=[Trigger.api(request_schema="{}")]),
        r"triggers\[0\]\.request_schema must be an apigw\.JsonSchema, got '\{\}'",
    ),
    # deployment str
    (OP, dict(deployment="canary"), r"deployment must be a DeploymentStrategy, got str"),
    # monitoring str
    (OP, dict(monitoring="x"), r"monitoring must be a MonitoringOptions, got str"),
    (OP, from_file(functions=True), r"functions must be a mapping of names, got bool"),
    (OP, {"topics": "cron(0 2 * * ? *)"}, r"topics must be a mapping of names, got str"),
    (OP, from_file(resources=True), r"resources must be a mapping of names, got bool"),
    (OP, from_file(substitutions=True), r"substitutions must be a mapping of names, got bool"),
    (OP, {"policies": None}, r"policies must be a list of iam\.PolicyStatement, got NoneType"),
    (OP, from_file(functions={"Run": "fn"}), r"functions\['Run'\] must be a FunctionSpec, got str"),
    (OP, from_file(functions={}), r"Parameters\.FunctionName \$\{RunArn\} binds to no function"),
    (
        OP,
        from_file(functions={"Run": spec(), "Other": spec()}),
        r"functions\['Other'\] is not called by any state",
    ),
    (
        OP,
        from_file(functions={"Run": spec(), "Load-Data": spec(), "Load_Data": spec()}),
        r"functions: 'Load-Data' and 'Load_Data' differ only in characters other than letters and digits",
    ),
    (
        OP,
        from_file(functions={"Run": spec(memory_size=64)}),
        r"functions\['Run'\]\.memory_size must be 128\.\.10240 MB",
    ),
    (
        OP,
        from_file(substitutions={"Stage": "p", "Function_X": "v"}),
        r"substitutions key 'Function_X' must be letters",
    ),
    (OP, from_file(substitutions={"Stage": "p", "a-b": "v"}), r"substitutions key 'a-b' must be letters"),
    (
        OP,
        from_file(substitutions={"Stage": "p", "Other": "v"}),
        r"substitutions\['Other'\] is not used by the definition",
    ),
    (
        OP,
        from_file(substitutions={"Stage": 5}),
        r"substitutions\['Stage'\] must be a string \(or a string token\), got 5",
    ),
    (OP, from_file(substitutions=None), r"Parameters\.Stage \$\{Stage\} is bound by nothing"),
    (OP, from_file(notify_success=True), r"notify_success and notify_failure go with steps"),
    (OP, from_file(notify_failure=False), r"notify_success and notify_failure go with steps"),
    (OP, from_file(topics={"T": "arn"}), r"topics\['T'\] must be an sns\.ITopic, got str"),
    (
        OP,
        from_file(resources={"Data": bucket("Data")}),
        r"resources\['Data'\] is not used by any state of the definition",
    ),
    (OP, from_file(resources={"Data": 5}), r"resources\['Data'\] must be a dynamodb\.ITable"),
    (OP, from_file(policies=[5]), r"policies\[0\] must be an iam\.PolicyStatement, got int"),
    (
        OP,
        {"steps": None, "definition_file": str(Path(__file__))},
        r"definition_file '[^']*test_corpus\.py' is not JSON",
    ),
]


_SHARED_BUCKET: dict[int, s3.IBucket] = {}


def _shared_bucket(stack: cdk.Stack) -> s3.IBucket:
    """One imported bucket per stack, given as both ``bucket`` and ``output_bucket``."""
    found = _SHARED_BUCKET.get(id(stack))
    if found is None or found.stack is not stack:
        found = _SHARED_BUCKET[id(stack)] = s3.Bucket.from_bucket_name(stack, "Shared", "shared-bucket")
    return found


def _chain(stack: cdk.Stack, name: str) -> s3.IBucket:
    """An S3Processor ``First`` reading bucket b-one under ``in/`` and writing to b-two under
    ``out/``; returns b-two."""
    out = s3.Bucket.from_bucket_name(stack, "Two", name)
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


def _registered_rows() -> list[tuple[str, dict[str, Any], str]]:
    """The ``invalid`` rows of every registered pattern's ``cases.py`` (tests/pattern_cases.py)."""
    return [
        (pattern, props, message)
        for pattern, cases in all_cases().items()
        for props, message in cases.invalid
    ]


# The tables above hold the rows of the first five patterns; every pattern's own rows come from its
# cases.py, found through the registry.
CASES = [*_function_rows(), *_shared_rows(), *_PATTERN_ROWS, *_PIPELINE_ROWS, *_registered_rows()]


def show(value: Any) -> str:
    """A value as a test id shows it, the same in every process (no object addresses)."""
    if isinstance(value, cdk.Duration):
        return value.to_human_string()
    if isinstance(value, enum.Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = [
            f"{f.name}={show(getattr(value, f.name))}"
            for f in dataclasses.fields(value)
            if getattr(value, f.name) != _BASE.get(f.name, _default(f))
        ]
        return f"{type(value).__name__}({','.join(changed)})"
    if isinstance(value, dict):
        return "{" + ",".join(f"{show(k)}:{show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(show(v) for v in value) + "]"
    if value is None or isinstance(value, str | int | float | Make):
        return repr(value)
    return type(value).__name__


_BASE = {"code": HANDLER, "handler": "app.handler"}


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _id(row: tuple[str, dict[str, Any], str]) -> str:
    pattern, props, _ = row
    text = re.sub(r"\s+", " ", ",".join(f"{k}={show(v)}" for k, v in props.items()))
    return f"{pattern}:{text[:100]}"


@pytest.mark.parametrize(("pattern", "props", "message"), CASES, ids=[_id(c) for c in CASES])
def test_wrong_prop_raises_one_clear_error(pattern: str, props: dict[str, Any], message: str) -> None:
    with pytest.raises(PatternValidationError, match=message):
        build(pattern, props)


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 150, len(CASES)


def test_every_registered_pattern_has_rows() -> None:
    assert {row[0] for row in CASES} == set(all_cases())
