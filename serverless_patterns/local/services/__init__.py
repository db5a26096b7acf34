"""The local cloud wired into moto, one module per service, each installing its own patches through
the patch registry (:class:`~..moto_adapter.Patches`, which replaces only what the moto contract
lists) and each holding the running cloud (:class:`.running.Running`) rather than reading a global:

- :mod:`.server`: where moto's own callers reach the endpoint, and moto's logging;
- :mod:`.cloudformation`: the local resource models (``local/resources.py`` and Scheduler's), bound to
  the running cloud, stack updates (``local/stack_update.py``), errors that reach the CDK CLI;
- :mod:`.lambda_`: invocations run the real handlers (``local/events.py``), layers and updates;
- :mod:`.sqs`, :mod:`.sns`, :mod:`.s3`, :mod:`.eventbridge`: how each delivers to functions;
- :mod:`.stepfunctions`: executions, their calls kept local, their waits short;
- :mod:`.scheduler`: schedules deploy, fire when asked or on a clock (no patch of moto);
- :mod:`.websocket`: WebSocket APIs served on a loopback port, with their management API (no patch of moto);
- :mod:`.cloudwatch`: alarms deployed and evaluated, metrics and alarm history read through the API;
- :mod:`.codedeploy`: an alias updated under a deployment group shifts traffic, and rolls back.

:func:`install` applies them all; :meth:`Installed.uninstall` undoes them, newest first.
"""

from __future__ import annotations

from typing import Protocol

from ..authorizers import MODELS as AUTHORIZERS
from ..moto_adapter import Patches, patched
from ..resources import MODELS
from . import cloudwatch, codedeploy, scheduler, secretsmanager, websocket
from .cloudformation import CloudFormation
from .eventbridge import EventBridge, note_schedule
from .lambda_ import Lambda, note_runtime
from .running import Running
from .s3 import S3
from .server import Server
from .sns import Sns
from .sqs import Sqs
from .stepfunctions import StepFunctions

__all__ = ["Installed", "Running", "Service", "install"]


class Service(Protocol):
    name: str

    def install(self, patches: Patches) -> None: ...


class Installed:
    """The services installed for one cloud, each with the patches it made."""

    def __init__(self, done: list[tuple[Service, Patches]]) -> None:
        self.services = done

    @property
    def names(self) -> list[str]:
        """Every moto name the services replaced or added."""
        return [name for _, patches in self.services for name in patches.names]

    def uninstall(self) -> None:
        """Undo every service's patches, the last installed first."""
        while self.services:
            _, patches = self.services.pop()
            patches.uninstall()


def services(running: Running) -> list[Service]:
    """The services of a cloud, in the order they are installed."""
    return [
        Server(running),
        StepFunctions(running),
        cloudwatch.CloudWatch(running),
        codedeploy.CodeDeploy(running),
        CloudFormation(
            running,
            {
                **MODELS,
                **AUTHORIZERS,
                **scheduler.MODELS,
                **secretsmanager.MODELS,
                **websocket.MODELS,
                **cloudwatch.MODELS,
                **codedeploy.MODELS,
            },
            {"AWS::Lambda::Function": note_runtime, "AWS::Events::Rule": note_schedule},
        ),
        Lambda(running),
        Sqs(running),
        S3(running),
        Sns(running),
        EventBridge(running),
    ]


def install(running: Running) -> Installed:
    """Install every service's patches into moto (one cloud at a time: moto is process-wide)."""
    if patched():
        raise RuntimeError("moto is already patched by another local cloud in this process")
    done: list[tuple[Service, Patches]] = []
    try:
        for service in services(running):
            patches = Patches(service.name)
            done.append((service, patches))
            service.install(patches)
    except BaseException:
        Installed(done).uninstall()
        raise
    return Installed(done)
