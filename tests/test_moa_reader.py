"""Reading agreement PDFs: text layer, OCR, and the issue's bad files.

Every PDF is written in tmp_path by tests/fixtures/pdfs.py. The bad files go
through ``run_sandboxed`` as the documents pipeline sends them: each must end
as one ``FileRejected`` naming the file and the reason, inside its limits,
without this process growing or anything left running.
"""

from __future__ import annotations

import functools
import os
import re
import resource
import time
from pathlib import Path

import pytest

from tests.fixtures import pdfs
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.sandbox import SandboxLimits, SandboxPool, run_sandboxed
from tidewatch.sources import ice_moa_pdfs
from tidewatch.sources.ice_moa_pdfs import OCR, TEXT_LAYER, ReadLimits, read_pdf

MIB = 1024 * 1024
needs_poppler = pytest.mark.skipif(
    not ice_moa_pdfs.have_poppler(), reason="poppler-utils (pdftotext) not installed"
)
needs_ocr = pytest.mark.skipif(
    not (ice_moa_pdfs.have_poppler() and ice_moa_pdfs.have_tesseract()),
    reason="poppler-utils and tesseract-ocr are needed for OCR",
)
# Short limits so a test that goes wrong fails in seconds, not minutes.
DEFAULTS = ReadLimits()
SANDBOX = SandboxLimits(cpu_seconds=30, memory_bytes=1024 * MIB, wall_seconds=60)


def flat(text: str) -> str:
    """Text with every run of whitespace made one space (OCR keeps columns)."""
    return " ".join(text.split())


def sandboxed(
    path: Path, limits: ReadLimits = DEFAULTS, sandbox: SandboxLimits = SANDBOX
) -> ice_moa_pdfs.PdfText:
    return run_sandboxed(
        functools.partial(read_pdf, limits=limits), path, name=path.name, limits=sandbox
    )


def rejected(
    path: Path, limits: ReadLimits = DEFAULTS, sandbox: SandboxLimits = SANDBOX
) -> FileRejected:
    """The FileRejected of a sandboxed read; checks it names the file."""
    with pytest.raises(FileRejected) as caught:
        sandboxed(path, limits, sandbox)
    error = caught.value
    assert error.name == path.name
    assert str(error).startswith(f"{path.name}: ")
    assert "\n" not in str(error)
    return error


# --- good files -------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("model", ["JEM", "WSO", "TFM"])
def test_text_moa_reads_every_page_from_its_text_layer(
    tmp_path: Path, model: str
) -> None:
    path = pdfs.write_moa(tmp_path / "moa.pdf", model=model, extra_pages=2)
    result = read_pdf(path)
    assert result.page_count == 5
    assert [page.number for page in result.pages] == [1, 2, 3, 4, 5]
    assert {page.method for page in result.pages} == {TEXT_LAYER}
    assert result.ocr_pages == 0
    assert result.text_reader == "pdftotext"
    first = flat(result.pages[0].text)
    assert "MEMORANDUM OF AGREEMENT" in first
    assert pdfs.MODEL_TITLES[model] in first
    assert "and the Charleston County Sheriff's Office, South Carolina, " in first
    # -layout keeps the two signature columns apart on one line each.
    signatures = result.pages[-1].text
    assert re.search(r"Name: Example Signer {2,}Name: Fixture Official", signatures)
    assert re.search(r"Date: 3/1/2025 {2,}Date: March 5, 2025", signatures)
    assert "For ICE: Atlanta Field Office Director" in result.pages[-2].text


def test_without_poppler_pypdf_reads_the_text_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ice_moa_pdfs, "have_poppler", lambda: False)
    path = pdfs.write_moa(tmp_path / "moa.pdf", agency="Lanett Police Department")
    result = read_pdf(path)
    assert result.text_reader == "pypdf"
    assert {page.method for page in result.pages} == {TEXT_LAYER}
    assert "Lanett Police Department" in result.pages[0].text


@needs_ocr
def test_scanned_moa_is_read_by_ocr(tmp_path: Path) -> None:
    path = pdfs.write_moa(tmp_path / "scan.pdf", scanned=True, lea_title="Sheriff")
    assert ice_moa_pdfs._pypdf_text(path) == ["", "", ""]  # no text layer at all
    result = read_pdf(path)
    assert result.page_count == 3
    assert {page.method for page in result.pages} == {OCR}
    assert result.ocr_pages == 3
    assert "Charleston County Sheriff's Office" in flat(result.pages[0].text)
    signatures = flat(result.pages[-1].text)
    assert "Example Signer" in signatures
    assert "Fixture Official" in signatures


@pytest.mark.parametrize("poppler", [True, False], ids=["pdftotext", "pypdf"])
def test_owner_password_only_opens_and_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, poppler: bool
) -> None:
    if poppler and not ice_moa_pdfs.have_poppler():
        pytest.skip("poppler-utils (pdftotext) not installed")
    monkeypatch.setattr(ice_moa_pdfs, "have_poppler", lambda: poppler)
    path = pdfs.write_owner_password_only(tmp_path / "protected.pdf")
    result = read_pdf(path)
    assert result.encrypted
    assert {page.method for page in result.pages} == {TEXT_LAYER}
    assert "Charleston County Sheriff's Office" in result.pages[0].text


