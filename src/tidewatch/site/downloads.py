"""Every list on the site as CSV, JSON and XLSX; places as GeoJSON (/data/...).

Paths look like files (``/data/state/SC/agreements.csv``) and do not depend
on the language, so a static copy of the site holds them as files. Agreement
downloads have the columns of ``tidewatch export`` and the API
(``reports.AGREEMENT_COLUMNS``), change downloads those of
``reports.CHANGE_COLUMNS``; CSV and XLSX cells that a spreadsheet would run
as formulas are neutralised by ``tidewatch.exporters``. A download holds the
same rows as the page that links it, because both come from
``tidewatch.site.queries``.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, register_converter, reverse
from django.utils.translation import override

from tidewatch import exporters
from tidewatch.agreements import reports
from tidewatch.agreements.models import Agency
from tidewatch.places.membership import STATEWIDE
from tidewatch.places.reference import County, county_index
from tidewatch.site import geojson, queries

FORMATS = ("csv", "json", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


class FormatConverter:
    regex = "csv|json|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")


def links(name: str, **kwargs: str) -> list[dict[str, str]]:
    """The CSV, JSON and XLSX links of one download, for ``_downloads.html``."""
    return [
        {"fmt": fmt, "url": reverse(name, kwargs={**kwargs, "fmt": fmt})}
        for fmt in FORMATS
    ]


def _stamp() -> str:
    lists = queries.latest_lists()
    days = [p.as_of for p in (lists.participating, lists.pending) if p]
    return max(days).isoformat() if days else "empty"


def attachment(data: bytes, fmt: str, name: str) -> HttpResponse:
    """``data`` as a download named ``tidewatch-<name>-<latest list date>.<fmt>``."""
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    filename = f"tidewatch-{name}-{_stamp()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, name: str):
    out = io.BytesIO()
    exporters.write(rows, columns, fmt, out)
    return attachment(out.getvalue(), fmt, name)


def agreements_download(agency_ids: Sequence[str] | None, fmt: str, name: str):
    return table(queries.scope_rows(agency_ids), queries.AGREEMENT_COLUMNS, fmt, name)


def _state(state: str) -> str:
    if state not in county_index().states:
        raise Http404("no such state or territory")
    return state


def _county(fips: str) -> County:
    county = county_index().counties.get(fips)
    if county is None:
        raise Http404("no such county")
    return county


def national(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every agreement ICE ever listed, with its status on the latest lists."""
    return agreements_download(None, fmt, "agreements")


def state_agreements(request: HttpRequest, state: str, fmt: str) -> HttpResponse:
    ids = queries.state_agency_ids(_state(state))
    return agreements_download(ids, fmt, f"agreements-{state}")


def county_agreements(request: HttpRequest, fips: str, fmt: str) -> HttpResponse:
    _county(fips)
    ids = list(queries.county_agencies(fips))
    return agreements_download(ids, fmt, f"agreements-county-{fips}")


def city_agreements(request: HttpRequest, state: str, slug: str, fmt: str):
    _name, places = queries.city_agencies(_state(state), slug)
    if not places:
        raise Http404("no agency of that city is on ICE's lists")
    ids = [p.agency_id for p in places]
    return agreements_download(ids, fmt, f"agreements-{state}-{slug}")


def _agency(agency_id: str) -> str:
    if not Agency.objects.filter(pk=agency_id).exists():
        raise Http404("no such agency")
    return agency_id


def agency_agreements(request: HttpRequest, agency_id: str, fmt: str):
    return agreements_download([_agency(agency_id)], fmt, f"agreements-{agency_id}")


def agency_events(request: HttpRequest, agency_id: str, fmt: str):
    rows = queries.agency_change_rows(_agency(agency_id))
    return table(rows, queries.CHANGE_COLUMNS, fmt, f"changes-{agency_id}")


