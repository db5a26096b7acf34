"""The local IAM evaluation on its own: what allows, what denies, how requests are read."""

from __future__ import annotations

import json

import pytest

from serverless_patterns.local.iam import Request, evaluate, read_request

pytestmark = pytest.mark.e2e

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": [TABLE, f"{TABLE}/index/*"],
        },
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs"},
        {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "arn:aws:states:*"},
    ],
}


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        ("dynamodb:GetItem", TABLE, True),
        ("DynamoDB:getitem", TABLE, True),  # actions are case-insensitive
        ("dynamodb:Query", f"{TABLE}/index/byCustomer", True),
        ("dynamodb:PutItem", TABLE, False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/Other", False),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs", True),
        ("sqs:DeleteQueue", "arn:aws:sqs:us-east-1:123456789012:jobs", False),  # explicit deny wins
        ("states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:x", True),
        ("s3:GetObject", "arn:aws:states:us-east-1:123456789012:stateMachine:x", False),
    ],
)
def test_evaluation(action: str, resource: str, allowed: bool) -> None:
    assert evaluate([POLICY], Request(action, (resource,))).allowed is allowed


def test_every_resource_of_a_call_must_be_allowed() -> None:
    body = json.dumps({"RequestItems": {"Orders": [], "Other": []}}).encode()
    request = read_request(
        "dynamodb",
        "POST",
        "/",
        "",
        {"x-amz-target": "DynamoDB_20120810.BatchGetItem"},
        body,
        "us-east-1",
        "123456789012",
    )
    assert request == Request(
        "dynamodb:BatchGetItem", (TABLE, "arn:aws:dynamodb:us-east-1:123456789012:table/Other")
    )
    decision = evaluate([POLICY], request)
    assert not decision.allowed
    assert decision.reason.endswith("table/Orders")


@pytest.mark.parametrize(
    ("service", "method", "path", "query", "target", "body", "expected"),
    [
        (
            "sqs",
            "POST",
            "/",
            "",
            "AmazonSQS.SendMessage",
            b'{"QueueUrl": "http://localhost:5000/123456789012/jobs"}',
            Request("sqs:SendMessage", ("arn:aws:sqs:us-east-1:123456789012:jobs",)),
        ),
        (
            "sns",
            "POST",
            "/",
            "",
            "",
            b"Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At",
            Request("sns:Publish", ("arn:aws:sns:us-east-1:123456789012:t",)),
        ),
        (
            "monitoring",
            "POST",
            "/",
            "",
            "",
            b"Action=PutMetricData&Namespace=Shop",
            Request("cloudwatch:PutMetricData", ("*",)),
        ),
        (
            "s3",
            "PUT",
            "/bucket/a/b.txt",
            "",
            "",
            b"",
            Request("s3:PutObject", ("arn:aws:s3:::bucket/a/b.txt",)),
        ),
        (
            "s3",
            "GET",
            "/bucket",
            "list-type=2&prefix=a",
            "",
            b"",
            Request("s3:ListBucket", ("arn:aws:s3:::bucket",)),
        ),
        (
            "lambda",
            "POST",
            "/2015-03-31/functions/worker/invocations",
            "Qualifier=live",
            "",
            b"{}",
            Request("lambda:InvokeFunction", ("arn:aws:lambda:us-east-1:123456789012:function:worker:live",)),
        ),
    ],
)
def test_requests_are_read_as_iam_sees_them(
    service: str, method: str, path: str, query: str, target: str, body: bytes, expected: Request
) -> None:
    headers = {"x-amz-target": target} if target else {"content-type": "application/x-www-form-urlencoded"}
    assert read_request(service, method, path, query, headers, body, "us-east-1", "123456789012") == expected
