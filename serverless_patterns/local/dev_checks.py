"""The checks of ``serverless-patterns dev``, run in the background once a change serves.

The inner loop synthesizes without the rule packs and CloudFormation validation (see
:mod:`.warm_synth`). After each deploy that serves, :class:`DevChecks` synthesizes the same app
again, as ``serverless-patterns check`` does: the AwsSolutions and Serverless packs (added when the
app does not add them), aws-cdk-lib's CloudFormation validation, then cfn-lint on every template
(the findings read in a process of their own: ``python -m serverless_patterns.cli.findings``). Their
unacknowledged findings are printed as soon as each is known, loudly; they never stop what serves.
A new change cancels the checks still running for the one before.

The checked synth's templates are compared with the served ones: they are the same (the packs and
validation only read them); should they differ, the checked assembly is handed to ``redeploy``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._synth_runner import ERROR_FILE_ENV, RUNNER
from .warm_synth import WarmSynth

__all__ = ["DevChecks", "comparable_templates"]

Emit = Callable[[str, str], None]
FINDINGS_MODULE = "serverless_patterns.cli.findings"
"""Reads the findings of a cloud assembly (run by module name: the local cloud imports no CLI code)."""
_CODE_HASH = re.compile(r"(?:[0-9a-f]{32}){1,2}(?![0-9a-f])")
"""An asset's hash (64 hex digits), or the 32 that a function version's logical ID ends with."""
SHOWN = 20
"""Findings printed per kind (the rest is counted)."""


def comparable_templates(assembly: Path) -> dict[str, Any]:
    """Stack name -> template, without its ``AWS::CDK::Metadata`` resource (the only difference a
    synth with the packs makes is there: its ``Analytics`` lists the validation plugins), and with
    every hash of code (an asset's, a function version's) written as ``<code>``: dev serves a
    handler edit by reloading it, not by a deploy, so a checked synth that ran after one differs
    from the served templates only there."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: dict[str, Any] = {}
    for name, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            props = artifact.get("properties", {})
            template = json.loads(_CODE_HASH.sub("<code>", (assembly / props["templateFile"]).read_text()))
            resources = template.get("Resources") or {}
            template["Resources"] = {
                k: v for k, v in resources.items() if v.get("Type") != "AWS::CDK::Metadata"
            }
            found[props.get("stackName") or name] = template
    return found


