"""Build the search index from the registry and the place reference.

One ``SearchEntry`` per agency, per county-equivalent (all of them, with or
without an agreement: residents look up their own county), per city of a
municipal agency and per state or territory. Names are stored folded (see
``fold_words``) so that accents, case, punctuation and possessives never
decide whether a name is found.

``rebuild()`` runs after every import, rebuild and place decision (the CLI
calls it beside ``places.service.refresh()``); ``ensure_current()`` rebuilds
on first search when the data changed some other way (a test, a script), so
the index is never silently stale.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max
from django.utils.text import slugify

from tidewatch.agreements.models import Agency, AgencyAlias, Agreement, Event
from tidewatch.places.models import AgencyPlace, PlaceDecision
from tidewatch.places.reference import ALIASES, county_index
from tidewatch.publications.models import Publication
from tidewatch.search.models import SearchEntry, SearchIndexState

NAME_SEPARATOR = " | "  # between the folded names of one entry
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
ACTIVE = (Agreement.PARTICIPATING, Agreement.PENDING)


def fold_words(text: str) -> str:
    """Lower case, accents removed, possessives and punctuation normalised,
    words kept apart: "Doña Ana" -> "dona ana", "Charleston County Sheriff's
    Office" -> "charleston county sheriffs office", "St. Lucie" -> "saint lucie".
    The same fold is applied to names and to queries."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['\u2019\u2018`]", "", text).replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _joined(folded: str) -> str:
    """ "de kalb county" -> "dekalbcounty", so "DeKalb" finds "De Kalb"."""
    return folded.replace(" ", "")


@dataclass
class _Draft:
    """An entry being assembled: names and models gathered from many rows."""

    kind: str
    key: str
    name: str
    state: str
    detail: str = ""
    names: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    in_force: set[str] = field(default_factory=set)
    pending: set[str] = field(default_factory=set)

    def add_names(self, *names: str) -> None:
        for name in names:
            folded = fold_words(name)
            if folded and folded not in self.names:
                self.names.append(folded)

    def entry(self) -> SearchEntry:
        place = [fold_words(p) for p in self.place] + [_joined(n) for n in self.names]
        return SearchEntry(
            kind=self.kind,
            key=self.key,
            name=self.name,
            state=self.state,
            detail=self.detail[:300],
            names=NAME_SEPARATOR.join(self.names),
            place_text=" ".join(dict.fromkeys(p for p in place if p)),
            models_in_force=" ".join(sorted(self.in_force)),
            models_pending=" ".join(sorted(self.pending - self.in_force)),
            has_agreements=bool(self.in_force or self.pending),
        )


def stamp() -> str:
    """What the index depends on, read cheaply: changes with every import,
    history replay (new event ids), place refresh and place decision."""
    publications = Publication.objects.aggregate(n=Count("id"), last=Max("id"))
    parts = [
        publications["n"],
        publications["last"],
        Event.objects.aggregate(last=Max("id"))["last"],
        AgencyAlias.objects.count(),
        AgencyPlace.objects.count(),
        PlaceDecision.objects.aggregate(last=Max("id"))["last"],
    ]
    return ":".join(str(part or 0) for part in parts)


def _county_names() -> dict[str, list[str]]:
    """Every name a county FIPS code is known by (reference plus aliases)."""
    index = county_index()
    names = {fips: [county.name] for fips, county in index.counties.items()}
    with ALIASES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names.setdefault(row["fips"], []).append(row["name"])
    return names


