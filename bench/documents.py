"""Agreement documents benchmark: reading the corpus MOA PDFs.

    TIDEWATCH_CORPUS=../shared/data .venv/bin/python bench/documents.py

Over every PDF in ``$TIDEWATCH_CORPUS/moa_pdfs``, measured in the same run:

(a) baseline: ``pdftotext -layout`` alone on each file, one after another,
    its output read from a pipe (pages per second);
(b) Tidewatch's text-layer extraction: ``read_pdf`` with
    ``ReadLimits(ocr=False)``, through ``run_sandboxed`` as ``tidewatch
    documents import`` runs it (a forked child per file, pypdf opening the
    file, then the same ``pdftotext`` call), and in-process; target: within 2x
    of (a);
(c) pypdf's own per-page extraction (``extract_text(extraction_mode=
    "layout")``, read_pdf's fallback without poppler), for the record: it is
    why poppler reads the text layer;
(d) OCR: ``read_pdf`` with its default limits on every file; pages per
    second of the pages it OCR'd (``pdftoppm`` at 300 dpi then
    ``tesseract``, two pages at a time): pages without a usable text layer,
    and signed pages, which it reads a second time by OCR.

(a) to (c) are the best of three runs (median shown too); (d) runs once.
Run from ``bench/run.py`` (``--only documents``) it rewrites its section of
docs/benchmarks.md; run alone it prints the section.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tidewatch.pipeline.sandbox import run_sandboxed
from tidewatch.site.corpus_site import default_corpus
from tidewatch.sources import ice_moa_pdfs
from tidewatch.sources.ice_moa_pdfs import OCR, ReadLimits, read_pdf

TITLE = "## Documents"
REPEATS = 3
TEXT_TARGET = 2.0  # read_pdf text layer time / pdftotext alone, at most
TEXT_ONLY = ReadLimits(ocr=False)


@dataclass
class Timing:
    runs: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


@dataclass
class Results:
    files: int = 0
    pages: int = 0
    megabytes: float = 0.0
    pdftotext: Timing = field(default_factory=Timing)
    sandboxed: Timing = field(default_factory=Timing)
    in_process: Timing = field(default_factory=Timing)
    pypdf: Timing = field(default_factory=Timing)
    ocr_files: int = 0
    ocr_pages: int = 0
    signed_pages: int = 0
    ocr_seconds: float = 0.0
    ocr_page_seconds: list[float] = field(default_factory=list)
    per_file: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""


def pdftotext_alone(path: Path) -> int:
    """The baseline: poppler's reader on its own; returns characters read."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-q", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return len(done.stdout.decode("utf-8", "replace"))


def tidewatch_sandboxed(path: Path) -> int:
    result = run_sandboxed(
        functools.partial(read_pdf, limits=TEXT_ONLY), path, name=path.name
    )
    return sum(len(page.text) for page in result.pages)


def tidewatch_in_process(path: Path) -> int:
    return sum(len(page.text) for page in read_pdf(path, TEXT_ONLY).pages)


def pypdf_alone(path: Path) -> int:
    import pypdf

    reader = pypdf.PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    return sum(
        len(page.extract_text(extraction_mode="layout") or "") for page in reader.pages
    )


def timed(read: Callable[[Path], int], files: list[Path]) -> tuple[Timing, dict]:
    """REPEATS passes over ``files``; seconds per pass and per file (best)."""
    timing = Timing()
    per_file: dict[Path, float] = {}
    for _ in range(REPEATS):
        start = time.perf_counter()
        for path in files:
            one = time.perf_counter()
            read(path)
            spent = time.perf_counter() - one
            per_file[path] = min(per_file.get(path, spent), spent)
        timing.runs.append(time.perf_counter() - start)
    return timing, per_file


def run(corpus: Path | None = None) -> Results:
    """Measure (a) to (d) over ``corpus/moa_pdfs``."""
    results = Results()
    folder = (corpus or default_corpus()) / "moa_pdfs"
    files = sorted(folder.glob("*.pdf"))
    if not files:
        results.error = f"no PDF in {folder}"
        return results
    if not ice_moa_pdfs.have_poppler():
        results.error = "poppler-utils (pdftotext, pdftoppm) is not installed"
        return results
    import pypdf

    pages = {path: len(pypdf.PdfReader(path).pages) for path in files}
    results.files, results.pages = len(files), sum(pages.values())
    results.megabytes = sum(path.stat().st_size for path in files) / 1024 / 1024
    # One untimed pass: the files in the page cache, the imports done.
    text = {path: tidewatch_in_process(path) for path in files}
    for path in files:
        pdftotext_alone(path)
    print("bench: documents: pdftotext alone ...", flush=True)
    results.pdftotext, base = timed(pdftotext_alone, files)
    print("bench: documents: read_pdf, text layer ...", flush=True)
    results.sandboxed, sandboxed = timed(tidewatch_sandboxed, files)
    results.in_process, _ = timed(tidewatch_in_process, files)
    print("bench: documents: pypdf extract_text ...", flush=True)
    results.pypdf, by_pypdf = timed(pypdf_alone, files)
    baseline_chars = sum(pdftotext_alone(path) for path in files)
    results.notes.append(
        f"read_pdf returned {sum(text.values()):,} characters of text layer, "
        f"pdftotext alone {baseline_chars:,} (read_pdf drops the form feed "
        "between pages)"
    )
    ocr_counts: dict[Path, int] = {}
    if ice_moa_pdfs.have_tesseract():
        print("bench: documents: OCR ...", flush=True)
        for path in files:
            start = time.perf_counter()
            result = read_pdf(path)  # default limits: OCR on
            seconds = time.perf_counter() - start
            # Pages without a usable text layer, and signed pages read twice
            # (their OCR finds typed names the text layer lost).
            signed = sum(1 for page in result.pages if page.ocr_text)
            ocr_counts[path] = result.ocr_pages + signed
            results.signed_pages += signed
            if ocr_counts[path]:
                results.ocr_files += 1
                results.ocr_pages += ocr_counts[path]
                results.ocr_seconds += seconds
                results.ocr_page_seconds += [
                    page.seconds for page in result.pages if page.method == OCR
                ]
    else:
        results.notes.append("tesseract-ocr is not installed: OCR not measured")
    for path in files:
        results.per_file.append(
            f"{path.name[:52]:52} {pages[path]:3} pages  pdftotext "
            f"{base[path] * 1000:4.0f} ms  read_pdf {sandboxed[path] * 1000:4.0f} ms"
            f"  pypdf {by_pypdf[path] * 1000:5.0f} ms"
            f"  OCR {ocr_counts.get(path, '-'):>2} pages"
        )
    return results


