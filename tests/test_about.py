"""The About and methods page: sources, methods, ICE's data problems counted
in this database, every list with its raw file, and the last runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.pipeline.importer import import_paths
from tidewatch.publications.models import Publication

pytestmark = pytest.mark.django_db

SHERIFF = "Fixture County Sheriff's Office"


def lists(folder: Path) -> list[Path]:
    """A list with a hidden row, a duplicate row and an unreadable row; an
    empty pending list (refused); a list whose signing date needed repair."""
    return [
        write_list(
            folder / "participatingAgencies05012025am.xlsx",
            [
                Row(
                    "SOUTH CAROLINA",
                    SHERIFF,
                    "Warrant Service Officer",
                    signed=datetime(2025, 4, 2),
                ),
                Row(
                    "SOUTH CAROLINA",
                    SHERIFF,
                    "Warrant Service Officer",
                    signed=datetime(2025, 3, 2),
                ),
                Row(
                    "SOUTH CAROLINA",
                    "Example County Sheriff's Office",
                    "Jail Enforcement Model",
                    signed=datetime(2025, 4, 9),
                    hidden=True,
                ),
                Row("", "Testville Police Department", type="Municipality"),
            ],
        ),
        write_list(folder / "pendingAgencies05022025am.xlsx", [], Q4_HEADER),
        write_list(
            folder / "participatingAgencies06012025am.xlsx",
            [
                Row(
                    "SOUTH CAROLINA",
                    SHERIFF,
                    "Warrant Service Officer",
                    signed="05/082025",
                ),
            ],
        ),
    ]


def test_about_before_any_import(client):
    page = client.get("/en/about/").content.decode()
    assert "<h1>About and methods</h1>" in page
    assert "No ICE list has been loaded yet." in page
    assert "No import has run yet." in page
    assert 'href="https://www.ice.gov/identify-and-arrest/287g"' in page


def test_about_lists_every_publication_with_its_raw_file(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/en/about/").content.decode()
    assert Publication.objects.count() == 2  # the empty pending list is refused
    for publication in Publication.objects.select_related("raw_file"):
        assert f'href="/raw/{publication.raw_file.sha256}/"' in page
        assert f'<td class="filename">{publication.name}</td>' in page
    assert '<th scope="row">2025-05-01</th><td>participating</td>' in page
    assert "date in ICE&#x27;s file name" in page  # how each list was dated
    assert "2 lists, oldest first." in page


def test_about_counts_ice_data_problems(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/en/about/").content.decode()
    assert "read like the others: 1 hidden row (lists with hidden rows: 1)" in page
    assert "keeping the latest signing date: 1 duplicate row so far" in page
    assert "kept aside with the reason: 1 row." in page
    assert "repaired where the intent is clear (1 row)" in page
    assert "Files refused: <code>pendingAgencies05022025am.xlsx</code>" in page


def test_about_shows_the_last_run_and_its_result(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/en/about/").content.decode()
    assert "The last update (<code>tidewatch import</code>) finished on" in page
    assert "completed; some files or downloads were refused" in page
    assert "it has not downloaded from ICE's page itself" in page
    assert "total: 3 files, 1 rejected" in page


def test_about_in_spanish(client, tmp_path):
    import_paths(lists(tmp_path))
    page = client.get("/es/about/").content.decode()
    assert '<html lang="es">' in page
    assert '<h2 id="problems">Problemas conocidos en los datos de ICE</h2>' in page
    assert "1 fila oculta" in page
    assert "completada; se rechazaron algunos archivos o descargas" in page
    assert "<td>participantes</td>" in page
    assert 'href="/en/about/" lang="en"' in page
