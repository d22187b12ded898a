"""An estimate with its uncertainty: Monte Carlo P10/P50/P90 with a fixed
seed, and a one-way sensitivity (tornado) of the parameters that move the
local net cost most.

Each parameter is drawn from a triangular distribution between its low and
its high with its default as the mode (cost-model.md §2.1.6), independently
of the others. The draws of one parameter are the same numbers in every run
(one stream per parameter, from the seed and the parameter's position), so
an estimate reproduces exactly, and two places with the same inputs get the
same range. Agreements of one model in one place share their draws: a
county's jail costs one thing per day whichever agency fills the bed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

import numpy as np

from tidewatch.costmodel import items as item_table
from tidewatch.costmodel import parameters as params
from tidewatch.costmodel.model import (
    AGREEMENT_ONLY,
    ALLOCATED,
    SCOPES,
    VIEWS,
    Program,
    incentives_apply,
    place_items,
    program_items,
    signature,
    totals,
)

SEED = 287
DRAWS = 10_000
TORNADO_SIZE = 10
_POSITION = {p.name: i for i, p in enumerate(params.PARAMETERS)}


@dataclass(frozen=True)
class Spread:
    """A result at the defaults (``point``) and its P10, P50 and P90."""

    point: float
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class ItemEstimate:
    item: item_table.Item
    spread: Spread


@dataclass(frozen=True)
class Swing:
    """The local net cost with one parameter at its low and at its high."""

    parameter: params.Parameter
    low: float
    high: float
    at_low: float
    at_high: float

    @property
    def width(self) -> float:
        return abs(self.at_high - self.at_low)


@dataclass(frozen=True)
class Assumption:
    parameter: params.Parameter
    range: params.Range
    override: params.Override | None  # the record it came from, if any


@dataclass(frozen=True)
class Estimate:
    as_of: date
    view: str
    scope: str
    dollar_year: int
    draws: int
    seed: int
    programs: tuple[Program, ...]
    local_net: Spread
    public_total: Spread
    federal: Spread
    state: Spread
    hours: Spread
    items: tuple[ItemEstimate, ...]
    tornado: tuple[Swing, ...]
    assumptions: tuple[Assumption, ...]
    questions: tuple[str, ...]
    incentives: bool  # the 2025 federal task force incentives are counted
    # What the numbers depend on (not the agencies' names): equal keys, equal
    # numbers, so a page can reuse what it drew for another place.
    key: tuple = field(default=(), compare=False, repr=False)

    @property
    def net_revenue(self) -> bool:
        """Offsets exceed costs at the median: money flows in, net."""
        return self.local_net.p50 < 0

    def item(self, code: str) -> ItemEstimate:
        return next(i for i in self.items if i.item.code == code)


@lru_cache(maxsize=256)
def _uniforms(name: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, _POSITION.get(name, len(_POSITION))])
    array = rng.random(n)
    array.flags.writeable = False
    return array


@lru_cache(maxsize=4096)
def _triangular(name: str, r: params.Range, n: int, seed: int) -> np.ndarray:
    """Draws between r.low and r.high, mode r.default (inverse CDF)."""
    if r.fixed:
        return np.full(n, r.default)
    u = _uniforms(name, n, seed)
    a, m, b = r.low, r.default, r.high
    cut = (m - a) / (b - a)
    draws = np.where(
        u < cut,
        a + np.sqrt(u * (b - a) * (m - a)),
        b - np.sqrt((1 - u) * (b - a) * (b - m)),
    )
    draws.flags.writeable = False
    return draws


def _evaluate(
    plans: Sequence[tuple[Program, Mapping[str, object]]],
    place: Mapping[str, object],
    *,
    as_of: date,
    view: str,
    scope: str,
) -> dict[str, object]:
    summed: dict[str, object] = dict.fromkeys(item_table.BY_CODE, 0.0)
    summed["hours"] = 0.0
    for program, values in plans:
        for code, value in program_items(
            program, values, as_of=as_of, view=view, scope=scope
        ).items():
            summed[code] = summed[code] + value
    for code, value in place_items(place, view=view, scope=scope).items():
        summed[code] = summed[code] + value
    summed.update(totals(summed, place.get("federal_payments_received")))
    return summed


def _spreads(
    point: Mapping[str, object], draws: Mapping[str, object], keys: list[str], n: int
) -> dict[str, Spread]:
    """P10/P50/P90 of every result at once (one partition of a 2-D array);
    a result that did not vary is its own percentiles."""
    result: dict[str, Spread] = {}
    varying = []
    for key in keys:
        value = np.asarray(draws[key], dtype=float)
        if value.ndim == 0 or value.size == 1 or value.min() == value.max():
            constant = float(value.reshape(-1)[0])
            result[key] = Spread(float(point[key]), constant, constant, constant)
        else:
            varying.append((key, value))
    if varying:
        table = np.percentile(np.stack([v for _, v in varying]), [10, 50, 90], axis=1)
        for column, (key, _) in enumerate(varying):
            p10, p50, p90 = (float(x) for x in table[:, column])
            result[key] = Spread(float(point[key]), p10, p50, p90)
    return result


def _one_way(ranges: Mapping[str, params.Range], varied: list[str]) -> dict:
    size = 2 * len(varied)
    values: dict[str, object] = {name: r.default for name, r in ranges.items()}
    for j, name in enumerate(varied):
        if name not in ranges:
            continue
        column = np.full(size, ranges[name].default)
        column[2 * j], column[2 * j + 1] = ranges[name].low, ranges[name].high
        values[name] = column
    return values


def _relevant(parameter: params.Parameter, models: set[str]) -> bool:
    return parameter.models is None or bool(parameter.models & models)


def _ranges(
    programs: tuple[Program, ...],
    overrides: Mapping[str, params.Override] | None,
    dollar_year: int,
) -> tuple[dict[str, params.Range], list[dict[str, params.Range]]]:
    """The place's ranges, and each program's (its own records over the
    place's; the place's own when it has none)."""
    place_overrides = dict(overrides or {})
    place = params.ranges(dollar_year, place_overrides)
    per_program = [
        params.ranges(dollar_year, {**place_overrides, **p.overrides})
        if p.overrides
        else place
        for p in programs
    ]
    return place, per_program


def _defaults(ranges: Mapping[str, params.Range]) -> dict[str, float]:
    return {name: r.default for name, r in ranges.items()}


# Estimates by what they depend on: most places share their inputs (a city
# police department's task force with no records of its own is every other
# one's), so the pages, the API and the benchmark compute each kind once.
_ESTIMATES: dict[tuple, Estimate] = {}
_ESTIMATES_KEPT = 4_096


def estimate(
    programs: Iterable[Program],
    *,
    as_of: date,
    view: str = ALLOCATED,
    scope: str = AGREEMENT_ONLY,
    overrides: Mapping[str, params.Override] | None = None,
    dollar_year: int = params.Y,
    draws: int = DRAWS,
    seed: int = SEED,
    reuse: bool = True,
) -> Estimate:
    """The estimate for a place's agreements, in dollars of ``dollar_year``.

    ``overrides`` are the place's (checked) records; a program's own
    ``overrides`` (an agency's records) win over them for that program.
    ``reuse=False`` computes it even if a place with the same inputs has
    been (the benchmark does, to time the model itself).
    """
    programs = tuple(programs)
    key = (
        tuple(signature(p) for p in programs),
        as_of,
        view,
        scope,
        frozenset((overrides or {}).items()),
        dollar_year,
        draws,
        seed,
    )
    found = _ESTIMATES.get(key) if reuse else None
    if found is None:
        found = _estimate(
            programs, as_of, view, scope, overrides, dollar_year, draws, seed
        )
        found = replace(found, key=key)
        if len(_ESTIMATES) >= _ESTIMATES_KEPT:
            _ESTIMATES.pop(next(iter(_ESTIMATES)))
        _ESTIMATES[key] = found
    return replace(found, programs=programs)


def _estimate(
    programs: tuple[Program, ...],
    as_of: date,
    view: str,
    scope: str,
    overrides: Mapping[str, params.Override] | None,
    dollar_year: int,
    draws: int,
    seed: int,
) -> Estimate:
    """``estimate``'s work, without the reuse."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    place_ranges, program_ranges = _ranges(programs, overrides, dollar_year)
    kw = {"as_of": as_of, "view": view, "scope": scope}

    def at(choose) -> dict[str, object]:
        return _evaluate(
            [(p, choose(r)) for p, r in zip(programs, program_ranges, strict=True)],
            choose(place_ranges),
            **kw,
        )

    point = at(_defaults)
    simulated = at(
        lambda ranges: {
            name: _triangular(name, r, draws, seed) for name, r in ranges.items()
        }
    )

    keys = ["local_net", "gross", "federal", "state", "hours"]
    keys += [item.code for item in item_table.ITEMS]
    spreads = _spreads(point, simulated, keys, draws)

    models = {p.model for p in programs}
    relevant = [p for p in params.PARAMETERS if _relevant(p, models)]
    varied = [
        p.name
        for p in relevant
        if not (
            place_ranges[p.name].fixed
            and all(pr[p.name].fixed for pr in program_ranges)
        )
    ]
    # One-way sensitivity, all at once: position 2j has parameter j at its
    # low, 2j + 1 at its high, every other parameter at its default.
    ends = at(lambda ranges: _one_way(ranges, varied))["local_net"]
    ends = np.broadcast_to(np.asarray(ends, dtype=float), (2 * len(varied),))
    swings = []
    for j, name in enumerate(varied):
        r = place_ranges[name]
        swing = Swing(params.BY_NAME[name], r.low, r.high, ends[2 * j], ends[2 * j + 1])
        if swing.width > 0:
            swings.append(swing)
    swings.sort(key=lambda s: (-s.width, s.parameter.name))

    all_overrides = dict(overrides or {})
    for program in programs:
        all_overrides.update(program.overrides)
    assumptions = tuple(
        Assumption(p, place_ranges[p.name], all_overrides.get(p.name)) for p in relevant
    )
    questions = tuple(
        dict.fromkeys(
            a.parameter.question
            for a in assumptions
            if a.override is None and a.parameter.question
        )
    )
    return Estimate(
        as_of=as_of,
        view=view,
        scope=scope,
        dollar_year=dollar_year,
        draws=draws,
        seed=seed,
        programs=programs,
        local_net=spreads["local_net"],
        public_total=spreads["gross"],
        federal=spreads["federal"],
        state=spreads["state"],
        hours=spreads["hours"],
        items=tuple(
            ItemEstimate(item, spreads[item.code]) for item in item_table.ITEMS
        ),
        tornado=tuple(swings[:TORNADO_SIZE]),
        assumptions=assumptions,
        questions=questions,
        incentives=any(incentives_apply(p, as_of) for p in programs),
    )


def point(
    programs: Iterable[Program],
    *,
    as_of: date,
    view: str = ALLOCATED,
    scope: str = AGREEMENT_ONLY,
    overrides: Mapping[str, params.Override] | None = None,
    dollar_year: int = params.Y,
) -> dict[str, float]:
    """One deterministic evaluation at the defaults (the benchmark's baseline)."""
    programs = tuple(programs)
    place, per_program = _ranges(programs, overrides, dollar_year)
    result = _evaluate(
        [(p, _defaults(r)) for p, r in zip(programs, per_program, strict=True)],
        _defaults(place),
        as_of=as_of,
        view=view,
        scope=scope,
    )
    return {k: float(v) for k, v in result.items()}
