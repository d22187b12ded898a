"""`tidewatch import`: archive, check, parse (sandboxed), normalise, date, load.

Files are read in parallel child processes with CPU, memory and time limits
(``pipeline.sandbox``), then loaded one publication per transaction in date
order, so a folder imports in any order. A bad file gets one clear line and
never stops the others.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tidewatch import conf
from tidewatch.pipeline import archive, dating, runs
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.history import Registry
from tidewatch.pipeline.load import (
    LoadResult,
    ParsedList,
    load_publication,
    redate_publication,
)
from tidewatch.pipeline.normalise import AgreementRecord, RejectedRow, normalise
from tidewatch.pipeline.sandbox import SandboxLimits, SandboxPool
from tidewatch.pipeline.xlsx_checks import XlsxLimits, check_xlsx
from tidewatch.publications.models import Observation, Publication, RawFile
from tidewatch.sources import ice_287g

log = logging.getLogger(__name__)
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


@dataclass
class FileReport:
    name: str
    line: str
    ok: bool
    rows: int = 0
    agreements: int = 0
    rejects: int = 0
    new: int = 0
    changed: int = 0


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f.line for f in self.files if not f.ok]

    def total_line(self) -> str:
        loaded = [f for f in self.files if f.ok]

        def total(name: str) -> int:
            return sum(getattr(f, name) for f in loaded)

        return (
            f"total: {len(self.files)} files, {len(self.errors)} rejected; "
            f"rows {total('rows')}, agreements {total('agreements')}, "
            f"rejects {total('rejects')}, new {total('new')}, "
            f"changed {total('changed')}"
        )


@dataclass
class Incoming:
    """A file to import: its bytes already archived."""

    name: str
    path: Path
    raw_file: RawFile
    observed_hint: date | None


def xlsx_limits() -> XlsxLimits:
    mb = 1024 * 1024
    return XlsxLimits(
        max_file_bytes=conf.whole_number("TIDEWATCH_MAX_FILE_MB") * mb,
        max_uncompressed_bytes=conf.whole_number(
            "TIDEWATCH_MAX_UNCOMPRESSED_MB", minimum=1
        )
        * mb,
        max_rows=conf.whole_number("TIDEWATCH_MAX_ROWS"),
    )


def sandbox_limits(wall_setting: str = "TIDEWATCH_PARSE_WALL_SECONDS") -> SandboxLimits:
    """The reader child's limits from the settings; documents (OCR) have a
    wall-clock limit of their own (``TIDEWATCH_PDF_WALL_SECONDS``)."""
    return SandboxLimits(
        cpu_seconds=conf.whole_number("TIDEWATCH_PARSE_CPU_SECONDS", minimum=1),
        memory_bytes=conf.whole_number("TIDEWATCH_PARSE_MEMORY_MB", minimum=64)
        * 1024
        * 1024,
        wall_seconds=conf.number(wall_setting),
    )


@dataclass
class ReadList:
    """What the sandboxed reader sends back: the list's shape and its records."""

    kind: str
    header_code: str
    sheet: str
    header: list[str]
    row_count: int
    records: list[AgreementRecord]
    rejects: list[RejectedRow]


def read_workbook(path: Path) -> ReadList:
    """Check, parse and normalise one workbook. Runs in a sandboxed child.

    Normalising here rather than in the parent lets it run in parallel too.
    """
    check_xlsx(path, xlsx_limits())
    workbook = ice_287g.parse(path)
    records, rejects = normalise(workbook)
    row_count = sum(
        1
        for r in workbook.rows
        if ice_287g.clean_text(r.cells.get(ice_287g.STATE))
        and ice_287g.clean_text(r.cells.get(ice_287g.AGENCY))
    )
    return ReadList(
        workbook.kind,
        workbook.header_code,
        workbook.sheet,
        workbook.header,
        row_count,
        records,
        rejects,
    )


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[FileReport]]:
    """Files named, and workbooks inside folders named; a line for each missing path."""
    found: list[Path] = []
    missing: list[FileReport] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in WORKBOOK_SUFFIXES
                    and not p.name.startswith((".", "~$"))
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            missing.append(
                FileReport(str(path), f"{path}: no such file or folder", False)
            )
    return found, missing


