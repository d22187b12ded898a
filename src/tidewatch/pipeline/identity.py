"""Which agency a row of an ICE list is about, across renames and typos.

ICE gives no agency or agreement identifiers and respells names between
lists. A row is matched, in this order, to:

1. an agency already listed under the same name key in the same state
   (``exact``; the key folds case, punctuation, possessives, abbreviations
   and known typos: see ``cells.agency_key``);
2. the agency whose agreement of the same model links the same MOA file
   (``moa``), if that agency is not already in this list under another name
   and the names share words;
3. an agency of the same state, absent from this list, whose name key is
   nearly the same with the same place words (``fuzzy:<score>``), so
   "Lake County" never becomes "Lee County";
4. else a new agency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.text import slugify
from rapidfuzz import fuzz, process

# Words that say what kind of agency it is, not where: ignored when deciding
# whether two names are about the same place.
GENERIC_WORDS = frozenset(
    {
        "agency",
        "and",
        "authority",
        "borough",
        "bureau",
        "center",
        "city",
        "correctional",
        "corrections",
        "county",
        "department",
        "dept",
        "detention",
        "district",
        "division",
        "facility",
        "highway",
        "investigation",
        "jail",
        "marshal",
        "marshals",
        "of",
        "office",
        "parish",
        "patrol",
        "police",
        "public",
        "regional",
        "s",
        "safety",
        "service",
        "services",
        "sheriff",
        "sheriffs",
        "state",
        "the",
        "town",
        "township",
        "village",
    }
)

FUZZY_THRESHOLD = 90
PLACE_THRESHOLD = 90
MOA_NAME_THRESHOLD = 60


def place_words(key: str) -> str:
    return " ".join(w for w in key.split() if w not in GENERIC_WORDS)


@dataclass
class AgencyCandidate:
    id: str
    state: str
    name_key: str


def make_agency_id(state: str, name_key: str, taken: set[str]) -> str:
    """A readable id such as ``sc-charleston-county-sheriffs-office``.

    Made from the name key (not the name as written), so every spelling that
    folds to the same key gives the same id whatever order lists arrive in.
    """
    base = f"{state.lower()}-{slugify(name_key)}"[:110].rstrip("-")
    base = re.sub(r"-+", "-", base)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def fuzzy_match(
    key: str, candidates: list[AgencyCandidate]
) -> tuple[AgencyCandidate, int] | None:
    """The closest candidate by name key with the same place words, if close enough."""
    if not candidates:
        return None
    # A stable order, so ties go the same way however the registry was built.
    candidates = sorted(candidates, key=lambda c: (c.name_key, c.id))
    keys = [c.name_key for c in candidates]
    for _choice, score, index in process.extract(
        key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD, limit=5
    ):
        if same_place(key, keys[index]):
            return candidates[index], round(score)
    return None


def same_place(key: str, other: str) -> bool:
    """Whether two close name keys can be the same agency: the same numbers
    ("Constable District 6" is not "District 7") and nearly the same place
    words ("Lake County" is not "Lee County")."""
    if _numbers(key) != _numbers(other):
        return False
    place, other_place = place_words(key), place_words(other)
    if place and other_place:
        return fuzz.token_sort_ratio(place, other_place) >= PLACE_THRESHOLD
    return place == other_place


def _numbers(key: str) -> list[str]:
    return sorted(w for w in key.split() if any(c.isdigit() for c in w))


def names_share_words(key: str, other: str) -> bool:
    return fuzz.token_set_ratio(
        place_words(key) or key, place_words(other) or other
    ) >= (MOA_NAME_THRESHOLD)
