"""Dollars of one year in dollars of another, by the CPI-U.

The index is the Bureau of Labor Statistics' Consumer Price Index for All
Urban Consumers, U.S. city average, all items, not seasonally adjusted
(series CUUR0000SA0, 1982-84 = 100), annual averages. The cost model's
defaults are in dollars of 2025 (cost-model.md §2.3), and every published
figure it is checked against is in dollars of its own year, so converting
is not optional: a parameter given in another year's dollars is converted
here, and a year the table does not hold is refused rather than guessed.
"""

from __future__ import annotations

# Annual averages, BLS series CUUR0000SA0.
CPI_U: dict[int, float] = {
    2005: 195.3,
    2006: 201.6,
    2007: 207.342,
    2008: 215.303,
    2009: 214.537,
    2010: 218.056,
    2011: 224.939,
    2012: 229.594,
    2013: 232.957,
    2014: 236.736,
    2015: 237.017,
    2016: 240.007,
    2017: 245.120,
    2018: 251.107,
    2019: 255.657,
    2020: 258.811,
    2021: 270.970,
    2022: 292.655,
    2023: 304.702,
    2024: 313.689,
    # The average of January to June 2025, the half-year figure BLS printed
    # beside its September 2025 release; the full-year average is not in
    # this table yet. Replace it when it is.
    2025: 320.229,
}

CPI_SOURCE = (
    "Bureau of Labor Statistics, CPI-U, U.S. city average, all items "
    "(series CUUR0000SA0), annual averages; 2025 is the first-half average"
)


class DollarYearError(ValueError):
    """A dollar year the CPI table cannot convert."""


def factor(from_year: int, to_year: int) -> float:
    """The multiplier that turns dollars of ``from_year`` into ``to_year``'s."""
    if from_year == to_year:
        return 1.0
    for year in (from_year, to_year):
        if year not in CPI_U:
            first, last = min(CPI_U), max(CPI_U)
            raise DollarYearError(
                f"no CPI-U figure for {year}: dollars can be converted "
                f"between {first} and {last} only"
            )
    return CPI_U[to_year] / CPI_U[from_year]
