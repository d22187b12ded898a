"""The as-of date of an ICE list: the day it describes, not the day it was fetched.

The rule (docs/methods.md, "Dating a list"):

1. the date in ICE's file name, when it parses and lies 0-120 days before the
   file was first observed; ICE sometimes typed the wrong year
   (``participatingAgencies01052025pm.xlsx`` is a January 2026 list), so the
   same day and month in the observed year is tried next;
2. else the Wayback Machine capture time in an archive's file name;
3. else the day the file was first observed.

Two facts in the list bound the answer: a list cannot be more than a month
older than the newest agreement it shows, nor than the first day its header
layout was seen. ``--as-of`` overrides all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

PLAUSIBLE_DAYS = 120
# A list cannot predate its newest agreement by much; a month of slack keeps
# one mistyped SIGNED cell from moving a list by a year.
SIGNED_SLACK_DAYS = 30

# ICE's own names: participatingAgencies05012025am.xlsx, pendingAgencies...,
# ParticipatingAgency091826am.xlsx, 287gParticipatingAgencies091526pm.xlsx.
_ICE_NAME = re.compile(r"(?i)(?:participating|pending)agenc(?:y|ies)(\d{6,9})")
# Archive names: participatingAgencies-20250221214937.xlsx (capture time) and
# ParticipatingEntities-20210113002027.xlsx (pre-2025 table extracts).
_CAPTURE_NAME = re.compile(
    r"(?i)(?:participating|pending)(?:agenc(?:y|ies)|entities)-(\d{14})"
)
# Tidewatch's corpus and many archives put the first-observed date first.
_OBSERVED_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})_(.+)$")


@dataclass(frozen=True)
class AsOf:
    date: date
    rule: str


def split_observed_prefix(name: str) -> tuple[date | None, str]:
    """(date, original name) for names like ``2025-05-01_participating....xlsx``."""
    match = _OBSERVED_PREFIX.match(name)
    if match:
        try:
            return date.fromisoformat(match[1]), match[2]
        except ValueError:
            pass
    return None, name


def name_date(name: str) -> date | None:
    """The MMDDYYYY (or MMDDYY) date in one of ICE's file names, if it parses."""
    match = _ICE_NAME.search(name)
    if not match:
        return None
    digits = match[1]
    candidates = [digits[:8]] if len(digits) >= 8 else []
    if len(digits) in (6, 7):
        candidates.append(digits[:4] + "20" + digits[4:6])
    for text in candidates:
        try:
            return date(int(text[4:8]), int(text[:2]), int(text[2:4]))
        except ValueError:
            continue
    return None


def capture_date(name: str) -> date | None:
    match = _CAPTURE_NAME.search(name)
    if not match:
        return None
    try:
        return datetime.strptime(match[1], "%Y%m%d%H%M%S").date()
    except ValueError:
        return None


# The first day each header variant was seen in ICE's files (public archives;
# docs/sources/ice_287g.md, "Header variants"): a list with that header cannot
# be much older. Older layouts have no bound.
HEADER_FIRST_SEEN = {
    "P1": date(2025, 2, 21),
    "P2": date(2025, 3, 17),
    "P3": date(2025, 4, 28),
    "P4": date(2025, 7, 1),
    "P5": date(2025, 7, 11),
    "Q1": date(2025, 2, 21),
    "Q2": date(2025, 3, 13),
    "Q3": date(2025, 3, 17),
    "Q4": date(2025, 3, 27),
    "Q5": date(2026, 1, 8),
}


def date_list(
    name: str,
    *,
    observed: date | None,
    latest_signed: date | None = None,
    header_code: str | None = None,
    override: date | None = None,
) -> AsOf:
    """The as-of date for a list file named ``name`` (see the module docstring).

    ``observed`` is when the file was first seen (None when unknown);
    ``latest_signed`` the newest signing date in the list.
    """
    if override is not None:
        return AsOf(override, "given with --as-of")
    from_name = name_date(name)

    first_seen = HEADER_FIRST_SEEN.get(header_code or "")

    def plausible(day: date) -> bool:
        if latest_signed is not None and (latest_signed - day).days > SIGNED_SLACK_DAYS:
            return False
        if first_seen is not None and (first_seen - day).days > SIGNED_SLACK_DAYS:
            return False
        if observed is None:
            return day <= date.today()
        return 0 <= (observed - day).days <= PLAUSIBLE_DAYS

    if from_name is not None:
        if plausible(from_name):
            return AsOf(from_name, "date in ICE's file name")
        years = [observed.year, observed.year - 1] if observed else []
        if latest_signed is not None:
            years += [latest_signed.year, latest_signed.year + 1]
        if first_seen is not None:
            years += [first_seen.year, first_seen.year + 1]
        for year in years:
            try:
                fixed = from_name.replace(year=year)
            except ValueError:
                continue
            if fixed != from_name and plausible(fixed):
                return AsOf(fixed, "date in ICE's file name, year corrected")
    captured = capture_date(name)
    if captured is not None:
        return AsOf(captured, "Wayback Machine capture time in the file name")
    if observed is not None:
        return AsOf(observed, "first observed")
    return AsOf(date.today(), "date of import (nothing else dates this file)")
