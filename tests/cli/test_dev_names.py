"""How ``invoke`` and ``send`` name a resource: construct path, logical ID, physical name or a unique
path suffix of whole segments; anything else is one line listing the candidates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serverless_patterns.local.dev_names import NameNotFound, Resource, resolve, resources_of

RESOURCES = [
    Resource(
        "function", "Users", "UsersApiGetUserFnA1B2C3D4", "Users/UsersApi/GetUserFn", "Users-GetUserFn-x1"
    ),
    Resource("function", "Users", "UsersApiListFnE5F6A7B8", "Users/UsersApi/ListFn", "Users-ListFn-x2"),
    Resource("function", "Orders", "ListFnC9D0E1F2", "Orders/ListFn", "Orders-ListFn-x3"),
    Resource("queue", "Orders", "QueueABCD1234", "Orders/Queue", "https://sqs.local/1/Orders-Queue"),
    Resource("table", "Orders", "Table12345678", "Orders/Table", "Orders-Table-x4"),
]


@pytest.mark.parametrize(
    "name",
    [
        "Users/UsersApi/GetUserFn",  # the construct path
        "Users/UsersApi/GetUserFn/",  # with a trailing slash
        "Users/UsersApi/GetUserFn/Resource",  # with the segments CDK adds
        "UsersApiGetUserFnA1B2C3D4",  # the logical ID
        "Users-GetUserFn-x1",  # the physical name
        "GetUserFn",  # a unique suffix
        "UsersApi/GetUserFn",  # a longer suffix
    ],
)
def test_each_way_of_naming_finds_the_function(name: str) -> None:
    assert resolve(name, RESOURCES, ["function"]).logical_id == "UsersApiGetUserFnA1B2C3D4"


def test_a_suffix_is_made_of_whole_segments() -> None:
    with pytest.raises(NameNotFound, match="no function called 'UserFn'"):
        resolve("UserFn", RESOURCES, ["function"])


def test_a_suffix_of_several_resources_is_ambiguous_and_lists_them() -> None:
    with pytest.raises(NameNotFound) as raised:
        resolve("ListFn", RESOURCES, ["function"])
    assert str(raised.value) == (
        "'ListFn' names 2 resources (Users/UsersApi/ListFn, Orders/ListFn); give more of the path"
    )
    assert resolve("Orders/ListFn", RESOURCES, ["function"]).stack == "Orders"


def test_an_unknown_name_lists_the_candidates_of_the_kinds_asked_for() -> None:
    with pytest.raises(NameNotFound) as raised:
        resolve("Nope", RESOURCES, ["queue", "table"])
    assert str(raised.value) == (
        "no queue or table called 'Nope'; candidates: Orders/Queue (queue), Orders/Table (table)"
    )
    assert "\n" not in str(raised.value)


def test_a_resource_of_another_kind_is_not_found() -> None:
    with pytest.raises(NameNotFound, match="no function called 'Orders/Queue'"):
        resolve("Orders/Queue", RESOURCES, ["function"])


def test_nothing_deployed_says_so() -> None:
    with pytest.raises(NameNotFound, match="candidates: none deployed"):
        resolve("x", [], ["bus"])


def test_resources_of_reads_a_cloud_assembly(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "FnA1": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "index.handler", "Runtime": "python3.13"},
                "Metadata": {"aws:cdk:path": "Shop/Checkout/Fn/Resource", "aws:asset:path": "asset.abc"},
            },
            "Bus1": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
            "Role1": {"Type": "AWS::IAM::Role", "Metadata": {"aws:cdk:path": "Shop/Role/Resource"}},
        }
    }
    (tmp_path / "Shop.template.json").write_text(json.dumps(template))
    manifest = {
        "artifacts": {
            "Shop": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Shop.template.json", "stackName": "shop-dev"},
                "displayName": "Shop",
                "additionalMetadataFile": "Shop.metadata.json",
            },
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    metadata = {"/Shop/Events/Resource": [{"type": "aws:cdk:logicalId", "data": "Bus1"}]}
    (tmp_path / "Shop.metadata.json").write_text(json.dumps(metadata))
    found = resources_of(tmp_path, {"shop-dev": {"FnA1": "shop-dev-Fn-1", "Bus1": "orders"}})
    assert [(r.kind, r.stack, r.logical_id, r.path, r.physical_id) for r in found] == [
        ("function", "shop-dev", "FnA1", "Shop/Checkout/Fn", "shop-dev-Fn-1"),
        ("bus", "shop-dev", "Bus1", "Shop/Events", "orders"),
    ]
    assert found[0].properties is not None and found[0].properties["Handler"] == "index.handler"
    assert resolve("orders", found, ["bus"]).logical_id == "Bus1"
