"""The tables and chart rows of the "What it costs" section: the line items,
the sensitivity (tornado), the assumptions with their sources, and the open
questions, worded in the page's language from an estimate.

``cost_slot`` puts them in the section; they depend on the estimate alone,
so the section draws them once per kind of estimate and language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tidewatch.costmodel import items as item_table
from tidewatch.costmodel import parameters as params
from tidewatch.costmodel.simulate import Assumption, Estimate
from tidewatch.site.cost_charts import (
    Bar,
    Swing,
    bare,
    money,
    net,
    round_figures,
    with_unit,
)

TAGS = {
    params.READ: gettext_lazy("read in a source"),
    params.INFERRED: gettext_lazy("inferred from sources"),
    params.ASSUMPTION: gettext_lazy("assumption"),
}
PAYERS = {
    item_table.FEDERAL: gettext_lazy("federal money"),
    item_table.STATE: gettext_lazy("state money"),
}
# The questions every place gets, estimate or not (the article's questions).
GENERAL_QUESTIONS = (
    gettext_lazy(
        "How many employee hours go to 287(g) work each year (training, screening, "
        "paperwork, transport, holding people for ICE), and what do those hours "
        "cost in pay and benefits?"
    ),
    gettext_lazy(
        "How much does the federal government pay back, and what is the cost net "
        "of that money?"
    ),
    gettext_lazy(
        "What are the outcomes: how many people were screened, how many detainers "
        "were issued, how many people were handed to ICE, and for what charges?"
    ),
    gettext_lazy(
        "What does it do to trust: are residents less willing to report crimes or "
        "to come forward as witnesses?"
    ),
)


def item_rows(estimate: Estimate) -> tuple[list[Bar], list[dict[str, Any]]]:
    """The chart's bars (items with a value at the values used) and the
    table's rows (every item that can be other than zero)."""
    bars, rows = [], []
    for found in estimate.items:
        item, spread = found.item, found.spread
        if not any(round_figures(v) for v in (spread.point, spread.p10, spread.p90)):
            continue
        offset = item.kind == item_table.OFFSET
        payer = str(PAYERS.get(item.payer, "")) if offset else ""
        label = _(item.label)
        if round_figures(spread.point):
            bars.append(Bar(item.code, label, spread.point, offset, payer))
        rows.append(
            {
                "code": item.code,
                "label": label,
                "offset": offset,
                "kind": payer if offset else _("cost"),
                "colocated": item.attribution == item_table.COLOCATED,
                "point": money(spread.point),
                "range": _("%(low)s to %(high)s")
                % {"low": money(spread.p10), "high": money(spread.p90)},
            }
        )
    return bars, rows


def tornado_rows(estimate: Estimate) -> tuple[list[Swing], list[dict[str, Any]]]:
    swings, rows = [], []
    for s in estimate.tornado:
        unit = s.parameter.unit
        label = _(s.parameter.label)
        swings.append(
            Swing(label, s.at_low, s.at_high, bare(s.low, unit), bare(s.high, unit))
        )
        rows.append(
            {
                "label": label,
                "low": with_unit(s.low, unit),
                "high": with_unit(s.high, unit),
                "at_low": net(s.at_low),
                "at_high": net(s.at_high),
            }
        )
    return swings, rows


def assumption_table(estimate: Estimate) -> SafeString:
    """The assumptions table's rows as HTML: every parameter the estimate
    used, its value, range, and where it came from (a record of the place,
    a published source, or an assumption). Places with the same models and
    no records share them, so they are drawn once per process and language
    (the longest table of the page, on thousands of pages)."""
    return _assumption_table(estimate.assumptions, estimate.dollar_year, get_language())


@lru_cache(maxsize=512)
def _assumption_table(
    assumptions: tuple[Assumption, ...], dollar_year: int, language: str
) -> SafeString:
    rows = []
    for a in assumptions:
        row = _assumption(a, dollar_year, language)
        lang = row["source_lang"] if row["source_lang"] != language else ""
        rows.append(
            format_html(
                '<tr class="tag-{}"><th scope="row">{}</th><td>{}{}</td><td>{}</td>'
                "<td>{}</td><td{}>{}</td></tr>",
                row["css"],
                row["label"],
                row["value"],
                format_html(' <span class="note">({})</span>', row["converted"])
                if row["converted"]
                else "",
                row["range"],
                format_html('<strong class="assumed">{}</strong>', row["tag"])
                if row["assumed"]
                else row["tag"],
                format_html(' lang="{}"', lang) if lang else "",
                row["source"],
            )
        )
    return mark_safe("".join(rows))  # each row escaped by format_html


@lru_cache(maxsize=4096)
def _assumption(a: Assumption, dollar_year: int, language: str) -> dict[str, Any]:
    """One row of the assumptions table (the same rows recur on every page:
    worded once per process and language). Do not change the dict."""
    p, r, record = a.parameter, a.range, a.override
    year = (record.dollar_year if record else None) or p.dollar_year
    converted = p.is_dollars and year and year != dollar_year
    if record is not None:
        tag, css = _("from a record"), "record"
        source = _("From a record: %(source)s, %(date)s") % {
            "source": record.source or _("no source given"),
            "date": date_format(record.as_of, "DATE_FORMAT")
            if record.as_of
            else _("no date given"),
        }
    else:
        tag, css = str(TAGS.get(p.tag, p.tag)), p.tag
        source = p.source
    return {
        "name": p.name,
        "label": _(p.label),
        "value": with_unit(r.default, p.unit),
        "range": _("fixed")
        if r.fixed
        else _("%(low)s to %(high)s")
        % {"low": bare(r.low, p.unit), "high": bare(r.high, p.unit)},
        "converted": _("converted from dollars of %(year)s") % {"year": year}
        if converted
        else "",
        "tag": tag,
        "css": css,
        "assumed": record is None and p.tag == params.ASSUMPTION,
        "source": _("assumption")
        if record is None and source == params.ASSUMPTION
        else source,
        # Sources are quoted as published, in English; a record as entered.
        "source_lang": "" if record is not None else "en",
    }


def questions(estimate: Estimate | None) -> list[str]:
    """The estimate's unknowns as questions, then the general ones."""
    found = [_(q) for q in estimate.questions] if estimate else []
    return found + [str(q) for q in GENERAL_QUESTIONS]
