"""``tidewatch build-site OUTDIR``: the whole public site as static files.

The site is crawled through Django itself, in-process (WSGI calls, no server):
from the home pages, the feed and the OpenAPI file, every same-site ``href``,
``src`` and ``data-*`` link is followed and each response written to a file
(``/en/county/45019/`` -> ``en/county/45019/index.html``; ``/data/x.csv`` as
is). Crawling instead of listing views means a page added later is in the copy
as soon as something links to it. County pages are also written for every
county shape of the map, linked or not, so a click on any county works.

Guarantees:

- one data version: SQLite is copied with the backup API (a consistent
  snapshot) and every page is rendered from the copy; on other databases the
  build refuses to start during an import and fails if the data changed
  while it ran;
- atomic: pages go to a temporary folder beside OUTDIR, swapped in at the
  end; a failed build leaves OUTDIR as it was and names the failing pages,
  with the page that linked to each;
- every internal link of the output resolves to a file (checked at the end).

Rendering is split over worker processes forked after Django is set up.
Links with a query string (the live site's filter forms) cannot be files:
their path is written, the filter is not. Search has no server here: the
search page is written as it renders without a query.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tidewatch.site.static_render import (
    Fetched,
    quiet,
    render_batch,
    renderer,
    same_site_path,
    start_worker,
)

MARKER = ".tidewatch-site"  # written in every build; only such folders are replaced
ROOTS = ("/", "/en/", "/es/", "/feeds/latest.atom", "/api/openapi.json")
NOT_WRITTEN = ("/admin/",)  # never part of the public copy
STATIC_SKIP = ("admin",)  # collected static folders a public copy does not need
BATCH = 24  # paths per task sent to a worker


class BuildError(RuntimeError):
    """The site could not be built; the message says which page or step and why."""


@dataclass
class BuildReport:
    """What a build wrote and where its time went."""

    outdir: Path
    pages: int = 0
    files: int = 0
    bytes: int = 0
    static_files: int = 0
    query_links: int = 0
    script_addresses_skipped: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, list[float]] = field(default_factory=dict)  # kind: [n, s]

    def lines(self) -> list[str]:
        total = sum(self.phases.values())
        out = [
            f"wrote {self.outdir}: {self.files} files "
            f"({self.pages} pages, {self.static_files} static), "
            f"{self.bytes / 1e6:.1f} MB rendered, in {total:.1f} s",
            "phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items()),
            f"render CPU time in all workers: "
            f"{sum(s for _, s in self.kinds.values()):.1f} s; by kind:",
        ]
        ranked = sorted(self.kinds.items(), key=lambda kv: -kv[1][1])
        for kind, (count, seconds) in ranked:
            each = seconds / count * 1000 if count else 0.0
            out.append(
                f"  {kind:<24} {int(count):>6} x {each:6.1f} ms = {seconds:6.1f} s"
            )
        if self.script_addresses_skipped:
            out.append(
                f"{self.script_addresses_skipped} addresses in data-* attributes "
                "are not pages (e.g. URL templates for scripts): not written"
            )
        if self.query_links:
            out.append(
                f"{self.query_links} links with a query string written without "
                "their filter (static files cannot filter)"
            )
        return out


# --- the output folder ------------------------------------------------------------


def check_outdir(outdir: Path) -> Path:
    """OUTDIR made absolute, or a BuildError saying why it cannot be used."""
    outdir = Path(outdir).expanduser().absolute()
    if outdir.exists() and not outdir.is_dir():
        raise BuildError(f"{outdir} is a file, not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MARKER).exists():
        raise BuildError(
            f"{outdir} is a folder that holds something other than a Tidewatch "
            "site build; choose an empty or new folder (it would be replaced)"
        )
    parent = outdir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildError(f"cannot create {parent}: {error.strerror}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BuildError(f"{parent} is not writable: OUTDIR is built beside it")
    return outdir


def swap_in(staging: Path, outdir: Path) -> None:
    """Replace OUTDIR by the finished build with two renames."""
    old = None
    if outdir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
        os.rename(outdir, old / "site")
    try:
        os.rename(staging, outdir)
    except OSError:
        if old is not None:
            os.rename(old / "site", outdir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- one data version -------------------------------------------------------------


def _fingerprint() -> str:
    from tidewatch.site.caching import data_version, forget_data_version

    forget_data_version()
    return data_version()


def _refuse_during_import() -> None:
    from tidewatch.pipeline.runs import _alive
    from tidewatch.publications.models import ImportRun

    for run in ImportRun.objects.filter(status=ImportRun.RUNNING):
        if _alive(run.pid):
            raise BuildError(
                f"an import is running (process {run.pid}, started "
                f"{run.started_at:%Y-%m-%d %H:%M}); build the site when it is done"
            )


@contextmanager
def data_snapshot(folder: Path) -> Iterator[Path | None]:
    """Render every page from one version of the data.

    SQLite: yields a copy of the database made with the backup API (one
    consistent snapshot, whatever an import does meanwhile) for the workers
    to read. Otherwise yields None, and the build fails if the data changed
    while it ran.
    """
    from django.db import connection

    _refuse_during_import()
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # (In an open transaction, tests: the pages see what it sees.)
        before = _fingerprint()
        yield None
        if _fingerprint() != before:
            raise BuildError("the data changed during the build (an import ran?)")
        return
    import sqlite3

    copy = folder / "snapshot.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    yield copy


# --- the crawl -------------------------------------------------------------------


def county_seeds() -> list[str]:
    """County pages for every county shape of the map, in both languages."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from tidewatch.places.geometry import AtlasNotInstalled, MapFiles

    try:
        fips = sorted(MapFiles().county_ids())
    except AtlasNotInstalled:
        return []
    seeds = []
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            seeds += [reverse("county", args=[f]) for f in fips]
    return seeds


