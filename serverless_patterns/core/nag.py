"""Rule-pack acknowledgments, written once.

A construct acknowledges a cdk-nag finding only on the one resource it concerns, with a reason a
security reviewer would accept. ``Validations.of(...).acknowledge`` records the acknowledgment as
construct metadata that the cdk-nag 3.x validation plugins read; nothing changes in the template.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["acknowledge"]


def acknowledge(construct: IConstruct, rule: str, reason: str, *, finding: str | None = None) -> None:
    """Acknowledges ``rule`` (``"AwsSolutions-IAM5"``, ``"Serverless-LambdaDLQ"``) on ``construct``.

    ``finding`` narrows the acknowledgment to one finding of the rule, for example
    ``"Resource::*"`` for IAM5; without it every finding of the rule on the construct is covered.
    """
    pack = rule.split("-", 1)[0]
    rule_id = f"{pack}::{rule}" + (f"[{finding}]" if finding else "")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
