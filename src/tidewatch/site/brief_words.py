"""The council brief's numbers and sentences: an estimate said in words.

Amounts are rounded to two significant figures: the estimate is a range, and
"$4,213,507" would claim a precision it does not have. A negative local net
cost is net revenue and is said so, never printed as a negative cost. Every
sentence is translated (the parameters' labels and questions are marked in
``tidewatch.costmodel`` and translated here, where they are shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tidewatch.costmodel import AGREEMENT_ONLY, ALLOCATED, Estimate, Spread
from tidewatch.costmodel import parameters as params
from tidewatch.costmodel.model import INCENTIVES_FROM
from tidewatch.site.cost_charts import money, net, round_figures

# The tornado's widest swings said in words, and the estimate's open
# questions: as many as two pages have room for (fewer beside a long table
# of agreements).
DRIVERS, UNKNOWNS = 4, 5

# -- numbers in words ----------------------------------------------------------


def nets(*values: float) -> list[str]:
    """Local net amounts said side by side: when any is net revenue, the
    others are "a cost of $X", so "from net revenue of $1 million to a cost
    of $2 million" cannot be misread."""
    if not any(round_figures(v) < 0 for v in values):
        return [money(v) for v in values]
    return [
        net(v) if v < 0 else _("a cost of %(amount)s") % {"amount": money(v)}
        for v in values
    ]


def likely(s: Spread) -> str:
    low, high = nets(s.p10, s.p90)
    return _("likely between %(low)s and %(high)s") % {"low": low, "high": high}


def count(value: float) -> str:
    return formats.number_format(int(round_figures(abs(value))), 0, force_grouping=True)


def _number(value: float) -> str:
    """At most two decimals, none when whole: "16", "0.05", "12.5"."""
    value = round(value, 2)
    if value == int(value):
        return formats.number_format(int(value), 0, force_grouping=True)
    return formats.number_format(value, 2, force_grouping=True).rstrip("0")


UNIT_WORDS = {
    "USD/year": gettext_lazy("%(n)s a year"),
    "USD/day": gettext_lazy("%(n)s a day"),
    "USD/quarter": gettext_lazy("%(n)s a quarter"),
    "USD/mile": gettext_lazy("%(n)s a mile"),
    "officers": gettext_lazy("%(n)s officers"),
    "staff": gettext_lazy("%(n)s officers"),
    "hours/year": gettext_lazy("%(n)s hours a year"),
    "hours": gettext_lazy("%(n)s hours"),
    "people/year": gettext_lazy("%(n)s people a year"),
    "days": gettext_lazy("%(n)s days"),
    "beds": gettext_lazy("%(n)s beds"),
    "trips/person": gettext_lazy("%(n)s trips per person"),
    "miles": gettext_lazy("%(n)s miles"),
    "years": gettext_lazy("%(n)s years"),
    "claims/year": gettext_lazy("%(n)s claims a year"),
}


def one_value(parameter: params.Parameter, value: float) -> str:
    """A value as a record gives it, not rounded: "$132 a day", "16
    officers", "12.5%"."""
    if parameter.unit == "share":
        return _number(round(value * 100, 2)) + "%"
    amount = _number(value)
    if parameter.is_dollars:
        cents = value != int(value)
        amount = "$" + (formats.number_format(value, 2) if cents else amount)
    words = UNIT_WORDS.get(parameter.unit)
    return str(words) % {"n": amount} if words else amount


def value_range(parameter: params.Parameter, low: float, high: float) -> str:
    """ "$45 to $150 a day", "1 to 50 officers", "0% to 25%"."""
    if parameter.unit == "share":
        ends = [formats.number_format(round(v * 100), 0) + "%" for v in (low, high)]
    elif parameter.is_dollars:
        ends = [money(low), money(high)]
    else:
        ends = [_number(low), _number(high)]
    both = _("%(low)s to %(high)s") % {"low": ends[0], "high": ends[1]}
    words = UNIT_WORDS.get(parameter.unit)
    return str(words) % {"n": both} if words else both


# -- the estimate, for the brief ---------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    median: str
    range: str


def figures(e: Estimate) -> list[Figure]:
    """The estimate's totals a year: median and P10-P90, in words."""

    def hours(value: float) -> str:
        return _("%(n)s hours") % {"n": count(value)}

    def amounts(*values: float) -> list[str]:
        return [money(v) for v in values]

    def counts(*values: float) -> list[str]:
        return [hours(v) for v in values]

    rows = [
        (_("Local net cost (county or city budget)"), e.local_net, nets),
        (_("Public total, all payers"), e.public_total, amounts),
        (_("Paid by the federal government"), e.federal, amounts),
        (_("Paid by the state"), e.state, amounts),
        (_("Employee hours"), e.hours, counts),
    ]
    found = []
    for label, s, words in rows:
        median = net(s.p50) if words is nets else words(s.p50)[0]
        low, high = words(s.p10, s.p90)
        # The same ends: nothing uncertain (no state money: "$0").
        both = {"low": low, "high": high}
        span = low if low == high else _("%(low)s to %(high)s") % both
        found.append(Figure(label, median, span))
    return found


