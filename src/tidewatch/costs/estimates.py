"""The cost estimate of a county or an agency: its agreements in force, its
records, the model's range, and where each input came from.

For a county, the county's records are the place's values and an agency's
own records apply to that agency's agreements. For an agency, its records
win; its main county's records of per-agreement parameters (a jail day's
cost, pay) fill in what the agency has not reported, as they would for it
on the county's page. Results are kept per process and data version
(``per_data_version``): the pages ask for every county and agency, and a new
record or list changes the data version, so nothing stale is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tidewatch.costmodel import Estimate, Override, estimate
from tidewatch.costmodel import parameters as params
from tidewatch.costmodel.model import AGREEMENT_ONLY, ALLOCATED
from tidewatch.costmodel.simulate import DRAWS
from tidewatch.costs import records
from tidewatch.costs.inputs import (
    AgreementUsed,
    Inputs,
    agency_name_state,
    programs_for_agency,
    programs_for_county,
)
from tidewatch.costs.models import ParameterRecord
from tidewatch.places.membership import STATEWIDE
from tidewatch.places.reference import county_index
from tidewatch.publications.models import Publication
from tidewatch.site import queries
from tidewatch.site.caching import per_data_version

COUNTY, AGENCY = ParameterRecord.COUNTY, ParameterRecord.AGENCY


@dataclass(frozen=True)
class RecordUsed:
    """A record an estimate used, with what it applies to."""

    place: str  # county:45019 | agency:<id>
    applies_to: str  # the county's or the agency's name
    parameter: str
    value: float
    unit: str
    dollar_year: int | None
    low: float | None
    high: float | None
    source: str
    source_date: date
    entered_at: datetime


@dataclass(frozen=True)
class CostEstimate:
    """An estimate with everything a page, the CLI or the brief cites."""

    estimate: Estimate
    kind: str  # county | agency
    key: str  # FIPS code or agency id
    place: str  # the county's or the agency's name (English)
    state: str  # USPS code
    agreements: tuple[AgreementUsed, ...]
    source: Publication  # the ICE list the agreements are on
    records: tuple[RecordUsed, ...]
    extra: tuple[Override, ...]  # values given for this run only (--set)
    notes: tuple[Any, ...]  # lazily translated sentences

    @property
    def as_of(self) -> date:
        return self.estimate.as_of


def _used(record: ParameterRecord, applies_to: str) -> RecordUsed:
    return RecordUsed(
        record.place, applies_to, record.parameter, record.value, record.unit,
        record.dollar_year, record.low, record.high, record.source,
        record.source_date, record.entered_at,
    )  # fmt: skip


def _checked(
    found: Iterable[ParameterRecord], applies_to: str, notes: list[Any]
) -> tuple[dict[str, Override], list[RecordUsed]]:
    """Records as overrides; a record the model refuses now is left out and
    named in the notes."""
    overrides: dict[str, Override] = {}
    used: list[RecordUsed] = []
    for record in found:
        try:
            overrides[record.parameter] = records.check(record)
        except params.ParameterError as error:
            notes.append(
                format_lazy(
                    _("A record of {place} was left out: {problem}"),
                    place=applies_to,
                    problem=str(error),
                )
            )
            continue
        used.append(_used(record, applies_to))
    return overrides, used


def _applying(
    used: list[RecordUsed], result: Estimate, notes: list[Any]
) -> tuple[RecordUsed, ...]:
    """The records that bear on the agreements counted; the others (say a
    jail model figure for an agency whose agreement is a task force) are
    named in the notes, not cited as used."""
    models = {program.model for program in result.programs}
    kept = []
    for record in used:
        only = params.get(record.parameter).models
        if only is None or only & models:
            kept.append(record)
        else:
            notes.append(
                format_lazy(
                    _("A record of {place} ({parameter}) is not used: it is for "
                      "{models} agreements, and none is in force."),
                    place=record.applies_to,
                    parameter=record.parameter,
                    models=", ".join(sorted(only)),
                )
            )  # fmt: skip
    return tuple(kept)


def _extra(extra: Mapping[str, Override] | Iterable[Override] | None) -> dict:
    if not extra:
        return {}
    values = extra.values() if isinstance(extra, Mapping) else extra
    return params.checked(values)


def _run(
    inputs: Inputs,
    place_overrides: dict[str, Override],
    extra: dict[str, Override],
    *,
    view: str,
    scope: str,
    draws: int,
) -> Estimate:
    programs = inputs.programs
    if extra:
        place_overrides = {**place_overrides, **extra}
        programs = tuple(
            replace(p, overrides={**p.overrides, **extra}) if p.overrides else p
            for p in programs
        )
    assert inputs.as_of is not None
    return estimate(
        programs,
        as_of=inputs.as_of,
        view=view,
        scope=scope,
        overrides=place_overrides,
        draws=draws,
    )


def _cached(key: str, extra: Any, build: Any) -> CostEstimate | None:
    if extra:
        return build()
    return per_data_version(key, build)


def for_county(
    fips: str,
    *,
    view: str = ALLOCATED,
    scope: str = AGREEMENT_ONLY,
    extra: Mapping[str, Override] | Iterable[Override] | None = None,
    draws: int = DRAWS,
    as_of: date | None = None,
) -> CostEstimate | None:
    """The county's estimate, or None when no agreement of its agencies is
    in force. ``extra``: values for this run only (checked; never stored).
    UnknownPlace for a FIPS code that is no county."""
    given = _extra(extra)

    def build() -> CostEstimate | None:
        inputs = programs_for_county(fips, as_of)
        if not inputs.programs or inputs.source is None:
            return None
        county = county_index().counties[fips]
        state = county_index().states[county.state]
        name = f"{county.name}, {state.name}"
        notes = list(inputs.notes)
        place, used = _checked(records.current_records(COUNTY, fips), name, notes)
        for agency_id, agency in dict.fromkeys(
            (a.agency_id, a.agency) for a in inputs.agreements
        ):
            own = records.current_records(AGENCY, agency_id)
            used += _checked(own, agency, notes)[1]
        result = _run(inputs, place, given, view=view, scope=scope, draws=draws)
        return CostEstimate(result, COUNTY, fips, name, county.state,
                            inputs.agreements, inputs.source,
                            _applying(used, result, notes),
                            tuple(given.values()), tuple(notes))  # fmt: skip

    key = f"cost:county:{fips}:{view}:{scope}:{draws}:{as_of}"
    return _cached(key, given, build)


def for_agency(
    agency_id: str,
    *,
    view: str = ALLOCATED,
    scope: str = AGREEMENT_ONLY,
    extra: Mapping[str, Override] | Iterable[Override] | None = None,
    draws: int = DRAWS,
    as_of: date | None = None,
) -> CostEstimate | None:
    """The agency's estimate, or None when it has no agreement in force.
    UnknownPlace for an id no agency has."""
    given = _extra(extra)

    def build() -> CostEstimate | None:
        inputs = programs_for_agency(agency_id, as_of)
        if not inputs.programs or inputs.source is None:
            return None
        # Read from indexes kept per data version, not one query per agency.
        name, state = agency_name_state(agency_id) or ("", "")
        place = queries.scope_places([agency_id]).get(agency_id)
        notes = list(inputs.notes)
        county_place: dict[str, Override] = {}
        used: list[RecordUsed] = []
        fips = place.county_fips if place and place.level != STATEWIDE else ""
        county = county_index().counties.get(fips) if fips else None
        if county is not None:
            county_name = f"{county.name}, {county_index().states[county.state].name}"
            county_records = [
                r
                for r in records.current_records(COUNTY, fips)
                if r.parameter in params.BY_NAME
                and params.BY_NAME[r.parameter].level == "program"
            ]
            county_place, used = _checked(county_records, county_name, notes)
            if county_place:
                notes.append(
                    format_lazy(
                        _(
                            "Records of {county} apply to this agency's "
                            "agreements where the agency has none of its own."
                        ),
                        county=county_name,
                    )
                )
        own, own_used = _checked(
            records.current_records(AGENCY, agency_id), name, notes
        )
        used = [u for u in used if u.parameter not in own] + own_used
        overrides = {**county_place, **own}
        result = _run(inputs, overrides, given, view=view, scope=scope, draws=draws)
        return CostEstimate(result, AGENCY, agency_id, name, state,
                            inputs.agreements, inputs.source,
                            _applying(used, result, notes),
                            tuple(given.values()), tuple(notes))  # fmt: skip

    key = f"cost:agency:{agency_id}:{view}:{scope}:{draws}:{as_of}"
    return _cached(key, given, build)


def _spread(spread: Any) -> dict[str, float]:
    return {k: getattr(spread, k) for k in ("point", "p10", "p50", "p90")}


def as_dict(found: CostEstimate) -> dict[str, Any]:
    """Everything in the estimate as JSON-ready data (numbers as numbers,
    dates as YYYY-MM-DD, labels in the active language)."""
    from django.utils.translation import gettext

    from tidewatch.costmodel.items import COMMUNITY_NOTE

    result = found.estimate

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "place": {
            "kind": found.kind,
            "key": found.key,
            "name": found.place,
            "state": found.state,
        },
        "as_of": day(found.as_of),
        "ice_list": {
            "name": found.source.name,
            "kind": found.source.kind,
            "as_of": day(found.source.as_of),
            "sha256": found.source.raw_file.sha256,
        },
        "agreements": [
            {**vars(a), "signed_date": day(a.signed_date)} for a in found.agreements
        ],
        "programs": [
            {
                "model": p.model,
                "agreements": p.agreements,
                "new_agreements": p.new_agreements,
                "state": p.state,
                "agencies": list(p.agencies),
                "records": sorted(p.overrides),
            }
            for p in result.programs
        ],
        "view": result.view,
        "scope": result.scope,
        "dollar_year": result.dollar_year,
        "seed": result.seed,
        "draws": result.draws,
        "incentives": result.incentives,
        "net_revenue": result.net_revenue,
        **{
            name: _spread(getattr(result, name))
            for name in ("local_net", "public_total", "federal", "state", "hours")
        },
        "items": [
            {
                "code": i.item.code,
                "label": gettext(i.item.label),
                "kind": i.item.kind,
                "attribution": i.item.attribution,
                "payer": i.item.payer,
                "formula": i.item.formula,
                **_spread(i.spread),
            }
            for i in result.items
        ],
        "tornado": [
            {
                "parameter": s.parameter.name,
                "label": gettext(s.parameter.label),
                "unit": s.parameter.unit,
                "low": s.low,
                "high": s.high,
                "at_low": s.at_low,
                "at_high": s.at_high,
            }
            for s in result.tornado
        ],
        "assumptions": [
            {
                "parameter": a.parameter.name,
                "label": gettext(a.parameter.label),
                "unit": a.parameter.unit,
                "default": a.range.default,
                "low": a.range.low,
                "high": a.range.high,
                "tag": a.parameter.tag,
                "source": a.parameter.source,
                "override": None
                if a.override is None
                else {
                    "value": a.override.value,
                    "low": a.override.low,
                    "high": a.override.high,
                    "dollar_year": a.override.dollar_year,
                    "source": a.override.source,
                    "as_of": day(a.override.as_of),
                },
            }
            for a in result.assumptions
        ],
        "records": [
            {
                **vars(r),
                "source_date": day(r.source_date),
                "entered_at": r.entered_at.isoformat(),
            }
            for r in found.records
        ],
        "set": [
            {
                "parameter": o.name,
                "value": o.value,
                "unit": o.unit,
                "dollar_year": o.dollar_year,
                "low": o.low,
                "high": o.high,
            }
            for o in found.extra
        ],
        "questions": [gettext(q) for q in result.questions],
        "notes": [str(n) for n in found.notes],
        "not_in_dollars": gettext(COMMUNITY_NOTE),
    }
