"""A place's agreements in force, as the cost model's programs.

An agreement counts when it is on ICE's latest participating list (on or
before a date, if one is given): the list every page's "as of" refers to.
A county's agencies are the ones ``tidewatch.places.membership`` gives it,
the one rule the county pages, feeds and downloads share, so the cost shown
on a county page is the cost of the agencies listed there. State agencies
(highway patrol, state police, ...) police the whole state: their cost is
no county's, and the notes say they were left out.

A county's agreements of one model share one program (one set of
parameters: the county's records, else the defaults); an agency with
records of its own gets programs of its own with those records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements.models import Agency, Listing
from tidewatch.costmodel import Override, Program
from tidewatch.costmodel import parameters as params
from tidewatch.costs import records
from tidewatch.costs.models import ParameterRecord
from tidewatch.places.membership import statewide_agency_ids
from tidewatch.places.reference import county_index
from tidewatch.publications.models import Publication
from tidewatch.site import queries

NEW_WITHIN = timedelta(days=365)  # initial training: signed in the year before


class UnknownPlace(LookupError):
    """A county FIPS code or agency id that Tidewatch does not know."""


@dataclass(frozen=True)
class AgreementUsed:
    """An agreement counted in an estimate, and its row in the ICE list."""

    agreement_id: str
    agency_id: str
    agency: str  # the name in the list
    state: str  # USPS code
    model: str
    signed_date: date | None
    new: bool  # signed within the year before the list's date
    row_number: int  # its row in the list (the source)
    main_county: bool = True  # False: it only serves the county


class Inputs(NamedTuple):
    """What ``costmodel.estimate`` needs for a place, and where it came from."""

    programs: tuple[Program, ...]
    as_of: date | None  # the as-of date of the ICE list
    agreements: tuple[AgreementUsed, ...]
    source: Publication | None  # the participating list the agreements are on
    notes: tuple[Any, ...]  # lazily translated sentences


def participating_list(as_of: date | None = None) -> Publication | None:
    """ICE's latest participating list on or before ``as_of`` (None: the
    latest), as ``reports.edition`` chooses it."""
    if as_of is None:
        return queries.latest_lists().participating
    found = None
    for publication in queries.publication_index().values():  # oldest first
        if publication.kind == Publication.PARTICIPATING and publication.as_of <= as_of:
            found = publication
    return found


def _in_force(publication: Publication) -> dict[str, list[AgreementUsed]]:
    """Agency id -> its agreements on the list, read once per data version."""

    def build() -> dict[str, list[AgreementUsed]]:
        rows = list(
            Listing.objects.filter(publication=publication)
            .order_by("row_number")
            .values_list(
                "agreement_id",
                "agreement__agency_id",
                "agency_name",
                "agreement__agency__state",
                "agreement__model",
                "signed_date",
                "row_number",
            )
        )
        # A row without a signing date: the last date an earlier participating
        # list gave (as the agreement rows on the pages take it).
        undated = [row[0] for row in rows if row[5] is None]
        earlier: dict[str, date] = {}
        if undated:
            for agreement_id, signed in (
                Listing.objects.filter(
                    agreement_id__in=undated,
                    status=Publication.PARTICIPATING,
                    as_of__lte=publication.as_of,
                    signed_date__isnull=False,
                )
                .order_by("as_of")
                .values_list("agreement_id", "signed_date")
            ):
                earlier[agreement_id] = signed
        found: dict[str, list[AgreementUsed]] = defaultdict(list)
        for agreement_id, agency_id, name, state, model, signed, row in rows:
            signed = signed or earlier.get(agreement_id)
            new = signed is not None and (
                publication.as_of - NEW_WITHIN < signed <= publication.as_of
            )
            found[agency_id].append(
                AgreementUsed(
                    agreement_id, agency_id, name, state, model, signed, new, row
                )
            )
        return dict(found)

    return queries.per_data_version(f"costs-in-force:{publication.pk}", build)


def agency_overrides(agency_id: str) -> dict[str, Override]:
    """The agency's current records as checked overrides."""
    return records.current_overrides(ParameterRecord.AGENCY, agency_id)


