"""Edges of the four patterns' validation that the corpus's regexes leave open: the exact list of
problems a configuration raises (each once, each naming its prop), values exactly at a limit,
token values the checks must let through, later routes and subscribers still checked after a bad
one, and the overlap check between two S3Processors on one bucket.

Construction only, no synthesis: every test builds a pattern (or two) in a fresh stack.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from serverless_patterns import PatternValidationError, QueueOptions
from serverless_patterns.patterns.api_to_lambda import ApiType
from serverless_patterns.patterns.fanout_queue import Subscriber
from serverless_patterns.patterns.s3_processor import S3Delivery, S3Processor
from tests.validation.support import CONTEXT, Make, bucket, build, layer, spec, streamed_table, topic

SEC = cdk.Duration.seconds
A, S3, ST, FQ = "ApiToLambda", "S3Processor", "StreamToSns", "FanoutQueue"
MEMORY = "must be 128..10240 MB, got 127"


def problems_of(pattern: str, props: dict[str, Any], *, base: bool = True) -> list[str]:
    """The problems ``pattern`` built with ``props`` raises, in order."""
    with pytest.raises(PatternValidationError) as raised:
        build(pattern, props, base=base)
    assert raised.value.construct_path == "S/P"
    return raised.value.problems


# ---------------------------------------------------------------------------------- ApiToLambda
def test_routes_and_function_together_is_one_problem() -> None:
    assert problems_of(A, {"function": spec()}) == ["give either routes or function, not both"]


def test_neither_routes_nor_function_is_one_problem() -> None:
    assert problems_of(A, {}, base=False) == [
        "give routes (a map of 'METHOD /path' to FunctionSpec) or function (a proxy)"
    ]


def test_empty_routes_is_one_problem() -> None:
    assert problems_of(A, {"routes": {}}) == ["routes must have at least one route, got {}"]


@pytest.mark.parametrize("api_type", [ApiType.REST, ApiType.HTTP])
def test_function_serves_the_root_and_every_path_below_it(api_type: ApiType) -> None:
    """``function=`` is a proxy: ``ANY /`` and ``ANY /{proxy+}``, one function for both."""
    _, api = build(A, {"function": spec(), "api_type": api_type}, base=False)
    assert sorted(api.functions) == ["ANY /", "ANY /{proxy+}"]
    assert api.functions["ANY /"] is api.functions["ANY /{proxy+}"]
    if api_type == ApiType.REST:
        methods = [c for c in api.node.find_all() if isinstance(c, cdk.aws_apigateway.Method)]
        assert sorted((m.http_method, m.resource.path) for m in methods) == [
            ("ANY", "/"),
            ("ANY", "/{proxy+}"),
        ]
    else:
        routes = [c for c in api.node.find_all() if isinstance(c, cdk.aws_apigatewayv2.CfnRoute)]
        assert sorted(r.route_key for r in routes) == ["ANY /", "ANY /{proxy+}"]


def test_a_bad_function_spec_is_named_function_once() -> None:
    """The proxy's spec serves two routes and is checked once, under its own prop's name."""
    assert problems_of(A, {"function": spec(memory_size=127)}, base=False) == [
        f"function.memory_size {MEMORY}"
    ]


def test_a_shared_spec_is_checked_once_and_later_routes_still_are() -> None:
    shared = spec(memory_size=127)
    routes = {"GET /a": shared, "GET /b": shared, "GET /c": spec(memory_size=10241)}
    assert problems_of(A, {"routes": routes}) == [
        f"routes['GET /a'].memory_size {MEMORY}",
        "routes['GET /c'].memory_size must be 128..10240 MB, got 10241",
    ]


def test_routes_after_a_bad_key_are_still_checked() -> None:
    routes = {"nonsense": spec(), "GET /b": spec(memory_size=127)}
    assert problems_of(A, {"routes": routes}) == [
        "routes: keys must be 'METHOD /path', got 'nonsense'",
        f"routes['GET /b'].memory_size {MEMORY}",
    ]


def test_routes_after_a_duplicate_are_still_checked() -> None:
    """``/a/{x}`` and ``/a/{y}`` are one route to API Gateway: reported as a duplicate (not as a
    parameter naming clash), and the route after it is still checked."""
    routes = {"GET /a/{x}": spec(), "GET /a/{y}": spec(), "GET /c": spec(memory_size=127)}
    assert problems_of(A, {"routes": routes}) == [
        "routes: 'GET /a/{y}' duplicates another route with the same method and path",
        f"routes['GET /c'].memory_size {MEMORY}",
    ]


def test_routes_after_a_spec_of_the_wrong_type_are_still_checked() -> None:
    routes = {"GET /a": 5, "GET /b": spec(memory_size=127)}
    assert problems_of(A, {"routes": routes}) == [
        "routes['GET /a'] must be a FunctionSpec, got int",
        f"routes['GET /b'].memory_size {MEMORY}",
    ]


@pytest.mark.parametrize(("api_type", "ceiling"), [(ApiType.REST, 29), (ApiType.HTTP, 30)])
def test_the_integration_timeout_binds_up_to_lambdas_own_ceiling(api_type: ApiType, ceiling: int) -> None:
    """900 s is a valid Lambda timeout, so only the API's integration timeout refuses it; above 900
    only the FunctionSpec's own check speaks (one problem, not two)."""
    at_900 = problems_of(A, {"routes": {"GET /a": spec(timeout=SEC(900))}, "api_type": api_type})
    assert at_900 == [
        f"routes['GET /a'].timeout must be <= {ceiling} seconds behind a {api_type.upper()} API "
        "(its integration timeout), got 900"
    ]
    above = problems_of(A, {"routes": {"GET /a": spec(timeout=SEC(901))}, "api_type": api_type})
    assert above == ["routes['GET /a'].timeout must be 1..900 seconds, got 901"]
    build(A, {"routes": {"GET /a": spec(timeout=SEC(ceiling))}, "api_type": api_type})


