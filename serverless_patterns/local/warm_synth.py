"""The synth of ``serverless-patterns dev``'s inner loop: a Python app run in a spare process that
already has jsii started and aws-cdk-lib (and the app's other libraries) imported, without the rule
packs and CloudFormation validation, which :mod:`.dev_checks` runs afterwards on another synth.

A spare is ``python _synth_runner.py --warm app.py`` (see :mod:`serverless_patterns._synth_runner`)
started with the environment the CDK CLI gives the app, captured once by running the runner as the
CLI's ``--app`` (again when ``cdk.json`` or ``cdk.context.json`` change): the same context, so the
same templates as ``cdk synth``. Each spare synthesizes once, into its own output directory; the
next one is started as soon as a spare is taken, so that it is warm by the next change.

Only an app whose ``cdk.json`` command is ``python[3] script.py [args]`` runs this way
(:func:`python_app`); another one is synthesized by the CDK CLI as before.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from .._synth_runner import CAPTURE_EXIT, ERROR_FILE_ENV, RUNNER, WARM_IMPORTS_ENV
from .cdk import CdkError, run_cdk

__all__ = ["SynthFailed", "WarmSynth", "python_app", "third_party_imports"]

OUTDIR = "\0outdir\0"
CONFIG_FILES = ("cdk.json", "cdk.context.json")
"""What the captured environment depends on: a change to either captures it again."""


class SynthFailed(RuntimeError):
    """The app raised: the message is the end of what it printed (the traceback)."""


def python_app(project: Path) -> tuple[str, list[str]] | None:
    """(interpreter, [script, args...]) of a ``cdk.json`` ``app`` that runs a Python script of the
    project, else None."""
    with contextlib.suppress(OSError, ValueError):
        command = json.loads((project / "cdk.json").read_text()).get("app")
        argv = shlex.split(command) if isinstance(command, str) else []
        python = len(argv) >= 2 and Path(argv[0]).name.startswith("python")
        if python and argv[1].endswith(".py") and (project / argv[1]).is_file():
            return argv[0], argv[1:]
    return None


def third_party_imports(project: Path, script: Path) -> list[str]:
    """The modules ``script`` imports that are not files of ``project`` (``aws_cdk.aws_sqs``,
    ``serverless_patterns``, ``cdk_nag``): a spare imports them ahead."""
    try:
        tree = ast.parse(script.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    found = []
    for name in names:
        top = name.split(".")[0]
        if (project / f"{top}.py").exists() or (project / top).is_dir() or name in found:
            continue
        found.append(name)
    return found


def _into(env: Mapping[str, str], outdir: Path) -> dict[str, str]:
    """The captured environment ``env`` of a synth into ``outdir`` (OUTDIR stands for it)."""
    return {k: v.replace(OUTDIR, str(outdir)) for k, v in env.items()}


def _config_key(project: Path) -> str:
    digest = hashlib.sha256()
    for name in CONFIG_FILES:
        with contextlib.suppress(OSError):
            digest.update(name.encode() + b"\0" + (project / name).read_bytes())
    return digest.hexdigest()


class _Spare:
    def __init__(self, process: subprocess.Popen[str], outdir: Path, log: Path, record: Path) -> None:
        self.process = process
        self.outdir = outdir
        self.log = log
        self.record = record
        self.ready = threading.Event()
        self.answer: str | None = None
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, name="warm-synth", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out: IO[str] | None = self.process.stdout
        assert out is not None
        for line in out:
            word = line.strip()
            if word == "ready":
                self.ready.set()
            elif word in ("done", "failed"):
                self.answer = word
                break
        self.ready.set()  # ended: whoever waits reads the exit

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self._reader.join(5)


class WarmSynth:
    """Spares for the Python app of ``project`` (see the module docstring).

    :param run_env: the CDK CLI's environment (the local cloud's), for the capture.
    :param context: ``--context`` values of every synth (the stage).
    :param scratch: where the spares write their cloud assemblies and logs.
    """

    def __init__(
        self,
        project: Path,
        scratch: Path,
        *,
        run_env: Mapping[str, str],
        context: Mapping[str, str],
        cli: Sequence[str],
        timeout: float = 300.0,
    ) -> None:
        found = python_app(project)
        if found is None:
            raise ValueError(f"{project} has no Python app in cdk.json")
        self.project = project
        self.scratch = scratch
        self.run_env = dict(run_env)
        self.context = dict(context)
        self.cli = list(cli)
        self.timeout = timeout
        interpreter, self.argv = found
        self.python = shutil.which(interpreter, path=self.run_env.get("PATH")) or interpreter
        self._env: dict[str, str] | None = None
        self._key = ""
        self._spare: _Spare | None = None
        self._count = 0
        self._lock = threading.Lock()

    # -- the CLI's environment -------------------------------------------------------------------

    def _capture(self) -> dict[str, str]:
        """Runs ``cdk synth`` with the runner's ``--capture`` as the app: the environment it got."""
        self._count += 1
        target = self.scratch / f"capture-{self._count}.json"
        out = self.scratch / f"capture-{self._count}.out"
        app = shlex.join([self.python, str(RUNNER), "--capture", str(target)])
        given = [f"--context={key}={value}" for key, value in self.context.items()]
        with contextlib.suppress(CdkError):
            run_cdk(
                ["synth", "--app", app, "--output", str(out), "--quiet", "--no-notices", "--ci", *given],
                cwd=self.project,
                env=self.run_env,
                timeout=self.timeout,
                cli=self.cli,
            )
        shutil.rmtree(out, ignore_errors=True)
        try:
            captured: dict[str, str] = json.loads(target.read_text())
        except (OSError, ValueError) as exc:
            raise CdkError(f"`cdk synth` did not run the app (exit {CAPTURE_EXIT} expected): {exc}") from exc
        finally:
            target.unlink(missing_ok=True)
        # the files the CLI named in its output directory (CDK_OUTDIR, CDK_ERROR_FILE, ...) are
        # named in each synth's own: OUTDIR stands for it
        return {k: v.replace(str(out), OUTDIR) for k, v in captured.items()}

    def synth_env(self, outdir: Path) -> dict[str, str]:
        """The environment of a synth into ``outdir``: the CDK CLI's (see :meth:`environment`)."""
        return _into(self.environment(), outdir)

    def environment(self) -> dict[str, str]:
        """The environment the CDK CLI gives the app (captured now when it is not yet, or stale)."""
        with self._lock:
            return dict(self._current_env())

    def _current_env(self) -> dict[str, str]:
        key = _config_key(self.project)
        if self._env is None or key != self._key:
            self._discard()
            self._env, self._key = self._capture(), key
        return self._env

    # -- spares ----------------------------------------------------------------------------------

    def _start(self) -> _Spare:
        self._count += 1
        outdir = self.scratch / f"cdk.out-warm-{self._count}"
        env = _into(self._current_env(), outdir)
        log = self.scratch / f"warm-{self._count}.log"
        record = self.scratch / f"warm-{self._count}.error.json"
        env.update(
            {
                "CDK_VALIDATION": "false",
                ERROR_FILE_ENV: str(record),
                WARM_IMPORTS_ENV: ",".join(third_party_imports(self.project, self.project / self.argv[0])),
                "PYTHONUNBUFFERED": "1",
            }
        )
        with open(log, "w") as errors:
            process = subprocess.Popen(
                [self.python, str(RUNNER), "--warm", *self.argv],
                cwd=self.project,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        return _Spare(process, outdir, log, record)

    def prepare(self) -> None:
        """Start a spare now (capturing the CLI's environment first when needed), unless one waits."""
        with self._lock:
            if self._spare is None or self._spare.process.poll() is not None:
                if self._spare is not None:
                    self._spare.kill()
                self._spare = self._start()

    def prepare_in_background(self) -> None:
        threading.Thread(target=self._prepare_quietly, name="warm-synth-spare", daemon=True).start()

    def _prepare_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self.prepare()

    def synth(self) -> Path:
        """Runs the app in the spare (started now if none waits); returns its cloud assembly. A new
        spare starts right after. Raises :class:`SynthFailed` when the app raised."""
        with self._lock:
            if _config_key(self.project) != self._key:
                self._discard()
            spare = self._spare
            self._spare = None
            if spare is None or spare.process.poll() is not None:
                if spare is not None:
                    spare.kill()
                spare = self._start()
        try:
            if not spare.ready.wait(self.timeout):
                raise CdkError(f"the app's Python did not start within {self.timeout:.0f} s")
            assert spare.process.stdin is not None
            with contextlib.suppress(OSError):
                spare.process.stdin.write("go\n")
                spare.process.stdin.flush()
            spare._reader.join(self.timeout)
        finally:
            self.prepare_in_background()
        answer = spare.answer
        with contextlib.suppress(subprocess.TimeoutExpired):
            spare.process.wait(5)
        if answer == "done" and (spare.outdir / "manifest.json").is_file():
            spare.log.unlink(missing_ok=True)
            return spare.outdir
        shutil.rmtree(spare.outdir, ignore_errors=True)
        raise SynthFailed(self._failure(spare, answer))

    def _failure(self, spare: _Spare, answer: str | None) -> str:
        with contextlib.suppress(OSError):
            output = spare.log.read_text(errors="replace")
            spare.log.unlink()
        if answer is None:
            output = f"the app's Python ended (exit {spare.process.poll()}) before it synthesized\n" + output
        lines = [line for line in output.splitlines() if line.strip()]
        with contextlib.suppress(OSError, ValueError):
            record: dict[str, Any] = json.loads(spare.record.read_text())
            problems = record.get("problems")
            if isinstance(problems, list) and problems:
                lines.append(f"{record.get('construct_path') or 'the app'}: invalid props")
                lines += [f"  - {problem}" for problem in problems]
        spare.record.unlink(missing_ok=True)
        return "\n".join(lines[-25:]) or "the app failed without output"

    def _discard(self) -> None:
        if self._spare is not None:
            self._spare.kill()
            shutil.rmtree(self._spare.outdir, ignore_errors=True)
            self._spare.log.unlink(missing_ok=True)
            self._spare = None

    def close(self) -> None:
        with self._lock:
            self._discard()
