"""The JSON API (/api/): shapes and values against the fixture lists' story,
as-of dates, pagination, parameter checks, 404s, OpenAPI, agreement with CSV.

The story (tests.test_import.lists): Fixture County Sheriff's Office, JEM
listed 2025-03-01 and renewed (signed 2025-04-28) on the 2025-05-01 list, TFM
added on 2025-04-01; Example City Police Department pending on 2025-03-02,
promoted on 2025-04-01; Testville Regional Jail WSO removed on 2025-05-01.

This module is also the URLconf of its tests (``urlpatterns`` below), so the
API is tested at /api/ whatever tidewatch.urls holds.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from django.test import override_settings
from django.urls import path

from tests.test_import import lists
from tidewatch import exporters
from tidewatch.agreements import reports
from tidewatch.agreements.models import Event
from tidewatch.api.api import api
from tidewatch.api.schemas import AgreementRow, ChangeRow
from tidewatch.pipeline.importer import import_paths
from tidewatch.places.models import AgencyPlace
from tidewatch.places.service import decide, refresh

urlpatterns = [path("api/", api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_api")]

SHERIFF = "tx-fixture-county-sheriffs-office"
POLICE = "tx-example-city-police-department"
JAIL = "tx-testville-regional-jail"
JEM, TFM = f"{SHERIFF}-jem", f"{SHERIFF}-tfm"
POLICE_TFM, JAIL_WSO = f"{POLICE}-tfm", f"{JAIL}-wso"
MARCH_1 = "participatingAgencies03012025am.xlsx"
MARCH_2 = "pendingAgencies03022025am.xlsx"
APRIL = "participatingAgencies04012025am.xlsx"
MAY = "participatingAgencies05012025am.xlsx"
MOA = "https://www.ice.gov/doclib/287gMOA/"


@pytest.fixture
def loaded(tmp_path):
    """The four fixture lists imported and places resolved."""
    report = import_paths(lists(tmp_path))
    assert not report.errors
    refresh()


@pytest.fixture
def counties(loaded):
    """The sheriff decided into Anderson County (48001); the police serving
    Andrews County (48003) first and Anderson County too."""
    decide(SHERIFF, county_fips="48001", reason="test", decided_by="tests")
    AgencyPlace.objects.filter(agency_id=POLICE).update(
        county_fips="48003", counties=["48003", "48001"]
    )


def get(client, url: str, expect: int = 200, **params: Any) -> dict[str, Any]:
    """GET ``url`` with query ``params``; check the status and the JSON type."""
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def by_id(rows: list[dict[str, Any]], key: str = "agreement_id") -> dict[str, dict]:
    return {row[key]: row for row in rows}


def as_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the API sends them: dates as ISO text."""
    return json.loads(json.dumps(rows, default=str))


