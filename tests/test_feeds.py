"""Atom feeds of changes: national, per state, county and agency; ids, escaping."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from django.urls import path

from tests.fixtures.workbooks import Row, write_list
from tests.test_import import lists
from tidewatch.agreements.models import Agency, Event
from tidewatch.pipeline.importer import import_paths
from tidewatch.pipeline.rebuild import rebuild
from tidewatch.places import service
from tidewatch.places.models import AgencyPlace
from tidewatch.publications.models import Publication
from tidewatch.site import feeds, views

urlpatterns = [
    path("raw/<str:sha256>/", views.raw_file, name="raw-file"),
    path("feeds/latest.atom", feeds.ChangesFeed(), name="feed-latest"),
    path("feeds/state/<str:state>.atom", feeds.StateFeed(), name="feed-state"),
    path("feeds/county/<str:fips>.atom", feeds.CountyFeed(), name="feed-county"),
    path("feeds/agency/<str:agency_id>.atom", feeds.AgencyFeed(), name="feed-agency"),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_feeds")]

A = "{http://www.w3.org/2005/Atom}"
JEM = "tx-fixture-county-sheriffs-office-jem"
TFM = "tx-fixture-county-sheriffs-office-tfm"
POLICE = "tx-example-city-police-department-tfm"
JAIL = "tx-testville-regional-jail-wso"


def fetch(client, url: str) -> ET.Element:
    """The feed at ``url``, parsed, after checking it is served as Atom."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries(feed: ET.Element) -> list[dict[str, str]]:
    return [
        {
            "title": e.findtext(A + "title"),
            "id": e.findtext(A + "id"),
            "link": e.find(A + "link").get("href"),
            "summary": e.findtext(A + "summary"),
            "updated": e.findtext(A + "updated"),
            "author": e.findtext(f"{A}author/{A}name"),
        }
        for e in feed.iter(A + "entry")
    ]


def tag(agreement: str, kind: str, day: str, _sequence: int, folder: Path) -> str:
    """The expected entry id: agreement, kind and the SHA-256 of the ICE list
    file of that day (found by the date in the fixture file names)."""
    month, dd, year = day[5:7], day[8:10], day[:4]
    (path,) = [p for p in folder.glob("*.xlsx") if f"{month}{dd}{year}" in p.name]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"tag:tidewatch,2025:event/{agreement}/{kind}/{sha}"


STORY = [
    (JAIL, "removed", "2025-05-01", 3),
    (JEM, "signed_date_changed", "2025-05-01", 2),
    (POLICE, "signed_date_changed", "2025-05-01", 1),
    (TFM, "model_added", "2025-04-01", 3),
    (TFM, "first_listed", "2025-04-01", 2),
    (POLICE, "promoted", "2025-04-01", 1),
    (POLICE, "first_listed", "2025-03-02", 1),
    (JAIL, "first_listed", "2025-03-01", 2),
    (JEM, "first_listed", "2025-03-01", 1),
]


def test_national_feed_lists_the_story_newest_first(client, tmp_path):
    files = lists(tmp_path)
    import_paths(files)
    feed = fetch(client, "/feeds/latest.atom")
    assert feed.findtext(A + "updated") == "2025-05-01T00:00:00+00:00"
    assert feed.findtext(A + "id") == "tag:tidewatch,2025:feed/all"
    assert feed.findtext(f"{A}author/{A}name") == "Tidewatch"
    items = entries(feed)
    assert [i["id"] for i in items] == [tag(*event, tmp_path) for event in STORY]
    assert items[1]["title"] == (
        "Fixture County Sheriff's Office (TX): Jail Enforcement Model "
        "signing date changed (renewal: 2020-01-06 -> 2025-04-28)"
    )
    assert items[5]["title"] == (
        "Example City Police Department (TX): Task Force Model "
        "moved from pending to participating"
    )
    assert items[6]["title"].endswith("Task Force Model first listed (pending)")
    newest = Publication.objects.get(as_of="2025-05-01")
    assert items[0]["link"] == f"http://testserver/raw/{newest.raw_file.sha256}/"
    assert items[0]["summary"] == (
        "Found in ICE's participating agencies list as of 2025-05-01, file "
        f"{files[3].name}. Compared with the list as of 2025-04-01, file "
        f"{files[2].name}."
    )
    assert items[0]["updated"] == "2025-05-01T00:00:00+00:00"
    assert {i["author"] for i in items} == {"Tidewatch"}


