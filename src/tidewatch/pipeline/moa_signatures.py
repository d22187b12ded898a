"""Read the signature block of an MOA: who signed, with what title, and when.

Two layouts are in use. Since 2025 the block has two labelled columns, "For
the LEA:" and "For ICE:", each with Date, Signature, Name, Title and Agency
lines; typed values often sit just above or below their fill-in line rather
than on it. The 2019-2020 agreements have no labels: ICE's official on one
side, the sheriff on the other, each a Date line, a signature, then the name
and title typed under it.

Both the text layer (``pdftotext -layout``) and OCR (``tesseract`` with the
spaces between words kept) keep the two columns apart by runs of spaces, so
each line is cut at the gap nearest the column boundary and every column is
read on its own. A value is accepted only when it reads as what it should
be (``moa_text.parse_date``, ``moa_text.person_name``); the text layer and
the OCR of the same page are both read and compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from django.utils.translation import gettext_noop as N_

from tidewatch.pipeline.moa_text import clean_value, fold, parse_date, person_name


class _Page(Protocol):
    number: int
    text: str
    ocr_text: str
    more_ocr: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    value: str = ""
    page: int | None = None
    confidence: float = 0.0
    note: str = ""


@dataclass
class SignatureReading:
    name: Reading = field(default_factory=Reading)
    title: Reading = field(default_factory=Reading)
    date: Reading = field(default_factory=Reading)
    name_fragment: str = ""  # an unreadable or partial Name line, as written


@dataclass
class Signatures:
    lea: SignatureReading
    ice: SignatureReading


_BY_LAW = re.compile(r"allow\S*\s*\S*\s*by\s+law|By signing this MOA", re.I)
_LABEL = re.compile(
    r"^\W{0,3}(?P<label>dat[ea]|dale|s[il1!]gn\w*|name|nane|wane|narne|tit[l1]e|agency)"
    r"\b\s*[:;.,]?\s*(?P<value>.*)$",
    re.I,
)
# The end of the block: a footer, the next appendix, or a third signer's
# header ("For OAG:", the Kansas Attorney General).
_STOP = re.compile(
    r"Revised\s|\bRev\s+\d|^\s*\d{1,2}\s*$|APPENDIX|"
    r"^\W*For\s*(?!the\b|ICE\b|DHS\b)[A-Z]{2,5}\s*:",
    re.I,
)
_HEADER = re.compile(r"For\s+the\s+LEA\s*:?", re.I)
_ICE_HEADER = re.compile(r"For\s+(?:ICE|DHS)\s*:?", re.I)
_ICE_WORDS = re.compile(r"Immigration|Removal\s+Op|Homeland|Customs", re.I)
_TITLE_WORDS = re.compile(
    r"sheriff|director|chief|superintendent|commissioner|colonel|attorney|"
    r"secretary|captain|major|marshal|warden|administrator|undersheriff",
    re.I,
)
_NOT_READ = {
    "name": N_("no printed name read in the signature block"),
    "title": N_("no title read in the signature block"),
    "date": N_("no typed date read (a handwritten date is not read)"),
}


def read_signatures(pages: Sequence[_Page]) -> Signatures:
    """The LEA's and ICE's signatures, from the text layer and OCR of the
    signed page, the better reading of each value kept."""
    readings: list[tuple[str, Signatures]] = []
    for page in pages:
        sources = [("text", page.text), ("ocr", page.ocr_text)]
        sources += [("second look", text) for text in page.more_ocr]
        for source, text in sources:
            if text and _BY_LAW.search(text):
                found = _read_page(text, page.number, ocr=source != "text")
                if found and source == "second look":
                    found = Signatures(_second(found.lea), _second(found.ice))
                if found:
                    readings.append((source, found))
    if not readings:
        empty = SignatureReading(
            name=Reading(note=N_("no signature page found")),
            title=Reading(note=N_("no signature page found")),
            date=Reading(note=N_("no signature page found")),
        )
        return Signatures(empty, replace(empty))
    return Signatures(
        _merge([r.lea for _, r in readings]), _merge([r.ice for _, r in readings])
    )


def _second(reading: SignatureReading) -> SignatureReading:
    """A value read only on a second OCR pass is less sure, and says so."""
    for part in ("name", "title", "date"):
        value = getattr(reading, part)
        if value.value:
            setattr(
                reading,
                part,
                replace(
                    value,
                    confidence=value.confidence - 0.2,
                    note=value.note or N_("read on a second OCR pass of the page"),
                ),
            )
    return reading


def signed_pages(pages: Sequence[_Page]) -> list[int]:
    """The numbers of the pages holding the signature block."""
    return [
        page.number
        for page in pages
        if _BY_LAW.search(page.text) or _BY_LAW.search(page.ocr_text)
    ]


def _merge(options: list[SignatureReading]) -> SignatureReading:
    merged = SignatureReading()
    for part in ("name", "title", "date"):
        values = [getattr(option, part) for option in options]
        good = [value for value in values if value.value]
        if not good:
            setattr(merged, part, Reading(note=_NOT_READ[part]))
            continue
        best = max(good, key=lambda reading: reading.confidence)
        agreeing = [r for r in good if fold(r.value) == fold(best.value)]
        if len(agreeing) > 1:
            best = replace(best, confidence=min(0.98, best.confidence + 0.05))
        elif len(good) > 1:
            others = "; ".join(r.value for r in good if r is not best)
            best = replace(
                best,
                confidence=best.confidence - 0.2,
                note=f"another reading of the page gave: {others}",
            )
        setattr(merged, part, best)
    merged.name_fragment = next(
        (option.name_fragment for option in options if option.name_fragment), ""
    )
    return merged


def _read_page(text: str, page: int, *, ocr: bool = False) -> Signatures | None:
    """One reading of a signed page. In OCR text a line's indentation is lost
    (tesseract keeps the spaces between words, not before the first), so a
    lone unlabelled value cannot be placed in a column and is left out."""
    lines = text.splitlines()
    matches = [i for i, line in enumerate(lines) if _BY_LAW.search(line)]
    if not matches:
        return None
    # "By signing this MOA ..." opens the paragraph, "... allowed by law." ends it.
    start = max(i for i in matches if i - matches[0] <= 4)
    block: list[str] = []
    for line in lines[start + 1 :]:
        if block and _STOP.search(line):
            break
        if line.strip():
            block.append(line.rstrip())
    if not block:
        return None
    split, lea_left = _columns(block)
    left: list[str] = []
    right: list[str] = []
    for line in block:
        if _HEADER.search(line) and _ICE_HEADER.search(line):
            continue
        first, second = _cut(line, split)
        if ocr and not (first and second) and not _LABEL.match(line.strip()):
            first = second = ""
        left.append(first)
        right.append(second)
    lea_lines, ice_lines = (left, right) if lea_left else (right, left)
    return Signatures(
        _read_column(lea_lines, page, ocr=ocr), _read_column(ice_lines, page, ocr=ocr)
    )


def _columns(block: list[str]) -> tuple[int, bool]:
    """Where the right column starts, and whether the LEA is on the left."""
    for line in block:
        lea = _HEADER.search(line)
        ice = _ICE_HEADER.search(line)
        if lea and ice:
            return max(lea.start(), ice.start()), lea.start() < ice.start()
    for line in block:
        second = [m.end() for m in _SECOND_LABEL.finditer(line) if m.start() >= 12]
        if second and _LABEL.match(line.strip()):
            split = second[0]
            break
    else:
        ends = sorted(
            gap.end()
            for line in block
            for gap in re.finditer(r"\S(\s{3,})(?=\S)", line)
            if gap.end() >= 30
        )
        split = ends[len(ends) // 2] if ends else 45
    left_text = " ".join(_cut(line, split)[0] for line in block)
    return split, not _ICE_WORDS.search(left_text)


_SECOND_LABEL = re.compile(r"\s(?=(?:Date|Signature|Name|Title|Agency)\s*[:;.,])")


def _cut(line: str, split: int) -> tuple[str, str]:
    # A second label on the line starts the right column, wherever it is.
    labels = [m.end() for m in _SECOND_LABEL.finditer(line) if m.start() >= 12]
    if labels and _LABEL.match(line.strip()):
        at = min(labels, key=lambda end: abs(end - split))
        return line[:at].strip(), line[at:].strip()
    gaps = [gap.end() for gap in re.finditer(r"\s{2,}", line) if gap.start() > 0]
    near = [end for end in gaps if abs(end - split) <= 14]
    if near:
        at = min(near, key=lambda end: abs(end - split))
        return line[:at].strip(), line[at:].strip()
    indent = len(line) - len(line.lstrip())
    if indent >= split - 8:
        return "", line.strip()
    return line.strip(), ""


def _read_column(lines: list[str], page: int, *, ocr: bool) -> SignatureReading:
    """One signer's column. A name in the Signature line is taken only from a
    text layer (a digital signature's typed name); in OCR it is a scribble."""
    labelled = [(i, _LABEL.match(line)) for i, line in enumerate(lines)]
    labels = {i: m for i, m in labelled if m}
    used: set[int] = set(labels)
    reading = SignatureReading()
    has_name = any(
        m.group("label").lower() in ("name", "nane", "wane", "narne")
        for m in labels.values()
    )

    def nearby(i: int, accept: Callable[[str], str]) -> tuple[str, int] | None:
        above = [j for j in range(i - 1, max(-1, i - 3), -1) if j not in used]
        below = [j for j in range(i + 1, min(len(lines), i + 3)) if j not in used]
        for j in above + below:
            if j in labels:
                continue
            value = accept(lines[j])
            if value:
                used.add(j)
                return value, j
        return None

    for i, match in sorted(labels.items()):
        kind = match.group("label").lower()
        inline = match.group("value")
        if kind.startswith(("dat", "dal")):
            value = _date(inline)
            if value:
                reading.date = Reading(value, page, 0.9)
            elif not reading.date.value:
                near = nearby(i, _date)
                if near:
                    reading.date = Reading(near[0], page, 0.8)
        elif kind in ("name", "nane", "wane", "narne"):
            value = person_name(inline)
            if value:
                reading.name = Reading(value, page, 0.9)
            else:
                near = nearby(i, person_name)
                if near:
                    reading.name = Reading(near[0], page, 0.8)
                else:
                    reading.name_fragment = clean_value(inline)
        elif kind.startswith("tit"):
            value = _title(inline)
            if value:
                reading.title = Reading(value, page, 0.9)
            else:
                near = nearby(i, _title)
                if near:
                    reading.title = Reading(near[0], page, 0.8)
        elif kind.startswith("s") and not (reading.name.value or has_name or ocr):
            # A digital signature's box prints the signer's typed name.
            value = person_name(inline)
            near = (value, i) if value else nearby(i, person_name)
            if near:
                reading.name = Reading(
                    near[0], page, 0.7, N_("the name typed in the signature box")
                )
    if not has_name and not reading.name.value:
        _read_unlabelled(lines, used, page, reading)
    if not reading.date.value:
        # A typed date whose Date label the text layer garbled ("o _a t e").
        for i, line in enumerate(lines):
            value = _date(line) if i not in used and not _LABEL.match(line) else ""
            if value:
                reading.date = Reading(
                    value, page, 0.6, N_("a date in the column, unlabelled")
                )
                break
    return reading


def _read_unlabelled(
    lines: list[str], used: set[int], page: int, reading: SignatureReading
) -> None:
    """The 2019-2020 layout: a name typed under the signature, the title
    next to it (usually below, sometimes above)."""
    candidates = [
        (i, name)
        for i, line in enumerate(lines)
        if i not in used and (name := person_name(line))
    ]
    # The typed name sits right above the title; a digital signature's
    # "Digitally signed by ..." text above it is the same person, less tidy.
    candidates.sort(
        key=lambda item: not (item[0] + 1 < len(lines) and _title(lines[item[0] + 1]))
    )
    for i, name in candidates[:1]:
        reading.name = Reading(
            name, page, 0.75, N_("the name typed under the signature")
        )
        if not reading.title.value:
            for j in (i + 1, i - 1, i + 2):
                if 0 <= j < len(lines) and j not in used:
                    title = _title(lines[j])
                    if title:
                        reading.title = Reading(title, page, 0.7)
                        break
        return
    if not reading.title.value:  # no name read: the title may still be clear
        for i, line in enumerate(lines):
            title = _title(line) if i not in used else ""
            if title:
                reading.title = Reading(title, page, 0.65)
                return


def _date(text: str) -> str:
    found = parse_date(text)
    return found.isoformat() if found else ""


_KNOWN_TITLES = ("Sheriff", "Chief", "Director", "Superintendent", "Commissioner")


def _title(text: str) -> str:
    value = clean_value(text)
    if not value or _LABEL.match(value) or any(c.isdigit() for c in value):
        return ""
    if not _TITLE_WORDS.search(value):
        # A one-word title OCR misread by a letter ("oheriff"): titles are a
        # short closed list, so the word it is one letter away from is meant.
        if " " not in value:
            for known in _KNOWN_TITLES:
                if (
                    len(value) == len(known)
                    and sum(
                        a != b
                        for a, b in zip(value.lower(), known.lower(), strict=True)
                    )
                    == 1
                ):
                    return known
        return ""
    if re.search(r"\b(?:office|department|agency|dept)\b", value, re.I):
        return ""  # the agency's name, written under the title
    words = value.split()
    if sum(1 for word in words if len(word.strip(".,:")) == 1) >= 2:
        return ""  # letters split apart by a signature running through them
    if len(words) > 8:
        return ""
    return value


def contact_name_for(
    pages: Sequence[_Page], reading: SignatureReading
) -> Reading | None:
    """The signatory's full name from the public information contact, when
    the signature block's Name line gave only its start ("Mark") and the
    contact's name begins the same way ("Sheriff Mark B. Harrell")."""
    fragment = reading.name_fragment.split()
    if len(fragment) != 1 or not fragment[0].isalpha():
        return None
    for page in pages:
        text = page.text or page.ocr_text
        for block in re.split(r"For the LEA\s*:", text)[1:]:
            for line in block.split("For ICE")[0].splitlines()[:4]:
                words = clean_value(line).split()
                while words and _TITLE_WORDS.fullmatch(words[0]):
                    words = words[1:]
                name = person_name(" ".join(words))
                if name and name.split()[0].lower() == fragment[0].lower():
                    return Reading(
                        name,
                        page.number,
                        0.7,
                        f'the signature block prints only "{fragment[0]}"; the '
                        f"full name is the agency's contact on page {page.number}",
                    )
    return None
