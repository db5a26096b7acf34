"""Copies each object it is told about under processed/; refuses keys containing 'bad' while the
object in/FAIL exists (the switch the redrive tests turn off before redriving)."""

import json
import os
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")


def _failing():
    try:
        s3.head_object(Bucket=os.environ["BUCKET_NAME"], Key="in/FAIL")
    except ClientError:
        return False
    return True


def _records(event):
    for record in event["Records"]:
        if "body" in record:  # through the buffer queue
            yield record["messageId"], json.loads(record["body"]).get("Records", [])
        else:  # invoked by S3 directly
            yield None, [record]


def handler(event, context):
    failures = []
    for message_id, entries in _records(event):
        try:
            for entry in entries:
                key = unquote_plus(entry["s3"]["object"]["key"])
                if "bad" in key and _failing():
                    raise ValueError(f"refusing {key}")
                body = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=key)["Body"].read()
                s3.put_object(Bucket=os.environ["BUCKET_NAME"], Key=f"processed/{key}", Body=body)
        except ValueError:
            if message_id is None:
                raise
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
