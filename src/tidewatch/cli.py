"""The `tidewatch` command: thin wrappers over library functions.

Every command sets Django up, calls one function in ``tidewatch.pipeline`` or
``tidewatch.agreements.reports``, and prints what it did. Exit status is 1
when any file or download was refused.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Tidewatch: ICE's 287(g) agreements with their full history.",
)
export_app = typer.Typer(no_args_is_help=True, help="Export registry data.")
app.add_typer(export_app, name="export")
places_app = typer.Typer(
    no_args_is_help=True, help="Where agencies police: resolve, review, decide."
)
app.add_typer(places_app, name="places")
reference_app = typer.Typer(
    no_args_is_help=True, help="Load optional reference tables (FBI ORI, ICE AOR)."
)
app.add_typer(reference_app, name="reference")
# Registered here, defined beside: `tidewatch documents ...` (agreement PDFs).
from tidewatch.cli_documents import documents_app  # noqa: E402

app.add_typer(documents_app, name="documents")
# Registered here, defined beside: `tidewatch cost ...` (the cost model).
from tidewatch.cli_costs import cost_app  # noqa: E402

app.add_typer(cost_app, name="cost")
# Registered here, defined beside: `tidewatch brief` (a county's council brief).
from tidewatch.cli_brief import brief  # noqa: E402

app.command("brief")(brief)


class ReferenceKind(StrEnum):
    fbi_agencies = "fbi-agencies"
    aor = "aor"


class Status(StrEnum):
    participating = "participating"
    pending = "pending"
    all = "all"


class Format(StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    parquet = "parquet"


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date in the form YYYY-MM-DD"
        ) from None


def _state(value: str | None) -> str | None:
    if value is None:
        return None
    import us

    found = us.states.lookup(value.strip())
    if found is None:
        raise typer.BadParameter(f"{value!r} is not a US state or territory")
    return found.abbr


AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="A date, YYYY-MM-DD: use the latest list on or before it.",
        metavar="DATE",
    ),
]
StateOption = Annotated[
    str | None,
    typer.Option("--state", help="Only this state (USPS code or name).", metavar="XX"),
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file instead of standard output."
    ),
]


def _django() -> None:
    """Set Django up once, and log the pipeline's progress to the data folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidewatch.settings.base")
    import django
    from django.conf import settings

    django.setup()
    logs = Path(settings.LOGS_DIR)
    logs.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("tidewatch")
    if not any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        handler = logging.FileHandler(logs / "tidewatch.log")
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
            )
        )
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    _check_migrations()


def _check_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        typer.echo(
            "The database is not set up yet (or is older than this version). "
            "Run: tidewatch migrate",
            err=True,
        )
        raise typer.Exit(2)