def csv_rows(rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, str]]:
    out = io.BytesIO()
    exporters.write(rows, columns, "csv", out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"))))


def as_csv_text(row: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in row.items()}


# -- agreements ---------------------------------------------------------------


def test_agreements_on_the_latest_lists(client, loaded):
    body = get(client, "/api/agreements")
    assert list(body) == ["count", "limit", "offset", "results", "source"]
    assert (body["count"], body["limit"], body["offset"]) == (4, 100, 0)
    assert all(list(row) == reports.AGREEMENT_COLUMNS for row in body["results"])
    rows = by_id(body["results"])
    assert [r["agreement_id"] for r in body["results"]] == [
        POLICE_TFM,
        JEM,
        TFM,
        JAIL_WSO,
    ]
    jem = rows[JEM]
    assert jem["status"] == "participating"
    assert jem["signed_date"] == "2025-04-28"  # renewed on the May list
    assert jem["moa_url"] == MOA + "FixtureCoTX_JEM_renewal.pdf"
    assert (jem["first_listed"], jem["source_file"], jem["source_row"]) == (
        "2025-03-01",
        MAY,
        2,
    )
    assert rows[TFM]["first_listed"] == "2025-04-01"
    assert rows[TFM]["model"] == "TFM"
    police = rows[POLICE_TFM]
    assert (police["status"], police["first_listed"]) == ("participating", "2025-03-02")
    assert (police["county"], police["jurisdiction_level"]) == (
        "Fixture County",
        "municipal",
    )
    jail = rows[JAIL_WSO]
    assert (jail["status"], jail["removed_on"], jail["last_listed"]) == (
        "removed",
        "2025-05-01",
        "2025-04-01",
    )
    assert jail["source_file"] == APRIL
    assert body["source"] == {
        "as_of": None,
        "participating": {
            "as_of": "2025-05-01",
            "file_name": MAY,
            "sha256": body["source"]["participating"]["sha256"],
        },
        "pending": {
            "as_of": "2025-03-02",
            "file_name": MARCH_2,
            "sha256": body["source"]["pending"]["sha256"],
        },
    }
    assert len(body["source"]["participating"]["sha256"]) == 64


def test_agreements_as_of_a_past_date(client, loaded):
    march = get(client, "/api/agreements", as_of="2025-03-15")
    rows = by_id(march["results"])
    assert set(rows) == {JEM, POLICE_TFM, JAIL_WSO}  # no TFM before April
    assert rows[JEM]["signed_date"] == "2020-01-06"  # before the renewal
    assert rows[JEM]["moa_url"] == MOA + "FixtureCoTX_JEM.pdf"
    assert rows[POLICE_TFM]["status"] == "pending"
    assert rows[JAIL_WSO]["status"] == "participating"
    assert march["source"]["as_of"] == "2025-03-15"
    assert march["source"]["participating"]["file_name"] == MARCH_1
    assert march["source"]["pending"]["file_name"] == MARCH_2

    april = get(client, "/api/agreements", as_of="2025-04-30", status="participating")
    assert set(by_id(april["results"])) == {JEM, TFM, POLICE_TFM, JAIL_WSO}
    assert april["source"]["participating"]["file_name"] == APRIL

    before = get(client, "/api/agreements", as_of="2025-02-01")
    assert (before["count"], before["results"]) == (0, [])
    assert before["source"]["participating"] is None
    assert before["source"]["pending"] is None


def test_agreements_filters(client, loaded):
    def ids(**params: Any) -> list[str]:
        return [
            r["agreement_id"]
            for r in get(client, "/api/agreements", **params)["results"]
        ]

    assert ids(as_of="2025-03-15", status="pending") == [POLICE_TFM]
    assert ids(status="participating") == [POLICE_TFM, JEM, TFM]
    assert ids(status="pending") == []
    assert ids(model="TFM") == [POLICE_TFM, TFM]
    assert ids(model="WSO") == [JAIL_WSO]
    assert ids(state="TX") == ids(state="texas") == ids(state="Texas") == ids()
    assert ids(state="CA") == []
    assert ids(state="", status="", model="", county_fips="", as_of="") == ids()


def test_agreements_by_county(client, counties):
    def ids(fips: str) -> list[str]:
        body = get(client, "/api/agreements", county_fips=fips)
        return [r["agreement_id"] for r in body["results"]]

    assert ids("48001") == [POLICE_TFM, JEM, TFM]  # main county or served
    assert ids("48003") == [POLICE_TFM]
    assert ids("06001") == []
    row = get(client, f"/api/agreements/{JEM}")
    assert row["place"]["county_fips"] == "48001"
    assert row["place"]["county_name"] == "Anderson County"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "participating"},
        {"as_of": "2025-03-15"},
        {"as_of": "2025-04-01", "status": "pending"},
        {"state": "TX", "status": "all"},
    ],
)
def test_api_rows_equal_the_csv_export(client, loaded, params):
    body = get(client, "/api/agreements", **params)
    state = {"state": params["state"]} if "state" in params else {}
    export = reports.agreements_as_of(
        date.fromisoformat(params["as_of"]) if "as_of" in params else None,
        params.get("status", "all"),
        **state,
    )
    assert body["results"] == as_json(export)
    assert [as_csv_text(r) for r in body["results"]] == csv_rows(
        export, reports.AGREEMENT_COLUMNS
    )


