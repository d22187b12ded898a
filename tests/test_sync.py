"""`tidewatch sync` end to end against a local stand-in for ICE's 287(g) page.

pytest-httpserver serves a small ICE-like page and workbooks built with
``tests.fixtures.workbooks`` (invented agencies only). Everything goes through
the real download, archive, sandboxed reader and loader; the assertions look
at the database rows, the archive folder and the report or CLI output.

ICE's file names carry a date that is only believed when the file was first
seen 0-120 days later (``pipeline.dating``), so the tests pin the clock that
``sync`` stamps downloads with to the day after the lists' date.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpcore
import pytest
from django.db import OperationalError
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from tests.fixtures.workbooks import Q4_HEADER, Row, moa, write_list
from tidewatch.agreements.models import Agreement
from tidewatch.cli import app
from tidewatch.pipeline import importer, pinned_http
from tidewatch.pipeline import sync as sync_module
from tidewatch.pipeline.sync import SyncReport, sync
from tidewatch.publications.models import (
    ImportRun,
    Observation,
    Publication,
    RawFile,
)

PAGE_PATH = "/identify-and-arrest/287g"
DOCLIB = "/doclib/about/offices/ero/287g/"
PARTICIPATING = "participatingAgencies05012026am.xlsx"
PENDING = "pendingAgencies05012026am.xlsx"
PARTICIPATING_PATH = DOCLIB + PARTICIPATING
PENDING_PATH = DOCLIB + PENDING
LIST_DATE = date(2026, 5, 1)
# The first sync happens the day after ICE dated the lists.
FIRST_SYNC = datetime(2026, 5, 2, 14, 30, tzinfo=UTC)

# Links on the page that are not workbooks and must never be fetched.
UNRELATED = (
    DOCLIB + "287gFactSheet.pdf",
    DOCLIB + "participatingAgenciesMap.pdf",
    "/about/offices/ero/287g-faq",
    "/doclib/budget/fy2026-tables.xlsx",
)

PARTICIPATING_ROWS = [
    Row(
        state="South Carolina",
        agency="Fixture County Sheriff's Office",
        model="Jail Enforcement Model",
        county="Fixture County",
        signed=date(2025, 3, 4),
        moa=moa("fixture-county-jem.pdf"),
    ),
    Row(
        state="Texas",
        agency="Testville Police Department",
        type="Municipal",
        county="Example County",
        model="Task Force Model",
        signed=date(2025, 4, 2),
        moa=moa("testville-tfm.pdf"),
    ),
]
PENDING_ROWS = [
    Row(
        state="Florida",
        agency="Example County Sheriff's Office",
        model="Warrant Service Officer",
        county="Example County",
    ),
]

runner = CliRunner()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def page_html(*workbook_hrefs: str) -> str:
    """An ICE-like page: workbook links among links that are not workbooks."""
    unrelated = "\n".join(
        f'      <li><a href="{href}">Other document</a></li>' for href in UNRELATED
    )
    workbooks = "\n".join(
        f'      <li><a href="{href}">287(g) list (Excel)</a></li>'
        for href in workbook_hrefs
    )
    return f"""<!DOCTYPE html>
<html lang="en">
  <head><title>Delegation of Immigration Authority Section 287(g)</title></head>
  <body>
    <nav><a href="/">Home</a> <a href="/identify-and-arrest">Identify</a></nav>
    <h1>287(g) Program</h1>
    <ul>
{unrelated}
{workbooks}
    </ul>
  </body>
