"""Agreements and their history, derived by replaying ICE's lists in date order.

:class:`Registry` holds the state of every agency and agreement in memory.
``Registry.apply`` takes one publication's records and returns what it
changed: new agencies, aliases and agreements, one listing per agreement, and
events. The loader writes those changes in the publication's transaction; a
publication that arrives out of date order makes the loader replay all of
them from scratch, so the history never depends on the order files came in.

Events (docs/methods.md, "History"):

- ``first_listed``: the agreement appears on either list for the first time;
- ``model_added``: ... and its agency already had an agreement of another model;
- ``promoted``: on the participating list after being on the pending list;
- ``signed_date_changed``: the SIGNED date differs from the last participating
  list's; a renewal when the new date is at least 180 days later, otherwise a
  correction;
- ``removed``: missing from a participating list after being on the previous one;
- ``relisted``: back on a list after a removal or a drop;
- ``pending_dropped``: missing from a pending list, and not (yet) seen on the
  participating list. Only a published pending list can drop an agreement: an
  empty pending list is rejected as a file, and the end of the pending list in
  February 2026 leaves its agreements pending as of its last edition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tidewatch.pipeline import identity
from tidewatch.pipeline.normalise import AgreementRecord

PARTICIPATING = "participating"
PENDING = "pending"
REMOVED = "removed"
PENDING_DROPPED = "pending_dropped"
RENEWAL_MIN_DAYS = 180


@dataclass
class AgencyState:
    id: str
    state: str
    name: str
    name_key: str
    agency_type: str
    county: str
    first_listed: date
    last_listed: date


@dataclass
class AliasState:
    state: str
    name_key: str
    agency_id: str
    name: str
    match: str
    first_seen: date


@dataclass
class AgreementState:
    id: str
    agency_id: str
    model: str
    status: str
    signed_date: date | None
    first_listed: date
    last_listed: date
    removed_on: date | None = None
    moa_url: str = ""
    addendum_url: str = ""


@dataclass
class EventState:
    agreement_id: str
    kind: str
    date: date
    publication_id: int
    previous_publication_id: int | None
    details: dict[str, Any]
    sequence: int


@dataclass
class ListingState:
    agreement_id: str
    record: AgreementRecord
    duplicates: list[AgreementRecord]


@dataclass
class PublicationInput:
    id: int
    kind: str
    as_of: date
    records: list[AgreementRecord]


@dataclass
class Changes:
    """What one publication changed, for the loader to write."""

    new_agencies: list[AgencyState] = field(default_factory=list)
    changed_agencies: set[str] = field(default_factory=set)
    new_aliases: list[AliasState] = field(default_factory=list)
    new_agreements: list[AgreementState] = field(default_factory=list)
    changed_agreements: set[str] = field(default_factory=set)
    listings: list[ListingState] = field(default_factory=list)
    events: list[EventState] = field(default_factory=list)


class Registry:
    """Every agency and agreement, as of the last publication applied."""

    def __init__(self) -> None:
        self.agencies: dict[str, AgencyState] = {}
        self.aliases: dict[tuple[str, str], AliasState] = {}
        self.agreements: dict[str, AgreementState] = {}
        self.by_agency_model: dict[tuple[str, str], str] = {}
        self.by_moa: dict[tuple[str, str, str], str] = {}
        self.by_state: dict[str, list[identity.AgencyCandidate]] = {}
        self.last_publication: dict[str, int] = {}
        # Highest publication id applied; the loader compares it with the
        # database to notice lists loaded by another process meanwhile.
        self.newest_publication: int | None = None

    # -- loading existing state ------------------------------------------------
    def add_agency(self, agency: AgencyState) -> None:
        self.agencies[agency.id] = agency
        self.by_state.setdefault(agency.state, []).append(
            identity.AgencyCandidate(agency.id, agency.state, agency.name_key)
        )

    def add_alias(self, alias: AliasState) -> None:
        self.aliases[(alias.state, alias.name_key)] = alias
        if alias.agency_id in self.agencies:
            self.by_state.setdefault(alias.state, []).append(
                identity.AgencyCandidate(alias.agency_id, alias.state, alias.name_key)
            )

    def add_agreement(
        self, agreement: AgreementState, moa_files: list[str] = ()
    ) -> None:
        self.agreements[agreement.id] = agreement
        self.by_agency_model[(agreement.agency_id, agreement.model)] = agreement.id
        state = self.agencies[agreement.agency_id].state
        for moa_file in moa_files:
            self.by_moa[(state, agreement.model, moa_file.casefold())] = agreement.id

    # -- applying a publication --------------------------------------------------
    def apply(self, publication: PublicationInput) -> Changes:
        """Apply one list (the next in date order) and return what changed."""
        changes = Changes()
        day = publication.as_of
        kind = publication.kind
        previous = self.last_publication.get(kind)
        groups = self._group_by_agreement(publication, changes)

        sequence = 0

        def event(agreement_id: str, event_kind: str, **details: Any) -> None:
            nonlocal sequence
            sequence += 1
            changes.events.append(
                EventState(
                    agreement_id,
                    event_kind,
                    day,
                    publication.id,
                    previous,
                    details,
                    sequence,
                )
            )

        listed: set[str] = set()
        for (agency_id, model), records in groups.items():
            records.sort(key=lambda r: r.row_number)
            record = max(
                records, key=lambda r: (r.signed_date or date.min, -r.row_number)
            )
            agency = self.agencies[agency_id]
            agreement_id = self.by_agency_model.get((agency_id, model))
            signed = record.signed_date if kind == PARTICIPATING else None
            if agreement_id is None:
                agreement_id = f"{agency_id}-{model.lower()}"
                others = [
                    self.agreements[a]
                    for m in ("JEM", "WSO", "TFM")
                    if (a := self.by_agency_model.get((agency_id, m)))
                ]
                agreement = AgreementState(
                    agreement_id, agency_id, model, kind, signed, day, day
                )
                self.add_agreement(agreement)
                changes.new_agreements.append(agreement)
                event(
                    agreement_id, "first_listed", status=kind, signed_date=_iso(signed)
                )
                active = [
                    o.model for o in others if o.status in (PARTICIPATING, PENDING)
                ]
                if active:
                    event(
                        agreement_id,
                        "model_added",
                        model=model,
                        existing=sorted(active),
                    )
                before = None
            else:
                agreement = self.agreements[agreement_id]
                before = _snapshot(agreement)
                self._transition(agreement, kind, signed, record, event)
                agreement.last_listed = day
            if record.moa_url and kind == PARTICIPATING:
                agreement.moa_url = record.moa_url
            if record.addendum_url:
                agreement.addendum_url = record.addendum_url
            if before is not None and before != _snapshot(agreement):
                changes.changed_agreements.add(agreement_id)
            if record.moa_file:
                self.by_moa[(agency.state, model, record.moa_file.casefold())] = (
                    agreement_id
                )
            listed.add(agreement_id)
            changes.listings.append(
                ListingState(
                    agreement_id, record, [r for r in records if r is not record]
                )
            )
            self._refresh_agency(agency, record, day, changes)

        self._drop_unlisted(kind, listed, day, changes, event)
        self.last_publication[kind] = publication.id
        self.newest_publication = max(publication.id, self.newest_publication or 0)
        return changes

    def _transition(
        self,
        agreement: AgreementState,
        kind: str,
        signed: date | None,
        record: AgreementRecord,
        event: Any,
    ) -> None:
        status = agreement.status
        if kind == PARTICIPATING:
            if status in (PENDING, PENDING_DROPPED):
                event(
                    agreement.id,
                    "promoted",
                    previous_status=status,
                    signed_date=_iso(signed),
                )
            elif status == REMOVED:
                event(
                    agreement.id,
                    "relisted",
                    status=kind,
                    removed_on=_iso(agreement.removed_on),
                )
            elif signed and agreement.signed_date and signed != agreement.signed_date:
                gap = (signed - agreement.signed_date).days
                change = "renewal" if gap >= RENEWAL_MIN_DAYS else "correction"
                event(
                    agreement.id,
                    "signed_date_changed",
                    change=change,
                    old=_iso(agreement.signed_date),
                    new=_iso(signed),
                    signed_raw=record.signed_raw,
                )
            agreement.status = PARTICIPATING
            agreement.removed_on = None
            if signed:
                agreement.signed_date = signed
        else:
            if status in (REMOVED, PENDING_DROPPED):
                event(
                    agreement.id,
                    "relisted",
                    status=kind,
                    removed_on=_iso(agreement.removed_on),
                )
                agreement.status = PENDING
                agreement.removed_on = None
            # Still on the pending list while already participating: ICE's
            # pending list lags behind; the agreement stays participating.

    def _drop_unlisted(
        self, kind: str, listed: set[str], day: date, changes: Changes, event: Any
    ) -> None:
        watched = PARTICIPATING if kind == PARTICIPATING else PENDING
        # Sorted, so events are numbered the same whether this registry was
        # built in memory or read back from the database.
        for _id, agreement in sorted(self.agreements.items()):
            if agreement.status != watched or agreement.id in listed:
                continue
            if kind == PARTICIPATING:
                agreement.status = REMOVED
                event(agreement.id, "removed", last_listed=_iso(agreement.last_listed))
            else:
                agreement.status = PENDING_DROPPED
                event(
                    agreement.id,
                    "pending_dropped",
                    last_listed=_iso(agreement.last_listed),
                )
            agreement.removed_on = day
            changes.changed_agreements.add(agreement.id)

    def _holds_model(self, agency_id: str, model: str, kind: str) -> bool:
        """True when a pending row cannot be this agency: the agency already
        holds an active agreement of the same model (a pending list is short,
        so "absent from this list" says little about agencies on the other)."""
        if kind != PENDING:
            return False
        agreement_id = self.by_agency_model.get((agency_id, model))
        return agreement_id is not None and self.agreements[agreement_id].status in (
            PARTICIPATING,
            PENDING,
        )

    def _refresh_agency(
        self, agency: AgencyState, record: AgreementRecord, day: date, changes: Changes
    ) -> None:
        before = (agency.name, agency.agency_type, agency.county)
        agency.name = record.agency
        agency.agency_type = record.agency_type or agency.agency_type
        agency.county = record.county or agency.county
        agency.last_listed = day
        if before != (agency.name, agency.agency_type, agency.county):
            changes.changed_agencies.add(agency.id)

    # -- identities ---------------------------------------------------------------
    def _group_by_agreement(
        self, publication: PublicationInput, changes: Changes
    ) -> dict[tuple[str, str], list[AgreementRecord]]:
        groups: dict[tuple[str, str], list[AgreementRecord]] = {}
        present: set[str] = set()
        unresolved: list[AgreementRecord] = []
        records = sorted(
            publication.records,
            key=lambda r: (r.state, r.name_key, r.model, r.row_number),
        )
        for record in records:
            alias = self.aliases.get((record.state, record.name_key))
            if alias is None:
                unresolved.append(record)
                continue
            present.add(alias.agency_id)
            groups.setdefault((alias.agency_id, record.model), []).append(record)
        for record in unresolved:
            alias = self.aliases.get((record.state, record.name_key))
            if alias is None:
                alias = self._identify(record, present, publication, changes)
            present.add(alias.agency_id)
            groups.setdefault((alias.agency_id, record.model), []).append(record)
        return groups

    def _identify(
        self,
        record: AgreementRecord,
        present: set[str],
        publication: PublicationInput,
        changes: Changes,
    ) -> AliasState:
        day = publication.as_of
        agency_id, match = None, "exact"
        if record.moa_file:
            found = self.by_moa.get(
                (record.state, record.model, record.moa_file.casefold())
            )
            if found:
                candidate = self.agencies[self.agreements[found].agency_id]
                if candidate.id not in present and identity.names_share_words(
                    record.name_key, candidate.name_key
                ):
                    agency_id, match = candidate.id, "moa"
        if agency_id is None:
            candidates = [
                c
                for c in self.by_state.get(record.state, [])
                if c.id not in present
                and not self._holds_model(c.id, record.model, publication.kind)
            ]
            found_fuzzy = identity.fuzzy_match(record.name_key, candidates)
            if found_fuzzy:
                agency_id, match = found_fuzzy[0].id, f"fuzzy:{found_fuzzy[1]}"
        if agency_id is None:
            agency_id = identity.make_agency_id(
                record.state, record.name_key, set(self.agencies)
            )
            agency = AgencyState(
                agency_id,
                record.state,
                record.agency,
                record.name_key,
                record.agency_type or "",
                record.county or "",
                day,
                day,
            )
            self.add_agency(agency)
            changes.new_agencies.append(agency)
        alias = AliasState(
            record.state, record.name_key, agency_id, record.agency, match, day
        )
        self.add_alias(alias)
        changes.new_aliases.append(alias)
        return alias


def _snapshot(agreement: AgreementState) -> tuple:
    """The fields a listing can change, besides last_listed (written in bulk)."""
    return (
        agreement.status,
        agreement.signed_date,
        agreement.removed_on,
        agreement.moa_url,
        agreement.addendum_url,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