def test_schemas_have_the_export_columns_in_order():
    assert list(AgreementRow.model_fields) == reports.AGREEMENT_COLUMNS
    assert list(ChangeRow.model_fields) == reports.CHANGE_COLUMNS


# -- pagination ---------------------------------------------------------------


def test_pagination(client, loaded):
    everything = get(client, "/api/agreements")["results"]
    body = get(client, "/api/agreements", limit=2, offset=1)
    assert (body["count"], body["limit"], body["offset"]) == (4, 2, 1)
    assert body["results"] == everything[1:3]
    assert get(client, "/api/agreements", offset=3)["results"] == everything[3:]
    past = get(client, "/api/agreements", offset=10**30)
    assert (past["count"], past["results"]) == (4, [])
    counted = get(client, "/api/agreements", limit=0)
    assert (counted["count"], counted["results"]) == (4, [])

    clamped = get(client, "/api/agreements", limit=100000)
    assert (clamped["limit"], len(clamped["results"])) == (1000, 4)
    assert get(client, "/api/agencies", limit=10**30)["limit"] == 1000
    assert get(client, "/api/changes", limit=2000)["limit"] == 1000

    agencies = get(client, "/api/agencies", limit=1, offset=1)
    assert (agencies["count"], agencies["limit"]) == (3, 1)
    assert [a["id"] for a in agencies["results"]] == [SHERIFF]
    assert get(client, "/api/agencies", offset=10**30)["results"] == []
    changes = get(client, "/api/changes", limit=3, offset=6)
    assert changes["count"] == 9
    assert [c["kind"] for c in changes["results"]] == [
        "signed_date_changed",
        "signed_date_changed",
        "removed",
    ]


@pytest.mark.parametrize("url", ["/api/agreements", "/api/agencies", "/api/changes"])
@pytest.mark.parametrize(
    ("param", "value"), [("limit", "-1"), ("offset", "-1"), ("limit", "ten")]
)
def test_negative_or_bad_page_parameters_are_422(client, url, param, value):
    body = get(client, url, 422, **{param: value})
    assert f"invalid query parameter {param!r}" in body["detail"]
    assert body["errors"][0]["loc"] == ["query", param]


# -- parameter checks -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "name", "words"),
    [
        ("/api/agreements", {"as_of": "2025-4-1"}, "as_of", "YYYY-MM-DD"),
        ("/api/agreements", {"as_of": "2025-02-30"}, "as_of", "not a real date"),
        ("/api/agreements", {"as_of": "1740787200"}, "as_of", "YYYY-MM-DD"),
        ("/api/agreements", {"state": "ZZ"}, "state", "not a US state"),
        ("/api/agreements", {"state": "Narnia"}, "state", "not a US state"),
        ("/api/agreements", {"status": "removed"}, "status", "'participating'"),
        ("/api/agreements", {"model": "287g"}, "model", "'JEM', 'WSO' or 'TFM'"),
        ("/api/agreements", {"county_fips": "4801"}, "county_fips", "5-digit"),
        ("/api/agreements", {"county_fips": "4800x"}, "county_fips", "5-digit"),
        ("/api/agencies", {"state": "x" * 61}, "state", "at most 60"),
        ("/api/agencies", {"level": "city"}, "level", "'municipal'"),
        ("/api/agencies", {"q": "x" * 101}, "q", "at most 100"),
        ("/api/agencies", {"q": "city\x00"}, "q", "control character"),
        ("/api/changes", {"since": "yesterday"}, "since", "YYYY-MM-DD"),
        ("/api/changes", {"until": "2025-13-01"}, "until", "not a real date"),
        ("/api/changes", {"kind": "renewed"}, "kind", "'signed_date_changed'"),
        ("/api/stats", {"as_of": "May 1"}, "as_of", "YYYY-MM-DD"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, url, params, name, words):
    body = get(client, url, 422, **params)
    assert body["detail"].startswith(f"invalid query parameter {name!r}: ")
    assert words in body["detail"]
    assert [e["loc"] for e in body["errors"]] == [["query", name]]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/agreements", "State"),
        ("/api/agreements", "agency__state"),  # an ORM lookup is not a filter
        ("/api/agreements", "_connector"),
        ("/api/agencies", "name__regex"),
        ("/api/stats", "state"),
        (f"/api/agreements/{JEM}", "as_of"),
    ],
)
def test_unknown_parameters_are_refused(client, loaded, url, param):
    body = get(client, url, 422, **{param: "TX"})
    assert body["detail"].startswith(f"invalid query parameter {param!r}: ")
    assert "not a parameter of this endpoint" in body["detail"]


