"""The stage context key and the stages' names, without aws-cdk-lib (the command line passes them to
an app's synth without starting jsii); ``serverless_patterns.core.stage`` gives them their defaults."""

from __future__ import annotations

__all__ = ["STAGES", "STAGE_CONTEXT_KEY"]

STAGE_CONTEXT_KEY = "serverless-patterns:stage"
"""The CDK context key that names the stage (``cdk synth -c serverless-patterns:stage=dev``)."""

STAGES = ("dev", "prod")
"""The stages, each with its own defaults (``serverless_patterns.core.Stage``)."""
