"""The handler every benchmark function points at (its code is bundled, never run)."""


def handler(event, context):  # type: ignore[no-untyped-def]
    return {"statusCode": 200}
