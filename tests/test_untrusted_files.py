"""Untrusted .xlsx files: pre-parse checks and the sandboxed parser child.

Every bad file is built here, in ``tmp_path``; no binary fixtures are
committed (reliability.md §3 M1). Each case asserts the one-line
``FileRejected`` reason and that this process is still fine afterwards.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import struct
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest

from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.sandbox import SandboxLimits, SandboxPool, run_sandboxed
from tidewatch.pipeline.xlsx_checks import XlsxLimits, check_xlsx

MIB = 1024 * 1024
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# --- builders -------------------------------------------------------------


def make_workbook(path: Path, rows: int = 5) -> Path:
    """A genuine small workbook written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["State", "Agency", "Type", "Signed"])
    for i in range(rows):
        ws.append(["TX", f"Agency {i}", "Task Force", f"2025-01-{i % 28 + 1:02d}"])
    wb.save(path)
    return path


def make_zip(path: Path, entries: dict[str, bytes], *, workbook: bool = True) -> Path:
    """A zip with the given members (plus a stub xl/workbook.xml by default)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if workbook:
            zf.writestr("xl/workbook.xml", f'<workbook xmlns="{SHEET_NS}"/>')
        for member, data in entries.items():
            zf.writestr(member, data)
    return path


def sheet_xml(rows: int, tag: str = "row") -> bytes:
    """Worksheet XML with ``rows`` rows of varied numbers (compresses ~6:1)."""
    body = "".join(
        f'<{tag} r="{i}"><c r="A{i}"><v>{i * 7919 % 100003}</v></c></{tag}>'
        for i in range(1, rows + 1)
    )
    xml = f'<worksheet xmlns="{SHEET_NS}"><sheetData>{body}</sheetData></worksheet>'
    return xml.encode()


def replace_member(source: Path, target: Path, member: str, data: bytes) -> Path:
    """Copy a zip, swapping one member's contents."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            body = data if info.filename == member else src.read(info)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return target


def rejection(path: Path, **limits: int | float) -> str:
    """Run check_xlsx and return the reason; fail if the file passes."""
    with pytest.raises(FileRejected) as caught:
        check_xlsx(path, XlsxLimits(**limits) if limits else XlsxLimits())
    err = caught.value
    assert str(err) == f"{path.name}: {err.reason}"
    assert "\n" not in str(err) and "Traceback" not in str(err)
    return err.reason


