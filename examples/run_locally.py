"""The documentation's "Run it locally" example (docs/local.md): deploy the users API to the local cloud and call it.

Run from the repository root: ``python examples/run_locally.py``.
"""

from serverless_patterns.local import LocalCloud

with LocalCloud() as cloud:
    deployment = cloud.deploy(".", stacks=["UsersApi"])  # an app directory with cdk.json, or a cdk.out
    response = cloud.invoke_api("GET", "/users/1", stack="UsersApi")
    print(response.status, response.json())
    cloud.wait_for(idle=True, timeout=10)  # every triggered handler has finished
    for run in cloud.invocations:
        print(run.function_name, run.source, f"{run.duration_ms:.0f} ms", run.error or "ok")
    print("\n".join(deployment.summary()))  # what is not emulated, per resource
