"""S3Processor's material for the shared tests (tests/pattern_cases.py). Its wrong-prop and
valid-edge rows are in the shared tables of tests/validation/, which predate this file."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from serverless_patterns import FunctionSpec, QueueOptions
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.pattern_cases import PatternCases, spec
from tests.patterns.test_s3_processor import build_default, build_maximal


def _encrypted_processor(stack: cdk.Stack, fn: FunctionSpec) -> S3Processor:
    """S3Processor reading one KMS-encrypted bucket of its stack and writing another."""
    out = s3.Bucket(
        stack,
        "Out",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=kms.Key(stack, "OutKey", enable_key_rotation=True),
        enforce_ssl=True,
        server_access_logs_bucket=s3.Bucket(
            stack, "OutLogs", enforce_ssl=True, server_access_logs_prefix="self/"
        ),
    )
    return S3Processor(stack, "Images", function=fn, prefix="in/", output_bucket=out, output_prefix="out/")


CASES = PatternCases(
    base_props=lambda: {"function": spec()},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: S3Processor(stack, "Uploads", function=spec()),
    stage_log_groups=1,
    function_prop=lambda function: {"function": function},
    options={"queue": QueueOptions},
    acknowledgments={
        "s3-queue": lambda stack, fn: S3Processor(stack, "Images", function=fn, prefix="in/"),
        "s3-kms": _encrypted_processor,
        "s3-direct-no-logs": lambda stack, fn: S3Processor(
            stack, "Images", function=fn, delivery=S3Delivery.DIRECT, access_logs=False
        ),
    },
)