def children_of_this_process() -> list[int]:
    """PIDs (including zombies) whose parent is this process."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the ")" that closes the command name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry))
    return found


# --- check_xlsx: files that must pass ----------------------------------------


def test_valid_small_workbook_passes(tmp_path: Path) -> None:
    check_xlsx(make_workbook(tmp_path / "ok.xlsx"))


def test_realistic_1800_row_workbook_is_not_a_false_alarm(tmp_path: Path) -> None:
    # Real ICE sheets are repetitive and compress 10-20:1; the defaults
    # (ratio 100:1, 100,000 rows) must leave them alone.
    path = make_workbook(tmp_path / "ice.xlsx", rows=1800)
    check_xlsx(path)


def test_row_count_is_exact_across_chunk_boundaries(tmp_path: Path) -> None:
    # Odd-length padding makes row tags straddle the 64 KiB read chunks;
    # prefixed tags and <rowBreaks> check what is (and is not) a row.
    n = 6000
    body = "".join(
        f'<x:row r="{i}" spans="1:1">{"." * (i % 7)}</x:row>\n' for i in range(n)
    )
    xml = (
        f'<x:worksheet xmlns:x="{SHEET_NS}"><x:sheetData>{body}</x:sheetData>'
        '<x:rowBreaks count="0"/></x:worksheet>'
    ).encode()
    assert len(xml) > 3 * 64 * 1024
    path = make_zip(tmp_path / "exact.xlsx", {"xl/worksheets/sheet1.xml": xml})
    check_xlsx(path, XlsxLimits(max_rows=n))
    assert rejection(path, max_rows=n - 1) == (
        f"too many rows (over {n - 1:,}) in xl/worksheets/sheet1.xml"
    )


# --- check_xlsx: files that must be refused --------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert rejection(path) == "empty file (0 bytes)"


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "big.xlsx")
    assert rejection(path, max_file_bytes=1000).startswith("file too large (")


def test_html_saved_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "287g.xlsx"
    path.write_bytes(b"\xef\xbb\xbf\r\n  <!DOCTYPE html><html><body>403</body></html>")
    assert rejection(path) == (
        "not an xlsx: looks like an HTML page (was an error page saved?)"
    )


def test_display_name_is_used(tmp_path: Path) -> None:
    path = tmp_path / "3f2a9c.bin"
    path.write_bytes(b"<html></html>")
    with pytest.raises(FileRejected) as caught:
        check_xlsx(path, name="287g (June).xlsx")
    assert str(caught.value).startswith("287g (June).xlsx: not an xlsx: ")


def test_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("State,Agency\nTX,Harris County\n")
    assert rejection(path) == "not an xlsx (not a zip archive)"


def test_ole2_container_encrypted_or_xls(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert rejection(path) == (
        "encrypted or password-protected workbook, or an old .xls file; "
        "save it as a plain .xlsx"
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "docs.xlsx", {"readme.txt": b"hi"}, workbook=False)
    assert rejection(path) == "not an Excel workbook (no xl/workbook.xml)"


def test_truncated_workbook(tmp_path: Path) -> None:
    data = make_workbook(tmp_path / "full.xlsx").read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: len(data) // 2])
    reason = rejection(path)
    assert reason.startswith("corrupt workbook (bad zip: ")
    assert "truncated" in reason


def test_corrupt_central_directory(tmp_path: Path) -> None:
    data = bytearray(make_workbook(tmp_path / "good.xlsx").read_bytes())
    first = data.index(b"PK\x01\x02")  # first central directory header
    data[first : first + 4] = b"XX\x01\x02"
    path = tmp_path / "bad_cd.xlsx"
    path.write_bytes(bytes(data))
    assert rejection(path).startswith("corrupt workbook (bad zip: ")


def corrupt_sheet_stream(tmp_path: Path) -> Path:
    """A real workbook whose sheet1.xml deflate stream has 50 flipped bytes."""
    good = make_workbook(tmp_path / "good.xlsx", rows=500)
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(good.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    for i in range(start, start + 50):
        data[i] ^= 0x55
    path = tmp_path / "bitrot.xlsx"
    path.write_bytes(bytes(data))
    return path


def test_corrupt_deflate_stream(tmp_path: Path) -> None:
    reason = rejection(corrupt_sheet_stream(tmp_path))
    assert reason.startswith("corrupt workbook (bad zip: xl/worksheets/sheet1.xml: ")


def test_zip_bomb_declared_size(tmp_path: Path) -> None:
    # 300 MB of zeros deflates to ~300 KB; written in 1 MiB steps.
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            zeros = bytes(MIB)
            for _ in range(300):
                fh.write(zeros)
    assert path.stat().st_size < 2 * MIB
    reason = rejection(path)
    assert reason.startswith("looks like a zip bomb: xl/worksheets/sheet1.xml")
    assert "declares 300.0 MiB uncompressed (limit 200.0 MiB)" in reason


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ratio.xlsx", {"xl/sharedStrings.xml": bytes(8 * MIB)})
    reason = rejection(path)
    assert reason.startswith("looks like a zip bomb: xl/sharedStrings.xml expands ")
    assert reason.endswith(":1 (limit 100:1)")


def test_overlapping_entries(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "overlap.xlsx",
        {"xl/styles.xml": b"<styleSheet/>", "xl/theme.xml": b"<theme/>"},
    )
    data = bytearray(path.read_bytes())
    # Point the last central directory record at the first local header.
    last = data.rindex(b"PK\x01\x02")
    data[last + 42 : last + 46] = struct.pack("<I", 0)
    path.write_bytes(bytes(data))
    assert "overlap" in rejection(path)


def test_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(1000):
            zf.writestr(f"xl/media/{i}.bin", b"")
    assert rejection(path) == "too many zip entries (1,001; limit 1,000)"


@pytest.mark.parametrize(
    "member", ["../evil", "xl/../../evil.xml", "/etc/cron.d/evil", "C:/evil"]
)
def test_path_traversal_member(tmp_path: Path, member: str) -> None:
    path = make_zip(tmp_path / "slip.xlsx", {member: b"x"})
    assert rejection(path) == f"unsafe member name in zip: {member!r}"


def test_macro_enabled_workbook(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "macro.xlsx", {"xl/vbaProject.bin": b"\x00" * 64})
    assert rejection(path) == "macro-enabled workbook refused"


def test_row_bomb(tmp_path: Path) -> None:
    xml = sheet_xml(100_001)
    path = make_zip(tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": xml})
    # Small on disk and an ordinary ratio: only the row count gives it away.
    assert path.stat().st_size < 2 * MIB
    assert rejection(path) == (
        "too many rows (over 100,000) in xl/worksheets/sheet1.xml"
    )


def test_utf16_sheet_cannot_hide_rows(tmp_path: Path) -> None:
    xml = sheet_xml(10).decode().encode("utf-16")
    path = make_zip(tmp_path / "u16.xlsx", {"xl/worksheets/sheet1.xml": xml})
    assert rejection(path) == (
        "unsupported XML encoding (not UTF-8) in xl/worksheets/sheet1.xml"
    )


# --- sandbox: parse functions (module level so fork/pickle are not an issue) --


def load_workbook(path: Path) -> list[list[object]]:
    wb = openpyxl.load_workbook(path)
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def return_value(path: Path) -> dict[str, object]:
    return {"name": path.name, "pid": os.getpid()}


def raise_zlib_error(path: Path) -> None:
    raise zlib.error("Error -3 while decompressing data: invalid distance too far back")


def raise_file_rejected(path: Path) -> None:
    raise FileRejected("ignored", "no header row found")


def raise_runtime_error(path: Path) -> None:
    raise RuntimeError("boom\nsecond line of detail")


def burn_cpu(path: Path) -> None:
    while True:
        pass


def allocate_2gib(path: Path) -> int:
    return len(bytearray(2 * 1024 * MIB))


def sleep_long(path: Path) -> None:
    time.sleep(60)


def segfault(path: Path) -> None:
    faulthandler.disable()  # keep pytest's fault handler from dumping a traceback
    os.kill(os.getpid(), signal.SIGSEGV)


def sleep_half_second(path: Path) -> str:
    time.sleep(0.5)
    return path.name


def big_result(path: Path) -> list[dict[str, object]]:
    return [
        {"row": i, "agency": f"Agency {i}" * 5, "state": "TX", "ok": True}
        for i in range(5000)
    ]


def sandbox_rejection(func, path: Path, **limits: float) -> str:
    """Run func sandboxed and return the FileRejected reason."""
    with pytest.raises(FileRejected) as caught:
        run_sandboxed(func, path, name="ice.xlsx", limits=SandboxLimits(**limits))
    assert str(caught.value) == f"ice.xlsx: {caught.value.reason}"
    assert "\n" not in str(caught.value)
    return caught.value.reason


@pytest.fixture
def any_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.xlsx"
    path.write_bytes(b"x")
    return path


@pytest.fixture(autouse=True)
def no_children_left_behind():
    yield
    assert children_of_this_process() == []


# --- sandbox ------------------------------------------------------------------


def test_defusedxml_is_active() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_billion_laughs_sheet_rejected_quickly(tmp_path: Path) -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>\n'
        f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1"><c r="A1" t="str">'
        "<v>&lol9;</v></c></row></sheetData></worksheet>"
    ).encode()
    good = make_workbook(tmp_path / "good.xlsx")
    path = replace_member(
        good, tmp_path / "laughs.xlsx", "xl/worksheets/sheet1.xml", bomb
    )
    check_xlsx(path)  # small and well-formed as a zip: the parser must catch it
    started = time.monotonic()
    reason = sandbox_rejection(load_workbook, path)
    assert time.monotonic() - started < 5
    assert reason.startswith("corrupt or unsafe workbook (EntitiesForbidden: ")
    assert str(tmp_path) not in reason


def test_openpyxl_zlib_error_is_contained(tmp_path: Path) -> None:
    # openpyxl leaks zlib.error, outside its documented exceptions (§5).
    reason = sandbox_rejection(load_workbook, corrupt_sheet_stream(tmp_path))
    assert reason.startswith("corrupt or unsafe workbook (zlib.error: Error -3 ")


def test_valid_workbook_read_in_sandbox(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "ok.xlsx", rows=3)
    check_xlsx(path)
    rows = run_sandboxed(load_workbook, path, name="ok.xlsx")
    assert rows[0] == ["State", "Agency", "Type", "Signed"]
    assert len(rows) == 4


def test_returns_value_from_child(any_file: Path) -> None:
    result = run_sandboxed(return_value, any_file, name="input.xlsx")
    assert result["name"] == "input.xlsx"
    assert result["pid"] != os.getpid()


def test_zlib_error_becomes_clear_reason(any_file: Path) -> None:
    assert sandbox_rejection(raise_zlib_error, any_file) == (
        "corrupt or unsafe workbook (zlib.error: Error -3 while decompressing data: "
        "invalid distance too far back)"
    )


def test_file_rejected_reason_passes_through(any_file: Path) -> None:
    assert sandbox_rejection(raise_file_rejected, any_file) == "no header row found"


def test_unexpected_exception_is_one_line(any_file: Path) -> None:
    assert sandbox_rejection(raise_runtime_error, any_file) == (
        "could not be read (RuntimeError: boom)"
    )


def test_cpu_limit(any_file: Path) -> None:
    started = time.monotonic()
    reason = sandbox_rejection(burn_cpu, any_file, cpu_seconds=1)
    assert reason == "the reader was stopped: CPU time limit of 1 s reached"
    assert time.monotonic() - started < 5


def test_memory_limit(any_file: Path) -> None:
    reason = sandbox_rejection(allocate_2gib, any_file, memory_bytes=256 * MIB)
    assert reason == "ran out of memory (limit 256 MiB)"


def test_wall_clock_limit(any_file: Path) -> None:
    started = time.monotonic()
    reason = sandbox_rejection(sleep_long, any_file, wall_seconds=1)
    assert reason == "took longer than 1 s to read; stopped"
    assert time.monotonic() - started < 3


def test_segfault_in_reader(any_file: Path) -> None:
    assert sandbox_rejection(segfault, any_file) == (
        "the reader crashed (signal 11, SIGSEGV)"
    )


def test_parent_survives_every_failure(any_file: Path) -> None:
    me = os.getpid()
    for func in (raise_zlib_error, segfault, allocate_2gib):
        with pytest.raises(FileRejected):
            run_sandboxed(
                func,
                any_file,
                name="x",
                limits=SandboxLimits(memory_bytes=256 * MIB),
            )
    assert os.getpid() == me
    assert run_sandboxed(return_value, any_file, name="x")["name"] == "input.xlsx"


def test_big_result_comes_back_intact(any_file: Path) -> None:
    # ~600 KB pickled: far more than a pipe buffer, so the parent must drain
    # the pipe while the child writes.
    result = run_sandboxed(big_result, any_file, name="big")
    assert result == big_result(any_file)


def test_pool_returns_every_item_with_its_outcome(tmp_path: Path) -> None:
    items = []
    for n in range(5):
        path = tmp_path / f"f{n}.xlsx"
        path.write_bytes(b"x")
        items.append((f"f{n}.xlsx", path))
    funcs = {
        "f0.xlsx": return_value,
        "f1.xlsx": segfault,
        "f2.xlsx": raise_zlib_error,
        "f3.xlsx": return_value,
        "f4.xlsx": big_result,
    }

    def dispatch(path: Path) -> object:
        # A closure is fine: fork copies it, nothing is pickled on the way in.
        return funcs[path.name](path)

    results = dict(SandboxPool(workers=2).map(dispatch, items))
    assert sorted(results) == [name for name, _ in items]
    assert results["f0.xlsx"]["name"] == "f0.xlsx"
    assert results["f3.xlsx"]["name"] == "f3.xlsx"
    assert len(results["f4.xlsx"]) == 5000
    crashed, corrupt = results["f1.xlsx"], results["f2.xlsx"]
    assert isinstance(crashed, FileRejected)
    assert str(crashed) == "f1.xlsx: the reader crashed (signal 11, SIGSEGV)"
    assert isinstance(corrupt, FileRejected)
    assert corrupt.reason.startswith("corrupt or unsafe workbook (zlib.error: ")


def test_pool_runs_at_most_workers_at_once(tmp_path: Path) -> None:
    # Each child records when it starts and ends; no timing thresholds (the
    # machine is shared), only the overlap of those intervals is checked.
    log = tmp_path / "log"

    def record(path: Path) -> str:
        with log.open("a") as handle:
            handle.write(f"start {path.name} {time.monotonic()}\n")
        time.sleep(0.2)
        with log.open("a") as handle:
            handle.write(f"end {path.name} {time.monotonic()}\n")
        return path.name

    items = [(f"s{n}", tmp_path / f"s{n}") for n in range(6)]
    names = [name for name, _ in SandboxPool(workers=2).map(record, items)]
    assert sorted(names) == [f"s{n}" for n in range(6)]
    events = sorted(
        (float(t), kind)
        for kind, _, t in (line.split() for line in log.read_text().splitlines())
    )
    running = peak = 0
    for _, kind in events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 2  # never more than two children, and both slots used


def test_pool_kills_children_when_caller_stops_early(tmp_path: Path) -> None:
    items = [("fast", tmp_path / "fast"), ("slow", tmp_path / "slow")]

    def dispatch(path: Path) -> str:
        if path.name == "slow":
            time.sleep(60)
        return path.name

    results = SandboxPool(workers=2).map(dispatch, items)
    assert next(results) == ("fast", "fast")
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 2
    assert children_of_this_process() == []
