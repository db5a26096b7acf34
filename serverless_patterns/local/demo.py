"""``python -m serverless_patterns.local.demo [APP_DIR]``: deploy a CDK app to the local cloud and
send a sample event through every pattern found in it.

It starts the local cloud on 127.0.0.1, bootstraps it (the stack ``cdk bootstrap`` creates, from the
pinned CDK CLI's template) and runs ``cdk deploy`` (every stack) with that CLI, then looks at what
was deployed, not at stack names:

- a REST or HTTP API -> one HTTP request per route (path parameters filled with ``1``);
- a bucket with notifications -> an object upload matching the notification's filters;
- a table with a stream read by a function -> an item put;
- an SNS topic with SQS subscriptions -> a publish;
- a queue read by a function (and not fed by one of the above) -> a message;
- a state machine -> an execution;

and prints what each handler did, with timings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from . import moto_adapter
from .cloud import LocalCloud, LocalCloudError
from .runtime import Invocation

__all__ = ["main"]

Sample = tuple[str, Callable[[], str]]
"""What a sample is (``"POST /users on UsersApi"``) and how to send it (returns the outcome)."""


def _api_samples(cloud: LocalCloud, stack: str) -> Iterator[Sample]:
    v1 = moto_adapter.backend("apigateway", cloud.account_id, cloud.region).apis
    v2 = moto_adapter.backend("apigatewayv2", cloud.account_id, cloud.region).apis
    ids = [*cloud.resources(stack, "AWS::ApiGateway::RestApi").values()]
    ids += [*cloud.resources(stack, "AWS::ApiGatewayV2::Api").values()]
    for api_id in ids:
        routes: list[tuple[str, str]] = []
        if api_id in v1:
            for resource in v1[api_id].resources.values():
                for method in resource.resource_methods:
                    if method != "OPTIONS":
                        routes.append((method, resource.get_path()))
        elif api_id in v2:
            for route in v2[api_id].routes.values():
                verb, _, path = str(route.route_key).partition(" ")
                routes.append((verb if verb != "$default" else "GET", path or "/"))
        for method, template in sorted(routes, key=lambda r: (r[1], r[0])):
            path = "/".join("1" if p.startswith("{") else p for p in template.split("/"))
            verb = "GET" if method == "ANY" else method

            def send(verb: str = verb, path: str = path, api_id: str = api_id) -> str:
                body = {**_ORDER, "name": "Demo"} if verb in ("POST", "PUT", "PATCH") else None
                got = cloud.invoke_api(verb, path, api_id=api_id, body=body)
                outcome = f"HTTP {got.status} {got.text[:120]}"
                execution = (
                    got.json().get("executionArn") if got.status == 200 and got.text.startswith("{") else None
                )
                if execution:  # a StartExecution integration: wait for the workflow it started
                    machine = execution.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
                    outcome += "; " + _outcome(cloud, machine, set())
                return outcome

            yield (f"{verb} {template} on API {api_id}", send)


def _bucket_samples(cloud: LocalCloud, stack: str) -> Iterator[Sample]:
    s3 = cloud.client("s3")
    for bucket in cloud.resources(stack, "AWS::S3::Bucket").values():
        config = s3.get_bucket_notification_configuration(Bucket=bucket)
        entries = [
            e
            for kind in ("QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations")
            for e in config.get(kind, [])
            if any(ev.startswith("s3:ObjectCreated") for ev in e.get("Events", []))
        ]
        if not entries:
            continue
        rules = {
            r["Name"].lower(): r["Value"]
            for r in entries[0].get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        suffix = rules.get("suffix", ".json")
        key = f"{rules.get('prefix', '')}demo-{uuid.uuid4().hex[:6]}{suffix}"
        body = _sample_object(suffix)

        def send(bucket: str = bucket, key: str = key, body: bytes = body) -> str:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            return f"uploaded s3://{bucket}/{key} ({len(body)} bytes)"

        yield (f"upload to bucket {bucket}", send)


# The smallest baseline JPEG header a size reader accepts: SOI, a 1x1 SOF0 frame, EOI.
_JPEG = bytes.fromhex("ffd8ffc0001108000100010301220002110103110100ffd9")


def _sample_object(suffix: str) -> bytes:
    """A small object of the kind the key's suffix names."""
    lowered = suffix.lower()
    if lowered.endswith((".jpg", ".jpeg")):
        return _JPEG
    if lowered.endswith(".csv"):
        return b"id,value\n1,42\n"
    return json.dumps({"demo": True, "items": [{"id": 1, "value": 42}]}).encode()


def _mapped_sources(cloud: LocalCloud) -> set[str]:
    return {
        m["EventSourceArn"]
        for m in cloud.client("lambda").list_event_source_mappings().get("EventSourceMappings", [])
    }


