"""What ``serverless-patterns dev`` knows of a deployed app's resources, and how a user names them.

A resource is named by its construct path (``Users/UsersApi/GetUsersIdFunction``, with or without
the trailing ``Resource`` segments), its logical ID, its physical name, or a unique suffix of its
path made of whole segments (``GetUsersIdFunction``, ``UsersApi/GetUsersIdFunction``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "NameNotFound", "Resource", "resolve", "resources_of"]

KINDS: Mapping[str, tuple[str, ...]] = {
    "function": ("AWS::Lambda::Function",),
    "queue": ("AWS::SQS::Queue",),
    "topic": ("AWS::SNS::Topic",),
    "bucket": ("AWS::S3::Bucket",),
    "table": ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"),
    "bus": ("AWS::Events::EventBus",),
    "schedule": ("AWS::Scheduler::Schedule",),
    "api": ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"),
    "state-machine": ("AWS::StepFunctions::StateMachine",),
}
"""The kinds of resources ``invoke`` and ``send`` reach, by their CloudFormation types."""
_KIND_OF = {t: kind for kind, types in KINDS.items() for t in types}


class NameNotFound(LookupError):
    """A name that matches no resource, or more than one: the message is one line with candidates."""


@dataclass(frozen=True)
class Resource:
    """One deployed resource of a kind ``dev`` works with."""

    kind: str
    stack: str
    logical_id: str
    path: str
    """Construct path without trailing ``/Resource`` segments (the logical ID when it has none)."""
    physical_id: str = ""
    properties: Mapping[str, Any] | None = None

    def names(self) -> set[str]:
        return {n for n in (self.logical_id, self.path, self.physical_id) if n}


def _short(path: str) -> str:
    parts = path.split("/")
    while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return "/".join(parts)


def resources_of(assembly: Path, physical: Mapping[str, Mapping[str, str]] | None = None) -> list[Resource]:
    """The resources of every stack of a cloud assembly, of the kinds in :data:`KINDS`, with their
    physical IDs from ``physical`` (stack -> logical id -> physical id) when given."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: list[Resource] = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = artifact.get("properties", {}).get("templateFile")
        if not template_file:
            continue
        stack = artifact.get("displayName") or name
        stack_name = artifact.get("properties", {}).get("stackName") or name
        template = json.loads((assembly / template_file).read_text())
        ids = (physical or {}).get(stack_name, {})
        # The manifest names each logical ID's construct path, with or without path metadata.
        metadata = dict(artifact.get("metadata") or {})
        if artifact.get("additionalMetadataFile"):  # where newer CDK versions write it
            metadata.update(json.loads((assembly / artifact["additionalMetadataFile"]).read_text()))
        paths = {
            str(entry.get("data")): construct_path.lstrip("/")
            for construct_path, entries in metadata.items()
            for entry in entries
            if entry.get("type") == "aws:cdk:logicalId"
        }
        for logical_id, resource in template.get("Resources", {}).items():
            kind = _KIND_OF.get(str(resource.get("Type")))
            if kind is None:
                continue
            path = str(
                paths.get(logical_id)
                or (resource.get("Metadata") or {}).get("aws:cdk:path")
                or f"{stack}/{logical_id}"
            )
            found.append(
                Resource(
                    kind=kind,
                    stack=stack_name,
                    logical_id=logical_id,
                    path=_short(path),
                    physical_id=ids.get(logical_id, ""),
                    properties={**resource.get("Properties", {}), "Metadata": resource.get("Metadata", {})},
                )
            )
    return found


def resolve(name: str, resources: Iterable[Resource], kinds: Sequence[str]) -> Resource:
    """The one resource of ``kinds`` that ``name`` names; :class:`NameNotFound` otherwise."""
    candidates = [r for r in resources if r.kind in kinds]
    wanted = name.strip().rstrip("/")
    exact = [r for r in candidates if wanted in r.names() or _short(wanted) == r.path]
    found = exact or [r for r in candidates if r.path.endswith("/" + _short(wanted)) and wanted]
    what = " or ".join(kinds)
    if len(found) == 1:
        return found[0]
    if found:
        raise NameNotFound(
            f"{name!r} names {len(found)} resources ({', '.join(r.path for r in found)}); "
            "give more of the path"
        )
    listed = ", ".join(f"{r.path} ({r.kind})" for r in candidates) or "none deployed"
    raise NameNotFound(f"no {what} called {name!r}; candidates: {listed}")