def headline(e: Estimate) -> str:
    s = e.local_net
    if e.net_revenue:
        return _(
            "At the median, federal and state money exceeds the local costs: a net "
            "revenue of about %(p50)s a year to the local budget (%(range)s). It "
            "is still public money: all payers together spend about %(total)s a "
            "year."
        ) % {"p50": money(s.p50), "range": likely(s),
             "total": money(e.public_total.p50)}  # fmt: skip
    return _(
        "The agreements in force cost the local budget about %(p50)s a year, "
        "%(range)s, in %(hours)s employee hours. All payers together spend about "
        "%(total)s a year."
    ) % {"p50": money(s.p50), "range": likely(s), "hours": count(e.hours.p50),
         "total": money(e.public_total.p50)}  # fmt: skip


def view_words(view: str, scope: str) -> list[str]:
    return [
        _(
            "Fully allocated cost: staff time and jail days at their average cost, "
            "as most published figures count them."
        )
        if view == ALLOCATED
        else _(
            "Incremental (cash) cost: only what the local budget would not spend "
            "without the agreement."
        ),
        _(
            "What the 287(g) agreement causes; jail beds rented to ICE and holds "
            "on plain detainers are left out."
        )
        if scope == AGREEMENT_ONLY
        else _(
            "All collaboration with ICE, with jail beds rented to ICE and holds on "
            "plain detainers."
        ),
    ]


def drivers(e: Estimate, most: int = DRIVERS) -> list[str]:
    """The parameters that move the local net cost most, in sentences."""
    return [
        _(
            "%(label)s, from %(range)s: the local net cost goes from %(at_low)s to "
            "%(at_high)s a year."
        )
        % {
            "label": _(swing.parameter.label),
            "range": value_range(swing.parameter, swing.low, swing.high),
            "at_low": ends[0],
            "at_high": ends[1],
        }
        for swing in e.tornado[:most]
        for ends in [nets(swing.at_low, swing.at_high)]
    ]


def incentives(e: Estimate) -> str:
    models = {p.model for p in e.programs}
    if e.incentives:
        paid = params.get("payment_probability")
        return _(
            "Counted: the 2025 federal incentives for task force officers (from "
            "October 1, 2025: their salary and benefits, overtime up to 25%% of "
            "salary, quarterly performance awards, equipment and vehicle money). "
            "They are counted at a %(p)s chance of being paid in the year "
            "(%(low)s to %(high)s): the program is new and depends on Congress's "
            "appropriations."
        ) % {
            "p": f"{paid.default:.0%}",
            "low": f"{paid.low:.0%}",
            "high": f"{paid.high:.0%}",
        }
    if "TFM" in models:
        return _(
            "Not counted: the 2025 federal incentives for task force officers "
            "start on %(date)s, after the date of this estimate."
        ) % {"date": formats.date_format(INCENTIVES_FROM, "DATE_FORMAT")}
    return _(
        "Not counted: the 2025 federal incentives are for task force officers; "
        "whether jail (JEM) and warrant (WSO) officers qualify has not been "
        "published."
    )


def unknowns(e: Estimate, most: int = UNKNOWNS) -> list[str]:
    """The estimate's open questions, those behind its biggest drivers first."""
    first = [
        s.parameter.question for s in e.tornado if s.parameter.question in e.questions
    ]
    ordered = list(dict.fromkeys([*first, *e.questions]))
    return [_(q) for q in ordered[:most]]


def source_words(parameter: params.Parameter) -> str:
    """A parameter's source; the word "assumption" translated (the rest of a
    source is a citation and stays as written)."""
    word, colon, rest = parameter.source.partition(":")
    if word == params.ASSUMPTION:
        return _("assumption") + colon + rest
    return parameter.source


def parameter_sources(e: Estimate, most: int = DRIVERS) -> list[tuple[str, str]]:
    """(label, source) of the parameters behind the drivers; those a local
    record replaced are cited by their record instead."""
    replaced = {a.parameter.name for a in e.assumptions if a.override is not None}
    return [
        (_(s.parameter.label), source_words(s.parameter))
        for s in e.tornado[:most]
        if s.parameter.name not in replaced
    ]


def record_words(record: Any) -> dict[str, str]:
    """A local record the estimate used, for the sources."""
    parameter = params.get(record.parameter)
    value = one_value(parameter, record.value)
    if record.unit and record.unit != parameter.unit:  # as entered, e.g. "5 %"
        value = f"{_number(record.value)} {record.unit}"
    if record.dollar_year:
        value = _("%(value)s in dollars of %(year)s") % {
            "value": value,
            "year": record.dollar_year,
        }
    return {
        "label": _(parameter.label),
        "value": value,
        "applies_to": record.applies_to,
        "source": record.source,
        "source_date": record.source_date,
    }
