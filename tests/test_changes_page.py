"""The changes page: filters narrow the list, pages are paths, bad input is
a clear 400."""

from __future__ import annotations

import re

import pytest

from tests.test_import import lists
from tidewatch.pipeline.importer import import_paths
from tidewatch.site import changes_view

pytestmark = pytest.mark.django_db

JAIL = "Testville Regional Jail"


@pytest.fixture
def texas(tmp_path):
    import_paths(lists(tmp_path))


def rows(page: str) -> list[tuple[str, str, str]]:
    """(list date, change, agency) of each row of the changes table."""
    if "<tbody>" not in page:
        return []
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(
        r'<tr><td class="date"><a href="/raw/[0-9a-f]+/" title="[^"]*">'
        r"([\d-]+)</a></td>"
        r"<td>([^<]*)</td><th scope=\"row\"><a href=\"[^\"]+\">([^<]*)</a>",
        body,
    )


def test_every_change_newest_first(client, texas):
    response = client.get("/en/changes/")
    assert response.status_code == 200
    found = rows(response.content.decode())
    assert len(found) == 9
    dates = [d for d, _, _ in found]
    assert dates == sorted(dates, reverse=True)
    assert found[0] == ("2025-05-01", "removed from the participating list", JAIL)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=TX", 9),
        ("state=SC", 0),
        ("model=WSO", 2),
        ("kind=removed", 1),
        ("kind=first_listed&model=JEM", 1),
        ("since=2025-04-01", 6),
        ("until=2025-03-02", 3),
        ("since=2025-04-01&until=2025-04-01", 3),
    ],
)
def test_filters_narrow_the_list(client, texas, query, expected):
    response = client.get(f"/en/changes/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert len(rows(page)) == expected
    if expected == 0:
        assert "No change matches these filters." in page


def test_filters_are_a_labelled_get_form(client, texas):
    page = client.get("/en/changes/?state=TX").content.decode()
    form = page.split('<form class="filters"')[1].split("</form>")[0]
    assert 'method="get"' in form
    for name in ("since", "until", "state", "model", "kind"):
        assert f'<label for="id_{name}">' in form
        assert f'name="{name}"' in form
    assert '<option value="TX" selected>Texas</option>' in form


def test_pages_are_paths_and_keep_the_filters(client, texas, monkeypatch):
    monkeypatch.setattr(changes_view, "PAGE_SIZE", 4)
    first = client.get("/en/changes/?state=TX").content.decode()
    assert len(rows(first)) == 4
    assert 'href="/en/changes/page/2/?state=TX" rel="next"' in first
    second = client.get("/en/changes/page/2/?state=TX").content.decode()
    assert len(rows(second)) == 4
    assert not set(rows(first)) & set(rows(second))
    assert 'href="/en/changes/?state=TX" rel="prev"' in second
    assert 'href="/en/changes/page/3/?state=TX" rel="next"' in second
    third = client.get("/en/changes/page/3/?state=TX").content.decode()
    assert len(rows(third)) == 1 and 'rel="next"' not in third
    assert client.get("/en/changes/page/4/?state=TX").status_code == 404
    one = client.get("/en/changes/page/1/?state=TX")
    assert one.status_code == 302 and one["Location"] == "/en/changes/?state=TX"


def test_download_links_carry_the_filters(client, texas):
    page = client.get("/en/changes/?model=WSO&since=2025-03-01").content.decode()
    assert 'href="/data/changes.csv?since=2025-03-01&amp;model=WSO"' in page
    assert 'href="/data/changes.xlsx?since=2025-03-01&amp;model=WSO"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "Enter a valid date."),
        ("until=2025-13-01", "Enter a valid date."),
        ("state=Texas", "Select a valid choice."),
        ("model=287g", "Select a valid choice."),
        ("since=2025-05-01&until=2025-03-01", "The start date must not be after"),
    ],
)
def test_bad_filters_are_400_with_a_message(client, texas, query, message):
    response = client.get(f"/en/changes/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    assert "<tbody>" not in page  # no list under an ignored filter


def test_spanish_changes_page(client, texas):
    page = client.get("/es/changes/?kind=removed").content.decode()
    assert "Cambios en las listas 287(g) de ICE" in page
    assert "retirado de la lista de participantes" in page
    assert '<label for="id_since">Desde (fecha de la lista)</label>' in page
    bad = client.get("/es/changes/?since=ayer")
    assert bad.status_code == 400
    assert "Introduzca una fecha válida." in bad.content.decode()
