"""The council brief: what a council member reads on it (agreements, cost
range, questions, sources) in English and Spanish, the page, the PDF's
length, and `tidewatch brief`'s files and errors."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import translation
from pypdf import PdfReader
from typer.testing import CliRunner

from tests.test_place_pages import sc_lists
from tidewatch.cli import app
from tidewatch.costmodel import Spread
from tidewatch.costmodel import parameters as params
from tidewatch.costs import records
from tidewatch.costs.estimates import for_county
from tidewatch.costs.models import ParameterRecord
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.publications.models import Publication
from tidewatch.site import brief_pdf, chromium
from tidewatch.site.brief_words import headline, money, net, one_value

pytestmark = pytest.mark.django_db
runner = CliRunner()
CHARLESTON, BERKELEY = "45019", "45015"  # Berkeley County, SC: no agreement
NEEDS_CHROMIUM = pytest.mark.skipif(
    chromium.executable() is None,
    reason="chromium is not installed (apt-get install chromium): the PDF "
    "brief is printed by it",
)


@pytest.fixture
def charleston(tmp_path) -> None:
    """Charleston County, SC: a sheriff's JEM (renewed) and WSO in force, a
    police department's TFM removed, one pending (test_place_pages)."""
    import_paths(sc_lists(tmp_path))
    service.refresh()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def brief(*args) -> object:
    return runner.invoke(app, ["brief", *map(str, args)], catch_exceptions=False)


def latest_list() -> Publication:
    return Publication.objects.filter(kind="participating").order_by("as_of").last()


def test_brief_page_has_agreements_range_questions_and_sources(client, charleston):
    text = page(client, f"/en/county/{CHARLESTON}/brief/")
    assert '<html lang="en">' in text
    assert "<h1>287(g) in Charleston County, SC: a brief for the council</h1>" in text
    assert "Data as of ICE's participating list of April 1, 2025" in text
    # The agreements, with model in words, status and history.
    agreements = text.split('id="b-agreements"')[1].split('id="b-cost"')[0]
    assert "Fixture County Sheriff's Office" in agreements
    assert "Jail Enforcement Model" in agreements
    assert "Warrant Service Officer" in agreements
    assert "Fixture Example Police Department" in agreements
    assert "removed 2025-04-01" in agreements
    assert "2025-03-01: first listed" in agreements
    assert "signing date changed" in agreements  # the JEM's renewal
    # The range of the estimate the cost pages show, in words.
    e = for_county(CHARLESTON).estimate
    cost = text.split('id="b-cost"')[1].split('id="b-outcomes"')[0]
    for amount in (e.local_net.p10, e.local_net.p50, e.local_net.p90):
        assert money(amount) in cost
    assert "Fully allocated cost" in cost
    assert "Not counted: the 2025 federal incentives are for task force" in cost
    # The outcomes: none yet, and what to ask for.
    assert "Tidewatch has no outcome figures for Charleston County yet" in text
    # The article's questions, then the estimate's unknowns.
    questions = text.split('id="b-questions"')[1].split('id="b-sources"')[0]
    assert "in employee hours and in dollars" in questions
    assert "trust between police and the communities they serve" in questions
    assert "<li>How many employees work on the agreement full time?</li>" in questions
    # Sources: the ICE list with its archived file, the method page.
    sources = text.split('id="b-sources"')[1]
    newest = latest_list()
    assert f'href="http://testserver/raw/{newest.raw_file.sha256}/"' in sources
    assert newest.name in sources
    assert "http://testserver/en/about/costs/" in text


def test_brief_page_is_its_own_printable_page(client, charleston):
    text = page(client, f"/en/county/{CHARLESTON}/brief/")
    assert 'href="/static/site/brief.css"' in text
    assert 'class="brand"' not in text  # no site header
    assert 'aria-label="Site"' not in text  # no site navigation
    assert "<script" not in text and "style=" not in text  # CSP


