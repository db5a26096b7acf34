"""OrchestratedPipeline's material for the shared tests (tests/pattern_cases.py). Its wrong-prop
rows are in the shared table of tests/validation/test_corpus.py, which predates this file."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_cdk import aws_stepfunctions as sfn

from serverless_patterns.patterns.orchestrated_pipeline import OrchestratedPipeline, Retry, Step, Trigger
from tests.pattern_cases import PatternCases, PropertyGroup, spec
from tests.patterns.test_orchestrated_pipeline import build_default, build_maximal

_SCHEDULE = "schedule"


def _trigger(values: dict[str, Any]) -> dict[str, Any]:
    """An API trigger from the drawn fields; else a schedule with the drawn expression."""
    api = {k: v for k, v in values.items() if k != _SCHEDULE}
    if api:
        return {"triggers": [Trigger("api", **api)]}
    return {"triggers": [Trigger.on_schedule(values[_SCHEDULE])]}


CASES = PatternCases(
    base_props=lambda: {"steps": [Step("Run", spec())]},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: OrchestratedPipeline(
        stack, "Pipeline", steps=[Step("Work", spec())], triggers=[Trigger.api()]
    ),
    stage_log_groups=3,  # the function's, the executions' and the API trigger's access log
    function_prop=lambda function: {"steps": [Step("Run", function)]},
    valid=[
        {"steps": [Step("Run", spec())], "triggers": [Trigger.on_schedule("rate(1 minute)"), Trigger.api()]}
    ],
    groups={
        "retry": PropertyGroup(
            fields=[f.name for f in dataclasses.fields(Retry)],
            props=lambda values: {"steps": [Step("Run", spec(), retry=Retry(**values))]},
        ),
        "trigger": PropertyGroup(
            fields=[*(f.name for f in dataclasses.fields(Trigger) if f.name != "kind"), _SCHEDULE],
            props=_trigger,
        ),
    },
    acknowledgments={
        "pipeline": lambda stack, fn: OrchestratedPipeline(
            stack, "Jobs", steps=[Step("Run", fn)], log_level=sfn.LogLevel.ERROR, triggers=[Trigger.api()]
        )
    },
)
