"""The patch registry: how a service of the local cloud changes moto, and how it is undone.

A service (``local/services/*.py``) asks a :class:`Patches` to replace a moto name, given as the
contract lists it (``("moto.sns.models", "Subscription.publish")``), and gets the original back;
:meth:`Patches.uninstall` puts every original back, newest first. A name the contract does not
list is refused, so what the local cloud changes in moto is always what
``tests/e2e/test_moto_contract.py`` checks.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, MutableMapping
from typing import Any

from .contract import ADDED, PATCHED

__all__ = ["Patches", "as_method", "patched"]

_MISSING = object()
_REPLACEABLE = frozenset((m, a) for m, a, _ in PATCHED)
_ADDABLE = frozenset(ADDED)
_live: list[Patches] = []
_live_lock = threading.Lock()


def patched() -> bool:
    """Whether some registry's changes are in place (moto is process-wide: one local cloud at a time)."""
    with _live_lock:
        return bool(_live)


def _owner(module: str, attribute: str) -> tuple[Any, str]:
    owner: Any = importlib.import_module(module)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def as_method(bound: Callable[..., Any]) -> Callable[..., Any]:
    """A function that, set on a class, calls ``bound`` (a bound method of a service) with the
    instance first: how a service's method, which holds the running cloud, stands in for a
    method of a moto class."""

    def method(instance: Any, *args: Any, **kwargs: Any) -> Any:
        return bound(instance, *args, **kwargs)

    method.__name__ = getattr(bound, "__name__", "method")
    method.__qualname__ = getattr(bound, "__qualname__", "method")
    return method


class Patches:
    """The changes one service made, undone by :meth:`uninstall`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._saved: list[tuple[Any, str, object]] = []
        self.names: list[str] = []
        """``module.attribute`` of each moto name replaced or added, in order."""

    def replace(self, module: str, attribute: str, value: object) -> Any:
        """Set ``module.attribute`` (listed in the contract's PATCHED) to ``value``; returns what
        it was (as ``getattr`` gives it: a class's function, a classmethod bound to its class)."""
        if (module, attribute) not in _REPLACEABLE:
            raise KeyError(f"{module}.{attribute} is not in the moto contract's PATCHED")
        owner, name = _owner(module, attribute)
        original = getattr(owner, name)
        self._set(owner, name, value)
        self.names.append(f"{module}.{attribute}")
        return original

    def add(self, module: str, attribute: str, value: object) -> None:
        """Add ``module.attribute`` (listed in the contract's ADDED), a name moto does not define."""
        if (module, attribute) not in _ADDABLE:
            raise KeyError(f"{module}.{attribute} is not in the moto contract's ADDED")
        owner, name = _owner(module, attribute)
        self._set(owner, name, value)
        self.names.append(f"{module}.{attribute}")

    def replace_item(self, module: str, attribute: str, key: str, value: object) -> Any:
        """Set ``module.attribute[key]`` (the attribute listed in PATCHED); returns what it was."""
        if (module, attribute) not in _REPLACEABLE:
            raise KeyError(f"{module}.{attribute} is not in the moto contract's PATCHED")
        owner, name = _owner(module, attribute)
        mapping: MutableMapping[str, Any] = getattr(owner, name)
        original = mapping[key]
        self._track()
        self._saved.append((mapping, f"[{key}]", original))
        mapping[key] = value
        self.names.append(f"{module}.{attribute}")
        return original

    def set(self, owner: object, name: str, value: object) -> None:
        """Set an attribute of something that is not moto's (a logger's level, say)."""
        self._set(owner, name, value)

    def _set(self, owner: Any, name: str, value: object) -> None:
        self._track()
        previous = owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name)
        self._saved.append((owner, name, previous))
        setattr(owner, name, value)

    def _track(self) -> None:
        if not self._saved:
            with _live_lock:
                _live.append(self)

    def uninstall(self) -> None:
        """Undo every change, newest first."""
        while self._saved:
            owner, name, value = self._saved.pop()
            if name.startswith("["):
                owner[name[1:-1]] = value
            elif value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self.names.clear()
        with _live_lock:
            if self in _live:
                _live.remove(self)
