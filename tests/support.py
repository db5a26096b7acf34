"""The gates every pattern passes, written once: synthesize with the rule packs, lint, snapshot.

``synth(build)`` builds a fresh app with ``@aws-cdk/core:validateAgainstDefaultRules`` on and the
cdk-nag AwsSolutions and Serverless packs registered as validation plugins, lets ``build`` add
constructs to a stack, synthesizes, and returns the template with the validation report.

A pattern's test module binds one call, which adds a module-scoped fixture per configuration
(synthesized once per module) and the gate tests over them::

    globals().update(
        pattern_tests(
            configs={"default": build_default, "maximal": build_maximal},
            snapshots=("default", "maximal"),
        )
    )

Its tests then take ``default: Synthesized`` or ``maximal: Synthesized`` as fixtures.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

CONTEXT = {"@aws-cdk/core:validateAgainstDefaultRules": True}
ENV = cdk.Environment(account="123456789012", region="us-east-1")


@dataclass
class Synthesized:
    template: dict[str, Any]
    report: dict[str, Any]
    template_path: Path

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_}

    def count(self, type_: str) -> int:
        return len(self.resources(type_))

    def unacknowledged(self) -> list[str]:
        """Every rule-pack finding (error or warning) that nothing acknowledged."""
        found = []
        for plugin in self.report.get("pluginReports", []):
            for violation in plugin.get("violations", []):
                for construct in violation.get("violatingConstructs", []):
                    found.append(f"{violation['ruleName']} on {construct['constructPath']}")
        return found

    def acknowledged(self) -> list[dict[str, Any]]:
        return [s for p in self.report.get("pluginReports", []) for s in p.get("suppressedViolations", [])]


# Metrics of alarms about data at rest, which the rollback policy keeps out of CodeDeploy.
DATA_AT_REST_METRICS = frozenset(
    {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "IteratorAge",
        "NumberOfNotificationsFailed",
    }
)


# The policies that hold one statement needing "*" (core/policies.py), by construct id.
WILDCARD_POLICIES = frozenset({"TracingPolicy", "VpcPolicy", "StreamsPolicy", "LogDeliveryPolicy"})


def wildcard_acknowledgments(synthesized: Synthesized) -> set[str]:
    """The ids of the constructs on which an IAM5 ``Resource::*`` finding is acknowledged."""
    return {
        construct["constructPath"].removesuffix("/Resource").rsplit("/", 1)[-1]
        for ack in synthesized.acknowledged()
        if ack["ruleName"] == "AwsSolutions-IAM5[Resource::*]"
        for construct in ack["violatingConstructs"]
    }


def one(synthesized: Synthesized, type_: str, contains: str = "") -> tuple[str, dict[str, Any]]:
    """The one resource of ``type_`` whose logical id contains ``contains``: (logical id, properties)."""
    found = [(k, v.get("Properties", {})) for k, v in synthesized.resources(type_).items() if contains in k]
    assert len(found) == 1, [k for k, _ in found]
    return found[0]


def statements(synthesized: Synthesized, contains: str) -> list[dict[str, Any]]:
    """Every statement of the IAM policies whose logical id contains ``contains``."""
    return [
        statement
        for k, policy in synthesized.resources("AWS::IAM::Policy").items()
        if contains in k
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def alarm_metric_names(alarm: dict[str, Any]) -> set[str]:
    """Every metric an AWS::CloudWatch::Alarm watches (plain or metric math)."""
    props = alarm["Properties"]
    names = {props["MetricName"]} if "MetricName" in props else set()
    names.update(
        q["MetricStat"]["Metric"]["MetricName"] for q in props.get("Metrics", []) if "MetricStat" in q
    )
    return names


def alarm_properties(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Every alarm's properties by logical ID, a labelled metric (rendered as
    ``Metrics[0].MetricStat``) lifted to the top level as an unlabelled one is."""
    found = {}
    for logical_id, alarm in synthesized.resources("AWS::CloudWatch::Alarm").items():
        props = dict(alarm["Properties"])
        if "Metrics" in props:
            (metric,) = props.pop("Metrics")
            stat = metric["MetricStat"]
            props.update(stat["Metric"], Period=stat["Period"], Statistic=stat["Stat"])
        found[logical_id] = props
    return found


def composite_children(composite: dict[str, Any]) -> list[str]:
    """The logical IDs of the alarms a composite alarm's rule names (``ALARM("<GetAtt Arn>")``)."""
    rule = composite["Properties"]["AlarmRule"]
    parts = rule["Fn::Join"][1] if isinstance(rule, dict) else [rule]
    return [p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p]


