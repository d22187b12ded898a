"""``/api/costs/county/{fips}`` and ``/api/costs/agency/{agency_id}``: the
cost estimate the county and agency pages show, as JSON.

The same ``tidewatch.costs.estimates`` result as the page's "What it costs"
section, with every number unrounded: the range of each total, the line
items, the tornado, each parameter with its source (or the record of the
place that replaced it), the open questions, and the ICE list the
agreements come from. Text is in English, as the model and its sources
state it. 404 when the place has no agreement in force: there is nothing
to estimate, and a zero would be a claim.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from tidewatch.api.schemas import CountyFips, Invalid, ListFile, Message
from tidewatch.costmodel.model import AGREEMENT_ONLY, ALLOCATED
from tidewatch.costmodel.simulate import Spread

router = Router(tags=["costs"])
ERRORS = {404: Message, 422: Invalid}
METHOD = (
    "Tidewatch cost model: each parameter drawn from a triangular distribution "
    "between its low and high with its value as the mode; P10, P50 and P90 of "
    "the draws; 'point' is one evaluation at the values used. Dollars of "
    "dollar_year (CPI-U). A negative local_net is net revenue."
)


class CostParams(Schema):
    view: Literal["allocated", "incremental"] = Field(
        ALLOCATED,
        description="allocated: staff time and jail days at average cost; "
        "incremental: only what the budget would not spend otherwise.",
    )
    scope: Literal["287g", "all-ice"] = Field(
        AGREEMENT_ONLY,
        description="287g: the agreement only; all-ice: also beds rented to ICE or "
        "the US Marshals and every hold for ICE.",
    )


class SpreadOut(Schema):
    point: float = Field(description="At the values used (no draws).")
    p10: float
    p50: float
    p90: float


class Totals(Schema):
    local_net: SpreadOut = Field(description="Cost to the local budget, a year.")
    public_total: SpreadOut = Field(description="Gross cost, all payers, a year.")
    federal: SpreadOut = Field(description="Federal money paid back, a year.")
    state: SpreadOut = Field(description="State money, a year.")
    hours: SpreadOut = Field(description="Employee hours a year.")


class ItemOut(Schema):
    code: str
    label: str
    kind: Literal["cost", "offset"]
    attribution: str
    payer: str = Field(description="For an offset: federal or state.")
    formula: str
    spread: SpreadOut


class SwingOut(Schema):
    parameter: str
    label: str
    unit: str
    low: float
    high: float
    at_low: float = Field(description="Local net cost with the parameter at low.")
    at_high: float


class RecordOut(Schema):
    source: str
    source_date: date | None


class AssumptionOut(Schema):
    parameter: str
    label: str
    unit: str
    value: float = Field(description="The value used, in dollars of dollar_year.")
    low: float
    high: float
    tag: str = Field(description="read, inferred or assumption.")
    source: str
    question: str
    record: RecordOut | None = Field(
        description="The record of the place that replaced the default, if any."
    )


class AgreementOut(Schema):
    agreement_id: str
    agency_id: str
    agency: str
    state: str
    model: str
    signed_date: date | None
    new: bool = Field(description="Signed in the year before the list's date.")
    row_number: int = Field(description="Its row in the ICE list.")
    main_county: bool


class RecordUsedOut(Schema):
    place: str
    applies_to: str
    parameter: str
    value: float
    unit: str
    dollar_year: int | None
    low: float | None
    high: float | None
    source: str
    source_date: date
    entered_at: datetime = Field(description="When Tidewatch stored the record.")


class CostOut(Schema):
    kind: Literal["county", "agency"]
    key: str
    place: str
    state: str
    view: str
    scope: str
    as_of: date = Field(description="The date of the ICE list the estimate is for.")
    dollar_year: int
    draws: int
    seed: int
    method: str
    totals: Totals
    net_revenue: bool = Field(description="local_net P50 is below zero.")
    incentives: bool = Field(
        description="The 2025 federal task force incentives are counted."
    )
    items: list[ItemOut]
    tornado: list[SwingOut]
    assumptions: list[AssumptionOut]
    questions: list[str]
    agreements: list[AgreementOut]
    records: list[RecordUsedOut]
    notes: list[str]
    source: ListFile = Field(description="The ICE list the agreements are on.")


def _spread(s: Spread) -> dict[str, float]:
    return {"point": s.point, "p10": s.p10, "p50": s.p50, "p90": s.p90}


def as_json(found: Any) -> dict[str, Any]:
    """A ``CostEstimate`` as ``CostOut``."""
    e = found.estimate
    with translation.override("en"):
        notes = [str(note) for note in found.notes]
    return {
        "kind": found.kind,
        "key": found.key,
        "place": found.place,
        "state": found.state,
        "view": e.view,
        "scope": e.scope,
        "as_of": e.as_of,
        "dollar_year": e.dollar_year,
        "draws": e.draws,
        "seed": e.seed,
        "method": METHOD,
        "totals": {
            "local_net": _spread(e.local_net),
            "public_total": _spread(e.public_total),
            "federal": _spread(e.federal),
            "state": _spread(e.state),
            "hours": _spread(e.hours),
        },
        "net_revenue": e.net_revenue,
        "incentives": e.incentives,
        "items": [
            {
                "code": i.item.code,
                "label": i.item.label,
                "kind": i.item.kind,
                "attribution": i.item.attribution,
                "payer": i.item.payer,
                "formula": i.item.formula,
                "spread": _spread(i.spread),
            }
            for i in e.items
        ],
        "tornado": [
            {
                "parameter": s.parameter.name,
                "label": s.parameter.label,
                "unit": s.parameter.unit,
                "low": s.low,
                "high": s.high,
                "at_low": s.at_low,
                "at_high": s.at_high,
            }
            for s in e.tornado
        ],
        "assumptions": [
            {
                "parameter": a.parameter.name,
                "label": a.parameter.label,
                "unit": a.parameter.unit,
                "value": a.range.default,
                "low": a.range.low,
                "high": a.range.high,
                "tag": a.parameter.tag,
                "source": a.parameter.source,
                "question": a.parameter.question,
                "record": {"source": a.override.source, "source_date": a.override.as_of}
                if a.override
                else None,
            }
            for a in e.assumptions
        ],
        "questions": list(e.questions),
        "agreements": [vars(a) for a in found.agreements],
        "records": [vars(r) for r in found.records],
        "notes": notes,
        "source": {
            "as_of": found.source.as_of,
            "file_name": found.source.name,
            "sha256": found.source.raw_file.sha256,
        },
    }


_CHECKED: set[tuple] = set()


def respond(found: Any) -> HttpResponse:
    """``as_json(found)`` as the response, checked against ``CostOut`` once
    per kind of estimate (places that share their inputs share their shape).

    Ninja would validate and serialise all of it for every place, which is
    most of the time the endpoint takes, on the 2,400 places
    ``tidewatch build-site`` writes."""
    data = as_json(found)
    key = found.estimate.key
    if not key or key not in _CHECKED:
        data = CostOut.model_validate(data).model_dump(mode="json")
        if key:
            _CHECKED.add(key)
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@router.get(
    "/county/{fips}",
    response={200: CostOut, **ERRORS},
    summary="A county's cost estimate",
    url_name="cost-county",
)
def county_cost(
    request: HttpRequest, fips: Path[CountyFips], params: Query[CostParams]
) -> dict[str, Any]:
    """The estimate for the agreements in force of the county's agencies
    (state agencies are no county's: see ``notes``)."""
    from tidewatch.api.api import refuse_unknown  # api.api mounts this router
    from tidewatch.costs import estimates
    from tidewatch.costs.inputs import UnknownPlace

    refuse_unknown(request, CostParams)
    try:
        found = estimates.for_county(fips, view=params.view, scope=params.scope)
    except UnknownPlace:
        raise HttpError(404, f"no county with FIPS code {fips!r}") from None
    if found is None:
        raise HttpError(
            404, f"county {fips}: no agreement in force on ICE's latest list"
        )
    return respond(found)


@router.get(
    "/agency/{agency_id}",
    response={200: CostOut, **ERRORS},
    summary="An agency's cost estimate",
    url_name="cost-agency",
)
def agency_cost(
    request: HttpRequest, agency_id: str, params: Query[CostParams]
) -> dict[str, Any]:
    """The estimate for the agency's agreements in force, with its records."""
    from tidewatch.api.api import ID, refuse_unknown
    from tidewatch.costs import estimates
    from tidewatch.costs.inputs import UnknownPlace

    refuse_unknown(request, CostParams)
    if not ID.fullmatch(agency_id):
        raise HttpError(404, f"no agency with id {agency_id!r}")
    try:
        found = estimates.for_agency(agency_id, view=params.view, scope=params.scope)
    except UnknownPlace:
        raise HttpError(404, f"no agency with id {agency_id!r}") from None
    if found is None:
        raise HttpError(
            404, f"agency {agency_id}: no agreement in force on ICE's latest list"
        )
    return respond(found)
