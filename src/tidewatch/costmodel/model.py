"""The formulas of cost-model.md §2.2: line items and offsets for a year.

Every value may be a number or a numpy array of Monte Carlo draws; the same
code gives the deterministic answer (one value per parameter) and the
simulation (10,000 values per parameter), so the two cannot drift apart.

Two choices the specification leaves open, made here:
- Initial training counts the cover for officers away at training (the
  backfill), not their hours: those hours are already paid in L1 or L2
  (§2.6 counts it the same way). Later years count the refresher's hours.
- ICE-supplied training and IT (O6) is left out of both the costs and the
  offsets, as §2.2 allows, so neither side is inflated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tidewatch.costmodel.items import BY_CODE, COST, FEDERAL, STATE

HOURS_A_YEAR = 2_080
OVERTIME_RATE = 1.5
OVERTIME_CAP = 0.25  # federal overtime reimbursement: at most 25% of salary
INCENTIVES_FROM = date(2025, 10, 1)  # DHS, Sep 2, 2025: effective Oct 1, 2025

ALLOCATED, INCREMENTAL = "allocated", "incremental"
VIEWS = (ALLOCATED, INCREMENTAL)
AGREEMENT_ONLY, ALL_ICE = "287g", "all-ice"
SCOPES = (AGREEMENT_ONLY, ALL_ICE)

Values = Mapping[str, Any]  # parameter name -> float or array of draws

_DEDICATED = {"JEM": "jem_dedicated_officers", "WSO": "wso_dedicated_officers",
              "TFM": "tfm_officers"}  # fmt: skip
_PARTIAL = {"JEM": ("jem_partial_officers", "jem_partial_hours"),
            "WSO": ("wso_partial_officers", "wso_partial_hours")}  # fmt: skip
_OVERTIME = {"JEM": "jem_ot_share", "WSO": "wso_ot_share", "TFM": "tfm_ot_share"}
_PEOPLE = {"JEM": "jem_holds_per_year", "WSO": "wso_holds_per_year",
           "TFM": "tfm_arrests_per_year"}  # fmt: skip
MODELS = tuple(_DEDICATED)


@dataclass(frozen=True)
class Program:
    """Agreements of one model that share their parameters: one agency's, or
    all of a county's agencies of that model without records of their own."""

    model: str
    agreements: int = 1
    # Signed within the year before the estimate's date: initial training.
    new_agreements: int = 0
    state: str = ""
    agencies: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown agreement model {self.model!r}")
        if not 0 <= self.new_agreements <= self.agreements:
            raise ValueError("new agreements must be between 0 and the agreements")


def signature(program: Program) -> tuple:
    """What a program's results depend on (not the agencies' names): two
    programs with the same signature cost the same."""
    return (
        program.model,
        program.agreements,
        program.new_agreements,
        program.state == "FL",  # Florida's bonus is the only state rule
        frozenset(program.overrides.items()),
    )


def incentives_apply(program: Program, as_of: date) -> bool:
    """The 2025 federal incentives: task force agreements, from Oct 1, 2025.

    Whether jail and warrant officers qualify is not published
    (cost-model.md §1.4), so they are not counted for them.
    """
    return program.model == "TFM" and as_of >= INCENTIVES_FROM


