"""Calls what its role was granted (reading one table) and what it was not (writing it, a queue)."""

import os

import boto3
from botocore.exceptions import ClientError


def attempt(call):
    try:
        call()
        return "ok"
    except ClientError as error:
        return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"


def handler(event, context):
    table = os.environ["TABLE_NAME"]
    ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    return {
        "read": attempt(lambda: ddb.get_item(TableName=table, Key={"id": {"S": "x"}})),
        "write": attempt(lambda: ddb.put_item(TableName=table, Item={"id": {"S": "ungranted"}})),
        "send": attempt(lambda: sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")),
    }
