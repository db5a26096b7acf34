"""Shared models, in a layer that bundles pydantic (arm64 wheels) beside them."""

import pydantic


class Order(pydantic.BaseModel):
    id: str
    quantity: int