# -- one agreement --------------------------------------------------------------


def test_agreement_detail_has_agency_place_listings_and_events(client, loaded):
    body = get(client, f"/api/agreements/{JEM}")
    assert (body["id"], body["model"], body["status"]) == (JEM, "JEM", "participating")
    assert body["signed_date"] == "2025-04-28"
    assert body["agency"]["id"] == SHERIFF
    assert body["agency"]["name"] == "Fixture County Sheriff's Office"
    assert body["place"]["level"] == "county"
    assert body["place"]["match_status"] == "unresolved"
    assert [
        (x["as_of"], x["status"], x["file_name"], x["signed_date"])
        for x in body["listings"]
    ] == [
        ("2025-03-01", "participating", MARCH_1, "2020-01-06"),
        ("2025-04-01", "participating", APRIL, "2020-01-06"),
        ("2025-05-01", "participating", MAY, "2025-04-28"),
    ]
    first = body["listings"][0]
    assert (first["sheet"], first["row_number"], first["signed_raw"]) == (
        "Sheet1",
        2,
        "2020-01-06",
    )
    assert body["listings"][-1]["moa_url"] == MOA + "FixtureCoTX_JEM_renewal.pdf"
    assert [(e["date"], e["kind"]) for e in body["events"]] == [
        ("2025-03-01", "first_listed"),
        ("2025-05-01", "signed_date_changed"),
    ]
    renewal = body["events"][1]
    assert renewal["details"]["change"] == "renewal"
    assert (renewal["details"]["old"], renewal["details"]["new"]) == (
        "2020-01-06",
        "2025-04-28",
    )
    assert renewal["file_name"] == MAY


def test_promoted_agreement_detail(client, loaded):
    body = get(client, f"/api/agreements/{POLICE_TFM}")
    assert [(x["as_of"], x["status"], x["hidden"]) for x in body["listings"]] == [
        ("2025-03-02", "pending", False),
        ("2025-04-01", "participating", True),  # a hidden row in ICE's sheet
        ("2025-05-01", "participating", False),
    ]
    assert body["listings"][-1]["signed_raw"] == "05/082025"
    assert [(e["date"], e["kind"]) for e in body["events"]] == [
        ("2025-03-02", "first_listed"),
        ("2025-04-01", "promoted"),
        ("2025-05-01", "signed_date_changed"),
    ]
    assert body["events"][1]["details"]["previous_status"] == "pending"
    removed = get(client, f"/api/agreements/{JAIL_WSO}")
    assert (removed["status"], removed["removed_on"]) == ("removed", "2025-05-01")
    assert removed["events"][-1]["kind"] == "removed"