def test_state_feed_has_only_that_states_changes(client, tmp_path):
    import_paths(lists(tmp_path))
    texas = fetch(client, "/feeds/state/TX.atom")
    assert len(entries(texas)) == len(STORY)
    assert texas.findtext(A + "title") == "Tidewatch: 287(g) changes in Texas"
    empty = fetch(client, "/feeds/state/SC.atom")
    assert entries(empty) == []
    assert empty.findtext(A + "id") == "tag:tidewatch,2025:feed/state/SC"
    assert empty.findtext(A + "updated")  # required by Atom, even when empty


def charleston_list(folder: Path) -> Path:
    return write_list(
        folder / "participatingAgencies06012025am.xlsx",
        [
            Row(
                "SOUTH CAROLINA",
                "Fixture Example Police Department",
                type="Municipality",
                county="Charleston County",
                signed=datetime(2025, 5, 20),
            )
        ],
    )


def test_county_feed_follows_agency_places(client, tmp_path):
    import_paths([charleston_list(tmp_path)])
    service.refresh()
    agency = "sc-fixture-example-police-department"
    assert AgencyPlace.objects.get(agency_id=agency).county_fips == "45019"
    feed = fetch(client, "/feeds/county/45019.atom")
    assert feed.findtext(A + "title") == (
        "Tidewatch: 287(g) changes in Charleston County, South Carolina"
    )
    assert [i["id"] for i in entries(feed)] == [
        tag(f"{agency}-tfm", "first_listed", "2025-06-01", 1, tmp_path)
    ]
    assert entries(fetch(client, "/feeds/county/45015.atom")) == []
    # An agency that also serves the county, with another main county.
    AgencyPlace.objects.filter(agency_id=agency).update(
        county_fips="45015", counties=["45015", "45019"]
    )
    assert len(entries(fetch(client, "/feeds/county/45019.atom"))) == 1
    assert len(entries(fetch(client, "/feeds/county/45015.atom"))) == 1


def test_agency_feed_has_only_that_agency(client, tmp_path):
    import_paths(lists(tmp_path))
    feed = fetch(client, "/feeds/agency/tx-testville-regional-jail.atom")
    assert [i["id"] for i in entries(feed)] == [
        tag(*event, tmp_path) for event in STORY if event[0] == JAIL
    ]
    assert feed.findtext(A + "title") == (
        "Tidewatch: 287(g) changes of Testville Regional Jail (TX)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/state/ZZ.atom",
        "/feeds/state/tx.atom",
        "/feeds/county/99999.atom",
        "/feeds/county/Charleston.atom",
        "/feeds/agency/tx-no-such-agency.atom",
    ],
)
def test_unknown_feeds_are_404(client, tmp_path, url):
    import_paths(lists(tmp_path))
    assert client.get(url).status_code == 404


def test_entry_ids_survive_a_rebuild(client, tmp_path):
    import_paths(lists(tmp_path))
    before = [i["id"] for i in entries(fetch(client, "/feeds/latest.atom"))]
    rows = set(Event.objects.values_list("pk", flat=True))
    rebuild()
    assert not rows & set(Event.objects.values_list("pk", flat=True))
    after = [i["id"] for i in entries(fetch(client, "/feeds/latest.atom"))]
    assert after == before
    assert len(set(after)) == len(after)


def test_text_from_ice_is_escaped(client, tmp_path):
    import_paths(lists(tmp_path))
    name = "Fixture <script>alert(1)</script> & Testville Jail"
    Agency.objects.filter(id="tx-testville-regional-jail").update(name=name)
    Publication.objects.filter(as_of="2025-05-01").update(name="<b>list</b>.xlsx")
    response = client.get("/feeds/state/TX.atom")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; Testville" in response.content
    first = entries(ET.fromstring(response.content))[0]
    assert first["title"].startswith(name + " (TX): ")  # text: escaped once
    assert "file &lt;b&gt;list&lt;/b&gt;.xlsx." in first["summary"]  # type="html"
    assert "<b>" not in first["summary"]
