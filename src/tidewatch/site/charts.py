"""Server-drawn SVG charts: agreements in force by model over time.

Drawn in Python so the chart needs no JavaScript and is in the page as soon
as the HTML arrives. The three models differ by colour, by line dash and by
marker shape, and each line ends in a label with its model and last count,
so no reader depends on telling colours apart. The numbers are also printed
as a table next to the chart (``site/_counts_chart.html``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tidewatch.site.timeline import MODEL_CODES, TimelinePoint

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 52, 96, 56, 34
CHAR_WIDTH = 7.0  # about, for 12px bold system-ui: enough to lay out the legend
# Per model: line dash pattern and marker shape (colours are in site.css, by
# the class ``series-<code>``).
DASHES = {"JEM": "", "WSO": "7 4", "TFM": "2 3"}
MARKERS = {"JEM": "circle", "WSO": "square", "TFM": "triangle"}


def nice_step(top: int, ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 x 10^k) giving about ``ticks`` intervals
    (d3's rule: the nearest round step on a log scale)."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    error = raw / power
    factor = (
        10
        if error >= 50**0.5
        else 5
        if error >= 10**0.5
        else 2
        if error >= 2**0.5
        else 1
    )
    return int(factor * power)


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/>'
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6"/>'
    return (
        f'<path d="M{x:.1f} {y - 4:.1f}L{x + 3.6:.1f} {y + 2.6:.1f}'
        f'L{x - 3.6:.1f} {y + 2.6:.1f}Z"/>'
    )


def _spread(labels: list[list], gap: float = 14.0) -> None:
    """Move end labels ([y, ...]) apart vertically so none overlap."""
    labels.sort(key=lambda label: label[0])
    for before, after in pairwise(labels):
        if after[0] - before[0] < gap:
            after[0] = before[0] + gap


def model_labels() -> dict[str, str]:
    """Each model's name in the active language."""
    from tidewatch.site.views import MODELS  # the site's one list of names

    return {code: str(label) for code, label in MODELS}


def counts_svg(points: Sequence[TimelinePoint], chart_id: str = "counts-chart") -> str:
    """A step chart (SVG markup) of ``points``: one line per model.

    Lists sit on a time axis by their as-of date, so the annual 2021-2024
    lists and the frequent 2025-26 ones keep their real spacing; each count
    holds until the next list (a step). Returns "" when there are no points.
    """
    if not points:
        return ""
    names = model_labels()
    first, last = points[0].as_of, points[-1].as_of
    span = max((last - first).days, 1)
    top = max(max(p.counts.values()) for p in points)
    step = nice_step(top)
    y_max = max(step * math.ceil(top / step), step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (day - first).days / span

    def y(value: int) -> float:
        return TOP + plot_h * (1 - value / y_max)

    latest = points[-1]
    title = _("Agreements in force by model, %(first)s to %(last)s") % {
        "first": date_format(first, "DATE_FORMAT"),
        "last": date_format(last, "DATE_FORMAT"),
    }
    desc = _(
        "Step chart of the number of 287(g) agreements on each of ICE's "
        "participating lists, one line per model. On the latest list, of "
        "%(day)s: %(counts)s. The table after the chart gives every number."
    ) % {
        "day": date_format(last, "DATE_FORMAT"),
        "counts": "; ".join(
            f"{names[code]} {intcomma(latest.counts[code])}" for code in MODEL_CODES
        ),
    }
    out = [
        f'<svg class="counts-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    # Horizontal grid and the count axis.
    out.append('<g class="axis axis-y">')
    for value in range(0, y_max + 1, step):
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{escape(intcomma(value))}</text>'
        )
    out.append("</g>")
    # Time axis: a tick at each 1 January inside the range, else the end dates.
    out.append('<g class="axis axis-x">')
    years = [date(year, 1, 1) for year in range(first.year + 1, last.year + 1)]
    ticks = [(day, str(day.year)) for day in years] or [
        (first, date_format(first, "SHORT_DATE_FORMAT")),
        (last, date_format(last, "SHORT_DATE_FORMAT")),
    ]
    if years and (years[0] - first).days > 120:
        ticks.insert(0, (first, str(first.year)))
    for day, text in ticks:
        out.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h + 5}"/><text x="{x(day):.1f}" '
            f'y="{TOP + plot_h + 20}" text-anchor="middle">{escape(text)}</text>'
        )
    out.append("</g>")
    # Legend along the top: marker, dash and full name of each model.
    out.append('<g class="legend">')
    lx, ly = LEFT, 14
    for code in MODEL_CODES:
        text = f"{names[code]} ({code})"
        wide = 30 + CHAR_WIDTH * len(text) + 18
        if lx > LEFT and lx + wide > WIDTH:
            lx, ly = LEFT, ly + 18  # wrap to a second row
        dash = f' stroke-dasharray="{DASHES[code]}"' if DASHES[code] else ""
        out.append(
            f'<g class="series series-{code}"><line x1="{lx}" x2="{lx + 24}" '
            f'y1="{ly}" y2="{ly}"{dash}/>{_marker(MARKERS[code], lx + 12, ly)}'
            f'<text x="{lx + 30}" y="{ly + 4}">{escape(text)}</text></g>'
        )
        lx += wide
    out.append("</g>")
    # One step line per model, a marker on each list, a label at the end.
    ends: list[list] = []
    for code in MODEL_CODES:
        values = [(x(p.as_of), y(p.counts[code])) for p in points]
        d = f"M{values[0][0]:.1f} {values[0][1]:.1f}" + "".join(
            f"H{px:.1f}V{py:.1f}" for px, py in values[1:]
        )
        dash = f' stroke-dasharray="{DASHES[code]}"' if DASHES[code] else ""
        marks = "".join(_marker(MARKERS[code], px, py) for px, py in values)
        out.append(
            f'<g class="series series-{code}" data-model="{code}">'
            f'<path class="line" d="{d}"{dash}/>{marks}</g>'
        )
        ends.append([values[-1][1] + 4, code, latest.counts[code]])
    _spread(ends)
    out.append('<g class="end-labels">')
    for label_y, code, value in ends:
        out.append(
            f'<text class="series-{code}" x="{x(last) + 8:.1f}" '
            f'y="{label_y:.1f}">{code} {escape(intcomma(value))}</text>'
        )
    out.append("</g></svg>")
    return mark_safe("\n".join(out))  # every text part is escaped above
