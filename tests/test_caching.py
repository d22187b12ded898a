"""Responses carry validators tied to the data version and are cached until the
data changes: conditional GETs get 304s, repeated hits skip the view, an
import changes every ETag, and private or unsafe requests are never cached."""

from __future__ import annotations

import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from tests.test_import import lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.pipeline.rebuild import rebuild
from tidewatch.places import service
from tidewatch.site import caching

pytestmark = pytest.mark.django_db

PAGE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-pages",
        "TIMEOUT": None,
    },
}


@pytest.fixture(autouse=True)
def page_cache(settings):
    """The production cache set-up, emptied for each test."""
    from django.core.cache import caches

    settings.CACHES = PAGE_CACHE
    settings.TIDEWATCH_DATA_VERSION_TTL = 0
    caches["pages"].clear()
    caching.forget_data_version()
    yield caches["pages"]
    caches["pages"].clear()
    caching.forget_data_version()


def test_a_page_is_revalidated_with_304_until_an_import_changes_it(client, tmp_path):
    files = lists(tmp_path)
    import_paths(files[:1])
    first = client.get("/en/")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert first["Last-Modified"]
    assert "participatingAgencies03012025am.xlsx" in first.content.decode()

    again = client.get("/en/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    import_paths(files[2:3])  # the participating list of April 1, 2025
    after = client.get("/en/", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert "participatingAgencies04012025am.xlsx" in after.content.decode()


def test_a_repeated_request_is_answered_from_the_cache(client, tmp_path, settings):
    import_paths(lists(tmp_path))
    with CaptureQueriesContext(connection) as miss:
        first = client.get("/en/")
    with CaptureQueriesContext(connection) as hit:
        second = client.get("/en/")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert len(miss) > 2  # the view counted agreements
    assert len(hit) == 1  # only the data version was read

    settings.TIDEWATCH_DATA_VERSION_TTL = 60
    client.get("/en/")
    with CaptureQueriesContext(connection) as trusted:
        client.get("/en/")
    assert len(trusted) == 0  # a trusted data version: no query at all


def test_if_modified_since_is_answered_from_the_data_version(client, tmp_path):
    import_paths(lists(tmp_path)[:1])
    first = client.get("/en/models/")
    same = client.get("/en/models/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert same.status_code == 304
    older = client.get("/en/models/", HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert older.status_code == 200


def test_compressed_and_plain_replies_hold_the_same_page(client, tmp_path):
    import_paths(lists(tmp_path))
    plain = client.get("/en/")
    packed = client.get("/en/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content)
    refused = client.get("/en/", HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in refused


def test_each_language_and_url_has_its_own_etag(client, tmp_path):
    import_paths(lists(tmp_path))
    english, spanish = client.get("/en/"), client.get("/es/")
    assert english["ETag"] != spanish["ETag"]
    assert '<html lang="es">' in spanish.content.decode()
    assert client.get("/en/models/")["ETag"] != english["ETag"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/agreements",
        "/feeds/latest.atom",
        "/data/agreements.csv",
        "/data/changes.json",
    ],
)
def test_data_feeds_and_api_carry_validators(client, tmp_path, url):
    import_paths(lists(tmp_path))
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_data_version_follows_rebuilds_and_place_decisions(tmp_path):
    import_paths(lists(tmp_path))
    service.refresh()
    imported = caching.data_version()
    service.refresh()  # same data, same places
    assert caching.data_version() == imported
    rebuild()  # history replayed: new listing and event rows
    rebuilt = caching.data_version()
    assert rebuilt != imported
    service.decide(
        "tx-example-city-police-department",
        place="Houston",
        reason="test: a person's decision",
        decided_by="tests",
    )
    assert caching.data_version() != rebuilt


def test_unsafe_admin_and_session_requests_are_never_cached(client, tmp_path):
    import_paths(lists(tmp_path))
    assert "ETag" not in client.post("/en/")
    admin = client.get("/admin/login/")
    assert "ETag" not in admin and "public" not in admin.get("Cache-Control", "")
    client.cookies["sessionid"] = "someone-logged-in"
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/en/")
    assert "ETag" not in page
    assert len(queries) > 1  # rendered for this reader, not taken from the cache


def test_a_response_that_sets_a_cookie_is_not_stored(rf, page_cache):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("hello, with a cookie")
        response.set_cookie("seen", "1")
        return response

    middleware = caching.DataVersionCacheMiddleware(view)
    request = rf.get("/en/anything/")
    request.session = type("Session", (), {"accessed": False})()
    response = middleware(request)
    assert response.cookies["seen"].value == "1"
    assert not page_cache._cache  # nothing kept
