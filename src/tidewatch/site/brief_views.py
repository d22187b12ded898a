"""The council brief: one county's agreements, what they cost, what is not
known, and every source, on one or two printed pages (English and Spanish).

The page (``/en/county/<fips>/brief/``) and ``tidewatch brief`` draw the same
template from ``brief_context``. It has no site header or footer: it is made
to be printed or saved as PDF (``brief_pdf``) and handed to a council, so
every source is printed as text, not only linked. The numbers and sentences
about the estimate are made in ``brief_words``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tidewatch import conf
from tidewatch.agreements.models import Agreement, Event
from tidewatch.costmodel import AGREEMENT_ONLY, ALLOCATED, SCOPES, VIEWS, Estimate
from tidewatch.costmodel.items import COMMUNITY_NOTE
from tidewatch.costs.estimates import CostEstimate, for_county
from tidewatch.places.reference import County, county_index
from tidewatch.publications.models import Observation, Publication
from tidewatch.site import queries
from tidewatch.site.brief_words import (
    DRIVERS,
    UNKNOWNS,
    drivers,
    figures,
    headline,
    incentives,
    parameter_sources,
    record_words,
    unknowns,
    view_words,
)
from tidewatch.site.caching import per_data_version

# Changes shown per agreement (the first and the latest ones; the county
# page has them all): fewer when many agreements must fit on two pages.
HISTORY, SHORT_HISTORY, MANY = 3, 2, 10
MODEL_ORDER = ("WSO", "JEM", "TFM")  # as the models page explains them
Link = Callable[[str], str | None]  # a site path -> the address to print, if any


class NoBrief(LookupError):
    """No brief for this county: not a county, or no agreement in force."""


def cost_context(
    fips: str, view: str, scope: str, compact: bool = False
) -> dict[str, Any] | None:
    """The estimate in words, or None (no agreement the model can count);
    ``compact``: fewer drivers and questions, beside a long table."""
    found: CostEstimate | None = for_county(fips, view=view, scope=scope)
    if found is None:
        return None
    return {
        **_estimate_words(found.estimate, compact),
        "records": [record_words(r) for r in found.records],
        "notes": [str(note) for note in found.notes],
    }


# The words of an estimate, by what they depend on: counties that share
# their inputs share them (build-site writes a brief for every county).
_WORDS: dict[tuple, dict[str, Any]] = {}
_WORDS_KEPT = 1_024


def _estimate_words(e: Estimate, compact: bool) -> dict[str, Any]:
    key = (e.key, e.local_net, get_language(), compact) if e.key else None
    found = _WORDS.get(key) if key else None
    if found is None:
        found = {
            "estimate": e,
            "figures": figures(e),
            "headline": headline(e),
            "view_words": view_words(e.view, e.scope),
            "drivers": drivers(e, 3 if compact else DRIVERS),
            "incentives": incentives(e),
            "community": _(COMMUNITY_NOTE),
            "unknowns": unknowns(e, 3 if compact else UNKNOWNS),
            "parameter_sources": parameter_sources(e, 3 if compact else DRIVERS),
        }
        if key:
            if len(_WORDS) >= _WORDS_KEPT:
                _WORDS.pop(next(iter(_WORDS)))
            _WORDS[key] = found
    return {**found, "estimate": e}


# -- agreements and lists -------------------------------------------------------


# Short words for a change, for a line per agreement (the county page has
# the long ones).
CHANGE_WORDS = {
    Event.FIRST_LISTED: gettext_lazy("first listed"),
    Event.MODEL_ADDED: gettext_lazy("model added"),
    Event.PROMOTED: gettext_lazy("moved to participating"),
    Event.SIGNED_DATE_CHANGED: gettext_lazy("signing date changed"),
    Event.REMOVED: gettext_lazy("removed"),
    Event.RELISTED: gettext_lazy("listed again"),
    Event.PENDING_DROPPED: gettext_lazy("dropped from pending"),
}
WHY = {"renewal": gettext_lazy("renewal"), "correction": gettext_lazy("correction")}


def change_words(event: Event) -> str:
    """ "2025-04-03: first listed (pending)", "2025-08-01: signing date
    changed (renewal)"."""
    words = str(CHANGE_WORDS.get(event.kind, event.get_kind_display()))
    if event.kind == Event.FIRST_LISTED and event.publication.kind == "pending":
        words = _("first listed (pending)")
    why = WHY.get((event.details or {}).get("change"))
    if why:
        words = f"{words} ({why})"
    return f"{formats.date_format(event.date, 'Y-m-d')}: {words}"


def shown_events(events: Sequence[Event], most: int = HISTORY) -> list[Event]:
    """The first and the latest ``most`` - 1 changes."""
    if len(events) <= most:
        return list(events)
    return [events[0], *events[-(most - 1) :]]


def history_line(events: Sequence[Event], shown: Sequence[Event]) -> str:
    """An agreement's changes on one line, with how many were left out."""
    words = [change_words(event) for event in shown]
    if len(events) > len(shown):
        words.insert(1, _("%(n)s more") % {"n": len(events) - len(shown)})
    return "; ".join(words)


def status_words(row: dict[str, Any]) -> str:
    """ "in force", "pending", "removed 2025-06-04", "dropped from pending"."""
    if row["status"] == Agreement.REMOVED and row["removed_on"]:
        day = formats.date_format(row["removed_on"], "Y-m-d")
        return _("removed %(date)s") % {"date": day}
    if row["status"] == Agreement.PENDING_DROPPED:
        return str(CHANGE_WORDS[Event.PENDING_DROPPED])
    return str(row["status_label"])


