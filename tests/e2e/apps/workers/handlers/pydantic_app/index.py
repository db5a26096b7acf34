"""Validates its event with pydantic, bundled for arm64 Lambda and run here for this machine."""

import pydantic
import pydantic_core


class Order(pydantic.BaseModel):
    id: str
    quantity: int


def handler(event, context):
    order = Order.model_validate(event)
    return {
        "order": order.model_dump(),
        "pydantic_core": pydantic_core.__file__.split("/")[-3],
        "bundled_here": __file__.rsplit("/", 1)[0] in pydantic_core.__file__,
    }
