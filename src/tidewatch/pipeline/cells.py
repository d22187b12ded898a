"""One ICE cell at a time: states, models, agency types, counties, signing
dates, document links and agency names, each repaired the same way everywhere.

Pure functions (cached: the same spellings recur in every list). Every repair
is documented in docs/methods.md, "Normalising rows".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import us
from rapidfuzz import fuzz, process

from tidewatch.sources import ice_287g as ice

MODELS = {
    "JEM": "Jail Enforcement Model",
    "WSO": "Warrant Service Officer",
    "TFM": "Task Force Model",
}

# 287(g) became law in September 1996; a signing date before that, or more
# than a year in the future, cannot be right.
EARLIEST_SIGNING = date(1996, 9, 30)

# State spellings ICE printed that the `us` package does not resolve on its
# own (docs/sources/ice_287g.md, "STATE"). Other typos are caught by `us`'s
# phonetic lookup (UTAh, WEST VIRIGINIA, MCHIGAN, PENNSLYVANIA, AlABAMA).
STATE_TYPOS = {
    "UTAHJ": "UT",  # 2025-07-03..07
}
_STATE_NAMES = {s.name.upper(): s.abbr for s in us.states.STATES_AND_TERRITORIES}
_STATE_NAMES["DISTRICT OF COLUMBIA"] = "DC"

# ICE's COUNTY cell for "no county" (state agencies and others).
NO_COUNTY = {"#N/A", "#NA", "N/A", "#N?A", "NA", "NONE", "-"}
# Misspellings of the word "County" seen in ICE's COUNTY cells.
COUNTY_WORD_TYPOS = {"conty", "couny", "countey", "cnty", "county", "co", "co."}
COUNTY_SUFFIXES = (
    "county",
    "parish",
    "borough",
    "census area",
    "city",
    "district",
    "municipality",
    "municipio",
    "island",
    "islands",
    "planning region",
)

# Abbreviations and typos in agency names, folded before names are compared
# (the key never shows on a page; the name as ICE wrote it does).
NAME_TOKENS = {
    "co": "county",
    "cnty": "county",
    "countys": "county",
    "dept": "department",
    "dep": "department",
    "departent": "department",
    "departmen": "department",
    "departement": "department",
    "deparment": "department",
    "depts": "department",
    "pd": "police department",
    "so": "sheriffs office",
    "sheriff": "sheriffs",
    "sherrif": "sheriffs",
    "sherrifs": "sheriffs",
    "sherriff": "sheriffs",
    "sherriffs": "sheriffs",
    "sheriffs": "sheriffs",
    "ofc": "office",
    "offc": "office",
    "st": "saint",
    "ste": "sainte",
    "mt": "mount",
    "ft": "fort",
    "twp": "township",
    "hwy": "highway",
    "corr": "corrections",
    "govt": "government",
}


@lru_cache(maxsize=20000)
def normalise_state(raw: Any) -> str | None:
    """USPS code for ICE's STATE cell (names, case, spaces and typos), or None."""
    text = ice.clean_text(raw).upper()
    if not text:
        return None
    if text in STATE_TYPOS:
        return STATE_TYPOS[text]
    if text in _STATE_NAMES:
        return _STATE_NAMES[text]
    found = us.states.lookup(text)
    if found is not None:
        return found.abbr
    best = process.extractOne(
        text, list(_STATE_NAMES), scorer=fuzz.ratio, score_cutoff=85
    )
    return _STATE_NAMES[best[0]] if best else None


@lru_cache(maxsize=20000)
def normalise_model(raw: Any) -> str | None:
    """JEM, WSO or TFM by keyword ("jail", "warrant", "task force"), else None."""
    text = ice.clean_text(raw).casefold()
    if "jail" in text:
        return "JEM"
    if "warrant" in text:
        return "WSO"
    if "task force" in text:
        return "TFM"
    return None


@lru_cache(maxsize=20000)
def normalise_agency_type(raw: Any) -> str | None:
    """county, municipal or state from ICE's TYPE cell (typos included), else None."""
    text = ice.clean_text(raw).casefold()
    if "munic" in text or "muncip" in text:
        return "municipal"
    if "county" in text:
        return "county"
    if "state" in text:
        return "state"
    return None


@lru_cache(maxsize=20000)
def normalise_county(raw: Any, state: str) -> str | None:
    """ICE's COUNTY text cleaned: no-county markers to None, the word "County"
    respelled, a missing suffix added (Parish in Louisiana). Matching to FIPS
    codes happens later, against a county table."""
    text = ice.clean_text(raw)
    if not text or text.upper() in NO_COUNTY or text.startswith("#"):
        return None
    words = text.split(" ")
    if words[-1].casefold() in COUNTY_WORD_TYPOS:
        words[-1] = "County"
    text = " ".join(words)
    lowered = text.casefold()
    if not any(lowered.endswith(s) for s in COUNTY_SUFFIXES) and state not in (
        "VA",
        "AK",
        "GU",
        "MP",
        "DC",
    ):
        # Virginia's independent cities and Alaska's boroughs and census areas
        # cannot be told apart from a bare name here; they are left as written.
        text += " Parish" if state == "LA" else " County"
    return text


