"""Agreement documents end to end: import from disk, fetch from a stand-in for
ICE, versions, links to agreements, coverage, and bad files among good ones.

The lists are built with ``tests.fixtures.workbooks`` and the PDFs with
``tests.fixtures.pdfs`` (real agencies, invented signers: "Example Signer",
"Fixture Official"). pytest-httpserver stands in for www.ice.gov.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from tests.fixtures.pdfs import write_moa, write_not_a_pdf, write_truncated
from tests.fixtures.workbooks import Row, moa, write_list
from tidewatch.cli import app
from tidewatch.documents.models import AgreementDocument, Document, DocumentPage
from tidewatch.pipeline import document_fetch, documents
from tidewatch.pipeline.document_links import closest_by_date
from tidewatch.pipeline.importer import import_paths
from tidewatch.publications.models import Observation, RawFile

CHARLESTON = "Charleston County Sheriff's Office"
MOA_NAME = "CharlestonCoSheriffsOfficeSC_JEM_MOA_03052025.pdf"
runner = CliRunner()


@pytest.fixture(autouse=True)
def pdf_folder(tmp_path: Path) -> Path:
    (tmp_path / "pdfs").mkdir()
    return tmp_path / "pdfs"


@pytest.fixture
def archive_dir(settings, tmp_path: Path) -> Path:
    settings.ARCHIVE_DIR = tmp_path / "archive"
    return settings.ARCHIVE_DIR


def load_list(tmp_path: Path, rows: list[Row]) -> None:
    path = write_list(tmp_path / "lists" / "participatingAgencies05012026am.xlsx", rows)
    report = import_paths([path], as_of=date(2026, 5, 1))
    assert report.errors == []


def charleston_row(link: str) -> Row:
    return Row(
        state="South Carolina",
        agency=CHARLESTON,
        model="Jail Enforcement Model",
        county="Charleston County",
        signed=date(2025, 3, 5),
        moa=link,
    )


@pytest.mark.django_db
def test_import_links_by_file_name_and_stores_fields_with_pages(
    tmp_path: Path, archive_dir: Path
) -> None:
    load_list(tmp_path, [charleston_row(moa(MOA_NAME))])
    pdf = write_moa(tmp_path / "pdfs" / f"SOUTH_CAROLINA__{MOA_NAME}")

    (report,) = documents.import_paths([tmp_path / "pdfs"])

    assert report.ok, report.line
    assert "signed for the agency by Example Signer" in report.line
    document = Document.objects.get()
    assert document.source_url == moa(MOA_NAME)
    assert document.page_count == 3
    assert set(document.pages.values_list("method", flat=True)) == {"text"}
    fields = document.field_map()
    assert fields["lea_signatory_name"].value == "Example Signer"
    assert fields["lea_signatory_title"].value == "Sheriff"
    assert fields["lea_signed_date"].value == "2025-03-01"
    assert fields["lea_signatory_name"].page == 3
    assert fields["ice_official_name"].value == "Fixture Official"
    assert fields["model"].value == "JEM"
    assert fields["state"].value == "SC"
    link = AgreementDocument.objects.get()
    assert (link.agreement.agency.name, link.how) == (CHARLESTON, "file name")
    (row,) = documents.coverage()
    assert (row.on_file, row.linked, row.missing) == (1, 1, ())
    assert pdf.exists()


@pytest.mark.django_db
def test_a_file_no_list_names_is_linked_by_what_it_says(
    tmp_path: Path, archive_dir: Path
) -> None:
    load_list(tmp_path, [charleston_row(moa(MOA_NAME))])
    write_moa(tmp_path / "scan-from-a-records-request.pdf")

    (report,) = documents.import_paths([tmp_path / "scan-from-a-records-request.pdf"])

    assert report.ok, report.line
    link = AgreementDocument.objects.get()
    assert link.how == "content"
    assert link.agreement.model == "JEM"
    # Read, but not the list's link: coverage still asks for ICE's copy.
    (row,) = documents.coverage()
    assert (row.on_file, row.linked) == (0, 1)


@pytest.mark.django_db
def test_bad_files_are_refused_one_by_one_and_nothing_is_half_stored(
    tmp_path: Path, archive_dir: Path
) -> None:
    folder = tmp_path / "pdfs"
    write_not_a_pdf(folder / "a-picture.pdf")
    write_truncated(folder / "b-cut-short.pdf")
    write_moa(folder / "c-good.pdf")

    reports = documents.import_paths([folder])

    assert [r.ok for r in reports] == [False, False, True]
    assert reports[0].line.startswith("a-picture.pdf: not a PDF")
    assert reports[1].line.startswith("b-cut-short.pdf: truncated")
    assert Document.objects.count() == 1
    assert DocumentPage.objects.count() == 3
    refused = RawFile.objects.filter(status=RawFile.REJECTED)
    assert sorted(r.rejection.split(" ")[0] for r in refused) == ["not", "truncated:"]


@pytest.mark.django_db
def test_the_same_bytes_twice_are_one_document(
    tmp_path: Path, archive_dir: Path
) -> None:
    write_moa(tmp_path / "one.pdf")
    (tmp_path / "copy.pdf").write_bytes((tmp_path / "one.pdf").read_bytes())

    first, second = documents.import_paths(
        [tmp_path / "one.pdf", tmp_path / "copy.pdf"]
    )

    assert first.ok and second.ok
    assert "already on file" in second.line
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_cli_import_exits_1_when_a_file_is_refused(
    tmp_path: Path, archive_dir: Path
) -> None:
    write_moa(tmp_path / "good.pdf")
    write_not_a_pdf(tmp_path / "bad.pdf")

    result = runner.invoke(app, ["documents", "import", str(tmp_path)])

    assert result.exit_code == 1
    assert "bad.pdf: not a PDF" in result.output
    assert "1 of 2 files on file and read" in result.output
    shown = runner.invoke(app, ["documents", "show", str(Document.objects.get().pk)])
    assert "lea_signatory_name: Example Signer [page 3" in shown.output


# --------------------------------------------------------------------------
# fetch


@pytest.fixture
def ice(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    monkeypatch.setenv("TIDEWATCH_DOCUMENT_HOSTS", "127.0.0.1")
    monkeypatch.setenv("TIDEWATCH_FETCH_ALLOW_HTTP", "1")
    monkeypatch.setenv("TIDEWATCH_FETCH_RETRIES", "0")
    monkeypatch.setenv("TIDEWATCH_FETCH_TIMEOUT", "5")
    monkeypatch.setenv("TIDEWATCH_FETCH_DELAY", "2.5")
    return httpserver


def serve_pdf(server: HTTPServer, path: str, content: bytes, etag: str) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(content, content_type="application/pdf", headers={"ETag": etag})

    server.expect_request(path).respond_with_handler(handler)


@pytest.mark.django_db
def test_fetch_downloads_politely_and_keeps_every_version(
    tmp_path: Path, archive_dir: Path, ice: HTTPServer
) -> None:
    url = f"http://127.0.0.1:{ice.port}/doclib/287gMOA/{MOA_NAME}"
    load_list(tmp_path, [charleston_row(url)])
    first = write_moa(tmp_path / "v1.pdf").read_bytes()
    serve_pdf(ice, f"/doclib/287gMOA/{MOA_NAME}", first, '"v1"')
    pauses: list[float] = []

    report = document_fetch.fetch(sleep=pauses.append)

    assert report.errors == []
    assert Document.objects.get().source_url == url
    assert AgreementDocument.objects.get().how == "url"

    # Unchanged: one conditional request, answered 304, nothing new stored.
    again = document_fetch.fetch(sleep=pauses.append)
    assert again.lines == [f"{MOA_NAME}: unchanged (HTTP 304)"]
    assert ice.log[-1][0].headers.get("If-None-Match") == '"v1"'
    assert Document.objects.count() == 1

    # ICE replaces the PDF at the same address: a second version, the first kept.
    ice.clear()
    second = write_moa(tmp_path / "v2.pdf", lea_name="Another Example").read_bytes()
    serve_pdf(ice, f"/doclib/287gMOA/{MOA_NAME}", second, '"v2"')
    document_fetch.fetch(sleep=pauses.append)
    versions = Document.objects.filter(source_url=url).order_by("read_at")
    assert [d.field_map()["lea_signatory_name"].value for d in versions] == [
        "Example Signer",
        "Another Example",
    ]
    assert Observation.objects.filter(source_url=url, via=Observation.SYNC).count() == 2
    assert pauses == []  # one link: no pause needed between requests


@pytest.mark.django_db
def test_fetch_pauses_between_requests_and_refuses_other_hosts(
    tmp_path: Path, archive_dir: Path, ice: HTTPServer
) -> None:
    good = f"http://127.0.0.1:{ice.port}/doclib/287gMOA/good.pdf"
    elsewhere = "https://files.example.org/doclib/287gMOA/elsewhere.pdf"
    load_list(
        tmp_path,
        [
            charleston_row(good),
            Row(
                state="South Carolina",
                agency="Berkeley County Sheriff's Office",
                model="Jail Enforcement Model",
                county="Berkeley County",
                signed=date(2025, 3, 5),
                moa=elsewhere,
            ),
        ],
    )
    serve_pdf(
        ice,
        "/doclib/287gMOA/good.pdf",
        write_moa(tmp_path / "g.pdf").read_bytes(),
        '"g"',
    )
    pauses: list[float] = []

    report = document_fetch.fetch(sleep=pauses.append)

    assert pauses == [2.5]
    assert len(report.failures) == 1
    assert report.failures[0].startswith("elsewhere.pdf:")
    assert "files.example.org" in report.failures[0]
    assert [r.ok for r in report.files] == [True]
    assert [r.path for r, _ in ice.log] == ["/doclib/287gMOA/good.pdf"]


def test_signature_dates_choose_between_agreements_that_share_a_name() -> None:
    # Two agreements an agency name could mean (a renamed agency and a new
    # one under the old name): ICE's signing dates tell them apart.
    matches = [
        ("old-agency-jem", date(2020, 6, 30)),
        ("new-agency-jem", date(2025, 3, 5)),
    ]
    assert (
        closest_by_date(matches, [date(2025, 3, 1), date(2025, 3, 5)])
        == "new-agency-jem"
    )
    assert closest_by_date(matches, [date(2020, 6, 30)]) == "old-agency-jem"
    # No signature date read, or none near ICE's: not linked rather than guessed.
    assert closest_by_date(matches, []) == ""
    assert closest_by_date(matches, [date(2023, 1, 1)]) == ""
    assert closest_by_date([("only-agreement", None)], []) == "only-agreement"
