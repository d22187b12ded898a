"""State, county, city and agency pages: what a resident reads there, and
where each fact came from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.fixtures.workbooks import Q4_HEADER, Row, moa, write_list
from tests.test_import import lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.places.models import AgencyPlace
from tidewatch.publications.models import Publication
from tidewatch.site import queries

pytestmark = pytest.mark.django_db

SC = "SOUTH CAROLINA"
SHERIFF = "sc-fixture-county-sheriffs-office"
POLICE = "sc-fixture-example-police-department"
PENDING = "sc-testville-police-department"


def sc_lists(folder: Path) -> list[Path]:
    """Charleston County (45019): a sheriff whose JEM is renewed and who adds a
    WSO, a police department removed on the second list, one pending."""
    return [
        write_list(
            folder / "participatingAgencies03012025am.xlsx",
            [
                Row(
                    SC,
                    "Fixture County Sheriff's Office",
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=datetime(2025, 2, 10),
                    moa=moa("FixtureCoSC_JEM.pdf"),
                ),
                Row(
                    SC,
                    "Fixture Example Police Department",
                    "Task Force Model",
                    type="Municipality",
                    county="Charleston County",
                    signed=datetime(2025, 2, 20),
                ),
            ],
        ),
        write_list(
            folder / "pendingAgencies03022025am.xlsx",
            [
                Row(
                    SC,
                    "Testville Police Department",
                    "Task Force Model",
                    type="Municipality",
                    county="Charleston County",
                )
            ],
            Q4_HEADER,
        ),
        write_list(
            folder / "participatingAgencies04012025am.xlsx",
            [
                Row(
                    SC,
                    "Fixture County Sheriff's Office",
                    "Jail Enforcement Model",
                    county="Charleston County",
                    signed=datetime(2025, 3, 28),
                    moa=moa("FixtureCoSC_JEM_renewal.pdf"),
                ),
                Row(
                    SC,
                    "Fixture County Sheriffs Office",  # ICE's spelling varies
                    "Warrant Service Officer",
                    county="Charleston County",
                    signed=datetime(2025, 3, 30),
                ),
            ],
        ),
    ]


@pytest.fixture
def charleston(tmp_path) -> list[Path]:
    files = sc_lists(tmp_path)
    import_paths(files)
    service.refresh()
    return files


def latest(kind: str = Publication.PARTICIPATING) -> Publication:
    return Publication.objects.filter(kind=kind).order_by("as_of").last()


def test_county_page_lists_agencies_models_and_sources(client, charleston):
    assert AgencyPlace.objects.get(agency_id=SHERIFF).county_fips == "45019"
    response = client.get("/en/county/45019/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "287(g) agreements in Charleston County, South Carolina" in page
    assert "<strong>2</strong> agreements were in force in Charleston County" in page
    in_force = page.split('id="in-force"')[1].split('id="pending"')[0]
    assert f'href="/en/agency/{SHERIFF}/"' in in_force
    assert ">JEM</abbr>" in in_force and ">WSO</abbr>" in in_force
    assert "2025-03-28" in in_force  # the renewal's signing date
    # The source: the latest list's raw file, by name and date.
    newest = latest()
    assert f'href="/raw/{newest.raw_file.sha256}/"' in page
    assert "participatingAgencies04012025am.xlsx" in page
    pending = page.split('id="pending"')[1].split('id="ended"')[0]
    assert "Testville Police Department" in pending
    ended = page.split('id="ended"')[1].split('id="history"')[0]
    assert "Fixture Example Police Department" in ended
    assert "removed from the participating list (2025-04-01)" in ended
    for link in (
        "/data/county/45019/agreements.csv",
        "/data/county/45019/agreements.xlsx",
        "/data/county/45019.geojson",
        "/feeds/county/45019.atom",
    ):
        assert f'href="{link}"' in page


def test_county_page_has_the_slots_later_issues_fill(client, charleston):
    page = client.get("/en/county/45019/").content.decode()
    for heading in (
        "Documents",
        "What it costs",
        "Who answers for it",
        "Records requests",
    ):
        assert f">{heading}</h2>" in page
    assert "Local net cost (the local budget)" in page
    assert (
        'href="https://www.ice.gov/doclib/287gMOA/FixtureCoSC_JEM_renewal.pdf"'
        in (page.split('id="slot-documents"')[1])
    )


def test_county_without_agreement_says_so_with_the_list(client, charleston):
    response = client.get("/en/county/45015/")  # Berkeley County, SC
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>No 287(g) agreement</strong> in Berkeley County" in page
    assert "<strong>April 1, 2025</strong>" in page
    assert f'href="/raw/{latest().raw_file.sha256}/"' in page
    assert "Agreements in force</h2>" not in page
    # Nothing to download, but a feed to hear when an agreement comes.
    assert "/data/county/45015/agreements" not in page
    assert "No agreement to download" in page
    assert 'href="/feeds/county/45015.atom"' in page


@pytest.mark.parametrize("fips", ["99999", "Charleston", "4501", "45019x"])
def test_unknown_county_is_404(client, charleston, fips):
    assert client.get(f"/en/county/{fips}/").status_code == 404


def test_agency_serving_several_counties_is_on_each(client, charleston):
    AgencyPlace.objects.filter(agency_id=SHERIFF).update(
        county_fips="45019", counties=["45019", "45015"]
    )
    page = client.get("/en/county/45015/").content.decode()
    assert "Fixture County Sheriff&#x27;s Office" in page
    assert "also serves this county" in page


def test_state_page_links_every_county_and_counts(client, charleston):
    page = client.get("/en/state/SC/").content.decode()
    assert "287(g) agreements in South Carolina" in page
    counties = page.split('id="counties"')[1]
    assert 'href="/en/county/45019/">Charleston County</a></th><td>2</td><td>1' in (
        counties
    )
    assert 'href="/en/county/45015/">Berkeley County</a></th><td>0</td>' in counties
    assert 'href="/feeds/state/SC.atom"' in page
    assert client.get("/en/state/ZZ/").status_code == 404
    lower = client.get("/en/state/sc/")
    assert lower.status_code == 301 and lower["Location"] == "/en/state/SC/"


def test_city_page_for_a_municipal_agency(client, charleston):
    AgencyPlace.objects.filter(agency_id=PENDING).update(
        level="municipal", place="Testville"
    )
    response = client.get("/en/city/SC/testville/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "287(g) agreements in Testville, South Carolina" in page
    assert "Testville Police Department" in page
    assert 'href="/en/county/45019/">Charleston County</a>' in page
    assert (
        'href="/en/city/SC/testville/"'
        in client.get("/en/county/45019/").content.decode()
    )
    assert client.get("/en/city/SC/nowhere/").status_code == 404
    assert queries.all_cities() == [("SC", "fixture-example"), ("SC", "testville")]


def test_agency_page_shows_events_in_order_and_raw_rows(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/en/agency/tx-fixture-county-sheriffs-office/").content.decode()
    jem = page.split('id="agreement-JEM"')[1].split('id="agreement-TFM"')[0]
    events = jem.split("<h4>Events</h4>")[1].split("<h4>")[0]
    assert events.index("2025-03-01") < events.index("2025-05-01")
    assert "first listed" in events and "signing date changed" in events
    assert "2020-01-06 → 2025-04-28 (renewal)" in events
    rows = jem.split("Rows in ICE's lists</h4>")[1]
    # As ICE wrote it, misspelling and trailing space included, with sheet and row.
    assert "<td>Jail Enforcment Model </td>" in rows
    assert "Sheet1, 2" in rows
    assert rows.count("<tr>") == 1 + 3  # header + three lists
    assert (
        'href="https://www.ice.gov/doclib/287gMOA/FixtureCoTX_JEM_renewal.pdf"' in jem
    )
    assert "Names ICE used" in page
    assert 'href="/feeds/agency/tx-fixture-county-sheriffs-office.atom"' in page
    for data in ("agreements", "events"):
        assert (
            f'href="/data/agency/tx-fixture-county-sheriffs-office/{data}.xlsx"' in page
        )
    assert client.get("/en/agency/tx-no-such-agency/").status_code == 404


def test_spanish_county_page_is_in_spanish(client, charleston):
    page = client.get("/es/county/45019/").content.decode()
    assert '<html lang="es">' in page
    assert "Acuerdos 287(g) en Charleston County, Carolina del Sur" in page
    assert (
        "Según la lista de participantes de ICE del <strong>1 de abril de 2025" in page
    )
    assert "Acuerdos vigentes</h2>" in page
    assert "Cuánto cuesta</h2>" in page
    assert 'href="/en/county/45019/"' in page  # the language switch


def test_a_state_agency_is_statewide_not_its_headquarters_county(client, charleston):
    """A state agency resolved to the county of its headquarters must not read
    as that county's own agreement, on the page, the feed or the API."""
    AgencyPlace.objects.filter(agency_id=SHERIFF).update(level="state")
    page = client.get("/en/county/45019/").content.decode()
    statewide = page.split('id="statewide"')[1]
    assert f'href="/en/agency/{SHERIFF}/"' in statewide
    assert "No 287(g) agreement" in page  # the county has none of its own
    assert 'id="in-force"' not in page
    assert SHERIFF not in client.get("/feeds/county/45019.atom").content.decode()
    assert SHERIFF not in client.get("/data/counties.geojson").content.decode()
    api = client.get("/api/places/counties/45019").json()
    assert SHERIFF not in {agency["id"] for agency in api["agencies"]}
    # Other counties of the state list it as statewide too.
    assert (
        f'href="/en/agency/{SHERIFF}/"'
        in client.get("/en/county/45015/").content.decode()
    )


def test_state_names_are_spanish_on_spanish_pages(client, charleston):
    spanish = client.get("/es/county/45019/").content.decode()
    assert "Acuerdos 287(g) en Charleston County, Carolina del Sur" in spanish
    assert "South Carolina" not in spanish.split("<main>")[1]
    english = client.get("/en/county/45019/").content.decode()
    assert "Charleston County, South Carolina" in english
    # Data files keep the Census names whatever the page's language.
    assert b"South Carolina" in client.get("/data/county/45019.geojson").content
