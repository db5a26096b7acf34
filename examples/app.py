"""The examples app: one stack per pattern, each built by a module in examples/stacks/.

`cdk synth` at the repository root runs this file (see cdk.json). Every module in
examples/stacks/ defines ``build(app) -> Stack``; they are added in name order.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import aws_cdk as cdk

HERE = os.path.dirname(os.path.abspath(__file__))


def build_app(app: cdk.App | None = None, *, with_rule_packs: bool = True) -> cdk.App:
    """Builds every example stack into ``app`` with the rule packs registered (when installed)."""
    os.chdir(HERE)  # handler code paths in the stacks are relative to examples/
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    app = app or cdk.App()
    if with_rule_packs:
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    import stacks

    for module in sorted(m.name for m in pkgutil.iter_modules(stacks.__path__)):
        importlib.import_module(f"stacks.{module}").build(app)
    return app


if __name__ == "__main__":
    build_app().synth()
