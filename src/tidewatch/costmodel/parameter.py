"""What a cost model parameter is: its value range, unit, dollar year and
source (``Parameter``), the range one run draws from (``Range``), a value a
record gives for one place (``Override``), and the error that names a bad
one (``ParameterError``). The table itself is ``parameter_table``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

READ, INFERRED, ASSUMPTION = "read", "inferred", "assumption"

# Units a value may be given in, and how to turn it into the parameter's unit.
UNIT_CONVERSIONS: dict[tuple[str, str], float] = {
    ("%", "share"): 0.01,
    ("USD/month", "USD/year"): 12.0,
    ("USD/week", "USD/year"): 52.0,
    ("hours/week", "hours/year"): 52.0,
    ("hours/month", "hours/year"): 12.0,
    # A jail's records count bed-days; the model counts beds filled on an
    # average day.
    ("bed-days/year", "beds"): 1 / 365,
}
DOLLAR_UNITS = frozenset({"USD", "USD/year", "USD/day", "USD/quarter", "USD/mile"})


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    unit: str
    default: float
    low: float
    high: float
    minimum: float
    maximum: float
    tag: str  # read | inferred | assumption
    source: str
    question: str = ""
    dollar_year: int | None = None
    # Where it applies: an agreement model, or every model (None).
    models: frozenset[str] | None = None
    # "program": once per agreement; "place": once per county or agency.
    level: str = "program"

    @property
    def is_dollars(self) -> bool:
        return self.unit in DOLLAR_UNITS


@dataclass(frozen=True)
class Range:
    """A parameter's value for one run: the mode and the ends it is drawn
    between, in the run's dollar year and the parameter's unit."""

    default: float
    low: float
    high: float

    @property
    def fixed(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class Override:
    """A value for one place, from a record (or typed at the command line).

    ``low`` and ``high`` are optional: a reported figure is usually exact.
    """

    name: str
    value: float
    unit: str = ""
    dollar_year: int | None = None
    low: float | None = None
    high: float | None = None
    source: str = ""
    as_of: date | None = None


class ParameterError(ValueError):
    """A parameter name or value the model cannot use; names the parameter."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem
