"""Search: agencies, counties, cities and states by name, on SQLite and PostgreSQL.

What a reader relies on: their county is found whether or not it has an
agreement; accents, case, punctuation and typos do not hide a name; an
agency is found under a spelling ICE used before; the page and the API say
what each hit is and link to its page.

Charleston County Sheriff's Office and Holly Hill Police Department are real
names, kept because their names are what is searched for; every other value in
their rows (model, signing date, county) is a fact from ICE's participating
lists. The respelled and the pending agencies are invented and say so.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.utils import translation

from tests.fixtures.workbooks import Q4_HEADER, Row, write_list
from tidewatch.pipeline.importer import import_paths
from tidewatch.places.service import refresh
from tidewatch.search import index
from tidewatch.search.index import fold_words
from tidewatch.search.models import SearchEntry, SearchIndexState
from tidewatch.search.query import search

pytestmark = pytest.mark.django_db

SHERIFF = "sc-charleston-county-sheriffs-office"
RESPELLED = "sc-fixture-county-sheriffs-office"
PENDING = "sc-example-county-sheriffs-office"


def real_rows() -> list[Row]:
    """Two real agencies, each value as on ICE's participating lists."""
    return [
        Row(
            "SOUTH CAROLINA",
            "Charleston County Sheriff's Office",
            "Warrant Service Officer",
            county="Charleston County",
            signed=datetime(2025, 3, 10),
        ),
        Row(
            "SOUTH CAROLINA",
            "Holly Hill Police Department",
            "Task Force Model",
            type="Municipality",
            county="Orangeburg County",
            signed=datetime(2025, 6, 16),
        ),
    ]


def first_list(folder: Path) -> Path:
    return write_list(
        folder / "participatingAgencies07012025am.xlsx",
        [
            *real_rows(),
            Row(
                "SOUTH CAROLINA",
                "Fixture County Sheriff's Office",
                "Warrant Service Officer",
                county="Charleston County",
                signed=datetime(2025, 4, 2),
            ),
        ],
    )


def second_list(folder: Path) -> Path:
    """A month later ICE respells the invented sheriff's office."""
    return write_list(
        folder / "participatingAgencies08012025am.xlsx",
        [
            *real_rows(),
            Row(
                "SOUTH CAROLINA",
                "Fixture Co. Sheriff Office",
                "Warrant Service Officer",
                county="Charleston County",
                signed=datetime(2025, 4, 2),
            ),
        ],
    )


def pending_list(folder: Path) -> Path:
    return write_list(
        folder / "pendingAgencies08022025am.xlsx",
        [
            Row(
                "SOUTH CAROLINA",
                "Example County Sheriff's Office",
                "Jail Enforcement Model",
                county="Berkeley County",
            )
        ],
        Q4_HEADER,
    )


@pytest.fixture(autouse=True)
def _english():
    """Hit URLs are in the active language; an earlier test may leave Spanish on."""
    with translation.override("en"):
        yield


@pytest.fixture
def loaded(tmp_path):
    report = import_paths([first_list(tmp_path), second_list(tmp_path)])
    assert not report.errors
    refresh()
    index.rebuild()


def kinds_and_keys(text: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.key) for hit in search(text)]


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Doña Ana County", "dona ana county"),
        ("Charleston County Sheriff's Office", "charleston county sheriffs office"),
        ("  CHARLESTON   county sheriffs office ", "charleston county sheriffs office"),
        ("St. Lucie", "saint lucie"),
        ("Miami-Dade", "miami dade"),
        ("Sheriff’s", "sheriffs"),  # a curly apostrophe
        ("?!*\"'", ""),
    ],
)
def test_names_and_queries_are_folded_alike(name, folded):
    assert fold_words(name) == folded


def test_charleston_finds_the_county_first_then_the_agency(loaded):
    hits = search("Charleston")
    assert [(h.kind, h.key) for h in hits[:2]] == [
        ("county", "45019"),
        ("agency", SHERIFF),
    ]
    county = hits[0]
    assert county.name == "Charleston County"
    assert county.state_name == "South Carolina"
    assert county.models_in_force == ["WSO"]
    assert county.url == "/en/county/45019/"


def test_the_full_agency_name_finds_it_in_any_case_or_punctuation(loaded):
    for text in (
        "charleston county sheriffs office",
        "Charleston County Sheriff's Office",
        "CHARLESTON COUNTY SHERIFF",
        "Charleston Co. Sheriff's Office",  # "Co." for County
    ):
        hits = search(text)
        assert hits[0].kind == "agency" and hits[0].key == SHERIFF, text
    assert hits[0].url == f"/en/agency/{SHERIFF}/"


def test_an_agency_keeps_the_names_ice_used_before(loaded):
    hit = search("Fixture County Sheriff's Office")[0]
    assert hit.name == "Fixture Co. Sheriff Office"  # ICE's latest spelling
    assert hit.key == RESPELLED and hit.score == 100


@pytest.mark.parametrize(
    "typo", ["Charelston", "charlestn", "charleston county sherifs ofice"]
)
def test_typos_still_find_charleston(loaded, typo):
    keys = kinds_and_keys(typo)
    assert ("county", "45019") in keys[:3] or ("agency", SHERIFF) in keys[:3]
    assert ("agency", SHERIFF) in keys


