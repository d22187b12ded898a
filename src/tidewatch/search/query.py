"""``search()``: the one way the site, the API and anything else look names up.

Full text first (SQLite FTS5 or PostgreSQL ``to_tsvector``, chosen by
``connection.vendor``; every word of the query as a prefix), then, when that
finds few names, a fuzzy pass with rapidfuzz over every folded name so
typos ("Charelston") still find something. Both kinds of candidates are then
ranked the same way in Python, so SQLite and PostgreSQL give the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.urls import reverse
from rapidfuzz import fuzz, process

from tidewatch.places.reference import county_index
from tidewatch.search.index import NAME_SEPARATOR, ensure_current, fold_words
from tidewatch.search.models import SearchEntry, SearchIndexState

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
CANDIDATES = 500  # full-text candidates ranked in Python
FEW = 5  # fewer full-text hits than this: add fuzzy ones
FUZZY_CUTOFF = 75  # rapidfuzz WRatio, 0-100, when full text found nothing
FUZZY_CUTOFF_EXTRA = 95  # ... and when it found a few: only near spellings
FUZZY_PENALTY = 10  # a name found only by spelling ranks below exact words
AGREEMENT_BONUS = 12  # places and agencies with agreements first
KIND_ORDER = {
    SearchEntry.STATE: 0,
    SearchEntry.COUNTY: 1,
    SearchEntry.CITY: 2,
    SearchEntry.AGENCY: 3,
}


@dataclass
class SearchHit:
    """One result: what it is, where, which models are in force, and its page."""

    kind: str
    key: str
    name: str
    state: str
    state_name: str
    detail: str
    models_in_force: list[str] = field(default_factory=list)
    models_pending: list[str] = field(default_factory=list)
    has_agreements: bool = False
    score: float = 0.0

    @property
    def url(self) -> str:
        """The page, in the active language."""
        if self.kind == SearchEntry.AGENCY:
            return reverse("agency", kwargs={"agency_id": self.key})
        if self.kind == SearchEntry.COUNTY:
            return reverse("county", kwargs={"fips": self.key})
        if self.kind == SearchEntry.CITY:
            state, slug = self.key.split("/", 1)
            return reverse("city", kwargs={"state": state, "slug": slug})
        return reverse("state", kwargs={"state": self.key})


def search(text: str, limit: int = DEFAULT_LIMIT) -> list[SearchHit]:
    """Agencies, counties, cities and states whose names match ``text``,
    best first. An empty or punctuation-only query finds nothing."""
    folded = fold_words(text[:MAX_QUERY_CHARS])
    terms = folded.split()[:MAX_TERMS]
    if not terms:
        return []
    query = " ".join(terms)
    limit = max(1, min(limit, MAX_LIMIT))
    state = ensure_current()
    ids = _full_text(terms)
    spelled: set[int] = set()
    if len(ids) < FEW:
        cutoff = FUZZY_CUTOFF_EXTRA if ids else FUZZY_CUTOFF
        spelled = set(_fuzzy(query, state, limit, cutoff)) - set(ids)
    entries = SearchEntry.objects.in_bulk([*ids, *spelled])
    ranked = sorted(
        entries.values(),
        key=lambda entry: _sort_key(entry, query, entry.pk in spelled),
    )
    return [_hit(entry, query) for entry in ranked[:limit]]


def _full_text(terms: list[str]) -> list[int]:
    """Entry ids whose names or places contain every term as a word prefix;
    when more match than are ranked, those with agreements are kept first."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            match = " ".join(f'"{term}"*' for term in terms)
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
                "ORDER BY has_agreements DESC, bm25(search_fts, 10.0, 1.0) "
                "LIMIT %s",
                [match, CANDIDATES],
            )
        elif vendor == "postgresql":
            tsquery = " & ".join(f"{term}:*" for term in terms)
            cursor.execute(
                "SELECT id FROM search_searchentry WHERE "
                "to_tsvector('simple', names || ' ' || place_text) "
                "@@ to_tsquery('simple', %s) ORDER BY has_agreements DESC, ts_rank("
                "setweight(to_tsvector('simple', names), 'A') || "
                "setweight(to_tsvector('simple', place_text), 'D'), "
                "to_tsquery('simple', %s)) DESC LIMIT %s",
                [tsquery, tsquery, CANDIDATES],
            )
        else:
            return []
        return [row[0] for row in cursor.fetchall()]


_choices: dict[tuple, list[tuple[int, str]]] = {}


def _names(state: SearchIndexState | None) -> list[tuple[int, str]]:
    """Every (entry id, folded name), kept per index build (one build at a time)."""
    version = (state.pk, state.stamp, state.built_at) if state else None
    if version not in _choices:
        rows = SearchEntry.objects.values_list("id", "names")
        _choices.clear()
        _choices[version] = [
            (pk, name) for pk, names in rows for name in names.split(NAME_SEPARATOR)
        ]
    return _choices[version]


def _fuzzy(
    query: str, state: SearchIndexState | None, limit: int, cutoff: float
) -> list[int]:
    """Entry ids with a name close to ``query`` (typos, missing letters)."""
    names = _names(state)
    found = process.extract(
        query,
        [name for _, name in names],
        scorer=fuzz.WRatio,
        score_cutoff=cutoff,
        limit=limit * 3,
    )
    return list(dict.fromkeys(names[index][0] for _, _, index in found))


def _name_score(entry: SearchEntry, query: str) -> float:
    """How well the query matches the entry's best name, 0-100."""
    if query == entry.key.lower():
        return 100.0
    best = 0.0
    for name in entry.names.split(NAME_SEPARATOR):
        if name == query:
            return 100.0
        score = (
            fuzz.ratio(query, name)
            + fuzz.token_set_ratio(query, name)
            + fuzz.WRatio(query, name)
        ) / 3
        best = max(best, score)
    return best


def _sort_key(entry: SearchEntry, query: str, spelled: bool) -> tuple:
    score = _name_score(entry, query)
    score += AGREEMENT_BONUS if entry.has_agreements else 0
    score -= FUZZY_PENALTY if spelled else 0
    return (-round(score, 1), KIND_ORDER[entry.kind], entry.state, entry.name)


def _hit(entry: SearchEntry, query: str) -> SearchHit:
    states = county_index().states
    return SearchHit(
        kind=entry.kind,
        key=entry.key,
        name=entry.name,
        state=entry.state,
        state_name=states[entry.state].name if entry.state in states else "",
        detail=entry.detail,
        models_in_force=entry.models_in_force.split(),
        models_pending=entry.models_pending.split(),
        has_agreements=entry.has_agreements,
        score=round(_name_score(entry, query), 1),
    )
