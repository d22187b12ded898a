"""The read-only JSON API: agreements, agencies, counties, changes, counts.

Agreement and change rows come from ``tidewatch.agreements.reports``, the
same functions as the CSV exports, so an API page and an export of the same
query hold the same rows. Every list is paginated (``limit`` default 100, at
most 1,000: a larger value is lowered, a negative one refused) and says which
ICE lists its numbers come from (``source``).

Filters are the typed fields of the schemas in ``tidewatch.api.schemas``;
nothing from the query string reaches the ORM unparsed, and an unknown query
parameter is refused rather than silently ignored (a misspelt filter would
otherwise return every row). Reliability D3 and D4.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, ValidationError
from pydantic import BaseModel

from tidewatch.agreements import reports
from tidewatch.agreements.models import Agency, Agreement
from tidewatch.api.schemas import (
    MAX_LIMIT,
    AgencyDetail,
    AgencyFilters,
    AgencyOut,
    AgencyPage,
    AgreementBrief,
    AgreementDetail,
    AgreementFilters,
    AgreementPage,
    ChangeFilters,
    ChangePage,
    CountyDetail,
    CountyFips,
    EventOut,
    Invalid,
    ListingOut,
    Message,
    PageParams,
    PlaceOut,
    Stats,
    StatsFilters,
)
from tidewatch.places.membership import agencies_in_county
from tidewatch.places.models import AgencyPlace
from tidewatch.places.reference import county_index
from tidewatch.publications.models import Publication

DESCRIPTION = """\
287(g) agreements between ICE and state and local agencies, with their full
history, from ICE's published participating and pending lists.

"As of a date" means the latest list on or before that date. Every list
response has `count`, `limit`, `offset`, `results` and `source`, the ICE
lists (date and file name) the numbers come from. Agreement rows have the
columns of the CSV export (`tidewatch export agreements`).
"""

api = NinjaAPI(
    title="Tidewatch API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
)

# Agency and agreement ids are slugs (pipeline.identity); anything else, such
# as a NUL byte PostgreSQL would refuse, is unknown without asking the database.
ID = re.compile(r"[a-z0-9_-]{1,130}")
LIST_ERRORS = {422: Invalid}
DETAIL_ERRORS = {404: Message, 422: Invalid}


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422 with a sentence naming every bad parameter, then the details."""
    errors = []
    for error in exc.errors:
        loc = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
        errors.append({"type": error.get("type", ""), "loc": loc, "msg": error["msg"]})
    detail = "; ".join(
        f"invalid {e['loc'][0]} parameter {e['loc'][-1]!r}: {e['msg']}"
        if len(e["loc"]) > 1
        else f"invalid request: {e['msg']}"
        for e in errors
    )
    return api.create_response(
        request, {"detail": detail, "errors": errors}, status=422
    )


def refuse_unknown(request: HttpRequest, params: type[BaseModel] | None) -> None:
    """Refuse query parameters the endpoint does not know (typos, guesses)."""
    allowed = set(params.model_fields) if params else set()
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ValidationError(
            [
                {
                    "type": "unknown_parameter",
                    "loc": ("query", name),
                    "msg": f"not a parameter of this endpoint (known: {known})",
                }
                for name in unknown
            ]
        )


def paginate(
    rows: Sequence[Any] | QuerySet, params: PageParams, as_of: date | None
) -> dict[str, Any]:
    """A list response: one page of ``rows`` and the lists in force on
    ``as_of``. A too large ``limit`` is lowered to ``MAX_LIMIT``."""
    limit = min(params.limit, MAX_LIMIT)
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    results: list[Any] = []
    if params.offset < count:  # also keeps huge offsets out of SQL
        results = list(rows[params.offset : params.offset + limit])
    return {
        "count": count,
        "limit": limit,
        "offset": params.offset,
        "results": results,
        "source": source(as_of),
    }


def list_file(publication: Publication | None) -> dict[str, Any] | None:
    if publication is None:
        return None
    return {
        "as_of": publication.as_of,
        "file_name": publication.name,
        "sha256": publication.raw_file.sha256,
    }


def source(as_of: date | None) -> dict[str, Any]:
    """The participating and pending lists in force on ``as_of`` (None: latest)."""
    found = reports.edition(as_of)
    return {
        "as_of": as_of,
        "participating": list_file(found.participating),
        "pending": list_file(found.pending),
    }


