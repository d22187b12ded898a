"""The cost model's parameters, one entry each: the specification's table
(cost-model.md §2.3, summarised in docs/costs.md) with the
extra parameters its formulas need (§2.2, §2.6).

The low and the high are the uncertainty the Monte Carlo draws from;
``minimum`` and ``maximum`` (the pair after them) are what a value can be at
all, and an override outside them is refused. A parameter still at its
default is something nobody has reported for that place: its ``question``
is what a resident can ask to replace it (shown on the pages and in the
brief). Names are flat and carry the agreement model where the default
differs by model (``jem_holds_per_year``, ``tfm_officers``), so ``--set``
and the CSV import need nothing but a name.
"""

from __future__ import annotations

from tidewatch.costmodel.parameter import ASSUMPTION, INFERRED, READ, Parameter
from tidewatch.costmodel.text import N_

JEM, WSO, TFM = frozenset({"JEM"}), frozenset({"WSO"}), frozenset({"TFM"})


def _p(name: str, label: str, unit: str, default: float, low: float, high: float,
       limits: tuple[float, float], tag: str, source: str, question: str = "",
       dollar_year: int | None = None, models: frozenset[str] | None = None,
       level: str = "program") -> Parameter:  # fmt: skip
    return Parameter(name, label, unit, default, low, high, limits[0], limits[1],
                     tag, source, question, dollar_year, models, level)  # fmt: skip


Y = 2025  # the dollar year of every default, as cost-model.md §2.3 states
COUNT = (0, 100_000)
SHARE = (0, 1)

