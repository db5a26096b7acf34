"""Answers which version runs; the tests rewrite VERSION and FAILING."""

import json
import random

VERSION = 1
FAILING = 0.0  # the share of calls that fail


def handler(event, context):
    if random.random() < FAILING:
        raise RuntimeError(f"version {VERSION} failed")
    return {"statusCode": 200, "body": json.dumps({"version": VERSION})}
