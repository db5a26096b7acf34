"""Creates an order: the body is validated with pydantic (bundled from requirements.txt), the model
comes from the shared layer, and Powertools comes from its public layer."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from orders_model import Order, total
from pydantic import ValidationError

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    try:
        order = Order.model_validate_json(event.get("body") or "{}")
    except ValidationError as error:
        return {"statusCode": 400, "body": error.json()}
    logger.info("order accepted", extra={"lines": len(order.lines)})
    return {"statusCode": 201, "body": f'{{"total": {total(order)}}}'}
