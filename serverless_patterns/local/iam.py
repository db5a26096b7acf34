"""IAM for handlers: every AWS call a handler makes with its role's credentials is checked against
the identity policies that role has (from the deployed template), as AWS would, before moto sees it.

What is evaluated: the role's inline and attached managed policies; ``Action``/``NotAction`` and
``Resource``/``NotResource`` with wildcards; an explicit ``Deny`` wins; no ``Allow`` is a denial.
The action and resource are read from the request for DynamoDB, SQS, SNS, S3, Lambda, Step
Functions, EventBridge, Secrets Manager, SSM parameters (``GetParameter(s)``) and CodeDeploy calls
naming a deployment (the deployment's group, for a traffic hook's status); for other services
only the action is checked (against ``*``). Durable execution calls are read with the execution's
ARN (``ListDurableExecutionsByFunction`` with the function's); callbacks
(``SendDurableExecutionCallback*``) are not checked.

Not evaluated: ``Condition`` blocks (a statement with conditions applies as if they held),
resource-based policies (queue, topic, bucket, function, key policies), KMS key policies and the
KMS permissions an encrypted queue or topic needs, permission boundaries, SCPs, session policies.
Calls made with any other credentials (your own clients, the CDK CLI, the local cloud itself) are
not checked.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

__all__ = ["Decision", "IamEnforcer", "Request", "evaluate"]

_JSON_PREFIXES = {
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodb",
    "AmazonSQS": "sqs",
    "AWSStepFunctions": "states",
    "AWSEvents": "events",
    "Logs_20140328": "logs",
    "AmazonSSM": "ssm",
    "secretsmanager": "secretsmanager",
    "TrentService": "kms",
    "Kinesis_20131202": "kinesis",
}

# Where a service signs under a name that is not its IAM prefix.
_IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "execute-api": "execute-api"}


@dataclass(frozen=True)
class Request:
    """One call, as IAM sees it."""

    action: str
    """``service:Operation``."""
    resources: tuple[str, ...]
    """ARNs the call touches (``*`` when not known)."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower().replace("[", "[[]"))


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _resource_matches(pattern: str, resource: str) -> bool:
    # Patterns are case-sensitive for resources; '*' and '?' are wildcards.
    return fnmatch.fnmatchcase(resource, pattern.replace("[", "[[]"))


def _statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    if "NotAction" in statement:
        if any(_matches(p, action) for p in _listed(statement["NotAction"])):
            return False
    elif not any(_matches(p, action) for p in _listed(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        return not any(_resource_matches(p, resource) for p in _listed(statement["NotResource"]))
    patterns = _listed(statement.get("Resource"))
    return (resource == "*" and "*" in patterns) or any(_resource_matches(p, resource) for p in patterns)


def evaluate(policies: Iterable[dict[str, Any]], request: Request) -> Decision:
    """Allow when every resource of the request is allowed by some statement and denied by none."""
    statements = [s for policy in policies for s in _listed_statements(policy.get("Statement"))]
    for resource in request.resources:
        allowed = False
        for statement in statements:
            if not _statement_applies(statement, request.action, resource):
                continue
            if statement.get("Effect") == "Deny":
                return Decision(False, f"an explicit deny in an identity-based policy on {resource}")
            allowed = True
        if not allowed:
            return Decision(
                False,
                f"no identity-based policy allows the {request.action} action on resource: {resource}",
            )
    return Decision(True, "")


def _listed_statements(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [s for s in value or [] if isinstance(s, dict)]


# -- reading a request ----------------------------------------------------------------------------


def _queue_arn(url: str, region: str, account: str) -> str:
    path = urlparse(url).path.strip("/").split("/")
    if len(path) >= 2:
        return f"arn:aws:sqs:{region}:{path[-2]}:{path[-1]}"
    return f"arn:aws:sqs:{region}:{account}:{path[-1] if path else ''}"


def read_request(
    service: str,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    account: str,
    secret_arn: Callable[[str], str | None] | None = None,
    deployment_group: Callable[[str], str | None] | None = None,
) -> Request | None:
    """The action and resources of a signed request, or None when it cannot be read.
    ``secret_arn`` gives the full ARN of a secret from its name or partial ARN (IAM matches the
    full one, which ends in six random characters), None when there is no such secret.
    ``deployment_group`` gives the ARN of a CodeDeploy deployment's group from its id (a traffic
    hook's ``PutLifecycleEventHookExecutionStatus`` is allowed on it)."""
    service = _IAM_PREFIX.get(service, service)
    target = headers.get("x-amz-target", "")
    data: dict[str, Any]
    if target:
        prefix, _, operation = target.partition(".")
        service = _JSON_PREFIXES.get(prefix, service)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
    else:
        form = {k: v[0] for k, v in parse_qs(query).items()}
        if method == "POST" and "x-www-form-urlencoded" in headers.get("content-type", ""):
            form.update({k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()})
        operation = form.get("Action", "")
        data = {key: value for key, value in form.items()}
    if service == "dynamodb":
        tables = [str(data["TableName"])] if "TableName" in data else list(data.get("RequestItems") or {})
        for item in data.get("TransactItems") or []:
            for part in item.values():
                if isinstance(part, dict) and "TableName" in part:
                    tables.append(str(part["TableName"]))
        index = f"/index/{data['IndexName']}" if data.get("IndexName") else ""
        arns = [
            t if t.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{t}{index}"
            for t in tables
        ]
        return Request(f"dynamodb:{operation}", tuple(arns) or ("*",))
    if service == "sqs":
        url = str(data.get("QueueUrl", ""))
        if operation == "GetQueueUrl" and data.get("QueueName"):
            return Request("sqs:GetQueueUrl", (f"arn:aws:sqs:{region}:{account}:{data['QueueName']}",))
        return Request(f"sqs:{operation}", (_queue_arn(url, region, account),) if url else ("*",))
    if service == "sns":
        arn = str(data.get("TopicArn") or data.get("TargetArn") or "")
        return Request(f"sns:{operation}", (arn,) if arn else ("*",))
    if service == "states":
        arn = str(data.get("stateMachineArn") or data.get("executionArn") or "")
        return Request(f"states:{operation}", (arn,) if arn else ("*",))
    if service == "events":
        buses = {str(e.get("EventBusName") or "default") for e in data.get("Entries") or [{}]}
        arns = [
            b if b.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{b}" for b in buses
        ]
        return Request(f"events:{operation}", tuple(sorted(arns)))
    if service == "secretsmanager":
        secret = str(data.get("SecretId") or "")
        if not secret:
            return Request(f"secretsmanager:{operation}", ("*",))
        full = secret_arn(secret) if secret_arn is not None else None
        arn = (
            secret
            if secret.startswith("arn:")
            else f"arn:aws:secretsmanager:{region}:{account}:secret:{secret}"
        )
        return Request(f"secretsmanager:{operation}", (full or arn,))
    if service == "ssm" and operation in ("GetParameter", "GetParameters"):
        names = [str(data["Name"])] if "Name" in data else [str(n) for n in data.get("Names") or []]
        arns = [  # a name may end in ":version" or ":label"
            n
            if n.startswith("arn:")
            else f"arn:aws:ssm:{region}:{account}:parameter/{n.split(':')[0].lstrip('/')}"
            for n in names
        ]
        return Request(f"ssm:{operation}", tuple(arns) or ("*",))
    if service == "codedeploy" and data.get("deploymentId"):
        group = deployment_group(str(data["deploymentId"])) if deployment_group is not None else None
        return Request(f"codedeploy:{operation}", (group or "*",))
    if service == "lambda":
        durable = _durable_request(method, path, region, account)
        if durable is not None:
            return durable
        match = re.match(r"^/[0-9-]+/functions/([^/]+)(/.*)?$", path)
        if not match:
            return None
        name = unquote(match.group(1))
        rest = match.group(2) or ""
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
        qualifier = parse_qs(query).get("Qualifier", [""])[0]
        if qualifier and arn.count(":") == 6:
            arn = f"{arn}:{qualifier}"
        action = "lambda:InvokeFunction" if rest.startswith("/invocations") else None
        if action is None:
            action = {"GET": "lambda:GetFunction", "DELETE": "lambda:DeleteFunction"}.get(method)
        return Request(action, (arn,)) if action else None
    if service == "s3":
        parts = unquote(path).lstrip("/").split("/", 1)
        bucket = parts[0]
        key = parts[1] if len(parts) > 1 else ""
        params = parse_qs(query, keep_blank_values=True)
        if not bucket:
            return Request("s3:ListAllMyBuckets", ("*",))
        if not key:
            if method == "GET" and not params.keys() - {
                "list-type",
                "prefix",
                "delimiter",
                "max-keys",
                "continuation-token",
                "start-after",
                "encoding-type",
                "fetch-owner",
            }:
                return Request("s3:ListBucket", (f"arn:aws:s3:::{bucket}",))
            if method == "POST" and "delete" in params:
                return Request("s3:DeleteObject", (f"arn:aws:s3:::{bucket}/*",))
            return None  # bucket configuration: not read
        action = {
            "GET": "s3:GetObject",
            "HEAD": "s3:GetObject",
            "PUT": "s3:PutObject",
            "POST": "s3:PutObject",
            "DELETE": "s3:DeleteObject",
        }.get(method)
        return Request(action, (f"arn:aws:s3:::{bucket}/{key}",)) if action else None
    if operation:
        return Request(f"{service}:{operation}", ("*",))
    return None


_DURABLE_EXECUTION = re.compile(
    r"^/2025-12-01/durable-executions/(arn:[^/]+/durable-execution/[^/]+/[^/]+)(/checkpoint|/state|/history|/stop)?$"
)
_DURABLE_ACTIONS = {
    ("GET", ""): "GetDurableExecution",
    ("DELETE", ""): "DeleteDurableExecution",
    ("POST", "/checkpoint"): "CheckpointDurableExecution",
    ("GET", "/state"): "GetDurableExecutionState",
    ("GET", "/history"): "GetDurableExecutionHistory",
    ("POST", "/stop"): "StopDurableExecution",
}


def _durable_request(method: str, path: str, region: str, account: str) -> Request | None:
    """A durable execution call, on the execution's ARN (``ListDurableExecutionsByFunction`` on
    the function's), or None for any other Lambda call."""
    found = _DURABLE_EXECUTION.match(unquote(path))
    if found is not None:
        action = _DURABLE_ACTIONS.get((method, found.group(2) or ""))
        return Request(f"lambda:{action}", (found.group(1),)) if action else None
    listed = re.match(r"^/2025-12-01/functions/([^/]+)/durable-executions$", path)
    if listed is None:
        return None
    name = unquote(listed.group(1))
    arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
    return Request("lambda:ListDurableExecutionsByFunction", (arn,))


# -- the middleware -------------------------------------------------------------------------------


_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")


class IamEnforcer:
    """WSGI middleware in front of moto: requests signed with a role's issued credentials are
    evaluated, and refused with AccessDenied as the service would answer it."""

    def __init__(
        self,
        app: Callable[..., Any],
        policies_of: Callable[[str], list[dict[str, Any]]],
        account_id: str,
        secret_arn: Callable[[str, str], str | None] | None = None,
    ) -> None:
        """``secret_arn(region, secret id)``: a secret's full ARN (see :func:`read_request`)."""
        self.app = app
        self._policies_of = policies_of
        self._account_id = account_id
        self._secret_arn = secret_arn
        self._roles: dict[str, str] = {}
        self.deployment_group: Callable[[str], str | None] | None = None
        """The ARN of a CodeDeploy deployment's group, from its id (set by the local cloud)."""
        self._lock = threading.Lock()
        self.denials: list[str] = []
        """Every refusal so far, as the message the caller got."""

    def issued(self, access_key: str, role_arn: str) -> None:
        """Credentials issued to a function's role: calls signed with them are checked."""
        with self._lock:
            self._roles[access_key] = role_arn

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        found = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        role = self._roles.get(found.group(1)) if found else None
        if found is None or role is None:
            return self.app(environ, start_response)
        region, service = found.group(2), found.group(3)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
        request = read_request(
            service,
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "")),
            str(environ.get("QUERY_STRING", "")),
            headers,
            body,
            region,
            self._account_id,
            None if self._secret_arn is None else lambda secret: self._secret_arn(region, secret),  # type: ignore[misc]
            self.deployment_group,
        )
        if request is None:
            return self.app(environ, start_response)
        decision = evaluate(self._policies_of(role), request)
        if decision.allowed:
            return self.app(environ, start_response)
        session = f"arn:aws:sts::{self._account_id}:assumed-role/{role.rsplit('/', 1)[-1]}/local-lambda"
        resource = request.resources[0]
        message = (
            f"User: {session} is not authorized to perform: {request.action} on resource: {resource} "
            f"because {decision.reason}"
        )
        with self._lock:
            self.denials.append(message)
        return _denied(service, headers, message, _with_request_id(start_response))


def _with_request_id(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """Every AWS answer has a request id (the Step Functions interpreter puts it in a task's cause)."""
    request_id = str(uuid.uuid4())

    def answer(status: str, headers: list[tuple[str, str]]) -> Any:
        return start_response(
            status, [*headers, ("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
        )

    return answer


def _denied(
    service: str, headers: dict[str, str], message: str, start_response: Callable[..., Any]
) -> list[bytes]:
    if headers.get("x-amz-target"):
        code = "AccessDeniedException"
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        answer = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
        if service == "sqs":  # a query-compatible service: the code its SDKs know is AccessDenied
            answer.append(("x-amzn-query-error", "AccessDenied;Sender"))
        start_response("400 Bad Request", answer)
        return [body]
    if service == "lambda":
        body = json.dumps({"Type": "User", "Message": message}).encode()
        start_response(
            "403 Forbidden",
            [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "AccessDeniedException"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if service == "s3":
        body = f"<Error><Code>AccessDenied</Code><Message>{escaped}</Message></Error>".encode()
    else:
        code = "AuthorizationError" if service == "sns" else "AccessDenied"
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escaped}</Message>"
            "</Error><RequestId>local</RequestId></ErrorResponse>"
        ).encode()
    start_response("403 Forbidden", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]
