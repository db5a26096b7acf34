"""Statements that truly need ``Resource: "*"``, each in a policy of its own.

An action with no resource-level permission (X-Ray, ``dynamodb:ListStreams``, log delivery, a VPC
function's network interfaces) is granted on ``*`` in a policy that holds that one statement, and
only that policy acknowledges the rule packs' wildcard finding. A statement added to the role later
(a grant, the user's own) lands elsewhere and is judged as written (CONTRIBUTING.md, "Acknowledgments").

And the one shape of a resource policy's allow for an AWS service acting for one source only
(:func:`service_allow`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from aws_cdk import aws_iam as iam
from constructs import Construct

from .nag import acknowledge

__all__ = ["service_allow", "wildcard_policy"]


def wildcard_policy(
    role: iam.IRole, id: str, *, name: str, actions: Sequence[str], reason: str, role_name: str | None = None
) -> iam.CfnPolicy:
    """``actions`` on ``*`` for ``role``, as one ``AWS::IAM::Policy`` named ``name`` built from plain
    values, with the IAM5 ``Resource::*`` finding acknowledged on it alone for ``reason``.

    The policy is a child of the role, so whatever depends on the role (a function) waits for it.
    Pass ``role_name`` when it is at hand (each read is a jsii round trip).
    """
    policy = iam.CfnPolicy(
        cast(Construct, role),  # an IRole made in this app is a construct
        id,
        policy_name=name,
        roles=[role_name or role.role_name],
        policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": list(actions) if len(actions) > 1 else actions[0],
                    "Resource": "*",
                }
            ],
        },
    )
    acknowledge(policy, "AwsSolutions-IAM5", reason, finding="Resource::*")
    return policy


def service_allow(
    sid: str, service: str, action: str, resource: str, conditions: Mapping[str, Any]
) -> iam.PolicyStatement:
    """A resource policy's statement letting the AWS ``service`` (``events.amazonaws.com``) take
    ``action`` on ``resource`` under ``conditions``: the source it acts for, against a confused deputy."""
    return iam.PolicyStatement(
        sid=sid,
        actions=[action],
        principals=[iam.ServicePrincipal(service)],
        resources=[resource],
        conditions=dict(conditions),
    )
