"""``serverless-patterns dev``: a CDK app on the local cloud, kept up to date while you edit it.

:class:`DevSession` starts a :class:`~.cloud.LocalCloud`, synthesizes the app with the CDK CLI and
deploys it, serves each API on a port of its own (``--port``, the next API on the next port), and
reports every invocation. Then it polls the project's files:

- a file in the source directory of a Python function (found by matching the deployed asset's
  handler module with the project's files) makes that function run the directory's modules, ahead
  of its deployed code, in new workers, from its next invocation on: no synth, no deploy;
- handler code that nothing deployed uses yet (a ``.py``, ``.js`` or ``.ts`` file outside every
  asset's source directory that a Python app does not import) changes nothing: no synth, no
  deploy, until the app refers to it;
- any other watched file (``cdk.json``'s ``watch`` include/exclude, else every file but docs and
  tests) re-synthesizes the app and deploys only the stacks whose template changed. A synth or
  deploy error is shown and the last good deployment keeps serving (a failed update is rolled
  back, see :mod:`.stack_update`).

Only what serving needs runs before the change serves. A Python app (``python3 app.py`` in
``cdk.json``) is synthesized in a spare process that already has aws-cdk-lib loaded, without the
rule packs and CloudFormation validation (:mod:`.warm_synth`), and the changed stacks are updated
in this process, without the CDK CLI (:meth:`.LocalCloud.deploy` with ``cli=False``; only the
changed resources are touched, see :mod:`.stack_update`). Then the rule packs, the validation and
cfn-lint run in the background and their findings are printed as soon as they are known
(:mod:`.dev_checks`), on the first deploy as on every change: a finding never stops serving.

Each invocation is shown with the function's construct path, what invoked it, how long it took
and, for an API, the HTTP status it answered. A request the API refuses before its integration runs
(as API Gateway would: an unsigned call to an IAM-authorized route, a missing or invalid token, a
Lambda authorizer's denial, the stage's throttle; see :mod:`.api_auth`) is shown on one line, with
what the caller should do (a browser or plain ``curl`` call to an IAM route gets 403: sign it, for
instance with ``curl --aws-sigv4 "aws:amz:us-east-1:execute-api" --user KEY:SECRET``).

A control endpoint on 127.0.0.1 (its port and a token in ``.serverless-patterns/dev.json`` in the
project) lets ``serverless-patterns invoke`` and ``send`` reach the running session.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .._dev_state import STATE_FILE, read_state
from . import moto_adapter
from .alarms import AlarmChange
from .api_auth import Refused
from .apigw import ApiResponse, http_handler
from .cdk import CdkError, cdk_command
from .cloud import LocalCloud, LocalCloudError
from .dev_checks import DevChecks
from .dev_names import NameNotFound, Resource, resolve, resources_of
from .runtime import Invocation
from .services.codedeploy import LambdaDeployment
from .warm_synth import SynthFailed, WarmSynth, python_app

__all__ = [
    "STATE_FILE",
    "DevError",
    "DevSession",
    "app_modules",
    "asset_sources",
    "changed",
    "find_source",
    "read_state",
    "scan",
]

DEPENDENCY_FILES = frozenset(
    {"requirements.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock"}
)
"""Files of a function's source directory that change its bundle: a change redeploys."""
DEFAULT_EXCLUDE = ("*.md", "**/*.md", "tests/**", "test/**", "package.json", "package-lock.json")
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "cdk.out"})
_SKIP_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~", ".tmp")
LOG_LINES = 20
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts")
"""Handler code: a file of these kinds that no asset holds and the app does not import is unused."""
"""Log lines of an invocation shown in the live view (the rest is counted)."""


class DevError(RuntimeError):
    """What the session cannot do (a port in use, a session already running); one line."""


# -- files ------------------------------------------------------------------------------------------


Snapshot = dict[str, tuple[int, int]]


def _skipped_dir(directory: Path, name: str) -> bool:
    return (
        name.startswith(".")
        or name in _SKIP_DIRS
        or name.startswith("cdk.out")
        or (directory / name / "pyvenv.cfg").is_file()
    )


