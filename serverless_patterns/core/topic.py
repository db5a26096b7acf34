"""SNS topics, written once: encrypted with a customer-managed KMS key (rotation on), TLS-only, and
a publish grant that names the exact key actions publishing needs."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

__all__ = ["encrypted_topic", "grant_publish"]


def encrypted_topic(
    scope: Construct,
    id: str,
    *,
    key_id: str,
    key_description: str,
    fifo: bool = False,
    content_based_deduplication: bool = False,
    display_name: str | None = None,
    service_publishers: Sequence[str] = (),
) -> tuple[sns.Topic, kms.Key]:
    """A topic encrypted with its own customer-managed key (rotation on) and a TLS-only policy.

    ``service_publishers`` are service principals (``cloudwatch.amazonaws.com``) that publish to the
    topic and so need the key: the key policy lets them use it. Principals in the account get the
    key through IAM (:func:`grant_publish`), which the default key policy enables.
    """
    key = kms.Key(scope, key_id, enable_key_rotation=True, description=key_description)
    if service_publishers:
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal(service) for service in service_publishers],
                resources=["*"],
            )
        )
    topic = sns.Topic(
        scope,
        id,
        master_key=key,
        enforce_ssl=True,
        display_name=display_name,
        fifo=True if fifo else None,
        content_based_deduplication=True if content_based_deduplication else None,
    )
    return topic, key


def grant_publish(topic: sns.ITopic, key: kms.IKey | None, grantee: iam.IGrantable) -> iam.Grant:
    """Lets ``grantee`` publish to ``topic``.

    For a topic encrypted with ``key`` (one this library created), the key actions are exactly
    ``kms:GenerateDataKey`` and ``kms:Decrypt``, what publishing to an encrypted topic needs, instead
    of the ``kms:GenerateDataKey*`` wildcard of ``topic.grant_publish``; for any other topic,
    ``topic.grant_publish`` decides.
    """
    if key is None:
        return topic.grant_publish(grantee)
    grant = iam.Grant.add_to_principal_or_resource(
        grantee=grantee, actions=["sns:Publish"], resource_arns=[topic.topic_arn], resource=topic
    )
    return grant.combine(key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt"))