def _table_samples(cloud: LocalCloud, stack: str, mapped: set[str]) -> Iterator[Sample]:
    ddb = cloud.client("dynamodb")
    for table in cloud.resources(stack, "AWS::DynamoDB::Table").values():
        described = ddb.describe_table(TableName=table)["Table"]
        if described.get("LatestStreamArn") not in mapped:
            continue
        types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
        item: dict[str, Any] = {}
        for key in described["KeySchema"]:
            kind = types[key["AttributeName"]]
            item[key["AttributeName"]] = {kind: "1" if kind == "N" else f"demo-{uuid.uuid4().hex[:6]}"}
        item.setdefault("detail", {"S": "written by the local cloud demo"})

        def send(table: str = table, item: dict[str, Any] = item) -> str:
            ddb.put_item(TableName=table, Item=item)
            return f"put {json.dumps(item)}"

        yield (f"put item in table {table}", send)


def _topic_samples(cloud: LocalCloud, stack: str) -> Iterator[Sample]:
    sns = cloud.client("sns")
    for topic in cloud.resources(stack, "AWS::SNS::Topic").values():
        subs = sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
        if not any(s["Protocol"] == "sqs" for s in subs):
            continue

        def send(topic: str = topic) -> str:
            message = {"id": uuid.uuid4().hex[:8], "name": "Demo", "email": "demo@example.com", "demo": True}
            sent = sns.publish(TopicArn=topic, Message=json.dumps(message))
            return f"published {sent['MessageId']}"

        yield (f"publish to topic {topic.split(':')[-1]}", send)


def _queue_samples(cloud: LocalCloud, stack: str, mapped: set[str], fed: set[str]) -> Iterator[Sample]:
    sqs = cloud.client("sqs")
    for url in cloud.resources(stack, "AWS::SQS::Queue").values():
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if arn not in mapped or arn in fed:
            continue

        def send(url: str = url) -> str:
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"demo": True}))
            return "sent 1 message"

        yield (f"send to queue {arn.split(':')[-1]}", send)


_ORDER = {
    "orderId": "demo-1",
    "customerId": "c-1",
    "email": "demo@example.com",
    "items": [{"sku": "BOOK-42", "quantity": 1, "price": 5}],
}
"""A sample order-like payload: the fields most handlers of an order or user event look for."""


def _outcome(cloud: LocalCloud, arn: str, before: set[str]) -> str:
    """How the first execution of ``arn`` not in ``before`` ended."""
    sfn = cloud.client("stepfunctions")

    def finished() -> dict[str, Any] | None:
        for e in sfn.list_executions(stateMachineArn=arn)["executions"]:
            if e["executionArn"] not in before and e["status"] != "RUNNING":
                return dict(sfn.describe_execution(executionArn=e["executionArn"]))
        return None

    try:
        done = cloud.wait_for(finished, timeout=30)
    except LocalCloudError:
        return "no execution finished within 30 s"
    assert isinstance(done, dict)
    tail = done.get("output") or f"{done.get('error')}: {done.get('cause', '')}"
    return f"execution {done['status']}: {str(tail)[:120]}"


def _executions(cloud: LocalCloud, arn: str) -> set[str]:
    found = cloud.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    return {str(e["executionArn"]) for e in found}


def _rule_samples(cloud: LocalCloud, stack: str) -> tuple[list[Sample], set[str]]:
    """Samples for EventBridge rules (an event matching the pattern, or the scheduled event a
    schedule would send), and the targets they cover."""
    events = cloud.client("events")
    samples: list[Sample] = []
    covered: set[str] = set()
    for name in cloud.resources(stack, "AWS::Events::Rule").values():
        rule = events.describe_rule(Name=name.split("|")[-1])
        targets = [str(t["Arn"]) for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]]
        covered.update(targets)
        machines = [t for t in targets if ":states:" in t]
        if rule.get("EventPattern"):
            pattern = json.loads(rule["EventPattern"])
            source = str((pattern.get("source") or ["demo"])[0])
            detail_type = str((pattern.get("detail-type") or ["Demo"])[0])

            def send(
                source: str = source, detail_type: str = detail_type, machines: list[str] = machines
            ) -> str:
                before = {m: _executions(cloud, m) for m in machines}
                entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(_ORDER)}
                events.put_events(Entries=[entry])
                ends = [_outcome(cloud, m, before[m]) for m in machines]
                return "; ".join([f"put event {source}/{detail_type}", *ends])

            samples.append((f"event matching rule {rule['Name']}", send))
        elif rule.get("ScheduleExpression"):
            scheduled = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": cloud.account_id,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "region": cloud.region,
                "resources": [rule["Arn"]],
                "detail": {},
            }

            def fire(targets: list[str] = targets, scheduled: dict[str, Any] = scheduled) -> str:
                ends = []
                for arn in targets:
                    if ":states:" in arn:
                        before = _executions(cloud, arn)
                        cloud.client("stepfunctions").start_execution(
                            stateMachineArn=arn, input=json.dumps(scheduled)
                        )
                        ends.append(_outcome(cloud, arn, before))
                    elif ":lambda:" in arn:
                        cloud.client("lambda").invoke(
                            FunctionName=arn, InvocationType="Event", Payload=json.dumps(scheduled)
                        )
                        ends.append(f"invoked {arn.split(':')[6]}")
                return "; ".join(["sent the scheduled event", *ends])

            samples.append((f"schedule {rule['ScheduleExpression']} of rule {rule['Name']}", fire))
    return samples, covered