def test_brief_page_in_spanish(client, charleston):
    text = page(client, f"/es/county/{CHARLESTON}/brief/")
    assert '<html lang="es">' in text
    assert "El 287(g) en Charleston County, SC: informe para el concejo" in text
    assert "Resultados hasta ahora" in text
    assert "¿Cuánto cuesta el acuerdo cada año, en horas de empleados y en dólares" in (
        text
    )
    assert "la confianza entre la policía y las comunidades" in text
    assert "¿Cuántos empleados trabajan en el acuerdo a tiempo completo?" in text
    e = for_county(CHARLESTON).estimate
    with translation.override("es"):
        assert money(e.local_net.p50) in text
    assert "The agreements" not in text and "Questions for the council" not in text


def test_brief_page_only_for_a_county_with_an_agreement(client, charleston):
    assert client.get("/en/county/99999/brief/").status_code == 404
    assert client.get(f"/en/county/{BERKELEY}/brief/").status_code == 404
    link = f'href="/en/county/{CHARLESTON}/brief/"'
    assert link in client.get(f"/en/county/{CHARLESTON}/").content.decode()
    assert "/brief/" not in client.get(f"/en/county/{BERKELEY}/").content.decode()


def test_brief_page_shows_the_incremental_view_when_asked(client, charleston):
    allocated = for_county(CHARLESTON).estimate.local_net.p50
    incremental = for_county(CHARLESTON, view="incremental").estimate.local_net.p50
    assert incremental < allocated
    text = page(client, f"/en/county/{CHARLESTON}/brief/?view=incremental")
    assert "Incremental (cash) cost" in text
    assert f"about {money(incremental)} a year" in text
    fallback = page(client, f"/en/county/{CHARLESTON}/brief/?view=bogus")
    assert f"about {money(allocated)} a year" in fallback


def test_a_local_record_is_cited_with_its_source(client, charleston):
    record = ParameterRecord(
        place_kind="county",
        place_key=CHARLESTON,
        parameter="jail_cost_per_day",
        value=132,
        unit="USD/day",
        source="Example County records response (placeholder, not a real record)",
        source_date=date(2025, 6, 1),
    )
    records.store(record, entered_by="test")
    text = page(client, f"/en/county/{CHARLESTON}/brief/")
    assert (
        "From a record of Charleston County, South Carolina: Full cost of a jail "
        "day, $132 a day (Example County records response (placeholder, not a "
        "real record), 2025-06-01)"
    ) in text
    assert "What does a day in the jail cost, on average?" not in text


def test_record_values_are_shown_as_given():
    assert one_value(params.get("jail_cost_per_day"), 132) == "$132 a day"
    assert one_value(params.get("mileage_rate"), 0.67) == "$0.67 a mile"
    assert one_value(params.get("jem_ot_share"), 0.10) == "10%"
    assert one_value(params.get("jem_ot_share"), 0.125) == "12.5%"
    assert one_value(params.get("tfm_officers"), 16) == "16 officers"


def test_amounts_are_rounded_and_never_negative():
    assert money(4_213_507) == "$4.2 million"
    assert money(1_000_000) == "$1 million"
    assert money(8_995) == "$9,000"
    assert money(0.7) == "$0.70"
    assert net(-1_234_567) == "net revenue of $1.2 million"
    assert net(250_000) == "$250,000"


def test_net_revenue_is_said_in_words(charleston):
    e = for_county(CHARLESTON).estimate
    inflow = replace(e, local_net=Spread(-500_000, -900_000, -400_000, 100_000))
    words = headline(inflow)
    assert "a net revenue of about $400,000 a year" in words
    assert "between net revenue of $900,000 and a cost of $100,000" in words
    assert "-" not in words.replace("P10", "")


@NEEDS_CHROMIUM
@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "a brief for the council"), ("es", "informe para el concejo")],
)
def test_pdf_is_one_or_two_pages_naming_the_county(
    charleston, tmp_path, language, words
):
    folder = tmp_path / "briefs"
    folder.mkdir()
    out = folder / f"brief-{language}.pdf"
    result = brief("--county", CHARLESTON, "--language", language, "--output", out)
    assert result.exit_code == 0, result.output
    reader = PdfReader(BytesIO(out.read_bytes()))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Charleston County" in text and words in text
    assert f"wrote {out} ({len(reader.pages)} page" in result.output
    assert [p.name for p in folder.iterdir()] == [out.name]  # no temp file left