def notified_through_composites(synthesized: Synthesized) -> set[str]:
    """The alarms a composite alarm with actions combines."""
    return {
        child
        for composite in synthesized.resources("AWS::CloudWatch::CompositeAlarm").values()
        if composite["Properties"].get("AlarmActions")
        for child in composite_children(composite)
    }


def rollback_metrics(synthesized: Synthesized) -> set[str]:
    """The metrics of every alarm some CodeDeploy deployment group rolls back on (a composite
    alarm's: those of the alarms it combines)."""
    alarms = synthesized.resources("AWS::CloudWatch::Alarm")
    composites = synthesized.resources("AWS::CloudWatch::CompositeAlarm")
    found: set[str] = set()
    for group in synthesized.resources("AWS::CodeDeploy::DeploymentGroup").values():
        for entry in group["Properties"].get("AlarmConfiguration", {}).get("Alarms", []):
            ref = entry["Name"]["Ref"]
            for name in composite_children(composites[ref]) if ref in composites else [ref]:
                found |= alarm_metric_names(alarms[name])
    return found


class GateFailure(AssertionError):
    pass


def synth(
    build: Callable[[cdk.Stack], object],
    *,
    stack_name: str = "Test",
    gate: bool = True,
    context: Mapping[str, Any] | None = None,
) -> Synthesized:
    """Synthesizes ``build`` into a stack with the rule packs on.

    With ``gate`` (the default) an unacknowledged ERROR finding fails here, listing every finding.
    Without, the findings are returned in the report (the template is written before the packs
    run), so that one broken acknowledgment fails the rule-pack gate test of a config, not every
    test that reads its template. A missing validation report is always an error: without it the
    gate would pass having checked nothing. ``context`` adds app context (a stage, for example).
    """
    outdir = tempfile.mkdtemp(prefix="sp-synth-")
    app = cdk.App(context={**CONTEXT, **(context or {})}, outdir=outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    stack = cdk.Stack(app, stack_name, env=ENV)
    build(stack)
    report_path = Path(outdir) / "validation-report.json"
    template_path = Path(outdir) / f"{stack_name}.template.json"
    try:
        app.synth()
    except RuntimeError as error:  # the plugins interrupt synthesis on an ERROR finding
        if not report_path.exists() or not template_path.exists():
            raise
        report = json.loads(report_path.read_text())
        if gate:
            findings = Synthesized({}, report, report_path).unacknowledged()
            raise GateFailure("rule-pack findings:\n  " + "\n  ".join(findings)) from error
        return Synthesized(json.loads(template_path.read_text()), report, template_path)
    if not report_path.exists():
        raise GateFailure(f"no validation report in {outdir}: the rule packs did not run")
    report = json.loads(report_path.read_text())
    return Synthesized(json.loads(template_path.read_text()), report, template_path)


def cfn_lint(path: Path) -> list[str]:
    """cfn-lint's errors and warnings for a template (informational findings are ignored)."""
    from cfnlint.api import lint_file

    return [f"{m.rule.id} {m.message} ({m.path_string})" for m in lint_file(path) if m.rule.id[0] in "EW"]


# Asset hashes (64 hex), and the 32-hex suffix CDK puts on a function version's logical ID, which
# hashes the function's code and so changes with every handler edit.
_HASH = re.compile(r"\b[0-9a-f]{64}\b|(?<=[A-Za-z0-9])[0-9a-f]{32}\b|\b[0-9a-f]{32}\b")


def normalized(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes (which change with handler code) replaced, for snapshots."""
    text = json.dumps(template, sort_keys=True)
    text = _HASH.sub("HASH", text)
    return json.loads(text)  # type: ignore[no-any-return]


def write_handler(directory: Path, body: str = "") -> str:
    """A handler directory for tests; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(
        body or "def handler(event, context):\n    return {'statusCode': 200}\n"
    )
    return str(directory)


# What tools leave behind and Lambda never needs: lock files (uv writes `.lock` into an install
# target), the caches of Python, pytest, mypy and ruff, bytecode. Written out here, not taken from
# serverless_patterns.core.bundling.NEVER_SHIPPED, so that a name dropped there fails the tests.
_JUNK_DIRECTORIES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def junk_in(assembly: Path) -> list[str]:
    """Every lock file, cache directory and bytecode file in the asset directories of a cloud
    assembly (``cdk.out``), relative to it."""
    found = []
    for asset in sorted(p for p in assembly.glob("asset.*") if p.is_dir()):
        for path in sorted(asset.rglob("*")):
            name = path.name
            if (path.is_dir() and name in _JUNK_DIRECTORIES) or (
                path.is_file() and (name.endswith(".lock") or name.endswith((".pyc", ".pyo")))
            ):
                found.append(path.relative_to(assembly).as_posix())
    return found


def gate_tests(
    *, configs: tuple[str, ...], snapshots: tuple[str, ...]
) -> tuple[Callable[..., None], Callable[..., None], Callable[..., None]]:
    """The gates every pattern passes, for the module-scoped ``Synthesized`` fixtures named in
    ``configs``: no unacknowledged rule-pack finding (and a real reason on every acknowledged one),
    no cfn-lint error or warning, and a snapshot of each config in ``snapshots``.

    Bind the three results to ``test_*`` names in the pattern's test module so pytest collects them.
    """

    @pytest.mark.parametrize("config", configs)
    def rule_packs(config: str, request: pytest.FixtureRequest) -> None:
        synthesized: Synthesized = request.getfixturevalue(config)
        assert synthesized.unacknowledged() == []
        for ack in synthesized.acknowledged():
            assert len(ack["reason"]) > 40, ack  # every acknowledgment carries a real reason
        # Every alarm notifies someone (the alarm topic, or the user's), itself or through a
        # composite alarm that does (an SLO's window alarms).
        silent = [
            k
            for k, a in synthesized.resources("AWS::CloudWatch::Alarm").items()
            if not a["Properties"].get("AlarmActions") and k not in notified_through_composites(synthesized)
        ]
        assert silent == [], silent
        # A wildcard resource is acknowledged only on a policy that holds that one statement, never
        # on a role's default policy, where grants (and the user's statements) land later.
        assert wildcard_acknowledgments(synthesized) <= WILDCARD_POLICIES, wildcard_acknowledgments(
            synthesized
        )
        # The rollback policy: no alarm about data at rest (a parked message, a backlog, a stream's
        # iterator age, failed deliveries) rolls a canary back.
        assert rollback_metrics(synthesized) & DATA_AT_REST_METRICS == set()

    @pytest.mark.parametrize("config", configs)
    def lint(config: str, request: pytest.FixtureRequest) -> None:
        assert cfn_lint(request.getfixturevalue(config).template_path) == []

    @pytest.mark.parametrize("config", snapshots)
    def snapshot(config: str, request: pytest.FixtureRequest, snapshot: Any) -> None:
        assert normalized(request.getfixturevalue(config).template) == snapshot

    return rule_packs, lint, snapshot


def pattern_tests(
    *, configs: Mapping[str, Callable[[cdk.Stack], object]], snapshots: tuple[str, ...]
) -> dict[str, Any]:
    """Everything a pattern's test module binds, by the name to bind it to (``globals().update(...)``):

    - for each ``configs`` item, a module-scoped fixture of that name: the builder synthesized once
      with :func:`synth`;
    - the :func:`gate_tests` over every config (rule packs, cfn-lint), with a snapshot of each config
      in ``snapshots``, as ``test_rule_packs_have_no_unacknowledged_findings``,
      ``test_cfn_lint_is_clean`` and ``test_snapshot`` (the names the snapshots are stored under).
    """
    unknown = sorted(set(snapshots) - set(configs))
    if unknown:
        raise ValueError(f"snapshots name configs that are not in configs: {unknown}")
    bound: dict[str, Any] = {name: _synthesized_fixture(name, build) for name, build in configs.items()}
    rule_packs, lint, snapshot = gate_tests(configs=tuple(configs), snapshots=snapshots)
    bound["test_rule_packs_have_no_unacknowledged_findings"] = rule_packs
    bound["test_cfn_lint_is_clean"] = lint
    bound["test_snapshot"] = snapshot
    return bound


def _synthesized_fixture(name: str, build: Callable[[cdk.Stack], object]) -> Any:
    def synthesized() -> Synthesized:
        return synth(build, gate=False)  # findings fail the rule-pack test, not every test

    synthesized.__name__ = synthesized.__qualname__ = name
    synthesized.__doc__ = f"``{build.__name__}``, synthesized once per module."
    return pytest.fixture(scope="module", name=name)(synthesized)
