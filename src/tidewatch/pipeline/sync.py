"""`tidewatch sync`: read ICE's 287(g) page, download the workbooks, import them.

Downloads go through ``pipeline.download`` (host allowlist, validated
redirects, timeouts, retries, byte cap, truncation check). A workbook is
asked for with the ETag / Last-Modified of its last download, so an unchanged
file costs one 304; a file whose bytes are already archived is recognised and
not imported again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from tidewatch import conf
from tidewatch.pipeline import archive, runs
from tidewatch.pipeline.download import Download, extract_links, fetch_url
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.importer import FileReport, Incoming, import_incoming
from tidewatch.publications.models import Observation, RawFile

_WORKBOOK_LINK = re.compile(r"(?i)(participating|pending)[^/]*\.xlsx")


@dataclass
class SyncReport:
    lines: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    unreachable: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.failures + [f.line for f in self.files if not f.ok]


def _download(url: str, **conditions: str | None) -> Download:
    hosts = [
        h.strip()
        for h in conf.get("TIDEWATCH_FETCH_ALLOWED_HOSTS").split(",")
        if h.strip()
    ]
    return fetch_url(
        url,
        allowed_hosts=hosts,
        allow_http=conf.switch("TIDEWATCH_FETCH_ALLOW_HTTP"),
        timeout=conf.number("TIDEWATCH_FETCH_TIMEOUT"),
        retries=conf.whole_number("TIDEWATCH_FETCH_RETRIES"),
        max_bytes=conf.whole_number("TIDEWATCH_MAX_FILE_MB") * 1024 * 1024,
        **conditions,
    )


def workbook_links(html: str, base_url: str) -> list[str]:
    """The participating and pending workbook links on ICE's page, in page order."""
    return [
        url
        for url in extract_links(html, base_url)
        if _WORKBOOK_LINK.search(unquote(urlsplit(url).path))
    ]


def file_name(url: str) -> str:
    """The file name at the end of a URL, without stray quotes ICE left in names."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name.strip().strip("\"'")
    return name or "download.xlsx"


def sync() -> SyncReport:
    """Fetch ICE's page and workbooks and import them. Never raises for network
    trouble: it is reported (``unreachable`` when ICE could not be reached)."""
    report = SyncReport()
    run = runs.start("sync")
    page_url = conf.get("TIDEWATCH_ICE_PAGE_URL")
    try:
        page = _download(page_url)
    except FileRejected as refused:
        if "could not connect" in refused.reason or "timed out" in refused.reason:
            report.unreachable = refused.reason
        report.failures.append(f"ICE's 287(g) page {page_url}: {refused.reason}")
        runs.finish(run, {"page": page_url}, report.errors)
        return report
    links = workbook_links(page.content.decode("utf-8", "replace"), page.final_url)
    if not links:
        report.failures.append(
            f"ICE's 287(g) page {page_url}: no workbook links found "
            "(has ICE changed the page?)"
        )
    incoming: list[Incoming] = []
    for url in links:
        name = file_name(url)
        last = (
            Observation.objects.filter(source_url=url, via=Observation.SYNC)
            .order_by("-observed_at")
            .first()
        )
        headers = last.http_headers if last else {}
        try:
            download = _download(
                url,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
            )
        except FileRejected as refused:
            report.failures.append(f"{name}: {refused.reason}")
            continue
        if download.not_modified:
            report.lines.append(
                f"{name}: unchanged since {last.observed_at:%Y-%m-%d %H:%M} (HTTP 304)"
            )
            if last.raw_file.status == RawFile.RECEIVED:
                # Archived but never loaded (a failed load, or a killed run):
                # load it now rather than wait for ICE to change the file.
                incoming.append(
                    Incoming(
                        name, archive.stored_file(last.raw_file), last.raw_file, None
                    )
                )
            continue
        stored = archive.store(
            download.content,
            original_name=name,
            observed_at=timezone.now(),
            source_url=url,
            final_url=download.final_url,
            http_headers=download.headers,
            via=Observation.SYNC,
        )
        report.lines.append(
            f"{name}: downloaded {len(download.content):,} bytes"
            + ("" if stored.is_new else " (same bytes as a file already archived)")
        )
        incoming.append(
            Incoming(name, archive.stored_file(stored.raw_file), stored.raw_file, None)
        )
    report.files = import_incoming(incoming, observed_from_fetch=True)
    runs.finish(run, {"page": page_url, "links": links}, report.errors)
    return report
