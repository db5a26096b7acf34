"""What the commands read: a CDK app directory (synthesized here), a cloud assembly (``cdk.out``) or
one CloudFormation template, loaded as templates with construct paths, the rule-pack report and the
acknowledgments recorded in the assembly's metadata."""

from __future__ import annotations

import itertools
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._stages import STAGE_CONTEXT_KEY, STAGES
from .._synth_runner import ERROR_FILE, ERROR_FILE_ENV, RUNNER
from .._toolchain import cdk_env
from .errors import CliError

__all__ = ["Acknowledgment", "Assembly", "Template", "load", "read_assembly", "synth_error", "synthesize"]

SYNTH_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Acknowledgment:
    """A rule acknowledged on a construct, as recorded in the assembly's metadata."""

    path: str
    rule: str
    reason: str


@dataclass
class Template:
    """One stack's template and the construct path of each of its resources."""

    stack: str
    body: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    file: Path | None = None

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.body.get("Resources") or {}
        return resources

    def path_of(self, logical_id: str) -> str | None:
        return self.paths.get(logical_id)

    def label(self, logical_id: str) -> str:
        """The construct path of the resource inside its stack, without a trailing ``/Resource``."""
        path = self.paths.get(logical_id)
        if not path:
            return logical_id
        parts = path.strip("/").split("/")
        prefix = self.stack.split("/")
        if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
            parts = parts[len(prefix) :]
        kept = [part for part in parts if part not in ("Resource", "Default")]
        return "/".join(kept or parts)


@dataclass
class Assembly:
    """Templates to work on, with what the synth recorded about them."""

    templates: list[Template]
    directory: Path | None = None
    report: dict[str, Any] | None = None
    acknowledgments: list[Acknowledgment] = field(default_factory=list)
    packs_installed: bool = False
    """Synthesized by this CLI, which installs both rule packs: a pack the report does not list
    found nothing (aws-cdk-lib lists only the plugins with findings)."""

    def resources(self) -> Iterator[tuple[Template, str, dict[str, Any]]]:
        for template in self.templates:
            for logical_id, resource in template.resources.items():
                yield template, logical_id, resource


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CliError(f"{path} does not exist") from error
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(
            f"{path} is not readable JSON ({error}); pass a template in JSON or a cdk.out"
        ) from error