_BROKEN_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/?(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_signed(raw: Any, today: date | None = None) -> tuple[date | None, str | None]:
    """ICE's SIGNED cell as a date, with a note when it was blank, repaired or
    impossible.

    Accepts Excel dates, ISO text and M/D/YYYY text, repairs the forms ICE
    broke (``05/082025``, ``7/72025``, ``8/282025``), and repairs a year past
    the present when only its first digit is off (5025 -> 2025).
    """
    today = today or date.today()
    if raw is None or (isinstance(raw, str) and not ice.clean_text(raw)):
        return None, "blank"
    if isinstance(raw, datetime):
        value: date | None = raw.date()
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, int | float):
        # An Excel serial number stored without a date format.
        value = date(1899, 12, 30) + timedelta(days=int(raw))
    else:
        text = ice.clean_text(raw)
        value = None
        iso = _ISO_DATE.match(text)
        slash = _BROKEN_SLASH_DATE.match(text)
        try:
            if iso:
                value = date(int(iso[1]), int(iso[2]), int(iso[3]))
            elif slash:
                value = date(int(slash[3]), int(slash[1]), int(slash[2]))
        except ValueError:
            return None, f"unreadable date {text!r}"
        if value is None:
            return None, f"unreadable date {text!r}"
        if slash and "/" not in text[text.index("/") + 1 :]:
            note = f"repaired {text!r}"
            checked, problem = _check_year(value, today)
            return checked, problem or note
    checked, problem = _check_year(value, today)
    return checked, problem


def _check_year(value: date, today: date) -> tuple[date | None, str | None]:
    latest = today + timedelta(days=366)
    if EARLIEST_SIGNING <= value <= latest:
        return value, None
    # 5025-07-07: a slipped first digit. Try the same date in this millennium.
    digits = str(value.year)
    if len(digits) == 4 and digits[0] != "2":
        try:
            repaired = value.replace(year=int("2" + digits[1:]))
        except ValueError:
            repaired = None
        if repaired and EARLIEST_SIGNING <= repaired <= latest:
            return repaired, f"impossible year {value.year} repaired to {repaired.year}"
    return None, f"impossible year {value.year}"


_CHROME_EXTENSION = re.compile(r"^chrome-extension://[^/]+/", re.IGNORECASE)
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/", re.IGNORECASE)


@lru_cache(maxsize=20000)
def unwrap_link(url: str | None) -> str | None:
    """The real document URL inside ICE's hyperlinks.

    Unwraps Outlook SafeLinks (the ``url`` parameter), strips the Adobe
    browser-extension prefix and Wayback Machine prefixes, and repairs
    ``https:/`` to ``https://``.
    """
    if not url:
        return None
    current = url.strip()
    if current.startswith("https://www.ice.gov/") and "://" not in current[8:]:
        return current  # most links: nothing wrapped
    for _ in range(5):  # wrappers can nest; five is more than ever seen
        before = current
        current = _CHROME_EXTENSION.sub("", current)
        current = _WAYBACK.sub("", current)
        parts = urlsplit(current)
        if parts.hostname and parts.hostname.endswith(
            "safelinks.protection.outlook.com"
        ):
            inner = parse_qs(parts.query).get("url")
            if inner:
                current = inner[0]
        current = re.sub(
            r"^(https?):/+(?=[^/])", r"\1://", current, flags=re.IGNORECASE
        )
        if current == before:
            break
    return current


@lru_cache(maxsize=20000)
def link_file_name(url: str | None) -> str | None:
    """The PDF's file name at the end of a document URL."""
    if not url:
        return None
    if not any(c in url for c in "?#%"):  # a plain URL: its last segment
        return url.rsplit("/", 1)[-1].strip() or None
    path = urlsplit(url).path
    name = unquote(path.rsplit("/", 1)[-1]).strip()
    return name or None


@lru_cache(maxsize=20000)
def agency_name(raw: Any) -> str:
    """The agency's name as ICE wrote it, with white space and quotes tidied."""
    text = ice.clean_text(raw)
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


@lru_cache(maxsize=20000)
def agency_key(name: str) -> str:
    """A comparison key for agency names: case, accents, punctuation,
    possessives, abbreviations and known typos folded."""
    if name.isascii():
        text = name.casefold()
    else:  # fold accents: "Doña Ana" and "Dona Ana" compare equal
        text = unicodedata.normalize("NFKD", name)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"'s\b", "s", text).replace("'", "")
    text = text.replace("&", " and ")
    tokens: list[str] = []
    for token in re.sub(r"[^a-z0-9]+", " ", text).split():
        tokens.extend(NAME_TOKENS.get(token, token).split())
    # A county has one sheriff: ICE writes "Sheriff's Department" and
    # "Sheriff's Office" for the same agency (Walker County, TX).
    return " ".join(tokens).replace("sheriffs department", "sheriffs office")
