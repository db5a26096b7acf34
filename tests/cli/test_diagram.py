"""``diagram``: nodes and event flows read from a synthesized app, drawn as Mermaid, PNG and SVG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_patterns.cli.assembly import Assembly, Template, read_assembly
from serverless_patterns.cli.graph import Graph, build_graph

from .support import invoke, run_script


@pytest.fixture(scope="module")
def graph(plain_app: Path) -> Graph:
    return build_graph(read_assembly(plain_app / "cdk.out"))


def _edges(graph: Graph) -> set[tuple[str, str, str]]:
    label = {node.id: node.label for node in graph.nodes.values()}
    return {(label[e.source], label[e.target], e.label) for e in graph.edges}


def test_nodes_are_the_resources_that_matter(graph: Graph) -> None:
    kinds = {node.label: node.kind for node in graph.nodes.values()}
    assert kinds == {
        "ApiFn": "function",
        "Worker": "function",
        "StepFn": "function",
        "OrdersApi": "api",
        "Orders": "table",
        "Work": "queue",
        "WorkDlq": "queue",
        "Uploads": "topic",
        "Alarms": "topic",
        "Inbox": "bucket",
        "Flow": "state_machine",
        "Nightly": "rule",
        "2 alarms": "alarms",
    }


def test_noise_collapses_into_its_owner(graph: Graph) -> None:
    labels = {node.label for node in graph.nodes.values()}
    # No alias, version, role, policy, log group, event source mapping or the CDK's
    # bucket-notifications function as nodes of their own.
    assert not any("BucketNotificationsHandler" in label for label in labels)
    assert not any(part in label for label in labels for part in ("ServiceRole", "Live", "Version", "Policy"))


def test_event_flows(graph: Graph) -> None:
    edges = _edges(graph)
    assert ("OrdersApi", "ApiFn", "GET /orders") in edges  # API integration on the function's alias
    assert ("Work", "Worker", "poll") in edges  # event source mapping
    assert ("Work", "WorkDlq", "redrive") in edges  # the DLQ is an edge, not a consumer
    assert ("Uploads", "Work", "subscription") in edges  # SNS subscription
    assert ("Inbox", "Uploads", "ObjectCreated:*") in edges  # S3 notification
    assert ("Flow", "StepFn", "task") in edges  # state machine task
    assert ("Nightly", "Flow", "schedule") in edges  # EventBridge rule target
    assert ("ApiFn", "Orders", "read/write") in edges  # IAM grant
    assert ("2 alarms", "Alarms", "alarm") in edges
    # Grants that only enable a drawn flow (the worker receiving from its queue, the state
    # machine invoking its function) add no second edge.
    assert not any(source == "Worker" and target == "Work" for source, target, _ in edges)
    assert not any(
        source == "Flow" and target == "StepFn" and label != "task" for source, target, label in edges
    )


def test_a_plain_template_with_path_metadata() -> None:
    body = {
        "Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": "S/Jobs/Resource"}},
            "F": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/Handler/Resource"}},
            "M": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {"FunctionName": {"Ref": "F"}, "EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}},
            },
        }
    }
    template = Template("S", body, paths={"Q": "/S/Jobs/Resource", "F": "/S/Handler/Resource"})
    graph = build_graph(Assembly(templates=[template]))
    assert _edges(graph) == {("Jobs", "Handler", "poll")}


def test_mermaid_through_the_console_script(plain_app: Path, tmp_path: Path, runner: CliRunner) -> None:
    done = run_script("diagram", str(plain_app), "--no-synth")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("flowchart LR\n")
    assert '-->|"GET /orders"|' in done.stdout
    assert '-.->|"redrive"|' in done.stdout
    output = tmp_path / "architecture.mmd"
    assert invoke(runner, "diagram", str(plain_app / "cdk.out"), "-o", str(output))[0] == 0
    assert output.read_text() == done.stdout


def test_png_and_svg(plain_app: Path, tmp_path: Path, runner: CliRunner) -> None:
    png, svg = tmp_path / "a.png", tmp_path / "a.svg"
    assert invoke(runner, "diagram", str(plain_app), "--no-synth", "-o", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert invoke(runner, "diagram", str(plain_app), "--no-synth", "--format", "svg", "-o", str(svg))[0] == 0
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg"))
    assert "data:image/png;base64," in text  # icons embedded: the SVG names no local file
    assert '.png"' not in text


def test_diagram_of_a_template_file(plain_app: Path, runner: CliRunner) -> None:
    template = plain_app / "cdk.out" / "Plain.template.json"
    code, stdout, _ = invoke(runner, "diagram", str(template), "--format", "mermaid")
    assert code == 0
    assert "poll" in stdout
    assert json.loads(template.read_text())["Resources"]


def test_unknown_format_is_one_line(runner: CliRunner, plain_app: Path) -> None:
    code, _, stderr = invoke(runner, "diagram", str(plain_app), "--no-synth", "--format", "gif")
    assert code == 2
    assert stderr.strip().splitlines() == ["error: --format must be one of mermaid, png, svg, got 'gif'"]
