"""``serverless-patterns``: the catalog (list, show, new), tools for any CDK app (diagram, cost, check)
and for a deployed stack (redrive)."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from .. import catalog
from .._toolchain import missing_extra, tool_env
from .assembly import Assembly, load, stage_context
from .cost import PROFILES, Usage
from .dev import register as register_dev_commands
from .errors import CliError
from .importer import register as register_import_command

__all__ = ["app", "main"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _new_consoles() -> None:
    """Fresh consoles for each run, so they follow the streams and COLUMNS of that run."""
    global out, err
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)


class _Group(typer.core.TyperGroup):
    """Shows every error as one line that says what to do; ``--debug`` shows the traceback too."""

    def invoke(self, ctx: Any) -> Any:
        _new_consoles()
        try:
            return super().invoke(ctx)
        except CliError as error:
            if _debug(ctx):
                err.print(escape(traceback.format_exc()))
                if error.detail:
                    err.print(escape(error.detail))
            err.print(f"[bold red]error:[/] {escape(error.message)}", soft_wrap=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            err.print("[bold red]error:[/] interrupted")
            ctx.exit(130)
        except ModuleNotFoundError as error:
            message = missing_extra(error)
            if message is None:
                raise
            err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
            ctx.exit(2)
        except Exception as error:
            if type(error).__module__.split(".")[0] in ("typer", "click"):
                raise  # exits, aborts and usage errors: the framework shows them
            if _debug(ctx):
                err.print(escape(traceback.format_exc()))
            err.print(
                f"[bold red]error:[/] unexpected {type(error).__name__}: {escape(str(error))} "
                "(rerun with --debug for the traceback, and report it)",
                soft_wrap=True,
            )
            ctx.exit(1)


def _debug(ctx: Any) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug"))


app = typer.Typer(
    cls=_Group,
    help="Production-grade AWS serverless patterns for the AWS CDK: browse, scaffold, draw, price and check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and the output of failed synths.")
    ] = False,
) -> None:
    """serverless-patterns command line."""


@contextmanager
def _status(message: str) -> Iterator[None]:
    with err.status(message, spinner="dots"):
        yield


def _examples(entries: list[catalog.PatternEntry]) -> dict[str, Any]:
    from .examples import synthesize_examples

    names = ", ".join(e.name for e in entries)
    with _status(f"Synthesizing the smallest example of {names} (cached after the first run)..."):
        return synthesize_examples(entries)


def _entry(name: str) -> catalog.PatternEntry:
    entry = catalog.get(name)
    if entry is None:
        known = ", ".join(e.name for e in catalog.entries()) or "none yet"
        raise CliError(f"no pattern called {name!r}; available: {known} (see `serverless-patterns list`)")
    return entry


TargetArgument = Annotated[
    str, typer.Argument(help="CDK app directory, cdk.out, template JSON or pattern name.")
]
NoSynthOption = Annotated[bool, typer.Option("--no-synth", help="Read the app's existing cdk.out.")]

StageOption = Annotated[
    str | None,
    typer.Option(
        "--stage",
        help="Synthesize the app in this stage (dev or prod; the context key serverless-patterns:stage). "
        "Default: the app's own context, else prod.",
    ),
]


def _target(target: str, *, synth: bool = True, stage: str | None = None) -> tuple[Assembly, str]:
    """An assembly for a path (app directory, cdk.out or template) or a catalog pattern name,
    synthesized in ``stage`` (an app directory only)."""
    context = stage_context(stage)
    path = Path(target)
    if context and not path.exists():
        raise CliError(f"--stage applies to a CDK app directory; {target!r} is not one")
    if path.exists():
        resolved = path.resolve()
        title = resolved.parent.name if resolved.name == "cdk.out" else resolved.name
        if path.is_file():
            title = resolved.name.removesuffix(".json").removesuffix(".template")
        if path.is_dir() and (path / "cdk.json").is_file() and synth:
            with _status(f"Synthesizing {title} with the rule packs..."):
                return load(path, synth=True, context=context), title
        return load(path, synth=synth, context=context), title
    entry = catalog.get(target)
    if entry is not None:
        report = _examples([entry])[entry.name]
        return report.assembly, f"{entry.name} (smallest example)"
    known = ", ".join(e.name for e in catalog.entries()) or "none yet"
    raise CliError(
        f"{target} is neither a path nor a pattern name; pass a CDK app directory, a cdk.out, "
        f"a template file or one of: {known}"
    )


def _pack_cell(open_: int, acked: int) -> str:
    if open_:
        return f"[red]✗ {open_} open[/]" + (f" ({acked} ack.)" if acked else "")
    return "[green]✓ pass[/]" + (f" ({acked} ack.)" if acked else "")


def _plain_pack(open_: int, acked: int) -> str:
    return (f"✗ {open_} open" if open_ else "✓ pass") + (f" ({acked} ack.)" if acked else "")


# -- list ----------------------------------------------------------------------------------------
@app.command("list")
def list_(
    no_synth: Annotated[
        bool, typer.Option("--no-synth", help="Skip synthesizing the examples (rule-pack status unknown).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every pattern: summary, trigger, what it creates and its status on the rule packs."""
    entries = catalog.entries()
    if not entries:
        raise CliError("no patterns are installed yet; upgrade serverless-patterns")
    reports = {} if no_synth else _examples(entries)
    rows = []
    for entry in entries:
        status = reports[entry.name].pack_status() if entry.name in reports else {}
        rows.append((entry, status))
    if as_json:
        data = [
            {
                "name": e.name,
                "class": e.import_path,
                "summary": e.summary,
                "trigger": e.trigger,
                "creates": e.creates,
                "rule_packs": {p: {"open": o, "acknowledged": a} for p, (o, a) in s.items()},
            }
            for e, s in rows
        ]
        out.print_json(json.dumps(data))
        return
    if not out.is_terminal:
        # Piped or redirected: aligned plain lines, the summary last and whole, never cut to a width.
        lines: list[tuple[str, ...]] = [("PATTERN", "CLASS", "AWSSOLUTIONS", "SERVERLESS", "SUMMARY")]
        for entry, status in rows:
            packs = [_plain_pack(*status[p]) if status else "-" for p in ("AwsSolutions", "Serverless")]
            lines.append((entry.name, entry.class_name, *packs, entry.summary))
        widths = [max(len(line[i]) for line in lines) for i in range(4)]
        for line in lines:
            text = "  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[4]])
            out.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title="serverless-patterns", show_lines=True)
    for column in ("Pattern", "Summary", "Triggered by", "Creates", "AwsSolutions", "Serverless"):
        table.add_column(column)
    for entry, status in rows:
        cells = [_pack_cell(*status[p]) if status else "-" for p in ("AwsSolutions", "Serverless")]
        table.add_row(
            f"[bold]{entry.name}[/]\n{entry.class_name}", entry.summary, entry.trigger, entry.creates, *cells
        )
    out.print(table)


