"""An API with a custom domain on the local cloud: the stack deploys (certificate, domain name,
mapping and alias records), the API answers on its local endpoint, and the domain is reported as
not served locally."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_route53 as route53

from serverless_patterns import ApiToLambda, Authorization, Domain
from serverless_patterns.core import DeploymentStrategy
from serverless_patterns.local import LocalCloud
from tests.e2e.apps_support import synth
from tests.pattern_cases import spec

pytestmark = pytest.mark.e2e

STACK = "LocalDomain"


def build(app: cdk.App) -> None:
    stack = cdk.Stack(app, STACK)
    zone = route53.PublicHostedZone(stack, "Zone", zone_name="example.com")
    ApiToLambda(
        stack,
        "Api",
        routes={"GET /hello": spec()},
        authorization=Authorization.none(),
        domain=Domain("api.example.com", hosted_zone=zone),
        deployment=DeploymentStrategy.none(),
    )


def test_an_api_with_a_domain_deploys_and_answers_locally(
    local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory
) -> None:
    local_cloud.deploy(synth(build, tmp_path_factory.mktemp("domain") / "cdk.out"))
    answer = local_cloud.invoke_api("GET", "/hello", stack=STACK)
    assert answer.status == 200, answer.text
    reported = {(n.resource_type, n.reason) for n in local_cloud.notes if n.status == "not emulated"}
    assert (
        "AWS::ApiGateway::DomainName",
        "custom domain names are not served: the API answers on its local endpoint",
    ) in reported
    assert ("AWS::CertificateManager::Certificate", "no certificate is issued locally") in reported
    # The alias records are in the zone, as Route 53 would hold them.
    route53_client = local_cloud.client("route53")
    (zone,) = route53_client.list_hosted_zones()["HostedZones"]
    records = route53_client.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    assert sorted(r["Type"] for r in records if r["Name"] == "api.example.com.") == ["A", "AAAA"]
