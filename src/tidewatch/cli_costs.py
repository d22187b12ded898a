"""`tidewatch cost ...`: what a county's or an agency's agreements cost, and
the records behind the estimate.

Thin wrappers over ``tidewatch.costs`` (records, estimates) and the model's
parameter table; registered on the main app in ``tidewatch.cli``. Values
given with ``--set`` are checked like records but never stored.
"""

from __future__ import annotations

import getpass
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from tidewatch.costmodel import Override
    from tidewatch.costs.estimates import CostEstimate

cost_app = typer.Typer(
    no_args_is_help=True,
    help="What 287(g) agreements cost: estimates and the records behind them.",
)
params_app = typer.Typer(
    no_args_is_help=True, help="The cost model's parameters and places' records."
)
cost_app.add_typer(params_app, name="params")


class View(StrEnum):
    allocated = "allocated"
    incremental = "incremental"


class Scope(StrEnum):
    agreement = "287g"
    all_ice = "all-ice"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
CountyOption = Annotated[
    str | None,
    typer.Option("--county", help="A county's 5-digit FIPS code.", metavar="FIPS"),
]
AgencyOption = Annotated[
    str | None,
    typer.Option(
        "--agency",
        help="An agency id (the end of its page's address).",
        metavar="ID",
    ),
]


def _django() -> None:
    from tidewatch.cli import _django as setup

    setup()


def _place(county: str | None, agency: str | None) -> tuple[str, str]:
    if (county is None) == (agency is None):
        raise typer.BadParameter("give one of --county FIPS or --agency ID")
    return ("county", county.strip()) if county else ("agency", str(agency).strip())


def parse_set(text: str, dollar_year: int | None = None) -> Override:
    """``name=value`` or ``name=value unit`` as a checked Override;
    BadParameter (exit status 2) naming the parameter and the problem."""
    from tidewatch.costmodel import parameters as params

    name, equals, rest = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise typer.BadParameter(
            f"{text!r} is not name=value (e.g. jail_cost_per_day=132 USD/day)",
            param_hint="--set",
        )
    value_text, _, unit = rest.strip().partition(" ")
    try:
        value = float(value_text)
    except ValueError:
        raise typer.BadParameter(
            f"{name}: {value_text!r} is not a number", param_hint="--set"
        ) from None
    try:
        parameter = params.get(name)
        year = dollar_year if parameter.is_dollars else None
        return params.check(params.Override(name, value, unit.strip(), year))
    except params.ParameterError as error:
        raise typer.BadParameter(str(error), param_hint="--set") from None


def _money(value: float) -> str:
    return f"${value:,.0f}" if value >= 0 else f"-${-value:,.0f}"


def _net(value: float) -> str:
    """A local net: a negative one is net revenue, said in words."""
    return _money(value) if value >= 0 else f"net revenue {_money(-value)}"


def _plain(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:g}"


def _row(label: str, spread: Any, show: Any = _money) -> str:
    cells = [show(getattr(spread, k)) for k in ("p10", "p50", "p90", "point")]
    return f"  {label:<16}" + "".join(f"{c:>22}" for c in cells)


