"""The queries behind the state, county, city, agency and changes pages and
their downloads.

Every page of the nation is rendered by ``tidewatch build-site``, so each
function here runs a small, fixed number of queries, whatever the scope's
size. ``Publication.records`` holds a whole list's rows (about 1 MB of JSON
per list): it is never loaded here (``PUBLICATION_FIELDS``).

Agreement rows have the columns of ``reports.AGREEMENT_COLUMNS`` and are
computed the way ``reports.agreements_as_of`` computes the latest lists' rows
(test_downloads checks they agree), but only for the scope's agreements, so
a county page reads its own few dozen listings instead of the nation's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements import reports
from tidewatch.agreements.models import (
    Agency,
    AgencyAlias,
    Agreement,
    Event,
    Listing,
)
from tidewatch.documents.signatories import empty as signatory_columns
from tidewatch.documents.signatories import newest_moa_signatories
from tidewatch.places.membership import county_members
from tidewatch.places.models import AgencyPlace
from tidewatch.places.reference import county_index
from tidewatch.publications.models import Publication
from tidewatch.site import caching

# What a page says about an ICE list: never ``records`` or ``header``.
PUBLICATION_FIELDS = ("id", "kind", "name", "as_of", "observed_at", "raw_file__sha256")
HISTORY_ORDER = ("date", "publication__observed_at", "publication_id", "sequence")
LISTING_ORDER = ("as_of", "publication__observed_at", "publication__raw_file__sha256")
ACTIVE = (Agreement.PARTICIPATING, Agreement.PENDING)
MODEL_LABELS = {
    "JEM": _("Jail Enforcement Model"),
    "WSO": _("Warrant Service Officer"),
    "TFM": _("Task Force Model"),
}
STATUS_LABELS = {
    Agreement.PARTICIPATING: _("in force"),
    Agreement.PENDING: _("pending"),
    Agreement.REMOVED: _("removed from the participating list"),
    Agreement.PENDING_DROPPED: _("dropped from the pending list"),
}


def publications() -> QuerySet[Publication]:
    """ICE lists with their file hash and without their (large) rows."""
    return Publication.objects.select_related("raw_file").only(*PUBLICATION_FIELDS)


per_data_version = caching.per_data_version


def publication_index() -> dict[int, Publication]:
    """Every ICE list by id, in history order (oldest first)."""
    return per_data_version(
        "publications",
        lambda: {
            p.pk: p
            for p in publications().order_by("as_of", "observed_at", "raw_file__sha256")
        },
    )


@dataclass(frozen=True)
class Lists:
    """The latest participating and pending lists (either may be missing)."""

    participating: Publication | None
    pending: Publication | None

    @property
    def loaded(self) -> bool:
        return self.participating is not None or self.pending is not None


def latest_lists() -> Lists:
    """The lists every "as of" on a page refers to (as ``reports.edition()``)."""
    latest: dict[str, Publication] = {}
    for publication in publication_index().values():  # oldest first
        latest[publication.kind] = publication
    return Lists(latest.get(Publication.PARTICIPATING), latest.get(Publication.PENDING))


# -- which agencies a place has ------------------------------------------------


def state_agency_ids(state: str) -> list[str]:
    """Every agency of a state or territory (USPS code), by ICE's state cell."""
    return list(Agency.objects.filter(state=state).values_list("id", flat=True))


def county_agencies(fips: str) -> dict[str, bool]:
    """Agency id -> whether ``fips`` is its main county, for every agency that
    polices or serves the county (``AgencyPlace.county_fips`` or
    ``AgencyPlace.counties``)."""
    return dict(per_data_version("county-members", county_members).get(fips, {}))


def agency_aliases(agency_id: str) -> list[AgencyAlias]:
    """The names ICE used for the agency (``agency.aliases.all()``, in the
    same order), from an index read once per data version: 3,000 agency
    pages then need no query for them."""

    def build() -> dict[str, list[AgencyAlias]]:
        grouped: dict[str, list[AgencyAlias]] = defaultdict(list)
        for alias in AgencyAlias.objects.all():  # Meta.ordering
            grouped[alias.agency_id].append(alias)
        return dict(grouped)

    return list(per_data_version("agency-aliases", build).get(agency_id, ()))


