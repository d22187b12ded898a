"""State, county, city and agency pages.

A county page exists for every county FIPS code of the place reference,
with or without an agreement: "no agreement on ICE's latest list" is an
answer a resident needs, so it is a page (with the list's date and link),
not a 404. Only a code that is not a county is 404.

Every number on these pages is counted from ``queries.agreement_rows``, the
rows the page's downloads hold, and names the ICE list it comes from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tidewatch.agreements.models import Agency, Agreement
from tidewatch.places.membership import statewide_agency_ids
from tidewatch.places.models import AgencyPlace
from tidewatch.places.reference import County, county_index
from tidewatch.site import cost_slot, document_slots, queries
from tidewatch.site.downloads import links
from tidewatch.site.timeline import agency_counts_over_time

STATE_HISTORY = 50  # the changes page, filtered by state, has them all


def scope_context(
    agency_ids: Sequence[str], history_limit: int | None = None
) -> dict[str, Any]:
    """What the state, county and city pages share: agreements by status,
    counts, history (newest first; the latest ``history_limit`` if given),
    source lists and the chart's points."""
    rows = queries.scope_rows(agency_ids) if agency_ids else []
    groups = queries.by_status(rows)
    history = queries.scope_events(agency_ids)[::-1] if agency_ids else []
    if history_limit:
        history = history[:history_limit]
    points = agency_counts_over_time(agency_ids) if rows else []
    return {
        "lists": queries.latest_lists(),
        "places": queries.scope_places(agency_ids),
        "rows": rows,
        "in_force": groups.get(Agreement.PARTICIPATING, []),
        "pending": groups.get(Agreement.PENDING, []),
        "ended": groups.get(Agreement.REMOVED, [])
        + groups.get(Agreement.PENDING_DROPPED, []),
        "counts": queries.model_counts(rows),
        "history": history,
        "sources": queries.scope_sources(agency_ids),
        "points": points,
        "documents": document_slots.slot_rows(rows),
    }


def statewide_in_force(state_fips: str) -> list[dict[str, Any]]:
    """Agreements in force of the state's own agencies (highway patrol, state
    police, ...): they may act in every county, but are no county's own
    (``tidewatch.places.membership``)."""

    def build() -> list[dict[str, Any]]:
        ids = statewide_agency_ids(state_fips)
        rows = queries.scope_rows(ids) if ids else []
        return [row for row in rows if row["status"] == Agreement.PARTICIPATING]

    return queries.per_data_version(f"statewide:{state_fips}", build)


def county_table(
    rows: Sequence[dict[str, Any]], places: dict[str, AgencyPlace], state: str
):
    """Every county of a state with its counts of agreements in force and pending
    (an agency counts in each county it serves)."""
    counties_of = {
        agency: {place.county_fips, *place.counties} - {""}
        for agency, place in places.items()
    }
    in_force: Counter[str] = Counter()
    pending: Counter[str] = Counter()
    for row in rows:
        for fips in counties_of.get(row["agency_id"], ()):
            if row["status"] == Agreement.PARTICIPATING:
                in_force[fips] += 1
            elif row["status"] == Agreement.PENDING:
                pending[fips] += 1
    counties = sorted(county_index().in_state(state), key=lambda c: c.name.casefold())
    return [
        {"county": c, "in_force": in_force[c.fips], "pending": pending[c.fips]}
        for c in counties
    ]


def state_page(request: HttpRequest, state: str) -> HttpResponse:
    """A state or territory: its agencies, counties, cities and history."""
    found = county_index().states.get(state)
    if found is None:
        if county_index().states.get(state.upper()):
            return redirect("state", state=state.upper(), permanent=True)
        raise Http404("no such state or territory")
    context = scope_context(queries.state_agency_ids(state), STATE_HISTORY)
    places = list(context["places"].values())
    context.update(
        state=found,
        scope="state",
        fips=found.fips,
        all_changes=reverse("changes") + f"?state={state}",
        county_rows=county_table(context["rows"], context["places"], state),
        cities=queries.cities_of(places, state),
        downloads=links("download-state", state=state),
        geojson=reverse("geojson-state", kwargs={"state": state}),
        feed=reverse("feed-state", kwargs={"state": state}),
    )
    return render(request, "site/state.html", context)


