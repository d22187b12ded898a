"""Downloads (/data/...): each format opens, holds the page's rows and the
export's columns, and spreadsheet formulas are neutralised."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from tests.test_import import lists
from tests.test_place_pages import POLICE, SHERIFF, charleston  # noqa: F401
from tidewatch import exporters
from tidewatch.agreements import reports
from tidewatch.agreements.models import Listing
from tidewatch.pipeline.importer import import_paths
from tidewatch.places.geometry import AtlasNotInstalled, MapFiles
from tidewatch.site import geojson

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return response.content


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def read_xlsx(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_county_downloads_hold_the_pages_rows(client, charleston):  # noqa: F811
    page = client.get("/en/county/45019/").content.decode()
    rows = read_csv(client.get("/data/county/45019/agreements.csv"))
    assert list(rows[0]) == reports.AGREEMENT_COLUMNS
    assert {(r["agency_id"], r["model"], r["status"]) for r in rows} == {
        (SHERIFF, "JEM", "participating"),
        (SHERIFF, "WSO", "participating"),
        (POLICE, "TFM", "removed"),
        ("sc-testville-police-department", "TFM", "pending"),
    }
    for row in rows:
        assert f'href="/en/agency/{row["agency_id"]}/"' in page
        assert row["county_fips"] == "45019"
    data = json.loads(body(client.get("/data/county/45019/agreements.json")))
    assert [r["agreement_id"] for r in data] == [r["agreement_id"] for r in rows]
    jem = next(r for r in data if r["model"] == "JEM")
    assert (jem["signed_date"], jem["first_listed"]) == ("2025-03-28", "2025-03-01")
    sheet = read_xlsx(client.get("/data/county/45019/agreements.xlsx"))
    assert sheet[0] == reports.AGREEMENT_COLUMNS
    assert [r[0] for r in sheet[1:]] == [r["agreement_id"] for r in rows]


def test_download_names_say_what_and_when(client, charleston):  # noqa: F811
    response = client.get("/data/state/SC/agreements.xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="tidewatch-agreements-SC-2025-04-01.xlsx"'
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(read_xlsx(response)) == 1 + 4


def test_place_rows_match_the_export(client, tmp_path):
    """The scoped rows the pages use equal ``tidewatch export``'s rows."""
    import_paths(lists(tmp_path))
    out = io.BytesIO()
    exporters.write(
        reports.agreements_as_of(None, "all"), reports.AGREEMENT_COLUMNS, "json", out
    )
    served = json.loads(body(client.get("/data/agreements.json")))
    assert served == json.loads(out.getvalue())
    assert len(served) == 4
    texas = json.loads(body(client.get("/data/state/TX/agreements.json")))
    assert texas == served


def test_formula_like_agency_name_is_neutralised(client, charleston):  # noqa: F811
    Listing.objects.filter(agreement__agency_id=POLICE).update(
        agency_name='=HYPERLINK("http://example.invalid","Fixture")'
    )
    rows = read_csv(client.get("/data/county/45019/agreements.csv"))
    police = next(r for r in rows if r["agency_id"] == POLICE)
    assert police["agency"] == '\'=HYPERLINK("http://example.invalid","Fixture")'
    sheet = read_xlsx(client.get("/data/county/45019/agreements.xlsx"))
    column = sheet[0].index("agency")
    names = [r[column] for r in sheet[1:]]
    assert '\'=HYPERLINK("http://example.invalid","Fixture")' in names
    data = json.loads(body(client.get("/data/county/45019/agreements.json")))
    assert '=HYPERLINK("http://example.invalid","Fixture")' in [
        r["agency"] for r in data
    ]  # JSON keeps the value as ICE wrote it


