"""The events Lambda hands a function, one builder per source, written once: the local cloud
delivers with them (``local/events.py``, ``local/apigw.py``, ``local/services/``), ``serverless-patterns
events`` prints samples built with them (``cli/events.py``), and the sources' ``sample_event()``
use them. ``tests/test_event_shapes.py`` reads each shape through Powertools' event classes.

Plain Python: importable without moto or aws-cdk-lib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "api_gateway_proxy_event",
    "dynamodb_record",
    "eventbridge_event",
    "http_api_event",
    "iso_millis",
    "iso_seconds",
    "records",
    "s3_record",
    "sns_message_attributes",
    "sns_record",
    "sqs_message_attributes",
    "sqs_record",
]


def iso_millis(when: datetime | None = None) -> str:
    """``2026-01-15T12:00:00.000Z``: the time format of SNS, S3 and destination records."""
    return (
        (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def iso_seconds(when: datetime | None = None) -> str:
    """``2026-01-15T12:00:00Z``: the time format of EventBridge and Scheduler events."""
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def records(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A batch: ``{"Records": [...]}`` (SQS, SNS, S3, DynamoDB streams)."""
    return {"Records": [dict(item) for item in items]}


# -- SQS ------------------------------------------------------------------------------------------


def sqs_message_attributes(attributes: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """Message attributes as the SQS API gives them (``StringValue``, ``DataType``) in the casing
    Lambda's poller delivers (``stringValue``, ``dataType``)."""
    return {
        name: {key[0].lower() + key[1:]: value for key, value in attribute.items()}
        for name, attribute in (attributes or {}).items()
    }


def sqs_record(
    *,
    message_id: str,
    receipt_handle: str,
    body: str,
    md5_of_body: str,
    queue_arn: str,
    sent_timestamp: int | str,
    first_receive_timestamp: int | str,
    receive_count: int | str = 1,
    sender_id: str = "AIDAIENQZJOLO23YVJ4VO",
    message_attributes: Mapping[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    sequence_number: str | None = None,
) -> dict[str, Any]:
    """One message of an SQS batch (Powertools' ``SQSRecord``); the FIFO attributes only when given."""
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(sent_timestamp),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(first_receive_timestamp),
    }
    for key, value in (
        ("MessageGroupId", group_id),
        ("MessageDeduplicationId", deduplication_id),
        ("SequenceNumber", sequence_number),
    ):
        if value:
            attributes[key] = value
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": dict(message_attributes or {}),
        "md5OfBody": md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


# -- SNS ------------------------------------------------------------------------------------------


def sns_message_attributes(attributes: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """Message attributes as published (``DataType``, ``StringValue``) as SNS delivers them to a
    function (``Type``, ``Value``)."""
    return {
        name: {
            "Type": attribute.get("DataType", attribute.get("Type", "String")),
            "Value": attribute.get("StringValue", attribute.get("Value")),
        }
        for name, attribute in (attributes or {}).items()
    }


def sns_record(
    *,
    subscription_arn: str,
    message_id: str,
    message: str,
    topic_arn: str | None = None,
    subject: str | None = None,
    timestamp: str | None = None,
    message_attributes: Mapping[str, Any] | None = None,
    signature: str = "local",
    signing_cert_url: str = "local",
    unsubscribe_url: str = "local",
) -> dict[str, Any]:
    """One notification delivered to a subscribed function (Powertools' ``SNSRecord``)."""
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn or subscription_arn.rsplit(":", 1)[0],
            "Subject": subject,
            "Message": message,
            "Timestamp": timestamp or iso_millis(),
            "SignatureVersion": "1",
            "Signature": signature,
            "SigningCertUrl": signing_cert_url,
            "UnsubscribeUrl": unsubscribe_url,
            "MessageAttributes": dict(message_attributes or {}),
        },
    }


# -- S3 -------------------------------------------------------------------------------------------