def import_paths(
    paths: Iterable[Path], *, as_of: date | None = None, retry_rejected: bool = False
) -> ImportReport:
    """Import workbooks from disk. See the module docstring.

    ``as_of`` dates every file given (overriding the dating rule);
    ``retry_rejected`` reads files again that were refused before.
    """
    with _quiet_gc():
        return _import_paths(paths, as_of, retry_rejected)


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Keep the cyclic collector off the objects that exist before an import.

    An import makes hundreds of thousands of short-lived objects; each full
    collection would walk every object Django and the libraries hold too.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _import_paths(
    paths: Iterable[Path], as_of: date | None, retry_rejected: bool
) -> ImportReport:
    report = ImportReport()
    files, missing = expand_paths(paths)
    report.files.extend(missing)
    run = runs.start("import")
    incoming: list[Incoming] = []
    # One transaction for the archive records of all files: each commit is an
    # fsync (synchronous=FULL). The bytes are already safe on disk by then.
    with transaction.atomic():
        for path in files:
            try:
                incoming.append(_receive(path))
            except FileRejected as rejected:
                report.files.append(FileReport(path.name, str(rejected), False))
    report.files.extend(
        import_incoming(incoming, as_of=as_of, retry_rejected=retry_rejected)
    )
    runs.finish(
        run, {"files": len(report.files), "total": report.total_line()}, report.errors
    )
    return report


def _receive(path: Path) -> Incoming:
    limit = xlsx_limits().max_file_bytes
    size = path.stat().st_size
    if size > limit:
        raise FileRejected(
            path.name,
            f"file is {size:,} bytes, over the limit of "
            f"{limit:,} (TIDEWATCH_MAX_FILE_MB)",
        )
    content = path.read_bytes()
    hint, _original = dating.split_observed_prefix(path.name)
    observed_at = (
        datetime(hint.year, hint.month, hint.day, tzinfo=UTC)
        if hint
        else timezone.now()
    )
    stored = archive.store(
        content,
        original_name=path.name,
        observed_at=observed_at,
        via=Observation.IMPORT,
    )
    return Incoming(
        path.name, archive.stored_file(stored.raw_file), stored.raw_file, hint
    )


def import_incoming(
    incoming: list[Incoming],
    *,
    as_of: date | None = None,
    observed_from_fetch: bool = False,
    retry_rejected: bool = False,
) -> list[FileReport]:
    """Parse, date and load archived files; one report per file, in order.

    Files are told apart by their SHA-256, not their name: ICE has posted two
    different workbooks under one name.
    """
    reports: dict[str, FileReport] = {}  # by SHA-256
    to_parse: list[Incoming] = []
    queued: set[str] = set()
    for item in incoming:
        raw = item.raw_file
        if raw.sha256 in reports or raw.sha256 in queued:
            continue  # the same bytes twice in one import: read once
        if raw.status == RawFile.PUBLISHED:
            reports[raw.sha256] = _already_loaded(item, as_of)
        elif raw.status == RawFile.REJECTED and not retry_rejected:
            # Reading it again would give the same answer (--retry-rejected
            # reads it anyway, say after a limit was raised).
            reports[raw.sha256] = FileReport(
                item.name, f"{item.name}: {raw.rejection} (rejected before)", False
            )
        else:
            to_parse.append(item)
            queued.add(raw.sha256)

    # Read in the order the file names suggest, and load each list as soon as
    # every list before it is read, so loading overlaps reading. A list that
    # turns out older than one already loaded is still right: the loader
    # replays the history (slower, same result).
    to_parse.sort(key=lambda i: _guess_key(i, observed_from_fetch))
    order = [i.raw_file.sha256 for i in to_parse]
    by_key = {item.raw_file.sha256: item for item in to_parse}
    ready: dict[str, ParsedList | None] = {}
    position = 0
    registry = None
    pool = SandboxPool(
        workers=conf.whole_number("TIDEWATCH_PARSE_WORKERS", minimum=1),
        limits=sandbox_limits(),
    )
    for key, result in pool.map(read_workbook, [(k, by_key[k].path) for k in order]):
        item = by_key[key]
        ready[key] = None
        try:
            if isinstance(result, FileRejected):
                raise FileRejected(item.name, result.reason)
            ready[key] = _prepare(item, result, as_of, observed_from_fetch)
        except FileRejected as rejected:
            _reject(item.raw_file, rejected.reason)
            reports[key] = FileReport(
                item.name, f"{item.name}: {rejected.reason}", False
            )
        batch = []
        while position < len(order) and order[position] in ready:
            if (parsed := ready.pop(order[position])) is not None:
                batch.append(parsed)
            position += 1
        for parsed in sorted(batch, key=lambda p: p.sort_key):
            registry = _load(parsed, registry, reports)
    return _in_input_order(incoming, reports)