def changes(request: HttpRequest, fmt: str) -> HttpResponse:
    """The changes, oldest first, with the changes page's filters."""
    from tidewatch.site.changes_view import FILTERS, parse_filters  # the page's form

    form = parse_filters(request)
    if not form.is_valid():
        with override("en"):
            errors = "; ".join(
                f"{field}: {' '.join(messages)}"
                if field != "__all__"
                else " ".join(messages)
                for field, messages in form.errors.items()
            )
        return HttpResponse(
            f"Invalid filter: {errors}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    found = reports.filter_events(queries.events(), **filters)
    # The file name says what it holds: tidewatch-changes-SC-WSO-<date>.csv
    labels = {"since": "from-", "until": "to-"}
    name = "-".join(
        [
            "changes",
            *(f"{labels.get(k, '')}{filters[k]}" for k in FILTERS if k in filters),
        ]
    )
    return table(queries.change_rows(found), queries.CHANGE_COLUMNS, fmt, name)


# -- GeoJSON ---------------------------------------------------------------------


def county_features(counties: Sequence[County], rows: Sequence[dict], places) -> list:
    """One feature per county: counts by model (in force, pending), its
    agreements and links; ``places`` maps agency id -> counties it serves."""
    in_county: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        for fips in places.get(row["agency_id"], ()):
            in_county[fips].append(row)
    index = county_index()
    features = []
    for county in counties:
        mine = in_county.get(county.fips, [])
        counts = queries.model_counts(mine)
        features.append(
            geojson.feature(
                county.fips,
                {
                    "name": county.name,
                    "state": county.state,
                    "state_name": index.states[county.state].name,
                    "in_force": counts["participating"],
                    "in_force_total": sum(counts["participating"].values()),
                    "pending": counts["pending"],
                    "pending_total": sum(counts["pending"].values()),
                    "agreements": [
                        {
                            "agreement_id": r["agreement_id"],
                            "agency_id": r["agency_id"],
                            "agency": r["agency"],
                            "model": r["model"],
                            "status": r["status"],
                        }
                        for r in mine
                    ],
                    "url_en": reverse_lang("en", county.fips),
                    "url_es": reverse_lang("es", county.fips),
                    "agreements_csv": reverse(
                        "download-county", kwargs={"fips": county.fips, "fmt": "csv"}
                    ),
                },
            )
        )
    return features


def reverse_lang(language: str, fips: str) -> str:
    with override(language):
        return reverse("county", kwargs={"fips": fips})


def scope_rows(agency_ids: Sequence[str] | None) -> tuple[list[dict], dict]:
    """Agreement rows and, per agency, the set of counties it serves (none for
    a state agency: ``tidewatch.places.membership``)."""
    found = queries.agreements(agency_ids)
    places: dict[str, set[str]] = {}
    for agreement in found:
        place = getattr(agreement.agency, "place", None)
        if place is not None and place.level != STATEWIDE:
            places[agreement.agency_id] = {place.county_fips, *place.counties} - {""}
    return queries.agreement_rows(found), places


def source() -> dict[str, Any]:
    lists = queries.latest_lists()
    return {
        kind: {
            "as_of": p.as_of.isoformat(),
            "file_name": p.name,
            "url": reverse("raw-file", args=[p.raw_file.sha256]),
        }
        for kind, p in (
            ("participating", lists.participating),
            ("pending", lists.pending),
        )
        if p is not None
    }


def geo_response(features: list, name: str) -> HttpResponse:
    body = geojson.collection(features, source=source())
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return attachment(data, "geojson", name)


def counties_geojson(request: HttpRequest) -> HttpResponse:
    """Every county with an agreement ICE ever listed (any status)."""
    rows, places = scope_rows(None)
    used = Counter(f for r in rows for f in places.get(r["agency_id"], ()))
    index = county_index()
    counties = [index.counties[f] for f in sorted(used) if f in index.counties]
    return geo_response(county_features(counties, rows, places), "counties")


def state_geojson(request: HttpRequest, state: str) -> HttpResponse:
    """Every county of the state that has a shape or an agreement."""
    rows, places = scope_rows(queries.state_agency_ids(_state(state)))
    used = {f for r in rows for f in places.get(r["agency_id"], ())}
    shapes = geojson.county_shapes()
    counties = sorted(
        (
            c
            for c in county_index().in_state(state)
            if c.fips in shapes or c.fips in used
        ),
        key=lambda c: c.fips,
    )
    return geo_response(county_features(counties, rows, places), f"counties-{state}")


def county_geojson(request: HttpRequest, fips: str) -> HttpResponse:
    county = _county(fips)
    rows, places = scope_rows(list(queries.county_agencies(fips)))
    return geo_response(county_features([county], rows, places), f"county-{fips}")


urlpatterns = [
    path("agreements.<fmt:fmt>", national, name="download-agreements"),
    path(
        "state/<str:state>/agreements.<fmt:fmt>",
        state_agreements,
        name="download-state",
    ),
    path("state/<str:state>/counties.geojson", state_geojson, name="geojson-state"),
    path(
        "county/<str:fips>/agreements.<fmt:fmt>",
        county_agreements,
        name="download-county",
    ),
    path("county/<str:fips>.geojson", county_geojson, name="geojson-county"),
    path(
        "city/<str:state>/<slug:slug>/agreements.<fmt:fmt>",
        city_agreements,
        name="download-city",
    ),
    path(
        "agency/<str:agency_id>/agreements.<fmt:fmt>",
        agency_agreements,
        name="download-agency",
    ),
    path(
        "agency/<str:agency_id>/events.<fmt:fmt>",
        agency_events,
        name="download-agency-events",
    ),
    path("changes.<fmt:fmt>", changes, name="download-changes"),
    path("counties.geojson", counties_geojson, name="geojson-counties"),
]
