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
    for line in report.lines:
        typer.echo(line, err=True)
    for line in report.failures:
        if not report.unreachable:  # said once, below, with what to do instead
            typer.echo(line, err=True)
    for line in report.files:
        typer.echo(line.line, err=not line.ok)
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
    for line in report.problems:
        typer.echo(line, err=True)
    typer.echo(
        f"rebuilt from {report.publications} lists ({report.reread} read again): "
        f"{report.agreements} agreements, {report.events} events"
    )
    if report.problems:
        raise typer.Exit(1)


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
