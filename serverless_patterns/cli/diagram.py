"""Draws a :class:`~serverless_patterns.cli.graph.Graph`: Mermaid text for docs and terminals, PNG
and SVG with AWS icons through the ``diagrams`` package and Graphviz."""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
from pathlib import Path
from typing import cast

from .errors import CliError
from .graph import Edge, Graph, Node

__all__ = ["FORMATS", "render", "to_mermaid"]

FORMATS = ("mermaid", "png", "svg")

# Mermaid node shapes by kind: (open, close).
_SHAPES: dict[str, tuple[str, str]] = {
    "api": ("[/", "/]"),
    "http_api": ("[/", "/]"),
    "function": ("(", ")"),
    "queue": ("[[", "]]"),
    "topic": (">", "]"),
    "table": ("[(", ")]"),
    "bucket": ("[(", ")]"),
    "state_machine": ("{{", "}}"),
    "rule": ("([", "])"),
    "schedule": ("([", "])"),
    "event_bus": ("([", "])"),
    "stream": ("[[", "]]"),
    "pipe": ("([", "])"),
    "alarms": ("[", "]"),
}
_ARROWS = {"flow": "-->", "grant": "-.->", "redrive": "-.->", "failure": "-.->", "alarm": "-.->"}


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def _node_text(node: Node) -> str:
    return f"{_quote(node.label)}<br/><small>{node.title}</small>"


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart, one subgraph per stack."""
    lines = ["flowchart LR"]
    for index, stack in enumerate(graph.stacks()):
        lines.append(f'  subgraph stack{index}["{_quote(stack)}"]')
        for node in graph.nodes.values():
            if node.stack == stack:
                opening, closing = _SHAPES.get(node.kind, ("[", "]"))
                lines.append(f'    {node.id}{opening}"{_node_text(node)}"{closing}')
        lines.append("  end")
    for edge in graph.edges:
        arrow = _ARROWS.get(edge.kind, "-->")
        label = f'|"{_quote(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


def _icon(kind: str) -> type:
    from diagrams.aws.compute import Lambda
    from diagrams.aws.database import Dynamodb
    from diagrams.aws.integration import (
        SNS,
        SQS,
        Eventbridge,
        EventbridgeRule,
        EventbridgeScheduler,
        StepFunctions,
    )
    from diagrams.aws.management import CloudwatchAlarm
    from diagrams.aws.network import APIGateway
    from diagrams.aws.storage import S3

    icons: dict[str, type] = {
        "api": APIGateway,
        "http_api": APIGateway,
        "function": Lambda,
        "queue": SQS,
        "topic": SNS,
        "table": Dynamodb,
        "bucket": S3,
        "state_machine": StepFunctions,
        "rule": EventbridgeRule,
        "schedule": EventbridgeScheduler,
        "event_bus": Eventbridge,
        "pipe": Eventbridge,
        "alarms": CloudwatchAlarm,
    }
    if kind == "stream":
        from diagrams.aws.analytics import KinesisDataStreams

        return cast(type, KinesisDataStreams)
    return icons.get(kind, cast(type, Lambda))


def _edge_style(edge: Edge) -> dict[str, str]:
    if edge.kind == "flow":
        return {"style": "bold", "color": "#232f3e"}
    if edge.kind in ("redrive", "failure"):
        return {"style": "dashed", "color": "#d13212"}
    return {"style": "dashed", "color": "#7d8998"}


def _render_image(graph: Graph, output: Path, fmt: str, title: str) -> None:
    if shutil.which("dot") is None:
        raise CliError(
            "Graphviz is not installed (no 'dot' on PATH); install it (apt-get install graphviz) "
            "or use --format mermaid"
        )
    from diagrams import Cluster, Diagram
    from diagrams import Edge as DEdge

    with tempfile.TemporaryDirectory() as work:
        base = Path(work) / "diagram"
        attrs = {"fontsize": "20", "pad": "0.4", "splines": "spline", "nodesep": "0.8", "ranksep": "1.2"}
        with Diagram(title, filename=str(base), outformat=fmt, show=False, direction="LR", graph_attr=attrs):
            drawn = {}
            for stack in graph.stacks():
                with Cluster(stack):
                    for node in graph.nodes.values():
                        if node.stack == stack:
                            drawn[node.id] = _icon(node.kind)(node.label)
            for edge in graph.edges:
                drawn[edge.source] >> DEdge(label=edge.label, **_edge_style(edge)) >> drawn[edge.target]
        produced = base.with_suffix(f".{fmt}")
        if fmt == "svg":
            produced.write_text(_inline_images(produced.read_text(encoding="utf-8")), encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, output)


def _inline_images(svg: str) -> str:
    """Embeds the icon PNGs Graphviz links by local path, so the SVG stands alone."""

    def embed(match: re.Match[str]) -> str:
        path = Path(match.group(2))
        if not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'{match.group(1)}="data:image/png;base64,{data}"'

    return re.sub(r'(xlink:href|href)="([^"]+\.png)"', embed, svg)


def render(graph: Graph, output: Path | None, fmt: str, *, title: str = "Architecture") -> str | None:
    """Writes the diagram to ``output`` in ``fmt``; returns the Mermaid text when ``fmt`` is mermaid."""
    if not graph.nodes:
        raise CliError(
            "the app has none of the resources a diagram shows (APIs, functions, queues, topics, ...)"
        )
    if fmt == "mermaid":
        text = to_mermaid(graph)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        return text
    if output is None:
        raise CliError(f"a {fmt.upper()} diagram needs an output file: pass -o FILE.{fmt}")
    _render_image(graph, output, fmt, title)
    return None