def _programs(
    agreements: list[AgreementUsed], state: str, overrides: dict[str, Override]
) -> list[Program]:
    """One program per model of ``agreements``, sharing ``overrides``."""
    by_model: dict[str, list[AgreementUsed]] = defaultdict(list)
    for agreement in agreements:
        by_model[agreement.model].append(agreement)
    return [
        Program(
            model,
            agreements=len(found),
            new_agreements=sum(1 for a in found if a.new),
            state=state,
            agencies=tuple(dict.fromkeys(a.agency for a in found)),
            overrides=overrides,
        )
        for model, found in sorted(by_model.items())
        if model in ("JEM", "WSO", "TFM")
    ]


def _names(agreements: list[AgreementUsed]) -> str:
    return ", ".join(dict.fromkeys(a.agency for a in agreements))


def programs_for_county(fips: str, as_of: date | None = None) -> Inputs:
    """The county's agreements in force as programs: by model, and an agency
    with records of its own apart, with them. UnknownPlace for a FIPS code
    that is no county."""
    county = county_index().counties.get(fips)
    if county is None:
        raise UnknownPlace(f"no county with FIPS code {fips!r}")
    publication = participating_list(as_of)
    if publication is None:
        return Inputs((), None, (), None, ())
    in_force = _in_force(publication)
    members = queries.county_agencies(fips)
    notes: list[Any] = []
    shared: list[AgreementUsed] = []
    programs: list[Program] = []
    used: list[AgreementUsed] = []
    served: list[AgreementUsed] = []
    for agency_id, main in sorted(members.items()):
        found = [replace(a, main_county=main) for a in in_force.get(agency_id, ())]
        if not found:
            continue
        used += found
        if not main:
            served += found
        own = agency_overrides(agency_id)
        if own:
            programs += _programs(found, county.state, own)
            place_level = sorted(
                name for name in own if params.get(name).level == "place"
            )
            if place_level:
                notes.append(
                    format_lazy(
                        _(
                            "{agency}'s records for the whole place ({names}) "
                            "count on its own page only: enter them for the "
                            "county to count them here."
                        ),
                        agency=found[0].agency,
                        names=", ".join(place_level),
                    )
                )
        else:
            shared += found
    programs = _programs(shared, county.state, {}) + programs
    if served:
        notes.append(
            format_lazy(
                _(
                    "Counted in full here and in every other county they serve: "
                    "{names}."
                ),
                names=_names(served),
            )
        )
    state = county_index().states[county.state]
    statewide = [
        a for agency_id in _statewide(state.fips) for a in in_force.get(agency_id, ())
    ]
    if statewide:
        notes.append(
            format_lazy(
                _(
                    "Not counted: the agreements of {names}. State agencies "
                    "police the whole state, so their cost is no county's own."
                ),
                names=_names(statewide),
            )
        )
    used.sort(key=lambda a: (a.model, a.agency.casefold()))
    return Inputs(tuple(programs), publication.as_of, tuple(used), publication,
                  tuple(notes))  # fmt: skip


def _statewide(state_fips: str) -> list[str]:
    return queries.per_data_version(
        f"costs-statewide:{state_fips}", lambda: statewide_agency_ids(state_fips)
    )


def agency_name_state(agency_id: str) -> tuple[str, str] | None:
    """The agency's (name, state USPS code); None for an id no agency has.
    Read once per data version for every agency: each agency page asks."""
    found = queries.per_data_version(
        "costs-agencies",
        lambda: {
            pk: (name, state)
            for pk, name, state in Agency.objects.order_by().values_list(
                "id", "name", "state"
            )
        },
    )
    return found.get(agency_id)


def programs_for_agency(agency_id: str, as_of: date | None = None) -> Inputs:
    """The agency's agreements in force, one program per model, with the
    agency's records. UnknownPlace for an id no agency has."""
    known = agency_name_state(agency_id)
    if known is None:
        raise UnknownPlace(f"no agency with id {agency_id!r}")
    state = known[1]
    publication = participating_list(as_of)
    if publication is None:
        return Inputs((), None, (), None, ())
    found = list(_in_force(publication).get(agency_id, ()))
    programs = _programs(found, state, agency_overrides(agency_id))
    return Inputs(tuple(programs), publication.as_of, tuple(found), publication, ())
