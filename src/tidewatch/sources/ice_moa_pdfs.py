"""ICE's 287(g) agreement documents: the signed MOAs and addenda (PDF).

``read_pdf`` is a pure function of the file: no network, no database. It
returns the text of every page with how it was got:

* ``text``: the page's own text layer, read by poppler's ``pdftotext
  -layout`` (one call per document; pages come back split by form feeds). The
  layout mode keeps the two signature columns ("For the LEA" / "For ICE")
  apart, which the field reader relies on. pypdf reads the text layer instead
  when poppler is not installed (about ten times slower on the corpus; see
  docs/benchmarks.md).
* ``ocr``: pages whose text layer is empty or nearly so (scans) are drawn by
  ``pdftoppm`` and read by Debian's ``tesseract``, each under a time limit.

pypdf opens every file first: it refuses what is not a PDF, counts pages
against the page cap, and opens files encrypted with only an owner password
(AES needs the ``cryptography`` package). A file with a user password
Tidewatch does not have is refused with that reason.

Run it through ``pipeline.sandbox`` (the documents pipeline does): pypdf and
poppler have had denial-of-service bugs, and the child's memory and CPU
limits are inherited by the programs it starts. See docs/sources/ice_moa_pdfs.md.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Imported here, not in the functions: the reader runs in a forked child
# under a memory limit (pipeline.sandbox), which must not import anything.
import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from tidewatch.pipeline import programs
from tidewatch.pipeline.errors import FileRejected
from tidewatch.sources.base import SourceInfo

SOURCE = SourceInfo(
    key="ice_moa_pdfs",
    name="ICE 287(g) Memoranda of Agreement and addenda",
    publisher="U.S. Immigration and Customs Enforcement (ICE)",
    url="https://www.ice.gov/identify-and-arrest/287g",
    formats=("pdf",),
    description=(
        "The signed agreement behind each row of ICE's lists, linked from the "
        "MOA and ADDENDUM columns: a standard text per model, the agency's "
        "name, the signatures of the local official and of ICE, and the "
        "points of contact. Many are scans."
    ),
)

TEXT_LAYER = "text"
OCR = "ocr"
# A page whose text layer has fewer letters and digits than this is a scan
# (a stray page number or a signature's "Digitally signed" stamp is not text).
MIN_TEXT_CHARACTERS = 200


@dataclass(frozen=True)
class ReadLimits:
    """How much one document may cost (docs/reliability: PDF limits)."""

    max_pages: int = 500
    ocr_page_seconds: float = 120.0
    text_seconds: float = 120.0
    ocr: bool = True
    ocr_workers: int = 2


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    text: str
    method: str  # TEXT_LAYER or OCR
    seconds: float
    # OCR of a signed page that also has a text layer: typed names under a
    # signature are often lost from the text layer (see the module docstring).
    ocr_text: str = ""


@dataclass
class PdfText:
    pages: list[PageText]
    encrypted: bool = False
    producer: str = ""
    text_reader: str = ""  # "pdftotext" or "pypdf"
    notes: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def ocr_pages(self) -> int:
        return sum(1 for page in self.pages if page.method == OCR)


def have_poppler() -> bool:
    return (
        shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
    )


def have_tesseract() -> bool:
    return shutil.which("tesseract") is not None


def read_pdf(path: Path, limits: ReadLimits = ReadLimits()) -> PdfText:
    """Every page's text, from its text layer or by OCR.

    Raises :class:`FileRejected` (one line naming the file) when the file is
    not a PDF, is damaged, has more than ``limits.max_pages`` pages, needs a
    user password, or a program runs past its time limit.
    """
    name = path.name
    started = time.perf_counter()
    # pdftotext starts at once and reads while pypdf checks the file in this
    # process: the checks cost no extra time (docs/benchmarks.md#documents).
    process = programs.start(_pdftotext_command(path)) if have_poppler() else None
    try:
        page_count, encrypted, producer = _open(path)
        if page_count > limits.max_pages:
            raise FileRejected(
                name,
                f"{page_count:,} pages, more than the limit of {limits.max_pages:,}",
            )
        if page_count == 0:
            raise FileRejected(name, "the PDF has no pages")
    except BaseException:
        if process is not None:
            programs.stop(process)
        raise
    if process is not None:
        texts = _pdftotext(path, page_count, limits, process)
        reader = "pdftotext"
    else:
        texts = _pypdf_text(path)
        reader = "pypdf"
    texts = [_unshift(text) for text in texts]
    per_page = (time.perf_counter() - started) / page_count
    result = PdfText(
        pages=[], encrypted=encrypted, producer=producer, text_reader=reader
    )
    scanned = [number for number, text in enumerate(texts, 1) if not _is_text(text)]
    signed = [
        number
        for number, text in enumerate(texts, 1)
        if number not in scanned and _SIGNED_PAGE.search(text)
    ]
    ocr_texts: dict[int, tuple[str, float]] = {}
    if (scanned or signed) and limits.ocr:
        if not (have_poppler() and have_tesseract()):
            result.notes.append(
                f"{len(scanned)} page(s) without a text layer were not read: "
                "install poppler-utils and tesseract-ocr for OCR"
            )
        else:
            ocr_texts = _ocr_pages(path, scanned + signed, limits)
    for number, text in enumerate(texts, 1):
        if number in ocr_texts and number in scanned:
            ocr_text, seconds = ocr_texts[number]
            result.pages.append(PageText(number, ocr_text, OCR, seconds))
        else:
            second = ocr_texts.get(number, ("", 0.0))[0]
            result.pages.append(
                PageText(number, text, TEXT_LAYER, per_page, ocr_text=second)
            )
    return result


# Some signature pages embed a font whose codes are the letters' codes minus
# 29 with no table to undo it: "'DWH" is "Date", "1DPH" "Name", "BBBB" a
# fill-in line. The page is restored only when the signature labels show the
# shift, so ordinary text is never touched.
_SHIFTED_LABELS = re.compile(r"(?<!\S)(?:'DWH|1DPH|7LWOH|6LJQDWXUH|\$JHQF\\)(?!\S)")
_SHIFTED_TOKEN = re.compile(r"(?<!\S)[\x21-\x5d]+(?!\S)")


def _unshift(text: str) -> str:
    if len(_SHIFTED_LABELS.findall(text)) < 3:
        return text

    def restore(match: re.Match[str]) -> str:
        token = match.group(0)
        if len(token) >= 5 and set(token) == {"B"}:
            return "_" * len(token)  # a fill-in line
        # A shifted word starts with a shifted capital (a digit or a mark);
        # a word of plain capitals ("SHERIFF") is real text in another font.
        if token[0].isalpha():
            return token
        shifted = "".join(chr(ord(character) + 29) for character in token)
        return shifted if shifted.replace("'", "").isalpha() else token

    return _SHIFTED_TOKEN.sub(restore, text)


# The signature page: the sentence before the signatures, in either wording.
_SIGNED_PAGE = re.compile(r"allowed\s+by\s+law|By\s+signing\s+this", re.I)
# Characters a text layer with a broken font encoding is full of ("+@AXMAJ@HLM").
_ODD = frozenset("@#$<>+=%&*{}^~|\\")


def _is_text(text: str) -> bool:
    """Whether a page's text layer is real text: enough letters and digits,
    and not the symbol soup of a font without a usable encoding."""
    visible = [character for character in text if not character.isspace()]
    letters = sum(1 for character in visible if character.isalnum())
    if letters < MIN_TEXT_CHARACTERS:
        return False
    odd = sum(1 for character in visible if character in _ODD)
    return odd / len(visible) < 0.03


def _open(path: Path) -> tuple[int, bool, str]:
    """Check the file is a PDF pypdf can open; return pages, encryption, producer."""

    name = path.name
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, path.stat().st_size - 1024))
        tail = handle.read()
    if b"%PDF-" not in head:
        shown = repr(head[:8].decode("latin-1"))
        raise FileRejected(name, f"not a PDF (it starts with {shown}, not %PDF-)")
    # pypdf and poppler rebuild a cut-off file from what is left and read it
    # without a word, short of its last objects: refuse it instead.
    if b"%%EOF" not in tail:
        raise FileRejected(
            name, "truncated: no %%EOF at the end (an interrupted download?)"
        )
    # pypdf logs every repaired cross-reference table; the reason that matters
    # reaches the caller as FileRejected instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            raise FileRejected(
                name, "encrypted with a user password (Tidewatch cannot open it)"
            )
        count = len(reader.pages)
        producer = str((reader.metadata or {}).get("/Producer", "") or "")
    except FileRejected:
        raise
    except FileNotDecryptedError:
        raise FileRejected(
            name, "encrypted with a user password (Tidewatch cannot open it)"
        ) from None
    except DependencyError as exc:
        raise FileRejected(name, f"cannot decrypt: {exc}") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FileRejected(name, f"damaged PDF: {_one_line(exc)}") from None
    return count, encrypted, producer[:200]


def _pypdf_text(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    try:
        return [
            page.extract_text(extraction_mode="layout") or "" for page in reader.pages
        ]
    except Exception as exc:  # pypdf raises many types on damaged streams
        if isinstance(exc, MemoryError) or "allocate" in str(exc):
            # zlib reports running into the memory limit as a failed allocation.
            raise FileRejected(
                path.name,
                "decompressing a page needs more memory than allowed "
                "(a decompression bomb?)",
            ) from None
        raise FileRejected(path.name, f"damaged PDF: {_one_line(exc)}") from None


def _pdftotext_command(path: Path) -> list[str]:
    return ["pdftotext", "-layout", "-enc", "UTF-8", "-q", str(path), "-"]


def _pdftotext(
    path: Path,
    page_count: int,
    limits: ReadLimits,
    process: subprocess.Popen[bytes] | None = None,
) -> list[str]:
    output = programs.finish(
        process or programs.start(_pdftotext_command(path)),
        name=path.name,
        what="reading the text layer (pdftotext)",
        seconds=limits.text_seconds,
    )
    pages = output.decode("utf-8", "replace").split("\f")
    # pdftotext ends every page with a form feed, so the last piece is empty.
    if pages and not pages[-1].strip():
        pages.pop()
    if len(pages) < page_count:
        pages.extend([""] * (page_count - len(pages)))
    return pages[:page_count]


def _ocr_pages(
    path: Path, numbers: list[int], limits: ReadLimits
) -> dict[int, tuple[str, float]]:
    with tempfile.TemporaryDirectory(prefix="tidewatch-ocr-") as folder:
        pages = [
            programs.OcrPage(path, number, Path(folder), limits.ocr_page_seconds)
            for number in numbers
        ]
        programs.run_all(pages, workers=max(1, limits.ocr_workers))
    return {page.number: (page.text, page.seconds) for page in pages}


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text[:200] or type(value).__name__


# Other ways to look at a signed page: OCR's reading of a typed name crossed
# by a signature changes with the resolution and the page-segmentation mode,
# so a name missed at 300 dpi is often clear at another one. Used only when
# the first reading found no name (pipeline.documents).
SECOND_LOOKS = ((250, 4), (350, 4))


def ocr_again(path: Path, number: int, limits: ReadLimits = ReadLimits()) -> list[str]:
    """OCR of page ``number`` at each of :data:`SECOND_LOOKS`."""
    with tempfile.TemporaryDirectory(prefix="tidewatch-ocr-") as folder:
        pages = [
            programs.OcrPage(
                path, number, Path(folder), limits.ocr_page_seconds, dpi=dpi, psm=psm
            )
            for dpi, psm in SECOND_LOOKS
        ]
        programs.run_all(pages, workers=max(1, limits.ocr_workers))
    return [page.text for page in pages]