def pick(obj: Any, schema: type[BaseModel], **given: Any) -> dict[str, Any]:
    """The attributes of ``obj`` that ``schema`` has fields for, then ``given``."""
    names = [name for name in schema.model_fields if name not in given]
    return {**{name: getattr(obj, name) for name in names}, **given}


def place_of(agency: Agency) -> dict[str, Any] | None:
    """An agency's place resolution, with the county's name, or None."""
    try:
        place: AgencyPlace = agency.place
    except AgencyPlace.DoesNotExist:
        return None
    county = county_index().counties.get(place.county_fips)
    return pick(
        place,
        PlaceOut,
        county_name=county.name if county else "",
        counties=list(place.counties or []),
    )


def agency_row(agency: Agency) -> dict[str, Any]:
    """An agency in a list: where it polices and its agreements."""
    place = place_of(agency) or {}
    return {
        **pick(agency, AgencyOut),
        "level": place.get("level", ""),
        "county_fips": place.get("county_fips", ""),
        "place": place.get("place", ""),
        "match_status": place.get("match_status", ""),
        "agreements": [pick(a, AgreementBrief) for a in agency.agreements.all()],
    }


BY_MODEL = Prefetch("agreements", queryset=Agreement.objects.order_by("model", "id"))


@api.get(
    "/agreements",
    response={200: AgreementPage, **LIST_ERRORS},
    tags=["agreements"],
    summary="Agreements as listed on a date",
)
def list_agreements(
    request: HttpRequest, filters: Query[AgreementFilters]
) -> dict[str, Any]:
    """One row per agreement as of a date (default: the latest lists), with the
    columns of the CSV export, sorted by state, agency and model."""
    refuse_unknown(request, AgreementFilters)
    rows = reports.agreements_as_of(filters.as_of, filters.status, filters.state)
    if filters.model:
        rows = [row for row in rows if row["model"] == filters.model]
    if filters.county_fips:
        members = agencies_in_county(filters.county_fips)
        rows = [row for row in rows if row["agency_id"] in members]
    return paginate(rows, filters, filters.as_of)


@api.get(
    "/agreements/{agreement_id}",
    response={200: AgreementDetail, **DETAIL_ERRORS},
    tags=["agreements"],
    summary="One agreement with its listings and events",
)
def get_agreement(request: HttpRequest, agreement_id: str) -> dict[str, Any]:
    """An agreement's current state, its agency and place, every row of it in
    ICE's lists (oldest first) and every change derived from them."""
    refuse_unknown(request, None)
    agreement = (
        Agreement.objects.select_related("agency", "agency__place")
        .filter(pk=agreement_id)
        .first()
        if ID.fullmatch(agreement_id)
        else None
    )
    if agreement is None:
        raise HttpError(404, f"no agreement with id {agreement_id!r}")
    listings = (
        agreement.listings.select_related("publication")
        .defer("publication__records", "publication__header")
        .order_by("as_of", "publication__observed_at", "publication__raw_file__sha256")
    )
    events = (
        agreement.events.select_related("publication")
        .defer("publication__records", "publication__header")
        .order_by("date", "publication__observed_at", "publication_id", "sequence")
    )
    return {
        **pick(agreement, AgreementBrief),
        "agency": pick(agreement.agency, AgencyOut),
        "place": place_of(agreement.agency),
        "listings": [
            pick(listing, ListingOut, file_name=listing.publication.name)
            for listing in listings
        ],
        "events": [
            pick(event, EventOut, file_name=event.publication.name) for event in events
        ],
    }


@api.get(
    "/agencies",
    response={200: AgencyPage, **LIST_ERRORS},
    tags=["agencies"],
    summary="Agencies, with where they police and their agreements",
)
def list_agencies(
    request: HttpRequest, filters: Query[AgencyFilters]
) -> dict[str, Any]:
    """Every agency ICE has listed, sorted by state and name."""
    refuse_unknown(request, AgencyFilters)
    agencies = Agency.objects.order_by("state", "name", "id")
    if filters.state:
        agencies = agencies.filter(state=filters.state)
    if filters.level:
        agencies = agencies.filter(place__level=filters.level)
    if filters.q:
        agencies = agencies.filter(name__icontains=filters.q)
    if filters.county_fips:
        agencies = agencies.filter(id__in=list(agencies_in_county(filters.county_fips)))
    response = paginate(
        agencies.select_related("place").prefetch_related(BY_MODEL), filters, None
    )
    response["results"] = [agency_row(agency) for agency in response["results"]]
    return response


