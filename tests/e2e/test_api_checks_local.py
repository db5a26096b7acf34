"""What API Gateway checks before an integration runs, on the local cloud (tests/e2e/apps/api_checks):
SigV4 signatures and ``execute-api:Invoke`` for IAM-authorized routes, the request model, the
stage's throttle, Cognito user pool tokens and a Lambda token authorizer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from serverless_patterns.local import LocalCloud

from .apps_support import load, synth

pytestmark = pytest.mark.e2e

APP = Path(__file__).parent / "apps" / "api_checks" / "app.py"
INVOKE = "execute-api:Invoke"


@pytest.fixture(scope="module")
def deployed(local_cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    app = load(APP, "e2e_api_checks_app")
    assembly = synth(app.build, tmp_path_factory.mktemp("api-checks") / "cdk.out")
    deployment = local_cloud.deploy(assembly)
    yield {**deployment.outputs[app.STACK], "notes": deployment.notes}


def _user(cloud: LocalCloud, name: str, statements: list[dict[str, Any]]) -> tuple[str, str]:
    """An IAM user of the local IAM with these statements inline, and its access key."""
    iam = cloud.client("iam")
    iam.create_user(UserName=name)
    if statements:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_user_policy(UserName=name, PolicyName="api", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _arn(cloud: LocalCloud, api_id: str, rest: str) -> str:
    return f"arn:aws:execute-api:{cloud.region}:{cloud.account_id}:{api_id}/{rest}"


def test_authorization_is_no_longer_reported_as_not_emulated(deployed: dict[str, Any]) -> None:
    reasons = [f"{n.resource_type}: {n.reason}" for n in deployed["notes"] if n.status == "not emulated"]
    assert not [r for r in reasons if "authoriz" in r.lower() or "Cognito" in r], reasons


def test_an_unsigned_call_to_an_iam_route_gets_403(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    answer = local_cloud.invoke_api("GET", "/hello", api_id=deployed["IamApiId"], sign=False)
    assert answer.status == 403
    assert answer.text == '{"message":"Missing Authentication Token"}'
    assert answer.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_call_signed_by_the_clouds_own_credentials_gets_200(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    answer = local_cloud.invoke_api(
        "GET", "/hello", api_id=deployed["IamApiId"]
    )  # signed: the route needs it
    assert answer.status == 200, answer.text
    assert answer.json()["userArn"] == f"arn:aws:iam::{local_cloud.account_id}:root"


def test_a_user_allowed_invoke_gets_200_and_one_without_it_403(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    api = deployed["IamApiId"]
    allowed = _user(
        local_cloud,
        "caller",
        [{"Effect": "Allow", "Action": INVOKE, "Resource": _arn(local_cloud, api, "prod/GET/hello")}],
    )
    answer = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=allowed)
    assert answer.status == 200, answer.text
    assert answer.json()["userArn"] == f"arn:aws:iam::{local_cloud.account_id}:user/caller"

    other = local_cloud.invoke_api("GET", "/other", api_id=api, credentials=allowed)
    assert other.status == 403
    assert other.json() == {
        "Message": f"User: arn:aws:iam::{local_cloud.account_id}:user/caller is not authorized to perform: "
        f"{INVOKE} on resource: {_arn(local_cloud, api, 'prod/GET/other')}"
    }

    nobody = _user(local_cloud, "nobody", [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}])
    refused = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=nobody)
    assert refused.status == 403
    assert "user/nobody is not authorized to perform: execute-api:Invoke" in refused.json()["Message"]


def test_a_wrong_secret_or_an_unknown_key_is_refused(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    api = deployed["IamApiId"]
    key, _ = _user(local_cloud, "forger", [{"Effect": "Allow", "Action": INVOKE, "Resource": "*"}])
    forged = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=(key, "not-the-secret"))
    assert forged.status == 403
    message = forged.json()["message"]
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert "The Canonical String for this request should have been\n'GET\n/" in message
    assert forged.headers["x-amzn-ErrorType"] == "InvalidSignatureException"

    unknown = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=("AKIAUNKNOWN000000000", "x"))
    assert unknown.status == 403
    assert unknown.json() == {"message": "The security token included in the request is invalid."}


def test_a_handler_role_and_an_assumed_role_are_identities(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    api = deployed["IamApiId"]
    iam = local_cloud.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName="api-caller", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": INVOKE, "Resource": "*"}]}
    iam.put_role_policy(RoleName="api-caller", PolicyName="api", PolicyDocument=json.dumps(allow))
    creds = local_cloud.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="tester")[
        "Credentials"
    ]
    signed = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    answer = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=signed)
    assert answer.status == 200, answer.text
    assert answer.json()["userArn"] == f"arn:aws:sts::{local_cloud.account_id}:assumed-role/api-caller/tester"
    without_token = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=signed[:2])
    assert without_token.status == 403


def test_an_http_api_route_checks_iam_too(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    api = deployed["IamHttpApiId"]
    assert local_cloud.invoke_api("GET", "/hello", api_id=api, sign=False).status == 403
    signed = local_cloud.invoke_api("GET", "/hello", api_id=api)
    assert signed.status == 200, signed.text
    assert signed.json()["authorizer"]["iam"]["userArn"] == f"arn:aws:iam::{local_cloud.account_id}:root"
    nobody = _user(local_cloud, "http-nobody", [])
    refused = local_cloud.invoke_api("GET", "/hello", api_id=api, credentials=nobody)
    assert (refused.status, refused.json()) == (403, {"message": "Forbidden"})


def test_iam_comes_before_the_request_model_which_still_refuses_a_bad_body(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    api = deployed["ShopApiId"]
    unsigned = local_cloud.invoke_api("POST", "/orders", api_id=api, body={"customerId": "c-1"}, sign=False)
    assert unsigned.status == 403
    bad = local_cloud.invoke_api("POST", "/orders", api_id=api, body={"customerId": "c-1"})
    assert bad.status == 400, bad.text
    assert "Invalid request body" in bad.text
    good = local_cloud.invoke_api("POST", "/orders", api_id=api, body={"customerId": "c-1", "total": 3})
    assert good.status == 200, good.text


def test_a_burst_beyond_the_stage_limit_gets_429s(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    api = deployed["ThrottledApiId"]
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda _: local_cloud.invoke_api("GET", "/hello", api_id=api), range(30)))
    statuses = [a.status for a in answers]
    throttled = [a for a in answers if a.status == 429]
    assert throttled, statuses
    assert {a.text for a in throttled} == {'{"message":"Too Many Requests"}'}
    assert 5 <= statuses.count(200) < 30, statuses
    assert set(statuses) == {200, 429}


def test_a_cognito_id_token_gets_200_and_no_token_401(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    idp = local_cloud.client("cognito-idp")
    pool, client = deployed["UserPoolId"], deployed["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="ada", TemporaryPassword="Temp-Passw0rd!")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="ada", Password="Passw0rd-Passw0rd!", Permanent=True
    )
    tokens = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": "Passw0rd-Passw0rd!"},
    )["AuthenticationResult"]
    api = deployed["CognitoApiId"]

    answer = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": tokens["IdToken"]})
    assert answer.status == 200, answer.text
    assert answer.json()["authorizer"]["claims"]["cognito:username"] == "ada"

    missing = local_cloud.invoke_api("GET", "/hello", api_id=api)
    assert (missing.status, missing.json()) == (401, {"message": "Unauthorized"})
    forged = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": "a.b.c"})
    assert forged.status == 401
    access = local_cloud.invoke_api(
        "GET", "/hello", api_id=api, headers={"Authorization": tokens["AccessToken"]}
    )
    assert access.status == 401  # no scopes on the method: an ID token is required


def test_a_lambda_token_authorizer_allows_denies_and_caches(
    local_cloud: LocalCloud, deployed: dict[str, Any]
) -> None:
    api = deployed["TokenApiId"]
    allowed = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": "allow"})
    assert allowed.status == 200, allowed.text
    assert allowed.json()["authorizer"]["principalId"] == "alice"
    assert allowed.json()["authorizer"]["team"] == "payments"

    denied = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": "deny"})
    assert denied.status == 403
    assert denied.json() == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    unknown = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": "who"})
    assert (unknown.status, unknown.json()) == (401, {"message": "Unauthorized"})
    assert local_cloud.invoke_api("GET", "/hello", api_id=api).status == 401  # no token: not invoked

    runs = sum(1 for i in local_cloud.invocations if "authorizer" in i.function_name.lower())
    assert runs == 3  # allow, deny, who: each token once
    again = local_cloud.invoke_api("GET", "/hello", api_id=api, headers={"Authorization": "allow"})
    assert again.status == 200
    # the result of "allow" is cached for the authorizer's TTL (5 minutes): not invoked again
    assert sum(1 for i in local_cloud.invocations if "authorizer" in i.function_name.lower()) == runs


def test_refusals_are_reported(local_cloud: LocalCloud, deployed: dict[str, Any]) -> None:
    heard: list[Any] = []
    local_cloud.on_api_refusal(heard.append)
    local_cloud.invoke_api("GET", "/hello", api_id=deployed["IamApiId"], sign=False)
    assert [(r.status, r.message, r.method) for r in heard] == [(403, "Missing Authentication Token", "GET")]
    assert "sign the request" in heard[0].why
