"""``/api/places/states/{code}``: a state's agreements by model, its counties
with agreements, and its statewide agencies. Counties are in ``api.py``
(``/api/places/counties/{fips}``); both use the same county rule
(``tidewatch.places.membership``) as the pages and the map."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from tidewatch.agreements import reports
from tidewatch.agreements.models import Agreement
from tidewatch.api.schemas import Invalid, Message
from tidewatch.places.membership import county_members, statewide_agency_ids
from tidewatch.places.reference import county_index

router = Router(tags=["places"])
ACTIVE = (Agreement.PARTICIPATING, Agreement.PENDING)


class ModelCounts(Schema):
    JEM: int = 0
    WSO: int = 0
    TFM: int = 0


class StateCounty(Schema):
    fips: str
    name: str
    in_force: ModelCounts = Field(description="On ICE's latest participating list.")
    pending: ModelCounts = Field(description="On ICE's latest pending list only.")


class StatewideAgreement(Schema):
    agreement_id: str
    agency_id: str
    agency: str
    model: str
    status: str


class StateDetail(Schema):
    usps: str
    fips: str
    name: str
    in_force: ModelCounts = Field(
        description="Every agreement of the state's agencies."
    )
    pending: ModelCounts
    counties: list[StateCounty] = Field(
        description="Counties with an agreement in force or pending, by the county "
        "rule of the pages (state agencies are statewide, not a county's own)."
    )
    statewide: list[StatewideAgreement] = Field(
        description="Agreements in force or pending of the state's own agencies."
    )


def _counts(rows: list[dict[str, Any]], status: str) -> dict[str, int]:
    return dict(Counter(row["model"] for row in rows if row["status"] == status))


@router.get(
    "/states/{code}",
    response={200: StateDetail, 404: Message, 422: Invalid},
    summary="A state: agreements by model, counties, statewide agencies",
)
def get_state(request: HttpRequest, code: Path[str]) -> dict[str, Any]:
    """A state or territory by its USPS code (SC, PR, GU...), with the counts
    of agreements on ICE's latest lists."""
    from tidewatch.api.api import refuse_unknown  # api.py mounts this router

    refuse_unknown(request, None)
    state = county_index().states.get(code.upper())
    if state is None:
        raise HttpError(404, f"no state or territory with USPS code {code!r}")
    rows = reports.agreements_as_of(None, "all", state.usps)
    members = county_members()
    counties = []
    for county in sorted(county_index().in_state(state.usps), key=lambda c: c.fips):
        mine = [row for row in rows if row["agency_id"] in members.get(county.fips, {})]
        if any(row["status"] in ACTIVE for row in mine):
            counties.append(
                {
                    "fips": county.fips,
                    "name": county.name,
                    "in_force": _counts(mine, Agreement.PARTICIPATING),
                    "pending": _counts(mine, Agreement.PENDING),
                }
            )
    statewide = set(statewide_agency_ids(state.fips))
    return {
        "usps": state.usps,
        "fips": state.fips,
        "name": state.name,
        "in_force": _counts(rows, Agreement.PARTICIPATING),
        "pending": _counts(rows, Agreement.PENDING),
        "counties": counties,
        "statewide": [
            row
            for row in rows
            if row["agency_id"] in statewide and row["status"] in ACTIVE
        ],
    }
