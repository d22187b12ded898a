"""Keep ``AgencyPlace`` up to date: resolve every agency, apply people's
decisions, link FBI identifiers. Called after every import and by
``tidewatch places ...`` commands.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from django.db import transaction

from tidewatch.agreements.models import Agency
from tidewatch.pipeline.bulk_sql import insert
from tidewatch.places.models import AgencyPlace, OriAgency, PlaceDecision
from tidewatch.places.reference import city_counties, county_index, known_city
from tidewatch.places.resolve import AgencyFacts, Resolution, resolve

CONFIDENT = ("ice_county", "name", "alias", "manual")


class DecisionRefused(ValueError):
    """A manual decision that cannot be recorded; the message says why."""


@dataclass
class RefreshReport:
    agencies: int
    by_status: dict[str, int]


def facts_of(agency: Agency) -> AgencyFacts:
    return AgencyFacts(
        agency.id, agency.state, agency.name, agency.agency_type, agency.county
    )


def _apply_decision(result: Resolution, decision: PlaceDecision) -> None:
    when = decision.decided_at.date().isoformat()
    result.match_status = "manual"
    result.reason = f"{decision.reason} ({decision.decided_by}, {when})"
    if decision.county_fips:
        result.county_fips = decision.county_fips
        result.counties = [decision.county_fips]
        if result.level == "state":
            result.level = "county"
    if decision.place:
        result.place = decision.place
        if result.level in ("state", "county") and not decision.county_fips:
            result.level = "municipal"


def refresh() -> RefreshReport:
    """Resolve every agency again and replace AgencyPlace, in one transaction."""
    decisions: dict[str, PlaceDecision] = {}
    for decision in PlaceDecision.objects.order_by("decided_at", "id"):
        decisions[decision.agency_id] = decision  # the latest one counts
    matcher = _ori_matcher()
    roster_counties = (
        dict(OriAgency.objects.values_list("ori", "counties"))
        if matcher is not None
        else {}
    )
    rows, counts = [], {}
    for agency in Agency.objects.all():
        result = resolve(facts_of(agency))
        if agency.id in decisions:
            _apply_decision(result, decisions[agency.id])
        ori = ""
        if matcher is not None:
            found = matcher.match(agency.state, agency.name, result.counties)
            if found:
                ori = found[0]
                if not result.county_fips and (roster := roster_counties.get(ori)):
                    result.county_fips, result.counties = roster[0], roster
                    result.match_status = "alias"
                    result.reason = (
                        f"FBI roster agency {ori} lists "
                        f"{county_index().counties[roster[0]].name}"
                    )
        status = result.match_status.split(":")[0]
        counts[status] = counts.get(status, 0) + 1
        rows.append(
            dict(
                agency_id=agency.id,
                level=result.level,
                kind=result.kind,
                state_fips=result.state_fips,
                county_fips=result.county_fips,
                counties=result.counties,
                place=result.place[:120],
                match_status=result.match_status,
                reason=result.reason[:300],
                ori=ori,
            )
        )
    with transaction.atomic():
        AgencyPlace.objects.all().delete()
        insert(AgencyPlace, rows)
    return RefreshReport(len(rows), counts)


def _ori_matcher():
    """The FBI roster matcher, when a roster has been loaded."""
    if not OriAgency.objects.exists():
        return None
    from tidewatch.places.crosswalks import OriMatcher

    return OriMatcher.from_db()


def decide(
    agency_id: str,
    *,
    county_fips: str = "",
    place: str = "",
    reason: str,
    decided_by: str | None = None,
) -> PlaceDecision:
    """Record a person's decision about where an agency polices.

    Refuses an unknown agency, an unknown county FIPS, a county of another
    state, a decision with neither county nor place, and an empty reason.
    """
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise DecisionRefused(
            f"no agency {agency_id!r} (see tidewatch places unresolved for the ids)"
        )
    if not (county_fips or place):
        raise DecisionRefused("give --county FIPS or --place NAME")
    if not reason.strip():
        raise DecisionRefused(
            "give a --reason: who will read this decision later needs to know why"
        )
    index = county_index()
    if county_fips:
        county = index.counties.get(county_fips)
        if county is None:
            raise DecisionRefused(f"{county_fips!r} is not a county FIPS code")
        if county.state != agency.state:
            raise DecisionRefused(
                f"{county_fips} is {county.name}, {county.state}; "
                f"{agency.name} is in {agency.state}"
            )
    elif place and known_city(agency.state, place):
        counties = city_counties(agency.state, place)
        county_fips = counties[0] if len(counties) == 1 else ""
    decision = PlaceDecision.objects.create(
        agency_id=agency_id,
        county_fips=county_fips,
        place=place.strip(),
        reason=reason.strip(),
        decided_by=decided_by or getpass.getuser(),
    )
    refresh()
    return decision


def unresolved() -> list[AgencyPlace]:
    """Every agency not resolved with confidence, for people to review."""
    return list(
        AgencyPlace.objects.exclude(match_status__in=CONFIDENT)
        .select_related("agency")
        .order_by("agency__state", "agency__name")
    )