def agreement_rows(agency_ids: list[str]) -> list[dict[str, Any]]:
    """The county's agreements, in force first, each with its history."""
    rows = queries.scope_rows(agency_ids)
    by_agreement = queries.events_by_agreement(queries.scope_events(agency_ids))
    order = {"participating": 0, "pending": 1}
    rows.sort(key=lambda r: (order.get(r["status"], 2), r["agency"].casefold()))
    most = SHORT_HISTORY if len(rows) > MANY else HISTORY
    for row in rows:
        events = by_agreement.get(row["agreement_id"], [])
        row["events"] = shown_events(events, most)
        row["history"] = history_line(events, row["events"])
        row["status_words"] = status_words(row)
    return rows


def ice_addresses() -> dict[str, str]:
    """Each archived ICE file's address on ice.gov, read once per data
    version (every brief cites a few of the same lists)."""
    return per_data_version(
        "brief-ice-addresses",
        lambda: dict(
            Observation.objects.exclude(source_url="").values_list(
                "raw_file__sha256", "source_url"
            )
        ),
    )


def source_lists(
    rows: Iterable[dict[str, Any]], lists: queries.Lists, link: Link
) -> list[dict[str, Any]]:
    """Every ICE list the brief cites: the latest lists, each row's list, and
    the list of each change shown; newest first, with ICE's address if known."""
    wanted = {p.raw_file.sha256 for p in (lists.participating, lists.pending) if p}
    for row in rows:
        wanted.add(row["source_sha256"])
        wanted.update(ev.publication.raw_file.sha256 for ev in row["events"])
    found = [
        p for p in queries.publication_index().values() if p.raw_file.sha256 in wanted
    ]
    found.sort(key=lambda p: (p.as_of, p.kind), reverse=True)
    ice = ice_addresses()
    return [
        {
            "publication": p,
            "kind": _("ICE's participating list")
            if p.kind == Publication.PARTICIPATING
            else _("ICE's pending list"),
            "sha256": p.raw_file.sha256,
            "archive": link(reverse("raw-file", args=[p.raw_file.sha256])),
            "ice_url": ice.get(p.raw_file.sha256, ""),
        }
        for p in found
    ]


def brief_context(
    fips: str,
    *,
    view: str = ALLOCATED,
    scope: str = AGREEMENT_ONLY,
    link: Link = lambda path: path,
) -> dict[str, Any]:
    """Everything the brief shows, in the active language. ``link`` turns a
    site path into the address printed (None: the path is not printed).
    Raises NoBrief for a code that is not a county or a county without an
    agreement in force on ICE's latest list."""
    county: County | None = county_index().counties.get(fips)
    if county is None:
        raise NoBrief(f"{fips!r} is not a county FIPS code")
    state = county_index().states[county.state]
    lists = queries.latest_lists()
    agency_ids = list(queries.county_agencies(fips))
    rows = agreement_rows(agency_ids) if agency_ids else []
    in_force = [r for r in rows if r["status"] == "participating"]
    if not in_force:
        as_of = lists.participating.as_of if lists.participating else None
        raise NoBrief(
            f"{county.name}, {county.state} has no 287(g) agreement in force on "
            f"ICE's latest participating list (as of {as_of or 'none loaded'}): "
            "there is nothing to brief"
        )
    return {
        "county": county,
        "state": state,
        "fips": fips,
        "prepared": timezone.localdate(),
        "lists": lists,
        "rows": rows,
        "many": len(rows) > MANY,
        "all_in_force": len(in_force) == len(rows),
        "models": sorted({r["model"] for r in rows}, key=MODEL_ORDER.index),
        "cost": cost_context(fips, view, scope, compact=len(rows) > MANY),
        "view": view,
        "scope": scope,
        "sources": source_lists(rows, lists, link),
        "ice_page": conf.get("TIDEWATCH_ICE_PAGE_URL"),
        "county_url": link(reverse("county", args=[fips])),
        "method_path": reverse("cost-methods"),
        "method_url": link(reverse("cost-methods")),
    }


def stylesheet() -> str:
    """The brief's print stylesheet, for a file that stands alone (the CLI's
    HTML and the page chromium prints)."""
    path = finders.find("site/brief.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


STYLESHEET_LINK = re.compile(
    r'<link rel="stylesheet" href="[^"]*/brief(?:\.[0-9a-f]+)?\.css">'
)


def render_brief(context: dict[str, Any], *, standalone: bool = False) -> str:
    """The brief's HTML; ``standalone`` puts the stylesheet inside the file.

    The template only links the stylesheet (templates hold no inline style,
    which the site's Content-Security-Policy would block); a file written to
    disk has no site to fetch it from, so the link is swapped for the sheet.
    """
    html = render_to_string("site/brief.html", context)
    if not standalone:
        return html
    css = stylesheet().replace("</", "<\\/")
    return STYLESHEET_LINK.sub(lambda _: f"<style>{css}</style>", html, count=1)


def _choice(
    request: HttpRequest, name: str, allowed: Sequence[str], default: str
) -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def county_brief(request: HttpRequest, fips: str) -> HttpResponse:
    """The brief as a page, to print or save as PDF (``?view=incremental``,
    ``?scope=all-ice``; anything else falls back to the defaults)."""
    view = _choice(request, "view", VIEWS, ALLOCATED)
    scope = _choice(request, "scope", SCOPES, AGREEMENT_ONLY)
    try:
        context = brief_context(
            fips, view=view, scope=scope, link=request.build_absolute_uri
        )
    except NoBrief as error:
        raise Http404(str(error)) from None
    return HttpResponse(render_brief(context))
