"""The cost model's behaviour a reader relies on: the views and scopes say
what they say, the 2025 incentives count only where and when they apply,
records replace defaults (in the right dollars), estimates reproduce, and
bad parameters are refused with their name."""

from __future__ import annotations

from datetime import date

import pytest

from tidewatch.costmodel import (
    ALL_ICE,
    INCREMENTAL,
    Override,
    ParameterError,
    Program,
    cpi,
    estimate,
    point,
)
from tidewatch.costmodel import parameters as params

AFTER = date(2026, 5, 1)  # a list date after the incentives began
BEFORE = date(2025, 6, 1)


def test_incremental_view_is_smaller_than_fully_allocated():
    jail = [Program("JEM", 2, 0, "SC")]
    allocated = point(jail, as_of=AFTER)
    incremental = point(jail, as_of=AFTER, view=INCREMENTAL)
    assert incremental["gross"] < allocated["gross"]
    # Existing staff's part-time hours and supervision are not new cash.
    assert incremental["L2"] == incremental["L9"] == 0 < allocated["L2"]
    # A jail day costs its marginal cost, not its average.
    assert incremental["L4"] / allocated["L4"] == pytest.approx(15 / 100)


def test_task_force_incentives_count_from_october_2025_only():
    task_force = [Program("TFM", 1, 0, "TX")]
    before, after = point(task_force, as_of=BEFORE), point(task_force, as_of=AFTER)
    for code in ("O2", "O3", "O4", "O5"):
        assert before[code] == 0
        assert after[code] > 0
    assert after["local_net"] < before["local_net"]
    assert estimate(task_force, as_of=AFTER, draws=100).incentives
    assert not estimate(task_force, as_of=BEFORE, draws=100).incentives


def test_jail_and_warrant_agreements_get_no_task_force_incentives():
    result = point([Program("JEM"), Program("WSO")], as_of=AFTER)
    assert result["O2"] == result["O3"] == result["O4"] == result["O5"] == 0


def test_overtime_reimbursement_is_capped_at_a_quarter_of_salary():
    overrides = params.checked(
        [Override("tfm_ot_share", 0.25), Override("payment_probability", 1)]
    )
    capped = point([Program("TFM")], as_of=AFTER, overrides=overrides)
    assert capped["O3"] == pytest.approx(capped["L3"])
    overrides["tfm_ot_share"] = params.check(Override("tfm_ot_share", 0.20))
    assert point([Program("TFM")], as_of=AFTER, overrides=overrides)["O3"] == (
        pytest.approx(0.20 * 60_000 * 4)
    )


def test_florida_bonus_is_state_money_for_florida_task_forces_only():
    florida = point([Program("TFM", 1, 0, "FL")], as_of=AFTER)
    texas = point([Program("TFM", 1, 0, "TX")], as_of=AFTER)
    assert florida["O7"] == florida["state"] == 4 * 1_000
    assert texas["O7"] == texas["state"] == 0


def test_rented_beds_count_only_in_the_all_ice_scope():
    beds = params.checked([Override("igsa_beds", 50)])
    only = point([Program("JEM")], as_of=AFTER, overrides=beds)
    everything = point([Program("JEM")], as_of=AFTER, overrides=beds, scope=ALL_ICE)
    assert only["L5"] == only["O1b"] == 0
    assert everything["L5"] == pytest.approx(50 * 365 * 100)
    assert everything["O1b"] == pytest.approx(50 * 365 * 80)


def test_initial_training_in_an_agreements_first_year_only():
    new = point([Program("WSO", 1, 1)], as_of=AFTER)
    old = point([Program("WSO", 1, 0)], as_of=AFTER)
    officers = 0 + 4  # dedicated + part-time warrant officers, the defaults
    assert new["L6"] == pytest.approx(officers * 8_000)
    assert old["L6"] == pytest.approx(officers * 40 * 60_000 * 1.4 / 2_080)
    assert new["hours"] > old["hours"]


def test_agreements_of_a_model_add_up():
    one = point([Program("JEM", 1)], as_of=AFTER)
    three = point([Program("JEM", 3)], as_of=AFTER)
    assert three["gross"] == pytest.approx(3 * one["gross"])


def test_reported_federal_payments_replace_the_modelled_ones():
    reported = params.checked([Override("federal_payments_received", 123_456)])
    result = point([Program("TFM")], as_of=AFTER, overrides=reported)
    assert result["federal"] == 123_456
    assert result["local_net"] == pytest.approx(result["gross"] - 123_456)