def test_stage_names_may_have_capitals() -> None:
    _, api = build(A, {"stage_name": "Prod_V2"})
    assert api._stage_name == "Prod_V2"


def test_a_token_stage_name_and_web_acl_are_left_to_deploy_time() -> None:
    stage = cdk.Token.as_string(cdk.Fn.ref("StageParam"))
    acl = cdk.Token.as_string(cdk.Fn.ref("AclParam"))
    _, api = build(A, {"stage_name": stage, "web_acl_arn": acl})
    assert api._stage_name == stage


def test_web_acl_on_an_http_api_is_one_problem() -> None:
    arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1"
    assert problems_of(A, {"web_acl_arn": arn, "api_type": ApiType.HTTP}) == [
        "web_acl_arn: WAF can only be associated with REST API stages"
    ]


def test_a_wrong_web_acl_names_the_shape_of_a_right_one() -> None:
    assert problems_of(A, {"web_acl_arn": "acl"}) == [
        "web_acl_arn must be a WAFv2 web ACL ARN (regional), "
        "arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>, got 'acl'"
    ]


# ---------------------------------------------------------------------------------- S3Processor
def test_bucket_with_build_options_names_every_option_given() -> None:
    props = {"bucket": bucket(), "versioned": False, "access_logs": False}
    assert problems_of(S3, props) == [
        "bucket: give your own bucket or the options to build one, not both "
        "(got bucket and versioned, access_logs)"
    ]


def test_a_wrong_output_bucket_next_to_a_bucket_is_one_problem() -> None:
    assert problems_of(S3, {"bucket": bucket(), "output_bucket": 5}) == [
        "output_bucket must be an s3.IBucket, got int"
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"event_types": []}, "event_types must name at least one s3.EventType, got []"),
        (
            {"filters": [s3.NotificationKeyFilter(prefix="b/")], "prefix": "a/"},
            "give prefix/suffix or filters, not both",
        ),
        ({"suffix": 5}, "suffix must be a string, got 5"),
        (
            {"delivery": S3Delivery.DIRECT, "queue": QueueOptions()},
            "queue applies to queue delivery only; S3 invokes the function directly",
        ),
        (
            {"retry_attempts": 1},
            "retry_attempts applies to direct delivery only; with a queue use "
            "queue=QueueOptions(max_receive_count=...)",
        ),
    ],
)
def test_s3_processor_problem_is_named_exactly(props: dict[str, Any], message: str) -> None:
    assert problems_of(S3, props) == [message]


def test_empty_filters_is_one_problem() -> None:
    assert problems_of(S3, {"filters": []}) == ["filters must have at least one filter, got []"]


def test_a_token_prefix_is_refused_because_overlap_cannot_be_checked() -> None:
    token = cdk.Token.as_string(cdk.Fn.ref("PrefixParam"))
    assert problems_of(S3, {"prefix": token}) == [
        "prefix must be a literal string (S3 filters are checked for overlap), got a token"
    ]


