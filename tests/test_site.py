"""The home page: counts from the latest lists, the source files, the changes."""

from __future__ import annotations

import pytest

from tests.test_import import lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.publications.models import RawFile

pytestmark = pytest.mark.django_db


def test_home_before_any_import_says_how_to_load_data(client):
    page = client.get("/en/").content.decode()
    assert "No ICE list has been loaded yet" in page
    assert "tidewatch import PATH" in page


def test_home_shows_counts_with_their_source_files(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/en/").content.decode()
    assert "As of ICE's participating list of <strong>May 1, 2025</strong>" in page
    assert "<strong>3</strong> agreements were in force in 1 state or territory" in page
    assert "Jail Enforcement Model (JEM)</th><td>1</td>" in page
    assert "participatingAgencies05012025am.xlsx</a>" in page
    assert "Testville Regional Jail" in page  # removed on 2025-05-01
    assert "removed from the participating list" in page


def test_raw_file_download_is_the_archived_bytes(client, tmp_path):
    files = lists(tmp_path)
    import_paths(files[:1])
    raw = RawFile.objects.get()
    response = client.get(f"/raw/{raw.sha256}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files[0].read_bytes()
    assert "attachment" in response["Content-Disposition"]
    assert files[0].name in response["Content-Disposition"]


def test_unknown_raw_file_is_404(client):
    assert client.get("/raw/" + "0" * 64 + "/").status_code == 404


def test_the_root_sends_each_reader_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 302 and response["Location"] == "/es/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == "/en/"


def test_spanish_home_is_in_spanish_with_local_dates(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/es/").content.decode()
    assert '<html lang="es">' in page
    assert "Acuerdos 287(g) en los Estados Unidos" in page
    lede = "Según la lista de participantes de ICE del <strong>1 de mayo de 2025"
    assert lede in page
    assert "retirado de la lista de participantes" in page  # an event, translated
    assert 'href="/en/" lang="en" hreflang="en">English</a>' in page


def test_models_page_in_both_languages(client):
    english = client.get("/en/models/").content.decode()
    spanish = client.get("/es/models/").content.decode()
    assert "ICE ended this model in 2012" in english
    assert "ICE puso fin a este modelo en 2012" in spanish
    assert 'href="/es/models/"' in english


def test_api_and_its_documentation_are_served(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/agreements" in spec["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/" in docs  # Swagger UI from this site, not a CDN
