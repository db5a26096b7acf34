"""Rule-pack acknowledgments, written once.

A construct acknowledges a cdk-nag finding only on the one resource it concerns, with a reason a
security reviewer would accept. ``Validations.of(...).acknowledge`` records the acknowledgment as
construct metadata that the cdk-nag 3.x validation plugins read; nothing changes in the template.
Several acknowledgments on one construct go in one call (each call is a round trip to jsii).
"""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["acknowledge", "acknowledge_all"]


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