def _drafts() -> list[_Draft]:
    index = county_index()
    states = index.states
    county_names = _county_names()
    drafts: dict[tuple[str, str], _Draft] = {}

    for usps, state in states.items():
        draft = _Draft(SearchEntry.STATE, usps, state.name, usps)
        draft.add_names(state.name)
        draft.place += [usps, state.fips]
        drafts[(SearchEntry.STATE, usps)] = draft
    for fips, county in index.counties.items():
        state_name = states[county.state].name if county.state in states else ""
        draft = _Draft(SearchEntry.COUNTY, fips, county.name, county.state)
        draft.detail = state_name
        draft.add_names(*county_names.get(fips, [county.name]))
        draft.place += [state_name, county.state, fips]
        drafts[(SearchEntry.COUNTY, fips)] = draft

    models_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for agency_id, model, status in Agreement.objects.values_list(
        "agency_id", "model", "status"
    ):
        models_of[agency_id].append((model, status))
    aliases: dict[str, list[str]] = defaultdict(list)
    for agency_id, name, key in AgencyAlias.objects.values_list(
        "agency_id", "name", "name_key"
    ):
        aliases[agency_id] += [name, key]
    places = {p.agency_id: p for p in AgencyPlace.objects.all()}

    for agency in Agency.objects.all():
        place = places.get(agency.id)
        counties = _counties_of(place)
        county_label = ", ".join(
            index.counties[f].name for f in counties if f in index.counties
        )
        city = place.place if place and place.level == "municipal" else ""
        draft = _Draft(SearchEntry.AGENCY, agency.id, agency.name, agency.state)
        draft.detail = ", ".join(p for p in (city, county_label) if p)
        draft.add_names(agency.name, agency.name_key, *aliases[agency.id])
        state_name = states[agency.state].name if agency.state in states else ""
        draft.place += [state_name, agency.state, agency.county, county_label, city]
        if place and place.ori:
            draft.place.append(place.ori)
        targets = [draft]
        targets += [
            drafts[(SearchEntry.COUNTY, f)] for f in counties if f in index.counties
        ]
        if (SearchEntry.STATE, agency.state) in drafts:
            targets.append(drafts[(SearchEntry.STATE, agency.state)])
        if city:
            targets.append(
                _city_draft(drafts, agency.state, city, state_name, county_label)
            )
        for model, status in models_of[agency.id]:
            for target in targets:
                if status == Agreement.PARTICIPATING:
                    target.in_force.add(model)
                elif status == Agreement.PENDING:
                    target.pending.add(model)
        drafts[(SearchEntry.AGENCY, agency.id)] = draft
    return list(drafts.values())


def _counties_of(place: AgencyPlace | None) -> list[str]:
    """The counties an agency polices: its main county first, then the rest."""
    if place is None:
        return []
    found = [place.county_fips] if place.county_fips else []
    return found + [f for f in place.counties or [] if f and f not in found]


def _city_draft(
    drafts: dict[tuple[str, str], _Draft],
    state: str,
    city: str,
    state_name: str,
    county_label: str,
) -> _Draft:
    key = f"{state}/{slugify(city)}"
    draft = drafts.get((SearchEntry.CITY, key))
    if draft is None:
        draft = _Draft(SearchEntry.CITY, key, city, state, detail=county_label)
        draft.add_names(city)
        draft.place += [state_name, state, county_label]
        drafts[(SearchEntry.CITY, key)] = draft
    return draft


def rebuild() -> int:
    """Replace the whole index in one transaction; returns the entry count."""
    current = stamp()
    entries = [draft.entry() for draft in _drafts()]
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        SearchEntry.objects.bulk_create(entries, batch_size=1000)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts")
                cursor.execute(
                    "INSERT INTO search_fts(rowid, names, place_text, "
                    "has_agreements) SELECT id, names, place_text, has_agreements "
                    "FROM search_searchentry"
                )
        SearchIndexState.objects.all().delete()
        SearchIndexState.objects.create(stamp=current, entries=len(entries))
    return len(entries)


def ensure_current() -> SearchIndexState | None:
    """The index state, after rebuilding it if the data changed since it was
    built. A database that cannot be written (a read-only copy) keeps the
    index it has."""
    state = SearchIndexState.objects.first()
    if state is not None and state.stamp == stamp():
        return state
    try:
        rebuild()
    except DatabaseError:
        return state
    return SearchIndexState.objects.first()
