"""Writes to, then reads from, a TableV2."""

import os

import boto3


def handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.put_item(Item={"pk": event["pk"], "value": event["value"]})
    return table.get_item(Key={"pk": event["pk"]})["Item"]
