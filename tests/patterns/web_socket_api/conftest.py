"""The local cloud for this folder's e2e test (``test_e2e.py``), started once per module."""

# `pytest_plugins = ["serverless_patterns.local.pytest_plugin"]` belongs in a top-level conftest;
# from this nested one the fixture is imported instead.
from serverless_patterns.local.pytest_plugin import local_cloud  # noqa: F401
