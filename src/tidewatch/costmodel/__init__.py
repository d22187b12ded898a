"""The 287(g) cost model (cost-model.md): what an agreement costs a place a
year, who pays, and how sure the number is.

A library with no web or database code: ``tidewatch.costs`` feeds it a
place's agreements and records, the pages and the brief show what it
returns. ``parameters`` holds every input with its source, ``model`` the
formulas, ``simulate`` the Monte Carlo range and the tornado.
"""

from tidewatch.costmodel.model import (
    AGREEMENT_ONLY,
    ALL_ICE,
    ALLOCATED,
    INCREMENTAL,
    SCOPES,
    VIEWS,
    Program,
)
from tidewatch.costmodel.parameters import Override, ParameterError
from tidewatch.costmodel.simulate import Estimate, Spread, estimate, point

__all__ = [
    "AGREEMENT_ONLY",
    "ALLOCATED",
    "ALL_ICE",
    "INCREMENTAL",
    "SCOPES",
    "VIEWS",
    "Estimate",
    "Override",
    "ParameterError",
    "Program",
    "Spread",
    "estimate",
    "point",
]
