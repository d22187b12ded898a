"""parse(): kind from the header, every row read, hyperlinks and provenance kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fixtures.workbooks import (
    H1_HEADER,
    P1_HEADER,
    P4_HEADER,
    Q1_HEADER,
    Q4_HEADER,
    Row,
    moa,
    write_list,
)
from tidewatch.pipeline.errors import FileRejected
from tidewatch.sources import ice_287g

ROWS = [
    Row(
        "TEXAS",
        "Fixture County Sheriff's Office",
        signed=datetime(2025, 3, 1),
        moa=moa("FixtureCoTX_TFM_MOA_030125.pdf"),
    ),
    Row(
        "TEXAS",
        "Example City Police Department",
        type="Municipality",
        model="Warrant Service Officer",
        signed=datetime(2025, 4, 2),
    ),
]


@pytest.mark.parametrize(
    ("header", "kind", "code"),
    [
        (H1_HEADER, "participating", "H1"),
        (P1_HEADER, "participating", "P1"),
        (P4_HEADER, "participating", "P4"),
        (Q1_HEADER, "pending", "Q1"),
        (Q4_HEADER, "pending", "Q4"),
        ([*Q4_HEADER, None], "pending", "Q3"),
    ],
)
def test_kind_and_header_variant_come_from_the_header(tmp_path, header, kind, code):
    path = write_list(tmp_path / "list.xlsx", ROWS, header)
    parsed = ice_287g.parse(path)
    assert (parsed.kind, parsed.header_code) == (kind, code)
    assert [r.cells["LAW ENFORCEMENT AGENCY"] for r in parsed.rows] == [
        "Fixture County Sheriff's Office",
        "Example City Police Department",
    ]


def test_kind_ignores_the_file_name(tmp_path):
    # ICE once served the participating list as pendingAgencies09222025pm.xlsx.
    path = write_list(tmp_path / "pendingAgencies09222025pm.xlsx", ROWS, P4_HEADER)
    assert ice_287g.parse(path).kind == "participating"


def test_unknown_header_variant_is_still_read_by_column_name(tmp_path):
    header = ["LAW ENFORCEMENT AGENCY", "STATE", "SUPPORT TYPE", "SIGNED", "NOTES"]
    path = write_list(tmp_path / "list.xlsx", ROWS, header)
    parsed = ice_287g.parse(path)
    assert parsed.header_code == "new"
    assert parsed.header[-1] == "NOTES"  # kept on the publication, visible
    assert parsed.rows[0].cells["STATE"] == "TEXAS"
    assert "NOTES" not in parsed.rows[0].cells


def test_hidden_rows_are_read_and_flagged(tmp_path):
    rows = [Row("TEXAS", f"Fixture Agency {n}", hidden=n % 2 == 0) for n in range(6)]
    parsed = ice_287g.parse(write_list(tmp_path / "list.xlsx", rows))
    assert len(parsed.rows) == 6
    assert [r.hidden for r in parsed.rows] == [True, False] * 3


def test_hyperlinks_are_kept_apart_from_the_cell_text(tmp_path):
    parsed = ice_287g.parse(write_list(tmp_path / "list.xlsx", ROWS))
    first, second = parsed.rows
    assert first.cells["MOA"] == "link"
    assert first.links["MOA"] == moa("FixtureCoTX_TFM_MOA_030125.pdf")
    assert second.cells["MOA"] == "link pending"
    assert "MOA" not in second.links


def test_provenance_sheet_and_row_numbers(tmp_path):
    parsed = ice_287g.parse(write_list(tmp_path / "list.xlsx", ROWS, sheet="Sheet 1"))
    assert [(r.sheet, r.row_number) for r in parsed.rows] == [
        ("Sheet 1", 2),
        ("Sheet 1", 3),
    ]


def test_formatted_empty_rows_after_the_list_are_skipped(tmp_path):
    parsed = ice_287g.parse(write_list(tmp_path / "l.xlsx", ROWS, blank_rows_after=40))
    assert len(parsed.rows) == 2
    assert parsed.skipped_blank_rows >= 1


def test_the_list_is_found_on_a_later_sheet(tmp_path):
    path = write_list(
        tmp_path / "l.xlsx", ROWS, first_sheet="Pivot", extra_sheets=["Sheet2"]
    )
    parsed = ice_287g.parse(path)
    assert parsed.sheet == "Sheet1"
    assert parsed.sheets == ["Pivot", "Sheet1", "Sheet2"]


def test_no_recognisable_header_is_a_clear_rejection(tmp_path):
    path = write_list(tmp_path / "notes.xlsx", [], ["NAME", "ADDRESS"])
    with pytest.raises(FileRejected) as error:
        ice_287g.parse(path)
    assert str(error.value).startswith("notes.xlsx: no recognisable header")


def test_header_without_support_type_is_rejected(tmp_path):
    path = write_list(tmp_path / "l.xlsx", [], ["STATE", "LAW ENFORCEMENT AGENCY"])
    with pytest.raises(FileRejected, match="lacks SUPPORT TYPE"):
        ice_287g.parse(path)


def test_nbsp_and_spaces_in_header_cells(tmp_path):
    header = ["STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED"]
    spelled = ["STATE ", "LAW ENFORCEMENT\xa0AGENCY", "support type", " SIGNED"]
    path = write_list(tmp_path / "l.xlsx", ROWS, header, header_text=spelled)
    parsed = ice_287g.parse(path)
    assert parsed.kind == "participating"
    assert parsed.rows[0].cells["SUPPORT TYPE"] == "Task Force Model"
