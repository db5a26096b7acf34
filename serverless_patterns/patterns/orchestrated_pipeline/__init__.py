"""OrchestratedPipeline: a Step Functions state machine whose Task states invoke Lambda functions
through their ``live`` alias and the user's resources, from Python steps, an Amazon States Language
file or an ``aws_stepfunctions`` chain.

Modules, one concern each:

- ``props``: the public option types (:class:`Retry`, the steps :class:`Step`, :class:`Choice`,
  :class:`When`, :class:`Wait`, :class:`Parallel`, :class:`Map`, and :class:`Trigger`);
- ``asl``: Amazon States Language in plain Python (load JSON or YAML, validate, lint with statelint);
- ``definition``: the definition built from steps, and the default retries;
- ``references``: every form a definition names a resource in, reduced to its name;
- ``integrations``: what each state uses, with the IAM actions aws-cdk-lib grants for it;
- ``binding``: names resolved to what the user gave, then rebound through definition substitutions;
- ``wiring``: the function alias or resource each name is bound to, once built;
- ``grants``: the state machine role's exact statements, wildcard ones in policies of their own;
- ``chain``: a definition built with ``aws_stepfunctions``, wrapped with the notifications;
- ``validation``: every check of the props, raised as one ``PatternValidationError``;
- ``triggers``: the EventBridge rules and the REST API that start executions;
- ``pattern``: the :class:`OrchestratedPipeline` construct, which composes the above.
"""

from .pattern import OrchestratedPipeline
from .props import Choice, Map, Parallel, Retry, Step, Trigger, Wait, When

__all__ = ["Choice", "Map", "OrchestratedPipeline", "Parallel", "Retry", "Step", "Trigger", "Wait", "When"]
