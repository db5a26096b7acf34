import shared_text


def handler(event, context):
    if (event.get("queryStringParameters") or {}).get("bad"):
        return {"statusCode": 400, "body": "bad request"}
    return {"statusCode": 200, "body": shared_text.GREETING}
