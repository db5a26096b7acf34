"""YAML and JSON files with CloudFormation's short-form tags (``!Ref X``, ``!GetAtt X.Arn``,
``!Sub ...``), loaded into their long form (``{"Ref": "X"}``, ``{"Fn::GetAtt": ["X", "Arn"]}``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

__all__ = ["load_file"]

_FUNCTIONS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "ToJsonString",
    "Length",
)


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader with the CloudFormation tags."""


def _node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        return {name: _node(loader, node)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = _node(loader, node)
    return {"Fn::GetAtt": value.split(".", 1) if isinstance(value, str) else value}


# CloudFormation reads an unquoted 2012-10-17 (an IAM policy's Version) as text, not as a date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

for _name in _FUNCTIONS:
    _Loader.add_constructor(f"!{_name}", _function(f"Fn::{_name}"))
_Loader.add_constructor("!Ref", _function("Ref"))
_Loader.add_constructor("!Condition", _function("Condition"))
_Loader.add_constructor("!GetAtt", _get_att)


def load_file(path: Path) -> Any:
    """The content of a YAML or JSON file (a ``.json`` file is read as JSON)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=_Loader)  # a SafeLoader, with the CloudFormation tags