def test_a_record_in_older_dollars_is_converted_by_the_cpi():
    in_2019 = params.checked([Override("salary", 50_000, dollar_year=2019)])
    result = point([Program("JEM")], as_of=AFTER, overrides=in_2019)
    salary_2025 = 50_000 * cpi.CPI_U[2025] / cpi.CPI_U[2019]
    assert result["L1"] == pytest.approx(4 * salary_2025 * 1.4)


def test_a_net_inflow_is_net_revenue():
    generous = params.checked(
        [
            Override("payment_probability", 1),
            Override("award_per_quarter", 1_000),
            Override("tfm_arrests_per_year", 25),
            Override("claim_probability", 0),
            Override("tfm_officers", 4),
            Override("salary_reimbursement_share", 1),
        ]
    )
    found = estimate(
        [Program("TFM", 1, 0, "FL")],
        as_of=AFTER,
        overrides=generous,
        draws=2_000,
        view=INCREMENTAL,
    )
    assert found.local_net.p50 < 0
    assert found.net_revenue


def test_estimates_reproduce_with_the_fixed_seed():
    programs = [Program("JEM", 2, 1, "SC"), Program("TFM", 3, 0, "SC")]
    first = estimate(programs, as_of=AFTER)
    again = estimate(programs, as_of=AFTER)
    assert first.local_net == again.local_net
    assert first.tornado == again.tornado
    other = estimate(programs, as_of=AFTER, seed=1)
    assert other.local_net.p50 != first.local_net.p50
    assert other.local_net.point == first.local_net.point


def test_tornado_lists_the_ten_parameters_that_move_the_net_most():
    found = estimate([Program("JEM", 2, 0, "SC")], as_of=AFTER, draws=1_000)
    assert len(found.tornado) == 10
    widths = [swing.width for swing in found.tornado]
    assert widths == sorted(widths, reverse=True)
    names = {swing.parameter.name for swing in found.tornado}
    assert "tfm_officers" not in names  # no task force here
    assert "jail_cost_per_day" in names


def test_a_record_answers_its_question():
    question = params.get("jail_cost_per_day").question
    asked = estimate([Program("JEM")], as_of=AFTER, draws=100)
    assert question in asked.questions
    answered = estimate(
        [Program("JEM")],
        as_of=AFTER,
        draws=100,
        overrides=params.checked([Override("jail_cost_per_day", 90, source="budget")]),
    )
    assert question not in answered.questions
    used = next(
        a for a in answered.assumptions if a.parameter.name == "jail_cost_per_day"
    )
    assert used.override.source == "budget"
    assert used.range.default == 90


def test_every_parameter_has_a_unit_a_range_and_a_source():
    for parameter in params.PARAMETERS:
        assert parameter.minimum <= parameter.low <= parameter.default
        assert parameter.default <= parameter.high <= parameter.maximum
        assert parameter.unit and parameter.source and parameter.label
        assert parameter.tag in (params.READ, params.INFERRED, params.ASSUMPTION)
        if parameter.tag == params.ASSUMPTION:
            assert "assumption" in parameter.source or "0 unless" in parameter.source
        assert (parameter.dollar_year is not None) == parameter.is_dollars


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (Override("jail_cost", 100), "jail_cost: no such parameter"),
        (Override("salary", 5_000, unit="USD/day"), "salary: given in USD/day"),
        (Override("salary", 5), "salary: 5 USD/year is out of range"),
        (Override("hold_attribution", 1.5), "hold_attribution: 1.5 share is out of"),
        (Override("tfm_officers", -1), "tfm_officers: -1 officers is out of range"),
        (Override("benefit_rate", 0.4, dollar_year=2019), "benefit_rate: is measured"),
        (Override("salary", 60_000, dollar_year=1990), "salary: no CPI-U figure"),
        (Override("salary", 60_000, low=70_000), "salary: low 70,000 and high"),
        (Override("salary", float("nan")), "salary: the value is not a number"),
    ],
)
def test_bad_parameters_are_refused_with_their_name(override, message):
    with pytest.raises(ParameterError) as error:
        params.check(override)
    assert str(error.value).startswith(message)
    assert error.value.name == override.name


def test_a_percentage_is_a_share():
    checked = params.check(Override("jem_ot_share", 5, unit="%"))
    assert checked.value == pytest.approx(0.05)
    assert checked.unit == "share"


def test_bed_days_from_a_jail_record_are_beds_on_an_average_day():
    checked = params.check(Override("igsa_beds", 50_400, unit="bed-days/year"))
    assert checked.value == pytest.approx(50_400 / 365)
    assert checked.unit == "beds"
