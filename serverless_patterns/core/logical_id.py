"""Logical IDs computed in Python, the way aws-cdk-lib allocates them, to name resources in
``DependsOn`` without a jsii round trip per resource.

aws-cdk-lib's ``Stack.allocateLogicalId`` turns a resource's path below its stack into
``<human part><8-hex MD5 of the path>`` (``makeUniqueId``). A stack class that overrides
``_allocate_logical_id`` allocates its own IDs: :func:`logical_id` then returns None and the caller
reads the ID from jsii. Renames made with ``Stack.rename_logical_id`` are not seen here; the
resources named this way are the library's own (a role's policies), which a rename has no reason
to touch.
"""

from __future__ import annotations

import hashlib
import re
import weakref

import aws_cdk as cdk

__all__ = ["logical_id", "make_unique_id"]

_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255
_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")

_STACK_PATHS: weakref.WeakKeyDictionary[cdk.Stack, str] = weakref.WeakKeyDictionary()


def make_unique_id(components: list[str]) -> str:
    """aws-cdk-lib's ``makeUniqueId`` (core/lib/private/uniqueid.ts), for plain path components."""
    components = [c for c in components if c != _HIDDEN_ID]
    if not components:
        raise ValueError("a logical ID needs at least one path component")
    if len(components) == 1:
        candidate = _NON_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    deduped: list[str] = []
    for component in components:
        if not deduped or not deduped[-1].endswith(component):
            deduped.append(component)
    human = "".join(_NON_ALPHANUMERIC.sub("", c) for c in deduped if c != _HIDDEN_FROM_HUMAN_ID)
    return human[:_MAX_HUMAN_LEN] + digest


def logical_id(stack: cdk.Stack, path: str) -> str | None:
    """The logical ID of the resource at ``path`` (its full construct path) in ``stack``, or None
    when the stack's class allocates logical IDs its own way."""
    if type(stack)._allocate_logical_id is not cdk.Stack._allocate_logical_id:
        return None
    stack_path = _STACK_PATHS.get(stack)
    if stack_path is None:
        stack_path = _STACK_PATHS[stack] = stack.node.path
    prefix = f"{stack_path}/" if stack_path else ""
    if not path.startswith(prefix):
        raise ValueError(f"{path!r} is not in the stack {stack_path!r}")
    return make_unique_id(path[len(prefix) :].split("/"))