def _table(found: CostEstimate) -> list[str]:
    from tidewatch.costmodel.items import COMMUNITY_NOTE
    from tidewatch.costmodel.model import ALL_ICE, ALLOCATED

    result, source = found.estimate, found.source
    kind = f"county {found.key}" if found.kind == "county" else found.key
    lines = [
        f"{found.place} ({kind})",
        "",
        f"Agreements counted, from ICE's participating list of "
        f"{source.as_of} ({source.name}, sha256 {source.raw_file.sha256}):",
    ]
    for a in found.agreements:
        signed = f"signed {a.signed_date}" if a.signed_date else "no signing date"
        new = ", in its first year" if a.new else ""
        lines.append(f"  {a.model}  {a.agency} ({signed}{new}; row {a.row_number})")
    lines += [f"  Note: {note}" for note in found.notes]
    view = "fully allocated" if result.view == ALLOCATED else "incremental (cash)"
    scope = (
        "every ICE arrangement (with rented beds)"
        if result.scope == ALL_ICE
        else "the 287(g) agreement only"
    )
    lines += [
        "",
        f"View: {view} cost; scope: {scope}; dollars of {result.dollar_year}; "
        f"{result.draws:,} draws, seed {result.seed}.",
        "",
        f"  {'':<16}" + "".join(f"{h:>22}" for h in ("P10", "P50", "P90", "defaults")),
        _row("Local net cost", result.local_net, _net),
        _row("Public total", result.public_total),
        _row("Federal money", result.federal),
        _row("State money", result.state),
        _row("Employee hours", result.hours, lambda v: f"{v:,.0f} h"),
    ]
    if result.net_revenue:
        lines.append("  At the median, money coming in exceeds the local cost.")
    lines += ["", "Line items (P50, with P10 to P90):"]
    for entry in result.items:
        s = entry.spread
        if s.p90 == 0 and s.p10 == 0 and s.point == 0:
            continue
        sign = "-" if entry.item.kind == "offset" else " "
        lines.append(
            f"  {entry.item.code:<4}{sign}{entry.item.label:<58}{_money(s.p50):>14}"
            f"  ({_money(s.p10)} to {_money(s.p90)})"
        )
    lines += ["", "What moves the local net cost most (each at its low and high):"]
    for swing in result.tornado:
        p = swing.parameter
        lines.append(
            f"  {p.name:<28}{_plain(swing.low):>10} to {_plain(swing.high):<10}"
            f"{p.unit:<12}"
            f"{_net(swing.at_low):>22} to {_net(swing.at_high)}"
        )
    lines += ["", "Records used:"]
    if not found.records and not found.extra:
        lines.append("  none: every value is the model's default (see the questions)")
    for r in found.records:
        lines.append(
            f"  {r.parameter} = {r.value:g} {r.unit} ({r.applies_to}): "
            f"{r.source}, {r.source_date}"
        )
    for o in found.extra:
        lines.append(f"  {o.name} = {o.value:g} {o.unit} (given with --set)")
    lines += ["", "Questions to ask:"]
    lines += [f"  - {q}" for q in result.questions]
    lines += ["", COMMUNITY_NOTE]
    return lines


@cost_app.command("estimate")
def estimate(
    county: CountyOption = None,
    agency: AgencyOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A value for this run only: name=value or name=value unit "
            "(e.g. jail_cost_per_day=132 USD/day, jem_ot_share=5 %). Repeatable.",
            metavar="NAME=VALUE",
        ),
    ] = None,
    set_year: Annotated[
        int | None,
        typer.Option(
            "--set-year",
            help="The dollar year of the --set dollar amounts.",
            metavar="YEAR",
        ),
    ] = None,
    view: Annotated[View, typer.Option("--view", help="Cost view.")] = View.allocated,
    scope: Annotated[
        Scope, typer.Option("--scope", help="The agreement alone, or all ICE work.")
    ] = Scope.agreement,
    fmt: FormatOption = OutputFormat.table,
    draws: Annotated[
        int,
        typer.Option(
            "--draws", min=100, max=1_000_000, help="Monte Carlo draws.", metavar="N"
        ),
    ] = 10_000,
) -> None:
    """Estimate what a county's or an agency's agreements in force cost a year.

    Counts the agreements on ICE's latest participating list, uses the
    place's records (`tidewatch cost params import`) and the model's defaults
    for the rest, and prints the P10/P50/P90 range in dollars of 2025, the
    line items, what moves the result most, the records used and the
    questions that would replace a default. Nothing given with --set is
    stored.

    Example:

        tidewatch cost estimate --county 45019 --set jail_cost_per_day=132
    """
    kind, key = _place(county, agency)
    extra = [parse_set(text, set_year) for text in set_ or []]
    _django()
    from tidewatch.costs import estimates
    from tidewatch.costs.inputs import UnknownPlace

    run = estimates.for_county if kind == "county" else estimates.for_agency
    try:
        found = run(key, view=view.value, scope=scope.value, extra=extra, draws=draws)
    except UnknownPlace as error:
        raise typer.BadParameter(str(error), param_hint=f"--{kind}") from None
    if found is None:
        typer.echo(
            f"No agreement of {kind} {key} is on ICE's latest participating list: "
            "nothing to estimate.",
            err=True,
        )
        raise typer.Exit(1)
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(estimates.as_dict(found), indent=2))
    else:
        typer.echo("\n".join(_table(found)))


