"""Custom domain names for the patterns' APIs: ``domain=Domain("api.example.com", hosted_zone=zone)``.

A regional API Gateway domain name with TLS 1.2, the certificate (a DNS-validated ACM certificate
made for the name unless one is given), the mapping of the API's stage at the domain's root or under
a base path, and the Route 53 alias records (A and AAAA) of the name in the hosted zone. REST APIs
use API Gateway's domain names (``AWS::ApiGateway::DomainName``, ``BasePathMapping``); HTTP and
WebSocket APIs the v2 ones (``AWS::ApiGatewayV2::DomainName``, ``ApiMapping``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..errors import Problems, is_token

if TYPE_CHECKING:  # the modules load when a domain is attached, not with the package
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_route53 as route53

__all__ = ["Domain", "DomainResources", "attach_domain", "check_domain"]

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_BASE_PATH = re.compile(r"^[A-Za-z0-9._~$!*'()+-]+$")


@dataclass(frozen=True)
class Domain:
    """A custom domain name for an API, in a Route 53 hosted zone you own.

    ``Domain("api.example.com", hosted_zone=zone)`` is enough: the certificate is made and
    validated through DNS in that zone.
    """

    name: str
    """The domain name clients call (``api.example.com``): lowercase, in ``hosted_zone``."""
    hosted_zone: route53.IHostedZone
    """The public hosted zone of the name, where the alias records (and the certificate's
    validation records) go."""
    certificate: acm.ICertificate | None = None
    """An ACM certificate for ``name`` in the API's region. Default: - a new certificate for
    ``name``, validated through DNS records in ``hosted_zone``"""
    base_path: str | None = None
    """Serve the API under ``https://name/base_path`` (one path segment). Default: - at the root"""
    disable_default_endpoint: bool = False
    """Turn off the API's ``execute-api`` endpoint, so that clients must come through the domain
    (its TLS policy, its certificate). Default: False"""

    @property
    def url(self) -> str:
        """``https://name/`` (and the base path), as clients call it."""
        return f"https://{self.name}/{self.base_path or ''}"

    def problems(self, prop: str) -> list[str]:
        """Everything wrong with this domain, each message naming ``prop``."""
        found = Problems()
        named = found.string(f"{prop}.name", self.name, empty=False)
        if named and not is_token(self.name):
            wrong = _name_problems(f"{prop}.name", self.name)
            found.extend(wrong)
            named = not wrong
        zone_ok = hasattr(self.hosted_zone, "hosted_zone_id") and hasattr(self.hosted_zone, "zone_name")
        found.require(
            zone_ok,
            f"{prop}.hosted_zone must be a route53.IHostedZone, got {type(self.hosted_zone).__name__}",
        )
        if zone_ok and named and not is_token(self.name):
            zone = str(self.hosted_zone.zone_name).rstrip(".")
            found.require(
                is_token(zone) or self.name == zone or self.name.endswith(f".{zone}"),
                f"{prop}.name {self.name!r} is not in the hosted zone {zone!r}",
            )
        if self.certificate is not None:
            found.require(
                hasattr(self.certificate, "certificate_arn"),
                f"{prop}.certificate must be an acm.ICertificate, got {type(self.certificate).__name__}",
            )
        if self.base_path is not None and found.string(f"{prop}.base_path", self.base_path, empty=False):
            found.require(
                bool(_BASE_PATH.match(self.base_path)),
                f"{prop}.base_path must be one path segment of letters, digits and ._~$!*'()+-, "
                f"got {self.base_path!r}",
            )
        found.boolean(f"{prop}.disable_default_endpoint", self.disable_default_endpoint)
        return list(found)


def check_domain(problems: Problems, domain: object) -> None:
    """The ``domain`` prop of an API pattern, checked into ``problems`` (None: no domain)."""
    if domain is not None and problems.instance("domain", domain, Domain, "a Domain"):
        assert isinstance(domain, Domain)
        problems.extend(domain.problems("domain"))


def _name_problems(prop: str, name: str) -> list[str]:
    """A DNS name API Gateway accepts for a domain: lowercase labels, two at least, 253 characters."""
    if name.startswith("*."):
        return [f"{prop}: wildcard names are not supported, got {name!r}"]
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return [
            f"{prop} must be a lowercase domain name of two labels or more (letters, digits and '-', "
            f"1..63 characters each, 253 in all), got {name!r}"
        ]
    return []