def city_slug(place: str) -> str:
    return slugify(place)


def city_agencies(state: str, slug: str) -> tuple[str, list[AgencyPlace]]:
    """The city's name and the places of its municipal agencies ("" if none)."""
    found = county_index().states.get(state)
    if found is None:
        return "", []
    places = [
        place
        for place in AgencyPlace.objects.filter(
            level="municipal", state_fips=found.fips
        ).exclude(place="")
        if city_slug(place.place) == slug
    ]
    return (places[0].place if places else ""), places


def all_cities() -> list[tuple[str, str]]:
    """(USPS code, slug) of every city page, for ``tidewatch build-site``."""
    usps = {s.fips: s.usps for s in county_index().states.values()}
    found = {
        (usps[fips], city_slug(place))
        for fips, place in AgencyPlace.objects.filter(level="municipal")
        .exclude(place="")
        .values_list("state_fips", "place")
        if fips in usps and city_slug(place)
    }
    return sorted(found)


def cities_of(agency_places: Iterable[AgencyPlace], state: str) -> list[dict]:
    """The city pages among ``agency_places`` (municipal ones), by name."""
    seen: dict[str, str] = {}
    for place in agency_places:
        if place.level == "municipal" and place.place:
            seen.setdefault(city_slug(place.place), place.place)
    return [
        {"state": state, "slug": slug, "name": name}
        for slug, name in sorted(seen.items(), key=lambda item: item[1].casefold())
        if slug
    ]


# -- agreements ------------------------------------------------------------------


# The listing fields an agreement row needs (``agreement_row``), and those
# the agency page shows of each raw row (with the collapsed rows' JSON).
ROW_FIELDS = (
    "agreement_id",
    "publication_id",
    "status",
    "as_of",
    "row_number",
    "agency_name",
    "agency_type",
    "county",
    "signed_date",
    "moa_url",
    "addendum_url",
)
LISTING_FIELDS = (
    "agreement_id",
    "publication_id",
    "status",
    "as_of",
    "sheet",
    "row_number",
    "duplicate_rows",
    "hidden",
    "agency_name",
    "state_raw",
    "type_raw",
    "agency_type",
    "county_raw",
    "county",
    "support_type_raw",
    "signed_raw",
    "signed_date",
    "signed_note",
    "moa_status",
    "moa_url",
    "moa_link",
    "addendum_url",
)


def attach_listings(
    found: list[Agreement], scoped: bool, fields: Sequence[str] = ROW_FIELDS
) -> None:
    """Set ``agreement.rows``: its listings as dicts, oldest first, each with
    its ``publication``. Two queries and no join: the lists are few, and a
    join with the list table made a state's query ten times slower."""
    if scoped and not found:
        return
    lists = publication_index()
    listings = Listing.objects.values(*fields).order_by()
    if scoped:
        listings = listings.filter(agreement_id__in=[a.pk for a in found])
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for listing in listings:
        listing["publication"] = lists[listing["publication_id"]]
        grouped[listing["agreement_id"]].append(listing)
    for agreement in found:
        rows = grouped.get(agreement.pk, [])
        rows.sort(
            key=lambda r: (
                r["as_of"],
                r["publication"].observed_at,
                r["publication"].raw_file.sha256,
            )
        )
        agreement.rows = rows  # type: ignore[attr-defined]


def agreements(
    agency_ids: Sequence[str] | None, fields: Sequence[str] = ROW_FIELDS
) -> list[Agreement]:
    """The agreements of the agencies (None: all), with agency, place and every
    listing (``agreement.rows``, oldest first, with ``fields``) in three
    queries."""
    found = Agreement.objects.select_related("agency", "agency__place")
    if agency_ids is not None:
        found = found.filter(agency_id__in=list(agency_ids))
    result = list(found)
    attach_listings(result, agency_ids is not None, fields)
    return result


