"""Prints a short summary per stack of a synthesized cloud assembly: resources, alarms, findings."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def main(out: str = "cdk.out") -> int:
    root = Path(out)
    manifest = json.loads((root / "manifest.json").read_text())
    report_path = root / "validation-report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    open_findings: Counter[str] = Counter()
    acknowledged: Counter[str] = Counter()
    for plugin in report.get("pluginReports", []):
        for v in plugin.get("violations", []):
            for c in v.get("violatingConstructs", []):
                open_findings[c["constructPath"].split("/")[0]] += 1
        for v in plugin.get("suppressedViolations", []):
            for c in v.get("violatingConstructs", []):
                acknowledged[c["constructPath"].split("/")[0]] += 1
    rows = []
    for name, artifact in sorted(manifest["artifacts"].items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((root / artifact["properties"]["templateFile"]).read_text())
        types = Counter(r["Type"] for r in template.get("Resources", {}).values())
        rows.append(
            (
                name,
                sum(types.values()),
                types["AWS::Lambda::Function"],
                types["AWS::CloudWatch::Alarm"],
                types["AWS::CodeDeploy::DeploymentGroup"],
                open_findings[name],
                acknowledged[name],
            )
        )
    header = ("stack", "resources", "functions", "alarms", "canaries", "open findings", "acknowledged")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    total_open = sum(open_findings.values())
    print(
        f"\n{len(rows)} stacks, {sum(r[1] for r in rows)} resources, {sum(r[3] for r in rows)} alarms, "
        f"{total_open} open rule-pack findings (AwsSolutions + Serverless)"
    )
    return 1 if total_open else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