def scan(root: Path) -> Snapshot:
    """(mtime ns, size) of every file under ``root``, minus hidden, virtualenv, build and cache
    directories and editor droppings; keys are POSIX paths relative to ``root``."""
    found: Snapshot = {}
    for current, dirs, files in os.walk(root):
        here = Path(current)
        dirs[:] = [d for d in dirs if not _skipped_dir(here, d)]
        for name in files:
            if name.endswith(_SKIP_SUFFIXES) or name.startswith((".#", "#")):
                continue
            path = here / name
            with contextlib.suppress(OSError):
                st = path.stat()
                found[path.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
    return found


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """Paths added, removed or modified between two snapshots."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _watch_rules(project: Path) -> tuple[list[str], list[str]]:
    """``cdk.json``'s ``watch`` include and exclude globs, else every file but docs and tests."""
    with contextlib.suppress(OSError, ValueError):
        watch = json.loads((project / "cdk.json").read_text()).get("watch") or {}
        include = watch.get("include") or ["**"]
        exclude = watch.get("exclude") or list(DEFAULT_EXCLUDE)
        as_list = [include] if isinstance(include, str) else list(include)
        return as_list, [exclude] if isinstance(exclude, str) else list(exclude)
    return ["**"], list(DEFAULT_EXCLUDE)


def _matches(path: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p.removeprefix("**/")) or path == p.rstrip("/")
        for p in patterns
    )


def _module_file(handler: str) -> list[str]:
    module = handler.rpartition(".")[0]
    return [f"{module}.py", f"{module}/__init__.py"] if module else []


def find_source(asset: Path, handler: str, project: Path) -> Path | None:
    """The directory of ``project`` a Python function's deployed code was built from: one holding
    the handler's module with the same bytes as the asset's, the one sharing most files with the
    asset when several do (a bundle also holds its dependencies). None when none does."""
    best: tuple[int, str] | None = None
    for relative in _module_file(handler):
        deployed = asset / relative
        if not deployed.is_file():
            continue
        content = deployed.read_bytes()
        for current, dirs, _files in os.walk(project):
            here = Path(current)
            dirs[:] = sorted(d for d in dirs if not _skipped_dir(here, d))
            candidate = here / relative
            if not candidate.is_file() or candidate.read_bytes() != content:
                continue
            same = sum(
                1
                for f in here.iterdir()
                if f.is_file()
                and (asset / f.name).is_file()
                and (asset / f.name).read_bytes() == f.read_bytes()
            )
            if best is None or same > best[0]:
                best = (same, str(here))
    return Path(best[1]) if best else None


def app_modules(project: Path) -> set[str] | None:
    """The project's Python files a Python CDK app (``cdk.json``'s ``app``, e.g. ``python3 app.py``)
    imports, directly or through each other, found by reading their ``import`` statements: POSIX
    paths relative to ``project``. None for an app that is not a Python file of the project."""
    with contextlib.suppress(OSError, ValueError):
        command = str(json.loads((project / "cdk.json").read_text()).get("app") or "")
        entry = next((part for part in command.split() if part.endswith(".py")), None)
        if entry is not None and (project / entry).is_file():
            return _imported(project, project / entry)
    return None


def _imported(project: Path, entry: Path) -> set[str]:
    found: set[str] = set()
    pending = [entry]
    while pending:
        path = pending.pop()
        relative = path.relative_to(project).as_posix()
        if relative in found:
            continue
        found.add(relative)
        try:
            tree = ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = path.parent if node.level else project
                for _ in range(max(node.level - 1, 0)):
                    base = base.parent
                prefix = node.module or ""
                names = [prefix] if prefix else []
                names += [f"{prefix}.{alias.name}".lstrip(".") for alias in node.names]
                pending += _module_files(project, base, names)
                continue
            pending += _module_files(project, project, names)
    return found


def _module_files(project: Path, base: Path, names: list[str]) -> list[Path]:
    """The files under ``project`` that modules ``names`` (``pkg.mod``) are, from ``base``."""
    files = []
    for name in names:
        parts = [p for p in name.split(".") if p]
        for depth in range(1, len(parts) + 1):
            stem = base.joinpath(*parts[:depth])
            for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                if candidate.is_file() and candidate.resolve().is_relative_to(project):
                    files.append(candidate)
    return files