# -- show ----------------------------------------------------------------------------------------
@app.command()
def show(name: Annotated[str, typer.Argument(help="Pattern name, e.g. api-to-lambda.")]) -> None:
    """A pattern in full: example, defaults, resources, alarms, acknowledged findings and diagram."""
    from .diagram import to_mermaid
    from .examples import default_settings
    from .graph import build_graph

    entry = _entry(name)
    report = _examples([entry])[entry.name]
    out.rule(f"[bold]{entry.name}[/]  ({entry.import_path})")
    out.print(entry.description)
    out.print(f"\n[bold]Triggered by:[/] {entry.trigger}\n[bold]Creates:[/] {entry.creates}\n")

    out.print("[bold]Smallest example[/] (app.py)")
    out.print(Syntax(entry.example, "python", theme="ansi_dark", background_color="default"))

    defaults = Table(title="Default settings", title_justify="left")
    defaults.add_column("Prop")
    defaults.add_column("Default")
    defaults.add_column("Meaning")
    for prop, meaning, default in default_settings(entry):
        defaults.add_row(prop, escape(default), escape(meaning))
    out.print(defaults)

    resources = Table(title="Resources created (counted from a synth of the example)", title_justify="left")
    resources.add_column("Type")
    resources.add_column("Count", justify="right")
    counts = report.resource_counts
    for rtype, count in sorted(counts.items()):
        resources.add_row(rtype, str(count))
    resources.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
    out.print(resources)

    out.print("[bold]Alarms[/]")
    for alarm in report.alarms():
        out.print(f"  • {escape(alarm)}")

    acked = Table(title="Acknowledged rule-pack findings", title_justify="left")
    acked.add_column("Rule")
    acked.add_column("On")
    acked.add_column("Reason")
    grouped: dict[tuple[str, str], list[str]] = {}
    for finding in report.findings():
        if finding.acknowledged:
            grouped.setdefault((finding.rule, finding.reason), []).append(finding.resource)
    for (rule, reason), where in sorted(grouped.items()):
        on = where[0] if len(where) == 1 else f"{len(where)} resources, e.g. {where[0]}"
        acked.add_row(escape(rule), escape(on), escape(reason))
    out.print(acked)
    open_findings = [f for f in report.findings() if not f.acknowledged]
    if open_findings:
        out.print(
            f"[red]{len(open_findings)} unacknowledged findings[/]: run `serverless-patterns check {entry.name}`"
        )

    out.print("\n[bold]Diagram[/] (Mermaid)")
    out.print(to_mermaid(build_graph(report.assembly)), markup=False, highlight=False, soft_wrap=True)