def test_html_file_stands_alone(charleston, tmp_path, monkeypatch):
    monkeypatch.setattr(chromium, "executable", lambda: None)  # not needed
    out = tmp_path / "brief.html"
    result = brief("--county", CHARLESTON, "--format", "html", "--output", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "<style>" in text and "@page" in text  # the print stylesheet inside
    assert "brief.css" not in text
    assert "Fixture County Sheriff" in text
    # Without --site-url, nothing links to a site that may not exist.
    assert 'href="/' not in text
    assert f"SHA-256 {latest_list().raw_file.sha256[:12]}" in text


def test_site_url_makes_the_sources_links(charleston, tmp_path):
    out = tmp_path / "brief.html"
    result = brief(
        "--county", CHARLESTON, "--format", "html", "--output", out,
        "--site-url", "https://tidewatch.example.org/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sha = latest_list().raw_file.sha256
    assert f'href="https://tidewatch.example.org/raw/{sha}/"' in out.read_text()


@pytest.mark.parametrize(
    ("fips", "message"),
    [
        ("99999", "'99999' is not a county FIPS code"),
        (BERKELEY, "Berkeley County, SC has no 287(g) agreement in force"),
    ],
)
def test_no_brief_for_unknown_county_or_none_in_force(
    charleston, tmp_path, fips, message
):
    out = tmp_path / "brief.html"
    result = brief("--county", fips, "--format", "html", "--output", out)
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_missing_output_folder_is_a_clear_error(charleston, tmp_path):
    out = tmp_path / "no-such-folder" / "brief.pdf"
    result = brief("--county", CHARLESTON, "--output", out)
    assert result.exit_code == 1
    assert f"the folder {out.parent} does not exist" in result.output


def test_pdf_without_chromium_says_how_to_install_it(charleston, tmp_path, monkeypatch):
    monkeypatch.setattr(chromium, "executable", lambda: None)
    out = tmp_path / "brief.pdf"
    result = brief("--county", CHARLESTON, "--output", out)
    assert result.exit_code == 1
    assert "apt-get install chromium" in result.output
    assert "--format html" in result.output
    assert not out.exists()


def test_failed_pdf_leaves_the_old_file_whole(charleston, tmp_path, monkeypatch):
    folder = tmp_path / "briefs"
    folder.mkdir()
    out = folder / "brief.pdf"
    out.write_bytes(b"the brief of last month")

    def broken(html: str, **kwargs) -> bytes:
        raise brief_pdf.PdfError("chromium could not print the brief")

    monkeypatch.setattr(chromium, "executable", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(brief_pdf, "html_to_pdf", broken)
    result = brief("--county", CHARLESTON, "--output", out)
    assert result.exit_code == 1
    assert "chromium could not print the brief" in result.output
    assert out.read_bytes() == b"the brief of last month"
    assert [p.name for p in folder.iterdir()] == ["brief.pdf"]


def test_a_browser_that_hangs_is_stopped(tmp_path: Path, monkeypatch):
    hangs = tmp_path / "chromium"
    hangs.write_text("#!/bin/sh\nsleep 60\n")
    hangs.chmod(0o755)
    monkeypatch.setattr(chromium, "executable", lambda: str(hangs))
    with pytest.raises(brief_pdf.PdfError, match="did not print the brief within"):
        brief_pdf.html_to_pdf("<!doctype html><title>x</title>", timeout=0.5)


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="stylesheet" href="/static/site/brief.css">',
        # The deployed storage names files by their hash.
        '<link rel="stylesheet" href="/static/site/brief.3f9a1c0d2b4e.css">',
    ],
)
def test_a_file_written_to_disk_carries_its_stylesheet_whatever_its_name(link):
    from tidewatch.site import brief_views

    assert brief_views.STYLESHEET_LINK.fullmatch(link)
