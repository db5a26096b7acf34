"""What the local endpoint does for a REST API method besides invoking a Lambda proxy: it validates
the request (the method's request validator and models) and runs AWS service integrations.

Validation is API Gateway's: with a validator that checks parameters, a required path, query string
or header parameter that is missing gets 400 ``{"message": "Missing required request parameters:
[name]"}``; with one that checks the body, a body that is not JSON or does not match the method's
model (JSON schema draft 4, with ``jsonschema``) gets 400 ``{"message": "Invalid request body"}``.

An AWS integration (``Type: AWS``) runs as API Gateway runs it: the request template of the
request's content type (``application/json`` when it has none; 415 with passthrough ``NEVER`` when
there is no template for it) is rendered (:mod:`.vtl`), sent to the local service signed with
credentials of the integration's role (``Credentials``), so the local IAM enforcer
(:mod:`.iam`) refuses what the role may not do, and the service's answer picks an integration
response (its ``SelectionPattern`` matched against the service's status) whose template renders the
method's answer. Served: the JSON services' actions (DynamoDB, Step Functions, EventBridge) and SQS
through a path (``{account}/{queue}``, a form body; the local call adds the queue's ``QueueUrl`` to
the form so the IAM check reads the queue, and SQS's XML answer is read as the JSON API Gateway
receives). Not served (answer 501): ``StartSyncExecution`` (moto has none), other services.
A request never leaves the machine: it goes to the local endpoint, whatever the URI's region says.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .vtl import RequestData, render

__all__ = ["Answer", "aws_integration_unserved", "call_aws_integration", "validation_error"]

Answer = tuple[int, dict[str, str], bytes]
"""Status, headers and body of the method's answer."""

_URI = re.compile(
    r"^arn:[^:]+:apigateway:(?P<region>[^:]+):(?P<service>[^:]+):(?P<kind>action|path)/(?P<rest>.+)$"
)
# JSON-protocol services: the X-Amz-Target prefix and the content type of their requests.
_JSON_SERVICES = {
    "dynamodb": ("DynamoDB_20120810", "application/x-amz-json-1.0"),
    "states": ("AWSStepFunctions", "application/x-amz-json-1.0"),
    "events": ("AWSEvents", "application/x-amz-json-1.1"),
}
_UNSERVED_ACTIONS = {("states", "StartSyncExecution"): "StartSyncExecution (moto has none)"}
_JSON = "application/json"


def aws_integration_unserved(uri: str) -> str | None:
    """Why the AWS integration of ``uri`` is not served locally, or None when it is."""
    found = _URI.match(uri)
    if found is None:
        return f"AWS integration {uri}"
    service, kind, rest = found.group("service"), found.group("kind"), found.group("rest")
    if kind == "action":
        if service not in _JSON_SERVICES:
            return f"{service} action {rest}"
        return _UNSERVED_ACTIONS.get((service, rest.split("&")[0]))
    return None if service == "sqs" else f"{service} path integration"


def _message(status: int, message: str) -> Answer:
    return status, {"content-type": _JSON}, json.dumps({"message": message}).encode()


def validation_error(method: Any, api: Any, request: RequestData, content_type: str) -> Answer | None:
    """API Gateway's answer to a request its method's validator refuses, or None."""
    validator = api.request_validators.get(getattr(method, "request_validator_id", None) or "")
    if validator is None:
        return None
    if validator.validate_request_parameters:
        missing = []
        lowered = {k.lower() for k in request.header}
        for name, required in (method.request_parameters or {}).items():
            parts = str(name).split(".", 3)
            if not required or len(parts) != 4:
                continue
            where, key = parts[2], parts[3]
            given = (
                key.lower() in lowered if where == "header" else bool(getattr(request, where, {}).get(key))
            )
            if not given:
                missing.append(key)
        if missing:
            return _message(400, f"Missing required request parameters: [{', '.join(missing)}]")
    if validator.validate_request_body:
        model_name = (method.request_models or {}).get(content_type)
        model = api.models.get(model_name) if model_name else None
        if model is not None and model_name != "Empty" and not _matches(request.body, model.schema):
            return _message(400, "Invalid request body")
    return None


