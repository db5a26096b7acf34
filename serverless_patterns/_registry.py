"""The one list of the package's public names, by the module that defines them.

``serverless_patterns/__init__.py`` re-exports these names (lazily), the catalog
(``serverless_patterns/catalog.py``) lists the patterns in this order, each with its smallest app,
and the shared tests take their patterns from here. Adding a pattern adds one line to
:data:`PATTERNS`, next to its folder and its tests (CONTRIBUTING.md, "Adding a pattern"); the
imports under ``if TYPE_CHECKING:`` in ``__init__.py`` may name only registered names.

Nothing here imports aws-cdk-lib.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PATTERNS", "SHARED", "PatternExports", "public_names"]


@dataclass(frozen=True)
class PatternExports:
    """The public names of one pattern module."""

    module: str
    """Its module or package in ``serverless_patterns.patterns`` (``api_to_lambda``). The catalog name
    is the same with dashes (``api-to-lambda``); a package keeps its catalog folder in ``catalog/``,
    a module has it under ``examples/catalog/<name>/``."""
    construct: str
    """The pattern's construct class (``ApiToLambda``)."""
    others: tuple[str, ...] = ()
    """The module's other public names: its option types and enums. Default: - none."""

    @property
    def name(self) -> str:
        """The catalog (command-line) name, kebab case."""
        return self.module.replace("_", "-")

    @property
    def qualified_module(self) -> str:
        return f"serverless_patterns.patterns.{self.module}"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.construct, *self.others)


SHARED: dict[str, tuple[str, ...]] = {
    "serverless_patterns.core": (
        "AlarmThresholds",
        "Batching",
        "DeploymentStrategy",
        "Domain",
        "FunctionSpec",
        "Latency",
        "Monitoring",
        "MonitoringOptions",
        "QueueOptions",
        "Slo",
        "Stage",
    ),
}
"""The names shared by every pattern, by module."""

PATTERNS: tuple[PatternExports, ...] = (
    PatternExports("api_to_lambda", "ApiToLambda", ("ApiType", "Authorization", "Cors")),
    PatternExports("s3_processor", "S3Processor", ("S3Delivery",)),
    PatternExports("stream_to_sns", "StreamToSns", ("StreamEventName",)),
    PatternExports("fanout_queue", "FanoutQueue", ("FanoutSubscriber", "FilterPolicyScope", "Subscriber")),
    PatternExports(
        "orchestrated_pipeline",
        "OrchestratedPipeline",
        ("Choice", "Map", "Parallel", "Retry", "Step", "Trigger", "Wait", "When"),
    ),
    PatternExports("queue_worker", "QueueWorker"),
    PatternExports("event_handler", "EventHandler"),
    PatternExports("durable_workflow", "DurableWorkflow"),
    PatternExports(
        "service_api",
        "ServiceApi",
        (
            "DeleteItem",
            "GetItem",
            "Param",
            "PutEvents",
            "PutItem",
            "Query",
            "SendMessage",
            "StartExecution",
            "StartSyncExecution",
        ),
    ),
    PatternExports("web_socket_api", "WebSocketApi", ("WebSocketAuthorizer",)),
)
"""Every pattern, in the order the catalog lists them."""


def public_names() -> dict[str, tuple[str, ...]]:
    """Every public name that is imported on first use, by the (absolute) module that defines it."""
    modules = dict(SHARED)
    for pattern in PATTERNS:
        modules[pattern.qualified_module] = pattern.names
    return modules
