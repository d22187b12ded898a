"""Write rows as CSV, JSON, XLSX or Parquet.

Spreadsheet formats (CSV and XLSX) neutralise text that a spreadsheet would
run as a formula: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, line feed or NUL (after any leading spaces) gets a leading
apostrophe (OWASP CSV injection; ASVS 1.2.10). Only text is touched, never
numbers or dates. JSON and Parquet keep values as they are, with missing
values as null.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, BinaryIO

FORMATS = ("csv", "json", "xlsx", "parquet")
_FORMULA_START = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)


def neutralise(value: Any) -> Any:
    """A spreadsheet-safe version of one cell value."""
    if isinstance(value, str) and value.lstrip(" \xa0").startswith(_FORMULA_START):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def write(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, out: BinaryIO
) -> None:
    """Write ``rows`` (dicts keyed by ``columns``) to the binary stream ``out``."""
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(neutralise(row.get(c))) for c in columns])
        text.flush()
        text.detach()
    elif fmt == "json":
        data = [{c: _json_value(_missing(row.get(c))) for c in columns} for row in rows]
        out.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        out.write(b"\n")
    elif fmt == "xlsx":
        # XlsxWriter, not openpyxl: the same file in a quarter of the time,
        # which matters when tidewatch build-site writes thousands of them.
        # Text is never read as a formula (strings_to_formulas off), and is
        # neutralised anyway so the cell shows what a CSV would.
        import xlsxwriter

        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet("tidewatch")
        sheet.write_row(0, 0, list(columns))
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(columns):
                value = row.get(column)
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, day)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(neutralise(value)))
        workbook.close()
        out.write(buffer.getvalue())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {}
        for column in columns:
            values = [row.get(column) for row in rows]
            if any(isinstance(v, date) for v in values):
                values = [v if isinstance(v, date) else None for v in values]
                arrays[column] = pa.array(values, type=pa.date32())
            elif all(isinstance(v, int) or v is None for v in values) and any(
                v is not None for v in values
            ):
                arrays[column] = pa.array(values, type=pa.int64())
            else:
                arrays[column] = pa.array(
                    [None if v is None else _text(v) for v in values], type=pa.string()
                )
        buffer = io.BytesIO()
        pq.write_table(pa.table(arrays), buffer)
        out.write(buffer.getvalue())
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _missing(value: Any) -> Any:
    return None if value == "" else value


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(str(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
