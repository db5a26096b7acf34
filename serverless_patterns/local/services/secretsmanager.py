"""Secrets Manager in the local cloud: ``AWS::SecretsManager::Secret`` deploys.

moto has a Secrets Manager backend but no CloudFormation model for a secret, so a template's secret
is created here in moto's backend (:data:`MODELS`), as CloudFormation does: its ``SecretString``,
or a random one from ``GenerateSecretString`` (a JSON object with the generated password under
``GenerateStringKey`` when the template gives ``SecretStringTemplate``); ``Ref`` is its ARN, which
ends in six random characters; it is deleted with its stack, without a recovery window. Handlers
read it with their role enforced (``local/iam.py`` reads ``SecretId``). Rotation and replicas are
not emulated.
"""

from __future__ import annotations

import json
from typing import Any

from .. import moto_adapter
from ..resources import LocalModel, ResourceRequest
from ..state import NOT_EMULATED

__all__ = ["MODELS", "SecretModel"]


def _generated(backend: Any, generate: dict[str, Any]) -> str:
    """What ``GenerateSecretString`` makes: a password, alone or in its template's JSON."""
    password = json.loads(
        backend.get_random_password(
            password_length=int(generate.get("PasswordLength", 32)),
            exclude_characters=str(generate.get("ExcludeCharacters", "")),
            exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
            exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
            exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
            exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
            include_space=bool(generate.get("IncludeSpace", False)),
            require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
        )
    )["RandomPassword"]
    template = generate.get("SecretStringTemplate")
    if template is None:
        return str(password)
    value = json.loads(template)
    value[str(generate.get("GenerateStringKey", "password"))] = password
    return json.dumps(value)


class SecretModel(LocalModel):
    TYPE = "AWS::SecretsManager::Secret"

    @classmethod
    def create(cls, r: ResourceRequest) -> LocalModel:
        backend = moto_adapter.backend("secretsmanager", r.account_id, r.region)
        name = r.physical_name()
        given = r.props.get("SecretString")
        value = (
            str(given)
            if given is not None
            else _generated(backend, r.props.get("GenerateSecretString") or {})
        )
        created = json.loads(
            backend.create_secret(
                name=name,
                secret_string=value,
                secret_binary=None,
                description=r.props.get("Description"),
                tags=list(r.props.get("Tags") or []),
                kms_key_id=r.props.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
        )
        if r.props.get("ReplicaRegions"):
            cls._note_own(r.kwargs, NOT_EMULATED, "replicas in other regions are not created")
        arn = str(created["ARN"])
        return cls._made(
            arn,
            {"Id": arn},
            on_delete=lambda: backend.delete_secret(arn, None, force_delete_without_recovery=True),
        )


MODELS: dict[str, type[LocalModel]] = {m.TYPE: m for m in (SecretModel,)}
