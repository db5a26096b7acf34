"""Who holds an access key and what a Cognito user pool issued, as moto keeps them: what the local
API Gateway needs to check a signed request (``local/api_auth.py``) or a user pool token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from . import backend, read

__all__ = [
    "KeyHolder",
    "create_user_pool",
    "create_user_pool_client",
    "delete_user_pool",
    "identity_policies",
    "key_holder",
    "policy_documents",
    "pool_token",
]


@dataclass(frozen=True)
class KeyHolder:
    """The identity an access key belongs to."""

    secret: str
    active: bool
    arn: str
    """``arn:aws:iam::{account}:user/{name}``, or ``arn:aws:sts::{account}:assumed-role/{role}/{session}``."""
    user_name: str | None
    role_arn: str | None
    session_token: str | None
    """The session token issued with temporary credentials (None for a user's key, or when not known)."""
    principal_id: str


def key_holder(account_id: str, access_key: str) -> KeyHolder | None:
    """The user or assumed role of ``access_key`` in the local IAM and STS, or None."""
    iam = backend("iam", account_id)
    found = iam.access_keys.get(access_key)
    if found is None:
        return None
    active = str(getattr(found, "status", "Active")) == "Active"
    if found.user_name:
        user = iam.get_user(found.user_name)
        return KeyHolder(
            str(found.secret_access_key), active, str(user.arn), str(user.name), None, None, str(user.id)
        )
    role_arn = str(found.role_arn or "")
    if not role_arn:
        return None
    sts = read("moto.sts.models", "sts_backends")[account_id]["aws"]
    assumed = sts.get_assumed_role_from_access_key(access_key)
    session = str(assumed.session_name) if assumed is not None else "session"
    token = str(assumed.session_token) if assumed is not None else None
    role_id = ""
    try:
        role_id = str(iam.get_role_by_arn(role_arn).id)
    except Exception:
        role_id = "AROA" + access_key[4:]
    return KeyHolder(
        str(found.secret_access_key),
        active,
        f"arn:aws:sts::{account_id}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{session}",
        None,
        role_arn,
        token,
        f"{role_id}:{session}",
    )


def identity_policies(account_id: str, holder: KeyHolder) -> list[dict[str, Any]]:
    """The identity policies of a key's holder: a user's inline and attached policies and those of
    its groups, or the assumed role's."""
    iam = backend("iam", account_id)
    holders: list[Any] = []
    if holder.user_name is not None:
        holders.append(iam.get_user(holder.user_name))
        holders.extend(iam.get_groups_for_user(holder.user_name))
    elif holder.role_arn is not None:
        try:
            holders.append(iam.get_role_by_arn(holder.role_arn))
        except Exception:
            return []
    return [document for found in holders for document in policy_documents(found)]


def policy_documents(holder: Any) -> list[dict[str, Any]]:
    """The inline and attached managed policies of a moto user, group or role, as documents."""
    documents: list[Any] = list(holder.policies.values())
    for managed in holder.managed_policies.values():
        version = getattr(managed, "default_version", None)
        documents.append(getattr(version, "document", None) or getattr(managed, "document", None))
    found: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                document = json.loads(unquote(document))
        if isinstance(document, dict):
            found.append(document)
    return found


def pool_token(account_id: str, region: str, pool_id: str, token: str) -> str | None:
    """``id`` or ``access`` when the user pool ``pool_id`` issued ``token`` (and has not revoked
    it: a global sign-out forgets a user's access tokens), else None."""
    pool = _cognito(account_id, region).user_pools.get(pool_id)
    if pool is None:
        return None
    if token in pool.id_tokens:
        return "id"
    if token in pool.access_tokens:
        return "access"
    return None


def _cognito(account_id: str, region: str) -> Any:
    return read("moto.cognitoidp.models", "cognitoidp_backends")[account_id][region]


def create_user_pool(account_id: str, region: str, name: str, config: dict[str, Any]) -> tuple[str, str]:
    """A user pool made in the local Cognito: (its id, its ARN)."""
    pool = _cognito(account_id, region).create_user_pool(name, config)
    return str(pool.id), str(pool.arn)


def create_user_pool_client(
    account_id: str, region: str, pool_id: str, generate_secret: bool, config: dict[str, Any]
) -> str:
    """A client of a local user pool: its id."""
    return str(_cognito(account_id, region).create_user_pool_client(pool_id, generate_secret, config).id)


def delete_user_pool(account_id: str, region: str, pool_id: str, client_id: str | None = None) -> None:
    """Forget a local user pool, or only one of its clients."""
    pools = _cognito(account_id, region).user_pools
    if client_id is None:
        pools.pop(pool_id, None)
    elif pool_id in pools:
        pools[pool_id].clients.pop(client_id, None)
