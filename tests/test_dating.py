"""The as-of date of a list (docs/methods.md, "Dating a list")."""

from __future__ import annotations

from datetime import date

from tidewatch.pipeline.dating import date_list, name_date, split_observed_prefix


def test_date_in_ices_name_within_120_days_of_observation():
    as_of = date_list("participatingAgencies05012025am.xlsx", observed=date(2025, 5, 1))
    assert (as_of.date, as_of.rule) == (date(2025, 5, 1), "date in ICE's file name")


def test_wrong_year_in_ices_name_is_corrected():
    # participatingAgencies01052025pm.xlsx is a January 2026 list
    as_of = date_list("participatingAgencies01052025pm.xlsx", observed=date(2026, 1, 6))
    assert as_of.date == date(2026, 1, 5)
    assert as_of.rule == "date in ICE's file name, year corrected"


def test_garbled_name_falls_back_to_first_observed():
    as_of = date_list(
        "participatingAgencies090022025am.xlsx", observed=date(2025, 9, 3)
    )
    assert (as_of.date, as_of.rule) == (date(2025, 9, 3), "first observed")


def test_wayback_capture_time_dates_archive_names():
    as_of = date_list("participatingAgencies-20250221214937.xlsx", observed=None)
    assert as_of.date == date(2025, 2, 21)
    pre_2025 = date_list("ParticipatingEntities-20210113002027.xlsx", observed=None)
    assert pre_2025.date == date(2021, 1, 13)


def test_override_wins():
    as_of = date_list(
        "participatingAgencies05012025am.xlsx",
        observed=None,
        override=date(2025, 4, 30),
    )
    assert (as_of.date, as_of.rule) == (date(2025, 4, 30), "given with --as-of")


def test_without_observation_the_newest_signing_bounds_the_date():
    # Nothing says when this copy was seen: a list cannot predate its newest
    # agreement, so 2025-01-05 is impossible for a list signed up to Dec 2025.
    as_of = date_list(
        "participatingAgencies01052025pm.xlsx",
        observed=None,
        latest_signed=date(2025, 12, 18),
    )
    assert as_of.date == date(2026, 1, 5)


def test_newer_name_forms():
    assert name_date("287gParticipatingAgencies091526pm.xlsx") == date(2026, 9, 15)
    assert name_date("ParticipatingAgency091826am.xlsx") == date(2026, 9, 18)
    assert name_date("participatingAgencies09112026.xlsx") == date(2026, 9, 11)
    assert name_date("participatingAgencies04212026am 12.15.07 AM.xlsx") == date(
        2026, 4, 21
    )
    assert name_date("participatingAgencies11114025am.xlsx") == date(4025, 11, 11)


def test_implausible_year_in_name_is_corrected_from_the_observation():
    # pendingAgencies10223025am.xlsx was published on 2025-10-23
    as_of = date_list("pendingAgencies10223025am.xlsx", observed=date(2025, 10, 23))
    assert as_of.date == date(2025, 10, 22)
    assert as_of.rule == "date in ICE's file name, year corrected"


def test_observed_prefix():
    assert split_observed_prefix("2025-05-01_participatingAgencies05012025am.xlsx") == (
        date(2025, 5, 1),
        "participatingAgencies05012025am.xlsx",
    )
    assert split_observed_prefix("list.xlsx") == (None, "list.xlsx")


def test_header_layout_bounds_the_date():
    # A pending list with a COUNTY column (Q4, first seen 2025-03-27) cannot be
    # from January 2025: pendingAgencies01052025pm.xlsx is from January 2026.
    as_of = date_list("pendingAgencies01052025pm.xlsx", observed=None, header_code="Q4")
    assert as_of.date == date(2026, 1, 5)
