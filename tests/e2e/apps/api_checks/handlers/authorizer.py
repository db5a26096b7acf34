"""A TOKEN authorizer: ``allow`` is let in (as alice), ``deny`` is denied, anything else is 401."""


def handler(event, context):
    token = event["authorizationToken"]
    if token not in ("allow", "deny"):
        raise Exception("Unauthorized")
    return {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow" if token == "allow" else "Deny",
                    "Action": "execute-api:Invoke",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {"team": "payments"},
    }
