"""WebSocketApi: an API Gateway WebSocket API whose routes invoke Lambda functions, with a table of
the open connections and the grants that let the functions answer their clients.

- ``pattern``: the :class:`WebSocketApi` construct;
- ``props``: its option type :class:`WebSocketAuthorizer` and the checks of its props.
"""

from .pattern import WebSocketApi
from .props import WebSocketAuthorizer

__all__ = ["WebSocketApi", "WebSocketAuthorizer"]