</html>
"""


@dataclass
class Clock:
    """Stands in for ``django.utils.timezone`` inside ``pipeline.sync``."""

    current: datetime = FIRST_SYNC

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Ice:
    """The local stand-in for www.ice.gov."""

    server: HTTPServer
    participating: bytes
    pending: bytes
    etags: dict[str, str] = field(default_factory=dict)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.port}{path}"

    def serve_page(self, *workbook_hrefs: str) -> None:
        self.server.expect_request(PAGE_PATH).respond_with_data(
            page_html(*workbook_hrefs), content_type="text/html; charset=utf-8"
        )

    def serve_file(self, path: str, content: bytes, etag: str) -> None:
        """Serve ``content`` with an ETag, answering 304 to a matching
        If-None-Match (as ICE's servers do)."""
        self.etags[path] = etag

        def handler(request: Request) -> Response:
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(
                content,
                content_type="application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet",
                headers={
                    "ETag": etag,
                    "Last-Modified": "Fri, 01 May 2026 12:00:00 GMT",
                },
            )

        self.server.expect_request(path).respond_with_handler(handler)

    def serve_both(self) -> None:
        self.serve_page(PARTICIPATING_PATH, PENDING_PATH)
        self.serve_file(PARTICIPATING_PATH, self.participating, '"p-v1"')
        self.serve_file(PENDING_PATH, self.pending, '"q-v1"')

    def paths_requested(self) -> list[str]:
        return [request.path for request, _ in self.server.log]

    def requests_for(self, path: str) -> list[Request]:
        return [request for request, _ in self.server.log if request.path == path]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sync_module, "timezone", SimpleNamespace(now=fake.now))
    return fake


@pytest.fixture
def archive_dir(settings, tmp_path: Path) -> Path:
    settings.ARCHIVE_DIR = tmp_path / "archive"
    return settings.ARCHIVE_DIR


@pytest.fixture
def ice(
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    archive_dir: Path,
    clock: Clock,
) -> Ice:
    monkeypatch.setenv(
        "TIDEWATCH_ICE_PAGE_URL", f"http://127.0.0.1:{httpserver.port}{PAGE_PATH}"
    )
    monkeypatch.setenv("TIDEWATCH_FETCH_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TIDEWATCH_FETCH_ALLOW_HTTP", "1")
    monkeypatch.setenv("TIDEWATCH_FETCH_RETRIES", "1")
    monkeypatch.setenv("TIDEWATCH_FETCH_TIMEOUT", "5")
    built = tmp_path / "built"
    participating = write_list(built / PARTICIPATING, PARTICIPATING_ROWS)
    pending = write_list(built / PENDING, PENDING_ROWS, header=Q4_HEADER)
    return Ice(httpserver, participating.read_bytes(), pending.read_bytes())


def archived_files(archive_dir: Path) -> list[Path]:
    if not archive_dir.exists():
        return []
    return sorted(p for p in archive_dir.rglob("*") if p.is_file())