def test_every_county_is_found_even_without_an_agreement(loaded):
    for text in ("dona ana", "DOÑA ANA COUNTY", "Dona Ana NM"):
        hits = search(text)
        assert (hits[0].kind, hits[0].key) == ("county", "35013"), text
    assert hits[0].has_agreements is False and hits[0].models_in_force == []


def test_places_with_agreements_rank_first(loaded):
    # Thousands of counties match "county"; the two with agreements here
    # (Charleston, and Orangeburg through Holly Hill's police) come first.
    hits = search("county")
    assert {hit.key for hit in hits[:2]} == {"45019", "45075"}
    assert hits[0].has_agreements and hits[1].has_agreements
    assert not hits[2].has_agreements


def test_a_city_of_a_municipal_agency_links_its_city_page(loaded):
    hits = search("holly hill")
    city = next(h for h in hits if h.kind == "city")
    assert city.key == "SC/holly-hill"
    assert city.url == "/en/city/SC/holly-hill/"
    assert city.models_in_force == ["TFM"]
    assert ("agency", "sc-holly-hill-police-department") in kinds_and_keys("holly")


def test_states_by_name_and_code(loaded):
    for text in ("South Carolina", "south carolina", "SC"):
        hit = search(text)[0]
        assert (hit.kind, hit.key) == ("state", "SC"), text
    assert hit.url == "/en/state/SC/"
    assert hit.models_in_force == ["TFM", "WSO"]
    assert search("Puerto Rico")[0].key == "PR"  # territories too


def test_a_fips_code_finds_its_county(loaded):
    assert kinds_and_keys("45019")[0] == ("county", "45019")


@pytest.mark.parametrize("text", ["", "   ", "!!!", "'\"*()-:^", "*", "AND OR NOT"])
def test_empty_or_punctuation_queries_are_not_errors(loaded, text):
    hits = search(text)
    assert isinstance(hits, list)


def test_the_index_follows_new_lists_without_a_manual_rebuild(loaded, tmp_path):
    assert PENDING not in [h.key for h in search("example county sheriff")]
    import_paths([pending_list(tmp_path)])
    refresh()
    hits = search("example county sheriff")
    assert hits[0].key == PENDING
    assert hits[0].models_pending == ["JEM"] and hits[0].models_in_force == []
    county = next(h for h in search("berkeley") if h.key == "45015")
    assert county.has_agreements and county.models_pending == ["JEM"]


def test_rebuild_replaces_the_index(loaded):
    count = SearchEntry.objects.count()
    assert index.rebuild() == count
    assert SearchEntry.objects.count() == count
    assert SearchIndexState.objects.get().entries == count
    assert count > 3000  # every county-equivalent, not only those with lists


def test_search_page_groups_results_and_keeps_the_query(client, loaded):
    page = client.get("/en/search/", {"q": "Charleston"}).content.decode()
    assert 'value="Charleston"' in page  # the header box
    assert '<h2 id="results-county">Counties</h2>' in page
    assert '<h2 id="results-agency">Agencies</h2>' in page
    assert page.index("results-county") < page.index("results-agency")
    assert 'href="/en/county/45019/"' in page
    assert f'href="/en/agency/{SHERIFF}/"' in page
    assert "In force: WSO" in page
    assert "participatingAgencies08012025am.xlsx" in page  # where models come from


def test_search_page_in_spanish(client, loaded):
    page = client.get("/es/search/", {"q": "Charleston"}).content.decode()
    assert '<h2 id="results-county">Condados</h2>' in page
    assert 'href="/es/county/45019/"' in page
    assert "En vigor: WSO" in page
    help_page = client.get("/es/search/").content.decode()
    assert "Escriba el nombre de una agencia" in help_page


def test_search_page_without_a_query_shows_help(client, db):
    response = client.get("/en/search/")
    assert response.status_code == 200
    assert "Type the name of an agency" in response.content.decode()


def test_search_page_with_only_punctuation_says_nothing_matched(client, loaded):
    response = client.get("/en/search/", {"q": "?!*"})
    assert response.status_code == 200
    assert "Nothing matches" in response.content.decode()


def test_search_api(client, loaded):
    body = client.get("/api/search", {"q": "charleston county sheriffs office"}).json()
    assert body["query"] == "charleston county sheriffs office"
    first = body["results"][0]
    assert first["kind"] == "agency" and first["key"] == SHERIFF
    assert first["url"] == f"/en/agency/{SHERIFF}/"
    assert first["models_in_force"] == ["WSO"]
    assert body["count"] == len(body["results"])
    assert client.get("/api/search", {"q": ""}).json()["results"] == []
    limited = client.get("/api/search", {"q": "county", "limit": 3}).json()
    assert limited["count"] == 3


def test_search_api_refuses_unknown_or_bad_parameters(client, db):
    response = client.get("/api/search", {"q": "x", "qq": "y"})
    assert response.status_code == 422
    assert "qq" in response.json()["detail"]
    assert client.get("/api/search", {"q": "x", "limit": 0}).status_code == 422
    assert client.get("/api/search", {"q": "x" * 500}).status_code == 422


def test_the_import_command_leaves_the_index_current(tmp_path):
    from typer.testing import CliRunner

    from tidewatch.cli import app

    result = CliRunner().invoke(app, ["import", str(first_list(tmp_path))])
    assert result.exit_code == 0, result.output
    assert SearchIndexState.objects.get().stamp == index.stamp()
    assert SearchEntry.objects.filter(kind="agency", key=SHERIFF).exists()
