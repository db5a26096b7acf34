"""Validates its event with a model from a layer whose dependencies were bundled for arm64."""

import models
import pydantic_core


def handler(event, context):
    return {
        "order": models.Order.model_validate(event).model_dump(),
        "pydantic_core": pydantic_core.__file__.split("/")[-3],
    }