def _matches(body: str, schema: Any) -> bool:
    import jsonschema  # the local extra: loaded for a method with a model

    try:
        document = json.loads(body) if body.strip() else None
        parsed = json.loads(schema) if isinstance(schema, str) else schema
        jsonschema.Draft4Validator(parsed).validate(document)
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


@dataclass(frozen=True)
class Caller:
    """How the local endpoint calls a service: its URL, region, and a role's credentials."""

    endpoint: str
    region: str
    credentials: Callable[[str], tuple[str, str, str] | None]


def call_aws_integration(integration: Any, request: RequestData, content_type: str, caller: Caller) -> Answer:
    """The method's answer through its AWS ``integration`` (see the module's docstring)."""
    templates = integration.request_templates or {}
    template = templates.get(content_type)
    if template is None:
        if str(integration.passthrough_behaviour or "").upper() == "NEVER" or templates:
            return _message(415, "Unsupported Media Type")
        payload = request.body
    else:
        payload = render(template, request.body, request).text
    uri = str(integration.uri or "")
    if aws_integration_unserved(uri) is not None:
        return _message(501, f"{aws_integration_unserved(uri)} is not served locally")
    issued = caller.credentials(str(integration.credentials)) if integration.credentials else None
    if issued is None:  # API Gateway: "Execution failed due to configuration error"
        return _message(500, "Internal server error")
    status, answer = _send(uri, integration, payload, issued, caller)
    return _respond(integration, status, answer, request)


def _send(
    uri: str, integration: Any, payload: str, issued: tuple[str, str, str], caller: Caller
) -> tuple[int, str]:
    """Sends the rendered request to the local service, signed with the role's credentials."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    found = _URI.match(uri)
    assert found is not None
    service, kind, rest = found.group("service"), found.group("kind"), found.group("rest")
    headers = {"Accept": _JSON}
    url = caller.endpoint + "/"
    if kind == "action":
        prefix, json_type = _JSON_SERVICES[service]
        headers.update({"X-Amz-Target": f"{prefix}.{rest}", "Content-Type": json_type})
    else:
        url = f"{caller.endpoint}/{rest}"
        for name, value in (integration.request_parameters or {}).items():
            if str(name).lower().startswith("integration.request.header.") and str(value).startswith("'"):
                headers[str(name).split(".", 3)[3]] = str(value).strip("'")
        if service == "sqs" and "QueueUrl=" not in payload:
            payload += "&QueueUrl=" + quote(url, safe="")
    signed = AWSRequest(method="POST", url=url, data=payload.encode(), headers=headers)
    SigV4Auth(Credentials(*issued), service, caller.region).add_auth(signed)
    sent = urllib.request.Request(
        url, data=payload.encode(), method="POST", headers=dict(signed.headers.items())
    )
    try:
        with urllib.request.urlopen(sent, timeout=60) as answer:
            status, text = answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as failed:
        status, text = failed.code, failed.read().decode(errors="replace")
    return status, _as_json(text) if service == "sqs" else text


def _as_json(text: str) -> str:
    """SQS's XML answer as the JSON API Gateway receives from it (``{"SendMessageResponse":
    {"SendMessageResult": {...}, "ResponseMetadata": {...}}}``); JSON as is."""
    if not text.lstrip().startswith("<"):
        return text
    root = ElementTree.fromstring(text)

    def plain(element: ElementTree.Element) -> Any:
        children = list(element)
        if not children:
            return element.text
        return {_local(c.tag): plain(c) for c in children}

    return json.dumps({_local(root.tag): plain(root)})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _respond(integration: Any, status: int, answer: str, request: RequestData) -> Answer:
    """The integration response the service's ``status`` selects, rendered."""
    responses: Mapping[str, Any] = integration.integration_responses or {}
    chosen = None
    for response in responses.values():
        pattern = response.selection_pattern
        if pattern and re.fullmatch(pattern, str(status)):
            chosen = response
            break
    if chosen is None:
        chosen = next((r for r in responses.values() if not r.selection_pattern), None)
    if chosen is None:
        return _message(500, "Internal server error")
    template = (chosen.response_templates or {}).get(_JSON)
    if template is None:
        return int(chosen.status_code), {"content-type": _JSON}, answer.encode()
    rendered = render(template, answer, request)
    headers = {"content-type": _JSON, **rendered.headers}
    return rendered.status or int(chosen.status_code), headers, rendered.text.encode()
