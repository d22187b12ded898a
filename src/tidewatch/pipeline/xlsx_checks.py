"""Cheap checks on an untrusted .xlsx file, run before any spreadsheet library.

ICE's 287(g) workbooks come from the web, so a file may be an HTML error page,
an encrypted or macro-enabled workbook, a damaged download, a zip bomb or a
"row bomb" (a small file whose sheet holds millions of rows). openpyxl would
spend minutes and gigabytes on some of these (reliability.md §5), so
:func:`check_xlsx` looks at the magic bytes and the zip central directory
first, then streams each sheet's XML once to count rows, all with bounded
memory and time. It never extracts anything to disk and never uses member
names as paths (reliability.md A1, A3, A4, A5).

Passing these checks does not make a file safe to parse: XML entity attacks
are handled by defusedxml inside openpyxl, and the parse itself still runs
under :mod:`tidewatch.pipeline.sandbox` limits.
"""

from __future__ import annotations

import itertools
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tidewatch.pipeline.errors import FileRejected

__all__ = ["XlsxLimits", "check_xlsx"]

_MIB = 1024 * 1024
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Entries smaller than this are exempt from the ratio check: tiny XML parts
# (styles, content types, a short sheet) often compress 50-200:1 and cannot
# hurt anyone, while the ratio test is aimed at large expansions.
_RATIO_EXEMPT_BYTES = 4 * 1024
_CHUNK = 64 * 1024
# A row start tag: "<row" or "<prefix:row" followed by whitespace, ">" or "/".
# The prefix is capped at 32 characters so a match has a known maximum length,
# which keeps the chunk-boundary carry-over below exact.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}:)?row[\s/>]")
_CARRY = 64  # longer than the longest possible _ROW_TAG match (38 bytes)

# Builds the FileRejected for this file from a reason.
_Reject = Callable[[str], FileRejected]


@dataclass(frozen=True)
class XlsxLimits:
    """Size and shape limits for one workbook (defaults: reliability.md §6)."""

    max_file_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 100.0  # uncompressed/compressed, per entry and overall
    max_entries: int = 1000
    max_rows: int = 100_000  # rows in any worksheet


def check_xlsx(
    path: Path, limits: XlsxLimits = XlsxLimits(), name: str | None = None
) -> None:
    """Refuse ``path`` unless it looks like a plain, reasonably sized .xlsx.

    Inputs: ``path`` to a local file, the ``limits`` to enforce, and ``name``,
    the display name used in the error (defaults to ``path.name``).
    Output: ``None`` when every check passes.
    Raises: :class:`FileRejected` with a one-line reason for the first problem
    found (empty, too big, encrypted/.xls, HTML, not a zip, corrupt zip, not a
    workbook, macros, unsafe member names, zip bomb, too many rows).
    Side effects: reads the file (header, central directory, and a streaming
    decompression of its XML parts); writes nothing.
    """
    display = name or path.name

    def reject(reason: str) -> FileRejected:
        return FileRejected(display, reason)

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise reject(f"cannot open file ({_short(exc)})") from None

    _check_header(size, head, limits, reject)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise reject(_bad_zip_reason(exc)) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        # zipfile raises these for some damaged central directories.
        raise reject(f"corrupt workbook (bad zip: {_short(exc)})") from None
    with archive:
        infos = archive.infolist()
        _check_directory(infos, limits, reject)
        _check_rows(archive, infos, limits, reject)


def _check_header(size: int, head: bytes, limits: XlsxLimits, reject: _Reject) -> None:
    """Refuse by file size and magic bytes, before opening it as a zip."""
    if size == 0:
        raise reject("empty file (0 bytes)")
    if size > limits.max_file_bytes:
        raise reject(
            f"file too large ({_mib(size)}; limit {_mib(limits.max_file_bytes)})"
        )
    if head.startswith(_CFB_MAGIC):
        # Encrypted .xlsx files are stored inside an OLE2/CFB container, as
        # are old binary .xls files; neither can be read as a zip.
        raise reject(
            "encrypted or password-protected workbook, or an old .xls file; "
            "save it as a plain .xlsx"
        )
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    # UTF-16 pages carry NUL bytes between ASCII characters.
    if text.replace(b"\x00", b"").lstrip().startswith(b"<"):
        raise reject("not an xlsx: looks like an HTML page (was an error page saved?)")
    if not head.startswith(_ZIP_MAGIC):
        raise reject("not an xlsx (not a zip archive)")


def _bad_zip_reason(exc: zipfile.BadZipFile) -> str:
    """Turn zipfile's message into a reason a person can act on."""
    message = _short(exc)
    if message == "File is not a zip file":
        # It started with "PK" but has no end-of-archive record: almost always
        # a download that stopped part way.
        message = "end of archive not found; truncated download?"
    return f"corrupt workbook (bad zip: {message})"


