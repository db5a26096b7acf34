"""``LocalCloud.deploy`` bootstraps in process: the stack ``cdk bootstrap`` creates, from the pinned
CLI's own template, the same as the CLI's (serverless_patterns/local/cloud.py, ``_bootstrap_in_process``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import LocalCloud
from serverless_patterns.local.cdk import CdkError, cdk_command, run_cdk

pytestmark = pytest.mark.e2e


def bootstrapped(cloud: LocalCloud) -> dict[str, Any]:
    """What the CLI's deploys read of a bootstrap: the stack's parameters and resources, the version
    parameter, the assets bucket."""
    cfn = cloud.client("cloudformation")
    (stack,) = cfn.describe_stacks(StackName="CDKToolkit")["Stacks"]
    resources = cfn.list_stack_resources(StackName="CDKToolkit")["StackResourceSummaries"]
    return {
        "status": stack["StackStatus"],
        "parameters": sorted((p["ParameterKey"], p["ParameterValue"]) for p in stack["Parameters"]),
        "resources": sorted((r["LogicalResourceId"], r["ResourceType"]) for r in resources),
        "version": cloud.client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"][
            "Value"
        ],
        "buckets": sorted(b["Name"] for b in cloud.client("s3").list_buckets()["Buckets"]),
    }


def test_the_in_process_bootstrap_creates_what_cdk_bootstrap_creates(tmp_path: Path) -> None:
    try:
        cli = cdk_command()
    except CdkError as exc:
        pytest.skip(str(exc))
    with LocalCloud() as by_cli:
        run_cdk(
            ["bootstrap", f"aws://{by_cli.account_id}/{by_cli.region}", "--no-notices", "--ci"],
            cwd=tmp_path,
            env=by_cli._cdk_env(),
            timeout=300,
            cli=cli,
        )
        expected = bootstrapped(by_cli)
    with LocalCloud() as here:
        assert here._bootstrap_in_process(cli)
        assert here._bootstrap_in_process(cli)  # once: a second call finds the stack
        found = bootstrapped(here)
    assert found == expected
    assert expected["status"] == "CREATE_COMPLETE"
    assert int(expected["version"]) >= 20
    assert expected["buckets"] == ["cdk-hnb659fds-assets-123456789012-us-east-1"]


def test_a_cli_without_the_template_where_it_keeps_it_is_left_to_cdk_bootstrap(tmp_path: Path) -> None:
    cli = tmp_path / "bin" / "cdk"
    cli.parent.mkdir()
    cli.write_text("")
    with LocalCloud() as cloud:
        assert not cloud._bootstrap_in_process(["node", str(cli)])
        assert cloud.client("cloudformation").describe_stacks()["Stacks"] == []
