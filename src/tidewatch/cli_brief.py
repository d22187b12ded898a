"""`tidewatch brief`: a county's council brief as a PDF or an HTML file.

A thin wrapper over ``tidewatch.site.brief_views`` (the same context and
template as the page ``/en/county/<fips>/brief/``) and
``tidewatch.site.brief_pdf``; registered on the main app in ``tidewatch.cli``.
The file is written whole or not at all: to a temporary file beside it, then
renamed over it.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tidewatch.cli_costs import Scope, View


class BriefFormat(StrEnum):
    pdf = "pdf"
    html = "html"


class Language(StrEnum):
    en = "en"
    es = "es"


MOST_PAGES = 2  # a brief a council reads: one or two printed pages


def _fail(message: str) -> typer.Exit:
    typer.echo(f"tidewatch brief: {message}", err=True)
    return typer.Exit(1)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: a temporary file in the same folder,
    flushed to disk, then renamed over ``path``; never a half-written file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def page_count(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def brief(
    county: Annotated[
        str, typer.Option("--county", help="The county's 5-digit FIPS code.")
    ],
    fmt: Annotated[
        BriefFormat, typer.Option("--format", help="PDF (needs chromium) or HTML.")
    ] = BriefFormat.pdf,
    language: Annotated[
        Language, typer.Option("--language", help="English or Spanish.")
    ] = Language.en,
    view: Annotated[
        View,
        typer.Option(
            "--view",
            help="Fully allocated cost (average costs) or incremental (cash) cost.",
        ),
    ] = View.allocated,
    scope: Annotated[
        Scope,
        typer.Option(
            "--scope",
            help="What the 287(g) agreement causes, or all collaboration with ICE.",
        ),
    ] = Scope.agreement,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The file to write (default: brief-FIPS-LANGUAGE.pdf or .html).",
        ),
    ] = None,
    site_url: Annotated[
        str | None,
        typer.Option(
            "--site-url",
            help="The public site's address, e.g. https://tidewatch.example.org: "
            "sources are printed with their links there. Without it, sources are "
            "named (list, date, SHA-256) but not linked.",
            metavar="URL",
        ),
    ] = None,
) -> None:
    """Write a county's brief for its council: the agreements and their
    history, the cost range and what drives it, the outcomes known so far,
    the questions to ask, and every source, on one or two US-letter pages.

    Exits with status 1 when the county is unknown or has no agreement in
    force, when the output folder does not exist, or when chromium is missing
    for a PDF (apt-get install chromium; --format html works without it).

    Example:

        tidewatch brief --county 45019 --language es --output charleston-es.pdf
    """
    fips = county.strip()
    path = output or Path(f"brief-{fips}-{language.value}.{fmt.value}")
    if not path.parent.is_dir():
        raise _fail(f"the folder {path.parent} does not exist: create it first")
    if path.is_dir():
        raise _fail(f"{path} is a folder: give a file name with --output")
    from tidewatch.site import brief_pdf, chromium

    if fmt is BriefFormat.pdf and chromium.executable() is None:
        raise _fail(
            "chromium is not installed, and the PDF brief needs it: "
            "apt-get install chromium (or use --format html)"
        )
    from tidewatch.cli import _django

    _django()
    from django.utils import translation

    from tidewatch.site.brief_views import NoBrief, brief_context, render_brief

    base = (site_url or "").rstrip("/")
    with translation.override(language.value):
        try:
            context = brief_context(
                fips,
                view=view.value,
                scope=scope.value,
                link=(lambda p: base + p) if base else (lambda p: None),
            )
        except NoBrief as error:
            raise _fail(str(error)) from None
        html = render_brief(context, standalone=True)
    if fmt is BriefFormat.html:
        write_atomic(path, html.encode("utf-8"))
        typer.echo(f"wrote {path}")
        return
    try:
        data = brief_pdf.html_to_pdf(html)
    except brief_pdf.PdfError as error:
        raise _fail(str(error)) from None
    write_atomic(path, data)
    pages = page_count(data)
    typer.echo(f"wrote {path} ({pages} page{'s' if pages != 1 else ''})")
    if pages > MOST_PAGES:
        typer.echo(
            f"tidewatch brief: warning: {pages} pages, more than a council "
            f"brief's {MOST_PAGES}",
            err=True,
        )
