"""The registry as it stood on a date: agreement rows, the event log, counts.

"As of a date" means the latest list on or before it. Every function here
works from listings and events (never from the current-state columns), so a
past date and today are computed the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from tidewatch.agreements.models import Agency, Agreement, Event, Listing
from tidewatch.documents.signatories import empty as signatory_columns
from tidewatch.documents.signatories import newest_moa_signatories
from tidewatch.publications.models import Publication

AGREEMENT_COLUMNS = [
    "agreement_id",
    "agency_id",
    "state",
    "agency",
    "agency_type",
    "county",
    "model",
    "status",
    "signed_date",
    "first_listed",
    "last_listed",
    "removed_on",
    "moa_url",
    "addendum_url",
    "county_fips",
    "place",
    "jurisdiction_level",
    "match_status",
    "ori",
    "source_list_date",
    "source_file",
    "source_row",
    "moa_signatory_name",
    "moa_signatory_title",
    "moa_signed_date",
]
CHANGE_COLUMNS = [
    "date",
    "kind",
    "agreement_id",
    "agency_id",
    "state",
    "agency",
    "model",
    "change",
    "old_signed_date",
    "new_signed_date",
    "previous_status",
    "source_file",
    "previous_list_date",
]
STATUSES = ("participating", "pending", "all")
# The lists' stored rows (Publication.records, about 1 MB of JSON per list, and
# header): never needed beside an event, and decoding them made the event log
# take over a minute on the corpus.
EVENT_LIST_ROWS = (
    "publication__records",
    "publication__header",
    "previous_publication__records",
    "previous_publication__header",
)
EVENT_STATUS = {
    Event.PROMOTED: Agreement.PARTICIPATING,
    Event.REMOVED: Agreement.REMOVED,
    Event.PENDING_DROPPED: Agreement.PENDING_DROPPED,
}


@dataclass(frozen=True)
class Edition:
    """Which lists an as-of date resolves to."""

    as_of: date | None
    participating: Publication | None
    pending: Publication | None


def edition(as_of: date | None = None) -> Edition:
    """The latest participating and pending lists on or before ``as_of``."""
    # The stored rows (records, header) are megabytes per list: not needed here.
    lists = (
        Publication.objects.select_related("raw_file")
        .defer("records", "header")
        .order_by("as_of", "observed_at", "raw_file__sha256")
    )
    if as_of is not None:
        lists = lists.filter(as_of__lte=as_of)
    return Edition(
        as_of,
        lists.filter(kind=Publication.PARTICIPATING).last(),
        lists.filter(kind=Publication.PENDING).last(),
    )


def _latest_date(as_of: date | None) -> date | None:
    lists = Publication.objects.all()
    if as_of is not None:
        lists = lists.filter(as_of__lte=as_of)
    return lists.order_by("-as_of").values_list("as_of", flat=True).first()


def agreements_as_of(
    as_of: date | None = None, status: str = "all", state: str | None = None
) -> list[dict[str, Any]]:
    """One row per agreement (columns ``AGREEMENT_COLUMNS``) as of a date.

    ``status``: participating, pending or all (all adds agreements removed or
    dropped by then). ``state``: a USPS code. Rows are sorted by state, agency
    and model.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    day = _latest_date(as_of)
    if day is None:
        return []
    listings = Listing.objects.filter(as_of__lte=day)
    events = Event.objects.filter(date__lte=day)
    if state:
        listings = listings.filter(agreement__agency__state=state)
        events = events.filter(agreement__agency__state=state)

    rows: dict[str, dict[str, Any]] = {}
    fields = (
        "agreement_id",
        "as_of",
        "status",
        "signed_date",
        "moa_url",
        "addendum_url",
        "agency_name",
        "agency_type",
        "county",
        "row_number",
        "publication__raw_file__sha256",
        "publication__name",
        "publication__observed_at",
    )
    for (
        agreement_id,
        listed,
        kind,
        signed,
        moa,
        addendum,
        name,
        agency_type,
        county,
        row_number,
        _sha,
        file_name,
        _seen,
    ) in listings.order_by(
        "as_of", "publication__observed_at", "publication__raw_file__sha256"
    ).values_list(*fields):
        row = rows.get(agreement_id)
        if row is None:
            row = rows[agreement_id] = {
                "agreement_id": agreement_id,
                "first_listed": listed,
                "signed_date": None,
                "moa_url": "",
                "addendum_url": "",
            }
        row["last_listed"] = listed
        row["agency"] = name
        row["agency_type"] = agency_type or row.get("agency_type", "")
        row["county"] = county or row.get("county", "")
        if kind == Publication.PARTICIPATING:
            row["signed_date"] = signed or row["signed_date"]
        row["moa_url"] = moa or row["moa_url"]
        row["addendum_url"] = addendum or row["addendum_url"]
        row["source_list_date"], row["source_file"], row["source_row"] = (
            listed,
            file_name,
            row_number,
        )

    status_of: dict[str, tuple[str, date | None]] = {}
    for agreement_id, kind, day_of, details in events.order_by(
        "date", "publication__observed_at", "publication_id", "sequence"
    ).values_list("agreement_id", "kind", "date", "details"):
        if kind in (Event.FIRST_LISTED, Event.RELISTED):
            status_of[agreement_id] = (
                details.get("status", Agreement.PARTICIPATING),
                None,
            )
        elif kind in EVENT_STATUS:
            removed = day_of if kind != Event.PROMOTED else None
            status_of[agreement_id] = (EVENT_STATUS[kind], removed)

    meta = {
        a["id"]: a
        for a in Agreement.objects.filter(id__in=list(rows)).values(
            "id",
            "agency_id",
            "model",
            "agency__state",
            "agency__place__county_fips",
            "agency__place__place",
            "agency__place__level",
            "agency__place__match_status",
            "agency__place__ori",
        )
    }
    signatories = newest_moa_signatories(list(rows) if state else None)
    result = []
    for agreement_id, row in rows.items():
        row.update(signatories.get(agreement_id) or signatory_columns())
        current, removed_on = status_of.get(
            agreement_id, (Agreement.PARTICIPATING, None)
        )
        if status != "all" and current != status:
            continue
        info = meta[agreement_id]
        row.update(
            county_fips=info["agency__place__county_fips"] or "",
            place=info["agency__place__place"] or "",
            jurisdiction_level=info["agency__place__level"] or "",
            match_status=info["agency__place__match_status"] or "",
            ori=info["agency__place__ori"] or "",
            agency_id=info["agency_id"],
            state=info["agency__state"],
            model=info["model"],
            status=current,
            removed_on=removed_on,
        )
        result.append({column: row.get(column) for column in AGREEMENT_COLUMNS})
    result.sort(key=lambda r: (r["state"], r["agency"].casefold(), r["model"]))
    return result


