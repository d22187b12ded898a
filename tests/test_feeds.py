"""Atom feeds of changes: national, per state, county and agency; ids, escaping."""

from __future__ import annotations

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
    path(
        "feeds/agency/<str:agency_id>.atom", feeds.AgencyFeed(), name="feed-agency"
    ),
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


def tag(agreement: str, kind: str, day: str, sequence: int) -> str:
    return f"tag:tidewatch,2025:event/{agreement}/{kind}/{day}/{sequence}"


def test_national_feed_lists_the_story_newest_first(client, tmp_path):
    import_paths(lists(tmp_path))
    feed = fetch(client, "/feeds/latest.atom")
    items = entries(feed)
    print(*(i["id"] for i in items), sep="\n")
    for i in items:
        print(i)
    assert feed.findtext(A + "updated") == "2025-05-01T00:00:00+00:00"