PARAMETERS: tuple[Parameter, ...] = (
    # --- Pay -------------------------------------------------------------
    _p(
        "salary",
        N_("Officer salary"),
        "USD/year",
        60_000,
        45_000,
        85_000,
        (10_000, 400_000),
        INFERRED,
        "a deputy or detention officer; published per-officer costs with benefits: "
        "Wake County $44,945 (2007), Nashville $58,333 (2012), Harris County "
        "$67,500-75,000 (2017); local pay scales should replace it",
        N_("What are the salaries of the officers who do 287(g) work?"),
        Y,
    ),
    _p(
        "benefit_rate",
        N_("Benefits, as a share of salary"),
        "share",
        0.40,
        0.30,
        0.60,
        (0, 1.5),
        INFERRED,
        "inferred: the Wake, Nashville and Harris County budget figures include "
        "benefits",
        N_("What do benefits add to an officer's pay?"),
    ),
    # --- Officers and their hours -----------------------------------------
    _p(
        "jem_dedicated_officers",
        N_("Officers on 287(g) work full time (jail model)"),
        "officers",
        4,
        0,
        12,
        COUNT,
        INFERRED,
        "Wake County 12 (2007 budget), Nashville 12, Harris County 9-10, "
        "Prince William 11, Frederick about 0",
        N_("How many employees work on the agreement full time?"),
        models=JEM,
    ),
    _p(
        "wso_dedicated_officers",
        N_("Officers on 287(g) work full time (warrant model)"),
        "officers",
        0,
        0,
        2,
        COUNT,
        ASSUMPTION,
        "assumption: warrant service officers serve ICE warrants beside other duties "
        "(part-time duties, L2)",
        N_("How many employees work on the agreement full time?"),
        models=WSO,
    ),
    _p(
        "tfm_officers",
        N_("Task force officers"),
        "officers",
        4,
        1,
        50,
        COUNT,
        INFERRED,
        "the agency's roster; FWD.us, Feb 2026: 13,800-15,800 "
        "officers in 764 task-force agencies",
        N_("How many officers are trained and credentialed as task force officers?"),
        models=TFM,
    ),
    _p(
        "jem_partial_officers",
        N_("Trained jail officers who screen part time"),
        "officers",
        16,
        0,
        40,
        COUNT,
        INFERRED,
        "Charleston County: 16 deputized officers (The State, Jan 2021)",
        N_(
            "How many officers are trained to question people in the jail about "
            "their immigration status?"
        ),
        models=JEM,
    ),
    _p(
        "jem_partial_hours",
        N_("Hours a year each part-time screener spends"),
        "hours/year",
        250,
        0,
        520,
        (0, 2_080),
        INFERRED,
        "250 h inferred; 520 h is a quarter of the year, as in the "
        "Charleston worked example (§2.5)",
        N_("How many hours a year do those officers spend on 287(g) work?"),
        models=JEM,
    ),
    _p(
        "wso_partial_officers",
        N_("Trained officers who serve ICE warrants"),
        "officers",
        4,
        1,
        16,
        COUNT,
        ASSUMPTION,
        "assumption",
        N_("How many officers are trained to serve ICE warrants?"),
        models=WSO,
    ),
    _p(
        "wso_partial_hours",
        N_("Hours a year each warrant officer spends"),
        "hours/year",
        100,
        20,
        250,
        (0, 2_080),
        ASSUMPTION,
        "assumption",
        N_("How many hours a year do those officers spend serving ICE warrants?"),
        models=WSO,
    ),
    _p(
        "jem_ot_share",
        N_("Overtime, share of dedicated officers' pay (jail model)"),
        "share",
        0.05,
        0,
        0.25,
        SHARE,
        INFERRED,
        "Maricopa County, $1.3M overtime in 3 months (2008); Prince William "
        "County, about $130,000 (FY2008)",
        N_("How much overtime was paid for 287(g) work last year?"),
        models=JEM,
    ),
    _p(
        "wso_ot_share",
        N_("Overtime, share of dedicated officers' pay (warrant model)"),
        "share",
        0.05,
        0,
        0.25,
        SHARE,
        ASSUMPTION,
        "assumption: as the jail model",
        N_("How much overtime was paid for 287(g) work last year?"),
        models=WSO,
    ),
    _p(
        "tfm_ot_share",
        N_("Overtime, share of task force officers' pay"),
        "share",
        0.10,
        0,
        0.25,
        SHARE,
        INFERRED,
        "Maricopa County, $1.3M overtime in 3 months (2008); the federal "
        "reimbursement caps overtime at 25% of salary",
        N_("How much overtime was paid for 287(g) work last year?"),
        models=TFM,
    ),
    # --- Jail ------------------------------------------------------------
    _p(
        "jem_holds_per_year",
        N_("People held for ICE a year (jail model)"),
        "people/year",
        298,
        50,
        1_300,
        COUNT,
        INFERRED,
        "Charleston County, 2019: 298 people (Criminal Justice Coordinating "
        "Council, in The Post and Courier, Jan 5, 2021); Mecklenburg County "
        "screened more than 1,300 in FY2017 (Spectrum News, May 10, 2018)",
        N_("How many people were held for ICE under the agreement last year?"),
        models=JEM,
    ),
    _p(
        "wso_holds_per_year",
        N_("People held on ICE warrants a year (warrant model)"),
        "people/year",
        50,
        0,
        300,
        COUNT,
        ASSUMPTION,
        "assumption",
        N_("How many ICE warrants were served in the jail last year?"),
        models=WSO,
    ),
    _p(
        "tfm_arrests_per_year",
        N_("Task force arrests a year"),
        "people/year",
        300,
        25,
        1_000,
        COUNT,
        INFERRED,
        "the cost model's task force example (an illustration, not data)",
        N_(
            "How many people did the agency's task force officers arrest for ICE "
            "last year?"
        ),
        models=TFM,
    ),
    _p(
        "hold_extra_days",
        N_("Extra days in jail per person held"),
        "days",
        3,
        1,
        39,
        (0, 365),
        INFERRED,
        "a 48-hour detainer hold; 22 days (Colorado 2012, NC Justice Center 2019); "
        "Charleston's average stay 39 days (2019)",
        N_("How many days longer do people held for ICE stay in the jail?"),
    ),
    _p(
        "jail_cost_per_day",
        N_("Full cost of a jail day"),
        "USD/day",
        100,
        45,
        150,
        (1, 1_000),
        INFERRED,
        "Charleston County $132 (the sheriff's office, c. 2024), Jerome County $107 "
        "(Magic Valley, c. 2018), Gwinnett County $45 (2010)",
        N_("What does a day in the jail cost, on average?"),
        Y,
    ),
    _p(
        "jail_marginal_cost_per_day",
        N_("Cost of one more person for a day"),
        "USD/day",
        15,
        5,
        40,
        (0, 1_000),
        INFERRED,
        'Jerome County\'s sheriff, "a few dollars" for food and medical care',
        N_("What does one more person in the jail cost a day (food, medical care)?"),
        Y,
    ),
    _p(
        "ice_per_diem",
        N_("ICE's payment per person per day"),
        "USD/day",
        80,
        45,
        120,
        (0, 1_000),
        INFERRED,
        "per diems under jail agreements: $45 (Irwin County, 2007) to $118 (Theo "
        "Lacy, 2017); "
        "$84 (Prince William, 2020)",
        N_("How much does ICE pay the jail per person per day?"),
        Y,
    ),
    _p(
        "hold_billable_share",
        N_("Share of hold days ICE pays for"),
        "share",
        1.0,
        0.5,
        1.0,
        SHARE,
        ASSUMPTION,
        "assumption",
        N_("For how many of those days did ICE actually pay?"),
    ),
    _p(
        "hold_attribution",
        N_("Share of holds caused by the agreement"),
        "share",
        1.0,
        0.5,
        1.0,
        SHARE,
        ASSUMPTION,
        "assumption: the rest would be held on a detainer anyway",
        N_(
            "How many of the people held for ICE were identified through the "
            "287(g) agreement rather than by fingerprints alone?"
        ),
    ),
    _p(
        "igsa_beds",
        N_("Beds rented to ICE or the US Marshals, beyond the holds"),
        "beds",
        0,
        0,
        0,
        (0, 10_000),
        ASSUMPTION,
        "0 unless a record says the jail rents beds; ICE detention statistics give "
        "a facility's average daily population",
        N_(
            "Does the jail rent beds to ICE or the US Marshals, and how many are "
            "filled on an average day?"
        ),
        level="place",
    ),
    # --- Training --------------------------------------------------------
    _p(
        "initial_training_hours",
        N_("Initial training, hours per officer"),
        "hours",
        160,
        40,
        200,
        (0, 1_000),
        READ,
        '"ICE provides a four-week basic training program and a one-week '
        'refresher" (Stanly Journal, Dec 2018)',
        N_("How many hours of training did each officer take?"),
    ),
    _p(
        "refresher_hours",
        N_("Refresher training, hours per officer a year"),
        "hours/year",
        40,
        8,
        40,
        (0, 500),
        INFERRED,
        "a one-week refresher (Stanly Journal, Dec 2018); yearly is an assumption",
    ),
    _p(
        "training_backfill",
        N_("Cover for an officer away at training"),
        "USD",
        8_000,
        0,
        12_000,
        (0, 100_000),
        INFERRED,
        "San Bernardino County, $44,012 for 9 trainees (2005, county records)",
        N_("What did it cost to cover shifts while officers were at training?"),
        Y,
    ),
    # --- Transport -------------------------------------------------------
    _p(
        "transport_trips_per_person",
        N_("Transport trips per person"),
        "trips/person",
        0.5,
        0,
        1,
        (0, 10),
        INFERRED,
        "inferred: the cost model's task force example",
        N_("How many trips did officers make to hand people to ICE last year?"),
    ),
    _p(
        "transport_staff",
        N_("Officers per trip"),
        "staff",
        2,
        1,
        3,
        (0, 20),
        INFERRED,
        "inferred: the cost model's task force example",
    ),
    _p(
        "transport_hours",
        N_("Hours per trip"),
        "hours",
        2,
        1,
        6,
        (0, 48),
        INFERRED,
        "inferred: the cost model's task force example",
    ),
    _p(
        "transport_miles",
        N_("Miles per trip"),
        "miles",
        60,
        10,
        200,
        (0, 5_000),
        INFERRED,
        "inferred: the cost model's task force example",
    ),
    _p(
        "mileage_rate",
        N_("Vehicle cost per mile"),
        "USD/mile",
        0.70,
        0.60,
        0.80,
        (0, 10),
        INFERRED,
        "inferred: the cost model's task force example",
        dollar_year=Y,
    ),
    # --- Equipment -------------------------------------------------------
    _p(
        "equipment_per_officer",
        N_("Equipment bought per officer"),
        "USD",
        0,
        0,
        7_500,
        (0, 1_000_000),
        READ,
        "Frederick County's sheriff: ICE pays for the technology and computers",
        N_("What equipment did the agency buy for 287(g) work, and at what cost?"),
        Y,
    ),
    _p(
        "vehicle_cost",
        N_("Vehicles bought for 287(g) work"),
        "USD",
        0,
        0,
        100_000,
        (0, 10_000_000),
        ASSUMPTION,
        "assumption",
        dollar_year=Y,
    ),
    _p(
        "asset_life_years",
        N_("Years equipment lasts"),
        "years",
        5,
        3,
        8,
        (1, 50),
        INFERRED,
        "inferred: one-off grants spread over 5 years",
    ),
    # --- Supervision and liability ---------------------------------------
    _p(
        "admin_share",
        N_("Supervision, records and legal review, share of staff cost"),
        "share",
        0.10,
        0.05,
        0.20,
        SHARE,
        INFERRED,
        "inferred: no published figure",
    ),
    _p(
        "claim_probability",
        N_("Chance of a lawsuit in a year"),
        "claims/year",
        0.05,
        0.01,
        0.15,
        (0, 10),
        INFERRED,
        "inferred; Maricopa County's profiling case costs (AP, May 2025), "
        "Frederick County's $1M suit demand (Frederick News-Post)",
        N_(
            "Has the agency been sued or paid claims over its immigration "
            "enforcement, and what did it cost?"
        ),
    ),
    _p(
        "claim_cost",
        N_("Cost of a lawsuit (defence and settlement)"),
        "USD",
        300_000,
        50_000,
        5_000_000,
        (0, 1e9),
        INFERRED,
        "inferred; Maricopa County's profiling case is expected to cost $352M by "
        "mid-2026 (AP, May 19, 2025)",
        dollar_year=Y,
    ),
    # --- Federal incentives for task forces, from Oct 1, 2025 --------------
    _p(
        "salary_reimbursement_share",
        N_("Share of task force pay ICE reimburses"),
        "share",
        1.0,
        0,
        1.0,
        SHARE,
        READ,
        'DHS, Sep 2, 2025: "ICE will fully reimburse ... the annual salary and '
        'benefits of each eligible trained 287(g) officer"',
        models=TFM,
    ),
    _p(
        "payment_probability",
        N_("Chance the federal money is paid in the year"),
        "share",
        0.8,
        0.3,
        1.0,
        SHARE,
        INFERRED,
        "inferred: a new program that depends on appropriations",
        N_("How much has ICE actually paid the agency, and when?"),
        models=TFM,
    ),
    _p(
        "award_per_quarter",
        N_("Quarterly performance award per task force officer"),
        "USD/quarter",
        750,
        0,
        1_000,
        (0, 1_000),
        READ,
        "DHS, Sep 2, 2025: $1,000 / $750 / $500 at 90-100% / 80-89% / 70-79%",
        N_("What performance awards has the agency received?"),
        Y,
        TFM,
    ),
    _p(
        "equipment_grant",
        N_("Equipment money per task force officer (once)"),
        "USD",
        7_500,
        0,
        7_500,
        (0, 7_500),
        READ,
        "Fraternal Order of Police, Sep 2025: up to $7,500 per officer",
        dollar_year=Y,
        models=TFM,
    ),
    _p(
        "vehicle_grant",
        N_("Vehicle money per agency (once)"),
        "USD",
        100_000,
        0,
        100_000,
        (0, 100_000),
        READ,
        "Fraternal Order of Police, Sep 2025: up to $100,000 per agency",
        dollar_year=Y,
        models=TFM,
    ),
    # --- State and other money -------------------------------------------
    _p(
        "florida_officer_bonus",
        N_("Florida's bonus per task force officer"),
        "USD",
        1_000,
        0,
        1_000,
        (0, 1_000),
        READ,
        "Florida Statutes 908.1033(3)(a): up to $1,000 per officer",
        dollar_year=Y,
        models=TFM,
    ),
    _p(
        "state_grants",
        N_("State grants received a year"),
        "USD/year",
        0,
        0,
        0,
        (0, 1e9),
        ASSUMPTION,
        "0 unless a record says otherwise",
        N_("Has the agency received state grants for immigration enforcement?"),
        Y,
        level="place",
    ),
    _p(
        "scaap_rate",
        N_("SCAAP payment per eligible day"),
        "USD/day",
        30.30,
        30.30,
        30.30,
        (0, 1_000),
        READ,
        "Atlanta Journal-Constitution, Apr 24, 2008 (FY2006)",
        dollar_year=2006,
    ),
    _p(
        "scaap_share",
        N_("Share of a SCAAP claim paid"),
        "share",
        0.23,
        0,
        0.23,
        SHARE,
        READ,
        "Atlanta Journal-Constitution, Apr 24, 2008: Gwinnett got 22.7% of its claim",
        N_("How much did the county receive from SCAAP last year?"),
    ),
    _p(
        "forfeiture_fund_overtime",
        N_("Treasury Forfeiture Fund overtime paid"),
        "USD/year",
        0,
        0,
        0,
        (0, 1e9),
        ASSUMPTION,
        "0 unless a record says otherwise",
        dollar_year=Y,
        level="place",
    ),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}

# Raising these lowers a cost: one-off purchases spread over more years. Every
# other parameter raises a cost or leaves the costs alone (it moves an offset).
LOWERS_COST = frozenset({"asset_life_years"})

# Reported totals that replace a modelled part when a record gives them.
REPORTED: dict[str, Parameter] = {
    "federal_payments_received": _p(
        "federal_payments_received",
        N_("Federal payments received a year"),
        "USD/year",
        0,
        0,
        0,
        (0, 1e10),
        READ,
        "a record of the place",
        N_(
            "How much has the federal government paid for the agreement and for "
            "ICE's use of the jail in the last year?"
        ),
        Y,
        level="place",
    ),
}
