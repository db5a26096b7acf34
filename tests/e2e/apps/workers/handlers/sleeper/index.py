"""Sleeps, then writes: past its timeout the write must never happen."""

import os
import time

import boto3


def handler(event, context):
    print(f"sleeping {event['sleep']} s")
    time.sleep(float(event["sleep"]))
    boto3.client("dynamodb").put_item(
        TableName=os.environ["TABLE_NAME"], Item={"id": {"S": str(event["id"])}}
    )
    return {"wrote": event["id"]}
