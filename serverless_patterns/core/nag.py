"""Rule-pack acknowledgments, written once.

A construct acknowledges a cdk-nag finding only on the one resource it concerns, with a reason a
security reviewer would accept. ``Validations.of(...).acknowledge`` records the acknowledgment as
construct metadata that the cdk-nag 3.x validation plugins read; nothing changes in the template.
Several acknowledgments on one construct go in one call (each call is a round trip to jsii).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["acknowledge", "acknowledge_all", "finding_resource"]


def acknowledge(construct: IConstruct, rule: str, reason: str, *, finding: str | None = None) -> None:
    """Acknowledges ``rule`` (``"AwsSolutions-IAM5"``, ``"Serverless-LambdaDLQ"``) on ``construct``.

    ``finding`` narrows the acknowledgment to one finding of the rule, for example
    ``"Resource::*"`` for IAM5; without it every finding of the rule on the construct is covered.
    """
    acknowledge_all(construct, [(rule, reason, finding)])


def acknowledge_all(construct: IConstruct, items: Iterable[tuple[str, str, str | None]]) -> None:
    """Acknowledges each ``(rule, reason, finding)`` of ``items`` on ``construct``, as
    :func:`acknowledge` does, in one call."""
    acknowledgments = [
        cdk.Acknowledgment(
            id=f"{rule.split('-', 1)[0]}::{rule}" + (f"[{finding}]" if finding else ""), reason=reason
        )
        for rule, reason, finding in items
    ]
    if acknowledgments:
        cdk.Validations.of(construct).acknowledge(*acknowledgments)


def finding_resource(value: Any) -> str:
    """A resolved resource (``stack.resolve(arn)``) as cdk-nag's ``flattenCfnReference`` writes it in
    a finding: ``<AWS::Partition>``, ``<Logical.Arn>``; for the ``finding`` of :func:`acknowledge`."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), *_ = value.items()
        if function == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(finding_resource(i) for i in items)
        if function == "Fn::Sub":
            return finding_resource(argument)
        if function == "Fn::GetAtt":
            return f"<{finding_resource(argument[0])}.{finding_resource(argument[1])}>"
        if function == "Fn::ImportValue":
            return finding_resource(argument)
        if function == "Ref":
            return f"<{finding_resource(argument)}>"
    return json.dumps(value, separators=(",", ":"))
