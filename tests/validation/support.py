"""What the validation corpus and the property-based test share: each pattern built in a fresh stack
from a valid base configuration with some props replaced.

A replacement that needs the stack (a bucket, a table, a topic, a layer) is a :class:`Make`, called
with the stack when the pattern is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.api_to_lambda import ApiToLambda
from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber
from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Step
from serverless_patterns.patterns.s3_processor import S3Processor
from serverless_patterns.patterns.stream_to_sns import StreamToSns

# Synthesis checks every template against CloudFormation's resource schemas and fails on a violation.
CONTEXT = {"@aws-cdk/core:validateAgainstDefaultRules": True}
HANDLER = str(Path(__file__).parent.parent / "fixtures" / "handlers" / "echo")


def spec(**kwargs: Any) -> FunctionSpec:
    """The echo handler's spec, with ``kwargs`` replaced (any value, right type or not)."""
    props: dict[str, Any] = {"code": HANDLER, "handler": "app.handler", **kwargs}
    return FunctionSpec(**props)


@dataclass(frozen=True)
class Make:
    """A prop value built in the pattern's stack: ``Make(lambda stack: s3.Bucket(stack, "B"))``."""

    build: Callable[[cdk.Stack], Any]
    label: str = "made"

    def __repr__(self) -> str:
        return self.label


def bucket(id: str = "Mine") -> Make:
    return Make(lambda stack: s3.Bucket(stack, id), f"bucket({id})")


def streamed_table() -> Make:
    return Make(
        lambda stack: dynamodb.Table(
            stack,
            "Mine",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        ),
        "table",
    )


def topic(fifo: bool = False) -> Make:
    name = "orders.fifo" if fifo else "orders"
    return Make(
        lambda stack: sns.Topic.from_topic_arn(stack, "Topic", f"arn:aws:sns:us-east-1:123456789012:{name}"),
        f"topic({name})",
    )


def layer(id: str = "Layer") -> Make:
    return Make(
        lambda stack: lambda_.LayerVersion.from_layer_version_arn(
            stack, id, f"arn:aws:lambda:us-east-1:123456789012:layer:{id}:1"
        ),
        f"layer({id})",
    )


PATTERNS: dict[str, type] = {
    "ApiToLambda": ApiToLambda,
    "S3Processor": S3Processor,
    "StreamToSns": StreamToSns,
    "FanoutQueue": FanoutQueue,
    "OrchestratedPipeline": OrchestratedPipeline,
}


def base_props(pattern: str) -> dict[str, Any]:
    """The smallest valid props of ``pattern``."""
    return {
        "ApiToLambda": lambda: {"routes": {"GET /users/{id}": spec()}},
        "S3Processor": lambda: {"function": spec()},
        "StreamToSns": lambda: {"partition_key": "pk"},
        "FanoutQueue": lambda: {"subscribers": {"a": Subscriber(function=spec())}},
        "OrchestratedPipeline": lambda: {"steps": [Step("Run", spec())]},
    }[pattern]()


def _resolve(value: Any, stack: cdk.Stack) -> Any:
    """``value`` with every :class:`Make` in it built, in mappings, lists and dataclasses too."""
    if isinstance(value, Make):
        return value.build(stack)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        made = {}
        for f in dataclasses.fields(value):
            given = getattr(value, f.name)
            resolved = _resolve(given, stack)
            if resolved is not given:
                made[f.name] = resolved
        return dataclasses.replace(value, **made) if made else value
    if isinstance(value, Mapping):
        items = {k: _resolve(v, stack) for k, v in value.items()}
        return items if any(items[k] is not v for k, v in value.items()) else value
    if isinstance(value, list | tuple):
        resolved_items = [_resolve(v, stack) for v in value]
        if any(r is not v for r, v in zip(resolved_items, value, strict=True)):
            return type(value)(resolved_items)
    return value


def build(pattern: str, overrides: Mapping[str, Any], *, base: bool = True) -> tuple[cdk.App, Any]:
    """Builds ``pattern`` in a fresh app from its base props with ``overrides`` (one level of
    :class:`Make` resolved, wherever it is), and returns the app and the construct."""
    app = cdk.App(context=CONTEXT)
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    props = {**(base_props(pattern) if base else {}), **overrides}
    props = {k: _resolve(v, stack) for k, v in props.items()}
    construct = PATTERNS[pattern](stack, "P", **props)
    return app, construct