# -- new -----------------------------------------------------------------------------------------
@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Pattern name, e.g. api-to-lambda.")],
    directory: Annotated[Path, typer.Argument(help="Directory to create (must be missing or empty).")],
) -> None:
    """Scaffold a CDK app on a pattern: app, cdk.json, handlers with tests, a README."""
    from .scaffold import write_app

    entry = _entry(name)
    written = write_app(entry, directory)
    out.print(f"Created an app on {entry.class_name} in [bold]{escape(str(directory))}[/]:")
    for path in written:
        out.print(f"  {escape(str(path.relative_to(directory)))}")
    out.print(f"\nNext: cd {escape(str(directory))} && pip install -r requirements.txt && pytest")
    out.print("Then: serverless-patterns dev (the local cloud), serverless-patterns cdk deploy (AWS)")


# -- diagram -------------------------------------------------------------------------------------
_SUFFIX_FORMATS = {".mmd": "mermaid", ".mermaid": "mermaid", ".md": "mermaid", ".png": "png", ".svg": "svg"}


@app.command()
def diagram(
    target: TargetArgument = ".",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (.png, .svg, .mmd).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="mermaid, png or svg. Default: from the -o suffix, else mermaid."
        ),
    ] = None,
    no_synth: NoSynthOption = False,
    stage: StageOption = None,
) -> None:
    """Architecture diagram: resources with AWS icons and the event flows between them."""
    from .diagram import FORMATS, render
    from .graph import build_graph

    chosen = fmt or (_SUFFIX_FORMATS.get(output.suffix.lower()) if output else None) or "mermaid"
    if chosen not in FORMATS:
        raise CliError(f"--format must be one of {', '.join(FORMATS)}, got {chosen!r}")
    assembly, title = _target(target, synth=not no_synth, stage=stage)
    graph = build_graph(assembly)
    with _status(f"Drawing {chosen}..."):
        text = render(graph, output, chosen, title=title)
    if text is not None and output is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True, end="")
    elif output is not None:
        err.print(f"Wrote {escape(str(output))} ({len(graph.nodes)} resources, {len(graph.edges)} flows)")


# -- cost ----------------------------------------------------------------------------------------
_USAGE: dict[str, Any] = {f.name: f.default for f in fields(Usage)}
_PROFILES_HELP = "; ".join(
    f"{name}: {t.api_requests:,.0f} API requests, {t.uploads:,.0f} uploads, {t.messages:,.0f} messages, "
    f"{t.executions:,.0f} executions"
    for name, t in PROFILES.items()
)


def _shares(given: list[str]) -> dict[str, float]:
    shares: dict[str, float] = {}
    for item in given:
        name, sep, fraction = item.rpartition("=")
        try:
            value = float(fraction)
        except ValueError:
            value = -1.0
        if not sep or not name.strip() or not 0 <= value <= 1:
            raise CliError(
                f"--share must be NAME=FRACTION with a fraction 0..1 (e.g. 'GET /users=0.7'), got {item!r}"
            )
        shares[name.strip()] = value
    return shares


