"""FanoutQueue's material for the shared tests (tests/pattern_cases.py). Its wrong-prop and
valid-edge rows are in the shared tables of tests/validation/, which predate this file."""

from __future__ import annotations

import dataclasses
from typing import Any

from serverless_patterns import QueueOptions
from serverless_patterns.patterns.fanout_queue import FanoutQueue, Subscriber
from tests.pattern_cases import PatternCases, PropertyGroup, spec
from tests.patterns.test_fanout_queue import build_default, build_maximal

_QUEUE = "queue."


def _subscriber(values: dict[str, Any]) -> dict[str, Any]:
    """One subscriber ``a`` from the drawn fields (``queue.<field>`` are its QueueOptions')."""
    fields = {k: v for k, v in values.items() if not k.startswith(_QUEUE)}
    queue = {k.removeprefix(_QUEUE): v for k, v in values.items() if k.startswith(_QUEUE)}
    if queue:
        fields["queue"] = QueueOptions(**queue)
    fields.setdefault("function", spec())
    return {"subscribers": {"a": Subscriber(**fields)}}


CASES = PatternCases(
    base_props=lambda: {"subscribers": {"a": Subscriber(function=spec())}},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: FanoutQueue(stack, "Fanout", subscribers={"worker": Subscriber(function=spec())}),
    stage_log_groups=1,
    function_prop=lambda function: {"subscribers": {"a": Subscriber(function=function)}},
    groups={
        "subscriber": PropertyGroup(
            fields=[
                *(f.name for f in dataclasses.fields(Subscriber)),
                *(_QUEUE + f.name for f in dataclasses.fields(QueueOptions)),
            ],
            props=_subscriber,
        )
    },
    acknowledgments={
        "fanout": lambda stack, fn: FanoutQueue(
            stack, "Orders", subscribers={"billing": Subscriber(function=fn)}
        )
    },
)
