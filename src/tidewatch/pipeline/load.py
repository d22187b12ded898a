"""Write a publication and the history it implies, in one transaction.

``load_publication`` inserts the :class:`Publication`, its rejected rows, and
the registry changes (agencies, aliases, agreements, listings, events) inside
one ``transaction.atomic`` block: after a crash the database holds either all
of it or none of it. A publication dated before one already loaded makes the
history be replayed from every stored publication (``rebuild``), in the same
transaction, so the result never depends on import order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction

from tidewatch.agreements.models import Agency, AgencyAlias, Agreement, Event, Listing
from tidewatch.pipeline import history
from tidewatch.pipeline.bulk_sql import insert, update
from tidewatch.pipeline.cells import link_file_name
from tidewatch.pipeline.normalise import AgreementRecord, RejectedRow
from tidewatch.publications.models import (
    Publication,
    RawFile,
    publication_sort_key,
)
from tidewatch.publications.models import (
    RejectedRow as RejectedRowModel,
)

log = logging.getLogger(__name__)


@dataclass
class ParsedList:
    """Everything known about one list before it is loaded."""

    raw_file: RawFile
    name: str
    kind: str
    header_code: str
    sheet: str
    header: list[str]
    as_of: date
    as_of_rule: str
    observed_at: datetime
    row_count: int
    hidden_row_count: int
    records: list[AgreementRecord]
    rejects: list[RejectedRow]

    @property
    def sort_key(self) -> tuple:
        return publication_sort_key(
            self.as_of, self.kind, self.observed_at, self.raw_file.sha256
        )


@dataclass
class LoadResult:
    publication: Publication
    agreements: int
    new: int
    changed: int
    rebuilt: bool


def registry_from_db() -> history.Registry:
    """The in-memory registry as of the last loaded publication."""
    registry = history.Registry()
    for agency in Agency.objects.all().iterator():
        registry.add_agency(
            history.AgencyState(
                agency.id,
                agency.state,
                agency.name,
                agency.name_key,
                agency.agency_type,
                agency.county,
                agency.first_listed,
                agency.last_listed,
            )
        )
    for alias in AgencyAlias.objects.all().iterator():
        registry.add_alias(
            history.AliasState(
                alias.state,
                alias.name_key,
                alias.agency_id,
                alias.name,
                alias.match,
                alias.first_seen,
            )
        )
    moa_files: dict[str, set[str]] = {}
    for agreement_id, url in (
        Listing.objects.exclude(moa_url="")
        .values_list("agreement_id", "moa_url")
        .distinct()
    ):
        name = link_file_name(url)
        if name:
            moa_files.setdefault(agreement_id, set()).add(name)
    for a in Agreement.objects.all().iterator():
        registry.add_agreement(
            history.AgreementState(
                a.id,
                a.agency_id,
                a.model,
                a.status,
                a.signed_date,
                a.first_listed,
                a.last_listed,
                a.removed_on,
                a.moa_url,
                a.addendum_url,
            ),
            sorted(moa_files.get(a.id, ())),
        )
    for kind in (Publication.PARTICIPATING, Publication.PENDING):
        latest = _ordered_publications().filter(kind=kind).last()
        if latest is not None:
            registry.last_publication[kind] = latest.id
    registry.newest_publication = (
        Publication.objects.order_by("-id").values_list("id", flat=True).first()
    )
    return registry


def _ordered_publications():
    return Publication.objects.order_by(
        "as_of", "kind", "observed_at", "raw_file__sha256"
    )


def is_latest(parsed: ParsedList) -> bool:
    """True when no loaded publication sorts after this one."""
    if Publication.objects.filter(as_of__gt=parsed.as_of).exists():
        return False
    same_day = (
        Publication.objects.filter(as_of=parsed.as_of)
        .select_related("raw_file")
        .defer("records")
    )
    return all(p.sort_key < parsed.sort_key for p in same_day)


def _registry_is_current(registry: history.Registry) -> bool:
    """True when no other process loaded a list since ``registry`` was read."""
    newest = Publication.objects.order_by("-id").values_list("id", flat=True).first()
    return newest == registry.newest_publication


def load_publication(
    parsed: ParsedList, registry: history.Registry | None
) -> tuple[LoadResult, history.Registry]:
    """Load one list; returns the result and the registry after it.

    ``registry`` is the in-memory state matching the database (None to read it
    from the database). On any error the transaction rolls back and the
    exception propagates; the caller must then drop its registry.
    """
    with transaction.atomic():
        log.info("publication %s: transaction started", parsed.raw_file.sha256[:12])
        _lock()
        in_order = is_latest(parsed)
        if in_order and (registry is None or not _registry_is_current(registry)):
            registry = registry_from_db()
        publication = Publication.objects.create(
            raw_file=parsed.raw_file,
            kind=parsed.kind,
            header_code=parsed.header_code,
            sheet=parsed.sheet,
            header=parsed.header,
            name=parsed.name,
            as_of=parsed.as_of,
            as_of_rule=parsed.as_of_rule,
            observed_at=parsed.observed_at,
            row_count=parsed.row_count,
            hidden_row_count=parsed.hidden_row_count,
            reject_count=len(parsed.rejects),
            records=AgreementRecord.table(parsed.records),
        )
        write_rejects(publication.id, parsed.rejects)
        if in_order:
            assert registry is not None
            changes = registry.apply(
                history.PublicationInput(
                    publication.id, parsed.kind, parsed.as_of, parsed.records
                )
            )
            _write_changes(changes, publication, registry)
            listings, events = changes.listings, changes.events
        else:
            registry, by_publication = rebuild()
            listings, events = by_publication[publication.id]
        agreements = len(listings)
        duplicates = sum(len(item.duplicates) for item in listings)
        Publication.objects.filter(pk=publication.pk).update(
            agreement_count=agreements, duplicate_row_count=duplicates
        )
        new = sum(1 for e in events if e.kind == Event.FIRST_LISTED)
        changed = len(
            {
                e.agreement_id
                for e in events
                if e.kind not in (Event.FIRST_LISTED, Event.MODEL_ADDED)
            }
        )
        RawFile.objects.filter(pk=parsed.raw_file.pk).update(
            status=RawFile.PUBLISHED, rejection=""
        )
        log.info("publication %s: committing", parsed.raw_file.sha256[:12])
    publication.agreement_count = agreements
    publication.duplicate_row_count = duplicates
    return LoadResult(publication, agreements, new, changed, not in_order), registry


def write_rejects(publication_id: int, rejects: list[RejectedRow]) -> None:
    """Store a list's rejected rows with their reasons."""
    insert(
        RejectedRowModel,
        [
            dict(
                publication_id=publication_id,
                sheet=r.sheet,
                row_number=r.row_number,
                reason=r.reason,
                values=r.values,
            )
            for r in rejects
        ],
    )