@app.command()
def cost(
    target: TargetArgument = ".",
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            "-p",
            help=f"Traffic per entry point and month of the kinds not given ({_PROFILES_HELP}).",
        ),
    ] = _USAGE["profile"],
    api_requests: Annotated[
        float | None, typer.Option("--api-requests", min=0, help="Requests per month to each API.")
    ] = None,
    uploads: Annotated[
        float | None,
        typer.Option("--uploads", min=0, help="Uploads per month to each bucket that triggers processing."),
    ] = None,
    messages: Annotated[
        float | None,
        typer.Option(
            "--messages",
            min=0,
            help="Messages per month into each topic, queue or stream the app does not feed.",
        ),
    ] = None,
    executions: Annotated[
        float | None,
        typer.Option(
            "--executions",
            min=0,
            help="Executions per month of each state machine the app does not start (or only a schedule does).",
        ),
    ] = None,
    share: Annotated[
        list[str] | None,
        typer.Option(
            "--share",
            help="NAME=FRACTION: the share of an API's requests a route gets ('GET /users=0.7'), or of a "
            "topic's messages a subscriber's filter lets through. Repeatable.",
        ),
    ] = None,
    requests_per_month: Annotated[
        float | None,
        typer.Option(
            "--requests-per-month",
            "-n",
            min=0,
            help="Every entry point's traffic at once (all four kinds); schedules still fire as written.",
        ),
    ] = None,
    avg_duration_ms: Annotated[
        float,
        typer.Option("--avg-duration-ms", min=0, help="Average function (and Express workflow) run time."),
    ] = _USAGE["avg_duration_ms"],
    payload_kb: Annotated[
        float, typer.Option("--payload-kb", min=0, help="Size of a request or message.")
    ] = _USAGE["payload_kb"],
    storage_gb: Annotated[
        float, typer.Option("--storage-gb", min=0, help="Data kept per table and bucket.")
    ] = _USAGE["storage_gb"],
    log_kb_per_request: Annotated[
        float, typer.Option("--log-kb-per-request", min=0, help="Log data per invocation.")
    ] = _USAGE["log_kb_per_request"],
    no_synth: NoSynthOption = False,
    stage: StageOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Monthly cost estimate per resource and in total, from the dated us-east-1 price table.

    Traffic enters at the app's entry points (APIs, triggering buckets, topics and queues the app does
    not feed, state machines it does not start, schedules) and reaches only what it flows to.
    """
    from .cost import estimate
    from .graph import build_graph

    if profile not in PROFILES:
        raise CliError(f"--profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    usage = Usage(
        requests_per_month,
        avg_duration_ms,
        payload_kb,
        storage_gb,
        log_kb_per_request,
        profile=profile,
        api_requests=api_requests,
        uploads=uploads,
        messages=messages,
        executions=executions,
        shares=_shares(share or []),
    )
    assembly, title = _target(target, synth=not no_synth, stage=stage)
    try:
        result = estimate(build_graph(assembly), usage)
    except ValueError as error:
        raise CliError(str(error)) from error
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    given = any(v is not None for v in (requests_per_month, api_requests, uploads, messages, executions))
    table = Table(
        title=f"Monthly cost of {escape(title)}, {profile} profile{' and figures as given' if given else ''}: "
        f"{avg_duration_ms:g} ms, {payload_kb:g} KB, {storage_gb:g} GB stored",
        title_justify="left",
        caption=f"us-east-1 list prices as of {result.as_of}, before free tiers (prices.json)",
        caption_justify="left",
    )
    table.add_column("Resource")
    table.add_column("Service")
    table.add_column("Usage")
    table.add_column("USD / month", justify="right")
    for line in result.lines:
        table.add_row(
            escape(line.resource), escape(line.service), escape(line.usage), f"{line.monthly_usd:,.2f}"
        )
    table.add_section()
    table.add_row("[bold]Total[/]", "", "", f"[bold]{result.total_usd:,.2f}[/]")
    if result.entry_points:
        out.print("Traffic enters at:")
        for entry in result.entry_points:
            out.print(f"  {escape(entry.resource)}: {entry.per_month:,.0f} {entry.traffic} a month")
    out.print(table)
    monitoring = result.group_total("monitoring")
    out.print(f"Alarms and dashboard: ${monitoring:,.2f}/month of the total.")
    if result.arm64_savings_usd >= 0.005:
        out.print(f"arm64 saves ${result.arm64_savings_usd:,.2f}/month over the same functions on x86_64.")
    if result.x86_64_to_arm64_savings_usd >= 0.005:
        out.print(
            f"Moving the x86_64 functions to arm64 would save ${result.x86_64_to_arm64_savings_usd:,.2f}/month."
        )
    for assumption in result.assumptions:
        out.print(f"[dim]• {escape(assumption)}[/]")


# -- check ---------------------------------------------------------------------------------------
@app.command()
def check(
    target: Annotated[str, typer.Argument(help="CDK app directory, cdk.out or pattern name.")] = ".",
    no_synth: NoSynthOption = False,
    stage: StageOption = None,
    no_cfn_lint: Annotated[bool, typer.Option("--no-cfn-lint", help="Skip cfn-lint.")] = False,
    show_acknowledged: Annotated[
        bool,
        typer.Option("--show-acknowledged", "-a", help="List acknowledged findings with their reasons too."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """AwsSolutions and Serverless rule packs and cfn-lint; exits 1 on any unacknowledged finding."""
    from .check import findings

    assembly, title = _target(target, synth=not no_synth, stage=stage)
    with _status("Running cfn-lint..." if not no_cfn_lint else "Reading the rule-pack report..."):
        found = findings(assembly, cfn_lint=not no_cfn_lint)
    open_ = [f for f in found if not f.acknowledged]
    shown = found if show_acknowledged else open_
    if as_json:
        out.print_json(json.dumps([f.__dict__ for f in shown]))
    else:
        if shown:
            table = Table(title=f"Findings in {escape(title)}", title_justify="left", show_lines=False)
            for column in (
                "Source",
                "Rule",
                "Level",
                "Resource",
                "Message" if not show_acknowledged else "Message / reason",
            ):
                table.add_column(column)
            if show_acknowledged:
                table.add_column("Ack.")
            for f in shown:
                level = {"error": "[red]error[/]", "warning": "[yellow]warning[/]"}.get(f.level, f.level)
                message = escape(f.message if not f.acknowledged else f"{f.message} — {f.reason}")
                row = [f.source, escape(f.rule), level, escape(f.resource), message]
                if show_acknowledged:
                    row.append("yes" if f.acknowledged else "[red]no[/]")
                table.add_row(*row)
            out.print(table)
        packs = "AwsSolutions, Serverless" + ("" if no_cfn_lint else " and cfn-lint")
        acked = len(found) - len(open_)
        summary = (
            f"{len(open_)} unacknowledged and {acked} acknowledged findings ({packs}) in {escape(title)}"
        )
        out.print(("[red]✗ " if open_ else "[green]✓ ") + summary + "[/]")
    if open_:
        raise typer.Exit(1)


# -- redrive -------------------------------------------------------------------------------------


@app.command()
def redrive(
    stack: Annotated[str, typer.Argument(help="Name of the deployed stack.")],
    queue: Annotated[
        str | None,
        typer.Option("--queue", help="Only this parking queue (its logical id, name or URL)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be redriven; change nothing.")
    ] = False,
    max_messages: Annotated[
        int | None, typer.Option("--max", min=1, help="At most this many messages per queue.")
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help="AWS endpoint, e.g. a local cloud's. Default: - AWS_ENDPOINT_URL, else AWS itself.",
        ),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="Default: - boto3's own.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="Default: - boto3's own.")] = None,
) -> None:
    """Send every message the stack parked (DLQs, failure queues) back to where it was going."""
    import boto3

    from . import redrive as redriving

    session = boto3.session.Session(region_name=region, profile_name=profile)
    try:
        queues = redriving.select(
            redriving.find_parking_queues(session, stack, endpoint_url=endpoint_url), queue
        )
    except redriving.RedriveError as exc:
        raise CliError(str(exc)) from exc
    if not queues:
        out.print(f"{escape(stack)} has no dead-letter or failure queue.")
        return
    failed = False
    for parking in queues:
        report = redriving.redrive(
            session, parking, endpoint_url=endpoint_url, dry_run=True, max_messages=max_messages
        )
        out.print(
            f"[bold]{escape(parking.logical_id)}[/] ({escape(parking.name)}): {report.found} message(s), "
            f"{escape(redriving.KINDS[parking.kind])} -> {escape(parking.target)}",
            soft_wrap=True,
        )
        if dry_run or report.found == 0:
            continue
        report = redriving.redrive(session, parking, endpoint_url=endpoint_url, max_messages=max_messages)
        line = f"  {report.redriven} redriven ({escape(report.method)})"
        if report.failed:
            line += f", [red]{report.failed} failed (left in the queue)[/]"
        if report.expired:
            line += f", [yellow]{report.expired} expired from the stream (left in the queue)[/]"
        out.print(line, soft_wrap=True)
        for error in report.errors[:5]:
            out.print(f"    {escape(error)}", soft_wrap=True)
        failed = failed or bool(report.failed or report.expired)
    if failed:
        raise typer.Exit(1)


# -- cdk -----------------------------------------------------------------------------------------
@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,  # `serverless-patterns cdk --help` is the CDK CLI's help
)
def cdk(ctx: typer.Context) -> None:
    """Run the pinned AWS CDK CLI on the package's Node.js 24: `serverless-patterns cdk deploy`."""
    from .._toolchain import ToolchainError, run_cdk_cli

    try:
        code = run_cdk_cli(ctx.args)
    except ToolchainError as error:
        raise CliError(str(error)) from None
    raise typer.Exit(code)


# -- dev, invoke, send, events (cli/dev.py) -------------------------------------------------------
register_dev_commands(app)
register_import_command(app)


def main() -> None:
    """Runs the command line (the console script is :mod:`serverless_patterns.cli.__main__`)."""
    # Every synth and CDK CLI it starts runs on the Node.js that pip installed (JSII_NODE, PATH).
    os.environ.update(tool_env())
    app(prog_name="serverless-patterns")


if __name__ == "__main__":
    main()