def rate(pages: int, seconds: float) -> str:
    return f"{pages / seconds:,.1f} pages/s" if seconds else "-"


def markdown(results: Results) -> list[str]:
    """The "Documents" section of docs/benchmarks.md."""
    lines = [
        TITLE,
        "",
        "Reading the corpus agreement PDFs (`moa_pdfs/` of TIDEWATCH_CORPUS) "
        "with `tidewatch.sources.ice_moa_pdfs.read_pdf`, against `pdftotext "
        "-layout` alone on the same files in the same run. (a) to (c): every "
        f"file one after another, best of {REPEATS} passes (median in "
        "brackets); the ratio is seconds over the baseline's seconds (lower "
        "is faster). (b) runs each file in a forked sandbox child as `tidewatch "
        "documents import` does. (d): every file read once with read_pdf's "
        "defaults; the time of the files where it ran OCR (pdftoppm at 300 dpi, "
        "tesseract, 2 pages at a time) over the pages it OCR'd: pages without "
        "a usable text layer, and signed pages, read again for typed names.",
        "",
        "| Measurement | Result | Baseline | Ratio | Target | Pass |",
        "|---|---|---|---|---|---|",
    ]
    if results.error:
        lines.append(
            f"| documents | not measured: {results.error} | - | - | - | FAIL |"
        )
        return lines
    pages = results.pages
    base = results.pdftotext.best

    def row(name: str, timing: Timing, target: float | None) -> str:
        ratio = timing.best / base
        verdict = "-" if target is None else ("PASS" if ratio <= target else "FAIL")
        return (
            f"| {name} | {rate(pages, timing.best)} ({timing.best:.2f} s; median "
            f"{timing.median:.2f} s) | {rate(pages, base)} | {ratio:.2f} | "
            f"{'-' if target is None else f'<= {target:g}'} | {verdict} |"
        )

    lines += [
        f"| (a) pdftotext -layout alone, {results.files} files, {pages} pages "
        f"(baseline) | {rate(pages, base)} ({base:.2f} s; median "
        f"{results.pdftotext.median:.2f} s) | - | 1.00 | - | - |",
        row("(b) read_pdf text layer, sandboxed", results.sandboxed, TEXT_TARGET),
        row("(b) read_pdf text layer, in-process", results.in_process, None),
        row("(c) pypdf extract_text (layout), per page", results.pypdf, None),
    ]
    if results.ocr_pages:
        ocr_ratio = (results.ocr_seconds / results.ocr_pages) / (base / pages)
        lines.append(
            f"| (d) OCR, {results.ocr_pages} pages in {results.ocr_files} files "
            f"({results.ocr_pages - results.signed_pages} with no usable text layer, "
            f"{results.signed_pages} signed pages read again) | "
            f"{rate(results.ocr_pages, results.ocr_seconds)} "
            f"({results.ocr_seconds:.1f} s) | {rate(pages, base)} | {ocr_ratio:.0f} "
            "| - | - |"
        )
        per_page = results.ocr_page_seconds or [0.0]
        results.notes.append(
            "OCR per page without a text layer (drawing + tesseract, one worker's "
            f"wall time): median "
            f"{statistics.median(per_page):.2f} s, slowest {max(per_page):.2f} s"
        )
    lines += [
        "",
        f"- {results.files} files, {pages} pages, {results.megabytes:.1f} MB; "
        f"poppler {_version('pdftotext')}, {_version('tesseract')}",
        *[f"- {note}" for note in results.notes],
        "- Per file (best pass):",
        "",
        "```text",
        *results.per_file,
        "```",
    ]
    return lines


def _version(program: str) -> str:
    """The first line a program prints for ``-v`` (version), shortened."""
    if not shutil.which(program):
        return f"{program} not installed"
    done = subprocess.run([program, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].strip() if first else program


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="Default: $TIDEWATCH_CORPUS.")
    args = parser.parse_args()
    results = run(args.corpus)
    print("\n".join(markdown(results)))
    return 0 if not results.error else 1


if __name__ == "__main__":
    sys.exit(main())