@pytest.mark.parametrize(
    "url",
    [
        "/api/agreements/tx-nowhere-jem",
        "/api/agreements/%27%3B%20DROP%20TABLE",
        "/api/agreements/tx-nowhere%00-jem",
        "/api/agencies/TX-FIXTURE-COUNTY-SHERIFFS-OFFICE",
        "/api/agencies/" + "a" * 131,
        "/api/agencies/tx-nowhere",
        "/api/places/counties/99999",
        "/api/places/counties/00000",
    ],
)
def test_unknown_ids_are_404_with_a_json_message(client, loaded, url):
    body = get(client, url, 404)
    assert body["detail"].startswith("no ")


def test_malformed_county_fips_is_422(client):
    body = get(client, "/api/places/counties/4800", 422)
    assert body["detail"] == (
        "invalid path parameter 'fips': '4800' is not a 5-digit county FIPS code"
    )


# -- agencies -------------------------------------------------------------------


def test_agencies_list_and_filters(client, loaded):
    body = get(client, "/api/agencies")
    assert body["count"] == 3
    assert [a["id"] for a in body["results"]] == [POLICE, SHERIFF, JAIL]
    sheriff = by_id(body["results"], "id")[SHERIFF]
    assert (sheriff["level"], sheriff["match_status"]) == ("county", "unresolved")
    assert [(a["id"], a["status"]) for a in sheriff["agreements"]] == [
        (JEM, "participating"),
        (TFM, "participating"),
    ]
    assert body["source"]["participating"]["file_name"] == MAY

    def ids(**params: Any) -> list[str]:
        return [a["id"] for a in get(client, "/api/agencies", **params)["results"]]

    assert ids(q="CITY") == ids(q="city police") == [POLICE]
    assert ids(q="sheriff's") == [SHERIFF]
    assert ids(q="%") == ids(q="_") == []  # no wildcards
    assert ids(level="other") == [JAIL]
    assert ids(level="county") == [SHERIFF]
    assert ids(state="tx") == ids(q="") == [POLICE, SHERIFF, JAIL]
    assert ids(state="GA") == []


def test_agencies_by_county(client, counties):
    def ids(**params: Any) -> list[str]:
        return [a["id"] for a in get(client, "/api/agencies", **params)["results"]]

    assert ids(county_fips="48001") == [POLICE, SHERIFF]
    assert ids(county_fips="48003") == [POLICE]
    assert ids(county_fips="48001", level="county") == [SHERIFF]


def test_agency_detail(client, loaded):
    body = get(client, f"/api/agencies/{JAIL}")
    assert (body["name"], body["state"]) == ("Testville Regional Jail", "TX")
    assert body["aliases"] == [
        {
            "name": "Testville Regional Jail",
            "match": "exact",
            "first_seen": "2025-03-01",
        }
    ]
    assert [(a["id"], a["status"], a["removed_on"]) for a in body["agreements"]] == [
        (JAIL_WSO, "removed", "2025-05-01")
    ]
    assert body["place"]["match_status"] == "unresolved"
    assert body["place"]["kind"] == "regional_jail"
    assert body["place"]["reason"] == "no county in ICE's COUNTY cell or in the name"


def test_agency_detail_after_a_decision(client, counties):
    place = get(client, f"/api/agencies/{SHERIFF}")["place"]
    assert (place["county_fips"], place["counties"], place["match_status"]) == (
        "48001",
        ["48001"],
        "manual",
    )
    assert place["reason"].startswith("test (tests, ")


# -- counties -------------------------------------------------------------------


def test_county_with_its_agencies_and_agreements(client, counties):
    body = get(client, "/api/places/counties/48001")
    assert body["county"] == {"fips": "48001", "name": "Anderson County", "state": "TX"}
    agencies = by_id(body["agencies"], "id")
    assert list(agencies) == [POLICE, SHERIFF]
    assert agencies[SHERIFF]["main_county"] is True
    assert agencies[POLICE]["main_county"] is False  # serves it; main is 48003
    export = as_json(reports.agreements_as_of())
    assert agencies[SHERIFF]["agreements"] == [
        r for r in export if r["agency_id"] == SHERIFF
    ]
    assert [r["signed_date"] for r in agencies[SHERIFF]["agreements"]] == [
        "2025-04-28",
        "2025-03-20",
    ]
    assert [r["agreement_id"] for r in agencies[POLICE]["agreements"]] == [POLICE_TFM]
    assert body["source"]["participating"]["file_name"] == MAY


