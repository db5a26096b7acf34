"""Shared Python code as a Lambda layer, its dependencies bundled the way a function's are."""

from __future__ import annotations

import os
from collections.abc import Sequence

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ..errors import Problems
from . import bundling

__all__ = ["PythonLayer"]


class PythonLayer(lambda_.LayerVersion):
    """A layer built from a directory of Python packages: the directory's files go under
    ``python/`` (where Lambda puts a layer on ``sys.path``), and so do the dependencies of its
    ``requirements.txt`` or ``pyproject.toml``, bundled without Docker for the layer's runtime and
    architecture (see ``serverless_patterns.core.bundling``).

    ``FunctionSpec(..., layers=[PythonLayer(self, "Shared", code="shared")])``; give the layer the
    runtime and architecture of the functions that use it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: str | os.PathLike[str],
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        exclude: Sequence[str] | None = None,
        description: str | None = None,
    ) -> None:
        """
        :param code: Directory whose Python packages (and dependency files) make the layer.
        :param runtime: The runtime the layer is built for and compatible with. Default: - Python 3.14
        :param architecture: The instruction set the layer is built for. Default: - arm64
        :param exclude: Glob patterns to leave out of the layer, as ``FunctionSpec.exclude``.
            Default: - ``cdk.out``, ``.venv``, ``node_modules``, ``.git``, ``__pycache__``, ``tests``,
            ``*.pyc``
        :param description: The layer's description. Default: - none
        """
        runtime = runtime or lambda_.Runtime.PYTHON_3_14
        architecture = architecture or lambda_.Architecture.ARM_64
        target = bundling.Target(runtime.name, architecture.name)
        path = os.path.abspath(os.fspath(code))
        problems = Problems()
        problems.require(os.path.isdir(path), f"code must be a directory with the layer's code, got {path!r}")
        problems.require(
            target.python_version is not None,
            f"runtime must be a Python runtime, got {target.runtime!r}",
        )
        problems.raise_if_any(f"{scope.node.path}/{id}")
        asset = bundling.layer_asset(
            path, target=target, exclude=exclude, construct_path=f"{scope.node.path}/{id}"
        )
        super().__init__(
            scope,
            id,
            code=asset,
            compatible_runtimes=[runtime],
            compatible_architectures=[architecture],
            description=description,
        )
