"""The home page: counts from the latest lists, the source files, the changes."""

from __future__ import annotations

import pytest

from tests.test_import import lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.publications.models import RawFile

pytestmark = pytest.mark.django_db


def test_home_before_any_import_says_how_to_load_data(client):
    page = client.get("/").content.decode()
    assert "No ICE list has been loaded yet" in page
    assert "tidewatch import PATH" in page


def test_home_shows_counts_with_their_source_files(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/").content.decode()
    assert "As of ICE's participating list of <strong>May 1, 2025</strong>" in page
    assert (
        "<strong>3</strong> agreements were in force in 1 state and territory" in page
    )
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