def test_changes_download_takes_the_pages_filters(client, tmp_path):
    import_paths(lists(tmp_path))
    everything = read_csv(client.get("/data/changes.csv"))
    assert list(everything[0]) == reports.CHANGE_COLUMNS
    assert len(everything) == 9
    assert [r["date"] for r in everything] == sorted(r["date"] for r in everything)
    response = client.get("/data/changes.csv?model=WSO&since=2025-04-01")
    assert response["Content-Disposition"] == (
        'attachment; filename="tidewatch-changes-from-2025-04-01-WSO-2025-05-01.csv"'
    )
    wso = read_csv(response)
    assert [(r["date"], r["kind"]) for r in wso] == [("2025-05-01", "removed")]
    data = json.loads(body(client.get("/data/changes.json?kind=first_listed")))
    assert {r["kind"] for r in data} == {"first_listed"} and len(data) == 4
    expected = [{k: str(v) for k, v in row.items()} for row in reports.changes()]
    assert [{k: str(v) for k, v in row.items()} for row in everything] == expected
    bad = client.get("/data/changes.csv?since=soon")
    assert bad.status_code == 400
    assert b"since: Enter a valid date." in bad.content


def test_agency_downloads(client, tmp_path):
    import_paths(lists(tmp_path))
    agency = "tx-fixture-county-sheriffs-office"
    rows = read_csv(client.get(f"/data/agency/{agency}/agreements.csv"))
    assert [r["model"] for r in rows] == ["JEM", "TFM"]
    events = read_csv(client.get(f"/data/agency/{agency}/events.csv"))
    assert [(r["date"], r["kind"], r["model"]) for r in events] == [
        ("2025-03-01", "first_listed", "JEM"),
        ("2025-04-01", "first_listed", "TFM"),
        ("2025-04-01", "model_added", "TFM"),
        ("2025-05-01", "signed_date_changed", "JEM"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/data/state/ZZ/agreements.csv",
        "/data/county/99999/agreements.csv",
        "/data/county/99999.geojson",
        "/data/agency/tx-no-such-agency/agreements.csv",
        "/data/city/SC/nowhere/agreements.csv",
        "/data/agreements.parquet",
    ],
)
def test_unknown_downloads_are_404(client, charleston, url):  # noqa: F811
    assert client.get(url).status_code == 404


@pytest.fixture
def atlas():
    try:
        MapFiles()
    except AtlasNotInstalled:
        pytest.skip("us-atlas is not installed: run make install (npm)")


def test_geojson_features_carry_the_county_fips(client, charleston, atlas):  # noqa: F811
    response = client.get("/data/counties.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body(response))
    assert collection["type"] == "FeatureCollection"
    assert collection["source"]["participating"]["as_of"] == "2025-04-01"
    (feature,) = collection["features"]  # the only county with an agreement
    assert feature["type"] == "Feature"
    assert feature["properties"]["fips"] == "45019"
    assert feature["properties"]["shape_fips"] == "45019"
    assert feature["properties"]["in_force"] == {"JEM": 1, "WSO": 1, "TFM": 0}
    assert feature["properties"]["pending_total"] == 1
    assert feature["properties"]["url_es"] == "/es/county/45019/"
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ring = feature["geometry"]["coordinates"][0]
    ring = ring[0] if feature["geometry"]["type"] == "MultiPolygon" else ring
    assert ring[0] == ring[-1]
    lon, lat = ring[0]
    assert -80.5 < lon < -79.0 and 32.0 < lat < 33.5  # Charleston, SC
    state = json.loads(body(client.get("/data/state/SC/counties.geojson")))
    assert len(state["features"]) == 46  # every county of South Carolina
    empty = json.loads(body(client.get("/data/county/45015.geojson")))
    assert empty["features"][0]["properties"]["in_force_total"] == 0


def test_geojson_says_which_shape_stands_for_a_newer_county(atlas):
    planning_region = geojson.feature("09110", {})  # Capitol, CT (2022)
    assert planning_region["properties"]["shape_fips"] == "09003"
    assert "planning regions" in planning_region["properties"]["shape_note"]
    assert planning_region["geometry"] is not None
    split = geojson.feature("02201", {})
    assert split["geometry"] is None and split["properties"]["shape_note"]