def test_county_without_agencies(client, loaded):
    body = get(client, "/api/places/counties/48003")
    assert body["county"]["name"] == "Andrews County"
    assert body["agencies"] == []


def test_state_with_counts_counties_and_statewide_agencies(client, counties):
    # The sheriff read as a state agency: statewide, no county's own.
    AgencyPlace.objects.filter(agency_id=SHERIFF).update(level="state")
    body = get(client, "/api/places/states/tx")
    assert (body["usps"], body["fips"], body["name"]) == ("TX", "48", "Texas")
    export = reports.agreements_as_of()
    assert body["in_force"] == {
        model: sum(
            1 for r in export if r["model"] == model and r["status"] == "participating"
        )
        for model in ("JEM", "WSO", "TFM")
    }
    counties = by_id(body["counties"], "fips")
    assert set(counties) == {"48001", "48003"}
    assert counties["48001"]["in_force"] == {"JEM": 0, "WSO": 0, "TFM": 1}  # police
    assert counties["48003"]["in_force"]["TFM"] == 1  # the police serve it
    assert sorted(r["agreement_id"] for r in body["statewide"]) == [JEM, TFM]
    assert get(client, "/api/places/states/ZZ", expect=404)["detail"]
    assert get(client, "/api/places/states/TX", expect=422, extra="1")


# -- changes and stats ----------------------------------------------------------


def test_changes(client, loaded):
    body = get(client, "/api/changes")
    assert body["count"] == 9
    assert all(list(row) == reports.CHANGE_COLUMNS for row in body["results"])
    assert [(r["date"], r["kind"], r["agreement_id"]) for r in body["results"]] == [
        ("2025-03-01", "first_listed", JEM),
        ("2025-03-01", "first_listed", JAIL_WSO),
        ("2025-03-02", "first_listed", POLICE_TFM),
        ("2025-04-01", "promoted", POLICE_TFM),
        ("2025-04-01", "first_listed", TFM),
        ("2025-04-01", "model_added", TFM),
        ("2025-05-01", "signed_date_changed", POLICE_TFM),
        ("2025-05-01", "signed_date_changed", JEM),
        ("2025-05-01", "removed", JAIL_WSO),
    ]
    renewal = body["results"][7]
    assert (renewal["change"], renewal["old_signed_date"]) == ("renewal", "2020-01-06")
    assert (renewal["new_signed_date"], renewal["source_file"]) == ("2025-04-28", MAY)
    assert renewal["previous_list_date"] == "2025-04-01"
    assert body["results"][0]["previous_list_date"] is None

    removed = get(client, "/api/changes", kind="removed")
    assert [r["agreement_id"] for r in removed["results"]] == [JAIL_WSO]
    window = get(client, "/api/changes", since="2025-03-02", until="2025-04-01")
    assert [r["kind"] for r in window["results"]] == [
        "first_listed",
        "promoted",
        "first_listed",
        "model_added",
    ]
    assert window["source"]["participating"]["file_name"] == APRIL
    promoted = get(client, "/api/changes", kind="promoted", state="Texas")
    assert [r["agreement_id"] for r in promoted["results"]] == [POLICE_TFM]
    assert get(client, "/api/changes", state="FL")["count"] == 0


def test_change_rows_equal_the_export(client, loaded):
    results = get(client, "/api/changes")["results"]
    export = reports.changes()
    assert [as_csv_text(r) for r in results] == csv_rows(export, reports.CHANGE_COLUMNS)


