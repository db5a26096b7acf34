"""API Gateway mapping templates rendered locally (serverless_patterns/local/vtl.py): the variables
behave as API Gateway documents them, and request validation answers as API Gateway does."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from serverless_patterns.local.integrations import validation_error
from serverless_patterns.local.vtl import RequestData, json_path, render

REQUEST = RequestData(
    body='{"order": {"id": "o-1", "items": [{"sku": "a"}, {"sku": "b"}]}, "note": "it\'s \\"x\\""}',
    path={"id": "7"},
    querystring={"q": "a b"},
    header={"X-Tenant": "t-1"},
    context={"requestId": "r-1", "identity": {"sourceIp": "127.0.0.1"}},
    stage_variables={"env": "dev"},
)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$", {"a": [1, {"b": 2}]}),
        ("$.a[1].b", 2),
        ("$['a'][0]", 1),
        ("$.a[*]", [1, {"b": 2}]),
        ("$.missing", None),
    ],
)
def test_json_path(path: str, value: object) -> None:
    assert json_path({"a": [1, {"b": 2}]}, path) == value


def test_input_util_context_and_stage_variables() -> None:
    template = (
        "$input.params('id') $input.params('q') $input.params('x-tenant') "
        "$input.params().path.get('id') $input.path('$.order.id') $input.json('$.order.items[1]') "
        "$input.path('$.order.items').size() $context.requestId $context.identity.sourceIp "
        "$stageVariables.env $util.urlEncode($input.params('q')) $util.base64Encode('hi')"
    )
    assert render(template, REQUEST.body, REQUEST).text == (
        '7 a b t-1 7 o-1 {"sku":"b"} 2 r-1 127.0.0.1 dev a+b aGk='
    )


def test_escape_javascript_and_the_json_it_makes() -> None:
    rendered = render('{"note": "$util.escapeJavaScript($input.path(\'$.note\'))"}', REQUEST.body, REQUEST)
    assert rendered.text == '{"note": "it\\\'s \\"x\\""}'  # ' escaped as \' (not JSON), " as \"
    fixed = render(
        '{"note": "$util.escapeJavaScript($input.path(\'$.note\')).replaceAll("\\\\\'", "\'")"}',
        REQUEST.body,
        REQUEST,
    )
    assert json.loads(fixed.text) == {"note": 'it\'s "x"'}


def test_response_override() -> None:
    rendered = render(
        "#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-A = 'b')gone",
        "{}",
        REQUEST,
    )
    assert (rendered.text, rendered.status, rendered.headers) == ("gone", 404, {"X-A": "b"})


def _method(validator: str | None, **props: object) -> tuple[object, object]:
    api = SimpleNamespace(
        request_validators={
            "v": SimpleNamespace(validate_request_body=True, validate_request_parameters=True)
        },
        models={"Order": SimpleNamespace(schema=json.dumps({"type": "object", "required": ["id"]}))},
    )
    method = SimpleNamespace(
        request_validator_id=validator,
        request_parameters=props.get("parameters"),
        request_models=props.get("models"),
    )
    return method, api


def _request(body: str, **where: dict[str, str]) -> RequestData:
    return RequestData(body, where.get("path", {}), where.get("querystring", {}), where.get("header", {}), {})


def test_a_body_that_fails_the_model_is_refused_as_api_gateway_does() -> None:
    method, api = _method("v", models={"application/json": "Order"})
    refused = validation_error(method, api, _request('{"name": "x"}'), "application/json")
    assert refused is not None and (refused[0], json.loads(refused[2])) == (
        400,
        {"message": "Invalid request body"},
    )
    assert validation_error(method, api, _request("not json"), "application/json") is not None
    assert validation_error(method, api, _request('{"id": "1"}'), "application/json") is None
    unvalidated, _ = _method(None, models={"application/json": "Order"})
    assert validation_error(unvalidated, api, _request("{}"), "application/json") is None


def test_missing_required_parameters_are_refused() -> None:
    method, api = _method(
        "v", parameters={"method.request.querystring.status": True, "method.request.header.X-Tenant": True}
    )
    refused = validation_error(method, api, _request("", header={"x-tenant": "t"}), "application/json")
    assert refused is not None
    assert json.loads(refused[2]) == {"message": "Missing required request parameters: [status]"}
    given = _request("", querystring={"status": "open"}, header={"X-Tenant": "t"})
    assert validation_error(method, api, given, "application/json") is None
