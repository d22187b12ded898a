"""Read the facts people ask for out of an MOA's text, each with its page.

Pure functions of the page texts (``sources.ice_moa_pdfs.read_pdf`` makes
them): no files, no database. Every field comes back as a :class:`FieldValue`
with the page it was read on and a confidence, or with an empty value and a
note saying why it could not be read. A name is only ever taken from where
the document prints it (the signature block's Name line or an unlabelled
name under a signature, a digital signature's typed name, or the public
information contact that repeats the signatory's name); a name that is not
printed, or that the text layer and OCR both garble, is left unread. The
rules, with the corpus figures, are in docs/sources/ice_moa_pdfs.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from tidewatch.pipeline.moa_signatures import (
    Reading,
    SignatureReading,
    contact_name_for,
    read_signatures,
)
from tidewatch.pipeline.moa_text import (
    STATE_CODES,
    STATE_NAMES,
    clean_value,
    fold,
    squash,
)

FIELD_NAMES = (
    "model",
    "document_type",
    "agency",
    "state",
    "lea_signatory_name",
    "lea_signatory_title",
    "lea_signed_date",
    "ice_official_name",
    "ice_official_title",
    "ice_signed_date",
    "field_office",
    "lea_contact",
    "ice_contact",
    "duration",
    "termination",
)

MODEL_TITLES = (
    ("JEM", re.compile(r"jail\s+enforcement", re.I)),
    ("WSO", re.compile(r"warrant\s+service", re.I)),
    ("TFM", re.compile(r"task\s+force", re.I)),
)
_FILE_NAME_MODEL = re.compile(r"(?:^|[_\W]|287g)(JEM|WSO|TFM|TF)(?:[_\W]|$)")
# Untitled agreements (2019-2020 WSO, some 2025 TFM) say what they are in
# their purpose clause: checked in this order, each with the least count.
_MODEL_BODY = (
    ("TFM", re.compile(r"task\s+force", re.I), 1),
    ("JEM", re.compile(r"\binterrogate", re.I), 2),
    ("WSO", re.compile(r"custodial\s+transfer", re.I), 2),
)
_FILE_NAME_STATE = re.compile(r"([A-Z]{2})_(?:JEM|WSO|TFM|TF)_")


@dataclass(frozen=True)
class Page:
    """A page's text as read: the text layer or OCR, and OCR of a signed page."""

    number: int
    text: str
    ocr_text: str = ""
    more_ocr: tuple[str, ...] = ()  # second looks (ice_moa_pdfs.ocr_again)


@dataclass(frozen=True)
class FieldValue:
    name: str
    value: str
    page: int | None
    confidence: float
    note: str = ""


def read_fields(pages: Sequence[Page], file_name: str = "") -> dict[str, FieldValue]:
    """Every field in :data:`FIELD_NAMES`, read from ``pages``."""
    found: dict[str, FieldValue] = {}
    found["model"] = _model(pages, file_name)
    found["document_type"] = _document_type(pages)
    agency, state = _agency_and_state(pages, file_name)
    found["agency"], found["state"] = agency, state
    signatures = read_signatures(pages)
    for side, prefix, name_field in (
        ("lea", "lea_signatory", "lea_signatory_name"),
        ("ice", "ice_official", "ice_official_name"),
    ):
        reading: SignatureReading = getattr(signatures, side)
        name = reading.name
        if not name.value and side == "lea":
            name = contact_name_for(pages, reading) or name
        found[name_field] = _as_field(name_field, name)
        found[f"{prefix}_title"] = _as_field(f"{prefix}_title", reading.title)
        date_field = "lea_signed_date" if side == "lea" else "ice_signed_date"
        found[date_field] = _as_field(date_field, reading.date)
    found.update(_contacts(pages))
    found.update(_terms(pages))
    return found


def _as_field(name: str, reading: Reading) -> FieldValue:
    return FieldValue(
        name, reading.value, reading.page, reading.confidence, reading.note
    )


def _missing(name: str, note: str) -> FieldValue:
    return FieldValue(name, "", None, 0.0, note)


def _head(page: Page, lines: int = 12) -> str:
    return "\n".join(page.text.strip().splitlines()[:lines])


def _model(pages: Sequence[Page], file_name: str) -> FieldValue:
    for page in pages[:2]:
        head = _head(page)
        if "agreement" not in head.lower():
            continue
        for model, pattern in MODEL_TITLES:
            if pattern.search(head):
                return FieldValue("model", model, page.number, 0.95)
    for model, pattern, least in _MODEL_BODY:
        hits = [page.number for page in pages if pattern.search(page.text)]
        count = sum(len(pattern.findall(page.text)) for page in pages)
        if count >= least:
            return FieldValue(
                "model",
                model,
                hits[0],
                0.7,
                N_("not in the title: from the purpose clause's wording"),
            )
    match = _FILE_NAME_MODEL.search(file_name)
    if match:
        model = "TFM" if match.group(1) == "TF" else match.group(1)
        return FieldValue(
            "model", model, None, 0.5, N_("not in the text: from ICE's file name")
        )
    return _missing(
        "model", N_("no model named in the title, the text or the file name")
    )


