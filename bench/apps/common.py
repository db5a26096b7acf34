"""What the three benchmark apps share: arguments, the app, the stacks, synthesis."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

# isort: off
import probe  # first: counts jsii round trips from the very first one
import aws_cdk as cdk  # loads aws-cdk-lib into Node

# isort: on

probe.mark("import_cdk")

HANDLER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "handler")
ENV = cdk.Environment(account="123456789012", region="us-east-1")
NAG_CONTEXT = {"@aws-cdk/core:validateAgainstDefaultRules": True}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--sets", type=int, default=1, help="instances of each pattern")
    parser.add_argument("--per-stack", type=int, default=10, help="instances of each pattern per stack")
    parser.add_argument("--nag", action="store_true", help="register the AwsSolutions and Serverless packs")
    return parser.parse_args()


def run(build_set: Callable[[cdk.Stack, int], None] | None) -> None:
    """Builds ``args.sets`` sets (one instance of each pattern) into stacks and synthesizes."""
    args = arguments()
    app = cdk.App(outdir=args.outdir, context=NAG_CONTEXT if args.nag else None)
    if args.nag:
        from cdk_nag import AwsSolutionsChecks, ServerlessChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    probe.mark("import_app")
    stacks = []
    if build_set is None:
        stacks.append(cdk.Stack(app, "Bench1", env=ENV))
    else:
        stack = None
        for index in range(args.sets):
            if index % args.per_stack == 0:
                stack = cdk.Stack(app, f"Bench{index // args.per_stack + 1}", env=ENV)
                stacks.append(stack)
            assert stack is not None
            build_set(stack, index)
    probe.mark("build")
    probe.note("stacks", [s.stack_name for s in stacks])
    try:
        app.synth()
        probe.note("synth_failed", False)
    except RuntimeError as error:  # the rule packs stop synthesis on an ERROR finding
        if not args.nag:
            raise
        probe.note("synth_failed", str(error).splitlines()[0][:300])
    probe.mark("synth")
