"""Answers with what API Gateway told it of the caller."""

import json


def handler(event, context):
    request = event.get("requestContext") or {}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(
            {
                "path": event.get("path") or event.get("rawPath"),
                "authorizer": request.get("authorizer"),
                "userArn": (request.get("identity") or {}).get("userArn"),
            }
        ),
    }
