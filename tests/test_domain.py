"""Custom domains (core/domain.py): the certificate, the TLS 1.2 regional domain, the mapping of the
API's stage and the alias records, for a REST and an HTTP API; validation of the Domain."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53

from serverless_patterns import ApiToLambda, Domain, PatternValidationError
from serverless_patterns.patterns.api_to_lambda import ApiType
from tests.pattern_cases import spec
from tests.support import Synthesized, cfn_lint, one, synth


def _zone(stack: cdk.Stack) -> route53.IHostedZone:
    return route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name="example.com"
    )


def _with_domain(api_type: ApiType, **domain: Any) -> Any:
    def build(stack: cdk.Stack) -> None:
        pattern = ApiToLambda(
            stack,
            "Api",
            routes={"GET /hello": spec()},
            api_type=api_type,
            domain=Domain("api.example.com", hosted_zone=_zone(stack), **domain),
        )
        assert pattern.url == f"https://api.example.com/{domain.get('base_path', '')}"

    return build


@pytest.fixture(scope="module")
def rest() -> Synthesized:
    return synth(_with_domain(ApiType.REST, base_path="v1", disable_default_endpoint=True), gate=False)


@pytest.fixture(scope="module")
def http() -> Synthesized:
    return synth(_with_domain(ApiType.HTTP), gate=False)


def test_a_rest_api_gets_a_tls12_regional_domain_a_dns_validated_certificate_and_alias_records(
    rest: Synthesized,
) -> None:
    cert, certificate = one(rest, "AWS::CertificateManager::Certificate")
    assert certificate == {
        "DomainName": "api.example.com",
        "DomainValidationOptions": [
            {"DomainName": "api.example.com", "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
        ],
        "Tags": [{"Key": "Name", "Value": "Test/Api/DomainCertificate"}],
        "ValidationMethod": "DNS",
    }
    domain, props = one(rest, "AWS::ApiGateway::DomainName")
    assert props["DomainName"] == "api.example.com"
    assert props["SecurityPolicy"] == "TLS_1_2"
    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert props["RegionalCertificateArn"] == {"Ref": cert}
    _, mapping = one(rest, "AWS::ApiGateway::BasePathMapping")
    assert mapping["BasePath"] == "v1" and mapping["DomainName"] == {"Ref": domain}
    api, api_props = one(rest, "AWS::ApiGateway::RestApi")
    assert mapping["RestApiId"] == {"Ref": api}
    assert api_props["DisableExecuteApiEndpoint"] is True
    records = [r["Properties"] for r in rest.resources("AWS::Route53::RecordSet").values()]
    assert sorted(r["Type"] for r in records) == ["A", "AAAA"]
    for record in records:
        assert record["Name"] == "api.example.com."
        assert record["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
        assert record["AliasTarget"]["DNSName"] == {"Fn::GetAtt": [domain, "RegionalDomainName"]}


def test_an_http_api_gets_a_v2_domain_and_mapping(http: Synthesized) -> None:
    domain, props = one(http, "AWS::ApiGatewayV2::DomainName")
    assert props["DomainName"] == "api.example.com"
    assert props["DomainNameConfigurations"][0]["SecurityPolicy"] == "TLS_1_2"
    assert props["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"
    _, mapping = one(http, "AWS::ApiGatewayV2::ApiMapping")
    assert mapping["DomainName"] == {"Ref": domain}
    assert "ApiMappingKey" not in mapping  # at the root
    _, api = one(http, "AWS::ApiGatewayV2::Api")
    assert "DisableExecuteApiEndpoint" not in api


@pytest.mark.parametrize("config", ["rest", "http"])
def test_gates_pass(config: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(config)
    assert synthesized.unacknowledged() == []
    assert cfn_lint(synthesized.template_path) == []


def test_a_given_certificate_is_used_and_none_is_made() -> None:
    def build(stack: cdk.Stack) -> None:
        cert = acm.Certificate.from_certificate_arn(
            stack,
            "Cert",
            "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
        )
        domain = Domain("api.example.com", hosted_zone=_zone(stack), certificate=cert)
        ApiToLambda(stack, "Api", routes={"GET /hello": spec()}, domain=domain)

    s = synth(build, gate=False)
    assert s.count("AWS::CertificateManager::Certificate") == 0
    _, props = one(s, "AWS::ApiGateway::DomainName")
    assert props["RegionalCertificateArn"].endswith("certificate/11111111-2222-3333-4444-555555555555")


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ({"name": "API.example.com"}, r"name must be a lowercase domain name"),
        ({"name": "localhost"}, r"name must be a lowercase domain name of two labels or more"),
        ({"name": "*.example.com"}, r"wildcard names are not supported"),
        ({"name": "api.example.org"}, r"name 'api.example.org' is not in the hosted zone 'example.com'"),
        ({"hosted_zone": "Z0123"}, r"hosted_zone must be a route53.IHostedZone, got str"),
        ({"certificate": "arn:aws:acm:..."}, r"certificate must be an acm.ICertificate, got str"),
        ({"base_path": "v1/users"}, r"base_path must be one path segment"),
        ({"disable_default_endpoint": "yes"}, r"disable_default_endpoint must be"),
    ],
)
def test_a_wrong_domain_is_refused(domain: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    props: dict[str, Any] = {"name": "api.example.com", "hosted_zone": _zone(stack), **domain}
    problems = Domain(**props).problems("domain")
    assert len(problems) == 1 and re.search(message, problems[0]), problems
    with pytest.raises(PatternValidationError, match=message):
        ApiToLambda(stack, "Api", routes={"GET /hello": spec()}, domain=Domain(**props))


def test_a_domain_that_is_no_domain_is_refused() -> None:
    with pytest.raises(PatternValidationError, match=r"domain must be a Domain, got 'api.example.com'"):
        ApiToLambda(cdk.Stack(cdk.App(), "S"), "Api", routes={"GET /hello": spec()}, domain="api.example.com")


def _service_api(stack: cdk.Stack) -> None:
    from serverless_patterns.patterns.service_api import SendMessage, ServiceApi

    api = ServiceApi(
        stack,
        "Orders",
        routes={"POST /orders": SendMessage()},
        domain=Domain("orders.example.com", hosted_zone=_zone(stack), base_path="v1"),
    )
    assert api.url == "https://orders.example.com/v1"


def _web_socket_api(stack: cdk.Stack) -> None:
    from serverless_patterns.patterns.web_socket_api import WebSocketApi

    api = WebSocketApi(
        stack,
        "Chat",
        routes={"$connect": spec(), "sendMessage": spec()},
        domain=Domain("chat.example.com", hosted_zone=_zone(stack)),
    )
    assert api.url == "wss://chat.example.com/"


@pytest.mark.parametrize(
    ("build", "domain_type", "mapping_type"),
    [
        (_service_api, "AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping"),
        (_web_socket_api, "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping"),
    ],
    ids=["service-api", "web-socket-api"],
)
def test_service_and_websocket_apis_take_a_domain(build: Any, domain_type: str, mapping_type: str) -> None:
    s = synth(build, gate=False)
    assert s.unacknowledged() == []
    assert cfn_lint(s.template_path) == []
    domain, props = one(s, domain_type)
    tls = props.get("SecurityPolicy") or props["DomainNameConfigurations"][0]["SecurityPolicy"]
    assert tls == "TLS_1_2"
    _, mapping = one(s, mapping_type)
    assert mapping["DomainName"] == {"Ref": domain}
    assert s.count("AWS::CertificateManager::Certificate") == 1
    assert sorted(r["Properties"]["Type"] for r in s.resources("AWS::Route53::RecordSet").values()) == [
        "A",
        "AAAA",
    ]