def s3_record(
    *,
    bucket: str,
    key: str,
    region: str,
    event_name: str = "ObjectCreated:Put",
    size: int = 0,
    etag: str = "d41d8cd98f00b204e9800998ecf8427e",
    sequencer: str = "0055AED6DCD90281E5",
    configuration_id: str = "notification",
    event_time: str | None = None,
    principal_id: str = "AWS:AIDAEXAMPLE",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """One S3 event notification record (Powertools' ``S3EventRecord``); ``key`` URL-encoded as S3
    sends it."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": event_time or iso_millis(),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "example"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": {"key": key, "size": size, "eTag": etag, "sequencer": sequencer},
        },
    }


# -- DynamoDB streams -----------------------------------------------------------------------------


def dynamodb_record(
    *,
    event_id: str,
    event_name: str,
    stream_arn: str,
    dynamodb: Mapping[str, Any],
    event_version: str = "1.1",
) -> dict[str, Any]:
    """One DynamoDB stream record (Powertools' ``DynamoDBRecord``); ``dynamodb`` holds ``Keys``,
    the images, ``SequenceNumber``, ``SizeBytes``, ``StreamViewType`` and
    ``ApproximateCreationDateTime`` (epoch seconds)."""
    return {
        "eventID": event_id,
        "eventName": event_name,
        "eventVersion": event_version,
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": dict(dynamodb),
        "eventSourceARN": stream_arn,
    }


# -- EventBridge and Scheduler --------------------------------------------------------------------


def eventbridge_event(
    *,
    event_id: str,
    detail_type: str,
    source: str,
    account: str,
    region: str,
    time: str,
    detail: Any,
    resources: Sequence[str] = (),
) -> dict[str, Any]:
    """An EventBridge event as a rule's target gets it (Powertools' ``EventBridgeEvent``); a
    scheduled rule's is ``detail_type="Scheduled Event"``, ``source="aws.events"``, and
    Scheduler's default input ``source="aws.scheduler"``."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": time,
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }


# -- API Gateway ----------------------------------------------------------------------------------


def _request_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _parameters(
    path_parameters: Mapping[str, str] | None, stage_variables: Mapping[str, str] | None
) -> dict[str, Any]:
    """The path parameters and stage variables, as both payload versions carry them (None for none)."""
    return {
        "pathParameters": dict(path_parameters or {}) or None,
        "stageVariables": dict(stage_variables or {}) or None,
    }


def api_gateway_proxy_event(
    *,
    method: str,
    resource: str,
    path: str,
    stage: str,
    account: str,
    api_id: str,
    resource_id: str,
    request_id: str,
    when: datetime,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, Sequence[str]] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    body: str | None = None,
    is_base64_encoded: bool = False,
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
) -> dict[str, Any]:
    """A REST API's Lambda proxy event, payload 1.0 (Powertools' ``APIGatewayProxyEvent``).
    ``query`` maps each parameter to its values, in order; ``path`` is the path below the stage."""
    given = dict(headers or {})
    multi_query = {k: list(v) for k, v in (query or {}).items()}
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": given or None,
        "multiValueHeaders": {k: [v] for k, v in given.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        **_parameters(path_parameters, stage_variables),
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "resourceId": resource_id,
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "requestId": request_id,
            "requestTime": _request_time(when),
            "requestTimeEpoch": int(when.timestamp() * 1000),
            "identity": {
                "sourceIp": source_ip,
                "userAgent": given.get("User-Agent", "") if user_agent is None else user_agent,
            },
        },
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    }


def http_api_event(
    *,
    method: str,
    route_key: str,
    path: str,
    raw_path: str,
    stage: str,
    account: str,
    api_id: str,
    request_id: str,
    when: datetime,
    headers: Mapping[str, str] | None = None,
    raw_query: str = "",
    query: Mapping[str, Sequence[str]] | None = None,
    cookies: Sequence[str] = (),
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    body: str | None = None,
    is_base64_encoded: bool = False,
    domain: str = "127.0.0.1",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An HTTP API's Lambda proxy event, payload 2.0 (Powertools' ``APIGatewayProxyEventV2``);
    header names lower-case, a repeated query parameter's values joined by commas."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "cookies": list(cookies) or None,
        "headers": lowered,
        "queryStringParameters": {k: ",".join(v) for k, v in (query or {}).items()} or None,
        **_parameters(path_parameters, stage_variables),
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": _request_time(when),
            "timeEpoch": int(when.timestamp() * 1000),
        },
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    }
