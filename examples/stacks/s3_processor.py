"""S3Processor example: JPEGs uploaded under uploads/ are described under thumbnails/."""

import aws_cdk as cdk

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.s3_processor import S3Processor

from . import ENV


def build(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "Images", env=ENV, description="serverless-patterns example: S3Processor")
    images = S3Processor(
        stack,
        "Images",
        function=FunctionSpec(code="handlers/images", handler="thumbnail.handler"),
        prefix="uploads/",
        suffix=".jpg",
        output_prefix="thumbnails/",
    )
    cdk.CfnOutput(stack, "BucketName", value=images.bucket.bucket_name)
    return stack
