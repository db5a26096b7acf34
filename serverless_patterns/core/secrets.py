"""Secrets and parameters a function reads (``FunctionSpec.secrets`` and ``.parameters``).

The function gets, for each, an environment variable that names it (a secret's ARN, a parameter's
name), never its value, and a statement of its own policy (``ReadsPolicy``) that may read exactly
that secret or parameter:

- a secret: ``secretsmanager:GetSecretValue`` on its ARN (a secret known by its name only has an ARN
  that ends in six random characters: ``name-??????``), and ``kms:Decrypt`` on its key, only
  through Secrets Manager, when it is encrypted with one;
- a parameter: ``ssm:GetParameter`` and ``ssm:GetParameters`` on its ARN.

Handlers read them with Powertools' parameters utility, which caches the value
(``parameters.get_secret(os.environ["DB_PASSWORD"])``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..errors import Problems

__all__ = ["Reads", "reads_problems"]

SECRET_SUFFIX = "-??????"
"""What Secrets Manager appends to a secret's name in its ARN (six random characters)."""


def _is_secret(value: object) -> bool:
    # jsii interfaces: user classes implement them without deriving from them
    return hasattr(value, "secret_arn") and hasattr(value, "secret_full_arn")


def _is_parameter(value: object) -> bool:
    return hasattr(value, "parameter_arn") and hasattr(value, "parameter_name")


def reads_problems(
    prop: str, secrets: object, parameters: object, environment: object, check_names: object
) -> list[str]:
    """``secrets`` and ``parameters`` must map variable names (Lambda's rules, checked by
    ``check_names(prop, mapping)``) to secrets and parameters, none a name ``environment`` or the
    other mapping also sets."""
    found = Problems()
    seen: dict[str, str] = (
        {name: "environment" for name in environment} if isinstance(environment, Mapping) else {}
    )
    for field, given, what, accepts in (
        ("secrets", secrets, "a secretsmanager.ISecret", _is_secret),
        ("parameters", parameters, "an ssm.IParameter", _is_parameter),
    ):
        if not isinstance(given, Mapping):
            found.add(
                f"{prop}.{field} must be a mapping of variable names to {what}s, got {type(given).__name__}"
            )
            continue
        assert callable(check_names)
        found.extend(check_names(f"{prop}.{field}", {name: "" for name in given}))
        for name, value in given.items():
            found.require(
                accepts(value), f"{prop}.{field}[{name!r}] must be {what}, got {type(value).__name__}"
            )
            if isinstance(name, str) and name in seen:
                found.add(f"{prop}.{field}[{name!r}]: {name} is already set by {prop}.{seen[name]}")
            seen[str(name)] = field
    return list(found)


@dataclass(frozen=True)
class Reads:
    """What one function reads: its secrets and parameters, by environment variable."""

    secrets: Mapping[str, object]
    parameters: Mapping[str, object]

    def __bool__(self) -> bool:
        return bool(self.secrets or self.parameters)

    def environment(self) -> dict[str, str]:
        """Each variable, naming its secret (full ARN, else name) or parameter (name)."""
        env = {
            name: secret.secret_full_arn or secret.secret_name  # type: ignore[attr-defined]
            for name, secret in self.secrets.items()
        }
        env.update({name: p.parameter_name for name, p in self.parameters.items()})  # type: ignore[attr-defined]
        return env

    def policy(self, scope: Construct, role: iam.IRole) -> iam.Policy | None:
        """``ReadsPolicy`` of ``role``: one statement per secret and key, one for the parameters.
        (``-??????`` is no wildcard the rule packs flag: nothing here is acknowledged.)"""
        if not self:
            return None
        region = cdk.Stack.of(scope).region
        statements: list[iam.PolicyStatement] = []
        for secret in self.secrets.values():
            full = secret.secret_full_arn  # type: ignore[attr-defined]
            arn = full if full is not None else f"{secret.secret_arn}{SECRET_SUFFIX}"  # type: ignore[attr-defined]
            statements.append(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn]))
            key = secret.encryption_key  # type: ignore[attr-defined]
            if key is not None:
                via = {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                statements.append(
                    iam.PolicyStatement(
                        actions=["kms:Decrypt"], resources=[key.key_arn], conditions={"StringEquals": via}
                    )
                )
        if self.parameters:
            arns = [p.parameter_arn for p in self.parameters.values()]  # type: ignore[attr-defined]
            statements.append(
                iam.PolicyStatement(actions=["ssm:GetParameter", "ssm:GetParameters"], resources=arns)
            )
        return iam.Policy(scope, "ReadsPolicy", statements=statements, roles=[role])
