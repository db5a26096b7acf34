"""``serverless-patterns dev``, ``invoke``, ``send`` and ``events``: the local development loop.

``dev`` runs a :class:`~serverless_patterns.local.dev.DevSession` in the foreground; ``invoke`` and
``send`` talk to it through its control endpoint (found in ``.serverless-patterns/dev.json``);
``events`` prints sample events to start from.
"""

from __future__ import annotations

import json
import signal
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .._dev_state import STATE_FILE, read_state
from .assembly import stage_context
from .errors import CliError
from .events import SAMPLES, sample

__all__ = ["dev", "events", "invoke", "register", "send"]

_STYLES = {"ok": "green", "error": "red", "invocation": "cyan", "log": "dim", "info": ""}


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the CLI."""
    app.command()(dev)
    app.command()(invoke)
    app.command()(send)
    app.command()(events)


def _project(app: Path | None) -> Path:
    """The app's directory: APP's (a directory, or a file in one), else the current one."""
    path = Path.cwd() if app is None else app
    if path.is_file():
        path = path.parent
    if not path.is_dir():
        raise CliError(f"{app} is neither an app directory nor a file in one")
    if not (path / "cdk.json").is_file():
        raise CliError(f"{path.name or path} has no cdk.json: run dev in a CDK app's directory or pass it")
    return path


def dev(
    app: Annotated[
        Path | None,
        typer.Argument(
            help="The app: its directory (with cdk.json) or its app.py. Default: - the current directory."
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option(
            "--port", min=1, max=65535, help="Port of the first API; the next API gets the next port."
        ),
    ] = 3000,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between two looks at the files.")
    ] = 0.2,
    stage: Annotated[
        str,
        typer.Option(
            "--stage", help="The stage the app is synthesized in (serverless-patterns:stage): dev or prod."
        ),
    ] = "dev",
    clock: Annotated[
        float,
        typer.Option(
            "--clock",
            min=0.001,
            help="Alarm periods and CodeDeploy bakes run this many times faster (60: a canary's 5 minutes take 5 s; 1: real time).",
        ),
    ] = 60.0,
) -> None:
    """Run the app on the local cloud, serve its APIs, show every invocation, reload on save."""
    from ..local import LocalCloud
    from ..local.dev import DevError, DevSession

    context = stage_context(stage)
    project = _project(app)
    out = Console(highlight=False, soft_wrap=True)

    def emit(kind: str, text: str) -> None:
        style = _STYLES.get(kind, "")
        out.print(f"[{style}]{escape(text)}[/]" if style else escape(text))

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started in the background, where it is ignored
    session = DevSession(
        project, port=port, interval=interval, emit=emit, context=context, cloud=LocalCloud(clock=clock)
    )
    emit("info", f"Starting the local cloud for {project.resolve().name} in stage {stage} (Ctrl-C stops)...")
    try:
        session.start()
        emit("info", "Watching for changes: handler code reloads at once, the app redeploys what changed.")
        session.run()
    except KeyboardInterrupt:
        emit("info", "Stopping...")
    except DevError as exc:
        raise CliError(str(exc)) from exc
    finally:
        session.close()
    emit("info", "Stopped.")


def _call(path: str, body: dict[str, Any] | None) -> dict[str, Any]:
    state = read_state(Path.cwd())
    if state is None:
        raise CliError(
            f"no `serverless-patterns dev` runs here (no {STATE_FILE} in this directory or above): start it first"
        )
    request = urllib.request.Request(
        str(state["control"]) + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-Dev-Token": str(state.get("token", "")), "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=900) as answer:
            found: dict[str, Any] = json.loads(answer.read())
            return found
    except urllib.error.HTTPError as failed:
        try:
            message = str(json.loads(failed.read()).get("error", failed.reason))
        except ValueError:
            message = str(failed.reason)
        raise CliError(message) from None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise CliError(
            f"the dev session of {STATE_FILE} (pid {state.get('pid')}) does not answer ({exc}): is it still running?"
        ) from None


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise CliError(f"{source} is not a file (pass a file, or - for stdin)")
    return path.read_text()


def invoke(
    function: Annotated[
        str,
        typer.Argument(help="The function: its construct path, logical ID, name or a unique path suffix."),
    ],
    event: Annotated[
        str | None,
        typer.Option("--event", "-e", help="A JSON file with the event, or - for stdin. Default: - {}"),
    ] = None,
) -> None:
    """Invoke a function of the running `dev` with an event and print what it returned."""
    text = "{}" if event is None else _read(event)
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise CliError(f"the event is not JSON: {exc}") from exc
    answer = _call("/invoke", {"function": function, "event": payload})
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for line in str(answer.get("logs", "")).splitlines():
        err.print(escape(line), style="dim")
    err.print(escape(f"{answer['function']}: {answer['duration_ms']:.0f} ms"), style="dim")
    print(answer["payload"])
    if answer.get("error"):
        raise CliError(f"{answer['function']} failed: {answer['error']}")


def send(
    target: Annotated[
        str,
        typer.Argument(
            help="A queue, topic, bucket, table, bus or schedule (fired with its own input): construct "
            "path, logical ID, name or unique suffix."
        ),
    ],
    body: Annotated[
        str | None,
        typer.Argument(help="The message, item (JSON) or event detail (JSON). Default: - --file, else {}"),
    ] = None,
    file: Annotated[
        str | None, typer.Option("--file", "-f", help="Read the body from a file, or - for stdin.")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="The object's key (buckets).")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="The message's subject (topics).")] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="The event's source (buses). Default: serverless-patterns.dev"),
    ] = None,
    detail_type: Annotated[
        str | None, typer.Option("--detail-type", help="The event's detail-type (buses). Default: DevEvent")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option("--attribute", "-a", help="NAME=VALUE message attribute (queues, topics); repeatable."),
    ] = None,
) -> None:
    """Send a message, object, item or event into a resource of the running `dev`, or fire a schedule."""
    if body is not None and file is not None:
        raise CliError("give the body or --file, not both")
    binary = False
    if file is not None and file != "-":
        if not Path(file).is_file():
            raise CliError(f"{file} is not a file (pass a file, or - for stdin)")
        data = Path(file).read_bytes()
        try:
            text = data.decode()
        except UnicodeDecodeError:  # an image, an archive: sent as hex, written as the bytes
            text, binary = data.hex(), True
    else:
        text = _read(file) if file is not None else body if body is not None else "{}"
    attributes: dict[str, str] = {}
    for given in attribute or []:
        name, sep, value = given.partition("=")
        if not sep or not name:
            raise CliError(f"--attribute takes NAME=VALUE, got {given!r}")
        attributes[name] = value
    request: dict[str, Any] = {"target": target, "body": text, "attributes": attributes, "hex": binary}
    options = {"key": key, "subject": subject, "source": source, "detail_type": detail_type}
    request.update({name: value for name, value in options.items() if value is not None})
    answer = _call("/send", request)
    print(f"{answer['target']}: {answer['result']}")


def events(
    kind: Annotated[
        str | None, typer.Argument(help=f"One of: {', '.join(SAMPLES)}. Default: - list them.")
    ] = None,
) -> None:
    """Print a sample event of a trigger type (JSON, ready to edit and pass to `invoke --event`)."""
    if kind is None:
        for name, build in SAMPLES.items():
            print(f"{name:<16} {(build.__doc__ or '').strip()}")
        return
    if kind not in SAMPLES:
        raise CliError(f"no sample event {kind!r}; one of: {', '.join(SAMPLES)}")
    print(json.dumps(sample(kind), indent=2))
