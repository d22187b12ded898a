"""Identifier crosswalks: FBI agency rosters (ORI codes) and ICE's county AORs.

Two kinds of reference file are loaded into the database, never shipped in the
repository (one of them, the Washington Post's UCR list, is CC BY-NC-SA):

* an FBI agency roster, either the Law Enforcement Employees (LEE) table
  (``pub_agency_name``) or the UCR/CDE agency list (``agency_name``), into
  ``OriAgency``;
* the county -> ICE Area of Responsibility table into ``CountyAor``.

A file is read and checked in full before anything is written, then loaded in
one transaction that replaces what the same file loaded before, so loading a
file twice changes nothing and a bad file changes nothing. Refusals are
:class:`~tidewatch.pipeline.errors.FileRejected` with one clear line.

:class:`OriMatcher` then finds the roster agency that is the same agency as
one of ICE's, by state, name key and counties.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple, Protocol

from django.db import transaction
from rapidfuzz import fuzz, process

from tidewatch.pipeline.cells import agency_key
from tidewatch.pipeline.errors import FileRejected
from tidewatch.pipeline.identity import same_place
from tidewatch.places.models import CountyAor, OriAgency
from tidewatch.places.reference import county_index

# Reference files are a few MB; anything far bigger is not one of them, and
# the whole file is held in memory to be checked before writing.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_EXAMPLES = 10
FUZZY_THRESHOLD = 92

ORI_PATTERN = re.compile(r"^[A-Z0-9]{9}$")
GEOID_PATTERN = re.compile(r"^\d{1,5}$")
AOR_PATTERN = re.compile(r"^[A-Z]{2,10}$")

# The FBI writes a few states with NCIC codes rather than USPS codes (every
# Nebraska ORI starts "NB"); "FS" marks federal agencies, which have no state
# and are skipped.
FBI_STATE_CODES = {"NB": "NE", "GM": "GU"}

# What the rosters write in county_name when there is no county: LEE writes
# NOT SPECIFIED (tribal, federal, statewide agencies) and UNMAPPED COUNTY
# (state police headquarters), the UCR list writes N/A. Counted apart from
# names that fail to resolve, since they are not names.
NO_COUNTY = frozenset({"", "NOT SPECIFIED", "UNMAPPED COUNTY", "N/A", "NA", "NULL"})

# A county cell lists several counties separated by ", " (LEE) or "; " (UCR).
# Not " AND ": Lewis and Clark (MT) and King and Queen (VA) are one county.
COUNTY_SEPARATORS = re.compile(r"\s*[;,]\s*")

NAME_COLUMNS = {"pub_agency_name": "FBI LEE", "agency_name": "FBI UCR"}

# Field sizes of OriAgency: PostgreSQL refuses longer values, SQLite would
# silently keep them, so rows that do not fit are skipped on both.
_MAX_NAME = OriAgency._meta.get_field("name").max_length
_MAX_TYPE = OriAgency._meta.get_field("agency_type").max_length
_MAX_COUNTY_NAMES = OriAgency._meta.get_field("county_names").max_length
_MAX_SOURCE = OriAgency._meta.get_field("source").max_length


@dataclass
class LoadSummary:
    """What a load read, wrote and left out."""

    source: str
    kind: str  # "FBI LEE", "FBI UCR" or "county AOR"
    rows_read: int = 0
    loaded: int = 0
    skipped: int = 0
    skip_examples: list[str] = field(default_factory=list)
    replaced: int = 0  # rows of this source (or these ORIs) there before
    taken_over: int = 0  # ORIs that another source had loaded before
    counties_resolved: int = 0
    counties_unresolved: int = 0
    counties_blank: int = 0  # NOT SPECIFIED, UNMAPPED COUNTY, N/A, empty
    unresolved_examples: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.skip_examples) < MAX_EXAMPLES:
            self.skip_examples.append(reason)

    @property
    def resolved_share(self) -> float:
        """Share of county names (placeholders left out) that resolved to FIPS."""
        named = self.counties_resolved + self.counties_unresolved
        return self.counties_resolved / named if named else 1.0

    def line(self) -> str:
        """One line for a person: what was loaded and what was not."""
        text = (
            f"{self.source} ({self.kind}): {self.rows_read:,} rows read, "
            f"{self.loaded:,} loaded, {self.skipped:,} skipped"
        )
        if self.kind != "county AOR":
            text += (
                f"; county names resolved {self.counties_resolved:,}, "
                f"not resolved {self.counties_unresolved:,}, "
                f"blank {self.counties_blank:,}"
            )
        if self.taken_over:
            text += f"; {self.taken_over:,} ORIs taken over from other sources"
        return text


# --------------------------------------------------------------------------
# Reading and checking a CSV file


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (folded to lower case) and rows (with their line numbers).

    Raises FileRejected for a missing, oversized, non-UTF-8, empty or
    malformed file. Nothing is written by this step.
    """
    if not path.is_file():
        raise FileRejected(path.name, f"no such file: {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(
            path.name,
            f"file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} for a "
            "reference table",
        )
    content = path.read_bytes()
    bom = content.startswith(b"\xef\xbb\xbf")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # utf-8-sig counts from after the BOM; people's hex editors do not.
        offset = error.start + (3 if bom else 0)
        line = content[:offset].count(b"\n") + 1
        raise FileRejected(
            path.name,
            f"not UTF-8: byte 0x{content[offset]:02x} at byte offset {offset:,} "
            f"(line {line:,}) cannot be read; save it as UTF-8",
        ) from None
    if not text.strip():
        raise FileRejected(path.name, "empty file: no header row")
    if "\x00" in text:
        # csv refuses NUL bytes with a message that names no line.
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRejected(path.name, f"NUL byte on line {line:,}: not a CSV file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().casefold() for h in next(reader)]
        rows: list[tuple[int, dict[str, str]]] = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines at the end of hand-edited files
            rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise FileRejected(
            path.name, f"not a readable CSV file at line {reader.line_num:,}: {error}"
        ) from None
    return header, rows


def _require(path: Path, header: list[str], columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise FileRejected(
            path.name,
            f"missing columns: {', '.join(missing)} (the header has "
            f"{', '.join(h for h in header if h) or 'no names'})",
        )


def _cell(row: dict[str, str], column: str) -> str:
    # Missing trailing cells come back as absent keys; collapse inner runs of
    # spaces ("Pendergrass  Police Department").
    return " ".join((row.get(column) or "").split())


# --------------------------------------------------------------------------
# FBI rosters


def resolve_county(state: str, text: str) -> str | None:
    """The FIPS code of one county as an FBI roster writes it, or None
    (ROCK ISLAND, CHARLES CITY and KODIAK ISLAND included: see
    ``CountyIndex.lookup``)."""
    return county_index().lookup(state, text)


def load_fbi_agencies(path: Path, *, source: str | None = None) -> LoadSummary:
    """Load an FBI agency roster (LEE or UCR format) into ``OriAgency``.

    The format is told by the header: LEE has ``pub_agency_name``, UCR has
    ``agency_name``. Every row is checked first (a 9-character ORI, a known
    state, a name); rows that fail are skipped and counted. County names are
    resolved to FIPS codes; names that do not resolve stay in
    ``county_names`` only. Then, in one transaction, the rows of ``source``
    (default: the file name) are replaced, and ORIs in this file that another
    source loaded before are taken over (the ORI is the primary key).
    """
    source = source or path.name
    if len(source) > _MAX_SOURCE:
        raise FileRejected(path.name, f"source name over {_MAX_SOURCE} characters")
    header, rows = _read_csv(path)
    name_column = next((c for c in NAME_COLUMNS if c in header), None)
    required = [
        "ori",
        name_column or "pub_agency_name or agency_name",
        "state_abbr",
        "county_name",
    ]
    _require(path, header, required)
    assert name_column is not None  # _require refused a header without one
    summary = LoadSummary(source=source, kind=NAME_COLUMNS[name_column])
    summary.rows_read = len(rows)
    if not rows:
        raise FileRejected(path.name, "no data rows: only a header")

    states = county_index().states
    agencies: dict[str, OriAgency] = {}
    unresolved: dict[str, int] = defaultdict(int)
    for line, row in rows:
        ori = _cell(row, "ori").upper()
        name = _cell(row, name_column)
        raw_state = _cell(row, "state_abbr").upper()
        state = FBI_STATE_CODES.get(raw_state, raw_state)
        agency_type = _cell(row, "agency_type_name")
        if not ORI_PATTERN.match(ori):
            summary.skip(f"line {line}: ORI {ori!r} is not 9 letters or digits")
            continue
        if ori in agencies:
            summary.skip(f"line {line}: ORI {ori} listed twice")
            continue
        if state not in states:
            why = " (FS: federal agencies)" if raw_state == "FS" else ""
            summary.skip(
                f"line {line}: {ori} state {raw_state!r} is not a US state or "
                f"territory{why}"
            )
            continue
        if not name or len(name) > _MAX_NAME or len(agency_type) > _MAX_TYPE:
            summary.skip(f"line {line}: {ori} has no name or a name too long")
            continue
        names: list[str] = []
        fips: list[str] = []
        for part in COUNTY_SEPARATORS.split(_cell(row, "county_name")):
            if part.upper() in NO_COUNTY:
                summary.counties_blank += 1
                continue
            names.append(part)
            found = resolve_county(state, part)
            if found:
                summary.counties_resolved += 1
                if found not in fips:
                    fips.append(found)
            else:
                summary.counties_unresolved += 1
                unresolved[f"{state} {part}"] += 1
        county_names = "; ".join(names)
        if len(county_names) > _MAX_COUNTY_NAMES:
            summary.skip(f"line {line}: {ori} lists too many counties")
            continue
        agencies[ori] = OriAgency(
            ori=ori,
            name=name,
            state=state,
            agency_type=agency_type,
            county_names=county_names,
            counties=fips,
            source=source,
        )
    summary.unresolved_examples = [
        f"{name} ({count})"
        for name, count in sorted(unresolved.items(), key=lambda i: (-i[1], i[0]))
    ][:MAX_EXAMPLES]
    if not agencies:
        raise FileRejected(
            path.name,
            f"no usable rows: all {summary.rows_read:,} skipped, e.g. "
            f"{summary.skip_examples[0]}",
        )

    with transaction.atomic():
        summary.replaced = OriAgency.objects.filter(source=source).delete()[0]
        # ORIs another source loaded: the file being loaded wins. In chunks,
        # as SQLite caps the number of parameters in one query.
        oris = list(agencies)
        for start in range(0, len(oris), 500):
            taken, _ = OriAgency.objects.filter(
                ori__in=oris[start : start + 500]
            ).delete()
            summary.taken_over += taken
        summary.replaced += summary.taken_over
        OriAgency.objects.bulk_create(agencies.values(), batch_size=500)
    summary.loaded = len(agencies)
    return summary


# --------------------------------------------------------------------------
# County -> AOR


def load_aor(path: Path) -> LoadSummary:
    """Load the county -> ICE AOR table (columns ``geoid``, ``aor``).

    ``geoid`` may have lost its leading zero to a spreadsheet (1001 is
    01001); it must be a county the county index knows, else the row is
    skipped. All ``CountyAor`` rows are replaced in one transaction.
    """
    header, rows = _read_csv(path)
    _require(path, header, ["geoid", "aor"])
    summary = LoadSummary(source=path.name, kind="county AOR", rows_read=len(rows))
    if not rows:
        raise FileRejected(path.name, "no data rows: only a header")
    counties = county_index().counties
    found: dict[str, CountyAor] = {}
    for line, row in rows:
        geoid = _cell(row, "geoid")
        aor = _cell(row, "aor").upper()
        if geoid.endswith(".0"):  # a spreadsheet's float: 1001.0
            geoid = geoid[:-2]
        if not GEOID_PATTERN.match(geoid):
            summary.skip(f"line {line}: geoid {geoid!r} is not a county FIPS code")
            continue
        fips = geoid.zfill(5)
        if fips not in counties:
            summary.skip(f"line {line}: geoid {fips} is not a known county")
            continue
        if not AOR_PATTERN.match(aor):
            summary.skip(f"line {line}: {fips} AOR {aor!r} is not an AOR code")
            continue
        if fips in found:
            summary.skip(f"line {line}: county {fips} listed twice")
            continue
        found[fips] = CountyAor(county_fips=fips, aor=aor, source=path.name)
    if not found:
        raise FileRejected(
            path.name,
            f"no usable rows: all {summary.rows_read:,} skipped, e.g. "
            f"{summary.skip_examples[0]}",
        )
    with transaction.atomic():
        summary.replaced = CountyAor.objects.all().delete()[0]
        CountyAor.objects.bulk_create(found.values(), batch_size=500)
    summary.loaded = len(found)
    return summary


# --------------------------------------------------------------------------
# Matching ICE's agencies to ORIs

# Words that say what kind of police agency a roster name is. LEE's
# pub_agency_name drops them for cities and counties ("Royal Oak", "Chatham"),
# so a name without any gets the words ICE writes added (see roster_keys).
_KIND_WORDS = frozenset(
    {
        "police",
        "sheriffs",
        "patrol",
        "marshal",
        "marshals",
        "constable",
        "constables",
        "safety",
        "trooper",
        "troopers",
        "precinct",
    }
)
# Kinds of municipality ICE writes beside a town's name, or LEE writes in it:
# "Frackville Borough Police Department" and "City of Morrow Police
# Department" are LEE's "Frackville" and "Morrow"; "Camden Police Department"
# is LEE's "Camden Village". Dropped in loose keys (see loose_key). Not a
# trailing "city": "Arkansas City" and "Oklahoma City" would become the
# states' names, and "Lake City" is not "Lake".
_MUNICIPAL_WORDS = frozenset({"borough", "township", "village", "town", "city"})
_MUNICIPAL = re.compile(
    r"^(borough|township|city|village|town) of |\b(borough|township|village|town)\b"
)
# Some towns police through a department of public safety.
_PUBLIC_SAFETY = (
    "department of public safety",
    "public safety department",
    "public safety",
)
# Two spellings of one kind of agency, and typos agency_key does not fold
# yet; applied to both sides before comparing.
_KEY_REWRITES = (
    (re.compile(r"\bdepartement\b"), "department"),
    (re.compile(r"\bsheriffs department\b"), "sheriffs office"),
    (re.compile(r"\bstate police department$"), "state police"),
)
# UCR names some townships with their county: "Richfield Township, Genesee
# County" (two Richfield Townships in Michigan). ICE writes the bare name.
_COUNTY_QUALIFIER = re.compile(r",\s*[^,]+ (county|parish)$", re.IGNORECASE)
_STATE_LEVEL_TYPES = ("state police", "other state agency")


def match_key(name: str) -> str:
    """``agency_key`` with the spellings of one kind of agency folded."""
    key = agency_key(name)
    if "depart" in key:  # every rewrite is of a "department"
        for pattern, replacement in _KEY_REWRITES:
            key = pattern.sub(replacement, key)
    return key


def loose_key(key: str) -> str:
    """A name key without the kind of municipality: compared only when no
    name key matches ("frackville borough police department" ->
    "frackville police department")."""
    if not _MUNICIPAL_WORDS.intersection(key.split()):
        return key  # most keys: nothing to drop, no regex to run
    return " ".join(_MUNICIPAL.sub(" ", key).split())


def roster_keys(
    name: str, agency_type: str, state: str = ""
) -> tuple[list[str], list[str]]:
    """The keys under which ICE may write a roster agency: (names, variants).

    Names are the roster name's own key and, for LEE's bare names, the name
    ICE writes for that kind of agency: "Chatham" (County) -> "chatham
    county sheriffs office", "Royal Oak" (City) -> "royal oak police
    department". Variants are looser spellings, tried (as loose keys) only
    when no name matches: "miami dade sheriffs office" for LEE's "Miami-Dade"
    county, "melbourne international airport police department", and the
    state's name before a state agency's ("Department of Law Enforcement"
    -> "florida department of law enforcement").
    """
    base = _COUNTY_QUALIFIER.sub("", name.rstrip(":, "))
    key = match_key(base)
    if not key:
        return [], []
    names: list[str] = [key]
    variants: list[str] = []
    words = key.split()
    kind = agency_type.casefold()
    bare = not _KIND_WORDS.intersection(words)
    if bare and kind in ("county", "parish", "borough"):
        if words[-1] not in ("county", "parish"):
            noun = "parish" if state == "LA" else "county"
            names.append(f"{key} {noun} sheriffs office")
        # "Miami-Dade Sheriff's Office", "Carson City Sheriff's Office"
        variants.append(f"{key} sheriffs office")
    elif bare and kind in ("city", "municipality"):
        names.append(f"{key} police department")
        variants.extend(f"{key} {words}" for words in _PUBLIC_SAFETY)
    elif bare:
        # Airports, colleges, authorities: ICE adds "Police Department".
        variants.extend((f"{key} police department", f"{key} police"))
    prefix = _state_key(state) if kind in _STATE_LEVEL_TYPES else ""
    if prefix and not key.startswith(prefix):
        variants.append(f"{prefix} {key}")
    return names, variants


@cache
def _state_key(state: str) -> str:
    """The name key of a state's name ("florida"), or "" if unknown."""
    found = county_index().states.get(state)
    return match_key(found.name) if found else ""


def _compact(key: str) -> str:
    # Spacing folded, as county names are: "La Salle" == "LaSalle".
    return key.replace(" ", "")


class RosterAgency(Protocol):
    """What the matcher reads of a roster agency (an ``OriAgency`` has it)."""

    ori: str
    name: str
    state: str
    agency_type: str
    counties: list[str]


class _Row(NamedTuple):
    ori: str
    name: str
    state: str
    agency_type: str
    counties: list[str]


@dataclass(frozen=True)
class _Entry:
    ori: str
    counties: frozenset[str]


class OriMatcher:
    """The FBI roster, indexed by state and name key, for matching many names.

    Build it once (``OriMatcher.from_db()``) and call :meth:`match` for each
    agency: the index costs a query and a pass over the roster, a match a
    dictionary look-up or two (and, for names with no exact key, one fuzzy
    scan of that state's keys).
    """

    def __init__(self, agencies: Iterable[RosterAgency]) -> None:
        # (state, compact key) -> entries, for names and for loose keys of
        # names and variants.
        self._names: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        self._variants: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        by_state: dict[str, dict[str, list[_Entry]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for agency in agencies:
            entry = _Entry(agency.ori, frozenset(agency.counties or ()))
            names, variants = roster_keys(agency.name, agency.agency_type, agency.state)
            for key in dict.fromkeys(names):
                self._names[(agency.state, _compact(key))].append(entry)
                by_state[agency.state][key].append(entry)
            for key in {_compact(loose_key(k)) for k in (*names, *variants)}:
                self._variants[(agency.state, key)].append(entry)
        # Fuzzy matching scans names only: variants are guesses already.
        # Sorted, so scans and ties go the same way every time.
        self._keys = {s: sorted(k) for s, k in by_state.items()}
        self._entries = {s: dict(k) for s, k in by_state.items()}

    @classmethod
    def from_db(cls, states: Iterable[str] | None = None) -> OriMatcher:
        """A matcher over the loaded roster, or only the given states."""
        rows = OriAgency.objects.all()
        if states is not None:
            rows = rows.filter(state__in=list(states))
        # Tuples, not model instances: half the time for the whole roster.
        return cls(
            _Row(*row)
            for row in rows.values_list(*_Row._fields).iterator(chunk_size=4000)
        )

    def match(
        self, state: str, agency_name: str, county_fips: Sequence[str] = ()
    ) -> tuple[str, str] | None:
        """(ORI, how) of the roster agency that is this agency, or None.

        ``how`` is "exact" when the name key equals a roster agency's (its
        name or the name ICE writes for LEE's bare names) or, failing that,
        their loose keys are equal (see :func:`roster_keys`,
        :func:`loose_key`); or "fuzzy:<score>" (token sort ratio >= 92
        with the same numbers and nearly the same place words, so "Lake
        County" never matches "Lee County").

        When several roster agencies fit, the one whose counties meet
        ``county_fips`` wins; if that leaves more than one, there is no
        match (and no looser step is tried). The looser steps (loose keys,
        fuzzy) also refuse an agency whose counties are known and all
        differ from ``county_fips``: "Oak Grove Village" in Franklin County
        is not the Oak Grove in Jackson County. An equal name key is trusted
        over ICE's county cell, which is sometimes the agency's name
        misread ("Yoakum Police Department" in "Yoakum County").
        """
        key = match_key(agency_name)
        if not key:
            return None
        wanted = frozenset(county_fips)
        found = self._names.get((state, _compact(key)))
        if found:
            chosen = _choose(found, wanted)
            return (chosen.ori, "exact") if chosen else None
        found = self._variants.get((state, _compact(loose_key(key))))
        if found:
            chosen = _choose(_not_elsewhere(found, wanted), wanted)
            return (chosen.ori, "exact") if chosen else None
        return self._fuzzy(state, key, wanted)

    def _fuzzy(
        self, state: str, key: str, wanted: frozenset[str]
    ) -> tuple[str, str] | None:
        keys = self._keys.get(state)
        if not keys:
            return None
        scores: dict[str, int] = {}
        entries: list[_Entry] = []
        for other, score, _ in process.extract(
            key,
            keys,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=FUZZY_THRESHOLD,
            limit=None,
        ):
            if not same_place(key, other):
                continue  # "Precinct 2" is not "Precinct 3", "Lake" not "Lee"
            for entry in self._entries[state][other]:
                if entry.ori not in scores:
                    entries.append(entry)
                scores[entry.ori] = max(scores.get(entry.ori, 0), round(score))
        candidates = _not_elsewhere(entries, wanted)
        if wanted:
            # Any candidate in the agency's county beats any outside it.
            candidates = [e for e in candidates if e.counties & wanted] or candidates
        if not candidates:
            return None
        top = max(scores[e.ori] for e in candidates)
        best = [e for e in candidates if scores[e.ori] == top]
        return (best[0].ori, f"fuzzy:{top}") if len(best) == 1 else None


def _choose(entries: list[_Entry], wanted: frozenset[str]) -> _Entry | None:
    """The one entry, or the one in the wanted counties; None if ambiguous."""
    unique = list({e.ori: e for e in entries}.values())
    if len(unique) == 1:
        return unique[0]
    inside = [e for e in unique if e.counties & wanted]
    return inside[0] if len(inside) == 1 else None


def _not_elsewhere(entries: list[_Entry], wanted: frozenset[str]) -> list[_Entry]:
    """Entries not known to lie only in other counties than the wanted ones."""
    if not wanted:
        return entries
    return [e for e in entries if not e.counties or e.counties & wanted]


def match_ori(
    state: str, agency_name: str, county_fips: Sequence[str] = ()
) -> tuple[str, str] | None:
    """(ORI, how) for one agency; see :meth:`OriMatcher.match`.

    Builds an index of the state's roster for this one call: to match many
    agencies, build one :class:`OriMatcher` and reuse it.
    """
    return OriMatcher.from_db(states=[state]).match(state, agency_name, county_fips)