def agreement_row(agreement: Agreement) -> dict[str, Any]:
    """One row of ``reports.AGREEMENT_COLUMNS`` as on the latest lists.

    Same rules as ``reports.agreements_as_of``: the name and cells of the last
    listing (type and county: the last one ICE filled in), the signing date of
    the last participating listing that had one, the last MOA and addendum
    links ICE gave; status from the history.
    """
    row: dict[str, Any] = {"signed_date": None, "moa_url": "", "addendum_url": ""}
    for listing in agreement.rows:  # type: ignore[attr-defined]
        row.setdefault("first_listed", listing["as_of"])
        row["last_listed"] = listing["as_of"]
        row["agency"] = listing["agency_name"]
        row["agency_type"] = listing["agency_type"] or row.get("agency_type", "")
        row["county"] = listing["county"] or row.get("county", "")
        if listing["status"] == Publication.PARTICIPATING:
            row["signed_date"] = listing["signed_date"] or row["signed_date"]
        row["moa_url"] = listing["moa_url"] or row["moa_url"]
        row["addendum_url"] = listing["addendum_url"] or row["addendum_url"]
        row["source_list_date"] = listing["as_of"]
        row["source_file"] = listing["publication"].name
        row["source_row"] = listing["row_number"]
        row["source_sha256"] = listing["publication"].raw_file.sha256
    agency = agreement.agency
    place = getattr(agency, "place", None)
    row.update(
        agreement_id=agreement.id,
        agency_id=agency.id,
        state=agency.state,
        model=agreement.model,
        status=agreement.status,
        removed_on=agreement.removed_on,
        county_fips=place.county_fips if place else "",
        place=place.place if place else "",
        jurisdiction_level=place.level if place else "",
        match_status=place.match_status if place else "",
        ori=place.ori if place else "",
        model_label=MODEL_LABELS.get(agreement.model, agreement.model),
        status_label=STATUS_LABELS.get(agreement.status, agreement.status),
    )
    row.setdefault("agency", agency.name)
    return row


def agreement_rows(found: Iterable[Agreement]) -> list[dict[str, Any]]:
    """Rows for pages and downloads, sorted as the export sorts them. Each row
    has the export's columns plus ``source_sha256`` (the raw file's link),
    ``model_label`` and ``status_label`` (translated), which no download has."""
    rows = [agreement_row(a) for a in found if a.rows]  # type: ignore[attr-defined]
    signatories = newest_moa_signatories([row["agreement_id"] for row in rows])
    for row in rows:
        row.update(signatories.get(row["agreement_id"]) or signatory_columns())
    rows.sort(key=lambda r: (r["state"], r["agency"].casefold(), r["model"]))
    return rows


@dataclass
class ScopeIndex:
    """Every agency's rows, source lists and place, built once per data
    version: a state, county or city page, and each of its downloads, then
    only picks its agencies' entries instead of querying again (what lets
    ``tidewatch build-site`` draw the nation's 30,000 files in time)."""

    rows: dict[str, list[dict[str, Any]]]
    lists: dict[str, set[int]]
    places: dict[str, AgencyPlace]


def scope_index() -> ScopeIndex:
    def build() -> ScopeIndex:
        index = ScopeIndex(defaultdict(list), defaultdict(set), {})
        signatories = newest_moa_signatories(None)
        for agreement in agreements(None):
            listings = agreement.rows  # type: ignore[attr-defined]
            if listings:
                row = agreement_row(agreement)
                row.update(signatories.get(agreement.pk) or signatory_columns())
                index.rows[agreement.agency_id].append(row)
            index.lists[agreement.agency_id].update(
                listing["publication_id"] for listing in listings
            )
            place = getattr(agreement.agency, "place", None)
            if place is not None:
                index.places[agreement.agency_id] = place
        return index

    return per_data_version("scope-index", build)


def scope_rows(agency_ids: Iterable[str] | None) -> list[dict[str, Any]]:
    """``agreement_rows(agreements(agency_ids))``, from the index (copies: a
    caller may annotate them)."""
    index = scope_index()
    wanted = index.rows.keys() if agency_ids is None else set(agency_ids)
    rows = [dict(row) for agency in wanted for row in index.rows.get(agency, ())]
    rows.sort(key=lambda r: (r["state"], r["agency"].casefold(), r["model"]))
    return rows


def scope_places(agency_ids: Iterable[str]) -> dict[str, AgencyPlace]:
    """Agency id -> its place, for the agencies that have agreements."""
    places = scope_index().places
    return {a: places[a] for a in set(agency_ids) if a in places}