def _write(
    rows: list[dict[str, Any]], columns: list[str], fmt: Format, output: Path | None
) -> None:
    from tidewatch import exporters

    if output is None:
        exporters.write(rows, columns, fmt.value, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    temp = output.with_name(f".{output.name}.partial")
    with temp.open("wb") as handle:
        exporters.write(rows, columns, fmt.value, handle)
    temp.replace(output)  # never leave half a file under the real name
    typer.echo(f"wrote {len(rows)} rows to {output}", err=True)


@app.command()
def migrate() -> None:
    """Create or update the database tables.

    Example:

        tidewatch migrate
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidewatch.settings.base")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    typer.echo("database ready")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks or folders of them.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date every file given this day (YYYY-MM-DD) instead of by the "
            "dating rule; changes the date of a file already imported.",
            metavar="DATE",
        ),
    ] = None,
    retry_rejected: Annotated[
        bool,
        typer.Option(
            "--retry-rejected", help="Read again files that were refused before."
        ),
    ] = False,
) -> None:
    """Import ICE workbooks from disk, in any order; files already imported are skipped.

    Prints a line per file (rows, agreements, rejects, new, changed) and a
    total; exits with status 1 when any file was refused.

    Example:

        tidewatch import ~/Downloads/participatingAgencies05012026am.xlsx
        tidewatch import ~/ice-287g-archive/
    """
    day = _parse_date(as_of)
    _django()
    from tidewatch.pipeline.importer import import_paths

    report = import_paths(paths, as_of=day, retry_rejected=retry_rejected)
    for line in report.files:
        typer.echo(line.line, err=not line.ok)
    typer.echo(report.total_line())
    typer.echo(_refresh_places())
    if report.errors:
        raise typer.Exit(1)


@app.command()
def sync() -> None:
    """Download ICE's current 287(g) workbooks and import what is new.

    Reads the workbook links on ICE's 287(g) page (TIDEWATCH_ICE_PAGE_URL),
    downloads them only from allowed hosts (TIDEWATCH_FETCH_ALLOWED_HOSTS),
    archives them and imports them. Unchanged files are recognised and skipped.

    Example:

        tidewatch sync
    """
    _django()
    from tidewatch.pipeline.sync import sync as run_sync

    report = run_sync()
    places_line = _refresh_places()
    for line in report.lines:
        typer.echo(line, err=True)
    for line in report.failures:
        if not report.unreachable:  # said once, below, with what to do instead
            typer.echo(line, err=True)
    for line in report.files:
        typer.echo(line.line, err=not line.ok)
    typer.echo(places_line)
    if report.unreachable:
        typer.echo(
            f"ICE could not be reached ({report.unreachable}). To load files you "
            "already have: tidewatch import PATH",
            err=True,
        )
    if report.errors:
        raise typer.Exit(1)


@app.command()
def rebuild(
    reread: Annotated[
        bool,
        typer.Option(
            "--reread",
            help="Read every archived workbook again with the current parser first.",
        ),
    ] = False,
) -> None:
    """Derive agencies, agreements and history again from the stored lists.

    Use --reread after upgrading Tidewatch, so parser fixes reach lists
    loaded before them. One transaction: on any error nothing changes.

    Example:

        tidewatch rebuild --reread
    """
    _django()
    from tidewatch import conf
    from tidewatch.pipeline.rebuild import rebuild as run_rebuild

    report = run_rebuild(
        reread=reread, workers=conf.whole_number("TIDEWATCH_PARSE_WORKERS", minimum=1)
    )
    places_line = _refresh_places()
    for line in report.problems:
        typer.echo(line, err=True)
    typer.echo(
        f"rebuilt from {report.publications} lists ({report.reread} read again): "
        f"{report.agreements} agreements, {report.events} events"
    )
    typer.echo(places_line)
    if report.problems:
        raise typer.Exit(1)


def _refresh_places() -> str:
    from tidewatch.places.service import CONFIDENT, refresh
    from tidewatch.search import index as search_index

    report = refresh()
    search_index.rebuild()  # names, places and models changed: search follows
    confident = sum(report.by_status.get(status, 0) for status in CONFIDENT)
    return (
        f"places: {report.agencies} agencies resolved; "
        f"{report.agencies - confident} to review (tidewatch places unresolved)"
    )


@places_app.command("resolve")
def places_resolve() -> None:
    """Resolve every agency to its state, county and city again.

    Runs by itself after every import; use it after loading a reference table.

    Example:

        tidewatch places resolve
    """
    _django()
    typer.echo(_refresh_places())


@places_app.command("unresolved")
def places_unresolved(
    fmt: FormatOption = Format.csv, output: OutputOption = None
) -> None:
    """List every agency not resolved with confidence, with the reason.

    Close spellings (fuzzy) and unresolved agencies are listed; decide them
    with `tidewatch places set`.

    Example:

        tidewatch places unresolved --format json
    """
    _django()
    from tidewatch.places.service import unresolved

    columns = [
        "agency_id",
        "state",
        "agency",
        "ice_county",
        "jurisdiction_level",
        "kind",
        "county_fips",
        "place",
        "match_status",
        "reason",
    ]
    rows = [
        dict(
            agency_id=p.agency_id,
            state=p.agency.state,
            agency=p.agency.name,
            ice_county=p.agency.county,
            jurisdiction_level=p.level,
            kind=p.kind,
            county_fips=p.county_fips,
            place=p.place,
            match_status=p.match_status,
            reason=p.reason,
        )
        for p in unresolved()
    ]
    _write(rows, columns, fmt, output)


@places_app.command("set")
def places_set(
    agency_id: Annotated[str, typer.Argument(help="The agency's id.")],
    reason: Annotated[str, typer.Option(help="Why: a source, a document, a call.")],
    county: Annotated[
        str | None, typer.Option(help="County FIPS code, 5 digits.", metavar="FIPS")
    ] = None,
    place: Annotated[
        str | None, typer.Option(help="City or town name.", metavar="NAME")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who decides (default: your login).")
    ] = None,
) -> None:
    """Record where an agency polices; the decision survives re-imports.

    Example:

        tidewatch places set ga-spaulding-county-sheriffs-office --county 13255 \\
            --reason "Spalding County, GA: misspelled in ICE's pending list"
    """
    _django()
    from tidewatch.places.service import DecisionRefused, decide

    try:
        decision = decide(
            agency_id,
            county_fips=county or "",
            place=place or "",
            reason=reason,
            decided_by=by,
        )
    except DecisionRefused as refused:
        typer.echo(f"tidewatch places set: {refused}", err=True)
        raise typer.Exit(2) from None
    from tidewatch.search import index as search_index

    search_index.rebuild()  # the agency's county or city changed
    typer.echo(
        f"{agency_id}: {decision.county_fips or decision.place} "
        f"(decided by {decision.decided_by})"
    )


@reference_app.command("load")
def reference_load(
    kind: Annotated[ReferenceKind, typer.Argument(help="Which table.")],
    path: Annotated[Path, typer.Argument(help="The CSV file.")],
) -> None:
    """Load an FBI agency roster (ORI codes) or a county-to-ICE-field-office table.

    fbi-agencies reads the FBI Law Enforcement Employees or UCR agency lists
    (ori, agency name, state_abbr, county_name); aor reads a county FIPS to
    ICE Area of Responsibility table (geoid, aor). Loading the same file again
    replaces its rows; a bad file changes nothing.

    Example:

        tidewatch reference load fbi-agencies fbi_lee_latest.csv
        tidewatch reference load aor county_aor.csv
    """
    _django()
    from tidewatch.pipeline.errors import FileRejected
    from tidewatch.places import crosswalks

    loader = (
        crosswalks.load_fbi_agencies
        if kind == ReferenceKind.fbi_agencies
        else crosswalks.load_aor
    )
    try:
        summary = loader(path)
    except FileRejected as rejected:
        typer.echo(str(rejected), err=True)
        raise typer.Exit(1) from None
    typer.echo(str(summary))
    if kind == ReferenceKind.fbi_agencies:
        typer.echo(_refresh_places())


@export_app.command("agreements")
def export_agreements(
    as_of: AsOf = None,
    status: Annotated[Status, typer.Option("--status", help="Which agreements.")] = (
        Status.all
    ),
    state: StateOption = None,
    fmt: FormatOption = Format.csv,
    output: OutputOption = None,
) -> None:
    """Export agreements as listed on a date (default: the latest lists).

    Columns are described in docs/data-dictionary.md.

    Example:

        tidewatch export agreements --status participating --state SC
        tidewatch export agreements --as-of 2025-06-30 --format xlsx -o june.xlsx
    """
    day, code = _parse_date(as_of), _state(state)
    _django()
    from tidewatch.agreements import reports

    rows = reports.agreements_as_of(day, status.value, code)
    _write(rows, reports.AGREEMENT_COLUMNS, fmt, output)


@app.command()
def changes(
    since: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD.", metavar="DATE")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD.", metavar="DATE")
    ] = None,
    state: StateOption = None,
    fmt: FormatOption = Format.csv,
    output: OutputOption = None,
) -> None:
    """The event log: agreements listed, promoted, re-dated, removed, listed again.

    Example:

        tidewatch changes --since 2026-01-01 --state TX
    """
    start, end, code = _parse_date(since), _parse_date(until), _state(state)
    _django()
    from tidewatch.agreements import reports

    _write(reports.changes(start, end, code), reports.CHANGE_COLUMNS, fmt, output)


@app.command()
def stats(
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts of agreements by model and by state.

    Example:

        tidewatch stats --as-of 2025-12-31
    """
    day = _parse_date(as_of)
    _django()
    from tidewatch.agreements import reports

    result = reports.stats(day)
    if as_json:
        typer.echo(json.dumps(result, default=str, indent=1))
        return
    typer.echo(
        f"participating list as of {result['participating_list'] or '-'}; "
        f"pending list as of {result['pending_list'] or '-'}"
    )
    models = ("JEM", "WSO", "TFM")
    for status in ("participating", "pending"):
        counts = result["by_model"].get(status, {})
        typer.echo(
            f"{status}: {sum(counts.values())} ("
            + ", ".join(f"{m} {counts.get(m, 0)}" for m in models)
            + ")"
        )
    typer.echo(f"{'state':<6}" + "".join(f"{m:>6}" for m in models) + f"{'pending':>9}")
    for code, counts in result["by_state"].items():
        pending = sum(v for k, v in counts.items() if k.startswith("pending:"))
        typer.echo(
            f"{code:<6}"
            + "".join(f"{counts.get('participating:' + m, 0):>6}" for m in models)
            + f"{pending:>9}"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Serve the web site with gunicorn.

    Example:

        tidewatch serve --port 8000
    """
    _django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tidewatch.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ],
    )


@app.command("build-site")
def build_site(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the site into.")],
    base_url: Annotated[
        str, typer.Option(help="The site's public address (used in the feeds).")
    ] = "http://localhost",
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Write the whole public site as static files (pages in both languages, data
    files, feeds, the archived ICE files) that any web server can host.

    The new site replaces OUTDIR only when every page was written and every
    link in it resolves; otherwise OUTDIR is left as it was and the failing
    pages are listed (exit status 1).

    Example:

        tidewatch build-site public --base-url https://tidewatch.example.org
    """
    _django()
    from tidewatch.site.static_build import BuildError
    from tidewatch.site.static_build import build_site as build

    try:
        report = build(outdir, workers=workers, base_url=base_url)
    except BuildError as error:
        typer.echo(f"tidewatch build-site: {error}", err=True)
        raise typer.Exit(1) from None
    for line in report.lines():
        typer.echo(line)


@app.command("settings")
def show_settings() -> None:
    """Print every setting with its current value and what it does.

    Example:

        tidewatch settings
    """
    from tidewatch import conf

    for setting in conf.SETTINGS:
        value = setting.read()
        if "SECRET" in setting.name and value:
            value = "(set)"
        elif setting.name == "DATABASE_URL" and value:
            value = conf.without_password(value)
        typer.echo(f"{setting.name}={value}\n    {setting.help}")


def main() -> None:
    from tidewatch.conf import SettingError

    try:
        app()
    except SettingError as error:
        typer.echo(f"tidewatch: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
