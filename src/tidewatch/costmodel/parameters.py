"""The cost model's inputs: look a parameter up, check a value a record or
the command line gives for it, and turn the table (``parameter_table``) and
a place's records into the ranges one run draws from, in one dollar year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from tidewatch.costmodel import cpi
from tidewatch.costmodel.parameter import (
    ASSUMPTION,
    DOLLAR_UNITS,
    INFERRED,
    READ,
    UNIT_CONVERSIONS,
    Override,
    Parameter,
    ParameterError,
    Range,
)
from tidewatch.costmodel.parameter_table import (
    BY_NAME,
    LOWERS_COST,
    PARAMETERS,
    REPORTED,
    Y,
)

__all__ = [
    "ASSUMPTION",
    "BY_NAME",
    "DOLLAR_UNITS",
    "INFERRED",
    "LOWERS_COST",
    "PARAMETERS",
    "READ",
    "REPORTED",
    "Override",
    "Parameter",
    "ParameterError",
    "Range",
    "Y",
    "check",
    "checked",
    "get",
    "ranges",
]


def _shown(number: float) -> str:
    """A number as a person writes it: 1,000,000 rather than 1e+06."""
    return f"{number:,.0f}" if number == int(number) else f"{number:g}"


def get(name: str) -> Parameter:
    """The parameter called ``name``; ParameterError if there is none."""
    parameter = BY_NAME.get(name) or REPORTED.get(name)
    if parameter is None:
        raise ParameterError(
            name, "no such parameter (see `tidewatch cost params list`)"
        )
    return parameter


def _in_unit(parameter: Parameter, value: float, unit: str) -> float:
    if not unit or unit == parameter.unit:
        return value
    ratio = UNIT_CONVERSIONS.get((unit, parameter.unit))
    if ratio is None:
        raise ParameterError(
            parameter.name, f"given in {unit}, but it is measured in {parameter.unit}"
        )
    return value * ratio


def check(override: Override) -> Override:
    """The override in its parameter's unit, or ParameterError naming what is
    wrong: an unknown name, a unit that does not convert, a dollar year on a
    count, or a value outside what the parameter can be."""
    parameter = get(override.name)
    if override.dollar_year is not None and not parameter.is_dollars:
        raise ParameterError(
            parameter.name,
            f"is measured in {parameter.unit}, not dollars: it has no dollar year",
        )
    if parameter.is_dollars and override.dollar_year is not None:
        try:
            cpi.factor(override.dollar_year, Y)
        except cpi.DollarYearError as error:
            raise ParameterError(parameter.name, str(error)) from None
    value, low, high = (
        None if v is None else _in_unit(parameter, float(v), override.unit)
        for v in (override.value, override.low, override.high)
    )
    assert value is not None
    for label, number in (("value", value), ("low", low), ("high", high)):
        if number is None:
            continue
        if number != number or number in (float("inf"), float("-inf")):
            raise ParameterError(parameter.name, f"the {label} is not a number")
        if not parameter.minimum <= number <= parameter.maximum:
            raise ParameterError(
                parameter.name,
                f"{_shown(number)} {parameter.unit} is out of range "
                f"({_shown(parameter.minimum)} to {_shown(parameter.maximum)})",
            )
    low = value if low is None else low
    high = value if high is None else high
    if not low <= value <= high:
        raise ParameterError(
            parameter.name,
            f"low {_shown(low)} and high {_shown(high)} do not surround "
            f"{_shown(value)}",
        )
    return replace(override, value=value, low=low, high=high, unit=parameter.unit)


def ranges(
    dollar_year: int = Y, overrides: Mapping[str, Override] | None = None
) -> dict[str, Range]:
    """Every parameter's range for a run in dollars of ``dollar_year``, the
    overrides (already checked) in place of the defaults."""
    overrides = overrides or {}
    result: dict[str, Range] = {}
    for parameter in (*PARAMETERS, *REPORTED.values()):
        given = overrides.get(parameter.name)
        if given is not None:
            numbers = (given.value, given.low, given.high)
            year = given.dollar_year or dollar_year
        elif parameter.name in REPORTED:
            continue
        else:
            numbers = (parameter.default, parameter.low, parameter.high)
            year = parameter.dollar_year or dollar_year
        scale = cpi.factor(year, dollar_year) if parameter.is_dollars else 1.0
        default, low, high = (float(n) * scale for n in numbers)
        result[parameter.name] = Range(default, low, high)
    return result


def checked(overrides: Iterable[Override]) -> dict[str, Override]:
    """Check every override, keyed by name; the last of one name wins."""
    return {o.name: o for o in map(check, overrides)}