def _in_input_order(
    incoming: list[Incoming], reports: dict[str, FileReport]
) -> list[FileReport]:
    ordered, first_name = [], {}
    for item in incoming:
        key = item.raw_file.sha256
        if key in first_name and first_name[key] != item.name:
            ordered.append(
                FileReport(
                    item.name,
                    f"{item.name}: same bytes as {first_name[key]}; read once",
                    True,
                )
            )
        elif key not in first_name and key in reports:
            first_name[key] = item.name
            ordered.append(reports[key])
    return ordered


def _guess_key(item: Incoming, observed_from_fetch: bool) -> tuple:
    """Where a file will probably fall in date order, from its name alone."""
    name = dating.split_observed_prefix(item.name)[1]
    observed = (
        item.raw_file.first_observed_at.date()
        if observed_from_fetch
        else item.observed_hint
    )
    guess = dating.date_list(name, observed=observed).date
    return (guess, 1 if "pending" in name.casefold() else 0, item.name)


def _load(
    parsed: ParsedList, registry: Registry | None, reports: dict[str, FileReport]
) -> Registry | None:
    """Load one list; record its report line. Returns the registry to reuse."""
    try:
        result, registry = load_publication(parsed, registry)
    except Exception as error:  # the one error boundary around a publication
        log.exception("loading %s failed", parsed.name)
        reason = (
            "could not be loaded, nothing was written "
            f"({type(error).__name__}: {error})"
        )
        # Not marked rejected: the file itself may be fine (say, the database
        # was busy), so the next import tries it again.
        reports[parsed.raw_file.sha256] = FileReport(
            parsed.name, f"{parsed.name}: {reason}", False
        )
        return None
    reports[parsed.raw_file.sha256] = _loaded_report(parsed, result)
    return registry


def _prepare(
    item: Incoming, workbook: ReadList, as_of: date | None, observed_from_fetch: bool
) -> ParsedList:
    records, rejects = workbook.records, workbook.rejects
    if not records and not rejects:
        raise FileRejected(
            item.name,
            f"empty list: the {workbook.kind} list has a header "
            "but no rows; kept in the archive, not used as a list "
            "(an empty list never removes agreements)",
        )
    if not records:
        raise FileRejected(
            item.name,
            f"no usable rows: all {len(rejects)} rows rejected "
            f"(first: row {rejects[0].row_number}, {rejects[0].reason})",
        )
    raw = item.raw_file
    observed = (
        raw.first_observed_at.date() if observed_from_fetch else item.observed_hint
    )
    signed = [r.signed_date for r in records if r.signed_date]
    dated = dating.date_list(
        dating.split_observed_prefix(item.name)[1],
        observed=observed,
        latest_signed=max(signed) if signed else None,
        override=as_of,
    )
    return ParsedList(
        raw_file=raw,
        name=item.name,
        kind=workbook.kind,
        header_code=workbook.header_code,
        sheet=workbook.sheet,
        header=workbook.header,
        as_of=dated.date,
        as_of_rule=dated.rule,
        observed_at=raw.first_observed_at,
        row_count=workbook.row_count,
        hidden_row_count=sum(1 for r in records if r.hidden),
        records=records,
        rejects=rejects,
    )


def _already_loaded(item: Incoming, as_of: date | None) -> FileReport:
    publication = Publication.objects.defer("records").get(raw_file=item.raw_file)
    if as_of is not None and as_of != publication.as_of:
        redate_publication(publication, as_of, "given with --as-of")
        return FileReport(
            item.name,
            f"{item.name}: already imported; as-of date changed "
            f"from {publication.as_of} to {as_of} and history replayed",
            True,
        )
    return FileReport(
        item.name,
        f"{item.name}: already imported ({publication.kind} list "
        f"as of {publication.as_of}); nothing to do",
        True,
    )


def _loaded_report(item: ParsedList, result: LoadResult) -> FileReport:
    line = (
        f"{item.name}: {item.kind} list as of {item.as_of} ({item.as_of_rule}): "
        f"rows {item.row_count}, agreements {result.agreements}, "
        f"rejects {len(item.rejects)}, new {result.new}, changed {result.changed}"
    )
    if result.rebuilt:
        line += " (older than lists already loaded: history replayed)"
    return FileReport(
        item.name,
        line,
        True,
        item.row_count,
        result.agreements,
        len(item.rejects),
        result.new,
        result.changed,
    )


def _reject(raw_file: RawFile, reason: str) -> None:
    RawFile.objects.filter(pk=raw_file.pk).exclude(status=RawFile.PUBLISHED).update(
        status=RawFile.REJECTED, rejection=reason
    )