def _document_type(pages: Sequence[Page]) -> FieldValue:
    head = _head(pages[0], 8).lower() if pages else ""
    if "addendum" in head:
        return FieldValue("document_type", "addendum", pages[0].number, 0.9)
    if re.search(r"\brenew(al|ed|s)?\b", head):
        return FieldValue("document_type", "renewal", pages[0].number, 0.8)
    if "memorandum of agreement" in head:
        return FieldValue("document_type", "agreement", pages[0].number, 0.9)
    return FieldValue(
        "document_type",
        "agreement",
        None,
        0.4,
        N_("no title read: taken as an agreement"),
    )


_PARTIES = re.compile(
    r"Security\W{0,3}(?:\(\w{3}\))?\W{0,3}and\s+(?:the)?[_\s,:]*"
    r"(?P<agency>[A-Z][^\n]{2,160}?)[\s,'\u2019]*\(?(?:hereinafter|pursuant\s+to)",
    re.S,
)
_ABBREVIATION = re.compile(r"\s*\([A-Z]{2,6}\).*$")
_TRAILING_STATE = re.compile(
    r"[\s,]+(?P<state>"
    + "|".join(sorted(STATE_NAMES, key=len, reverse=True))
    + r"|[A-Z]{2})[\s,'\u2019]*$",
    re.I,
)


def _agency_and_state(
    pages: Sequence[Page], file_name: str
) -> tuple[FieldValue, FieldValue]:
    first = pages[0] if pages else Page(1, "")
    text = squash(first.text)
    agency = ""
    state = ""
    match = _PARTIES.search(text)
    if match:
        agency = clean_value(match.group("agency"))
        agency = _ABBREVIATION.sub("", agency)
        tail = _TRAILING_STATE.search(agency)
        if tail and _state_code(tail.group("state")):
            state = _state_code(tail.group("state")) or ""
            agency = agency[: tail.start()].strip(" ,")
        agency = _drop_repeated_place(agency)
        agency = _join_split_letters(agency)
    agency_field = (
        FieldValue("agency", agency, first.number, 0.9)
        if agency
        else _missing("agency", N_("the PARTIES clause naming the agency was not read"))
    )
    if agency:
        footer = _footer_agency(pages, agency)
        if footer:
            agency_field = FieldValue(
                "agency",
                footer,
                first.number,
                0.95,
                N_("as printed in the page footers"),
            )
    if state:
        return agency_field, FieldValue("state", state, first.number, 0.9)
    return agency_field, _state_elsewhere(pages, agency, file_name)


def _state_code(word: str) -> str | None:
    word = word.strip().upper()
    if word in STATE_CODES:
        return word
    return STATE_NAMES.get(word.title())


def _drop_repeated_place(agency: str) -> str:
    """ "WAUPACA COUNTY SHERIFF'S OFFICE, WAUPACA" -> the office's name."""
    head, _, last = agency.rpartition(",")
    if head and last.strip() and last.strip().lower() in head.lower():
        return head.strip()
    return agency


def _join_split_letters(agency: str) -> str:
    """OCR splits a word's capital off: "B ay County" -> "Bay County"."""
    return re.sub(r"\b([A-Z]) ([a-z]{2,})\b", r"\1\2", agency)


def _footer_agency(pages: Sequence[Page], agency: str) -> str:
    """The agency's name as repeated at the foot of most pages, when it is the
    same name (page footers are printed many times, so OCR slips on one page
    are outvoted)."""
    counts: dict[str, int] = {}
    target = fold(agency).replace(" ", "")
    for page in pages:
        lines = [
            line.strip() for line in page.text.strip().splitlines() if line.strip()
        ]
        for line in lines[-3:]:
            candidate = re.split(r"\s{2,}|\s\d+\s|\s+Revised\b", line)[0].strip(" ,")
            candidate = _TRAILING_STATE.sub("", candidate).strip(" ,")
            candidate = _drop_repeated_place(candidate)
            key = fold(candidate).replace(" ", "")
            if key and _close(key, target):
                counts[candidate] = counts.get(candidate, 0) + 1
    if not counts:
        return ""
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] >= 3 else ""


def _close(a: str, b: str) -> bool:
    from rapidfuzz.fuzz import ratio

    return ratio(a, b) >= 85


