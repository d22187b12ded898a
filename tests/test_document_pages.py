"""Agreement documents on the site: a document's page (what was read, on which
page, the text), the diff of two versions, who signed on the agency and
county pages, and the signatory columns of the agreements export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from tests.fixtures.workbooks import Row, moa, write_list
from tidewatch.agreements import reports
from tidewatch.cli import app
from tidewatch.documents.models import (
    AgreementDocument,
    Document,
    DocumentField,
    DocumentPage,
)
from tidewatch.pipeline.archive import store
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service
from tidewatch.site import caching

pytestmark = pytest.mark.django_db

SC = "SOUTH CAROLINA"
SHERIFF = "sc-charleston-county-sheriffs-office"
JEM = f"{SHERIFF}-jem"
POLICE = "sc-north-charleston-police-department-tfm"
FIRST_MOA = moa("CharlestonCoSC_JEM_MOA.pdf")
RENEWAL = moa("CharlestonCoSC_JEM_MOA_renewal.pdf")
ADDENDUM = moa("CharlestonCoSC_JEM_addendum.pdf")
POLICE_MOA = moa("NorthCharlestonPDSC_TFM_MOA.pdf")

FIRST_TEXT = """MEMORANDUM OF AGREEMENT
This Memorandum of Agreement constitutes an agreement
between ICE and the Charleston County Sheriff's Office.
Line one of the terms.
Line two of the terms.
Line three of the terms.
Line four of the terms.
Line five of the terms.
Line six of the terms.
This sentence is only in the first version."""
SECOND_TEXT = FIRST_TEXT.replace(
    "This sentence is only in the first version.",
    "This sentence was added in the second version.",
)
SIGNATURES = "Signed for the agency:\nExample Signer\nSheriff\n2/10/2025"


def when(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def add_document(
    agreements: list[str],
    *,
    url: str,
    seen: str,
    pages: list[tuple[str, str]],
    fields: dict[str, tuple[str, int | None, float, str]],
    kind: str = Document.MOA,
) -> Document:
    """A read document, as ``tidewatch documents import`` leaves one: the
    bytes archived, pages (method, text), fields (value, page, confidence,
    note) and its links to agreements."""
    name = url.rsplit("/", 1)[1]
    raw = store(
        f"%PDF-1.4 fixture {name} {seen}".encode(),
        original_name=name,
        observed_at=when(seen),
        source_url=url,
        source_key="ice_moa_pdfs",
    ).raw_file
    document = Document.objects.create(
        raw_file=raw,
        kind=kind,
        source_url=url,
        file_name=name,
        page_count=len(pages),
        ocr_pages=sum(method == "ocr" for method, _ in pages),
        text_reader="pdftotext",
        read_seconds=0.1,
        read_at=when(seen),
    )
    for number, (method, text) in enumerate(pages, 1):
        DocumentPage.objects.create(
            document=document, number=number, method=method, text=text
        )
    for field, (value, page, confidence, note) in fields.items():
        DocumentField.objects.create(
            document=document,
            name=field,
            value=value,
            page=page,
            confidence=confidence,
            note=note,
        )
    for agreement in agreements:
        AgreementDocument.objects.create(
            agreement_id=agreement, document=document, how=AgreementDocument.BY_URL
        )
    return document


@pytest.fixture
def charleston(tmp_path):
    """Charleston County (45019): the sheriff's JEM, first signed in 2025 and
    renewed in 2026 with an addendum, and a police department's TFM whose
    MOA Tidewatch has not archived. On file: two versions of the first MOA
    (the file at ICE's address changed) and the renewal."""
    sheriff = "Charleston County Sheriff's Office"
    police = "North Charleston Police Department"
    import_paths(
        [
            write_list(
                tmp_path / "participatingAgencies03012025am.xlsx",
                [
                    Row(
                        SC,
                        sheriff,
                        "Jail Enforcement Model",
                        county="Charleston County",
                        signed=datetime(2025, 2, 12),
                        moa=FIRST_MOA,
                    ),
                    Row(
                        SC,
                        police,
                        "Task Force Model",
                        type="Municipality",
                        county="Charleston County",
                        signed=datetime(2025, 2, 20),
                        moa=POLICE_MOA,
                    ),
                ],
            ),
            write_list(
                tmp_path / "participatingAgencies02012026am.xlsx",
                [
                    Row(
                        SC,
                        sheriff,
                        "Jail Enforcement Model",
                        county="Charleston County",
                        signed=datetime(2026, 1, 8),
                        moa=RENEWAL,
                        addendum=ADDENDUM,
                    ),
                    Row(
                        SC,
                        police,
                        "Task Force Model",
                        type="Municipality",
                        county="Charleston County",
                        signed=datetime(2025, 2, 20),
                        moa=POLICE_MOA,
                    ),
                ],
            ),
        ]
    )
    service.refresh()
    signer = {
        "model": ("JEM", 1, 1.0, ""),
        "lea_signatory_name": ("Example Signer", 2, 0.9, ""),
        "lea_signatory_title": ("Sheriff", 2, 0.9, ""),
        "lea_signed_date": ("2025-02-10", 2, 0.6, ""),
        "ice_official_name": ("", None, 0.0, "handwritten: not read"),
    }
    first = add_document(
        [JEM],
        url=FIRST_MOA,
        seen="2025-03-01",
        pages=[("text", FIRST_TEXT), ("ocr", SIGNATURES)],
        fields=signer,
    )
    second = add_document(
        [JEM],
        url=FIRST_MOA,
        seen="2025-06-01",
        pages=[("text", SECOND_TEXT), ("ocr", SIGNATURES)],
        fields={**signer, "lea_signed_date": ("2025-02-11", 2, 0.3, "")},
    )
    renewal = add_document(
        [JEM],
        url=RENEWAL,
        seen="2026-02-01",
        pages=[("text", FIRST_TEXT), ("text", "Example Renewal Signer")],
        fields={
            "document_type": ("renewal", 1, 1.0, ""),
            "lea_signatory_name": ("Example Renewal Signer", 2, 0.9, ""),
            "lea_signatory_title": ("Sheriff", 2, 0.9, ""),
            "lea_signed_date": ("2026-01-05", 2, 0.9, ""),
            "ice_official_name": ("Fixture Official", 2, 0.9, ""),
        },
    )
    return {"first": first, "second": second, "renewal": renewal}


def test_document_page_shows_fields_with_their_pages(client, charleston):
    document = charleston["first"]
    response = client.get(f"/en/documents/{document.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Charleston County Sheriff&#x27;s Office: Memorandum of Agreement" in page
    assert "version 1 of 2" in page
    row = page.split("Signed for the local agency by</th>")[1].split("</tr>")[0]
    assert "Example Signer" in row
    assert '<a href="#page-2">2</a>' in row
    assert "<td>high</td>" in row
    date_row = page.split("Date of the local signature</th>")[1].split("</tr>")[0]
    assert "Feb. 10, 2025" in date_row and "<td>medium</td>" in date_row
    # The pages it links to are on the page, each saying how it was read.
    first_page = page.split('id="page-1"')[1].split("</section>")[0]
    assert "text layer" in first_page and "Line six of the terms." in first_page
    second_page = page.split('id="page-2"')[1].split("</section>")[0]
    assert "OCR (may contain reading errors)" in second_page
    assert "Example Signer" in second_page


def test_a_missing_value_says_why(client, charleston):
    page = client.get(f"/en/documents/{charleston['first'].pk}/").content.decode()
    row = page.split("Signed for ICE by</th>")[1].split("</tr>")[0]
    assert "not read" in row and "handwritten: not read" in row
    assert "Fixture Official" not in row


def test_document_page_links_the_pdf_ice_and_the_agreement(client, charleston):
    document = charleston["second"]
    page = client.get(f"/en/documents/{document.pk}/").content.decode()
    assert f'href="/raw/{document.raw_file.sha256}/"' in page
    assert "Download the archived PDF (CharlestonCoSC_JEM_MOA.pdf)" in page
    assert f'href="{FIRST_MOA}" rel="external noopener"' in page
    assert f'href="/en/agency/{SHERIFF}/#agreement-JEM"' in page
    assert "version 2 of 2" in page
    # The other version and the renewal, each with a diff, older first.
    first, renewal = charleston["first"], charleston["renewal"]
    assert f'href="/en/documents/{first.pk}/diff/{document.pk}/"' in page
    assert f'href="/en/documents/{document.pk}/diff/{renewal.pk}/"' in page
    # The archived bytes download.
    download = client.get(f"/raw/{document.raw_file.sha256}/")
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.4")


def test_document_page_in_spanish(client, charleston):
    page = client.get(f"/es/documents/{charleston['first'].pk}/").content.decode()
    assert '<html lang="es">' in page
    assert "Memorando de Acuerdo (MOA)" in page
    assert "versión 1 de 2" in page
    assert "Descargar el PDF archivado" in page
    assert "Firmó en nombre de la agencia local</th>" in page
    assert "<td>alta</td>" in page
    assert "10 de febrero de 2025" in page
    assert "no leído" in page
    assert "OCR (puede contener errores de lectura)" in page
    assert "capa de texto" in page
    assert 'href="/en/documents/' in page  # the language switch


def test_diff_shows_added_and_removed_lines(client, charleston):
    first, second = charleston["first"], charleston["second"]
    response = client.get(f"/en/documents/{first.pk}/diff/{second.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    # The changed line on each side, with only the words that changed marked.
    assert "This sentence <del>is only</del> in the <del>first</del> version." in page
    assert "This sentence <ins>was added</ins> in the <ins>second</ins> version." in (
        page
    )
    assert 'class="diff-added"' in page and 'class="diff-removed"' in page
    assert "1 line added" in page and "1 line removed" in page
    # The unchanged lines before the change are collapsed, two kept as context.
    assert "7 unchanged lines" in page
    assert "Line five of the terms." in page and "MEMORANDUM" not in page
    assert "style=" not in page
    # The facts that differ: only the local signature's date.
    facts = page.split('id="changed-fields"')[1].split("</section>")[0]
    assert "Date of the local signature" in facts
    assert "Feb. 10, 2025" in facts and "Feb. 11, 2025" in facts
    assert "Signed for the local agency by" not in facts
    # Asked the other way round, it is still older -> newer.
    reverse = client.get(f"/en/documents/{second.pk}/diff/{first.pk}/")
    assert "<ins>was added</ins>" in reverse.content.decode()
    spanish = client.get(f"/es/documents/{first.pk}/diff/{second.pk}/").content
    assert "7 líneas sin cambios" in spanish.decode()
    assert "1 línea agregada" in spanish.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/en/documents/999999/",
        "/es/documents/999999/",
        "/en/documents/{first}/diff/999999/",
        "/en/documents/999999/diff/{first}/",
        "/en/documents/{first}/diff/{first}/",
    ],
)
def test_unknown_documents_are_404(client, charleston, path):
    url = path.format(first=charleston["first"].pk)
    assert client.get(url).status_code == 404


def test_agency_page_shows_who_signed_and_documents_on_file(client, charleston):
    page = client.get(f"/en/agency/{SHERIFF}/").content.decode()
    slot = page.split('id="slot-documents"')[1].split("</section>")[0]
    # Three addresses on ICE's lists (first MOA, renewal, addendum); two on file.
    assert "2 of 3 documents on file" in slot
    renewal = charleston["renewal"]
    assert f'href="/en/documents/{renewal.pk}/"' in slot
    assert "Signed for the agency by: <strong" in slot
    assert "Example Renewal Signer" in slot
    assert "Jan. 5, 2026" in slot
    assert f'href="/en/documents/{renewal.pk}/#page-2"' in slot
    assert "Signed for ICE by: <strong" in slot and "Fixture Official" in slot
    # The first MOA's ICE signature is handwritten: said so, no name.
    assert "handwritten: not read" in slot
    assert f'href="{ADDENDUM}" rel="external noopener"' in slot  # ICE's link


def test_county_page_shows_each_agencys_signatory(client, charleston):
    page = client.get("/en/county/45019/").content.decode()
    slot = page.split('id="slot-documents"')[1].split("</section>")[0]
    sheriff, police = slot.split("North Charleston Police Department")
    assert f'href="/en/agency/{SHERIFF}/"' in sheriff
    assert "2 of 3 documents on file" in sheriff
    assert "Example Renewal Signer" in sheriff
    assert "0 of 1 document on file" in police
    assert f'href="{POLICE_MOA}" rel="external noopener"' in police
    spanish = client.get("/es/county/45019/").content.decode()
    slot = spanish.split('id="slot-documents"')[1].split("</section>")[0]
    assert "2 de 3 documentos archivados" in slot
    assert "Firmó en nombre de la agencia:" in slot


def test_a_field_read_later_shows_at_once(client, charleston):
    """Documents are part of the data version: pages built from the
    per-version index see a new reading without a restart."""
    before = client.get(f"/en/agency/{SHERIFF}/").content.decode()
    assert "Field office reading" not in before
    DocumentField.objects.filter(
        document=charleston["first"], name="ice_official_name"
    ).delete()
    DocumentField.objects.create(
        document=charleston["first"],
        name="ice_official_name",
        value="Field office reading",
        page=2,
        confidence=0.9,
    )
    after = client.get(f"/en/agency/{SHERIFF}/").content.decode()
    assert "Field office reading" in after


def test_export_has_the_newest_moas_signatory(charleston):
    rows = {row["agreement_id"]: row for row in reports.agreements_as_of()}
    assert list(rows[JEM])[-3:] == [
        "moa_signatory_name",
        "moa_signatory_title",
        "moa_signed_date",
    ]
    # The renewal (signed 2026) wins over both versions of the first MOA.
    assert (
        rows[JEM]["moa_signatory_name"],
        rows[JEM]["moa_signatory_title"],
        rows[JEM]["moa_signed_date"].isoformat(),
    ) == ("Example Renewal Signer", "Sheriff", "2026-01-05")
    assert (
        rows[POLICE]["moa_signatory_name"],
        rows[POLICE]["moa_signatory_title"],
        rows[POLICE]["moa_signed_date"],
    ) == ("", "", None)
    result = CliRunner().invoke(app, ["export", "agreements", "--state", "SC"])
    assert result.exit_code == 0, result.output
    exported = csv.DictReader(io.StringIO(result.stdout))
    by_id = {r["agreement_id"]: r for r in exported}
    assert by_id[JEM]["moa_signatory_name"] == "Example Renewal Signer"
    assert by_id[JEM]["moa_signed_date"] == "2026-01-05"
    assert by_id[POLICE]["moa_signatory_name"] == ""


def test_site_download_has_the_signatory_columns(client, charleston):
    response = client.get("/data/county/45019/agreements.csv")
    assert response.status_code == 200
    text = response.content.decode()
    rows = {r["agreement_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[JEM]["moa_signatory_name"] == "Example Renewal Signer"
    assert rows[JEM]["moa_signatory_title"] == "Sheriff"
    assert rows[POLICE]["moa_signed_date"] == ""


def test_build_site_writes_document_pages_diffs_and_pdfs(tmp_path, charleston):
    from tidewatch.pipeline.archive import stored_file
    from tidewatch.site.static_build import build_site

    out = tmp_path / "public"
    build_site(out, workers=1, all_counties=False)
    first, second = charleston["first"], charleston["second"]
    for language in ("en", "es"):
        page = out / f"{language}/documents/{first.pk}/index.html"
        assert "Example Signer" in page.read_text()
    diff = out / f"en/documents/{first.pk}/diff/{second.pk}/index.html"
    assert "<ins>was added</ins>" in diff.read_text()
    # The download link leads to the archived PDF under its own name.
    pdf = out / f"raw/{first.raw_file.sha256}/{first.file_name}"
    assert pdf.read_bytes() == stored_file(first.raw_file).read_bytes()


def test_the_readers_notes_are_shown_in_the_pages_language(client, charleston):
    document = charleston["first"]
    note = "no typed date read (a handwritten date is not read)"
    DocumentField.objects.create(
        document=document, name="ice_signed_date", value="", confidence=0, note=note
    )
    caching.forget_data_version()

    english = client.get(f"/en/documents/{document.pk}/").content.decode()
    spanish = client.get(f"/es/documents/{document.pk}/").content.decode()

    assert note in english
    row = spanish.split("Fecha de la firma de ICE</th>")[1].split("</tr>")[0]
    assert "no se leyó ninguna fecha mecanografiada" in row
    assert 'lang="en"' not in row
    # A note that is not one of the reader's phrases stays in English, marked so.
    other = spanish.split("Firmó en nombre de ICE</th>")[1].split("</tr>")[0]
    assert '<span lang="en">handwritten: not read</span>' in other


def test_the_county_slot_shows_the_readers_notes_in_spanish(client, charleston):
    note = "no printed name read in the signature block"
    DocumentField.objects.filter(name="ice_official_name").update(note=note)
    caching.forget_data_version()

    page = client.get("/es/county/45019/").content.decode()

    assert "no se leyó ningún nombre impreso en el bloque de firmas" in page
    assert note not in page
