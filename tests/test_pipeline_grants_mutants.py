"""How OrchestratedPipeline writes a wildcard resource the way cdk-nag prints it in a finding, so that
each acknowledgment names exactly the finding it covers (an acknowledgment whose resource is spelt
differently covers nothing, and the finding reappears). Mutation testing (scripts/mutation.sh
op-grants) found each form untested on its own: the pipeline tests only reach the Fn::Join of a
GetAtt and a Ref.
"""

from __future__ import annotations

from typing import Any

import pytest

from serverless_patterns.patterns.orchestrated_pipeline.grants import nag_resource


@pytest.mark.parametrize(
    ("value", "flattened"),
    [
        ("arn:aws:states:us-east-1:123:execution:M:*", "arn:aws:states:us-east-1:123:execution:M:*"),
        ("arn:${AWS::Partition}:s3:::b/*", "arn:<AWS::Partition>:s3:::b/*"),
        ({"Ref": "Bucket"}, "<Bucket>"),
        ({"Fn::GetAtt": ["Machine", "Arn"]}, "<Machine.Arn>"),
        ({"Fn::Sub": "arn:${AWS::Partition}:states:::x"}, "arn:<AWS::Partition>:states:::x"),
        ({"Fn::ImportValue": "Shared-TableArn"}, "Shared-TableArn"),
        (
            {"Fn::Join": ["", [{"Fn::GetAtt": ["Machine", "Arn"]}, ":", {"Ref": "AWS::Region"}, "/*"]]},
            "<Machine.Arn>:<AWS::Region>/*",
        ),
        ({"Fn::Select": [0, ["a"]]}, '{"Fn::Select":[0,["a"]]}'),
        ({"Ref": "A", "Extra": 1}, '{"Ref":"A","Extra":1}'),
    ],
    ids=["plain", "sub-syntax", "ref", "getatt", "fn-sub", "import", "join", "other-function", "two-keys"],
)
def test_a_resource_is_flattened_as_cdk_nag_prints_it(value: Any, flattened: str) -> None:
    assert nag_resource(value) == flattened
