"""The "What it costs" section of the county and agency pages.

``slot_context`` turns an estimate (``tidewatch.costmodel``) into what
``site/_slot_cost.html`` prints: sentences with their numbers already
worded (net revenue in words, never a negative cost), the two charts drawn
once, the assumptions table and the open questions (their rows are
``cost_tables``), all in the page's language. The template only loops and
prints, because ``tidewatch build-site`` renders thousands of these pages.

The reader picks the accounting view and the scope with ``?cost_view=`` and
``?cost_scope=`` (cost-model.md §2.1: the page must say which it shows); an
unknown value is ignored and the default shown, never an error page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from tidewatch.costmodel import items as item_table
from tidewatch.costmodel.cpi import CPI_SOURCE
from tidewatch.costmodel.model import (
    AGREEMENT_ONLY,
    ALL_ICE,
    ALLOCATED,
    INCENTIVES_FROM,
    INCREMENTAL,
)
from tidewatch.costmodel.simulate import Estimate, Spread
from tidewatch.site.cost_charts import (
    items_svg,
    money,
    number,
    round_figures,
    tornado_svg,
)
from tidewatch.site.cost_tables import (
    assumption_table,
    item_rows,
    questions,
    tornado_rows,
)

VIEW_PARAM, SCOPE_PARAM = "cost_view", "cost_scope"
ANCHOR = "costs"

VIEW_WORDS = {
    ALLOCATED: (
        gettext_lazy("fully allocated cost"),
        gettext_lazy(
            "Staff time and jail days are counted at their average cost, as most "
            "sheriffs' and advocates' figures count them."
        ),
    ),
    INCREMENTAL: (
        gettext_lazy("incremental cost"),
        gettext_lazy(
            "Only what the budget would not spend without the agreement: a jail "
            "day at the cost of one more person, and no time of officers who "
            "would be on duty anyway."
        ),
    ),
}
SCOPE_WORDS = {
    AGREEMENT_ONLY: (
        pgettext_lazy("cost scope", "287(g) agreement only"),
        gettext_lazy(
            "Jail beds rented to ICE or the US Marshals under separate contracts, "
            "and holds that would happen without the agreement, are left out."
        ),
    ),
    ALL_ICE: (
        gettext_lazy("all ICE collaboration"),
        gettext_lazy(
            "Also counts jail beds rented to ICE or the US Marshals and every hold "
            "for ICE, whether the agreement caused it or not."
        ),
    ),
}
SWITCH_WORDS = {
    (VIEW_PARAM, INCREMENTAL): gettext_lazy("Show the incremental cost"),
    (VIEW_PARAM, ALLOCATED): gettext_lazy("Show the fully allocated cost"),
    (SCOPE_PARAM, ALL_ICE): gettext_lazy("Include all ICE collaboration"),
    (SCOPE_PARAM, AGREEMENT_ONLY): gettext_lazy("Show the 287(g) agreement only"),
}


def choice(request: HttpRequest) -> tuple[str, str]:
    """The view and scope the reader asked for; defaults for anything else."""
    view = request.GET.get(VIEW_PARAM, ALLOCATED)
    scope = request.GET.get(SCOPE_PARAM, AGREEMENT_ONLY)
    return (
        view if view in VIEW_WORDS else ALLOCATED,
        scope if scope in SCOPE_WORDS else AGREEMENT_ONLY,
    )


def switch_url(path: str, view: str, scope: str) -> str:
    """The page's address showing ``view`` and ``scope`` (defaults omitted)."""
    query = {}
    if view != ALLOCATED:
        query[VIEW_PARAM] = view
    if scope != AGREEMENT_ONLY:
        query[SCOPE_PARAM] = scope
    return path + (f"?{urlencode(query)}" if query else "") + f"#{ANCHOR}"


# --- Words for numbers -------------------------------------------------------


