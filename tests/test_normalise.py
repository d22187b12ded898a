"""Normalising ICE's cells: real spellings from ICE's lists, one case per line."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tidewatch.pipeline import cells
from tidewatch.pipeline import normalise as n
from tidewatch.sources.base import ParsedRow

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("TEXAS ", "TX"),  # trailing space, Aug 2025 -> May 2026
        ("UTAh", "UT"),  # 2025-07-24..08-01
        ("UTAHJ", "UT"),  # 2025-07-03..07
        ("AlABAMA", "AL"),  # 2025-06-05..06
        ("WEST VIRIGINIA", "WV"),  # 2025-08-01..29
        ("WEST VIRIGINA", "WV"),  # 2026-02-02..06
        ("WESt VIRGINIA", "WV"),  # 2025-12-03..04
        ("MCHIGAN", "MI"),  # 2025-10-15..17
        ("PENNSLYVANIA", "PA"),  # 2026-02-17..27
        ("Alabama", "AL"),  # title case in the 2025-03-27 capture
        ("GUAM", "GU"),  # from 2025-09-17
        ("NORTHERN MARIANA ISLANDS", "MP"),  # from 2026-01-15
        ("NEW\xa0YORK", "NY"),  # an NBSP between words
    ],
)
def test_state_spellings(raw, code):
    assert cells.normalise_state(raw) == code


def test_unknown_state_is_none():
    assert cells.normalise_state("ATLANTIS") is None


@pytest.mark.parametrize(
    ("raw", "model"),
    [
        ("Jail Enforcement Model", "JEM"),
        ("Jail Enforcment Model ", "JEM"),  # 2025-08-04..05
        ("Warrant Services Officer", "WSO"),  # 2025-11-10 -> 2026-01-07
        ("Warrant Service Office", "WSO"),  # 2025-12-29 -> 2026-01-07
        ("Task Force Officer ", "TFM"),  # 2025-11-14..12-09
        ("Task Force Model ", "TFM"),
        ("", None),  # blank in 4 pending files, Oct 2025
    ],
)
def test_support_type_by_keyword(raw, model):
    assert cells.normalise_model(raw) == model


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("County ", "county"),
        ("Municipality ", "municipal"),
        ("Muncipality ", "municipal"),
        ("Municipal", "municipal"),
        ("State Agency", "state"),
        ("State", "state"),
        ("#NA", None),
        (None, None),
    ],
)
def test_agency_type(raw, kind):
    assert cells.normalise_agency_type(raw) == kind


@pytest.mark.parametrize(
    ("raw", "state", "county"),
    [
        ("Lake Conty", "FL", "Lake County"),
        ("Baldwin Couny", "AL", "Baldwin County"),
        ("Custer Countey", "CO", "Custer County"),
        ("Steuben COunty", "NY", "Steuben County"),
        ("Sebastian county ", "AR", "Sebastian County"),
        ("Decatur", "GA", "Decatur County"),  # suffix missing
        ("San Patricio", "TX", "San Patricio County"),
        ("LaSalle Parish", "LA", "LaSalle Parish"),
        ("Rapides", "LA", "Rapides Parish"),  # Louisiana has parishes
        ("Fond du Lac County ", "WI", "Fond du Lac County"),
        ("\nSchuylkill County", "PA", "Schuylkill County"),
        ("Kattan District ", "GU", "Kattan District"),  # Guam
        ("#N/A", "TX", None),
        ("#NA", "TX", None),
        ("N/A", "TX", None),
        ("#n?A", "TX", None),  # 2025-06-13
        (None, "TX", None),
    ],
)
def test_county_text(raw, state, county):
    assert cells.normalise_county(raw, state) == county


@pytest.mark.parametrize(
    ("raw", "expected", "note"),
    [
        (datetime(2025, 5, 8), date(2025, 5, 8), None),
        ("2020-07-24", date(2020, 7, 24), None),  # pre-2025 table extracts: text
        ("05/082025", date(2025, 5, 8), "repaired '05/082025'"),
        ("7/72025", date(2025, 7, 7), "repaired '7/72025'"),
        ("8/282025", date(2025, 8, 28), "repaired '8/282025'"),
        ("5/8/2025", date(2025, 5, 8), None),
        (
            datetime(5025, 7, 7),
            date(2025, 7, 7),
            "impossible year 5025 repaired to 2025",
        ),
        ("5025-07-07", date(2025, 7, 7), "impossible year 5025 repaired to 2025"),
        (datetime(1925, 7, 7), None, "impossible year 1925"),
        (None, None, "blank"),
        ("  ", None, "blank"),
        ("tbd", None, "unreadable date 'tbd'"),
        (45785, date(2025, 5, 8), None),  # an Excel serial without date format
    ],
)
def test_signed_dates(raw, expected, note):
    assert cells.parse_signed(raw, TODAY) == (expected, note)


ICE_PDF = (
    "https://www.ice.gov/doclib/287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf"
)


@pytest.mark.parametrize(
    "wrapped",
    [
        ICE_PDF,
        # Outlook SafeLinks, about a fifth of all links from 2025-06
        "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov"
        "%2Fdoclib%2F287gMOA%2FColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf&data=05"
        "%7C02%7C&reserved=0",
        # Adobe's browser extension, with a single slash after https:
        "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/"
        "287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf",
        "https:/www.ice.gov/doclib/287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf",
        # the pre-2025 extracts link through the Wayback Machine
        "https://web.archive.org/web/20250104041613/" + ICE_PDF,
    ],
)
def test_links_are_unwrapped(wrapped):
    assert cells.unwrap_link(wrapped) == ICE_PDF
    assert cells.link_file_name(cells.unwrap_link(wrapped)) == (
        "ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf"
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "Jackson County Sheriff's Office ",
            "Jackson County Sheriff’s Office",
        ),  # curly
        ("Kansas  Bureau Of Investigation", "Kansas Bureau of Investigation"),
        ("Christian County Sherrif's Office", "Christian County Sheriff's Office"),
        ("Alachua Police Departent", "Alachua Police Department"),
        ("Texas County's Sheriff's Office", "Texas County Sheriff's Office"),
        ("St. Lucie County Sheriff's Office", "Saint Lucie County Sheriff's Office"),
        (
            "Sarpy County Department of Corrections\xa0\xa0",
            "Sarpy County Department of Corrections",
        ),
    ],
)
def test_agency_keys_fold_ices_variants(one, other):
    assert cells.agency_key(cells.agency_name(one)) == cells.agency_key(
        cells.agency_name(other)
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Lake County Sheriff's Office", "Lee County Sheriff's Office"),
        ("Baltimore County Sheriff's Office", "Baltimore City Sheriff's Office"),
    ],
)
def test_agency_keys_keep_different_agencies_apart(one, other):
    assert cells.agency_key(one) != cells.agency_key(other)


def _row(**cells):
    base = {
        "STATE": "TEXAS",
        "LAW ENFORCEMENT AGENCY": "Fixture County Sheriff's Office",
        "SUPPORT TYPE": "Task Force Model",
        "SIGNED": datetime(2025, 3, 1),
    }
    base.update(cells)
    return ParsedRow("Sheet1", 7, False, base, {})


def test_a_row_becomes_a_record_with_raw_values_kept():
    record = n.normalise_row(_row(STATE="TEXAS ", SIGNED="05/082025"), TODAY)
    assert isinstance(record, n.AgreementRecord)
    assert (record.state, record.state_raw) == ("TX", "TEXAS")
    assert (record.signed_date, record.signed_raw) == (date(2025, 5, 8), "05/082025")
    assert record.model == "TFM" and record.row_number == 7


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"STATE": None}, "STATE is blank"),
        ({"LAW ENFORCEMENT AGENCY": "  "}, "LAW ENFORCEMENT AGENCY is blank"),
        ({"STATE": "ATLANTIS"}, "unknown state 'ATLANTIS'"),
        ({"SUPPORT TYPE": None}, "SUPPORT TYPE is blank"),
        ({"SUPPORT TYPE": "Consulting"}, "unknown SUPPORT TYPE 'Consulting'"),
    ],
)
def test_rows_that_cannot_be_understood_are_rejected_with_the_reason(cells, reason):
    rejected = n.normalise_row(_row(**cells), TODAY)
    assert isinstance(rejected, n.RejectedRow)
    assert rejected.reason == reason
    assert rejected.row_number == 7


def test_moa_status():
    linked = _row(MOA="link")
    linked.links["MOA"] = ICE_PDF
    assert n.normalise_row(linked, TODAY).moa_status == "linked"
    assert n.normalise_row(_row(MOA="Link Pending"), TODAY).moa_status == "pending"
    # Feb-Jun 2025: the text "link | addendum" with no hyperlink at all
    assert (
        n.normalise_row(_row(MOA="link\xa0|\xa0addendum"), TODAY).moa_status == "none"
    )
    # 2025-05-16..19: a bare URL typed as text
    assert n.normalise_row(_row(MOA=ICE_PDF), TODAY).moa_url == ICE_PDF


def test_record_survives_json_round_trip():
    record = n.normalise_row(_row(), TODAY)
    assert n.AgreementRecord.from_json(record.to_json()) == record