def read_template(path: Path) -> Assembly:
    """A single CloudFormation template (JSON, or YAML through cfn-lint's reader)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        from cfnlint.decode import decode

        body, errors = decode(str(path))
        if errors or body is None:
            raise CliError(f"{path} is not a readable template; check it with cfn-lint")
    else:
        body = _read_json(path)
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise CliError(
            f"{path} has no Resources section; pass a CloudFormation template or a cdk.out directory"
        )
    paths = {
        logical_id: str(resource.get("Metadata", {}).get("aws:cdk:path", ""))
        for logical_id, resource in body["Resources"].items()
        if isinstance(resource, dict) and resource.get("Metadata", {}).get("aws:cdk:path")
    }
    stack = path.name.removesuffix(".json").removesuffix(".template")
    template = Template(
        stack=stack, body=body, paths={k: "/" + v.lstrip("/") for k, v in paths.items()}, file=path
    )
    return Assembly(templates=[template], directory=None)


def read_assembly(directory: Path) -> Assembly:
    """Every stack of a cloud assembly (nested assemblies of stages included)."""
    assembly = Assembly(templates=[], directory=directory)
    report = directory / "validation-report.json"
    if report.is_file():
        assembly.report = _read_json(report)
    _read_artifacts(directory, assembly)
    if not assembly.templates:
        raise CliError(f"{directory} holds no stacks; synthesize an app that defines at least one stack")
    return assembly


def _read_artifacts(directory: Path, assembly: Assembly) -> None:
    manifest = _read_json(directory / "manifest.json")
    for name, artifact in (manifest.get("artifacts") or {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties") or {}
        if kind == "cdk:cloud-assembly" and props.get("directoryName"):
            _read_artifacts(directory / props["directoryName"], assembly)
        if kind != "aws:cloudformation:stack":
            continue
        file = directory / props["templateFile"]
        metadata: Mapping[str, list[dict[str, Any]]] = artifact.get("metadata") or {}
        extra = artifact.get("additionalMetadataFile")
        if extra and (directory / extra).is_file():
            metadata = {**_read_json(directory / extra), **metadata}
        paths: dict[str, str] = {}
        for path, entries in metadata.items():
            for entry in entries:
                if entry.get("type") == "aws:cdk:logicalId":
                    paths[str(entry.get("data"))] = path
                elif entry.get("type") == "aws:cdk:acknowledged-rules":
                    for rule, reason in (entry.get("data") or {}).items():
                        assembly.acknowledgments.append(Acknowledgment(path, str(rule), str(reason)))
        stack = str(artifact.get("displayName") or name)
        assembly.templates.append(Template(stack=stack, body=_read_json(file), paths=paths, file=file))


def find_cdk_json(directory: Path) -> Path | None:
    candidate = directory / "cdk.json"
    return candidate if candidate.is_file() else None


def stage_context(stage: str | None) -> dict[str, str]:
    """The synth context of ``--stage`` (none without it); one line naming the stages otherwise."""
    if stage is None:
        return {}
    if stage not in STAGES:
        raise CliError(f"--stage must be one of {', '.join(STAGES)}, got {stage!r}")
    return {STAGE_CONTEXT_KEY: stage}


def _context(
    app_dir: Path, config: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The context the CDK CLI would give the app (``cdk.context.json``, then ``cdk.json``), then
    ``extra`` (the command line's, as ``cdk -c`` would)."""
    context: dict[str, Any] = {}
    cached = app_dir / "cdk.context.json"
    if cached.is_file():
        context.update(_read_json(cached))
    context.update(config.get("context") or {})
    context.update(extra or {})
    context.setdefault("aws:cdk:enable-path-metadata", True)
    return context


def _command(app_dir: Path, app: str) -> tuple[list[str] | str, bool]:
    """The app command, run through the rule-pack runner when it is a Python script."""
    try:
        argv = shlex.split(app)
    except ValueError:
        return app, True
    if len(argv) >= 2 and Path(argv[0]).name.startswith("python") and argv[1].endswith(".py"):
        python = argv[0]
        if os.sep in python and not os.path.isabs(python):
            python = str(app_dir / python)
        return [python, str(RUNNER), *argv[1:]], False
    return app, True