@dataclass(frozen=True)
class DomainResources:
    """What :func:`attach_domain` made."""

    domain_name: apigw.DomainName | apigwv2.DomainName | apigwv2.CfnDomainName
    certificate: acm.ICertificate
    records: tuple[route53.ARecord, route53.AaaaRecord]
    url: str
    """``https://name/`` (and the base path), as clients call it."""


def attach_domain(scope: Construct, domain: Domain, api: Any, stage: Any) -> DomainResources:
    """``domain`` in front of ``stage`` of ``api`` (an ``apigateway.RestApi``, an ``apigatewayv2``
    HTTP or WebSocket API, or an ``apigatewayv2.CfnApi`` with its ``CfnStage``), in ``scope``
    (construct ids ``Domain...``)."""
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_route53 as route53

    certificate = domain.certificate or acm.Certificate(
        scope,
        "DomainCertificate",
        domain_name=domain.name,
        validation=acm.CertificateValidation.from_dns(domain.hosted_zone),
    )
    if isinstance(api, apigw.RestApi):
        made, target = _rest_domain(scope, domain, certificate, api, stage)
    elif isinstance(api, apigwv2.CfnApi):  # a pattern built on the CloudFormation resources
        made, target = _cfn_v2_domain(scope, domain, certificate, api, stage)
    else:
        made, target = _v2_domain(scope, domain, certificate, api, stage)
    if domain.disable_default_endpoint:
        cfn_api = api if isinstance(api, apigwv2.CfnApi) else api.node.default_child
        cfn_api.disable_execute_api_endpoint = True
    alias = route53.RecordTarget.from_alias(target)
    zone, name = domain.hosted_zone, domain.name
    records = (
        route53.ARecord(scope, "DomainRecord", zone=zone, record_name=name, target=alias),
        route53.AaaaRecord(scope, "DomainRecordIpv6", zone=zone, record_name=name, target=alias),
    )
    return DomainResources(made, certificate, records, domain.url)


def _rest_domain(scope: Construct, domain: Domain, certificate: Any, api: Any, stage: Any) -> tuple[Any, Any]:
    """The v1 regional domain name of a REST API, its base path mapping, and the alias target."""
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_route53_targets as targets

    made = apigw.DomainName(
        scope,
        "DomainName",
        domain_name=domain.name,
        certificate=certificate,
        endpoint_type=apigw.EndpointType.REGIONAL,
        security_policy=apigw.SecurityPolicy.TLS_1_2,
    )
    apigw.BasePathMapping(
        scope, "DomainMapping", domain_name=made, rest_api=api, stage=stage, base_path=domain.base_path
    )
    return made, targets.ApiGatewayDomain(made)


def _v2_domain(scope: Construct, domain: Domain, certificate: Any, api: Any, stage: Any) -> tuple[Any, Any]:
    """The v2 domain name of an HTTP or WebSocket API (L2), its API mapping, and the alias target."""
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_route53_targets as targets

    made = apigwv2.DomainName(
        scope,
        "DomainName",
        domain_name=domain.name,
        certificate=certificate,
        security_policy=apigwv2.SecurityPolicy.TLS_1_2,
    )
    apigwv2.ApiMapping(
        scope, "DomainMapping", api=api, domain_name=made, stage=stage, api_mapping_key=domain.base_path
    )
    return made, targets.ApiGatewayv2DomainProperties(made.regional_domain_name, made.regional_hosted_zone_id)


def _cfn_v2_domain(
    scope: Construct, domain: Domain, certificate: Any, api: Any, stage: Any
) -> tuple[Any, Any]:
    """The v2 domain name of a ``CfnApi`` and its ``CfnStage``, its API mapping, and the alias target."""
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_route53_targets as targets

    made = apigwv2.CfnDomainName(
        scope,
        "DomainName",
        domain_name=domain.name,
        domain_name_configurations=[
            apigwv2.CfnDomainName.DomainNameConfigurationProperty(
                certificate_arn=certificate.certificate_arn,
                endpoint_type="REGIONAL",
                security_policy="TLS_1_2",
            )
        ],
    )
    apigwv2.CfnApiMapping(  # its stage by Ref, so after the stage
        scope,
        "DomainMapping",
        api_id=api.ref,
        domain_name=made.ref,
        stage=stage.ref,
        api_mapping_key=domain.base_path,
    )
    return made, targets.ApiGatewayv2DomainProperties(
        made.attr_regional_domain_name, made.attr_regional_hosted_zone_id
    )
