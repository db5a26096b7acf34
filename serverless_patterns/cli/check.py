"""Rule-pack and cfn-lint findings of a synthesized app.

The AwsSolutions and Serverless packs run during synth (the synth runner adds them to apps that do
not); their results are read from the assembly's ``validation-report.json``, acknowledged findings
with their reasons included. cfn-lint runs on every template here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .assembly import Assembly
from .errors import CliError

__all__ = ["CFN_LINT_ACKNOWLEDGED", "PACKS", "Finding", "cfn_lint_findings", "findings", "pack_findings"]

PACKS = ("AwsSolutions", "Serverless")

CFN_LINT_ACKNOWLEDGED: dict[str, str] = {
    "W3005": "The CDK adds DependsOn on resources it also references, so the order is explicit; harmless",
}
"""cfn-lint rules the CLI acknowledges on every CDK template, with the reason."""


@dataclass(frozen=True)
class Finding:
    source: str
    """AwsSolutions, Serverless or cfn-lint."""
    rule: str
    level: str
    """error, warning or info."""
    resource: str
    message: str
    acknowledged: bool = False
    reason: str = ""


def pack_findings(assembly: Assembly) -> list[Finding]:
    """The findings of the rule packs recorded in the assembly's validation report."""
    report = assembly.report
    if report is None:
        raise CliError(
            "the assembly has no validation-report.json; synthesize the app with this CLI "
            "(pass the app directory, not its cdk.out) so the rule packs run"
        )
    found: list[Finding] = []
    seen_packs: set[str] = set()
    for plugin in report.get("pluginReports") or []:
        pack = str(plugin.get("pluginName", ""))
        seen_packs.add(pack)
        for violation in plugin.get("violations") or []:
            found.extend(_violation(pack, violation, acknowledged=False))
        for violation in plugin.get("suppressedViolations") or []:
            found.extend(_violation(pack, violation, acknowledged=True))
    missing = [p for p in PACKS if p not in seen_packs]
    if missing and not assembly.packs_installed:
        raise CliError(
            f"the validation report has no {' or '.join(missing)} results; synthesize the app with this CLI "
            "(pass the app directory) so both packs run"
        )
    return found


def _violation(pack: str, violation: dict[str, Any], *, acknowledged: bool) -> Iterable[Finding]:
    for construct in violation.get("violatingConstructs") or []:
        yield Finding(
            source=pack,
            rule=str(violation.get("ruleName", "")),
            level=str(violation.get("severity", "error")),
            resource=str(construct.get("constructPath", "")),
            message=str(violation.get("description", "")),
            acknowledged=acknowledged,
            reason=str(violation.get("reason", "")),
        )


def cfn_lint_findings(assembly: Assembly, *, regions: tuple[str, ...] = ("us-east-1",)) -> list[Finding]:
    """cfn-lint on every template, with :data:`CFN_LINT_ACKNOWLEDGED` marked acknowledged."""
    from cfnlint.api import ManualArgs

    found: list[Finding] = []
    for template in assembly.templates:
        matches = _lint(template.body, ManualArgs(regions=list(regions)))
        for match in matches:
            rule = match.rule.id
            path = [str(p) for p in getattr(match, "path", []) or []]
            logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else ""
            resource = template.path_of(logical_id) or logical_id or "/".join(path)
            reason = CFN_LINT_ACKNOWLEDGED.get(rule, "")
            level = {"error": "error", "warning": "warning"}.get(str(match.rule.severity).lower(), "info")
            found.append(Finding("cfn-lint", rule, level, resource, str(match.message), bool(reason), reason))
    return found


def _lint(body: dict[str, Any], config: Any) -> list[Any]:
    from cfnlint.api import lint

    try:
        return list(lint(json.dumps(body), config=config))
    except Exception as error:  # cfn-lint raises several types on unreadable templates
        raise CliError(f"cfn-lint could not read a template: {error}") from error


def findings(assembly: Assembly, *, cfn_lint: bool = True) -> list[Finding]:
    """Every finding of the packs and cfn-lint, unacknowledged first."""
    found = pack_findings(assembly)
    if cfn_lint:
        found += cfn_lint_findings(assembly)
    return sorted(found, key=lambda f: (f.acknowledged, f.level != "error", f.source, f.rule, f.resource))
