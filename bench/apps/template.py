"""(d) The template (b) synthesizes, built again with no construct logic: every resource of (b)'s
template is included as a plain L1 resource (``cloudformation_include.CfnInclude``, one jsii call).

This is a lower bound for any construct library that writes (b)'s template with aws-cdk-lib: what
is left is loading aws-cdk-lib, writing the template and aws-cdk-lib's own validation of it (which
grows with the template). ``BENCH_TEMPLATE`` names the template file (bench/__main__.py passes the
one (b) wrote in the warm-up round).
"""

import os

import common
from aws_cdk import cloudformation_include as cfn_inc


def build(stack, index: int) -> None:
    cfn_inc.CfnInclude(stack, f"Template{index + 1}", template_file=os.environ["BENCH_TEMPLATE"])


if __name__ == "__main__":
    common.run(build)
