"""``serverless-patterns import FILE``: a serverless.yml or a SAM template written as a CDK app on the
patterns, with ``IMPORT.md``, the report of what every element became."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .errors import CliError

__all__ = ["import_app", "read_source", "register"]


def register(app: typer.Typer) -> None:
    """Add ``import`` to the CLI."""
    app.command("import")(import_app)


def read_source(path: Path, *, stage: str | None, region: str | None = None) -> object:
    """The :class:`~serverless_patterns.importer.model.ImportedApp` of a serverless.yml or a SAM
    template (told apart by their content). Raises :class:`CliError` when the file cannot be read."""
    from ..importer.serverless import read_serverless
    from ..importer.yaml_files import load_file

    try:
        content = load_file(path)
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read {path}: {error}") from None
    except Exception as error:  # a YAML error: the file is not what it claims
        raise CliError(f"cannot read {path}: {str(error).splitlines()[0]}") from None
    if isinstance(content, dict) and "service" in content:
        return read_serverless(path, stage=stage, region=region)
    if isinstance(content, dict) and "Resources" in content:
        from ..importer.sam import read_sam

        return read_sam(path, stage=stage)
    raise CliError(f"{path} is neither a serverless.yml (no 'service') nor a SAM template (no 'Resources')")


def import_app(
    file: Annotated[Path, typer.Argument(help="A serverless.yml, or a SAM template (template.yaml).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the app. Default: - cdk/ beside FILE."),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option("--stage", help="The stage the variables resolve for (${opt:stage}, ${sls:stage})."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="The region (${opt:region}).")] = None,
) -> None:
    """Turn a serverless.yml or a SAM template into a CDK app on these patterns; IMPORT.md says what
    every element became (mapped, approximated, not mapped). The handlers stay where they are."""
    from ..importer.model import ImportedApp, Status
    from ..importer.writer import write_app

    if not file.is_file():
        raise CliError(f"{file} is not a file")
    imported = read_source(file, stage=stage, region=region)
    assert isinstance(imported, ImportedApp)
    directory = out if out is not None else file.parent / "cdk"
    if directory.exists() and any(directory.iterdir()):
        raise CliError(
            f"{directory} is not empty; choose a new directory with --out (nothing was overwritten)"
        )
    written = write_app(imported, file.parent, directory)
    for relative, content in written.files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    console = Console(highlight=False)
    counts = written.counts()
    console.print(
        f"Imported {escape(imported.name)} ({escape(imported.tool)}) into {escape(str(directory))}: "
        f"{counts[Status.MAPPED]} mapped, {counts[Status.APPROXIMATED]} approximated, "
        f"{counts[Status.NOT_MAPPED]} not mapped (IMPORT.md).",
        soft_wrap=True,
    )
    for note in written.notes:
        if note.status != Status.MAPPED:
            console.print(
                f"  {note.status.value}: {escape(note.element)}: {escape(note.why)}", soft_wrap=True
            )
    console.print(f"Next: cd {escape(str(directory))} && serverless-patterns check")
