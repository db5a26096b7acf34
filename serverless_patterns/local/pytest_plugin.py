"""pytest plugin: a ``local_cloud`` fixture, started once per test module and stopped after it.

Use it with ``pytest_plugins = ["serverless_patterns.local.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cloud import LocalCloud

__all__ = ["local_cloud"]


@pytest.fixture(scope="module")
def local_cloud() -> Iterator[LocalCloud]:
    """A running :class:`LocalCloud` for the module's tests; deploy into it with ``local_cloud.deploy``."""
    with LocalCloud() as cloud:
        yield cloud
