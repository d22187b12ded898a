"""`tidewatch documents ...`: agreement PDFs fetched, imported, reported.

Thin wrappers over ``tidewatch.pipeline.documents``; registered on the main
app in ``tidewatch.cli``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tidewatch.pipeline.documents import DocumentReport

documents_app = typer.Typer(
    no_args_is_help=True,
    help="Agreement documents (MOAs, addenda): fetch, import, read, report.",
)


def _django() -> None:
    from tidewatch.cli import _django as setup

    setup()


def _print(reports: list[DocumentReport]) -> bool:
    for report in reports:
        typer.echo(report.line, err=not report.ok)
    read = sum(1 for report in reports if report.ok)
    typer.echo(f"{read} of {len(reports)} files on file and read")
    return any(not report.ok for report in reports)


@documents_app.command("fetch")
def fetch(
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Fetch at most this many links."),
    ] = None,
) -> None:
    """Download every MOA and addendum the lists link to, and read them.

    Links come from the lists' MOA and ADDENDUM cells; only hosts in
    TIDEWATCH_DOCUMENT_HOSTS are fetched, one at a time with
    TIDEWATCH_FETCH_DELAY seconds between requests. A PDF already downloaded
    is asked for with its ETag/Last-Modified; a changed PDF is kept as a new
    version beside the old one. Exits with status 1 when any download or file
    was refused.

    Example:

        tidewatch documents fetch --limit 20
    """
    _django()
    from tidewatch.pipeline.document_fetch import fetch as run_fetch

    report = run_fetch(limit=limit)
    for line in report.lines:
        typer.echo(line, err=True)
    for line in report.failures:
        typer.echo(line, err=True)
    failed = _print(report.files)
    if failed or report.failures:
        raise typer.Exit(1)


@documents_app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="PDFs or folders of them.")],
) -> None:
    """Add agreement PDFs from disk and link them to their agreements.

    A file is linked by the list link with the same file name (a folder prefix
    such as "ALABAMA__" is allowed), else by the agency, state and model read
    in it. Pages without text are read by OCR (tesseract). Exits with status 1
    when any file was refused; the others are still read.

    Example:

        tidewatch documents import ~/moa_pdfs/
    """
    _django()
    from tidewatch.pipeline.documents import import_paths

    if _print(import_paths(paths)):
        raise typer.Exit(1)


@documents_app.command("coverage")
def coverage(
    state: Annotated[
        str | None, typer.Option("--state", help="Only this state (USPS code).")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="List the links not yet on file.")
    ] = False,
) -> None:
    """Documents on file per agreement: N of M links the lists gave.

    Example:

        tidewatch documents coverage --state SC --missing
    """
    from tidewatch.cli import _state

    code = _state(state)
    _django()
    from tidewatch.pipeline.documents import coverage as document_coverage

    rows = document_coverage(code)
    for row in rows:
        typer.echo(
            f"{row.agreement_id}\t{row.state}\t{row.model}\t{row.agency}\t"
            f"{row.on_file} of {row.linked}"
        )
        if missing:
            for url in row.missing:
                typer.echo(f"\tmissing: {url}")
    on_file = sum(row.on_file for row in rows)
    linked = sum(row.linked for row in rows)
    typer.echo(
        f"{on_file} of {linked} linked documents on file, for {len(rows)} agreements",
        err=True,
    )


@documents_app.command("show")
def show(
    document_id: Annotated[int, typer.Argument(help="The document's number.")],
) -> None:
    """Print a document's fields, each with its page and confidence.

    Example:

        tidewatch documents show 12
    """
    _django()
    from tidewatch.documents.models import Document

    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        typer.echo(f"no document {document_id}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"{document.file_name} ({document.page_count} pages, "
        f"{document.ocr_pages} by OCR)"
    )
    if document.source_url:
        typer.echo(f"from {document.source_url}")
    for item in document.fields.all():
        where = f"page {item.page}" if item.page else "no page"
        shown = item.value or "(not read)"
        note = f" - {item.note}" if item.note else ""
        typer.echo(f"{item.name}: {shown} [{where}, {item.confidence:.2f}]{note}")