def changes(
    since: date | None = None, until: date | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """The event log (columns ``CHANGE_COLUMNS``), oldest first."""
    events = Event.objects.select_related(
        "agreement__agency", "publication", "previous_publication"
    ).defer(*EVENT_LIST_ROWS)
    events = filter_events(events, since=since, until=until, state=state)
    return [
        change_row(event)
        for event in events.order_by(
            "date", "publication__observed_at", "publication_id", "sequence"
        )
    ]


def filter_events(
    events: QuerySet[Event],
    since: date | None = None,
    until: date | None = None,
    state: str | None = None,
    model: str | None = None,
    kind: str | None = None,
) -> QuerySet[Event]:
    """Events on or after ``since``, on or before ``until``, of a state (USPS
    code), a model, a kind; each filter optional. The CLI, the API, the
    changes page and its downloads all filter here."""
    if since:
        events = events.filter(date__gte=since)
    if until:
        events = events.filter(date__lte=until)
    if state:
        events = events.filter(agreement__agency__state=state)
    if model:
        events = events.filter(agreement__model=model)
    if kind:
        events = events.filter(kind=kind)
    return events


def change_row(event: Event) -> dict[str, Any]:
    """One row of ``CHANGE_COLUMNS``: an event with its agreement's facts and
    the lists it was found between."""
    agency: Agency = event.agreement.agency
    details = event.details or {}
    previous = event.previous_publication
    return {
        "date": event.date,
        "kind": event.kind,
        "agreement_id": event.agreement_id,
        "agency_id": agency.id,
        "state": agency.state,
        "agency": agency.name,
        "model": event.agreement.model,
        "change": details.get("change", ""),
        "old_signed_date": details.get("old") or "",
        "new_signed_date": details.get("new") or details.get("signed_date") or "",
        "previous_status": details.get("previous_status", ""),
        "source_file": event.publication.name,
        "previous_list_date": previous.as_of if previous else "",
    }


def stats(as_of: date | None = None) -> dict[str, Any]:
    """Counts of agreements by model and by state, participating and pending."""
    current = edition(as_of)
    rows = agreements_as_of(as_of, "all")
    by_model: dict[str, Counter] = defaultdict(Counter)
    by_state: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        if row["status"] in (Agreement.PARTICIPATING, Agreement.PENDING):
            by_model[row["status"]][row["model"]] += 1
            by_state[row["state"]][f"{row['status']}:{row['model']}"] += 1
    return {
        "as_of": as_of,
        "participating_list": current.participating.as_of
        if current.participating
        else None,
        "pending_list": current.pending.as_of if current.pending else None,
        "by_model": {k: dict(v) for k, v in by_model.items()},
        "by_state": {k: dict(v) for k, v in sorted(by_state.items())},
    }
