"""Properties of the cost model that hold for every input (hypothesis):
costs are never negative, a negative net is only ever offsets exceeding
costs (and is called net revenue), P10 <= P50 <= P90, and raising a cost
parameter never lowers the gross cost."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidewatch.costmodel import SCOPES, VIEWS, Override, Program, estimate, point
from tidewatch.costmodel import items as item_table
from tidewatch.costmodel import parameters as params

NUMERIC = [p for p in params.PARAMETERS if p.maximum > p.minimum]


def value_of(parameter: params.Parameter):
    """Any value the parameter may take, up to ten times its high."""
    top = min(parameter.maximum, max(parameter.high, 1.0) * 10)
    return st.floats(parameter.minimum, top, allow_nan=False)


@st.composite
def inputs(draw):
    chosen = draw(st.lists(st.sampled_from(NUMERIC), unique=True, max_size=20))
    overrides = params.checked(Override(p.name, draw(value_of(p))) for p in chosen)
    # Beds rented to ICE are 0 unless a record says otherwise: draw them
    # always, so the items that depend on them are exercised.
    beds = draw(st.floats(0, 500))
    overrides |= params.checked([Override("igsa_beds", beds)])
    programs = [
        Program(
            model,
            agreements=(n := draw(st.integers(1, 5))),
            new_agreements=draw(st.integers(0, n)),
            state=draw(st.sampled_from(["FL", "TX", "SC"])),
        )
        for model in draw(
            st.lists(st.sampled_from(["JEM", "WSO", "TFM"]), min_size=1, unique=True)
        )
    ]
    as_of = draw(st.sampled_from([date(2024, 6, 1), date(2026, 5, 1)]))
    return (
        programs,
        overrides,
        as_of,
        draw(st.sampled_from(VIEWS)),
        draw(st.sampled_from(SCOPES)),
    )


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(inputs())
def test_costs_are_never_negative_and_a_negative_net_is_net_revenue(case):
    programs, overrides, as_of, view, scope = case
    result = point(programs, as_of=as_of, view=view, scope=scope, overrides=overrides)
    for code in item_table.COSTS + item_table.OFFSETS:
        assert result[code] >= 0, code
    assert result["gross"] >= 0
    assert result["hours"] >= 0
    if result["local_net"] < 0:
        assert result["federal"] + result["state"] > result["gross"]


@SETTINGS
@given(inputs())
def test_percentiles_are_ordered(case):
    programs, overrides, as_of, view, scope = case
    found = estimate(
        programs, as_of=as_of, view=view, scope=scope, overrides=overrides, draws=500
    )
    spreads = [found.local_net, found.public_total, found.federal, found.state]
    spreads += [found.hours, *(i.spread for i in found.items)]
    for spread in spreads:
        assert spread.p10 <= spread.p50 <= spread.p90
    assert found.net_revenue == (found.local_net.p50 < 0)


@settings(max_examples=30, deadline=None)
@given(inputs(), st.floats(0.01, 1.0))
def test_raising_a_cost_parameter_never_lowers_gross_cost(case, step):
    programs, overrides, as_of, view, scope = case
    kw = {"as_of": as_of, "view": view, "scope": scope}
    before = point(programs, overrides=overrides, **kw)["gross"]
    tolerance = 1e-9 * max(before, 1.0)
    for parameter in NUMERIC:
        base = overrides.get(parameter.name)
        start = base.value if base else parameter.default
        raised = min(parameter.maximum, start + step * max(abs(start), 1.0))
        changed = params.checked([Override(parameter.name, raised)])
        after = point(programs, overrides={**overrides, **changed}, **kw)["gross"]
        if parameter.name in params.LOWERS_COST:
            assert after <= before + tolerance, parameter.name
        else:
            assert after >= before - tolerance, parameter.name
