"""ServiceApi: a REST API whose routes call AWS services directly (SQS, DynamoDB, Step Functions,
EventBridge), with no Lambda function.

- ``props``: the route specs (:class:`SendMessage`, :class:`PutItem`, ... and :class:`Param`);
- ``templates``: the mapping templates and the role statement of each spec;
- ``validation``: the props checked before anything is built;
- ``pattern``: the :class:`ServiceApi` construct.
"""

from . import props
from .pattern import ServiceApi
from .props import *  # noqa: F403 (the route specs and Param: props.__all__)

__all__ = ["ServiceApi", *props.__all__]