def test_a_prefix_of_1024_characters_is_the_longest() -> None:
    build(S3, {"prefix": "x" * 1024})
    assert problems_of(S3, {"suffix": "x" * 1025}) == ["suffix must be at most 1024 characters, got 1025"]


def test_overlapping_filters_of_one_processor_are_one_problem() -> None:
    filters = [s3.NotificationKeyFilter(prefix="in/"), s3.NotificationKeyFilter(prefix="in/x/")]
    assert problems_of(S3, {"filters": filters}) == [
        "filters (prefix 'in/', suffix '') and (prefix 'in/x/', suffix '') overlap: S3 rejects "
        "overlapping filters for the same event types on a bucket"
    ]


def _two_on_one_bucket(first: dict[str, Any], second: dict[str, Any]) -> S3Processor:
    """``First`` then ``Second``, both processing the same imported bucket in one stack."""
    app = cdk.App(context=CONTEXT)
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    shared = s3.Bucket.from_bucket_name(stack, "Shared", "shared-bucket")
    S3Processor(stack, "First", function=spec(), bucket=shared, **first)
    return S3Processor(stack, "Second", function=spec(), bucket=shared, **second)


def _clash(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    with pytest.raises(PatternValidationError) as raised:
        _two_on_one_bucket(first, second)
    assert raised.value.construct_path == "S/Second"
    return raised.value.problems


def test_two_processors_with_overlapping_filters_on_one_bucket_clash() -> None:
    assert _clash({"prefix": "in/"}, {"prefix": "in/x/"}) == [
        "filter (prefix 'in/x/', suffix '') overlaps filter (prefix 'in/', suffix '') of S/First on the "
        "same bucket for OBJECT_CREATED and OBJECT_CREATED: S3 rejects overlapping notification filters"
    ]


def test_the_clash_names_the_event_type_that_overlaps() -> None:
    second = {
        "prefix": "in/",
        "event_types": [s3.EventType.OBJECT_REMOVED, s3.EventType.OBJECT_CREATED_PUT],
    }
    assert _clash({"prefix": "in/", "event_types": [s3.EventType.OBJECT_CREATED_PUT]}, second) == [
        "filter (prefix 'in/', suffix '') overlaps filter (prefix 'in/', suffix '') of S/First on the "
        "same bucket for OBJECT_CREATED_PUT and OBJECT_CREATED_PUT: S3 rejects overlapping "
        "notification filters"
    ]


@pytest.mark.parametrize("given_as", ["props", "filters"])
def test_a_missing_prefix_or_suffix_matches_every_key(given_as: str) -> None:
    """A filter without a prefix covers every prefix (and without a suffix every suffix), so it
    overlaps any filter of another processor with a matching other half."""

    def props(prefix: str | None, suffix: str | None) -> dict[str, Any]:
        if given_as == "props":
            return {"prefix": prefix, "suffix": suffix}
        return {"filters": [s3.NotificationKeyFilter(prefix=prefix, suffix=suffix)]}

    assert _clash(props(None, ".jpg"), props("in/", ".jpg")) == [
        "filter (prefix 'in/', suffix '.jpg') overlaps filter (prefix '', suffix '.jpg') of S/First on "
        "the same bucket for OBJECT_CREATED and OBJECT_CREATED: S3 rejects overlapping notification "
        "filters"
    ]
    assert _clash(props("in/", None), props("in/x/", ".png")) == [
        "filter (prefix 'in/x/', suffix '.png') overlaps filter (prefix 'in/', suffix '') of S/First on "
        "the same bucket for OBJECT_CREATED and OBJECT_CREATED: S3 rejects overlapping notification "
        "filters"
    ]


def test_processors_on_one_bucket_with_other_event_types_or_filters_do_not_clash() -> None:
    removed = [s3.EventType.OBJECT_REMOVED]
    second = _two_on_one_bucket({"prefix": "in/", "event_types": removed}, {"prefix": "in/"})
    assert second.bucket.bucket_name == "shared-bucket"
    _two_on_one_bucket({"prefix": "in/"}, {"prefix": "out/"})
    _two_on_one_bucket({"suffix": ".jpg"}, {"suffix": ".png"})


# ---------------------------------------------------------------------------------- StreamToSns
def test_table_with_build_options_names_every_option_given() -> None:
    props = {
        "table": streamed_table(),
        "partition_key": None,
        "sort_key": "sk",
        "table_removal_policy": cdk.RemovalPolicy.DESTROY,
    }
    assert problems_of(ST, props) == [
        "table: give your own table or the options to build one, not both "
        "(got table and sort_key, table_removal_policy)"
    ]


def test_a_table_without_a_stream_says_how_to_give_one() -> None:
    # an imported table has no stream ARN
    table = Make(lambda stack: dynamodb.Table.from_table_name(stack, "Mine", "orders"), "table")
    assert problems_of(ST, {"table": table, "partition_key": None}) == [
        "table: S/Mine has no stream; enable one (NEW_AND_OLD_IMAGES) or pass the stream ARN to "
        "Table.from_table_attributes(table_stream_arn=...)"
    ]


def test_no_table_and_no_partition_key_is_one_problem() -> None:
    assert problems_of(ST, {}, base=False) == [
        "partition_key is required to create a table (or give your own table)"
    ]


def _attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


@pytest.mark.parametrize("as_attribute", [False, True])
def test_key_names_of_1_and_255_characters_are_valid(as_attribute: bool) -> None:
    def key(name: str) -> Any:
        return _attribute(name) if as_attribute else name

    _, made = build(ST, {"partition_key": key("p"), "sort_key": key("s" * 255)})
    assert made.table is not None


@pytest.mark.parametrize("as_attribute", [False, True])
def test_key_names_of_0_and_256_characters_are_refused(as_attribute: bool) -> None:
    def key(name: str) -> Any:
        return _attribute(name) if as_attribute else name

    assert problems_of(ST, {"partition_key": key(""), "sort_key": key("s" * 256)}) == [
        "partition_key must be an attribute name of 1..255 characters, got ''",
        f"sort_key must be an attribute name of 1..255 characters, got {'s' * 256!r}",
    ]


def test_token_key_names_are_left_to_deploy_time() -> None:
    token = cdk.Token.as_string(cdk.Fn.ref("KeyParam"))
    build(ST, {"partition_key": _attribute(token), "sort_key": _attribute(token)})
    build(ST, {"partition_key": token, "sort_key": token})


def test_powertools_layer_with_your_own_function_is_one_problem() -> None:
    assert problems_of(ST, {"function": spec(), "powertools_layer": layer()}) == [
        "powertools_layer is only for the built-in forwarder: add layers to your FunctionSpec"
    ]


def test_a_layer_version_is_a_powertools_layer() -> None:
    _, made = build(ST, {"powertools_layer": layer()})
    assert made.function is not None


def test_event_names_of_the_wrong_type_is_one_problem() -> None:
    assert problems_of(ST, {"event_names": 5}) == [
        "event_names must be a list of INSERT, MODIFY, REMOVE, got 5"
    ]


def test_a_starting_position_dynamodb_lacks_is_shown_by_name() -> None:
    assert problems_of(ST, {"starting_position": lambda_.StartingPosition.AT_TIMESTAMP}) == [
        "starting_position must be TRIM_HORIZON or LATEST for a DynamoDB stream, got AT_TIMESTAMP"
    ]


# ---------------------------------------------------------------------------------- FanoutQueue
@pytest.mark.parametrize(
    ("props", "named"),
    [
        ({"fifo": True}, "fifo"),
        ({"content_based_deduplication": True, "fifo": True}, "fifo and content_based_deduplication"),
    ],
)
def test_topic_options_next_to_your_own_topic_are_named(props: dict[str, Any], named: str) -> None:
    assert problems_of(FQ, {"topic": topic(fifo=True), **props}) == [
        f"{named} configure the topic this construct creates; they cannot be combined with topic "
        "(your own topic's settings apply)"
    ]


def test_content_based_deduplication_needs_fifo() -> None:
    assert problems_of(FQ, {"content_based_deduplication": True}) == [
        "content_based_deduplication needs a FIFO topic (fifo=True), got fifo=False"
    ]


def test_subscribers_after_a_wrong_one_are_still_checked() -> None:
    subscribers = {"a": 5, "b": Subscriber(function=spec(memory_size=127))}
    assert problems_of(FQ, {"subscribers": subscribers}) == [
        "subscribers['a'] must be a Subscriber, got int",
        f"subscribers['b'].function.memory_size {MEMORY}",
    ]