def asset_sources(assembly: Path, project: Path) -> list[Path]:
    """The directories of ``project`` the file assets of a cloud assembly were built from (function
    code, layers, bundles): for each asset, the directory holding most of its files with the same
    bytes, at the same place or one level down (a layer's ``python/``)."""
    by_key: dict[tuple[str, int], list[Path]] = {}
    for relative, (_, size) in scan(project).items():
        by_key.setdefault((Path(relative).name, size), []).append(project / relative)
    found: set[Path] = set()
    for asset in sorted(assembly.glob("asset.*")):
        if not asset.is_dir():
            continue
        votes: dict[Path, int] = {}
        for file in asset.rglob("*"):
            with contextlib.suppress(OSError):
                if not file.is_file():
                    continue
                candidates = by_key.get((file.name, file.stat().st_size), [])
                content = file.read_bytes() if candidates else b""
                parts = file.relative_to(asset).parts
                for candidate in candidates:
                    for tail in (parts, parts[1:]):
                        if not tail or candidate.parts[-len(tail) :] != tail:
                            continue
                        if candidate.read_bytes() == content:
                            root = candidate.parents[len(tail) - 1]
                            votes[root] = votes.get(root, 0) + 1
        if votes:
            found.add(max(votes, key=lambda root: (votes[root], -len(root.parts))))
    return sorted(found)


# -- the state file ---------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- the session ------------------------------------------------------------------------------------


@dataclass
class Api:
    """An API of the app served on a port of its own."""

    stack: str
    logical_id: str
    path: str
    port: int
    api_id: str = ""
    stage: str = ""
    routes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


DEPLOYMENT_WAIT_SECONDS = 5.0
"""How long an update waits for the CodeDeploy deployments it started before dev watches again."""

Emit = Callable[[str, str], None]
"""How the session reports: ``emit(kind, text)``, kind one of info, ok, error, invocation, log."""


