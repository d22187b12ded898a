"""Server-drawn SVG charts of a cost estimate, and the wording of money and
parameter values they share with the cost section (``site/cost_slot.py``).

Two charts, drawn in Python once per estimate and language so a page needs
no JavaScript and the template does no arithmetic:

- the line items: one horizontal bar per item at the values the assumptions
  table lists; costs are solid blue, offsets (money paid back) are orange
  with diagonal hatching, and every bar ends in words ("federal money"), so
  nobody has to tell colours apart;
- the tornado: for the parameters that move the local net cost most, a bar
  from the local net cost with the parameter at its low to the cost with it
  at its high, the low side hatched, the high side solid.

Both charts are also printed as tables (``_slot_cost.html``). Money is
rounded to two significant figures: the estimate is not more precise than
that, and a negative local net is written as net revenue, never as a
negative cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, npgettext
from django.utils.translation import gettext as _

from tidewatch.costmodel import parameters as params

WIDTH = 720
ROW = 40  # one row: its label line, then its bar
BAR = 16
CHAR_WIDTH = 6.6  # about, for 12px system-ui: to keep end labels inside


def round_figures(value: float, digits: int = 2) -> float:
    """``value`` to ``digits`` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def number(value: float, decimals: int | None = None) -> str:
    """A plain number in the page's language (grouping, decimal mark);
    whole numbers without decimals, others with up to two."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
        if decimals and round(value, 1) == round(value, 2):
            decimals = 1
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def money(value: float, digits: int = 2) -> str:
    """An amount of dollars, without its sign, rounded for reading:
    "$2.3 million", "$260,000", "$15"."""
    return _money(round_figures(abs(value), digits), digits, get_language())


@lru_cache(maxsize=8192)
def _money(amount: float, digits: int, language: str) -> str:
    """``money`` of a rounded amount in ``language`` (the active one):
    rounded amounts recur, and every page prints a hundred of them."""
    if amount >= 1_000_000:
        millions = amount / 1_000_000
        if millions == 1:
            return _("$1 million")
        decimals = max(0, digits - 1 - math.floor(math.log10(millions)))
        text = number(millions, decimals)
        if decimals and float(millions).is_integer():
            text = number(millions, 0)
        return _("$%(amount)s million") % {"amount": text}
    return "$" + number(amount, 0 if amount >= 10 or amount.is_integer() else 2)


def net(value: float) -> str:
    """A local net amount: a cost as "$X", a negative one as net revenue."""
    if round_figures(value) < 0:
        return _("net revenue of %(amount)s") % {"amount": money(value)}
    return money(value)


# Parameter values in words: "$60,000 a year", "4 officers", "40%".
_PER = {
    "USD/year": gettext_lazy("%(n)s a year"),
    "USD/day": gettext_lazy("%(n)s a day"),
    "USD/quarter": gettext_lazy("%(n)s a quarter"),
    "USD/mile": gettext_lazy("%(n)s a mile"),
}


# Per unit, its words for a count (singular or plural by the count).
_COUNTED = {
    "officers": lambda n: npgettext("unit", "%(n)s officer", "%(n)s officers", n),
    "staff": lambda n: npgettext("unit", "%(n)s officer", "%(n)s officers", n),
    "hours/year": lambda n: npgettext(
        "unit", "%(n)s hour a year", "%(n)s hours a year", n
    ),
    "people/year": lambda n: npgettext(
        "unit", "%(n)s person a year", "%(n)s people a year", n
    ),
    "days": lambda n: npgettext("unit", "%(n)s day", "%(n)s days", n),
    "hours": lambda n: npgettext("unit", "%(n)s hour", "%(n)s hours", n),
    "trips/person": lambda n: npgettext(
        "unit", "%(n)s trip per person", "%(n)s trips per person", n
    ),
    "miles": lambda n: npgettext("unit", "%(n)s mile", "%(n)s miles", n),
    "years": lambda n: npgettext("unit", "%(n)s year", "%(n)s years", n),
    "claims/year": lambda n: npgettext(
        "unit", "%(n)s claim a year", "%(n)s claims a year", n
    ),
    "beds": lambda n: npgettext("unit", "%(n)s bed", "%(n)s beds", n),
}


@lru_cache(maxsize=8192)
def _worded(value: float, unit: str, language: str) -> tuple[str, str]:
    """(the bare value, the value with its unit's words) in ``language``,
    the active one: the same parameters recur on every page."""
    if unit == "share":
        text = number(round(value * 100, 2)) + "%"
    elif unit in params.DOLLAR_UNITS:
        whole = abs(value) >= 100 or float(value).is_integer()
        text = "$" + number(value, 0 if whole else 2)
    else:
        text = number(value)
    if unit in _PER:
        return text, str(_PER[unit]) % {"n": text}
    if unit in _COUNTED:
        return text, _COUNTED[unit](1 if value == 1 else 2) % {"n": text}
    if unit == "share" or unit in params.DOLLAR_UNITS:
        return text, text
    return text, f"{text} {unit}"


def bare(value: float, unit: str) -> str:
    """A parameter's value without its unit's words: "$60,000", "40%", "4"."""
    return _worded(float(value), unit, get_language())[0]


def with_unit(value: float, unit: str) -> str:
    """A parameter's value with its unit in words: "$60,000 a year"."""
    return _worded(float(value), unit, get_language())[1]


@dataclass(frozen=True)
class Bar:
    """One line item of the breakdown chart, in the page's language."""

    code: str
    label: str
    value: float  # at the values used; an offset's is what it pays back
    offset: bool
    payer: str = ""  # an offset's payer, in words ("federal money")

    @property
    def words(self) -> str:
        if self.offset:
            return _("%(amount)s paid back: %(payer)s") % {
                "amount": money(self.value),
                "payer": self.payer,
            }
        return money(self.value)


@dataclass(frozen=True)
class Swing:
    """One tornado row, in the page's language."""

    label: str
    at_low: float
    at_high: float
    low_text: str  # the parameter's low value, with its unit
    high_text: str


def _svg_open(css: str, height: float, chart_id: str, title: str, desc: str) -> list:
    return [
        f'<svg class="{css}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _hatch(pattern_id: str, css: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" class="{css}" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect class="hatch-ground" width="6" height="6"/>'
        '<line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>'
    )


def items_svg(bars: Sequence[Bar], chart_id: str = "cost-items") -> SafeString:
    """A horizontal bar chart of the line items; "" when there are none."""
    if not bars:
        return mark_safe("")
    top = max(b.value for b in bars) or 1.0
    left, right, head = 8, 150, 34
    plot = WIDTH - left - right
    height = head + ROW * len(bars) + 6
    desc = _(
        "One bar per line item at the values in the assumptions table. Costs "
        "are solid; money paid back (offsets) is hatched and marked with who "
        "pays it. The table after the chart gives every number."
    )
    out = _svg_open(
        "cost-chart cost-items",
        height,
        chart_id,
        _("Line items of the estimate"),
        desc,
    )
    hatch = f"{chart_id}-hatch"
    out.append(_hatch(hatch, "offset-hatch"))
    # Legend: what a solid and a hatched bar mean.
    out.append(
        '<g class="legend">'
        f'<rect class="bar cost" x="{left}" y="6" width="18" height="12"/>'
        f'<text x="{left + 24}" y="16">{escape(_("cost"))}</text>'
        f'<rect class="bar offset" x="{left + 120}" y="6" width="18" height="12" '
        f'fill="url(#{hatch})"/>'
        f'<text x="{left + 144}" y="16">{escape(_("money paid back (offset)"))}</text>'
        "</g>"
    )
    for i, bar in enumerate(bars):
        y = head + ROW * i
        width = max(plot * bar.value / top, 1.0)
        kind = "offset" if bar.offset else "cost"
        fill = f' fill="url(#{hatch})"' if bar.offset else ""
        out.append(
            f'<g class="row {kind}" data-code="{escape(bar.code)}">'
            f'<text class="label" x="{left}" y="{y + 11}">{escape(bar.label)}</text>'
            f'<rect class="bar {kind}" x="{left}" y="{y + 16}" width="{width:.1f}" '
            f'height="{BAR}"{fill}/>'
            f'<text class="value" x="{left + width + 6:.1f}" y="{y + 28}">'
            f"{escape(bar.words)}</text></g>"
        )
    out.append("</svg>")
    return mark_safe("\n".join(out))  # every text part is escaped above


def tornado_svg(
    swings: Sequence[Swing], point: float, chart_id: str = "cost-tornado"
) -> SafeString:
    """The tornado: each parameter from its low to its high; "" if none."""
    if not swings:
        return mark_safe("")
    ends = [point] + [v for s in swings for v in (s.at_low, s.at_high)]
    lowest, highest = min(ends), max(ends)
    span = (highest - lowest) or 1.0
    margin, head = 130, 50
    plot = WIDTH - 2 * margin

    def x(value: float) -> float:
        return margin + plot * (value - lowest) / span

    height = head + ROW * len(swings) + 6
    desc = _(
        "For each parameter, the local net cost with that parameter at the low "
        "end of its range (hatched) and at the high end (solid), the others at "
        "the values used. The vertical line is the estimate at the values used, "
        "%(point)s. The table after the chart gives every number."
    ) % {"point": net(point)}
    out = _svg_open(
        "cost-chart cost-tornado",
        height,
        chart_id,
        _("What moves the local net cost most"),
        desc,
    )
    hatch = f"{chart_id}-hatch"
    out.append(_hatch(hatch, "low-hatch"))
    out.append(
        '<g class="legend">'
        f'<rect class="bar low" x="8" y="6" width="18" height="12" '
        f'fill="url(#{hatch})"/>'
        f'<text x="32" y="16">{escape(_("parameter at its low value"))}</text>'
        '<rect class="bar high" x="260" y="6" width="18" height="12"/>'
        f'<text x="284" y="16">{escape(_("parameter at its high value"))}</text>'
        "</g>"
    )
    base = x(point)
    used = _("values used: %(amount)s") % {"amount": net(point)}
    half = CHAR_WIDTH * len(used) / 2  # keep the label inside the chart
    out.append(
        f'<text class="base-label" x="{min(max(base, half + 2), WIDTH - half - 2):.1f}"'
        f' y="{head - 12}" text-anchor="middle">{escape(used)}</text>'
    )
    for i, swing in enumerate(swings):
        y = head + ROW * i
        # The base line beside each bar only, so it crosses no label.
        out.append(f'<g class="row"><text class="label" x="8" y="{y + 11}">'
                   f"{escape(swing.label)}</text>"
                   f'<line class="base" x1="{base:.1f}" x2="{base:.1f}" '
                   f'y1="{y + 13}" y2="{y + 35}"/>')  # fmt: skip
        for end, value, fill in (
            ("low", swing.at_low, f' fill="url(#{hatch})"'),
            ("high", swing.at_high, ""),
        ):
            a, b = sorted((base, x(value)))
            out.append(
                f'<rect class="bar {end}" x="{a:.1f}" y="{y + 16}" '
                f'width="{max(b - a, 1.0):.1f}" height="{BAR}"{fill}/>'
            )
        # Each end's number beside it, outside the bar; an end that does not
        # move the cost is the base line's value, already printed above.
        for value in (swing.at_low, swing.at_high):
            if abs(x(value) - base) < 1:
                continue
            text = net(value)
            wide = CHAR_WIDTH * len(text)  # keep the text inside the chart
            if value < point:
                tx, anchor = max(x(value) - 5, 2 + wide), "end"
            else:
                tx, anchor = min(x(value) + 5, WIDTH - 2 - wide), "start"
            out.append(
                f'<text class="value" x="{tx:.1f}" y="{y + 28}" '
                f'text-anchor="{anchor}">{escape(text)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("\n".join(out))  # every text part is escaped above