@params_app.command("list")
def params_list(fmt: FormatOption = OutputFormat.table) -> None:
    """List every parameter of the cost model with its default and source.

    Example:

        tidewatch cost params list --format json
    """
    from tidewatch.costmodel import parameters as params

    found = [*params.PARAMETERS, *params.REPORTED.values()]
    if fmt == OutputFormat.json:
        rows = [
            {"name": p.name, "label": p.label, "unit": p.unit, "default": p.default,
             "low": p.low, "high": p.high, "minimum": p.minimum,
             "maximum": p.maximum, "dollar_year": p.dollar_year, "tag": p.tag,
             "source": p.source, "question": p.question,
             "models": sorted(p.models) if p.models else None, "level": p.level}
            for p in found
        ]  # fmt: skip
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(
        f"{'name':<30}{'default':>12}{'low':>12}{'high':>12}  {'unit':<14}"
        f"{'dollars':<9}{'tag':<12}source"
    )
    for p in found:
        typer.echo(
            f"{p.name:<30}{p.default:>12,g}{p.low:>12,g}{p.high:>12,g}  "
            f"{p.unit:<14}{p.dollar_year or '':<9}{p.tag:<12}{p.source}"
        )


@params_app.command("import")
def params_import(
    path: Annotated[
        Path, typer.Argument(help="A records CSV file.", exists=True, dir_okay=False)
    ],
    entered_by: Annotated[
        str | None,
        typer.Option("--entered-by", help="Who entered them (default: your login)."),
    ] = None,
) -> None:
    """Store a county's or agency's records from a CSV file (docs/cost-records.md).

    Every row is checked first; when any is wrong, each bad row is printed
    and nothing is stored (exit status 1). A record that says the same as
    the current one is not stored again; a different one supersedes it and
    the old one stays as history.

    Example:

        tidewatch cost params import charleston-records.csv
    """
    _django()
    from tidewatch.costs.records import CostRecordsError, import_csv

    try:
        result = import_csv(path, entered_by=entered_by or getpass.getuser())
    except CostRecordsError as error:
        for line in error.problems:
            typer.echo(line, err=True)
        typer.echo("nothing stored", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{result.stored} records stored ({result.unchanged} unchanged)")


@params_app.command("history")
def params_history(
    county: CountyOption = None,
    agency: AgencyOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every record of a county or agency, current and superseded.

    Example:

        tidewatch cost params history --county 45019
    """
    kind, key = _place(county, agency)
    _django()
    from tidewatch.costs.records import history

    found = history(kind, key)
    if fmt == OutputFormat.json:
        rows = [
            {"parameter": r.parameter, "value": r.value, "unit": r.unit,
             "dollar_year": r.dollar_year, "low": r.low, "high": r.high,
             "source": r.source, "source_date": r.source_date.isoformat(),
             "entered_at": r.entered_at.isoformat(), "entered_by": r.entered_by,
             "import_batch": r.import_batch, "current": r.is_current}
            for r in found
        ]  # fmt: skip
        typer.echo(json.dumps(rows, indent=2))
        return
    if not found:
        typer.echo(f"No records for {kind} {key}.")
        return
    for r in found:
        state = "current" if r.is_current else f"superseded {r.superseded_at:%Y-%m-%d}"
        typer.echo(
            f"{r.parameter:<30}{r.value:>12,g} {r.unit:<12}{state:<22}"
            f"{r.source_date}  {r.source}  (entered {r.entered_at:%Y-%m-%d} by "
            f"{r.entered_by}; {r.import_batch})"
        )
