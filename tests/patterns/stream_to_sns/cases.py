"""StreamToSns's material for the shared tests (tests/pattern_cases.py). Its wrong-prop and
valid-edge rows are in the shared tables of tests/validation/, which predate this file."""

from __future__ import annotations

from serverless_patterns.patterns.stream_to_sns import StreamToSns
from tests.pattern_cases import PatternCases
from tests.patterns.test_stream_to_sns import build_default, build_maximal

CASES = PatternCases(
    base_props=lambda: {"partition_key": "pk"},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: StreamToSns(stack, "Orders", partition_key="id"),
    stage_log_groups=1,  # the built-in forwarder's
    function_prop=lambda function: {"function": function},
    acknowledgments={"stream": lambda stack, fn: StreamToSns(stack, "Changes", partition_key="pk")},
)