def _between(spread: Spread) -> str:
    """P10 to P90 of a local net amount, in words that never show a
    negative cost."""
    low, high = round_figures(spread.p10), round_figures(spread.p90)
    if low >= 0:
        return _("likely between %(low)s and %(high)s") % {
            "low": money(low),
            "high": money(high),
        }
    if high < 0:
        return _("likely between %(low)s and %(high)s of net revenue") % {
            "low": money(high),
            "high": money(low),
        }
    return _("likely between net revenue of %(revenue)s and a cost of %(cost)s") % {
        "revenue": money(low),
        "cost": money(high),
    }


def _figure(spread: Spread, *, signed: bool = False) -> dict[str, Any]:
    """A headline figure: "about $X a year" and its likely range."""
    revenue = signed and round_figures(spread.p50) < 0
    if revenue:
        about = _("net revenue of about %(amount)s a year")
    else:
        about = _("about %(amount)s a year")
    none = round_figures(spread.p90) == 0 and round_figures(spread.p10) == 0
    return {
        "about": about % {"amount": money(spread.p50)},
        "range": _between(spread),
        "revenue": revenue,
        "none": none and not signed,
    }


def _hours(spread: Spread) -> dict[str, Any]:
    def h(value: float) -> str:
        return number(round_figures(value))

    return {
        "about": _("about %(hours)s hours a year") % {"hours": h(spread.p50)},
        "range": _("likely between %(low)s and %(high)s")
        % {"low": h(spread.p10), "high": h(spread.p90)},
    }


def incentives_text(estimate: Estimate) -> str:
    """Whether the 2025 federal task force incentives are counted, and why."""
    models = {p.model for p in estimate.programs}
    if estimate.incentives:
        text = _(
            "The 2025 federal incentives for task force officers are counted: ICE's "
            "payment of their salary and benefits, overtime up to 25%% of salary, "
            "quarterly awards, and money for equipment and vehicles, announced by "
            "DHS for task force agreements from %(day)s. Each is weighted by the "
            "chance that it is paid, because payment depends on appropriations "
            "and ICE has not published its invoicing rules."
        ) % {"day": date_format(INCENTIVES_FROM, "DATE_FORMAT")}
        if models - {"TFM"}:
            text += " " + _(
                "They are not counted for the jail and warrant service agreements "
                "here: whether those qualify is not published."
            )
        return text
    if "TFM" in models:
        return _(
            "The 2025 federal incentives for task force officers are not counted: "
            "they start on %(day)s, after the date of this estimate."
        ) % {"day": date_format(INCENTIVES_FROM, "DATE_FORMAT")}
    return _(
        "The 2025 federal incentives are not counted: they were announced for task "
        "force agreements, and whether jail and warrant service officers qualify "
        "is not published."
    )


# --- The tables --------------------------------------------------------------


def agencies(agreements: Iterable[Any]) -> list[dict[str, Any]]:
    """The agreements counted, by agency: its id, name and models."""
    found: dict[str, dict[str, Any]] = {}
    for a in agreements:
        entry = found.setdefault(
            a.agency_id, {"agency_id": a.agency_id, "agency": a.agency, "models": []}
        )
        entry["models"].append(a.model)
    return [{**e, "models": ", ".join(e["models"])} for e in found.values()]


# --- The section ---------------------------------------------------------------

# The charts, tables and questions depend on the estimate alone, and most
# places share theirs (a city's task force with no records is every other
# one's): drawn once per estimate and language, for build-site's thousands
# of pages.
_BODIES: dict[tuple, SafeString] = {}
_BODIES_KEPT = 1_024


def body(estimate: Estimate) -> SafeString:
    """The charts, the tables, the assumptions and the questions, as HTML."""
    key = (estimate.key, estimate.local_net, get_language()) if estimate.key else None
    found = _BODIES.get(key) if key else None
    if found is None:
        bars, items = item_rows(estimate)
        swings, drivers = tornado_rows(estimate)
        found = render_to_string(
            "site/_slot_cost_body.html",
            {
                "cost": {
                    "items_svg": items_svg(bars),
                    "items": items,
                    "point": money(abs(estimate.local_net.point)),
                    "point_revenue": estimate.local_net.point < 0,
                    "tornado_svg": tornado_svg(swings, estimate.local_net.point),
                    "drivers": drivers,
                    "assumptions": assumption_table(estimate),
                    "questions": questions(estimate),
                    "dollar_year": estimate.dollar_year,
                }
            },
        )
        if key:
            if len(_BODIES) >= _BODIES_KEPT:
                _BODIES.pop(next(iter(_BODIES)))
            _BODIES[key] = found
    return found


