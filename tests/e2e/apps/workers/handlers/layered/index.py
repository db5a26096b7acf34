"""Imports its shared code from a layer."""

from shared import greeting


def handler(event, context):
    return {"greeting": greeting(), "from": __import__("shared").__file__.split("/python/")[-1]}
