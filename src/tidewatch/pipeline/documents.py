"""Agreement documents: download, import, read, store and link to agreements.

Every PDF goes through the same steps:

1. archived unchanged by its SHA-256 (``pipeline.archive``; a changed file at
   the same address is new bytes, so a new version beside the old one);
2. read in a child process under CPU, memory and wall-clock limits
   (``pipeline.sandbox`` running ``sources.ice_moa_pdfs.read_pdf``);
3. its fields read from the page texts (``pipeline.moa_fields``);
4. stored in one transaction (document, pages, fields, agreement links), so a
   failure leaves nothing half-written and the bytes marked rejected with
   the reason.

Downloads are in ``pipeline.document_fetch``; links to agreements in
``pipeline.document_links``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tidewatch import conf
from tidewatch.agreements.models import Agreement, Listing
from tidewatch.documents.models import (
    Document,
    DocumentField,
    DocumentPage,
)
from tidewatch.pipeline import archive, importer
from tidewatch.pipeline.document_links import (
    link_agreements,
    linked_text,
    urls_by_file_name,
)
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.moa_fields import FieldValue, Page, read_fields
from tidewatch.pipeline.moa_signatures import signed_pages
from tidewatch.pipeline.sandbox import SandboxLimits, run_sandboxed
from tidewatch.publications.models import Observation, RawFile
from tidewatch.sources.ice_moa_pdfs import (
    SOURCE,
    PdfText,
    ReadLimits,
    have_tesseract,
    ocr_again,
    read_pdf,
)

SOURCE_KEY = SOURCE.key


@dataclass
class DocumentReport:
    """What happened to one file: ``line`` is printed as it is."""

    name: str
    ok: bool
    line: str
    document_id: int | None = None


@dataclass(frozen=True)
class Coverage:
    """Documents on file for one agreement: ``on_file`` of ``linked`` links."""

    agreement_id: str
    agency: str
    state: str
    model: str
    linked: int
    on_file: int
    missing: tuple[str, ...]


def read_limits() -> ReadLimits:
    return ReadLimits(
        max_pages=conf.whole_number("TIDEWATCH_PDF_MAX_PAGES", minimum=1),
        ocr_page_seconds=conf.number("TIDEWATCH_OCR_PAGE_SECONDS"),
    )


def sandbox_limits() -> SandboxLimits:
    return importer.sandbox_limits("TIDEWATCH_PDF_WALL_SECONDS")


def store(
    content: bytes,
    *,
    name: str,
    observed_at: datetime,
    source_url: str = "",
    final_url: str = "",
    headers: dict[str, str] | None = None,
    via: str = Observation.IMPORT,
    kind: str = "",
    file_names: Mapping[str, str] | None = None,
) -> DocumentReport:
    """Archive, read and store one PDF; link it to its agreements.

    ``file_names`` (from ``document_links.urls_by_file_name``) lets a batch
    read the lists' links once instead of once per file. The caller rebuilds
    the text search index after the batch (``refresh_search``)."""
    max_bytes = conf.whole_number("TIDEWATCH_PDF_MAX_MB", minimum=1) * 1024 * 1024
    if len(content) > max_bytes:
        return DocumentReport(
            name,
            False,
            f"{name}: {len(content):,} bytes, more than the limit of {max_bytes:,}",
        )
    stored = archive.store(
        content,
        original_name=name,
        observed_at=observed_at,
        source_url=source_url,
        final_url=final_url,
        http_headers=headers,
        via=via,
        source_key=SOURCE_KEY,
    )
    raw_file = stored.raw_file
    existing = Document.objects.filter(raw_file=raw_file).first()
    if existing is not None:
        if source_url and not existing.source_url:
            existing.source_url = source_url
            existing.save(update_fields=["source_url"])
        links = link_agreements(existing, file_names)
        return DocumentReport(
            name,
            True,
            f"{name}: already on file (document {existing.pk}); {linked_text(links)}",
            existing.pk,
        )
    try:
        text = run_sandboxed(
            partial(read_pdf, limits=read_limits()),
            archive.stored_file(raw_file),
            name=name,
            limits=sandbox_limits(),
        )
    except FileRejected as refused:
        RawFile.objects.filter(pk=raw_file.pk).update(
            status=RawFile.REJECTED, rejection=refused.reason
        )
        return DocumentReport(name, False, f"{name}: {refused.reason}")
    pages = [Page(p.number, p.text, p.ocr_text) for p in text.pages]
    fields = read_fields(pages, name)
    if not fields["lea_signatory_name"].value and have_tesseract():
        pages = _second_look(raw_file, pages, name)
        fields = read_fields(pages, name)
    with transaction.atomic():
        document = _save(
            raw_file, text, fields, name=name, source_url=source_url, kind=kind
        )
        links = link_agreements(document, file_names)
        RawFile.objects.filter(pk=raw_file.pk).update(
            status=RawFile.PUBLISHED, rejection=""
        )
    signer = fields["lea_signatory_name"]
    return DocumentReport(
        name,
        True,
        f"{name}: {text.page_count} pages ({text.ocr_pages} by OCR); signed for "
        f"the agency by {signer.value or 'a name not read'}; {linked_text(links)}",
        document.pk,
    )


def _second_look(raw_file: RawFile, pages: list[Page], name: str) -> list[Page]:
    """OCR the signed page again at other settings (ice_moa_pdfs.SECOND_LOOKS)
    when no signatory name was read; a failure keeps the first reading."""
    signed = signed_pages(pages)[:2]
    if not signed:
        return pages
    more: dict[int, tuple[str, ...]] = {}
    for number in signed:
        try:
            more[number] = tuple(
                run_sandboxed(
                    partial(ocr_again, number=number, limits=read_limits()),
                    archive.stored_file(raw_file),
                    name=name,
                    limits=sandbox_limits(),
                )
            )
        except FileRejected:
            continue
    return [
        Page(page.number, page.text, page.ocr_text, more.get(page.number, ()))
        for page in pages
    ]


def _save(
    raw_file: RawFile,
    text: PdfText,
    fields: dict[str, FieldValue],
    *,
    name: str,
    source_url: str,
    kind: str,
) -> Document:
    document_type = fields["document_type"].value
    document = Document.objects.create(
        raw_file=raw_file,
        kind=kind
        or (Document.ADDENDUM if document_type == "addendum" else Document.MOA),
        source_url=source_url,
        file_name=name[:300],
        page_count=text.page_count,
        ocr_pages=text.ocr_pages,
        text_reader=text.text_reader,
        read_seconds=round(sum(page.seconds for page in text.pages), 3),
        read_at=timezone.now(),
        notes=text.notes,
    )
    DocumentPage.objects.bulk_create(
        DocumentPage(
            document=document,
            number=page.number,
            method=page.method,
            # NUL cannot be stored in PostgreSQL text; a PDF may carry one.
            text=page.text.replace("\x00", ""),
        )
        for page in text.pages
    )
    DocumentField.objects.bulk_create(
        DocumentField(
            document=document,
            name=value.name,
            value=value.value,
            page=value.page,
            confidence=round(value.confidence, 2),
            note=value.note[:300],
        )
        for value in fields.values()
    )
    return document


def refresh_search() -> None:
    """Rebuild the document text index once, after a batch of files (each
    rebuild reads every page, so not after every file)."""
    from tidewatch.search.document_search import rebuild_document_index

    rebuild_document_index()


def import_paths(paths: Iterable[Path]) -> list[DocumentReport]:
    """Add PDFs from disk (files, or folders of *.pdf)."""
    reports = []
    file_names = urls_by_file_name()
    for path in _expand(paths):
        name = path.name
        try:
            content = path.read_bytes()
        except OSError as exc:
            reports.append(
                DocumentReport(name, False, f"{path}: {exc.strerror or exc}")
            )
            continue
        reports.append(
            store(
                content,
                name=name,
                observed_at=timezone.now(),
                source_url="",
                via=Observation.IMPORT,
                file_names=file_names,
            )
        )
    if any(report.ok for report in reports):
        refresh_search()
    return reports


def _expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
            )
        else:
            files.append(path)
    return files


def coverage(state: str | None = None) -> list[Coverage]:
    """Per agreement with a linked document: how many of its links are on file."""
    urls_by_agreement: dict[str, set[str]] = defaultdict(set)
    listings = Listing.objects.all()
    if state:
        listings = listings.filter(agreement__agency__state=state)
    for agreement_id, moa, addendum in listings.values_list(
        "agreement_id", "moa_url", "addendum_url"
    ):
        for url in (moa, addendum):
            if url:
                urls_by_agreement[agreement_id].add(url)
    on_file = set(
        Document.objects.exclude(source_url="").values_list("source_url", flat=True)
    )
    agreements = Agreement.objects.filter(pk__in=urls_by_agreement).select_related(
        "agency"
    )
    rows = []
    for agreement in agreements.order_by("agency__state", "agency__name", "model"):
        urls = urls_by_agreement[agreement.pk]
        missing = tuple(sorted(urls - on_file))
        rows.append(
            Coverage(
                agreement.pk,
                agreement.agency.name,
                agreement.agency.state,
                agreement.model,
                len(urls),
                len(urls) - len(missing),
                missing,
            )
        )
    return rows
