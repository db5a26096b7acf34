"""The local cloud's IAM reads the durable execution API as AWS authorizes it: on the execution's
ARN, so the pattern's checkpoint statement allows the function's own executions and no other's."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from serverless_patterns.local.iam import Request, evaluate, read_request

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders"
EXECUTION = f"{FUNCTION}:3/durable-execution/order-1/0f9c5a1e-6d1b-4c47-9a55-2a3c1a8d9e01"
# DurableWorkflow's checkpoint statement, resolved.
POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
            "Resource": f"{FUNCTION}:*/durable-execution/*",
        }
    ]
}


def read(method: str, path: str) -> Request | None:
    return read_request("lambda", method, path, "", {}, b"", "us-east-1", "123456789012")


@pytest.mark.parametrize(
    ("method", "suffix", "action"),
    [
        ("POST", "/checkpoint", "lambda:CheckpointDurableExecution"),
        ("GET", "/state", "lambda:GetDurableExecutionState"),
        ("GET", "/history", "lambda:GetDurableExecutionHistory"),
        ("POST", "/stop", "lambda:StopDurableExecution"),
        ("GET", "", "lambda:GetDurableExecution"),
    ],
)
def test_durable_calls_are_read_on_the_execution_arn(method: str, suffix: str, action: str) -> None:
    # The SDK sends the ARN percent-encoded; the server hands the path on decoded.
    for arn in (EXECUTION, quote(EXECUTION, safe="")):
        assert read(method, f"/2025-12-01/durable-executions/{arn}{suffix}") == Request(action, (EXECUTION,))


def test_listing_is_read_on_the_function() -> None:
    assert read("GET", "/2025-12-01/functions/orders/durable-executions") == Request(
        "lambda:ListDurableExecutionsByFunction", (FUNCTION,)
    )


def test_the_checkpoint_statement_allows_its_own_executions_only() -> None:
    own = read("POST", f"/2025-12-01/durable-executions/{EXECUTION}/checkpoint")
    other = read(
        "POST", f"/2025-12-01/durable-executions/{EXECUTION.replace(':orders:', ':payments:')}/checkpoint"
    )
    assert own is not None and other is not None
    assert evaluate([POLICY], own).allowed
    assert not evaluate([POLICY], other).allowed
    history = read("GET", f"/2025-12-01/durable-executions/{EXECUTION}/history")
    assert history is not None and not evaluate([POLICY], history).allowed