def county_page(request: HttpRequest, fips: str) -> HttpResponse:
    """A county: every agency that polices or serves it, or the plain answer
    that ICE's latest list has none."""
    county: County | None = county_index().counties.get(fips)
    if county is None:
        raise Http404("no such county")
    members = queries.county_agencies(fips)
    context = scope_context(list(members))
    state = county_index().states[county.state]
    cities = queries.cities_of(
        context["places"].values(),
        county.state,
    )
    context.update(
        county=county,
        state=state,
        scope="county",
        fips=fips,
        serves_only={a for a, main in members.items() if not main},
        statewide=statewide_in_force(state.fips),
        cities=cities,
        downloads=links("download-county", fips=fips),
        geojson=reverse("geojson-county", kwargs={"fips": fips}),
        feed=reverse("feed-county", kwargs={"fips": fips}),
        cost=cost_slot.page_context(request, "county", fips),
    )
    return render(request, "site/county.html", context)


def city_page(request: HttpRequest, state: str, slug: str) -> HttpResponse:
    """A city or town whose own agency is on ICE's lists, with links to the
    county pages around it (the sheriff's agreement may cover it too)."""
    name, places = queries.city_agencies(state, slug)
    if not places:
        raise Http404("no agency of that city is on ICE's lists")
    context = scope_context([p.agency_id for p in places])
    found = county_index().states[state]
    counties = sorted(
        {f for p in places for f in (p.county_fips, *p.counties) if f},
    )
    context.update(
        city=name,
        state=found,
        scope="city",
        fips=places[0].county_fips,
        counties=[
            county_index().counties[f] for f in counties if f in county_index().counties
        ],
        downloads=links("download-city", state=state, slug=slug),
        feed=reverse("feed-state", kwargs={"state": state}),
    )
    return render(request, "site/city.html", context)


def agency_page(request: HttpRequest, agency_id: str) -> HttpResponse:
    """An agency: each agreement with its dates, documents and events, the
    names ICE used, its identifiers, and the raw rows it came from."""
    agency = Agency.objects.select_related("place").filter(pk=agency_id).first()
    if agency is None:
        raise Http404("no such agency")
    # ``queries.agreements([agency.id], ...)`` without joining the agency and
    # its place again: they are loaded above.
    found = list(Agreement.objects.filter(agency_id=agency.id))
    for a in found:
        a.agency = agency
    queries.attach_listings(found, True, queries.LISTING_FIELDS)
    # The same rows as ``agreement_rows(found)``, from the index every place
    # page reads (no query for the signatories on each of 3,000 pages).
    rows = {row["agreement_id"]: row for row in queries.scope_rows([agency.id])}
    events = queries.events_by_agreement(queries.scope_events([agency.id]))
    place = getattr(agency, "place", None)
    index = county_index()
    served = []
    if place is not None:
        for fips in dict.fromkeys([place.county_fips, *place.counties]):
            if fips in index.counties:
                served.append(index.counties[fips])
    city = None
    if place is not None and place.level == "municipal" and place.place:
        city = {"slug": queries.city_slug(place.place), "name": place.place}
    context = {
        "agency": agency,
        "place": place,
        "aliases": queries.agency_aliases(agency.id),
        "state": index.states.get(agency.state),
        "counties": served,
        "city": city,
        "lists": queries.latest_lists(),
        "items": [
            {
                "agreement": a,
                "row": rows.get(a.id),
                "events": events.get(a.id, []),
                "listings": a.rows,
            }
            for a in sorted(found, key=lambda a: a.model)
        ],
        "sources": queries.source_lists(found),
        "scope": "agency",
        "documents": document_slots.slot_rows(rows.values()),
        "rows": list(rows.values()),
        "downloads": links("download-agency", agency_id=agency.id),
        "event_downloads": links("download-agency-events", agency_id=agency.id),
        "feed": reverse("feed-agency", kwargs={"agency_id": agency.id}),
        "cost": cost_slot.page_context(request, "agency", agency.id),
    }
    return render(request, "site/agency.html", context)