class Crawl:
    """The frontier and what has been rendered, kept in the parent process."""

    def __init__(self, host: str, report: BuildReport) -> None:
        self.host = host
        self.report = report
        self.seen: dict[str, str] = {}  # path -> first page that linked to it
        self.hard: set[str] = set()  # paths some page links to (not only data-*)
        self.written: dict[str, str] = {}  # path -> file
        self.static_links: dict[str, str] = {}  # /static/... -> referrer
        self.errors: list[str] = []
        self.queue: list[str] = []

    def add(self, link: str, referrer: str, hard: bool = True) -> None:
        found = same_site_path(link, referrer or "/", self.host)
        if found is None:
            return
        path = found[0]
        if hard:
            self.hard.add(path)
        if path.startswith("/static/"):
            if hard:
                self.static_links.setdefault(path, referrer)
        elif path not in self.seen and not path.startswith(NOT_WRITTEN):
            self.seen[path] = referrer
            self.queue.append(path)

    def take(self, done: Fetched) -> None:
        counts = self.report.kinds.setdefault(done.kind, [0, 0.0])
        counts[0] += 1
        counts[1] += done.seconds
        if done.error and done.path not in self.hard:
            self.report.script_addresses_skipped += 1  # see broken_links()
            return
        if done.error:
            referrer = self.seen.get(done.path) or "(a starting point)"
            self.errors.append(
                f"{done.path} (linked from {referrer}): {done.status} {done.error}"
            )
            return
        self.written[done.path] = done.file
        self.report.bytes += done.size
        self.report.query_links += done.query_links
        self.report.pages += done.file.endswith(".html")
        for link in done.links:
            self.add(link, done.path)
        for link in done.soft_links:
            self.add(link, done.path, hard=False)

    def batches(self) -> Iterator[list[str]]:
        while self.queue:
            batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
            yield batch