def _lock() -> None:
    """One writer at a time. SQLite's BEGIN IMMEDIATE (settings) already holds
    the write lock; PostgreSQL needs an advisory lock for the same guarantee."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(287)")


def redate_publication(
    publication: Publication, as_of: date, rule: str
) -> history.Registry:
    """Give a loaded publication a new as-of date and replay the history."""
    with transaction.atomic():
        _lock()
        Publication.objects.filter(pk=publication.pk).update(
            as_of=as_of, as_of_rule=rule
        )
        Listing.objects.filter(publication=publication).update(as_of=as_of)
        return rebuild()[0]


def rebuild() -> tuple[history.Registry, dict[int, tuple[list, list]]]:
    """Replay every stored publication in date order; replace the derived tables.

    Returns the registry and, per publication id, its listings and events.
    Must run inside a transaction (the callers' ``atomic`` blocks).
    """
    registry = history.Registry()
    all_changes: list[tuple[history.Changes, Publication]] = []
    for publication in _ordered_publications().only("id", "kind", "as_of", "records"):
        records = AgreementRecord.from_table(publication.records)
        changes = registry.apply(
            history.PublicationInput(
                publication.id, publication.kind, publication.as_of, records
            )
        )
        all_changes.append((changes, publication))
    for model in (Event, Listing, Agreement, AgencyAlias, Agency):
        model.objects.all().delete()
    insert(Agency, [_agency(a) for a in registry.agencies.values()])
    insert(AgencyAlias, [_alias(a) for a in registry.aliases.values()])
    insert(Agreement, [_agreement(a) for a in registry.agreements.values()])
    listings, events = [], []
    for changes, publication in all_changes:
        listings.extend(_listing(item, publication) for item in changes.listings)
        events.extend(_event(e) for e in changes.events)
    insert(Listing, listings)
    insert(Event, events)
    return registry, {p.id: (c.listings, c.events) for c, p in all_changes}


def _write_changes(
    changes: history.Changes, publication: Publication, registry: history.Registry
) -> None:
    insert(Agency, [_agency(a) for a in changes.new_agencies])
    insert(AgencyAlias, [_alias(a) for a in changes.new_aliases])
    insert(Agreement, [_agreement(a) for a in changes.new_agreements])
    insert(Listing, [_listing(item, publication) for item in changes.listings])
    insert(Event, [_event(e) for e in changes.events])
    update(
        Agreement,
        ["status", "signed_date", "removed_on", "moa_url", "addendum_url"],
        [
            _agreement(registry.agreements[i])
            for i in sorted(changes.changed_agreements)
        ],
    )
    update(
        Agency,
        ["name", "agency_type", "county"],
        [_agency(registry.agencies[i]) for i in sorted(changes.changed_agencies)],
    )
    listed = Listing.objects.filter(publication=publication)
    Agreement.objects.filter(id__in=listed.values("agreement_id")).update(
        last_listed=publication.as_of
    )
    Agency.objects.filter(
        id__in=Agreement.objects.filter(id__in=listed.values("agreement_id")).values(
            "agency_id"
        )
    ).update(last_listed=publication.as_of)


def _agency(a: history.AgencyState) -> dict[str, Any]:
    return dict(
        id=a.id,
        state=a.state,
        name=a.name,
        name_key=a.name_key,
        agency_type=a.agency_type,
        county=a.county,
        first_listed=a.first_listed,
        last_listed=a.last_listed,
    )


def _alias(a: history.AliasState) -> dict[str, Any]:
    return dict(
        state=a.state,
        name_key=a.name_key,
        agency_id=a.agency_id,
        name=a.name,
        match=a.match,
        first_seen=a.first_seen,
    )


def _agreement(a: history.AgreementState) -> dict[str, Any]:
    return dict(
        id=a.id,
        agency_id=a.agency_id,
        model=a.model,
        status=a.status,
        signed_date=a.signed_date,
        first_listed=a.first_listed,
        last_listed=a.last_listed,
        removed_on=a.removed_on,
        moa_url=a.moa_url,
        addendum_url=a.addendum_url,
    )


def _listing(item: history.ListingState, publication: Publication) -> dict[str, Any]:
    r = item.record
    return dict(
        agreement_id=item.agreement_id,
        publication_id=publication.id,
        status=publication.kind,
        as_of=publication.as_of,
        sheet=r.sheet,
        row_number=r.row_number,
        duplicate_rows=[d.row_number for d in item.duplicates],
        hidden=r.hidden,
        agency_name=r.agency,
        state_raw=r.state_raw,
        type_raw=r.type_raw or "",
        agency_type=r.agency_type or "",
        county_raw=r.county_raw or "",
        county=r.county or "",
        support_type_raw=r.support_type_raw,
        signed_raw=r.signed_raw or "",
        signed_date=r.signed_date,
        signed_note=r.signed_note or "",
        moa_status=r.moa_status,
        moa_url=r.moa_url or "",
        moa_link=r.moa_link or "",
        addendum_url=r.addendum_url or "",
    )


def _event(e: history.EventState) -> dict[str, Any]:
    return dict(
        agreement_id=e.agreement_id,
        kind=e.kind,
        date=e.date,
        publication_id=e.publication_id,
        previous_publication_id=e.previous_publication_id,
        details=e.details,
        sequence=e.sequence,
    )
