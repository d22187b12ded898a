"""The cost model reproduces the published cost figures from their documented
inputs, within the tolerance the specification gives (cost-model.md §2.7:
"within a factor of about 2"). Each test names its source.
"""

from __future__ import annotations

from datetime import date

import pytest

from tidewatch.costmodel import AGREEMENT_ONLY, ALL_ICE, Override, Program, point
from tidewatch.costmodel import parameters as params

FACTOR = 2.0  # cost-model.md §2.7


def within_factor(value: float, target: float, factor: float = FACTOR) -> bool:
    return target / factor <= value <= target * factor


def charleston_2019(scope: str) -> dict[str, float]:
    """Charleston County, SC, about 2019, under its jail enforcement agreement.

    Inputs as documented (cost-model.md §1.1 and §2.5):
    - 16 deputized officers (The State, Jan 2021), a quarter of their time,
      $65,000 a year with benefits (the worked example, §2.5);
    - 298 people held for an average of 39 days in 2019 (the county's
      Criminal Justice Coordinating Council, in The Post and Courier,
      Jan 5, 2021);
    - $132 a day to house an inmate (the sheriff's office, herecharleston);
    - federal money covering about 40% of housing (Sheriff Graziano, The Post
      and Courier): $52.80 a day;
    - 138 ICE-held beds filled on an average day in all, the 298 x 39 days
      among them (§2.5: what the published $4 million implies).
    Dollars of 2019.
    """
    holds, days = 298, 39
    overrides = params.checked(
        [
            Override("jem_dedicated_officers", 0),
            Override("jem_partial_officers", 16),
            Override("jem_partial_hours", 2_080 / 4),
            Override("salary", 65_000 / 1.4, dollar_year=2019),
            Override("benefit_rate", 0.40),
            Override("jem_holds_per_year", holds),
            Override("hold_extra_days", days),
            Override("jail_cost_per_day", 132, dollar_year=2019),
            Override("ice_per_diem", 0.40 * 132, dollar_year=2019),
            Override("igsa_beds", 138 - holds * days / 365),
        ]
    )
    return point(
        [Program("JEM")],
        as_of=date(2019, 12, 31),
        scope=scope,
        overrides=overrides,
        dollar_year=2019,
    )


def test_charleston_all_ice_collaboration_is_about_4_million():
    """Source: The Post and Courier, Jan 5, 2021 ("saddling Charleston County
    with about $4 million of the remaining costs each year"); Charleston City
    Paper, Jan 5, 2021 and Apr 1, 2025 ("about $4 million a year")."""
    result = charleston_2019(ALL_ICE)
    assert within_factor(result["local_net"], 4_000_000)
    # The worked example's own arithmetic (§2.5) gives about $4.2 million.
    assert result["local_net"] == pytest.approx(4_200_000, rel=0.05)
    # Most of it is the rented beds, which the 287(g) agreement does not cause.
    assert result["L5"] > result["L4"] + result["L2"]


def test_charleston_287g_only_is_much_smaller():
    """Same sources; cost-model.md §2.5: about $1.18 million when the beds
    rented to ICE are left out (attribution 0), the $4 million's larger part
    being the shortfall on those beds, not the 287(g) screening."""
    agreement_only = charleston_2019(AGREEMENT_ONLY)
    all_ice = charleston_2019(ALL_ICE)
    assert within_factor(agreement_only["local_net"], 1_180_000)
    assert agreement_only["local_net"] < all_ice["local_net"] / 2
    assert agreement_only["L5"] == 0


NC_DAYS = 22  # "Researchers estimate" 22 extra days (NC Newsline, Jun 25, 2019)


def nc_detainer_method(holds: float, day_cost_2018: float) -> dict[str, float]:
    """The NC Justice Center's method (cost-model.md §1.2): people held on ICE
    detainers x 22 extra jail days x the local cost of a jail day, none of it
    reimbursed, no staff time counted. Dollars of 2018."""
    overrides = params.checked(
        [
            Override("jem_holds_per_year", holds),
            Override("hold_extra_days", NC_DAYS),
            Override("jail_cost_per_day", day_cost_2018, dollar_year=2018),
            Override("ice_per_diem", 0),
            Override("scaap_share", 0),
            Override("jem_dedicated_officers", 0),
            Override("jem_partial_officers", 0),
            Override("transport_trips_per_person", 0),
            Override("claim_probability", 0),
            Override("refresher_hours", 0),
        ]
    )
    return point(
        [Program("JEM")],
        as_of=date(2018, 12, 31),
        scope=ALL_ICE,
        overrides=overrides,
        dollar_year=2018,
    )


@pytest.mark.parametrize(
    ("year", "published"),
    [(2018, 7_000_000), (2011, 14_500_000)],
    ids=["2018-volume", "2011-peak"],
)
def test_nc_detainer_method(year, published):
    """Source: NC Newsline, Jun 25, 2019, "Bill to require locals to enforce
    federal immigration law will cost taxpayers millions" (the Budget & Tax
    Center): "a conservative annual cost of $7 million" at 2018 detainer
    volume, "$14.5 million" at the 2011 peak.

    The brief's per-day cost and yearly detainer counts are not printed in
    the parts read (cost-model.md §1.2: NOT VERIFIED). So the test takes the
    model's own default cost of a jail day, in 2018 dollars, and the number
    of people held that the published total implies at 22 days; what it
    checks is that the model, configured as the method, adds nothing the
    method does not count and subtracts nothing it does not (no per diem, no
    staff, no SCAAP), and lands on the published figure.
    """
    from tidewatch.costmodel import cpi

    day_cost = 100 * cpi.factor(2025, 2018)  # the default, dollars of 2018
    holds = published / (NC_DAYS * day_cost)
    result = nc_detainer_method(holds, day_cost)
    assert within_factor(result["local_net"], published)
    assert result["local_net"] == pytest.approx(published, rel=0.01)
    assert result["federal"] == 0
    assert result["gross"] == pytest.approx(result["L4"])


def test_task_force_worked_example_fy2026():
    """cost-model.md §2.6: a 4-officer task force agency in FY2026 under the
    2025 terms, year 1 (an illustration from defaults, not data): gross about
    $530,600; offsets about $374,000; net local about $157,000."""
    overrides = params.checked([Override("hold_extra_days", 2)])
    result = point(
        [Program("TFM", agreements=1, new_agreements=1, state="TX")],
        as_of=date(2026, 5, 1),
        overrides=overrides,
    )
    assert result["gross"] == pytest.approx(530_600, rel=0.01)
    # SCAAP (O8) is not in the illustration; everything else is.
    assert result["federal"] - result["O8"] == pytest.approx(374_000, rel=0.01)
    assert result["local_net"] + result["O8"] == pytest.approx(157_000, rel=0.02)