def cli_sync() -> tuple[int, str]:
    result = runner.invoke(app, ["sync"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, result.output


def file_line(report: SyncReport, name: str) -> str:
    (line,) = [f.line for f in report.files if f.line.startswith(f"{name}:")]
    return line


# --------------------------------------------------------------------------
# 1. First sync


@pytest.mark.django_db
def test_first_sync_imports_both_lists(ice: Ice, archive_dir: Path) -> None:
    ice.serve_both()

    report = sync()

    assert report.errors == []
    assert report.unreachable == ""
    assert [f.ok for f in report.files] == [True, True]
    assert report.lines == [
        f"{PARTICIPATING}: downloaded {len(ice.participating):,} bytes",
        f"{PENDING}: downloaded {len(ice.pending):,} bytes",
    ]
    # Only the page and the two workbooks were fetched, not the other links.
    assert sorted(ice.paths_requested()) == sorted(
        [PAGE_PATH, PARTICIPATING_PATH, PENDING_PATH]
    )

    # Kinds come from the headers; the as-of date from ICE's file name.
    publications = {p.name: p for p in Publication.objects.all()}
    assert set(publications) == {PARTICIPATING, PENDING}
    participating, pending = publications[PARTICIPATING], publications[PENDING]
    assert (participating.kind, participating.header_code) == ("participating", "P4")
    assert (pending.kind, pending.header_code) == ("pending", "Q4")
    for publication in (participating, pending):
        assert publication.as_of == LIST_DATE
        assert publication.as_of_rule == "date in ICE's file name"
    assert (participating.row_count, participating.agreement_count) == (2, 2)
    assert (pending.row_count, pending.agreement_count) == (1, 1)
    assert "as of 2026-05-01" in file_line(report, PARTICIPATING)
    assert "participating list" in file_line(report, PARTICIPATING)
    assert "pending list" in file_line(report, PENDING)

    # The raw bytes are archived unchanged and marked as published.
    assert participating.raw_file.sha256 == sha256(ice.participating)
    assert pending.raw_file.sha256 == sha256(ice.pending)
    for publication, content in (
        (participating, ice.participating),
        (pending, ice.pending),
    ):
        raw = publication.raw_file
        assert raw.status == RawFile.PUBLISHED
        assert raw.first_observed_at == FIRST_SYNC
        assert (archive_dir / raw.path).read_bytes() == content
    assert len(archived_files(archive_dir)) == 2

    # Each download is an Observation with where it came from and the headers.
    observations = {o.original_name: o for o in Observation.objects.all()}
    assert set(observations) == {PARTICIPATING, PENDING}
    seen = observations[PARTICIPATING]
    assert seen.via == Observation.SYNC
    assert seen.source_url == ice.url(PARTICIPATING_PATH)
    assert seen.observed_at == FIRST_SYNC
    assert seen.raw_file == participating.raw_file
    assert seen.http_headers["etag"] == '"p-v1"'
    assert seen.http_headers["last-modified"] == "Fri, 01 May 2026 12:00:00 GMT"
    assert seen.http_headers["content-length"] == str(len(ice.participating))
    assert observations[PENDING].source_url == ice.url(PENDING_PATH)
    assert observations[PENDING].http_headers["etag"] == '"q-v1"'

    # And the agreements themselves.
    agreements = {
        (a.agency.name, a.agency.state, a.model): a
        for a in Agreement.objects.select_related("agency")
    }
    assert set(agreements) == {
        ("Fixture County Sheriff's Office", "SC", "JEM"),
        ("Testville Police Department", "TX", "TFM"),
        ("Example County Sheriff's Office", "FL", "WSO"),
    }
    jem = agreements[("Fixture County Sheriff's Office", "SC", "JEM")]
    assert jem.status == Agreement.PARTICIPATING
    assert jem.signed_date == date(2025, 3, 4)
    assert jem.first_listed == LIST_DATE
    assert jem.moa_url == moa("fixture-county-jem.pdf")
    wso = agreements[("Example County Sheriff's Office", "FL", "WSO")]
    assert wso.status == Agreement.PENDING


@pytest.mark.django_db
def test_cli_sync_prints_a_line_per_file_and_exits_0(ice: Ice) -> None:
    ice.serve_both()

    status, output = cli_sync()

    assert status == 0, output
    assert f"{PARTICIPATING}: participating list as of 2026-05-01" in output
    assert f"{PENDING}: pending list as of 2026-05-01" in output
    assert Publication.objects.count() == 2


# --------------------------------------------------------------------------
# 2. A moved URL


@pytest.mark.django_db
def test_moved_workbook_is_followed_to_its_new_path(ice: Ice) -> None:
    old_path = "/sites/default/files/documents/" + PARTICIPATING
    ice.serve_page(old_path, PENDING_PATH)
    ice.server.expect_request(old_path).respond_with_data(
        "", status=301, headers={"Location": PARTICIPATING_PATH}
    )
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"moved-v1"')
    ice.serve_file(PENDING_PATH, ice.pending, '"q-v1"')

    report = sync()

    assert report.errors == []
    assert ice.paths_requested().count(old_path) == 1
    assert ice.paths_requested().count(PARTICIPATING_PATH) == 1
    publication = Publication.objects.get(name=PARTICIPATING)
    assert publication.kind == Publication.PARTICIPATING
    assert publication.as_of == LIST_DATE
    assert publication.raw_file.sha256 == sha256(ice.participating)
    observation = Observation.objects.get(original_name=PARTICIPATING)
    # The link on the page is what sync followed (and what the next sync
    # asks for again); the headers are those of the response at the new path.
    assert observation.source_url == ice.url(old_path)
    assert observation.final_url == ice.url(PARTICIPATING_PATH)
    assert observation.http_headers["etag"] == '"moved-v1"'
    assert observation.raw_file == publication.raw_file
    assert Publication.objects.filter(name=PENDING).exists()


# --------------------------------------------------------------------------
# 3. 403 on one workbook


@pytest.mark.django_db
def test_forbidden_workbook_is_reported_and_the_other_imported(ice: Ice) -> None:
    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"p-v1"')
    ice.server.expect_request(PENDING_PATH).respond_with_data(
        "Access Denied", status=403
    )

    report = sync()

    assert report.errors == [f"{PENDING}: HTTP 403 Forbidden"]
    assert len(ice.requests_for(PENDING_PATH)) == 1  # a 403 is not retried
    run = ImportRun.objects.get(command="sync")
    assert (run.status, run.errors) == (ImportRun.REFUSED, report.errors)
    assert [p.name for p in Publication.objects.all()] == [PARTICIPATING]
    assert not Observation.objects.filter(original_name=PENDING).exists()
    assert RawFile.objects.count() == 1


@pytest.mark.django_db
def test_cli_sync_names_the_forbidden_workbook_and_exits_1(ice: Ice) -> None:
    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"p-v1"')
    ice.server.expect_request(PENDING_PATH).respond_with_data(
        "Access Denied", status=403
    )

    status, output = cli_sync()

    assert status == 1, output
    assert f"{PARTICIPATING}: participating list as of 2026-05-01" in output
    assert [p.name for p in Publication.objects.all()] == [PARTICIPATING]
    # The user must be told which file failed and why.
    forbidden = [line for line in output.splitlines() if PENDING in line]
    assert forbidden, f"no line names {PENDING}:\n{output}"
    assert any("403" in line for line in forbidden), output


# --------------------------------------------------------------------------
# 4. A truncated download


@pytest.mark.django_db
def test_truncated_workbook_is_refused_and_nothing_archived(
    ice: Ice, archive_dir: Path
) -> None:
    half = ice.pending[: len(ice.pending) // 2]

    def truncated(request: Request) -> Response:
        response = Response(half, content_type="application/octet-stream")
        response.headers["Content-Length"] = str(len(ice.pending))
        return response

    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"p-v1"')
    ice.server.expect_request(PENDING_PATH).respond_with_handler(truncated)

    report = sync()

    (error,) = report.errors
    assert error.startswith(f"{PENDING}: truncated download: got ")
    assert "truncated" in error
    assert f"of {len(ice.pending)} bytes" in error
    assert len(ice.requests_for(PENDING_PATH)) == 2  # retried once, then refused
    # Nothing of the truncated file was kept: no row, no bytes on disk.
    assert not RawFile.objects.filter(sha256__in=[sha256(half), sha256(ice.pending)])
    assert not Observation.objects.filter(original_name=PENDING).exists()
    files = archived_files(archive_dir)
    assert [f.read_bytes() for f in files] == [ice.participating]
    assert not any(f.name.startswith(sha256(half)) for f in files)
    # The other workbook is fine.
    (publication,) = Publication.objects.all()
    assert (publication.name, publication.kind) == (PARTICIPATING, "participating")
    assert file_line(report, PARTICIPATING).startswith(
        f"{PARTICIPATING}: participating list as of 2026-05-01"
    )


# --------------------------------------------------------------------------
# 5. Unchanged files on the second sync


@pytest.mark.django_db
def test_second_sync_with_304_reports_unchanged(ice: Ice, clock: Clock) -> None:
    ice.serve_both()
    first = sync()
    assert first.errors == []
    publications = list(Publication.objects.values_list("pk", flat=True))
    observations = Observation.objects.count()
    clock.advance(days=1)

    second = sync()

    assert second.errors == []
    for path, name in ((PARTICIPATING_PATH, PARTICIPATING), (PENDING_PATH, PENDING)):
        initial, again = ice.requests_for(path)
        assert "If-None-Match" not in initial.headers
        # The conditional request carries the ETag the server sent last time.
        assert again.headers["If-None-Match"] == ice.etags[path]
        assert again.headers["If-Modified-Since"] == "Fri, 01 May 2026 12:00:00 GMT"
        assert f"{name}: unchanged since 2026-05-02 14:30 (HTTP 304)" in second.lines
    assert second.files == []
    assert list(Publication.objects.values_list("pk", flat=True)) == publications
    assert Observation.objects.count() == observations
    assert RawFile.objects.count() == 2


@pytest.mark.django_db
def test_second_sync_with_same_bytes_is_recognised(
    ice: Ice, clock: Clock, archive_dir: Path
) -> None:
    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    # A server that ignores If-None-Match and always sends the whole file.
    ice.server.expect_request(PARTICIPATING_PATH).respond_with_data(
        ice.participating, headers={"ETag": '"p-v1"'}
    )
    ice.server.expect_request(PENDING_PATH).respond_with_data(
        ice.pending, headers={"ETag": '"q-v1"'}
    )
    assert sync().errors == []
    publications = list(Publication.objects.values_list("pk", flat=True))
    archive_before = archived_files(archive_dir)
    clock.advance(days=1)

    second = sync()

    assert second.errors == []
    assert ice.requests_for(PARTICIPATING_PATH)[1].headers["If-None-Match"] == '"p-v1"'
    assert second.lines == [
        f"{PARTICIPATING}: downloaded {len(ice.participating):,} bytes"
        " (same bytes as a file already archived)",
        f"{PENDING}: downloaded {len(ice.pending):,} bytes"
        " (same bytes as a file already archived)",
    ]
    assert [f.line for f in second.files] == [
        f"{PARTICIPATING}: already imported (participating list as of 2026-05-01); "
        "nothing to do",
        f"{PENDING}: already imported (pending list as of 2026-05-01); nothing to do",
    ]
    assert list(Publication.objects.values_list("pk", flat=True)) == publications
    assert RawFile.objects.count() == 2
    assert archived_files(archive_dir) == archive_before
    # One more sighting of each file, stamped with the second sync's time.
    for name in (PARTICIPATING, PENDING):
        sightings = Observation.objects.filter(original_name=name).order_by("pk")
        assert [o.observed_at for o in sightings] == [FIRST_SYNC, clock.current]
        assert len({o.raw_file_id for o in sightings}) == 1
    # The first sighting still dates the file.
    raw = RawFile.objects.get(sha256=sha256(ice.participating))
    assert raw.first_observed_at == FIRST_SYNC


@pytest.mark.django_db
def test_304_for_a_file_archived_but_never_loaded_still_imports_it(
    ice: Ice, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first sync downloads and archives both files, but loading fails
    # (say the database was busy). The importer deliberately leaves such files
    # unmarked "so the next import tries it again"; the next sync must do so
    # even though ICE now answers 304, or the lists are lost until ICE changes
    # the files.
    ice.serve_both()

    def busy(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(importer, "load_publication", busy)
        first = sync()
    assert [f.ok for f in first.files] == [False, False]
    assert "could not be loaded, nothing was written" in first.errors[0]
    assert not Publication.objects.exists()
    assert set(RawFile.objects.values_list("status", flat=True)) == {RawFile.RECEIVED}
    clock.advance(days=1)

    second = sync()

    assert second.errors == []
    assert sorted(Publication.objects.values_list("name", flat=True)) == sorted(
        [PARTICIPATING, PENDING]
    )
    assert Publication.objects.get(name=PARTICIPATING).as_of == LIST_DATE
    assert set(RawFile.objects.values_list("status", flat=True)) == {RawFile.PUBLISHED}


# --------------------------------------------------------------------------
# 6. A redirect off the allowlist


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection httpcore opens, recorded and then made as usual."""
    made: list[tuple[str, int]] = []
    real = httpcore.SyncBackend.connect_tcp

    def record(self: object, host: str, port: int, *args: object, **kw: object):
        made.append((host, port))
        return real(self, host, port, *args, **kw)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", record)
    return made


@pytest.mark.django_db
def test_redirect_to_host_off_the_allowlist_is_refused(
    ice: Ice, connections: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[str] = []
    real_resolve = pinned_http._resolve

    def resolve(host: str, port: int) -> list[str]:
        resolved.append(host)
        return real_resolve(host, port)

    monkeypatch.setattr(pinned_http, "_resolve", resolve)
    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"p-v1"')
    ice.server.expect_request(PENDING_PATH).respond_with_data(
        "", status=302, headers={"Location": "https://evil.example/x.xlsx"}
    )

    report = sync()

    assert report.errors == [
        f"{PENDING}: redirect to https://evil.example/x.xlsx refused: "
        "host evil.example is not on the allowlist (127.0.0.1)"
    ]
    # Connections were made (and recorded), all of them to the local server.
    assert connections
    assert all(host == "127.0.0.1" for host, _ in connections), connections
    assert len(ice.requests_for(PENDING_PATH)) == 1
    assert "evil.example" not in resolved
    assert not Observation.objects.filter(original_name=PENDING).exists()
    assert [p.name for p in Publication.objects.all()] == [PARTICIPATING]


@pytest.mark.django_db
def test_redirect_to_another_local_name_is_not_followed(ice: Ice) -> None:
    # "localhost" reaches this very server: a followed redirect would show up
    # in the server's log.
    ice.serve_page(PARTICIPATING_PATH, PENDING_PATH)
    ice.serve_file(PARTICIPATING_PATH, ice.participating, '"p-v1"')
    target = ice.url("/internal/" + PENDING, host="localhost")
    ice.server.expect_request(PENDING_PATH).respond_with_data(
        "", status=302, headers={"Location": target}
    )
    ice.server.expect_request("/internal/" + PENDING).respond_with_data(ice.pending)

    report = sync()

    assert report.errors == [
        f"{PENDING}: redirect to {target} refused: "
        "host localhost is not on the allowlist (127.0.0.1)"
    ]
    assert "/internal/" + PENDING not in ice.paths_requested()
    assert not RawFile.objects.filter(sha256=sha256(ice.pending)).exists()


# --------------------------------------------------------------------------
# 7. ICE unreachable


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_ice(ice: Ice, closed_port: int, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"http://127.0.0.1:{closed_port}{PAGE_PATH}"
    monkeypatch.setenv("TIDEWATCH_ICE_PAGE_URL", url)
    return url


@pytest.mark.django_db
def test_unreachable_ice_is_reported_not_raised(unreachable_ice: str) -> None:
    report = sync()

    assert report.unreachable.startswith("could not connect: ")
    assert "(after 2 attempts)" in report.unreachable
    (error,) = report.errors
    assert error.startswith(f"ICE's 287(g) page {unreachable_ice}: could not connect")
    assert report.files == []
    assert not Publication.objects.exists()
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_cli_sync_when_ice_is_unreachable(unreachable_ice: str) -> None:
    status, output = cli_sync()

    assert status == 1, output
    assert "ICE could not be reached (could not connect: " in output
    assert "tidewatch import PATH" in output


# --------------------------------------------------------------------------
# 8. A page without workbook links


@pytest.mark.django_db
def test_page_without_workbook_links_is_an_error(ice: Ice) -> None:
    ice.serve_page()

    report = sync()

    assert report.unreachable == ""
    assert report.errors == [
        f"ICE's 287(g) page {ice.url(PAGE_PATH)}: no workbook links found "
        "(has ICE changed the page?)"
    ]
    assert ice.paths_requested() == [PAGE_PATH]
    assert not RawFile.objects.exists()


@pytest.mark.django_db
def test_cli_sync_says_no_workbook_links_were_found(ice: Ice) -> None:
    ice.serve_page()

    status, output = cli_sync()

    assert status == 1, output
    assert "no workbook links found" in output
