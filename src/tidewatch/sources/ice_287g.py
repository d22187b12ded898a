"""ICE's 287(g) lists: the participating and pending workbooks (and the pre-2025
table extracts, header H1).

``parse`` is a pure function of the file: it decides the list's kind from the
header (a SIGNED column means participating), never from the file name, reads
every row including hidden ones, keeps hyperlinks (openpyxl full mode; the
read-only and calamine readers drop them) and stamps each row with its sheet
and row number. The rules come from docs/sources/ice_287g.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml

from tidewatch.pipeline.errors import FileRejected
from tidewatch.sources.base import ParsedRow, ParsedWorkbook, SourceInfo

SOURCE = SourceInfo(
    key="ice_287g",
    name="ICE 287(g) participating and pending agencies",
    publisher="U.S. Immigration and Customs Enforcement (ICE)",
    url="https://www.ice.gov/identify-and-arrest/287g",
    formats=("xlsx",),
    description=(
        "ICE's lists of agencies with a 287(g) agreement (participating) and "
        "agencies that applied (pending, published until February 2026), one "
        "workbook per update, each replacing the last without a changelog."
    ),
)

if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - an install problem
    # Without defusedxml, openpyxl parses XML entities: a workbook could carry
    # an entity bomb. Refuse to read anything rather than read unsafely.
    raise ImportError("defusedxml is not installed: run `make install`")

STATE = "STATE"
AGENCY = "LAW ENFORCEMENT AGENCY"
TYPE = "TYPE"
COUNTY = "COUNTY"
SUPPORT_TYPE = "SUPPORT TYPE"
SIGNED = "SIGNED"
MOA = "MOA"
ADDENDUM = "ADDENDUM"
KNOWN_COLUMNS = (STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, SIGNED, MOA, ADDENDUM)
REQUIRED_COLUMNS = (STATE, AGENCY, SUPPORT_TYPE)

# Header variants seen in ICE's files (docs/sources/ice_287g.md, "Header
# variants"): the named columns in order, then how many blank header cells.
HEADER_CODES: dict[tuple[tuple[str, ...], int], str] = {
    ((STATE, AGENCY, SUPPORT_TYPE, SIGNED, MOA), 0): "H1",
    ((STATE, AGENCY, TYPE, SUPPORT_TYPE, SIGNED, MOA), 0): "P1",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, SIGNED, MOA), 0): "P2",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, SIGNED, MOA), 6): "P3",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, SIGNED, MOA, ADDENDUM), 5): "P4",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, SIGNED, MOA, ADDENDUM), 1): "P5",
    ((STATE, AGENCY, TYPE, SUPPORT_TYPE), 0): "Q1",
    ((STATE, AGENCY, TYPE, SUPPORT_TYPE), 1): "Q2",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE), 1): "Q3",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE), 0): "Q4",
    ((STATE, AGENCY, TYPE, COUNTY, SUPPORT_TYPE, MOA), 0): "Q5",
}

# How far down a sheet to look for the header. ICE always uses row 1; a few
# rows of slack costs nothing and survives a title row added one day.
HEADER_SEARCH_ROWS = 5


def clean_text(value: Any) -> str:
    """Cell text with NBSPs and runs of white space folded to one space, trimmed."""
    if value is None:
        return ""
    # str.split() splits on every Unicode space, NBSP included.
    return " ".join(str(value).split())


def header_name(value: Any) -> str:
    return clean_text(value).upper()


def classify_header(header: list[str]) -> tuple[str, str]:
    """(kind, header code) for a header row of normalised cell texts.

    The kind comes from the columns alone: a SIGNED column means the
    participating list (ICE once published each list under the other's name).
    """
    named = tuple(h for h in header if h)
    blanks = sum(1 for h in header if not h)
    kind = "participating" if SIGNED in named else "pending"
    return kind, HEADER_CODES.get((named, blanks), "new")


def parse(path: Path) -> ParsedWorkbook:
    """Read one ICE workbook into rows as written, with provenance.

    Input: the path of an .xlsx file (already checked by
    ``pipeline.xlsx_checks``). Output: a :class:`ParsedWorkbook`. Raises
    :class:`FileRejected` when no sheet has a recognisable header. Reads the
    file only; no network, no database.
    """
    workbook = openpyxl.load_workbook(path, data_only=True)
    try:
        return _parse_workbook(workbook, path.name)
    finally:
        workbook.close()


def _find_header(sheet: Any) -> tuple[int, list[str]] | None:
    for row_number, row in enumerate(
        sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True),
        start=1,
    ):
        header = [header_name(v) for v in row]
        if STATE in header and AGENCY in header:
            # Trailing blank cells beyond the sheet's last used column are not
            # part of the header; openpyxl pads to max_column, which is right.
            return row_number, header
    return None


def _parse_workbook(workbook: Any, name: str) -> ParsedWorkbook:
    sheets = [ws.title for ws in workbook.worksheets]
    for sheet in workbook.worksheets:
        found = _find_header(sheet)
        if found is not None:
            break
    else:
        raise FileRejected(
            name,
            "no recognisable header: no sheet has STATE and LAW ENFORCEMENT "
            f"AGENCY columns in its first {HEADER_SEARCH_ROWS} rows "
            f"(sheets: {', '.join(sheets) or 'none'})",
        )
    header_row, header = found
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRejected(
            name, f"header of sheet {sheet.title!r} lacks {', '.join(missing)}"
        )
    kind, code = classify_header(header)
    # Map columns by header text, never by position; the first of two equal
    # headers wins. Unknown columns are left out of the rows (the full header
    # is kept on the publication, so a new column does not go unnoticed).
    columns: dict[str, int] = {}
    for index, column_name in enumerate(header):
        if column_name in KNOWN_COLUMNS and column_name not in columns:
            columns[column_name] = index

    rows: list[ParsedRow] = []
    skipped = 0
    dimensions = sheet.row_dimensions
    # Only the columns read: ICE's blank trailing header cells are not walked.
    last_column = max(columns.values()) + 1
    for row_number, cells in enumerate(
        sheet.iter_rows(min_row=header_row + 1, max_col=last_column),
        start=header_row + 1,
    ):
        values: dict[str, Any] = {}
        links: dict[str, str] = {}
        for column_name, index in columns.items():
            if index >= len(cells):
                continue
            cell = cells[index]
            value = cell.value
            if isinstance(value, str) and not clean_text(value):
                value = None
            values[column_name] = value
            link = cell.hyperlink
            if link is not None and (link.target or link.location):
                links[column_name] = link.target or link.location
        if all(v is None for v in values.values()) and not links:
            skipped += 1  # blank or format-only row (ICE leaves dozens)
            continue
        dimension = dimensions.get(row_number)
        rows.append(
            ParsedRow(
                sheet=sheet.title,
                row_number=row_number,
                hidden=bool(dimension is not None and dimension.hidden),
                cells=values,
                links=links,
            )
        )
    return ParsedWorkbook(
        kind=kind,
        header_code=code,
        sheet=sheet.title,
        header=header,
        rows=rows,
        sheets=sheets,
        skipped_blank_rows=skipped,
    )
