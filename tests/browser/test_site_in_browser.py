"""What a reader does in a real browser, on a served import of the corpus.

Facts used here are ICE's: Charleston County, South Carolina (FIPS 45019) and
its sheriff's office are on ICE's participating lists of 2025 and 2026.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tidewatch.places.geometry import crosswalk_to_map

pytestmark = [pytest.mark.corpus]

CHARLESTON = "45019"
MAP = "svg[data-ready='true']"


def coloured_counties(page: Page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "path[data-fips][data-models]:not([data-models=''])",
            "paths => paths.map(p => p.dataset.fips)",
        )
    )


def test_the_map_draws_every_county_with_an_agreement(page: Page, site_url):
    page.goto(f"{site_url}/en/")
    page.wait_for_selector(MAP)
    features = page.request.get(f"{site_url}/data/counties.geojson").json()["features"]
    # The GeoJSON also holds counties whose agreements ended or are pending;
    # the map shows those in force on the latest list.
    expected = {
        crosswalk_to_map(feature["properties"]["fips"])
        for feature in features
        if feature["properties"]["in_force_total"]
    } - {None}
    assert len(expected) > 500  # the corpus' latest list covers hundreds of counties
    assert coloured_counties(page) == expected


def test_clicking_a_county_opens_its_page(page: Page, site_url):
    page.goto(f"{site_url}/en/")
    page.wait_for_selector(MAP)
    page.locator(f"path[data-fips='{CHARLESTON}']").click()
    expect(page).to_have_url(f"{site_url}/en/county/{CHARLESTON}/")
    expect(page.locator("h1")).to_contain_text("Charleston")


def test_the_timeline_replays_the_map(page: Page, site_url):
    page.goto(f"{site_url}/en/")
    page.wait_for_selector(MAP)
    latest = coloured_counties(page)
    label = page.locator("output.map-date").first
    label_before = label.inner_text()
    page.locator("#timeline").fill("0")
    page.locator("#timeline").dispatch_event("input")
    january_2021 = coloured_counties(page)
    assert label.inner_text() != label_before
    # 135 agreements in January 2021 against nearly 1,800 in 2026.
    assert 0 < len(january_2021) < len(latest) / 3


@pytest.mark.parametrize(
    "query", ["Charleston", "charleston county sheriffs office", "Charelston"]
)
def test_search_finds_charleston(page: Page, site_url, query):
    page.goto(f"{site_url}/en/")
    page.get_by_role("searchbox").first.fill(query)
    page.get_by_role("searchbox").first.press("Enter")
    result = page.get_by_role("link", name="Charleston County Sheriff's Office").first
    expect(result).to_be_visible()
    result.click()
    expect(page.locator("h1")).to_contain_text("Charleston County Sheriff")


def test_the_spanish_site_is_in_spanish(page: Page, site_url):
    page.goto(f"{site_url}/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_contain_text("Acuerdos 287(g)")
    page.goto(f"{site_url}/es/county/{CHARLESTON}/")
    expect(page.locator("main")).to_contain_text("Acuerdos por modelo")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{site_url}/en/county/{CHARLESTON}/")


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_downloads_open(page: Page, site_url, fmt):
    page.goto(f"{site_url}/en/county/{CHARLESTON}/")
    link = page.locator(f"a[href$='agreements.{fmt}']").first
    with page.expect_download() as info:
        link.click()
    body = info.value.path().read_bytes()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    elif fmt == "json":
        data = json.loads(body)
        rows = data["agreements"] if isinstance(data, dict) else data
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        header, *values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(header, row, strict=True)) for row in values]
    names = {row["agency"] for row in rows}
    assert "Charleston County Sheriff's Office" in names


PAGES = [
    "",
    "state/SC/",
    f"county/{CHARLESTON}/",
    "agency/{agency}/",
    "documents/{document}/",
    "documents/{document}/diff/{other}/",
    "search/documents/?q=sheriff",
]


def document_ids(page: Page, site_url: str) -> tuple[int, int]:
    """The Autauga and Knox MOAs' numbers, found by searching their text."""
    found = []
    for words in ("Autauga", "Knox"):
        hits = page.request.get(
            f"{site_url}/api/documents/search", params={"q": words}
        ).json()
        found.append(hits["results"][0]["document_id"])
    return found[0], found[1]


def test_a_document_page_shows_who_signed_and_links_the_page(page: Page, site_url):
    autauga, _ = document_ids(page, site_url)
    page.goto(f"{site_url}/en/documents/{autauga}/")
    row = page.locator("tr", has_text="Signed for the local agency by")
    assert "Mark B. Harrell" in row.inner_text()
    row.locator("a").first.click()
    assert page.url.endswith("#page-7")
    assert "Mark" in page.locator("#page-7").inner_text()
    county = page.request.get(f"{site_url}/en/county/01001/").text()
    assert "Mark B. Harrell" in county


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_no_accessibility_violations(page: Page, site_url, axe_source, language, path):
    if "{agency}" in path:
        agencies = page.request.get(
            f"{site_url}/api/agencies", params={"state": "SC", "limit": 1000}
        ).json()["results"]
        sheriff = "Charleston County Sheriff"
        agency = next(a["id"] for a in agencies if a["name"].startswith(sheriff))
        path = path.format(agency=agency)
    if "{document}" in path:
        document, other = document_ids(page, site_url)
        path = path.format(document=document, other=other)
    page.goto(f"{site_url}/{language}/{path}")
    if not path:
        page.wait_for_selector(MAP)
    # evaluate, not a <script> tag: the site's CSP rightly refuses inline scripts.
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert problems == []
