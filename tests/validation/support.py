"""What the validation corpus and the property-based test share: each registered pattern built in a
fresh stack from a valid base configuration (its ``cases.py``, see ``tests/pattern_cases.py``) with
some props replaced.

A replacement that needs the stack (a bucket, a table, a topic, a layer) is a :class:`Make`, called
with the stack when the pattern is built.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from serverless_patterns._registry import PATTERNS as REGISTERED
from tests.pattern_cases import HANDLER, all_cases, spec

__all__ = ["CONTEXT", "HANDLER", "PATTERNS", "Make", "base_props", "build", "spec"]

# Synthesis checks every template against CloudFormation's resource schemas and fails on a violation.
CONTEXT = {"@aws-cdk/core:validateAgainstDefaultRules": True}


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
    pattern.construct: getattr(importlib.import_module(pattern.qualified_module), pattern.construct)
    for pattern in REGISTERED
}
"""Every registered pattern's construct class, by name, in the registry's order."""


def base_props(pattern: str) -> dict[str, Any]:
    """The smallest valid props of ``pattern`` (its ``cases.py``)."""
    return all_cases()[pattern].base_props()


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
