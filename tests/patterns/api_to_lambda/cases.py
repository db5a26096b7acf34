"""ApiToLambda's material for the shared tests (tests/pattern_cases.py). Its wrong-prop and
valid-edge rows are in the shared tables of tests/validation/, which predate this file."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from serverless_patterns import FunctionSpec
from serverless_patterns.patterns.api_to_lambda import ApiToLambda, Authorization, Cors
from tests.pattern_cases import PatternCases, spec
from tests.patterns.test_api_to_lambda import build_default, build_maximal


def _api(authorization: Authorization, **props: Any) -> Any:
    def build(stack: cdk.Stack, fn: FunctionSpec) -> ApiToLambda:
        return ApiToLambda(stack, "Api", function=fn, authorization=authorization, **props)

    return build


CASES = PatternCases(
    base_props=lambda: {"routes": {"GET /users/{id}": spec()}},
    build_default=build_default,
    build_maximal=build_maximal,
    stage=lambda stack: ApiToLambda(stack, "Api", routes={"GET /items": spec()}),
    stage_log_groups=2,  # the function's and the access log
    function_prop=lambda function: {"routes": {"GET /users/{id}": function}},
    options={"authorization": Authorization.iam, "cors": lambda: Cors(allow_origins=["*"])},
    acknowledgments={
        "api-iam-cors": _api(Authorization.iam(), cors=Cors(allow_origins=["https://example.com"])),
        "api-none": _api(Authorization.none()),
        "api-key": _api(Authorization.api_key()),
        "api-lambda": lambda stack, fn: ApiToLambda(
            stack, "Api", function=fn, authorization=Authorization.lambda_authorizer(fn)
        ),
    },
)
