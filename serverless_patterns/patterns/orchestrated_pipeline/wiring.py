"""What each name of a definition is bound to once the pattern has built its functions and topic:
the ``live`` alias of a function it built, the user's resource, or the notification topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

__all__ = ["Wiring"]

# The attribute of each kind's resource, by the attribute a reference asks for.
_ATTRIBUTES = {
    "function": {"arn": "function_arn", "name": "function_name"},
    "topic": {"arn": "topic_arn", "name": "topic_name"},
    "table": {"arn": "table_arn", "name": "table_name"},
    "queue": {"arn": "queue_arn", "name": "queue_name", "url": "queue_url"},
    "bus": {"arn": "event_bus_arn", "name": "event_bus_name"},
    "state_machine": {"arn": "state_machine_arn", "name": "state_machine_name"},
    "bucket": {"arn": "bucket_arn", "name": "bucket_name"},
}


class Wiring:
    """Resolves (kind, name) to what the pattern built or was given."""

    def __init__(
        self,
        aliases: Mapping[str, lambda_.Alias],
        resources: Mapping[tuple[str, str], Any],
        default_topic: sns.ITopic | None,
    ) -> None:
        self._aliases = aliases
        self._resources = resources
        self._default_topic = default_topic

    def resource_of(self, kind: str, name: str) -> Any:
        if kind == "function" and name in self._aliases:
            return self._aliases[name]
        resource = self._resources.get((kind, name))
        if resource is None and kind == "topic":
            resource = self._default_topic
        assert resource is not None, (kind, name)
        return resource

    def invoke_arn(self, name: str) -> str:
        """The ARN a function is invoked by: its ``live`` alias, or the user's function."""
        return str(self.resource_of("function", name).function_arn)

    def value_of(self, kind: str, name: str, attribute: str) -> str:
        """The value (a token) of a resource's ``arn``, ``name`` or ``url``."""
        resource = self.resource_of(kind, name)
        if kind == "function" and isinstance(resource, lambda_.Alias) and attribute == "name":
            return str(resource.function_name)  # the alias's qualified name
        python = _ATTRIBUTES[kind].get(attribute, _ATTRIBUTES[kind]["arn"])
        value = getattr(resource, python, None)
        if value is None:  # an imported resource without that attribute
            value = getattr(resource, _ATTRIBUTES[kind]["arn"])
        return str(value)