class DevChecks:
    """Background checks of the app of ``warm`` (its interpreter, script and captured environment).

    :param emit: where findings go (``emit(kind, text)``).
    :param redeploy: called with the checked assembly when its templates differ from the served ones.
    """

    def __init__(self, warm: WarmSynth, emit: Emit, redeploy: Callable[[Path], None]) -> None:
        self.warm = warm
        self.emit = emit
        self.redeploy = redeploy
        self._lock = threading.Lock()
        self._generation = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._count = 0

    def start(self, served: Path) -> None:
        """Check the app (cancelling the checks of an earlier change) against ``served``'s templates."""
        self.cancel()
        templates = comparable_templates(served)
        with self._lock:
            self._generation += 1
            self._count += 1
            generation, number = self._generation, self._count
        thread = threading.Thread(
            target=self._run, args=(generation, number, templates), name="dev-checks", daemon=True
        )
        self.emit(
            "info", "checking the rule packs, CloudFormation validation and cfn-lint in the background..."
        )
        thread.start()
        # Published once started: a cancel() from another thread (a later change's start, or close
        # on Ctrl-C) joins only a started thread; one it does not see yet is cancelled all the same,
        # by the generation it raised.
        self._thread = thread

    def cancel(self) -> None:
        with self._lock:
            self._generation += 1
            process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(10)

    def close(self) -> None:
        self.cancel()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    def _call(
        self, generation: int, command: list[str], env: Mapping[str, str], cwd: Path
    ) -> tuple[int, str] | None:
        """Runs ``command`` in a process group of its own; None when cancelled meanwhile."""
        with self._lock:
            if generation != self._generation:
                return None
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._process = process
        try:
            output, _ = process.communicate(timeout=self.warm.timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        with self._lock:
            self._process = None
        if not self._current(generation):
            return None
        return process.returncode, output.decode(errors="replace")

    def _say(self, generation: int, kind: str, text: str) -> None:
        if self._current(generation):
            self.emit(kind, text)

    def _run(self, generation: int, number: int, served: dict[str, Any]) -> None:
        if not self._current(generation):
            return  # cancelled before it began: nothing started, nothing to clean
        outdir = self.warm.scratch / f"cdk.out-check-{number}"
        try:
            if self._check(generation, outdir, served):
                return  # handed to redeploy, which keeps it
        except Exception as exc:  # a check that breaks is shown, and never stops dev
            self._say(generation, "error", f"checks could not run: {type(exc).__name__}: {exc}")
        shutil.rmtree(outdir, ignore_errors=True)
        (self.warm.scratch / f"{outdir.name}.error.json").unlink(missing_ok=True)

    def _check(self, generation: int, outdir: Path, served: dict[str, Any]) -> bool:
        """True when ``outdir`` went to ``redeploy``."""
        begin = time.monotonic()
        warm = self.warm
        record = warm.scratch / f"{outdir.name}.error.json"
        handed = False
        env = {**warm.synth_env(outdir), ERROR_FILE_ENV: str(record)}
        done = self._call(generation, [warm.python, str(RUNNER), *warm.argv], env, warm.project)
        if done is None:
            return False
        code, output = done
        if code != 0 or not (outdir / "manifest.json").is_file():
            lines = [line for line in output.splitlines() if line.strip()][-15:]
            self._say(generation, "error", "checks: the app did not synthesize with the rule packs:")
            for line in lines:
                self._say(generation, "error", f"  {line}")
            self._end(generation, begin, None)
            return False
        open_findings = self._findings(generation, "packs", outdir)
        if open_findings is None:
            self._end(generation, begin, None)
            return False
        self._show(generation, "rule packs and CloudFormation validation", open_findings)
        if comparable_templates(outdir) != served:
            self._say(
                generation,
                "error",
                "checks: the checked synth's templates differ from the served ones: deploying the checked ones",
            )
            if self._current(generation):
                self.redeploy(outdir)
                handed = True
        lint_findings = self._findings(generation, "lint", outdir)
        if lint_findings is None:
            self._end(generation, begin, len(open_findings))
            return handed
        self._show(generation, "cfn-lint", lint_findings)
        self._end(generation, begin, len(open_findings) + len(lint_findings))
        return handed

    def _findings(self, generation: int, kind: str, outdir: Path) -> list[tuple[Any, ...]] | None:
        """The unacknowledged findings of ``kind`` (``packs`` or ``lint``), read in a process of
        their own by :mod:`serverless_patterns.cli.findings`; None when cancelled or when they could
        not be read (which is said)."""
        command = [sys.executable, "-m", FINDINGS_MODULE, kind, str(outdir)]
        done = self._call(generation, command, os.environ, self.warm.project)
        if done is None:
            return None
        code, output = done
        try:
            return [tuple(f) for f in json.loads(output.strip().splitlines()[-1])]
        except (ValueError, IndexError, TypeError):
            what = "cfn-lint" if kind == "lint" else "the rule packs' report"
            self._say(
                generation,
                "error",
                f"checks: {what} could not be read (exit {code}): {output.strip()[-300:]}",
            )
            return None

    def _show(self, generation: int, what: str, found: list[tuple[Any, ...]]) -> None:
        if not found:
            return
        self._say(
            generation,
            "error",
            f"checks: {len(found)} unacknowledged findings of the {what} (still serving):",
        )
        for source, rule, level, resource, message in found[:SHOWN]:
            self._say(generation, "error", f"  {level} {source} {rule} {resource}: {message}")
        if len(found) > SHOWN:
            self._say(
                generation, "error", f"  ... {len(found) - SHOWN} more: run `serverless-patterns check`"
            )

    def _end(self, generation: int, begin: float, count: int | None) -> None:
        took = time.monotonic() - begin
        if count is None:
            self._say(generation, "error", f"checked in {took:.1f} s: the checks did not run")
        elif count:
            self._say(
                generation, "error", f"checked in {took:.1f} s: {count} unacknowledged findings, shown above"
            )
        else:
            self._say(generation, "ok", f"checked in {took:.1f} s: no unacknowledged finding")
