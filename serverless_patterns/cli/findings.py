"""Unacknowledged findings of a synthesized cloud assembly, as JSON rows on standard output.

``python -m serverless_patterns.cli.findings packs CDK_OUT`` prints those of the validation plugins
(the rule packs, which the synth runner added, and CloudFormation validation);
``... lint CDK_OUT`` those of cfn-lint on every template. ``serverless-patterns dev`` runs it in the
background once a change serves (serverless_patterns/local/dev_checks.py), each row
``[source, rule, level, resource, message]``, as ``serverless-patterns check`` finds them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .assembly import read_assembly
from .check import Finding, cfn_lint_findings, pack_findings

__all__ = ["rows"]


def rows(kind: str, outdir: Path) -> list[list[Any]]:
    """The unacknowledged findings of ``kind`` (``packs`` or ``lint``) in the assembly ``outdir``."""
    assembly = read_assembly(outdir)
    if kind == "packs":
        assembly.packs_installed = True  # the runner added both packs: a pack not listed found nothing
        found: list[Finding] = pack_findings(assembly) if assembly.report is not None else []
    elif kind == "lint":
        found = cfn_lint_findings(assembly)
    else:
        raise ValueError(f"kind must be packs or lint, got {kind!r}")
    return [[f.source, f.rule, f.level, f.resource, f.message] for f in found if not f.acknowledged]


if __name__ == "__main__":
    print(json.dumps(rows(sys.argv[1], Path(sys.argv[2]))))
