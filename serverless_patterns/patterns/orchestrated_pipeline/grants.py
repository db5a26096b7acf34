"""The state machine role's grants: exactly the actions each state uses, on exactly that resource.

- Statements on one named resource (a function alias, a topic, a table, a queue, a bus, a nested
  state machine, a bucket, a KMS key, the ``.sync`` managed rule) go to the role's default policy.
- Statements that need a wildcard in their resource (a nested ``.sync`` execution, whose name is only
  known at run time; the objects of a bucket a Distributed Map reads by a key chosen at run time)
  live in ``WildcardResourcePolicy``, and each finding there is acknowledged on that policy alone,
  with a reason naming the state and the resource.
- A Distributed Map's own child executions (``DistributedMapPolicy``, as aws-cdk-lib builds it).
- The user's ``policies``: ``AdditionalPolicy``, never acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ...core import acknowledge_all
from ...core.nag import finding_resource
from .integrations import Use

__all__ = ["Plan", "apply", "chain_topic_plan"]

# Services whose statements on the state machine role need "*" (log delivery, X-Ray).

MANAGED_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
KMS_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]


@dataclass
class _Statement:
    actions: list[str]
    resources: list[str]
    reason: str = ""
    """Why its resource needs a wildcard (empty when it does not)."""


@dataclass
class Plan:
    """The role's statements, in the order they are added."""

    exact: list[_Statement] = field(default_factory=list)
    wildcard: list[_Statement] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    """The topics the definition publishes to, each once (for their alarms)."""


def plan(
    stack: cdk.Stack,
    uses: Sequence[Use],
    resource_of: Callable[[str, str], Any],
    invoke_arn: Callable[[str], str],
) -> Plan:
    """The statements for ``uses``; ``resource_of(kind, name)`` is the resource bound to a name,
    ``invoke_arn(name)`` the ARN a function is invoked by (the pattern's alias, or the user's)."""
    planner = _Planner(stack)
    for use in uses:
        planner.use(use, resource_of, invoke_arn)
    return planner.plan()


class _Planner:
    """Collects the statements of each use: one per resource, its actions merged."""

    def __init__(self, stack: cdk.Stack) -> None:
        self.stack = stack
        self.topics: list[Any] = []
        self.functions: list[str] = []
        self.keys: list[str] = []
        self.by_resource: dict[str, _Statement] = {}
        self.order: list[_Statement] = []

    def use(self, use: Use, resource_of: Callable[[str, str], Any], invoke_arn: Callable[[str], str]) -> None:
        if use.kind == "rule":
            rule = self.stack.format_arn(service="events", resource="rule", resource_name=MANAGED_RULE)
            self.add(use.actions, rule)
            return
        if use.kind == "bus" and use.name is None:
            self.add(use.actions, _default_bus(self.stack))
            return
        assert use.name is not None
        if use.kind == "function":
            arn = invoke_arn(use.name)
            if arn not in self.functions:
                self.functions.append(arn)
            return
        resource = resource_of(use.kind, use.name)
        if use.kind == "topic":
            if all(resource is not t for t in self.topics):
                self.topics.append(resource)
                self.key_of(resource, "master_key")
            return
        self.add(use.actions, *_resource(self.stack, use, resource))
        if use.kind == "queue":
            self.key_of(resource, "encryption_master_key")

    def add(self, actions: Sequence[str], resource: str, reason: str = "") -> None:
        key = json.dumps(self.stack.resolve(resource), sort_keys=True)
        statement = self.by_resource.get(key)
        if statement is None:
            statement = self.by_resource[key] = _Statement([], [resource], reason)
            self.order.append(statement)
        statement.actions.extend(a for a in actions if a not in statement.actions)

    def key_of(self, resource: Any, attribute: str) -> None:
        master = getattr(resource, attribute, None)
        # Equal, not identical: each read of ``key_arn`` is a new string of the same token.
        if master is not None and master.key_arn not in self.keys:
            self.keys.append(master.key_arn)

    def plan(self) -> Plan:
        result = Plan(topics=self.topics)
        if self.functions:
            result.exact.append(_Statement(["lambda:InvokeFunction"], self.functions))
        if self.topics:
            result.exact.append(_Statement(["sns:Publish"], [t.topic_arn for t in self.topics]))
        for statement in self.order:
            (result.wildcard if statement.reason else result.exact).append(statement)
        if self.keys:
            result.exact.append(_Statement(list(KMS_ACTIONS), self.keys))
        return result