def scope_sources(agency_ids: Iterable[str]) -> list[Publication]:
    """Every ICE list the agencies' agreements appear in, newest first."""
    index, lists = scope_index(), publication_index()
    found = {pid for agency in set(agency_ids) for pid in index.lists.get(agency, ())}
    return sorted(
        (lists[pid] for pid in found),
        key=lambda p: (p.as_of, p.kind == Publication.PARTICIPATING, p.observed_at),
        reverse=True,
    )


def by_status(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by status: participating, pending, removed, pending_dropped."""
    groups: dict[str, list[dict[str, Any]]] = {
        s: [] for s, _ in Agreement.STATUS_CHOICES
    }
    for row in rows:
        groups.setdefault(row["status"], []).append(row)
    return groups


def model_counts(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{participating: {JEM: n, WSO: n, TFM: n}, pending: {...}}."""
    counts: dict[str, dict[str, int]] = {
        status: {code: 0 for code in ("JEM", "WSO", "TFM")} for status in ACTIVE
    }
    for row in rows:
        if row["status"] in counts:
            counts[row["status"]][row["model"]] += 1
    return counts


def source_lists(found: Iterable[Agreement]) -> list[Publication]:
    """Every ICE list the agreements appear in, newest first."""
    lists: dict[int, Publication] = {}
    for agreement in found:
        for listing in agreement.rows:  # type: ignore[attr-defined]
            lists[listing["publication_id"]] = listing["publication"]
    return sorted(
        lists.values(),
        key=lambda p: (p.as_of, p.kind == Publication.PARTICIPATING, p.observed_at),
        reverse=True,
    )


# -- events ----------------------------------------------------------------------

EVENT_FIELDS = (
    "id",
    "kind",
    "date",
    "details",
    "sequence",
    "agreement__id",
    "agreement__model",
    "agreement__agency__id",
    "agreement__agency__name",
    "agreement__agency__state",
    *(f"publication__{name}" for name in PUBLICATION_FIELDS),
    "previous_publication__id",
    "previous_publication__as_of",
    "previous_publication__name",
)


def events(agency_ids: Sequence[str] | None = None) -> QuerySet[Event]:
    """Events in history order (oldest first), with what a page shows of
    their agreement, agency and lists: one query, no list rows loaded."""
    found = (
        Event.objects.select_related(
            "agreement__agency", "publication__raw_file", "previous_publication"
        )
        .only(*EVENT_FIELDS)
        .order_by(*HISTORY_ORDER)
    )
    if agency_ids is not None:
        found = found.filter(agreement__agency_id__in=list(agency_ids))
    return found


def change_rows(found: Iterable[Event]) -> list[dict[str, Any]]:
    """Rows of ``CHANGE_COLUMNS``, as ``reports.changes`` writes them."""
    return [reports.change_row(event) for event in found]


def _events_by_agency() -> dict[str, list[Event]]:
    """Every event, grouped by agency, in history order: read once per data
    version, so agency and place pages and their downloads need no query."""

    def build() -> dict[str, list[Event]]:
        grouped: dict[str, list[Event]] = defaultdict(list)
        for event in events():
            grouped[event.agreement.agency_id].append(event)
        return grouped

    return per_data_version("events-by-agency", build)


def scope_events(agency_ids: Iterable[str]) -> list[Event]:
    """The agencies' events in history order (oldest first)."""
    grouped = _events_by_agency()
    found = [e for agency in set(agency_ids) for e in grouped.get(agency, ())]
    found.sort(
        key=lambda e: (e.date, e.publication.observed_at, e.publication_id, e.sequence)
    )
    return found


def agency_change_rows(agency_id: str) -> list[dict[str, Any]]:
    """One agency's change rows in history order (its events download)."""
    return change_rows(_events_by_agency().get(agency_id, ()))


def events_by_agreement(found: Iterable[Event]) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = defaultdict(list)
    for event in found:
        grouped[event.agreement.id].append(event)
    return grouped


AGREEMENT_COLUMNS = reports.AGREEMENT_COLUMNS
CHANGE_COLUMNS = reports.CHANGE_COLUMNS
