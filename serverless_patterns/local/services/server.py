"""Where moto's own callers reach the local endpoint (a custom resource's response, a Step
Functions task's client), how much moto and its server log, and the server's per-request work
(``moto_adapter/speedups.py``)."""

from __future__ import annotations

import logging

from ..moto_adapter import Patches, speedups
from .running import Running

__all__ = ["Server"]


class Server:
    name = "server"

    def __init__(self, running: Running) -> None:
        self.port = str(running.port)

    def install(self, patches: Patches) -> None:
        patches.replace("moto.settings", "moto_server_port", self.server_port)
        patches.replace(
            "moto.stepfunctions.parser.asl.utils.boto_client", "moto_server_port", self.server_port
        )
        patches.replace("moto.settings", "moto_server_host", server_host)
        speedups.install_server(patches)
        # moto logs every failed state machine task and skipped type at ERROR: the invocation
        # records and resource notes say it better.
        patches.set(logging.getLogger("moto"), "level", logging.CRITICAL)
        patches.set(logging.getLogger("werkzeug"), "level", logging.ERROR)  # no line per request

    def server_port(self) -> str:
        return self.port


def server_host() -> str:
    return "http://localhost"