_ADDRESS_STATE = re.compile(
    r"(?:,\s*|\s)(?P<state>[A-Z]{2}|"
    + "|".join(sorted(STATE_NAMES, key=len, reverse=True))
    + r"),?\s+\d{5}\b"
)


def _state_elsewhere(pages: Sequence[Page], agency: str, file_name: str) -> FieldValue:
    """The state from the LEA's own address, its name, or ICE's file name."""
    match = re.search(
        r"\bState of (?P<state>[A-Z][a-z]+(?: [A-Z][a-z]+)?)",
        squash(pages[0].text if pages else ""),
    )
    if match and _state_code(match.group("state")):
        return FieldValue("state", _state_code(match.group("state")) or "", 1, 0.9)
    for word in sorted(STATE_NAMES, key=len, reverse=True):
        if agency.lower().startswith(word.lower() + " "):
            return FieldValue(
                "state", STATE_NAMES[word], 1, 0.85, N_("from the agency's name")
            )
    for page in reversed(pages):
        for block in _lea_contact_blocks(page.text):
            found = _ADDRESS_STATE.search(block)
            if found and _state_code(found.group("state")):
                return FieldValue(
                    "state",
                    _state_code(found.group("state")) or "",
                    page.number,
                    0.8,
                    N_("from the agency's address"),
                )
    match = _FILE_NAME_STATE.search(file_name)
    if match and match.group(1) in STATE_CODES:
        return FieldValue(
            "state",
            match.group(1),
            None,
            0.5,
            N_("not printed in the document: from ICE's file name"),
        )
    return _missing("state", N_("no state in the text or the file name"))


def _lea_contact_blocks(text: str) -> list[str]:
    return [
        block.split("For ICE")[0]
        for block in re.split(r"For the (?:LEA|[A-Z]{2,6})\s*:", text)[1:]
    ]


_POC = re.compile(
    r"POINTS OF CONTACT.{0,200}?For the (?:LEA|\w{2,5})\s*:\s*(?P<lea>[^\n]+)\n"
    r"\s*For (?:ICE|DHS|OHS)\s*:\s*(?P<ice>[^\n]+)",
    re.S | re.I,
)


def _contacts(pages: Sequence[Page]) -> dict[str, FieldValue]:
    for page in pages:
        match = _POC.search(page.text)
        if match:
            lea = clean_value(match.group("lea"))
            ice = clean_value(match.group("ice"))
            office = re.search(r"(?P<office>[A-Za-z .]+?),?\s+Field Office", ice, re.I)
            result = {
                "lea_contact": FieldValue("lea_contact", lea, page.number, 0.8),
                "ice_contact": FieldValue("ice_contact", ice, page.number, 0.8),
            }
            if office:
                result["field_office"] = FieldValue(
                    "field_office",
                    office.group("office").strip().title(),
                    page.number,
                    0.85,
                )
            else:
                result["field_office"] = _missing(
                    "field_office", N_("the ICE contact names no field office")
                )
            return result
    return {
        "lea_contact": _missing("lea_contact", N_("no points-of-contact section read")),
        "ice_contact": _missing("ice_contact", N_("no points-of-contact section read")),
        "field_office": _missing(
            "field_office", N_("no points-of-contact section read")
        ),
    }


_DURATION = re.compile(
    r"This MOA becomes effective[^.]*?(?:\.|$)(?:[^.]*?\.)?", re.I | re.S
)
_NOTICE = re.compile(r"(\d+)[- ]day[s]?\b[^.]*?notice|notice[^.]*?(\d+)[- ]days", re.I)


def _terms(pages: Sequence[Page]) -> dict[str, FieldValue]:
    result: dict[str, FieldValue] = {}
    for page in pages:
        text = squash(page.text)
        match = _DURATION.search(text)
        if match:
            sentence = match.group(0).strip()
            result["duration"] = FieldValue(
                "duration", sentence[:400], page.number, 0.8
            )
            after = text[match.start() : match.start() + 1200]
            notice = _NOTICE.search(after)
            if notice:
                days = notice.group(1) or notice.group(2)
                result["termination"] = FieldValue(
                    "termination", f"{days} days' written notice", page.number, 0.75
                )
            elif re.search(r"Termination by the LEA shall be provided", after, re.I):
                result["termination"] = FieldValue(
                    "termination",
                    N_(
                        "either party may end it; the LEA in writing to the local "
                        "Field Office"
                    ),
                    page.number,
                    0.75,
                )
            break
    result.setdefault(
        "duration", _missing("duration", N_("no effective-date clause read"))
    )
    result.setdefault(
        "termination", _missing("termination", N_("no termination clause read"))
    )
    return result
