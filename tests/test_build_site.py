"""`tidewatch build-site OUTDIR`: the whole site as files a plain web server
can host, every link resolving, replaced only by a complete build."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from typer.testing import CliRunner

from tests.test_place_pages import SHERIFF, sc_lists
from tidewatch.cli import app
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.publications.models import Publication
from tidewatch.site import queries
from tidewatch.site.static_build import BuildError, build_site

pytestmark = pytest.mark.django_db

HREF = re.compile(r"""\s(?:href|src|action)="([^"]+)\"""")


@pytest.fixture
def charleston(tmp_path) -> list[Path]:
    files = sc_lists(tmp_path / "lists")
    import_paths(files)
    service.refresh()
    return files


def build(outdir: Path, **options) -> None:
    build_site(outdir, workers=1, all_counties=False, **options)


def served(site: Path, url_path: str) -> Path | None:
    """The file a plain static server (nginx, a CDN) answers ``url_path`` with."""
    target = site / unquote(url_path).lstrip("/")
    if url_path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def test_build_writes_pages_in_both_languages_data_feeds_and_sources(
    tmp_path, charleston
):
    out = tmp_path / "public"
    build(out)
    english = (out / "en/county/45019/index.html").read_text()
    assert "287(g) agreements in Charleston County, South Carolina" in english
    spanish = (out / "es/county/45019/index.html").read_text()
    assert '<html lang="es">' in spanish
    assert 'lang="es"' in (out / "es/index.html").read_text()
    assert (
        "Fixture County Sheriff"
        in (out / f"en/agency/{SHERIFF}/index.html").read_text()
    )
    assert (out / f"es/agency/{SHERIFF}/index.html").is_file()
    assert (
        "Fixture County Sheriff"
        in (out / "data/county/45019/agreements.csv").read_text()
    )
    assert (out / "data/county/45019/agreements.xlsx").read_bytes()[:2] == b"PK"
    assert "<feed" in (out / "feeds/latest.atom").read_text()
    assert (out / "feeds/county/45019.atom").is_file()
    assert (out / "static/site/site.css").is_file()
    # The search box of every page leads somewhere (without a server, the
    # search page is written as it is without a query).
    assert (out / "en/search/index.html").is_file()
    assert (out / "es/search/index.html").is_file()
    # The root has no language: a page that sends the reader to one.
    assert 'url=/en/"' in (out / "index.html").read_text()


def test_the_archived_ice_files_are_copied_byte_for_byte(tmp_path, charleston):
    out = tmp_path / "public"
    build(out)
    for source in charleston:
        sha256 = Publication.objects.get(
            raw_file__observations__original_name=source.name
        ).raw_file.sha256
        assert (out / "raw" / sha256 / source.name).read_bytes() == source.read_bytes()
        # /raw/<sha256>/, the address every page links to, leads to the file.
        page = served(out, f"/raw/{sha256}/").read_text()
        assert f'href="/raw/{sha256}/{source.name}"' in page


def test_every_internal_link_of_the_output_resolves_to_a_file(tmp_path, charleston):
    out = tmp_path / "public"
    build(out)
    pages = list(out.rglob("*.html")) + list(out.rglob("*.atom"))
    assert len(pages) > 20
    broken = []
    for page in pages:
        address = "/" + str(page.relative_to(out)).removesuffix("index.html")
        for link in HREF.findall(page.read_text()):
            parts = urlsplit(urljoin(address, html.unescape(link)))
            if parts.netloc not in ("", "localhost"):
                continue
            if not parts.path.startswith("/") or parts.scheme == "mailto":
                continue
            if served(out, parts.path) is None:
                broken.append(f"{address} -> {link}")
    assert broken == []


def test_a_failure_mid_build_names_the_page_and_leaves_outdir_untouched(
    tmp_path, charleston, monkeypatch
):
    out = tmp_path / "web" / "public"
    build(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("the agency's events could not be read")

    monkeypatch.setattr(queries, "events_by_agreement", broken)
    with pytest.raises(BuildError) as failed:
        build(out)
    message = str(failed.value)
    assert f"/en/agency/{SHERIFF}/ (linked from /en/" in message
    assert "500 RuntimeError: the agency's events could not be read" in message
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.parent.iterdir()] == ["public"]  # no leftovers


def test_a_build_replaces_the_previous_one(tmp_path, charleston):
    out = tmp_path / "public"
    build(out)
    stale = out / "en" / "county" / "99999" / "index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("a page from an older build")
    build(out)
    assert not stale.exists()
    assert (out / "en/county/45019/index.html").is_file()


def test_outdir_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "site.html"
    target.write_text("not a folder")
    with pytest.raises(BuildError, match="is a file, not a folder"):
        build(target)
    assert target.read_text() == "not a folder"


def test_outdir_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(BuildError, match="cannot create"):
        build(tmp_path / "file" / "site")


def test_a_folder_that_is_not_a_site_build_is_never_replaced(tmp_path):
    home = tmp_path / "documents"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work")
    with pytest.raises(BuildError, match="other than a Tidewatch site build"):
        build(home)
    assert (home / "thesis.txt").read_text() == "years of work"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_outdir_in_a_read_only_folder_is_refused(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(BuildError, match="is not writable"):
            build(parent / "site")
    finally:
        parent.chmod(0o700)


@pytest.mark.django_db(transaction=True)
def test_forked_workers_render_the_same_site_from_a_snapshot(tmp_path):
    files = sc_lists(tmp_path / "lists")
    import_paths(files)
    service.refresh()
    build_site(tmp_path / "one", workers=1, all_counties=False)
    build_site(tmp_path / "two", workers=2, all_counties=False)
    one = sorted(
        str(p.relative_to(tmp_path / "one")) for p in (tmp_path / "one").rglob("*")
    )
    two = sorted(
        str(p.relative_to(tmp_path / "two")) for p in (tmp_path / "two").rglob("*")
    )
    assert one == two
    page = "en/county/45019/index.html"
    assert (tmp_path / "one" / page).read_text() == (
        tmp_path / "two" / page
    ).read_text()


def test_command_reports_a_bad_outdir_with_exit_status_1(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = CliRunner().invoke(app, ["build-site", str(target)])
    assert result.exit_code == 1
    assert "is a file, not a folder" in result.output