def _machine_samples(cloud: LocalCloud, stack: str, covered: set[str]) -> Iterator[Sample]:
    for arn in cloud.resources(stack, "AWS::StepFunctions::StateMachine").values():
        if arn in covered:
            continue

        def send(arn: str = arn) -> str:
            before = _executions(cloud, arn)
            cloud.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(_ORDER))
            return _outcome(cloud, arn, before)

        yield (f"start state machine {arn.split(':')[-1]}", send)


def _fed_queues(cloud: LocalCloud, stack: str) -> set[str]:
    """Queues that receive from a topic or bucket in this stack (the sample reaches them that way)."""
    fed: set[str] = set()
    sns = cloud.client("sns")
    for topic in cloud.resources(stack, "AWS::SNS::Topic").values():
        for sub in sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", []):
            if sub["Protocol"] == "sqs":
                fed.add(sub["Endpoint"])
    s3 = cloud.client("s3")
    for bucket in cloud.resources(stack, "AWS::S3::Bucket").values():
        for entry in s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", []):
            fed.add(entry["QueueArn"])
    return fed


def samples_for(cloud: LocalCloud, stack: str) -> list[Sample]:
    """Every sample event the demo sends to ``stack``, found from its deployed resources."""
    mapped = _mapped_sources(cloud)
    rules, covered = _rule_samples(cloud, stack)
    return [
        *_api_samples(cloud, stack),
        *_bucket_samples(cloud, stack),
        *_table_samples(cloud, stack, mapped),
        *_topic_samples(cloud, stack),
        *_queue_samples(cloud, stack, mapped, _fed_queues(cloud, stack)),
        *rules,
        *_machine_samples(cloud, stack, covered),
    ]


def _line(inv: Invocation) -> str:
    outcome = "ok" if inv.ok else f"FAILED {(inv.error or '').splitlines()[0]}"
    return f"    {inv.duration_ms:8.1f} ms  {inv.function_name}:{inv.qualifier}  <- {inv.source} {inv.detail}  {outcome}"


def run(app: Path, out: TextIO, *, settle_seconds: float = 20.0) -> int:
    """Deploy ``app``, send the samples, print what ran. Returns the exit code."""
    say: Callable[[str], None] = lambda text: print(text, file=out, flush=True)  # noqa: E731
    begin = time.monotonic()
    with LocalCloud() as cloud:
        say(
            f"local cloud up in {cloud.started_in:.1f} s: AWS at {cloud.endpoint_url}, APIs at {cloud.api_url}"
        )
        say(f"deploying {app} with the CDK CLI (bootstrapped, then deploy --all) ...")
        deployment = cloud.deploy(app)
        say(
            f"deployed {len(deployment.stacks)} stack(s) in {deployment.seconds:.1f} s: {', '.join(deployment.stacks)}"
        )
        for line in deployment.summary():
            say(f"  {line}")
        failures = 0
        for stack in deployment.stacks:
            samples = samples_for(cloud, stack)
            say(f"\n== {stack}: {len(samples)} sample event(s)")
            for title, send in samples:
                mark = len(cloud.invocations)
                started = time.monotonic()
                try:
                    outcome = send()
                except Exception as exc:
                    outcome = f"could not send: {type(exc).__name__}: {exc}"
                    failures += 1
                try:
                    cloud.wait_for(idle=True, timeout=settle_seconds)
                except LocalCloudError:
                    outcome += f" (still busy after {settle_seconds:.0f} s)"
                say(f"  {title}: {outcome}  [{(time.monotonic() - started) * 1000:.0f} ms]")
                runs = cloud.invocations[mark:]
                failures += sum(1 for r in runs if not r.ok)
                for inv in runs:
                    say(_line(inv))
                if not runs:
                    say("    (no handler ran)")
        total = len(cloud.invocations)
        say(
            f"\n{total} handler run(s), {sum(1 for i in cloud.invocations if not i.ok)} failed; total {time.monotonic() - begin:.1f} s"
        )
    return 1 if failures and total == 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m serverless_patterns.local.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "app", nargs="?", default=".", help="directory with cdk.json, or a cdk.out (default: .)"
    )
    args = parser.parse_args(argv)
    app = Path(args.app)
    if not ((app / "cdk.json").is_file() or (app / "manifest.json").is_file()):
        parser.error(f"{app} has neither cdk.json nor manifest.json")
    return run(app, sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
