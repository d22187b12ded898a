"""Template tags for the server-drawn chart and the map's table alternative
(``{% load tidewatch_charts %}``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import get_language

from tidewatch.places.reference import county_index
from tidewatch.site import mapdata
from tidewatch.site.charts import counts_svg
from tidewatch.site.timeline import MODEL_CODES, TimelinePoint

register = template.Library()


@register.simple_tag(takes_context=True)
def counts_chart(context: template.Context, points: Sequence[TimelinePoint]) -> str:
    """``{% counts_chart points %}``: the SVG step chart of ``points``.

    Element ids are numbered per page render (the root dict of the context is
    shared by every include), so the same data always give the same HTML.
    """
    root = context.dicts[0]
    root["_tidewatch_charts"] = number = root.get("_tidewatch_charts", 0) + 1
    return counts_svg(points, chart_id=f"counts-chart-{number}")


@cache
def _raw_file_url(sha256: str) -> str:
    return reverse("raw-file", args=[sha256])


@lru_cache(maxsize=4096)
def _count(value: int, language: str) -> str:
    """``intcomma(value)`` in ``language`` (the active one): the same small
    counts fill every page's table."""
    return intcomma(value)


@register.simple_tag
def counts_rows(points: Sequence[TimelinePoint]) -> str:
    """``{% counts_rows points %}``: the rows of the chart's table, one per ICE
    list. Built here rather than in the template: every place page has one
    row per list (40 and more), and drawing them with template tags took a
    third of a county page's time, which ``tidewatch build-site`` pays 6,000
    times."""
    language = get_language()
    return format_html_join(
        "",
        '<tr><th scope="row"><a href="{}" title="{}">{}</a></th>'
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                _raw_file_url(point.publication.raw_file.sha256),
                point.publication.name,
                point.as_of.isoformat(),
                *(_count(point.counts.get(code, 0), language) for code in MODEL_CODES),
                _count(point.total, language),
            )
            for point in points
        ),
    )


@register.inclusion_tag("site/_map_tables.html")
def map_tables(scope: str, fips: str | None = None) -> dict[str, Any]:
    """The counties the map colours, and the state agencies it cannot show, as
    tables (they work without JavaScript and are the map's keyboard path)."""
    state_fips = (fips or "")[:2] if scope != "nation" else None
    usps = None
    if state_fips:
        usps = next(
            (s.usps for s in county_index().states.values() if s.fips == state_fips),
            None,
        )
    return {
        "scope": scope,
        "latest": mapdata.latest_list(),
        "rows": mapdata.counties_in_force(state_fips),
        "state_agencies": (
            mapdata.state_agencies_in_force(usps) if usps or not state_fips else []
        ),
        "unplaced": (mapdata.unplaced_in_force(usps) if usps or not state_fips else []),
    }


@register.simple_tag
def map_shape(fips: str | None) -> str:
    """The map shape that stands for data county ``fips`` ("" if none), so a
    county page highlights the right shape (Connecticut's planning regions
    are drawn on the 2017 counties)."""
    if not fips or len(fips) != 5:
        return ""
    return mapdata.map_id(fips) or ""


@register.filter
def any_counts(points: Sequence[TimelinePoint]) -> bool:
    """Whether any list had an agreement of the scope (else: no chart)."""
    return any(point.total for point in points or ())