class DevSession:
    """One ``serverless-patterns dev`` run on a project directory (see the module docstring).

    :param project: the directory with ``cdk.json``.
    :param port: the first API's port; the next API gets the next one. Default: 3000
    :param interval: seconds between two looks at the files. Default: 0.2
    :param emit: where reports go. Default: - printed
    """

    def __init__(
        self,
        project: Path,
        *,
        port: int = 3000,
        interval: float = 0.2,
        emit: Emit | None = None,
        cloud: LocalCloud | None = None,
        context: Mapping[str, str] | None = None,
    ) -> None:
        self.project = project.resolve()
        self.context = dict(context or {})
        """Context of every synth (``--context``): the stage, for one."""
        self.first_port = port
        self.interval = interval
        self.emit: Emit = emit or (lambda kind, text: print(text, flush=True))
        self.cloud = cloud or LocalCloud()
        self.apis: list[Api] = []
        self.resources: list[Resource] = []
        self.sources: dict[str, Path] = {}
        """Function name -> the project directory its Python code runs from."""
        self._templates: dict[str, str] = {}
        self._assembly: Path | None = None
        self._scratch: Path | None = None
        self._servers: dict[int, tuple[ThreadingHTTPServer, threading.Thread]] = {}
        self._control: tuple[ThreadingHTTPServer, threading.Thread] | None = None
        self._token = secrets.token_hex(16)
        self._print_lock = threading.Lock()
        self._synths = 0
        self._stop = threading.Event()
        self._snapshot: Snapshot = {}
        self._names: dict[str, str] = {}
        self._paths: dict[tuple[str, str], str] = {}
        """(stack, logical ID) -> construct path of every function synthesized so far."""
        self._asset_dirs: list[Path] = []
        self._app_modules: set[str] = set()
        self._warm: WarmSynth | None = None
        self._checks: DevChecks | None = None
        self._checked: Path | None = None
        """A checked assembly whose templates differ from the served ones: deployed by the next poll."""

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self, assembly: Path | None = None) -> None:
        """Start the cloud and the control endpoint, then synthesize and deploy the app (or deploy
        ``assembly``, an already synthesized cloud assembly)."""
        if assembly is None and not (self.project / "cdk.json").is_file():
            raise DevError(f"{self.project.name} has no cdk.json: run dev in a CDK app's directory")
        with contextlib.suppress(OSError, ValueError):
            pid = int(json.loads((self.project / STATE_FILE).read_text()).get("pid", 0))
            if pid and pid != os.getpid() and _alive(pid):
                raise DevError(f"dev already runs in this project (pid {pid}): stop it first")
        self._scratch = Path(tempfile.mkdtemp(prefix="serverless-patterns-dev-"))
        self.cloud.start()
        self.cloud.on_invocation(self._report)
        self.cloud.on_api_refusal(self._report_refusal)
        self.cloud.on_alarm(self._report_alarm)
        self.cloud.on_deployment(self._report_deployment)
        self._start_control()
        self._write_state()
        self._snapshot = scan(self.project)
        if assembly is None and python_app(self.project) is not None:
            with contextlib.suppress(CdkError):  # no CLI: update() says so
                self._warm = WarmSynth(
                    self.project,
                    self._scratch,
                    run_env=self.cloud._cdk_env(),
                    context=self.context,
                    cli=cdk_command(self.project),
                    timeout=self.cloud.deploy_timeout,
                )
                self._checks = DevChecks(self._warm, self._say, self._differs)
        if assembly is None:
            self.update(initial=True)
        else:
            self.apply(assembly, initial=True)

    def run(self) -> None:
        """Watch the project until :meth:`stop` (or Ctrl-C in the caller's thread)."""
        while not self._stop.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Stop serving, kill every worker, forget the state file and scratch files."""
        self._stop.set()
        if self._checks is not None:
            self._checks.close()
        if self._warm is not None:
            self._warm.close()
        for server, thread in list(self._servers.values()):
            server.shutdown()
            server.server_close()
            thread.join(5)
        self._servers.clear()
        if self._control is not None:
            self._control[0].shutdown()
            self._control[0].server_close()
            self._control[1].join(5)
            self._control = None
        with contextlib.suppress(FileNotFoundError):
            state = self.project / STATE_FILE
            if json.loads(state.read_text()).get("pid") == os.getpid():
                state.unlink()
        self.cloud.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> DevSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- watching -------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Look at the files once; reload or redeploy for what changed."""
        checked, self._checked = self._checked, None
        if checked is not None and checked.is_dir():
            self.apply(checked)
        now = scan(self.project)
        paths = changed(self._snapshot, now)
        if not paths:
            return
        self._snapshot = now
        reload: dict[Path, list[str]] = {}
        redeploy: list[str] = []
        include, exclude = _watch_rules(self.project)
        for relative in sorted(paths):
            full = self.project / relative
            owners = [
                name
                for name, source in self.sources.items()
                if full.is_relative_to(source) and full.name not in DEPENDENCY_FILES
            ]
            if owners:
                for name in owners:
                    reload.setdefault(self.sources[name], []).append(name)
            elif _matches(relative, include) and not _matches(relative, exclude):
                if self._unused(relative):
                    self.emit("info", f"{relative} changed: no deployed function uses it yet")
                else:
                    redeploy.append(relative)
        for source, names in reload.items():
            self._reload(source, sorted(set(names)))
        if redeploy:
            shown = ", ".join(redeploy[:3]) + (f" and {len(redeploy) - 3} more" if len(redeploy) > 3 else "")
            self.emit("info", f"{shown} changed: synthesizing")
            self.update()

    def _unused(self, relative: str) -> bool:
        """Handler code that no deployed asset holds and the (Python) app does not import: a change
        to it cannot change what is deployed."""
        if not relative.endswith(CODE_SUFFIXES) or self._assembly is None:
            return False
        modules = app_modules(self.project)
        if modules is None:
            return False  # an app that is not Python: what it reads is unknown
        self._app_modules |= modules
        full = self.project / relative
        return relative not in self._app_modules and not any(
            full.is_relative_to(source) for source in self._asset_dirs
        )

    def _reload(self, source: Path, names: list[str]) -> None:
        begin = time.monotonic()
        self.cloud.reload(source)
        where = source.relative_to(self.project).as_posix() or "."
        shown = ", ".join(self._names.get(n, n) for n in names)
        self.emit(
            "ok",
            f"{where} changed: reloaded {shown} in {(time.monotonic() - begin) * 1000:.0f} ms",
        )

    # -- synth and deploy -----------------------------------------------------------------------------

    def update(self, *, initial: bool = False) -> bool:
        """Synthesize the app and deploy the stacks whose template changed. False (and reported) on
        a synth or deploy error: what was deployed keeps serving."""
        assert self._scratch is not None
        if self._checks is not None:
            self._checks.cancel()  # the change before's checks: this one is checked next
        self._synths += 1
        outdir = self._scratch / f"cdk.out-{self._synths}"
        begin = time.monotonic()
        try:
            if self._warm is not None:
                outdir = self._warm.synth()
            else:
                self.cloud.synth(self.project, outdir, context=self.context)
        except (CdkError, LocalCloudError, SynthFailed) as exc:
            self._failed("synth", exc)
            shutil.rmtree(outdir, ignore_errors=True)
            return False
        synth_s = time.monotonic() - begin
        applied = self.apply(outdir, initial=initial, synth_seconds=synth_s)
        if applied and self._checks is not None:
            self._checks.start(outdir)
        if outdir != self._assembly:
            shutil.rmtree(outdir, ignore_errors=True)
        return applied

    def _say(self, kind: str, text: str) -> None:
        with self._print_lock:
            self.emit(kind, text)

    def _differs(self, checked: Path) -> None:
        """The background checks synthesized other templates than the served ones: deploy them."""
        self._checked = checked

    def apply(self, assembly: Path, *, initial: bool = False, synth_seconds: float = 0.0) -> bool:
        """Deploy the stacks of a cloud assembly whose template differs from the last deployed one,
        delete the stacks it no longer has, then serve what is deployed."""
        begin = time.monotonic() - synth_seconds
        templates = _stack_templates(assembly)
        changed_stacks = [s for s, t in templates.items() if self._templates.get(s) != t]
        removed = [s for s in self._templates if s not in templates]
        if not changed_stacks and not removed and not initial:
            self.emit("info", f"synthesized in {synth_seconds:.1f} s: no stack changed")
            return True
        # The functions' construct paths, for the invocations that come before the deploy ends.
        self._paths.update(
            {(r.stack, r.logical_id): r.path for r in resources_of(assembly) if r.kind == "function"}
        )
        try:
            for stack in removed:
                self.cloud.client("cloudformation").delete_stack(StackName=stack)
            # an all-at-once shift ends at once; a canary's goes on while dev watches (its lines show it)
            deployment = self.cloud.deploy(
                assembly, changed_stacks or None, wait=DEPLOYMENT_WAIT_SECONDS, cli=initial
            )
        except (CdkError, LocalCloudError) as exc:
            self._failed("deploy", exc)
            return False
        self._templates = templates
        previous, self._assembly = self._assembly, assembly
        if previous is not None and self._scratch is not None and previous.is_relative_to(self._scratch):
            shutil.rmtree(previous, ignore_errors=True)
        try:
            self._refresh()
        except DevError as exc:
            if initial:
                raise
            self.emit("error", f"{exc}; the APIs served before keep their ports")
        verb = "deployed" if initial else "updated"
        self.emit(
            "ok",
            f"{verb} {', '.join(changed_stacks) or 'nothing'}"
            + (f", removed {', '.join(removed)}" if removed else "")
            + f" in {time.monotonic() - begin:.1f} s (synth {synth_seconds:.1f} s, deploy {deployment.seconds:.1f} s)",
        )
        missing: dict[str, int] = {}
        for note in deployment.not_emulated:
            what = f"{note.resource_type}: {note.reason}"
            missing[what] = missing.get(what, 0) + 1
        for what, count in sorted(missing.items()):
            self.emit("info", f"not emulated: {count} x {what}")
        self._show_apis()
        if self._control is not None:
            self._write_state()
        return True

    def _failed(self, what: str, exc: Exception) -> None:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        keep = "the last good deployment keeps serving" if self._assembly else "fix it and save"
        self.emit("error", f"{what} failed ({keep}):")
        for line in lines[-15:]:
            self.emit("error", f"  {line}")

    def _refresh(self) -> None:
        assert self._assembly is not None
        cfn = self.cloud.client("cloudformation")
        physical = {
            stack: {
                r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
                for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
            }
            for stack in self._templates
        }
        self.resources = resources_of(self._assembly, physical)
        self._names = {r.physical_id: r.path for r in self.resources if r.kind == "function"}
        sources: dict[str, Path] = {}
        for fn in (r for r in self.resources if r.kind == "function" and r.physical_id):
            props = fn.properties or {}
            asset = (props.get("Metadata") or {}).get("aws:asset:path")
            if not str(props.get("Runtime", "")).startswith("python") or not asset:
                continue
            source = find_source(self._assembly / str(asset), str(props.get("Handler", "")), self.project)
            if source is not None:
                sources[fn.physical_id] = source
                if self.sources.get(fn.physical_id) != source:
                    self.cloud.run_from_source(fn.physical_id, source)
        self.sources = sources
        self._asset_dirs = asset_sources(self._assembly, self.project)
        self._app_modules = app_modules(self.project) or set()
        self._serve_apis()

    # -- APIs ------------------------------------------------------------------------------------------

    def _serve_apis(self) -> None:
        cloud = self.cloud
        v1 = moto_adapter.backend("apigateway", cloud.account_id, cloud.region).apis
        v2 = moto_adapter.backend("apigatewayv2", cloud.account_id, cloud.region).apis
        known = {(a.stack, a.logical_id): a for a in self.apis}
        apis: list[Api] = []
        taken = {a.port for a in self.apis}
        for resource in (r for r in self.resources if r.kind == "api" and r.physical_id):
            api = known.get((resource.stack, resource.logical_id))
            if api is None:
                port = self.first_port
                while port in taken:
                    port += 1
                taken.add(port)
                api = Api(resource.stack, resource.logical_id, resource.path, port)
            api.api_id = resource.physical_id
            api.stage = cloud._default_stage(resource.physical_id)
            routes: list[tuple[str, str]] = []
            if api.api_id in v1:
                for found in v1[api.api_id].resources.values():
                    routes += [(m, found.get_path()) for m in found.resource_methods if m != "OPTIONS"]
            elif api.api_id in v2:
                for route in v2[api.api_id].routes.values():
                    verb, _, path = str(route.route_key).partition(" ")
                    routes.append((verb, path or "/"))
            api.routes = [f"{m} {p}" for m, p in sorted(routes, key=lambda r: (r[1], r[0]))]
            apis.append(api)
        for api in apis:
            if api.port not in self._servers:
                self._servers[api.port] = self._serve(api.port)
        for port in [p for p in self._servers if p not in {a.port for a in apis}]:
            server, thread = self._servers.pop(port)
            server.shutdown()
            server.server_close()
            thread.join(5)
        self.apis = apis

    def _show_apis(self) -> None:
        for api in self.apis:
            self.emit("info", f"{api.path}: {api.url}")
            for route in api.routes:
                verb, _, path = route.partition(" ")
                self.emit("info", f"  {verb:<7} {api.url}{path}")

    def _serve(self, port: int) -> tuple[ThreadingHTTPServer, threading.Thread]:

        def answer(verb: str, path: str, headers: dict[str, str], body: bytes) -> ApiResponse:
            api = next((a for a in self.apis if a.port == port), None)
            gateway = self.cloud._gateway
            if api is None or gateway is None:
                return ApiResponse(404, {"Content-Type": "application/json"}, b'{"message":"no API"}')
            return gateway.handle(verb, f"/{api.api_id}/{api.stage}{path}", headers, body, sent=path)

        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), http_handler(answer))
        except OSError as exc:
            raise DevError(f"port {port} is in use ({exc.strerror}): pass another --port") from exc
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=f"dev-api-{port}", daemon=True)
        thread.start()
        return server, thread

    # -- the live view ---------------------------------------------------------------------------------

    def _function_path(self, name: str) -> str:
        """A function's construct path, also before the deploy that created it has ended."""
        known = self._names.get(name)
        if known is not None:
            return known
        found = moto_adapter.stack_resource_of(self.cloud.account_id, self.cloud.region, name)
        path = self._paths.get(found) if found is not None else None
        if path is None:
            return name
        self._names[name] = path
        return path

    def _report(self, invocation: Invocation) -> None:
        name = self._function_path(invocation.function_name)
        when = datetime.fromtimestamp(invocation.started_at).strftime("%H:%M:%S")
        what = f"{invocation.source} {invocation.detail}".strip()
        status = invocation.status
        result = "ok" if status is None else str(status)
        if not invocation.ok:
            result = ("" if status is None else f"{status} ") + f"error {invocation.error}"
        failed = not invocation.ok or (status is not None and status >= 500)
        lines = [line for line in invocation.logs.splitlines() if line.strip()]
        with self._print_lock:
            self.emit(
                "error" if failed else "invocation",
                f"{when} {name} <- {what} {invocation.duration_ms:.0f} ms {result}",
            )
            for line in lines[:LOG_LINES]:
                self.emit("log", f"    {line[:400]}")
            if len(lines) > LOG_LINES:
                self.emit("log", f"    ... {len(lines) - LOG_LINES} more lines")

    def _report_refusal(self, refused: Refused) -> None:
        """``12:00:03 <API path> GET /hello 403 Missing Authentication Token (the route is
        IAM-authorized: sign the request...)``."""
        when = datetime.now().strftime("%H:%M:%S")
        api = next((a.path for a in self.apis if a.api_id == refused.api_id), refused.api_id)
        why = f" ({refused.why})" if refused.why else ""
        with self._print_lock:
            self.emit(
                "error",
                f"{when} {api} {refused.method} {refused.path} {refused.status} {refused.message}{why}",
            )

    def _report_alarm(self, change: AlarmChange) -> None:
        """``12:00:03 alarm <name> OK -> ALARM: <reason>``."""
        when = datetime.fromtimestamp(change.when).strftime("%H:%M:%S")
        with self._print_lock:
            self.emit(
                "error" if change.new == "ALARM" else "info",
                f"{when} alarm {change.alarm.name} {change.old} -> {change.new}: {change.reason}",
            )

    def _report_deployment(self, deployment: LambdaDeployment, what: str) -> None:
        """``12:00:01 <function path> deployment d-X: 10% of live on version 2`` (the shift, the
        hooks and the outcome)."""
        when = datetime.now().strftime("%H:%M:%S")
        failed = what.startswith(("Stopped", "Failed", "rolled back"))
        with self._print_lock:
            self.emit(
                "error" if failed else "info",
                f"{when} {deployment.function} deployment {deployment.id}: {what}",
            )

    # -- invoke and send ------------------------------------------------------------------------------

    def invoke(self, function: str, event: Any) -> dict[str, Any]:
        """Invoke a function (by path, logical ID, name or unique suffix) with ``event`` and wait."""
        fn = resolve(function, self.resources, ["function"])
        try:
            result = self.cloud.invoke(fn.physical_id, event, detail="serverless-patterns invoke")
        except LocalCloudError as error:
            raise DevError(str(error)) from None
        return {
            "function": fn.path,
            "payload": result.payload.decode(),
            "error": result.invocation.error,
            "logs": result.invocation.logs,
            "duration_ms": result.invocation.duration_ms,
        }

    def send(self, target: str, body: str, options: Mapping[str, Any]) -> dict[str, Any]:
        """Put ``body`` into a queue, topic, bucket, table or bus named ``target``, or fire the
        schedule named ``target`` (its own input: ``body`` is not used)."""
        found = resolve(target, self.resources, ["queue", "topic", "bucket", "table", "bus", "schedule"])
        cloud = self.cloud
        attributes = {str(k): str(v) for k, v in (options.get("attributes") or {}).items()}
        if found.kind == "queue":
            url = cloud.client("sqs").get_queue_url(QueueName=found.physical_id.rsplit("/", 1)[-1])[
                "QueueUrl"
            ]
            message: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
            if attributes:
                message["MessageAttributes"] = {
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                }
            if url.endswith(".fifo"):
                message["MessageGroupId"] = options.get("group") or "dev"
                message["MessageDeduplicationId"] = secrets.token_hex(8)
            sent = cloud.client("sqs").send_message(**message)
            said = f"message {sent['MessageId']} sent to queue {url.rsplit('/', 1)[-1]}"
        elif found.kind == "topic":
            publish: dict[str, Any] = {"TopicArn": found.physical_id, "Message": body}
            if options.get("subject"):
                publish["Subject"] = str(options["subject"])
            if attributes:
                publish["MessageAttributes"] = {
                    k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                }
            if found.physical_id.endswith(".fifo"):
                publish["MessageGroupId"] = options.get("group") or "dev"
                publish["MessageDeduplicationId"] = secrets.token_hex(8)
            sent = cloud.client("sns").publish(**publish)
            said = f"message {sent['MessageId']} published to topic {found.physical_id.rsplit(':', 1)[-1]}"
        elif found.kind == "bucket":
            key = options.get("key")
            if not key:
                raise DevError("sending to a bucket needs --key (the object's key)")
            data = bytes.fromhex(body) if options.get("hex") else body.encode()
            cloud.client("s3").put_object(Bucket=found.physical_id, Key=str(key), Body=data)
            said = f"object s3://{found.physical_id}/{key} written ({len(data)} bytes)"
        elif found.kind == "table":
            from boto3.dynamodb.types import TypeSerializer

            try:
                item = json.loads(body, parse_float=Decimal)
            except ValueError as exc:
                raise DevError(f"an item is a JSON object: {exc}") from exc
            if not isinstance(item, dict):
                raise DevError('an item is a JSON object, e.g. \'{"pk": "order#1", "amount": 42}\'')
            serializer = TypeSerializer()
            cloud.client("dynamodb").put_item(
                TableName=found.physical_id, Item={k: serializer.serialize(v) for k, v in item.items()}
            )
            said = f"item put into table {found.physical_id}"
        elif found.kind == "schedule":
            fired = cloud.fire(found.physical_id)
            said = (
                f"schedule {found.physical_id} fired"
                if fired.delivered
                else f"schedule {found.physical_id} fired, not delivered ({fired.error}): see its dead-letter queue"
            )
        else:
            try:
                detail = json.loads(body)
            except ValueError as exc:
                raise DevError(f"an event's detail is a JSON object: {exc}") from exc
            source = options.get("source") or "serverless-patterns.dev"
            detail_type = options.get("detail_type") or "DevEvent"
            if isinstance(detail, dict) and "detail" in detail and "source" in detail:
                source, detail_type = detail["source"], detail.get("detail-type", detail_type)
                detail = detail["detail"]
            put = cloud.client("events").put_events(
                Entries=[
                    {
                        "EventBusName": found.physical_id,
                        "Source": str(source),
                        "DetailType": str(detail_type),
                        "Detail": json.dumps(detail),
                    }
                ]
            )
            if put.get("FailedEntryCount"):
                raise DevError(f"the bus refused the event: {put['Entries'][0].get('ErrorMessage')}")
            said = f"event {put['Entries'][0].get('EventId')} put on bus {found.physical_id}"
        return {"target": found.path, "kind": found.kind, "result": said}

    # -- the control endpoint -------------------------------------------------------------------------

    def _start_control(self) -> None:
        session = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not self._allowed():
                    return
                if self.path == "/resources":
                    self._answer(200, {"resources": [_public(r) for r in session.resources]})
                else:
                    self._answer(404, {"error": f"no {self.path}"})

            def do_POST(self) -> None:
                if not self._allowed():
                    return
                try:
                    request = json.loads(
                        self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}"
                    )
                    if self.path == "/invoke":
                        self._answer(200, session.invoke(str(request["function"]), request.get("event", {})))
                    elif self.path == "/send":
                        self._answer(
                            200, session.send(str(request["target"]), str(request.get("body", "")), request)
                        )
                    else:
                        self._answer(404, {"error": f"no {self.path}"})
                except (NameNotFound, DevError) as exc:
                    self._answer(
                        400, {"error": str(exc).strip("'\"") if isinstance(exc, NameNotFound) else str(exc)}
                    )
                except (KeyError, ValueError) as exc:
                    self._answer(400, {"error": f"bad request: {exc}"})
                except Exception as exc:
                    self._answer(500, {"error": f"{type(exc).__name__}: {exc}"})

            def _allowed(self) -> bool:
                if secrets.compare_digest(self.headers.get("X-Dev-Token", ""), session._token):
                    return True
                self._answer(403, {"error": "wrong token"})
                return False

            def _answer(self, status: int, value: Any) -> None:
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="dev-control", daemon=True)
        thread.start()
        self._control = (server, thread)

    @property
    def control_url(self) -> str:
        assert self._control is not None
        return f"http://127.0.0.1:{self._control[0].server_address[1]}"

    def _write_state(self) -> None:
        state = {
            "project": self.project.name,
            "pid": os.getpid(),
            "control": self.control_url,
            "token": self._token,
            "endpoint_url": self.cloud.endpoint_url,
            "apis": [{"path": a.path, "url": a.url, "routes": a.routes} for a in self.apis],
        }
        path = self.project / STATE_FILE
        path.parent.mkdir(exist_ok=True)
        (path.parent / ".gitignore").write_text("*\n")
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(state, indent=2))
        staged.replace(path)


def _public(resource: Resource) -> dict[str, str]:
    return {
        "kind": resource.kind,
        "stack": resource.stack,
        "logical_id": resource.logical_id,
        "path": resource.path,
        "physical_id": resource.physical_id,
    }


def _stack_templates(assembly: Path) -> dict[str, str]:
    """Stack name -> template text of every stack of a cloud assembly."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: dict[str, str] = {}
    for name, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties", {})
        found[props.get("stackName") or name] = (assembly / props["templateFile"]).read_text()
    return found