@api.get(
    "/agencies/{agency_id}",
    response={200: AgencyDetail, **DETAIL_ERRORS},
    tags=["agencies"],
    summary="One agency with its names, agreements and place",
)
def get_agency(request: HttpRequest, agency_id: str) -> dict[str, Any]:
    """An agency, every name ICE listed it under, its agreements, and where it
    polices with how that was decided (match_status) and why (reason)."""
    refuse_unknown(request, None)
    agency = (
        Agency.objects.select_related("place")
        .prefetch_related(BY_MODEL)
        .filter(pk=agency_id)
        .first()
        if ID.fullmatch(agency_id)
        else None
    )
    if agency is None:
        raise HttpError(404, f"no agency with id {agency_id!r}")
    return {
        **pick(agency, AgencyOut),
        "aliases": list(
            agency.aliases.order_by("first_seen", "name").values(
                "name", "match", "first_seen"
            )
        ),
        "agreements": [pick(a, AgreementBrief) for a in agency.agreements.all()],
        "place": place_of(agency),
    }


@api.get(
    "/places/counties/{fips}",
    response={200: CountyDetail, **DETAIL_ERRORS},
    tags=["places"],
    summary="A county with the agencies resolved to it",
)
def get_county(
    request: HttpRequest,
    fips: Path[CountyFips],
) -> dict[str, Any]:
    """A county, and every agency resolved to it (as its main county or one
    it serves) with its agreements on the latest lists, removed ones too."""
    refuse_unknown(request, None)
    county = county_index().counties.get(fips)
    if county is None:
        raise HttpError(404, f"no county with FIPS code {fips!r}")
    members = agencies_in_county(fips)
    agencies = list(
        Agency.objects.filter(id__in=list(members))
        .select_related("place")
        .order_by("state", "name", "id")
    )
    rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for state in sorted({agency.state for agency in agencies}):
        for row in reports.agreements_as_of(None, "all", state):
            if row["agency_id"] in members:
                rows_of[row["agency_id"]].append(row)
    results = []
    for agency in agencies:
        place = place_of(agency) or {}
        results.append(
            {
                **pick(agency, AgencyOut),
                "level": place.get("level", ""),
                "place": place.get("place", ""),
                "match_status": place.get("match_status", ""),
                "main_county": members[agency.id],
                "agreements": rows_of[agency.id],
            }
        )
    return {
        "county": {"fips": county.fips, "name": county.name, "state": county.state},
        "agencies": results,
        "source": source(None),
    }


@api.get(
    "/changes",
    response={200: ChangePage, **LIST_ERRORS},
    tags=["changes"],
    summary="The change log",
)
def list_changes(request: HttpRequest, filters: Query[ChangeFilters]) -> dict[str, Any]:
    """Agreements listed, promoted, re-dated, removed and listed again, oldest
    first, with the columns of ``tidewatch changes``. ``source`` is the lists
    in force on ``until`` (default: the latest)."""
    refuse_unknown(request, ChangeFilters)
    rows = reports.changes(filters.since, filters.until, filters.state)
    if filters.kind:
        rows = [row for row in rows if row["kind"] == filters.kind]
    return paginate(rows, filters, filters.until)


@api.get(
    "/stats",
    response={200: Stats, **LIST_ERRORS},
    tags=["stats"],
    summary="Counts by model and by state",
)
def get_stats(request: HttpRequest, filters: Query[StatsFilters]) -> dict[str, Any]:
    """Participating and pending agreements by model and by state, as of a date
    (default: the latest lists)."""
    refuse_unknown(request, StatsFilters)
    return {**reports.stats(filters.as_of), "source": source(filters.as_of)}


api.add_router("/search", "tidewatch.search.api.router")  # GET /api/search?q=
api.add_router("/documents", "tidewatch.search.api.documents_router")  # /search?q=
api.add_router("/places", "tidewatch.api.places.router")  # GET /api/places/states/SC
api.add_router("/costs", "tidewatch.api.costs.router")  # /costs/county/45019