@needs_poppler
def test_sandbox_memory_cap_below_the_programs_own_still_reads(
    tmp_path: Path,
) -> None:
    """The programs' 1 GiB cap must not try to rise above the sandbox's."""
    path = pdfs.write_moa(tmp_path / "moa.pdf")
    result = sandboxed(path, sandbox=SandboxLimits(memory_bytes=900 * MIB))
    assert result.page_count == 3
    assert result.text_reader == "pdftotext"


# --- bad files, through the sandbox -----------------------------------------


def test_not_a_pdf(tmp_path: Path) -> None:
    error = rejected(pdfs.write_not_a_pdf(tmp_path / "picture.pdf"))
    assert error.reason == r"not a PDF (it starts with '\x89PNG\r\n\x1a\n', not %PDF-)"


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated(tmp_path: Path, keep: float) -> None:
    """Cut inside its last update a PDF still opens (as an older revision):
    it must be refused, not read short."""
    path = pdfs.write_truncated(tmp_path / "cut.pdf", keep)
    assert rejected(path).reason.startswith("truncated: ")


def test_user_password(tmp_path: Path) -> None:
    error = rejected(pdfs.write_user_password(tmp_path / "locked.pdf"))
    assert "user password" in error.reason


def test_two_thousand_pages_over_the_page_cap(tmp_path: Path) -> None:
    error = rejected(pdfs.write_pages(tmp_path / "long.pdf", 2000))
    assert error.reason == "2,000 pages, more than the limit of 500"


@needs_poppler
def test_decompression_bomb_stays_within_its_limits(tmp_path: Path) -> None:
    """2 GiB of content stream: refused on the time limit or read to nothing;
    either way in the child, never in this process's memory."""
    path = pdfs.write_decompression_bomb(tmp_path / "bomb.pdf")
    assert path.stat().st_size < 4 * MIB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    limits = ReadLimits(text_seconds=5, ocr_page_seconds=5)
    try:
        result = sandboxed(path, limits)
    except FileRejected as error:
        assert error.name == path.name
        assert error.reason in {
            "reading the text layer (pdftotext) took longer than 5 s",
            "page 1: OCR (drawing the page) took longer than 5 s",
        }
    else:  # a fast machine got through 2 GiB of spaces: nothing to read
        assert result.page_count == 1
        assert len(result.pages[0].text) < 1000
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 100


def test_decompression_bomb_without_poppler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pypdf decompresses in the sandboxed child and stops (or is stopped)."""
    monkeypatch.setattr(ice_moa_pdfs, "have_poppler", lambda: False)
    path = pdfs.write_decompression_bomb(tmp_path / "bomb.pdf")
    error = rejected(path, sandbox=SandboxLimits(cpu_seconds=30, wall_seconds=60))
    assert re.search(r"decompress|memory", error.reason), error.reason


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@needs_ocr
def test_ocr_that_hangs_is_stopped_at_the_page_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tesseract that never answers: the page's time limit stops it and what
    it started, and the error names the page and the limit."""
    started = tmp_path / "started"
    fake = tmp_path / "bin" / "tesseract"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nsleep 30 &\necho $! >> "{started}"\nwait\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    path = pdfs.write_pages(tmp_path / "scan.pdf", 1)  # one line: below the bar
    error = rejected(path, ReadLimits(ocr_page_seconds=2))
    assert error.reason == "page 1: OCR took longer than 2 s"
    sleepers = [int(pid) for pid in started.read_text().split()]
    assert sleepers
    deadline = time.monotonic() + 5
    while any(map(_alive, sleepers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, sleepers)), "the hung OCR's child is still running"


@needs_poppler
def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    files = {
        "good.pdf": pdfs.write_moa(tmp_path / "good.pdf"),
        "picture.pdf": pdfs.write_not_a_pdf(tmp_path / "picture.pdf"),
        "cut.pdf": pdfs.write_truncated(tmp_path / "cut.pdf"),
        "locked.pdf": pdfs.write_user_password(tmp_path / "locked.pdf"),
        "long.pdf": pdfs.write_pages(tmp_path / "long.pdf", 2000),
        "protected.pdf": pdfs.write_owner_password_only(tmp_path / "protected.pdf"),
    }
    pool = SandboxPool(workers=2, limits=SANDBOX)
    outcome = dict(pool.map(read_pdf, files.items()))
    assert set(outcome) == set(files)
    read = {name for name, value in outcome.items() if not isinstance(value, Exception)}
    assert read == {"good.pdf", "protected.pdf"}
    for name in files.keys() - read:
        assert str(outcome[name]).startswith(f"{name}: ")
