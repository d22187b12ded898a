"""Small text tools for reading MOAs: names, dates, states, cleanup.

Both the text layer of a scanned-then-captured PDF and tesseract's OCR leave
the same kinds of debris: underscores of fill-in lines, stray punctuation
from signatures, a capital split off its word. These helpers clean that up
and decide, conservatively, whether a piece of text is a date or a person's
name. They never repair a name: a name with a digit or a stray symbol in it
is refused, not guessed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import us

STATE_NAMES: dict[str, str] = {
    state.name: state.abbr for state in us.states.STATES_AND_TERRITORIES
}
STATE_NAMES["District of Columbia"] = "DC"
STATE_CODES = frozenset(STATE_NAMES.values())

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(
    r"(?<![\d.])(?P<m>\d{1,2})\s?[/.\-]\s?(?P<d>\d{1,2})\s?[/.\-]\s?(?P<y>\d{4}|\d{2})(?![\d])"
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\.(?P<m>\d{2})\.(?P<d>\d{2})(?!\d)"
)
_WORD_DATE = re.compile(
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})\s*,?\s+(?P<y>\d{4})"
)
_STAMP_DATE = re.compile(
    r"(?P<month>[A-Za-z]{3})\s+(?P<d>\d\s?\d|\d)\s+(?P<y>(?:19|20)\s?\d\s?\d)"
)

# Words that are part of titles, offices or form labels, never of a name.
_NOT_NAME_WORDS = frozenset(
    [
        "sheriff",
        "sheriffs",
        "county",
        "office",
        "department",
        "police",
        "chief",
        "director",
        "deputy",
        "acting",
        "assistant",
        "executive",
        "associate",
        "enforcement",
        "removal",
        "operations",
        "immigration",
        "customs",
        "homeland",
        "security",
        "agency",
        "title",
        "name",
        "date",
        "signature",
        "superintendent",
        "attorney",
        "general",
        "state",
        "bureau",
        "investigation",
        "of",
        "the",
        "and",
        "for",
        "u.s.",
        "us",
        "dhs",
        "ice",
        "lea",
        "city",
        "town",
        "commissioner",
        "division",
        "field",
        "public",
        "affairs",
        "officer",
        "captain",
        "major",
        "colonel",
        "lieutenant",
        "sergeant",
    ]
)
_NAME_WORD = re.compile(
    r"^(?:[A-Z][a-z]*(?:['\u2019\-]?[A-Z]?[a-z]+)+|[A-Z]\.?|[A-Z]\.[A-Z]\.?|[A-Z]{2,}|II|III|IV|Jr\.?|Sr\.?)$"
)


def squash(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space."""
    return re.sub(r"\s+", " ", text)


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes dropped, words kept apart."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['\u2019\u2018`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def clean_value(text: str) -> str:
    """A value with fill-in lines, checkbox glyphs and stray marks removed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"_+B*", " ", text)  # "______BBBB": a fill-in line and its boxes
    text = re.sub(r"(?<!\w)-{2,}|-{2,}(?!\w)", " ", text)
    text = re.sub(r"[|~\u00a6\u00ad]", " ", text)
    text = squash(text).strip(" ,.;:'\"-*_")
    return text


def parse_date(text: str) -> date | None:
    """A date written as 9/22/2025, 02.28.25, March 5, 2025, OCT 1 5 2019 or
    2020.06.08 (a digital signature). None when the text holds no valid date
    from 2005 to 2035."""
    text = text.replace("O", "0") if re.fullmatch(r"[\dO/.\- ]+", text) else text
    for pattern in (_ISO_DATE, _NUMERIC_DATE):
        match = pattern.search(text)
        if match:
            found = _make_date(match.group("y"), match.group("m"), match.group("d"))
            if found:
                return found
    for pattern in (_WORD_DATE, _STAMP_DATE):
        match = pattern.search(text)
        if match:
            month = _MONTHS.get(match.group("month").lower().rstrip("."))
            if month:
                found = _make_date(
                    match.group("y").replace(" ", ""),
                    str(month),
                    match.group("d").replace(" ", ""),
                )
                if found:
                    return found
    return None


def _make_date(year: str, month: str, day: str) -> date | None:
    number = int(year)
    if len(year) == 2:
        number += 2000
    if not 2005 <= number <= 2035:
        return None
    try:
        return date(number, int(month), int(day))
    except ValueError:
        return None


def person_name(text: str) -> str:
    """``text`` as a person's name if it reads as one (two to five words,
    each a capitalised word or an initial, none a title word), else ""."""
    text = clean_value(text)
    text = re.sub(r"^(?:name|nane|wane|narne)\s*[:;.,]?\s+", "", text, flags=re.I)
    text = re.sub(r"\s*[/\\]+$", "", text)
    text = text.strip(" '\"`\u2018\u2019()")
    text = re.sub(r"\s*\.\s*", ". ", text).replace(". ,", ".,").strip()
    text = re.sub(r"\b([A-Z])\. ([A-Z])\.", r"\1.\2.", text)
    words = text.split()
    # Marks a signature left beside the name ("Madison Sheahan 7", "/ Tom").
    while words and not any(c.isalpha() for c in words[-1]):
        words.pop()
    while words and not any(c.isalpha() for c in words[0]):
        words.pop(0)
    if not 2 <= len(words) <= 5:
        return ""
    if any(not _NAME_WORD.match(word) for word in words):
        return ""
    if any(word.lower().strip(".") in _NOT_NAME_WORDS for word in words):
        return ""
    if sum(1 for word in words if len(word.strip(".")) >= 2) < 1:
        return ""
    if words[-1].rstrip(".").isalpha() and len(words[-1].rstrip(".")) == 1:
        return ""  # ends on an initial: a name cut short
    return " ".join(words)