def test_change_kinds_are_the_model_kinds(client):
    schema = get(client, "/api/openapi.json")
    kind = next(
        p
        for p in schema["paths"]["/api/changes"]["get"]["parameters"]
        if p["name"] == "kind"
    )
    enum = next(a["enum"] for a in kind["schema"]["anyOf"] if "enum" in a)
    assert enum == [k for k, _ in Event.KIND_CHOICES]


def test_stats(client, loaded):
    latest = get(client, "/api/stats")
    assert latest["by_model"] == {"participating": {"JEM": 1, "TFM": 2}}
    assert latest["by_state"] == {
        "TX": {"participating:JEM": 1, "participating:TFM": 2}
    }
    assert (latest["participating_list"], latest["pending_list"]) == (
        "2025-05-01",
        "2025-03-02",
    )
    assert latest["source"]["participating"]["file_name"] == MAY
    march = get(client, "/api/stats", as_of="2025-03-15")
    assert march["as_of"] == "2025-03-15"
    assert march["by_model"] == {
        "participating": {"JEM": 1, "WSO": 1},
        "pending": {"TFM": 1},
    }
    assert march["source"]["pending"]["file_name"] == MARCH_2
    json_ready = json.loads(json.dumps(reports.stats(date(2025, 3, 15)), default=str))
    assert {k: v for k, v in march.items() if k != "source"} == json_ready


def test_empty_database(client):
    body = get(client, "/api/agreements")
    assert body == {
        "count": 0,
        "limit": 100,
        "offset": 0,
        "results": [],
        "source": {"as_of": None, "participating": None, "pending": None},
    }
    assert get(client, "/api/stats")["by_model"] == {}


# -- the API as a whole -----------------------------------------------------------


def test_openapi_document_lists_every_endpoint(client):
    schema = get(client, "/api/openapi.json")
    assert schema["openapi"].startswith("3.1.")
    assert schema["info"]["title"] == "Tidewatch API"
    assert schema["info"]["version"] == "1"
    assert set(schema["paths"]) == {
        "/api/agreements",
        "/api/agreements/{agreement_id}",
        "/api/agencies",
        "/api/agencies/{agency_id}",
        "/api/places/counties/{fips}",
        "/api/places/states/{code}",
        "/api/changes",
        "/api/stats",
        "/api/search",
        "/api/documents/search",
        "/api/costs/county/{fips}",
        "/api/costs/agency/{agency_id}",
    }
    for operations in schema["paths"].values():
        assert set(operations) == {"get"}
        assert "422" in operations["get"]["responses"]
    agreements = schema["paths"]["/api/agreements"]["get"]
    assert {p["name"] for p in agreements["parameters"]} == {
        "as_of",
        "status",
        "state",
        "county_fips",
        "model",
        "limit",
        "offset",
    }
    assert "404" in schema["paths"]["/api/agencies/{agency_id}"]["get"]["responses"]


@override_settings(
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.staticfiles",
        "ninja",
    ]
)
def test_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/" in page
    assert "cdn" not in page.lower()
    assert "/api/openapi.json" in page


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
def test_the_api_is_read_only(client, loaded, method):
    response = getattr(client, method)("/api/agreements")
    assert response.status_code == 405
    response = getattr(client, method)(f"/api/agreements/{JEM}")
    assert response.status_code == 405


NASTY = [" ", "null", "\x00", "%", "'", "1e400", "-0", "9" * 5000, "２０２５-01-01"]


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/api/agreements", ["as_of", "status", "state", "county_fips", "model"]),
        ("/api/agencies", ["state", "county_fips", "level", "q"]),
        ("/api/changes", ["since", "until", "state", "kind"]),
        ("/api/stats", ["as_of"]),
    ],
)
def test_no_parameter_value_gives_a_server_error(client, loaded, url, names):
    for name in [*names, "limit", "offset"] if url != "/api/stats" else names:
        for value in NASTY:
            response = client.get(url, {name: value})
            assert response.status_code in (200, 422), (name, value)
            assert response.json()