def crawl(
    crawler: Crawl,
    workers: int,
    snapshot: Path | None,
    progress: Callable[[str], None],
) -> None:
    """Render until no new link turns up, in ``workers`` forked processes
    reading ``snapshot`` (in this process when there is none and one worker)."""
    if workers <= 1 and snapshot is None:
        while crawler.queue:
            for batch in list(crawler.batches()):
                for done in render_batch(batch):
                    crawler.take(done)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from django.db import connections

    connections.close_all()  # each worker opens its own
    with ProcessPoolExecutor(
        max(workers, 1),
        mp_context=multiprocessing.get_context("fork"),
        initializer=start_worker,
        initargs=(snapshot,),
    ) as pool:
        running: set = set()
        while True:
            running |= {pool.submit(render_batch, b) for b in crawler.batches()}
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    batch = future.result()
                except Exception as error:  # a worker died, or failed outside a view
                    for other in running:
                        other.cancel()
                    raise BuildError(f"a build worker failed: {error!r}") from error
                for done in batch:
                    crawler.take(done)
            progress(f"{len(crawler.written)} written, {len(crawler.queue)} queued")


# --- static files and the link check ------------------------------------------


def copy_static(staging: Path) -> int:
    """Collect the static files and copy them to OUTDIR/static/."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    source = Path(settings.STATIC_ROOT)
    skip = shutil.ignore_patterns(*STATIC_SKIP) if STATIC_SKIP else None
    target = staging / settings.STATIC_URL.strip("/")
    shutil.copytree(source, target, ignore=skip, dirs_exist_ok=True)
    return sum(len(files) for _, _, files in os.walk(target))


def broken_links(crawler: Crawl, staging: Path) -> list[str]:
    """Links of the output that do not resolve to a file in it."""
    broken = []
    for path, referrer in crawler.static_links.items():
        if not (staging / unquote(path).lstrip("/")).is_file():
            broken.append(f"{path} (linked from {referrer}): no such static file")
    for path in crawler.hard - set(crawler.written):
        if not path.startswith(("/static/", *NOT_WRITTEN)) and path in crawler.seen:
            broken.append(f"{path} (linked from {crawler.seen[path]}): not written")
    for path, file in crawler.written.items():
        if not (staging / file).is_file():
            broken.append(f"{path} (linked from {crawler.seen[path]}): not written")
    return broken


# --- the whole build -----------------------------------------------------------


def build_site(
    outdir: Path,
    *,
    workers: int = 2,
    base_url: str = "http://localhost",
    all_counties: bool = True,
    extra_paths: Iterable[str] = (),
    progress: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Write the public site as static files into ``outdir``, atomically.

    ``base_url`` is the site's public address (it appears in the feeds'
    absolute links). ``all_counties`` writes a page for every county of the
    map, linked or not. Raises BuildError, leaving ``outdir`` untouched.
    """
    from django.test.utils import override_settings

    outdir = check_outdir(outdir)
    report = BuildReport(outdir)
    base = urlsplit(base_url)
    host = base.netloc or "localhost"
    work = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.building-", dir=outdir.parent))
    staging = work / "site"
    staging.mkdir()
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.phases[name] = report.phases.get(name, 0.0) + now - clock
        clock = now

    try:
        # No server-side page cache: each page is rendered once, then written.
        with override_settings(
            ALLOWED_HOSTS=[host.split(":")[0]], TIDEWATCH_CACHE_SKIP=("/",)
        ):
            report.static_files = copy_static(staging)
            phase("static files")
            with data_snapshot(work) as snapshot:
                phase("snapshot")
                crawler = Crawl(host, report)
                seeds = [*ROOTS, *extra_paths]
                if all_counties:
                    seeds += county_seeds()
                for seed in seeds:
                    crawler.add(seed, "")
                with renderer(staging, host, base.scheme or "http"), quiet():
                    crawl(crawler, workers, snapshot, progress)
                phase("render")
        if crawler.errors:
            raise BuildError(_listing("pages failed", crawler.errors))
        broken = broken_links(crawler, staging)
        if broken:
            raise BuildError(_listing("links do not resolve", broken))
        (staging / MARKER).write_text(json.dumps({"base_url": base_url}) + "\n")
        report.files = sum(len(files) for _, _, files in os.walk(staging)) - 1
        phase("link check")
        swap_in(staging, outdir)
        phase("swap")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _listing(what: str, lines: list[str], most: int = 20) -> str:
    shown = "\n  ".join(lines[:most])
    more = f"\n  ... and {len(lines) - most} more" if len(lines) > most else ""
    return f"{len(lines)} {what}:\n  {shown}{more}"
