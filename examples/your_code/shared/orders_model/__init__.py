"""Code shared by several functions, shipped once as a layer (its own requirements bundled too)."""

from pydantic import BaseModel, Field


class Line(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    unit_price_cents: int = Field(ge=0)


class Order(BaseModel):
    customer_id: str
    lines: list[Line] = Field(min_length=1)


def total(order: Order) -> int:
    return sum(line.quantity * line.unit_price_cents for line in order.lines)