def slot_context(
    estimate: Estimate,
    *,
    path: str,
    source: Mapping[str, Any] | None = None,
    agreements: Sequence[Any] = (),
    records: Sequence[Any] = (),
    notes: Iterable[str] = (),
    api_url: str = "",
) -> dict[str, Any]:
    """What ``_slot_cost.html`` prints for one estimate.

    ``path`` is the page's path (for the view and scope switches); ``source``
    the ICE list the agreements come from (sha256, name, as_of).
    """
    view, scope = estimate.view, estimate.scope
    other_view = INCREMENTAL if view == ALLOCATED else ALLOCATED
    other_scope = ALL_ICE if scope == AGREEMENT_ONLY else AGREEMENT_ONLY
    local = _figure(estimate.local_net, signed=True)
    return {
        "estimate": estimate,
        "view": view,
        "scope": scope,
        "showing": _("Showing: %(view)s, %(scope)s.")
        % {"view": VIEW_WORDS[view][0], "scope": SCOPE_WORDS[scope][0]},
        "explained": f"{VIEW_WORDS[view][1]} {SCOPE_WORDS[scope][1]}",
        "switches": [
            {
                "url": switch_url(path, other_view, scope),
                "label": SWITCH_WORDS[VIEW_PARAM, other_view],
            },
            {
                "url": switch_url(path, view, other_scope),
                "label": SWITCH_WORDS[SCOPE_PARAM, other_scope],
            },
        ],
        "local": local,
        "public": _figure(estimate.public_total),
        "federal": _figure(estimate.federal),
        "state": _figure(estimate.state),
        "hours": _hours(estimate.hours),
        "revenue_text": _(
            "Net revenue: at the middle of the range, the money paid back is more "
            "than what the agreement costs the local budget. It is still public "
            "money: the public total above is what all payers spend."
        )
        if local["revenue"]
        else "",
        "incentives": incentives_text(estimate),
        "community": _(item_table.COMMUNITY_NOTE),
        "body": body(estimate),
        "dollar_year": estimate.dollar_year,
        "draws": number(estimate.draws),
        "seed": estimate.seed,
        "as_of": estimate.as_of,
        "cpi_source": CPI_SOURCE,
        "source": source,
        "agreements": agencies(agreements),
        "records": list(records),
        "notes": [str(n) for n in notes],  # lazily translated
        "api_url": api_url,
    }


def page_context(request: HttpRequest, kind: str, key: str) -> dict[str, Any] | None:
    """The section's context for a county (``kind`` "county", FIPS code) or
    an agency page, in the view and scope the reader asked for; None when
    the place has no agreement in force (the section then says so)."""
    from django.urls import reverse

    from tidewatch.costs import estimates
    from tidewatch.costs.inputs import UnknownPlace

    view, scope = choice(request)
    find = estimates.for_county if kind == "county" else estimates.for_agency
    try:
        found = find(key, view=view, scope=scope)
    except UnknownPlace:
        return None
    if found is None:
        return None
    query = {k: v for k, v in (("view", view), ("scope", scope))
             if v not in (ALLOCATED, AGREEMENT_ONLY)}  # fmt: skip
    api_url = reverse(f"api:cost-{kind}", args=[key])
    if query:
        api_url += "?" + urlencode(query)
    return slot_context(
        found.estimate,
        path=request.path,
        source={
            "sha256": found.source.raw_file.sha256,
            "name": found.source.name,
            "as_of": found.source.as_of,
        },
        # An agency page lists its own agreements above: the county's only.
        agreements=found.agreements if kind == "county" else (),
        notes=found.notes,
        api_url=api_url,
    )