def synthesize(
    app_dir: Path, outdir: Path | None = None, *, context: Mapping[str, Any] | None = None
) -> Path:
    """Runs the app of ``app_dir/cdk.json`` into ``outdir`` (default ``app_dir/cdk.out``), with
    ``context`` over the app's own."""
    cdk_json = find_cdk_json(app_dir)
    if cdk_json is None:
        raise CliError(f"{app_dir} has no cdk.json; pass a CDK app directory, a cdk.out or a template")
    config = _read_json(cdk_json)
    if not isinstance(config, dict) or not isinstance(config.get("app"), str):
        raise CliError(f'{cdk_json} has no \'app\' command; add one such as "app": "python3 app.py"')
    outdir = outdir or app_dir / str(config.get("output") or "cdk.out")
    # The app runs as `serverless-patterns cdk` runs it: its jsii on the Node.js that pip installed
    # (JSII_NODE, first on PATH) and, in a virtualenv, `python3` of its cdk.json that virtualenv's
    # (next on PATH), also when the virtualenv is not activated.
    env = cdk_env(
        {
            **os.environ,
            "CDK_OUTDIR": str(outdir.resolve()),
            "CDK_CONTEXT_JSON": json.dumps(_context(app_dir, config, context)),
        }
    )
    command, shell = _command(app_dir, config["app"])
    if isinstance(command, list) and command[0] in ("python", "python3") and not _on_path(command[0]):
        command[0] = sys.executable
    with tempfile.TemporaryDirectory(prefix="serverless-patterns-synth-") as scratch:
        recorded = Path(scratch) / ERROR_FILE
        env[ERROR_FILE_ENV] = str(recorded)
        try:
            done = subprocess.run(
                command,
                cwd=app_dir,
                env=env,
                shell=shell,
                capture_output=True,
                text=True,
                timeout=SYNTH_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError as error:
            raise CliError(
                f"cannot run the app command of {cdk_json} ({error.filename}); is its Python installed?"
            ) from error
        except subprocess.TimeoutExpired as error:
            raise CliError(f"synthesizing {app_dir} took longer than {SYNTH_TIMEOUT_SECONDS} s") from error
        output = (done.stdout or "") + (done.stderr or "")
        if done.returncode != 0 or not (outdir / "manifest.json").is_file():
            raise synth_error(f"the app in {app_dir}", output, recorded)
    return outdir


def synth_error(what: str, output: str, recorded: Path) -> CliError:
    """The error of a failed synth of ``what`` (``the app in DIR``) from the record the runner wrote
    (see ``_synth_runner``), else from the app's ``output``: every problem of an invalid pattern with
    its construct path, else the error's type and the first line of its message. ``--debug`` shows
    ``output``."""
    record = _read_record(recorded)
    problems = record.get("problems")
    if isinstance(problems, list) and problems:
        path = record.get("construct_path") or "the app"
        lines = "".join(f"\n  - {problem}" for problem in problems)
        return CliError(f"{what} is invalid: {path}: invalid props{lines}", detail=output)
    problems = _traceback_problems(output)
    if problems:
        return CliError(f"{what} is invalid: {problems}", detail=output)
    message = str(record.get("message", "")).strip()
    line = f"{record['type']}: {message.splitlines()[0]}" if message and "type" in record else None
    return CliError(
        f"{what} failed to synthesize: {line or last_error_line(output)} (rerun with --debug for its output)",
        detail=output,
    )


def _read_record(recorded: Path) -> dict[str, Any]:
    try:
        record = json.loads(recorded.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _traceback_problems(output: str) -> str | None:
    """``path: invalid props`` and its ``  - problem`` lines, from the traceback of an app the
    runner did not run (an app command that is no ``python app.py``)."""
    lines = output.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        head, _, rest = lines[index].partition(": ")
        if head.rsplit(".", 1)[-1] == "PatternValidationError" and rest.endswith(": invalid props"):
            following = itertools.takewhile(lambda line: line.startswith("  - "), lines[index + 1 :])
            return "\n".join([rest, *following])
    return None


def _on_path(program: str) -> bool:
    from shutil import which

    return which(program) is not None


def last_error_line(output: str) -> str:
    """The line of a Python traceback that names the error, or the last non-empty line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and " " not in head:
            return line
    return lines[-1] if lines else "no output"


def load(target: Path, *, synth: bool = True, context: Mapping[str, Any] | None = None) -> Assembly:
    """Whatever ``target`` is: a CDK app directory, a ``cdk.out`` or a template file. ``context``
    (a stage, for example) is given to the app's synth, so it needs an app directory."""
    if context and not (target.is_dir() and find_cdk_json(target) is not None):
        keys = ", ".join(context)
        raise CliError(f"{keys} is synth context: pass a CDK app directory, not {target}")
    if context and not synth:
        raise CliError("--no-synth reads the existing cdk.out, which no context can change; drop one of them")
    if not target.exists():
        raise CliError(f"{target} does not exist; pass a CDK app directory, a cdk.out or a template file")
    if target.is_file():
        return read_template(target)
    if (target / "manifest.json").is_file():
        return read_assembly(target)
    if find_cdk_json(target) is not None:
        config = _read_json(target / "cdk.json")
        outdir = (
            target / str(config.get("output") or "cdk.out")
            if isinstance(config, dict)
            else target / "cdk.out"
        )
        if synth or not (outdir / "manifest.json").is_file():
            outdir = synthesize(target, outdir, context=context)
            assembly = read_assembly(outdir)
            assembly.packs_installed = os.environ.get("SERVERLESS_PATTERNS_ADD_PACKS", "1") == "1"
            return assembly
        return read_assembly(outdir)
    raise CliError(
        f"{target} is neither a CDK app (no cdk.json), a cdk.out (no manifest.json) nor a template"
    )
