"""The home page: the county map and its timeline, the chart of counts over
time, the map's table alternative, search, and the link to every change."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from tests.test_timeline import IN_CHARLESTON, two_lists
from tidewatch.agreements.models import Agreement
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.places.geometry import AtlasNotInstalled, MapFiles
from tidewatch.places.models import AgencyPlace
from tidewatch.site.timeline import counts_over_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path):
    import_paths(two_lists(tmp_path))
    service.refresh()


def page(client, language: str) -> str:
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "es"])
def test_home_has_the_map_its_timeline_and_the_chart(client, imported, language):
    html = page(client, language)
    figure = re.search(r"<figure [^>]*data-map[^>]*>", html).group(0)
    assert 'data-scope="nation"' in figure
    assert 'data-src="/data/map/counties.json"' in figure
    assert f'data-county-url="/{language}/county/00000/"' in figure
    assert re.search(r'<input type="range" id="timeline"', html)
    assert '<label for="timeline">' in html
    assert re.search(r'<svg class="counts-chart"[^>]* role="img"', html)
    # The map's table alternative links each coloured county to its page.
    assert f'<a href="/{language}/county/45019/">Charleston County</a>' in html
    assert f'href="/{language}/changes/"' in html
    assert re.search(
        rf'<form class="home-search"[^>]*action="/{language}/search/"', html
    )
    assert 'id="home-search" type="search" name="q"' in html


def test_chart_table_has_the_numbers_of_each_list(client, imported):
    html = page(client, "en")
    table = html[html.index('<table class="counts-over-time">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table)
    cells = [re.findall(r"<td>(\d+)</td>", row) for row in rows]
    assert cells == [["1", "1", "0", "2"], ["1", "0", "1", "2"]]
    assert ">2025-03-01</a>" in rows[0] and 'href="/raw/' in rows[0]


def test_spanish_home_has_spanish_map_and_chart(client, imported):
    html = page(client, "es")
    assert "Dónde hay acuerdos vigentes" in html
    assert 'data-label-play="Reproducir"' in html
    assert "Acuerdos vigentes por modelo, del 1 de marzo de 2025" in html
    assert "Tabla: el condado con un acuerdo en la lista más reciente" in html


def test_state_agencies_are_listed_apart_from_the_county_map(client, imported):
    AgencyPlace.objects.filter(agency__name=IN_CHARLESTON).update(level="state")
    html = page(client, "en")
    assert "State agency with an agreement (not on the county map)" in html
    agency = AgencyPlace.objects.get(agency__name=IN_CHARLESTON).agency_id
    assert f'<a href="/en/agency/{agency}/">{IN_CHARLESTON}</a>' in html.replace(
        "&#x27;", "'"
    )
    assert 'href="/en/county/45019/"' not in html  # no county is coloured


def test_scripts_are_files_not_inline(client, imported):
    html = page(client, "en")
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "/static/site/map.js" in html
    assert "style=" not in html


def render_include(text: str, language: str = "en") -> str:
    """Render a template snippet as a state or county page would."""
    with translation.override(language):
        request = RequestFactory().get(f"/{language}/")
        return engines["django"].from_string(text).render({}, request)


def test_state_map_include_draws_that_state_with_its_table(imported):
    html = render_include('{% include "site/_map.html" with scope="state" fips="45" %}')
    assert 'data-scope="state" data-fips="45"' in html
    assert '<a href="/en/county/45019/">Charleston County</a>' in html
    assert "The map needs JavaScript" in html  # the no-JS fallback
    other = render_include(
        '{% include "site/_map.html" with scope="state" fips="06" %}'
    )
    assert "/county/45019/" not in other  # only that state's counties


def test_county_map_include_names_the_shape_to_highlight(imported):
    html = render_include(
        '{% include "site/_map.html" with scope="county" fips="45019" %}', "es"
    )
    assert 'data-fips="45019" data-shape="45019"' in html
    assert 'data-county-url="/es/county/00000/"' in html
    assert "<table" not in html  # the county page lists its agencies itself


def test_two_charts_on_one_page_get_their_own_ids(imported):
    snippet = (
        '{% include "site/_counts_chart.html" with points=points %}'
        '{% include "site/_counts_chart.html" with points=points %}'
    )
    html = engines["django"].from_string(snippet).render({"points": counts_over_time()})
    assert re.findall(r'<title id="([^"]+)"', html) == [
        "counts-chart-1-title",
        "counts-chart-2-title",
    ]


def test_connecticut_region_page_says_its_map_shape_is_the_old_county(imported):
    try:
        MapFiles()
    except AtlasNotInstalled:
        pytest.skip("us-atlas is not installed (make install)")
    html = render_include(
        '{% include "site/_map.html" with scope="county" fips="09170" %}'
    )
    assert 'data-fips="09170" data-shape="09009"' in html
    assert "drawn on the old county that holds all or most of it" in html


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "No agreement here was on any of ICE's 2 participating lists, from"),
        ("es", "Ningún acuerdo de este lugar figuró en ninguna de las 2 listas"),
    ],
)
def test_a_place_that_never_had_an_agreement_gets_a_sentence(
    imported, language, sentence
):
    points = counts_over_time(Agreement.objects.none())
    with translation.override(language):
        html = (
            engines["django"]
            .from_string('{% include "site/_counts_chart.html" with points=points %}')
            .render({"points": points})
        )
    assert "<svg" not in html
    assert sentence in html.replace("&#x27;", "'")


def test_an_agency_without_a_county_is_listed_beside_the_map(client, imported):
    AgencyPlace.objects.filter(agency__name=IN_CHARLESTON).update(
        county_fips="", counties=[]
    )
    html = page(client, "es").replace("&#x27;", "'")
    assert "Agencia con un acuerdo pero sin condado (no aparece en el mapa)" in html
    agency = AgencyPlace.objects.get(agency__name=IN_CHARLESTON).agency_id
    assert f'<a href="/es/agency/{agency}/">{IN_CHARLESTON}</a>' in html


def test_home_lists_download_as_csv_json_xlsx_and_geojson(client, imported):
    html = page(client, "en")
    for fmt in ("csv", "json", "xlsx"):
        assert f'href="/data/agreements.{fmt}"' in html
        assert f'href="/data/changes.{fmt}"' in html
    assert 'href="/data/counties.geojson"' in html
    national = client.get("/data/agreements.csv")
    assert national.status_code == 200
    assert b"Fixture County Sheriff" in national.content
