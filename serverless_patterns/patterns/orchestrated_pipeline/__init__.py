"""OrchestratedPipeline: a Step Functions state machine whose Task states invoke Lambda functions
through their ``live`` alias, from Python steps or from an Amazon States Language file.

Modules, one concern each:

- ``props``: the public option types (:class:`Retry`, :class:`Step`, :class:`Trigger`);
- ``asl``: Amazon States Language in plain Python (load, validate, find the targets to rebind);
- ``definition``: the definition built from steps, default retries and the rebinding of targets;
- ``validation``: every check of the props, raised as one ``PatternValidationError``;
- ``triggers``: the EventBridge rules and the REST API that start executions;
- ``pattern``: the :class:`OrchestratedPipeline` construct, which composes the above.
"""

from .pattern import OrchestratedPipeline
from .props import Retry, Step, Trigger

__all__ = ["OrchestratedPipeline", "Retry", "Step", "Trigger"]