def _resource(stack: cdk.Stack, use: Use, resource: Any) -> tuple[str, str]:
    """The resource of a table, queue, bus, state machine or bucket ``use``, and why it needs a
    wildcard (empty when it does not)."""
    if use.kind == "table":
        return resource.table_arn, ""
    if use.kind == "queue":
        return resource.queue_arn, ""
    if use.kind == "bus":
        return resource.event_bus_arn, ""
    if use.kind == "state_machine" and use.scope == "executions":
        name = stack.split_arn(resource.state_machine_arn, cdk.ArnFormat.COLON_RESOURCE_NAME).resource_name
        return _execution_arn(stack, f"{name}*"), (
            f"state {use.state!r} runs {use.integration} on {_path(resource)}: Step Functions describes "
            "and stops the child execution, whose name is chosen at run time, so the resource is the "
            "executions of that one state machine"
        )
    if use.kind == "state_machine":
        return resource.state_machine_arn, ""
    if use.kind == "bucket" and use.scope == "resource":
        return resource.bucket_arn, ""
    if use.kind == "bucket" and use.scope == "object" and use.object_key is not None:
        return resource.arn_for_objects(use.object_key), ""
    # a bucket's objects, by keys chosen at run time
    return resource.arn_for_objects("*"), (
        f"state {use.state!r} ({use.integration}) reaches objects of {_path(resource)} by keys chosen "
        "at run time, so the resource is the objects of that one bucket"
    )


def apply(
    scope: Construct,
    state_machine: sfn.StateMachine,
    grants: Plan,
    distributed_maps: Sequence[tuple[str, Mapping[str, Any]]],
    policies: Sequence[iam.PolicyStatement],
) -> list[iam.Policy]:
    """Adds ``grants`` to the state machine's role, the Distributed Map and user policies beside it.
    Returns the policies the state machine must wait for (not the Distributed Map's, which names the
    state machine itself)."""
    stack = cdk.Stack.of(scope)
    for statement in grants.exact:
        state_machine.add_to_role_policy(
            iam.PolicyStatement(actions=statement.actions, resources=statement.resources)
        )
    before: list[iam.Policy] = []
    if grants.wildcard:
        policy = iam.Policy(
            scope,
            "WildcardResourcePolicy",
            statements=[
                iam.PolicyStatement(actions=s.actions, resources=s.resources) for s in grants.wildcard
            ],
        )
        state_machine.role.attach_inline_policy(policy)
        _acknowledge(stack, policy, [(s.resources[0], s.reason) for s in grants.wildcard])
        before.append(policy)
    if distributed_maps:
        _distributed_map_policy(scope, stack, state_machine, distributed_maps)
    if policies:
        policy = iam.Policy(scope, "AdditionalPolicy", statements=list(policies))
        state_machine.role.attach_inline_policy(policy)
        before.append(policy)
    return before


def _distributed_map_policy(
    scope: Construct,
    stack: cdk.Stack,
    state_machine: sfn.StateMachine,
    distributed_maps: Sequence[tuple[str, Mapping[str, Any]]],
) -> None:
    """``DistributedMapPolicy``: the Distributed Maps start, describe, stop and redrive child
    executions of this state machine, named at run time (acknowledged on exactly those resources)."""
    arn = state_machine.state_machine_arn
    name = stack.split_arn(arn, cdk.ArnFormat.COLON_RESOURCE_NAME).resource_name
    executions = _execution_arn(stack, name)
    labels = [m.get("Label") for _l, m in distributed_maps]
    redrive = sorted({f"{name}/{label if isinstance(label, str) else '*'}:*" for label in labels})
    redrive_arns = [_execution_arn(stack, r) for r in redrive]
    states = ", ".join(repr(label) for label, _m in distributed_maps)
    policy = iam.Policy(
        scope,
        "DistributedMapPolicy",
        statements=[
            iam.PolicyStatement(actions=["states:StartExecution"], resources=[arn]),
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[f"{executions}:*"],
            ),
            iam.PolicyStatement(actions=["states:RedriveExecution"], resources=redrive_arns),
        ],
    )
    state_machine.role.attach_inline_policy(policy)
    reason = (
        f"the Distributed Map state(s) {states} run child executions of this state machine, named at "
        "run time: the resource is this state machine's own executions"
    )
    _acknowledge(stack, policy, [(f"{executions}:*", reason), *((r, reason) for r in redrive_arns)])


def _execution_arn(stack: cdk.Stack, resource_name: str | None) -> str:
    """The ARN of the executions named ``resource_name`` (``machine:*``) in this stack's account and region."""
    return stack.format_arn(
        service="states",
        resource="execution",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        resource_name=resource_name,
    )


def chain_topic_plan(topic: Any) -> Plan:
    """The grants a chain's notifications need besides what ``SnsPublish`` grants: the topic's key."""
    result = Plan(topics=[topic])
    key = getattr(topic, "master_key", None)
    if key is not None:
        result.exact.append(_Statement(list(KMS_ACTIONS), [key.key_arn]))
    return result


def _acknowledge(stack: cdk.Stack, policy: iam.Policy, items: Sequence[tuple[str, str]]) -> None:
    """Acknowledges AwsSolutions-IAM5 for exactly each wildcard resource of ``policy``."""
    acknowledge_all(
        policy,
        [
            ("AwsSolutions-IAM5", reason, f"Resource::{finding_resource(stack.resolve(resource))}")
            for resource, reason in items
        ],
    )


def _default_bus(stack: cdk.Stack) -> str:
    return stack.format_arn(
        service="events",
        resource="event-bus",
        resource_name="default",
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )


def _path(resource: Any) -> str:
    node = getattr(resource, "node", None)
    return str(node.path) if node is not None else "the given resource"