def program_items(
    program: Program, v: Values, *, as_of: date, view: str, scope: str
) -> dict[str, Any]:
    """One program's line items, offsets and employee hours for a year."""
    model, count = program.model, program.agreements
    incremental = view == INCREMENTAL
    salary, benefits = v["salary"], v["benefit_rate"]
    loaded = salary * (1 + benefits)
    hourly = loaded / HOURS_A_YEAR
    dedicated = v[_DEDICATED[model]]
    partial, partial_hours = (
        (v[_PARTIAL[model][0]], v[_PARTIAL[model][1]]) if model in _PARTIAL else (0, 0)
    )
    ot_share = v[_OVERTIME[model]]
    caused = v["hold_attribution"] if scope == AGREEMENT_ONLY else 1.0
    hold_days = v[_PEOPLE[model]] * v["hold_extra_days"] * caused
    day_cost = v["jail_marginal_cost_per_day" if incremental else "jail_cost_per_day"]
    trainees = dedicated + partial
    trips = v[_PEOPLE[model]] * caused * v["transport_trips_per_person"]
    staff_hours = trips * v["transport_staff"] * v["transport_hours"]
    new, old = program.new_agreements, count - program.new_agreements
    active = incentives_apply(program, as_of)

    out: dict[str, Any] = {
        "L1": dedicated * loaded,
        "L2": 0 * hourly if incremental else partial * partial_hours * hourly,
        "L3": ot_share * salary * dedicated,
        "L4": hold_days * day_cost,
        "L7": trips * v["transport_miles"] * v["mileage_rate"]
        + (0 if incremental else staff_hours * hourly),
        "L8": (v["equipment_per_officer"] * dedicated + v["vehicle_cost"])
        / v["asset_life_years"],
        "L10": v["claim_probability"] * v["claim_cost"],
        "O1": hold_days * v["hold_billable_share"] * v["ice_per_diem"],
        "O8": hold_days * v["scaap_rate"] * v["scaap_share"],
    }
    out["L9"] = (
        0 * hourly if incremental else v["admin_share"] * (out["L1"] + out["L2"])
    )
    if active:
        paid = v["payment_probability"]
        out["O2"] = v["salary_reimbursement_share"] * dedicated * loaded * paid
        out["O3"] = paid * np.minimum(ot_share, OVERTIME_CAP) * salary * dedicated
        out["O4"] = dedicated * v["award_per_quarter"] * 4
        out["O5"] = (v["equipment_grant"] * dedicated + v["vehicle_grant"]) / v[
            "asset_life_years"
        ]
    if model == "TFM" and program.state == "FL":
        out["O7"] = v["florida_officer_bonus"] * dedicated
    for code in out:
        out[code] = out[code] * count
    # Training: cover in an agreement's first year, the refresher after it.
    refresher = 0 if incremental else trainees * v["refresher_hours"] * hourly
    out["L6"] = new * trainees * v["training_backfill"] + old * refresher
    out["hours"] = count * (
        dedicated * HOURS_A_YEAR
        + partial * partial_hours
        + ot_share * dedicated * HOURS_A_YEAR / OVERTIME_RATE
        + staff_hours
    ) + trainees * (new * v["initial_training_hours"] + old * v["refresher_hours"])
    return out


def place_items(v: Values, *, view: str, scope: str) -> dict[str, Any]:
    """The items that belong to the place, not to an agreement: rented beds,
    state grants, forfeiture-fund overtime."""
    rented = v["igsa_beds"] * 365 * (1.0 if scope == ALL_ICE else 0.0)
    day_cost = v[
        "jail_marginal_cost_per_day" if view == INCREMENTAL else "jail_cost_per_day"
    ]
    return {
        "L5": rented * day_cost,
        "O1b": rented * v["ice_per_diem"],
        "O7": v["state_grants"],
        "O9": v["forfeiture_fund_overtime"],
    }


def totals(items: Mapping[str, Any], reported_federal: Any = None) -> dict[str, Any]:
    """Gross (the public total), the federal and state offsets, the local net.

    A reported federal total, when a record gives one, replaces the modelled
    federal offsets: it is what was paid, not what might be.
    """
    gross = sum(v for c, v in items.items() if c in BY_CODE and BY_CODE[c].kind == COST)
    federal = sum(v for c, v in items.items() if BY_CODE.get(c) and
                  BY_CODE[c].payer == FEDERAL)  # fmt: skip
    state = sum(v for c, v in items.items() if BY_CODE.get(c) and
                BY_CODE[c].payer == STATE)  # fmt: skip
    if reported_federal is not None:
        federal = reported_federal + 0 * federal
    return {
        "gross": gross,
        "federal": federal,
        "state": state,
        "local_net": gross - federal - state,
    }