def _check_directory(
    infos: list[zipfile.ZipInfo], limits: XlsxLimits, reject: _Reject
) -> None:
    """Refuse by what the central directory declares, without inflating."""
    if len(infos) > limits.max_entries:
        raise reject(
            f"too many zip entries ({len(infos):,}; limit {limits.max_entries:,})"
        )
    seen: set[str] = set()
    for info in infos:
        member = info.filename
        if _unsafe_name(member):
            raise reject(f"unsafe member name in zip: {member!r}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise reject(f"symbolic link in zip: {member!r}")
        if member.lower() in seen:
            # zipfile silently picks the last of two same-named entries, so a
            # checker and a parser could see different data.
            raise reject(f"duplicate member name in zip: {member!r}")
        seen.add(member.lower())
        if info.flag_bits & 0x1:
            raise reject(
                "encrypted zip entries (password-protected); save it as a plain .xlsx"
            )

    # OPC part names are case-insensitive, so compare lower-cased.
    if "xl/workbook.xml" not in seen:
        raise reject("not an Excel workbook (no xl/workbook.xml)")
    if any(PurePosixPath(n).name == "vbaproject.bin" for n in seen):
        raise reject("macro-enabled workbook refused")

    total_size = 0
    total_compressed = 0
    for info in infos:
        total_size += info.file_size
        total_compressed += info.compress_size
        if info.file_size > limits.max_uncompressed_bytes:
            raise reject(
                f"looks like a zip bomb: {info.filename} declares "
                f"{_mib(info.file_size)} uncompressed "
                f"(limit {_mib(limits.max_uncompressed_bytes)})"
            )
        if info.file_size >= _RATIO_EXEMPT_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise reject(
                    f"looks like a zip bomb: {info.filename} expands "
                    f"{ratio:,.0f}:1 (limit {limits.max_ratio:,.0f}:1)"
                )
    if total_size > limits.max_uncompressed_bytes:
        raise reject(
            f"looks like a zip bomb: {_mib(total_size)} uncompressed in total "
            f"(limit {_mib(limits.max_uncompressed_bytes)})"
        )
    if total_size >= _RATIO_EXEMPT_BYTES:
        ratio = total_size / max(total_compressed, 1)
        if ratio > limits.max_ratio:
            raise reject(
                f"looks like a zip bomb: expands {ratio:,.0f}:1 overall "
                f"(limit {limits.max_ratio:,.0f}:1)"
            )
    _check_overlaps(infos, reject)


def _unsafe_name(member: str) -> bool:
    """True for absolute names, drive letters, ``..`` parts or NUL bytes."""
    normalised = member.replace("\\", "/")
    if normalised.startswith("/") or re.match(r"[A-Za-z]:", normalised):
        return True
    return "\x00" in member or ".." in normalised.split("/")


def _check_overlaps(infos: list[zipfile.ZipInfo], reject: _Reject) -> None:
    """Refuse entries whose data overlaps the next one ("overlapping" bombs).

    Each local header is at least 30 bytes plus the name; if that plus the
    compressed data runs into the next entry's header, the archive reuses
    bytes, a trick used by non-recursive zip bombs (CVE-2024-0450).
    """
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for current, following in itertools.pairwise(ordered):
        end = (
            current.header_offset
            + 30
            + len(current.orig_filename.encode("utf-8", "surrogateescape"))
            + current.compress_size
        )
        if end > following.header_offset:
            raise reject(
                f"looks like a zip bomb: entries {current.filename} and "
                f"{following.filename} overlap"
            )


def _check_rows(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    limits: XlsxLimits,
    reject: _Reject,
) -> None:
    """Stream every XML part once and refuse it if it holds too many rows.

    Every ``.xml`` entry is scanned, not only ``xl/worksheets/*.xml``, because
    the workbook's relationships may point a sheet at any part name; only
    worksheets (and cached external-link sheets) contain ``<row>`` tags, so the
    others count as zero. Decompression is bounded by the declared size and by
    ``max_uncompressed_bytes`` across all parts, in case the directory lies.
    """
    budget = limits.max_uncompressed_bytes
    for info in infos:
        if not info.filename.lower().endswith(".xml") or info.is_dir():
            continue
        try:
            rows, used = _count_rows(archive, info, limits, budget, reject)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise reject(
                f"corrupt workbook (bad zip: {info.filename}: {_short(exc)})"
            ) from None
        except (NotImplementedError, RuntimeError) as exc:
            # Unsupported compression method, or an encrypted entry.
            raise reject(
                f"corrupt workbook (cannot read {info.filename}: {_short(exc)})"
            ) from None
        budget -= used
        if rows > limits.max_rows:
            raise reject(f"too many rows (over {limits.max_rows:,}) in {info.filename}")


def _count_rows(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: XlsxLimits,
    budget: int,
    reject: _Reject,
) -> tuple[int, int]:
    """Count row start tags in one entry; return (rows, bytes inflated).

    Stops as soon as the count passes ``limits.max_rows``. Matches that
    straddle a chunk boundary are found by keeping the last few bytes of the
    previous chunk; only matches ending inside the new chunk are counted, so
    nothing is counted twice.
    """
    rows = 0
    used = 0
    carry = b""
    first = True
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            if first:
                first = False
                # Excel writes UTF-8. A UTF-16/32 part would hide its tags
                # from this byte scan, so refuse it rather than miss a bomb.
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or (
                    b"\x00" in chunk[:4]
                ):
                    raise reject(
                        f"unsupported XML encoding (not UTF-8) in {info.filename}"
                    )
            used += len(chunk)
            if used > info.file_size:
                raise reject(
                    f"looks like a zip bomb: {info.filename} inflates beyond its "
                    f"declared size ({_mib(info.file_size)})"
                )
            if used > budget:
                raise reject(
                    "looks like a zip bomb: more than "
                    f"{_mib(limits.max_uncompressed_bytes)} of XML when inflated"
                )
            buffer = carry + chunk
            for match in _ROW_TAG.finditer(buffer):
                if match.end() > len(carry):
                    rows += 1
            if rows > limits.max_rows:
                break
            carry = buffer[-_CARRY:]
    return rows, used


def _mib(size: int) -> str:
    """Format a byte count for people: MiB above 1 MiB, else bytes."""
    if size >= _MIB:
        return f"{size / _MIB:,.1f} MiB"
    return f"{size:,} bytes"


def _short(exc: BaseException) -> str:
    """First line of an exception message, at most 200 characters."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text[:200]
