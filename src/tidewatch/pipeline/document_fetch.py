"""`tidewatch documents fetch`: download every document the lists link to.

The links come from untrusted spreadsheet cells, so downloads go through
``pipeline.download`` with the document host allowlist
(``TIDEWATCH_DOCUMENT_HOSTS``), one at a time with a pause between them
(``TIDEWATCH_FETCH_DELAY``), and with the ETag / Last-Modified of the previous
download, so an unchanged PDF costs one 304. New bytes are stored and read by
``pipeline.documents.store``: a PDF that changed at the same address becomes
a second version beside the first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from tidewatch import conf
from tidewatch.pipeline import archive, runs
from tidewatch.pipeline.cells import link_file_name
from tidewatch.pipeline.document_links import linked_urls
from tidewatch.pipeline.documents import DocumentReport, refresh_search, store
from tidewatch.pipeline.download import fetch_url
from tidewatch.pipeline.errors import FileRejected
from tidewatch.publications.models import Observation


@dataclass
class FetchReport:
    lines: list[str] = field(default_factory=list)
    files: list[DocumentReport] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.failures + [f.line for f in self.files if not f.ok]


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
        headers = archive.last_download_headers(url)
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
    if any(stored.ok for stored in report.files):
        refresh_search()
    runs.finish(run, {"urls": len(urls)}, report.errors)
    return report
