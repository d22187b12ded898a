"""The cost model's method page (/en/about/costs/): the line items and
their formulas, the two views and scopes, and every parameter with its
default, range, unit, dollar year and source.

Read from the model's own tables (``tidewatch.costmodel``), so the page
cannot drift from what the estimates compute. The prose is
docs/costs.md in short.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tidewatch.costmodel import cpi, items
from tidewatch.costmodel import parameters as params
from tidewatch.costmodel.simulate import DRAWS, SEED


def cost_methods_page(request: HttpRequest) -> HttpResponse:
    tags = {
        params.READ: _("read in a source"),
        params.INFERRED: _("inferred from sources"),
        params.ASSUMPTION: _("assumption"),
    }
    parameters = [
        {
            "p": p,
            "label": _(p.label),
            "tag": tags[p.tag],
            "question": _(p.question) if p.question else "",
            "fixed": p.low == p.high,
        }
        for p in (*params.PARAMETERS, *params.REPORTED.values())
    ]
    rows = [
        {"item": item, "label": _(item.label), "formula": _(item.formula)}
        for item in items.ITEMS
    ]
    return render(
        request,
        "site/cost_methods.html",
        {
            "costs": [r for r in rows if r["item"].kind == items.COST],
            "offsets": [r for r in rows if r["item"].kind == items.OFFSET],
            "community": _(items.COMMUNITY_NOTE),
            "parameters": parameters,
            "draws": DRAWS,
            "seed": SEED,
            "dollar_year": params.Y,
            "cpi_source": cpi.CPI_SOURCE,
            "cpi_first": min(cpi.CPI_U),
            "cpi_last": max(cpi.CPI_U),
        },
    )
