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

Links come from untrusted spreadsheet cells, so downloads go through
``pipeline.download`` with the document host allowlist, one at a time with
a pause between them, and with the ETag / Last-Modified of the previous
download so an unchanged PDF costs one 304.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tidewatch import conf
from tidewatch.agreements.models import Agency, AgencyAlias, Agreement, Listing
from tidewatch.documents.models import (
    AgreementDocument,
    Document,
    DocumentField,
    DocumentPage,
)
from tidewatch.pipeline import archive, runs
from tidewatch.pipeline.cells import agency_key, link_file_name
from tidewatch.pipeline.download import fetch_url
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


@dataclass
class FetchReport:
    lines: list[str] = field(default_factory=list)
    files: list[DocumentReport] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.failures + [f.line for f in self.files if not f.ok]


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
    return SandboxLimits(
        cpu_seconds=conf.whole_number("TIDEWATCH_PARSE_CPU_SECONDS", minimum=1),
        memory_bytes=conf.whole_number("TIDEWATCH_PARSE_MEMORY_MB", minimum=64)
        * 1024
        * 1024,
        wall_seconds=conf.number("TIDEWATCH_PDF_WALL_SECONDS"),
    )


def linked_urls() -> dict[str, str]:
    """Every document address the lists have linked: URL -> "moa"/"addendum"."""
    urls: dict[str, str] = {}
    for moa, addendum in Listing.objects.values_list("moa_url", "addendum_url"):
        if moa:
            urls.setdefault(moa, Document.MOA)
        if addendum:
            urls.setdefault(addendum, Document.ADDENDUM)
    return dict(sorted(urls.items()))


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
) -> DocumentReport:
    """Archive, read and store one PDF; link it to its agreements."""
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
        links = link_agreements(existing)
        return DocumentReport(
            name,
            True,
            f"{name}: already on file (document {existing.pk}); {_linked_text(links)}",
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
        links = link_agreements(document)
        RawFile.objects.filter(pk=raw_file.pk).update(
            status=RawFile.PUBLISHED, rejection=""
        )
    _refresh_search()
    signer = fields["lea_signatory_name"]
    return DocumentReport(
        name,
        True,
        f"{name}: {text.page_count} pages ({text.ocr_pages} by OCR); signed for "
        f"the agency by {signer.value or 'a name not read'}; {_linked_text(links)}",
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


def link_agreements(document: Document) -> list[AgreementDocument]:
    """Tie a document to the agreements whose lists link it: by its address,
    else by the address's file name, else by the agency, state and model
    read in it. Returns the links (existing ones included)."""
    found: dict[str, str] = {}
    if document.source_url:
        for agreement_id in _agreements_linking(document.source_url):
            found.setdefault(agreement_id, AgreementDocument.BY_URL)
    if not found:
        url = url_for_file_name(document.file_name)
        if url:
            for agreement_id in _agreements_linking(url):
                found.setdefault(agreement_id, AgreementDocument.BY_FILE_NAME)
            if not document.source_url:
                document.source_url = url
                document.save(update_fields=["source_url"])
    if not found:
        agreement_id = _agreement_by_content(document)
        if agreement_id:
            found[agreement_id] = AgreementDocument.BY_CONTENT
    links = []
    for agreement_id, how in found.items():
        link, _ = AgreementDocument.objects.get_or_create(
            agreement_id=agreement_id, document=document, defaults={"how": how}
        )
        links.append(link)
    return links


def _agreements_linking(url: str) -> list[str]:
    ids = Listing.objects.filter(moa_url=url).values_list("agreement_id", flat=True)
    more = Listing.objects.filter(addendum_url=url).values_list(
        "agreement_id", flat=True
    )
    return sorted(set(ids) | set(more))


def url_for_file_name(file_name: str) -> str:
    """The list link whose file name this file carries: the same name, or the
    name after a folder prefix ("ALABAMA__<ICE's name>.pdf")."""
    wanted = file_name.rsplit("/", 1)[-1]
    candidates = {wanted, wanted.split("__", 1)[-1]}
    by_name = _urls_by_file_name()
    for candidate in candidates:
        if candidate in by_name:
            return by_name[candidate]
    return ""


def _urls_by_file_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for url in linked_urls():
        name = link_file_name(url)
        if name:
            names.setdefault(name, url)
    return names


def _agreement_by_content(document: Document) -> str:
    fields = {f.name: f.value for f in document.fields.all()}
    agency, state, model = (
        fields.get("agency"),
        fields.get("state"),
        fields.get("model"),
    )
    if not (agency and state and model):
        return ""
    key = agency_key(agency)
    agency_ids = set(
        AgencyAlias.objects.filter(state=state, name_key=key).values_list(
            "agency_id", flat=True
        )
    ) | set(
        Agency.objects.filter(state=state, name_key=key).values_list("id", flat=True)
    )
    matches = list(
        Agreement.objects.filter(agency_id__in=agency_ids, model=model).values_list(
            "id", flat=True
        )
    )
    return matches[0] if len(matches) == 1 else ""


def _linked_text(links: list[AgreementDocument]) -> str:
    if not links:
        return "not linked to an agreement (no list links it; agency not matched)"
    return "linked to " + ", ".join(
        f"{link.agreement_id} (by {link.how})" for link in links
    )


def _refresh_search() -> None:
    try:
        from tidewatch.search.document_search import rebuild_document_index
    except ImportError:  # pragma: no cover - the search module is optional
        return
    rebuild_document_index()


def import_paths(paths: Iterable[Path]) -> list[DocumentReport]:
    """Add PDFs from disk (files, or folders of *.pdf)."""
    reports = []
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
            )
        )
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


def fetch(
    *,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Download every linked document not yet on file, and re-ask for those
    on file with their validators (a changed PDF becomes a new version)."""
    report = FetchReport()
    run = runs.start("documents fetch")
    hosts = [
        h.strip() for h in conf.get("TIDEWATCH_DOCUMENT_HOSTS").split(",") if h.strip()
    ]
    delay = conf.number("TIDEWATCH_FETCH_DELAY")
    urls = list(linked_urls().items())
    if limit is not None:
        urls = urls[:limit]
    for index, (url, kind) in enumerate(urls):
        if index:
            sleep(delay)
        name = link_file_name(url) or "document.pdf"
        last = (
            Observation.objects.filter(source_url=url, via=Observation.SYNC)
            .order_by("-observed_at")
            .first()
        )
        headers = last.http_headers if last else {}
        try:
            download = fetch_url(
                url,
                allowed_hosts=hosts,
                allow_http=conf.switch("TIDEWATCH_FETCH_ALLOW_HTTP"),
                timeout=conf.number("TIDEWATCH_FETCH_TIMEOUT"),
                retries=conf.whole_number("TIDEWATCH_FETCH_RETRIES"),
                max_bytes=conf.whole_number("TIDEWATCH_PDF_MAX_MB", minimum=1)
                * 1024
                * 1024,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
            )
        except FileRejected as refused:
            report.failures.append(f"{name}: {refused.reason}")
            continue
        if download.not_modified:
            report.lines.append(f"{name}: unchanged (HTTP 304)")
            continue
        report.files.append(
            store(
                download.content,
                name=name,
                observed_at=timezone.now(),
                source_url=url,
                final_url=download.final_url,
                headers=download.headers,
                via=Observation.SYNC,
                kind=kind,
            )
        )
    runs.finish(run, {"urls": len(urls)}, report.errors)
    return report


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
