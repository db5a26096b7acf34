"""Prints the body of every message it receives (the redrive tests read it in the invocation logs)."""


def handler(event, context):
    for record in event["Records"]:
        print("received " + record["body"])
    return {"batchItemFailures": []}
