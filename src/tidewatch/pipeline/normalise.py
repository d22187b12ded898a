"""Turn rows as ICE wrote them into agreement records, or rejects with a reason.

Pure functions: no database, no network. Every repair keeps the raw value
beside the repaired one, so a reader can always see what ICE printed. The
repairs of single cells are in ``pipeline.cells``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tidewatch.pipeline.cells import (
    agency_key,
    agency_name,
    link_file_name,
    normalise_agency_type,
    normalise_county,
    normalise_model,
    normalise_state,
    parse_signed,
    unwrap_link,
)
from tidewatch.sources import ice_287g as ice
from tidewatch.sources.base import ParsedRow, ParsedWorkbook


@dataclass
class AgreementRecord:
    """One row of an ICE list, normalised; raw values kept beside repaired ones."""

    sheet: str
    row_number: int
    hidden: bool
    state: str
    state_raw: str
    agency: str
    agency_raw: str
    name_key: str
    agency_type: str | None
    type_raw: str | None
    county: str | None
    county_raw: str | None
    model: str
    support_type_raw: str
    signed_date: date | None
    signed_raw: str | None
    signed_note: str | None
    moa_text: str | None
    moa_link: str | None
    moa_url: str | None
    moa_file: str | None
    moa_status: str
    addendum_text: str | None
    addendum_url: str | None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        # A shallow copy: dataclasses.asdict deep-copies and was the slowest
        # step of a whole import.
        data = dict(self.__dict__)
        data["notes"] = list(self.notes)
        if self.signed_date:
            data["signed_date"] = self.signed_date.isoformat()
        return data

    @staticmethod
    def table(records: list[AgreementRecord]) -> dict[str, Any]:
        """Records as one compact JSON table: column names once, then rows.

        A list of dicts repeats every key on every row; this halves the bytes
        stored with each publication and the time to encode them.
        """
        columns = list(_RECORD_FIELDS)
        return {
            "columns": columns,
            "rows": [list(r.to_json().values()) for r in records],
        }

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> list[AgreementRecord]:
        columns = table["columns"]
        return [
            cls.from_json(dict(zip(columns, row, strict=True))) for row in table["rows"]
        ]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgreementRecord:
        data = dict(data)
        if data.get("signed_date"):
            data["signed_date"] = date.fromisoformat(data["signed_date"])
        return cls(**data)


_RECORD_FIELDS = tuple(AgreementRecord.__dataclass_fields__)


@dataclass
class RejectedRow:
    sheet: str
    row_number: int
    reason: str
    values: dict[str, Any]


def _cell_link(row: ParsedRow, column: str) -> tuple[str | None, str | None]:
    """(text, link) for a document cell; a URL typed as text counts as a link."""
    raw = row.cells.get(column)
    text = ice.clean_text(raw) or None
    link = row.links.get(column)
    if not link and text and re.match(r"^(https?:|chrome-extension:)", text, re.I):
        link = text
    return text, link


def _rejected(row: ParsedRow, reason: str) -> RejectedRow:
    values = {k: _jsonable(v) for k, v in row.cells.items()}
    return RejectedRow(row.sheet, row.row_number, reason, values)


def normalise_row(
    row: ParsedRow, today: date | None = None
) -> AgreementRecord | RejectedRow:
    """One parsed row to a record, or a reject saying what is wrong with it."""
    cells = row.cells
    state_raw = ice.clean_text(cells.get(ice.STATE))
    name_raw = ice.clean_text(cells.get(ice.AGENCY))
    if not state_raw or not name_raw:
        missing = "STATE" if not state_raw else "LAW ENFORCEMENT AGENCY"
        return _rejected(row, f"{missing} is blank")
    state = normalise_state(state_raw)
    if state is None:
        return _rejected(row, f"unknown state {state_raw!r}")
    support_raw = ice.clean_text(cells.get(ice.SUPPORT_TYPE))
    model = normalise_model(support_raw)
    if model is None:
        reason = (
            "SUPPORT TYPE is blank"
            if not support_raw
            else f"unknown SUPPORT TYPE {support_raw!r}"
        )
        return _rejected(row, reason)
    name = agency_name(name_raw)
    signed_raw = cells.get(ice.SIGNED)
    if ice.SIGNED in cells:
        signed, signed_note = parse_signed(signed_raw, today)
    else:
        signed, signed_note = None, None  # the pending list has no SIGNED column
    moa_text, moa_link = _cell_link(row, ice.MOA)
    moa_url = unwrap_link(moa_link)
    if moa_url:
        moa_status = "linked"
    elif moa_text and "pending" in moa_text.casefold():
        moa_status = "pending"
    else:
        moa_status = "none"
    addendum_text, addendum_link = _cell_link(row, ice.ADDENDUM)
    type_raw = ice.clean_text(cells.get(ice.TYPE)) or None
    county_raw = cells.get(ice.COUNTY)
    return AgreementRecord(
        sheet=row.sheet,
        row_number=row.row_number,
        hidden=row.hidden,
        state=state,
        state_raw=state_raw,
        agency=name,
        agency_raw=str(cells.get(ice.AGENCY)),
        name_key=agency_key(name),
        agency_type=normalise_agency_type(type_raw),
        type_raw=type_raw,
        county=normalise_county(county_raw, state),
        county_raw=None if county_raw is None else str(county_raw),
        model=model,
        support_type_raw=str(cells.get(ice.SUPPORT_TYPE)),
        signed_date=signed,
        signed_raw=None if signed_raw is None else str(_jsonable(signed_raw)),
        signed_note=signed_note,
        moa_text=moa_text,
        moa_link=moa_link,
        moa_url=moa_url,
        moa_file=link_file_name(moa_url),
        moa_status=moa_status,
        addendum_text=addendum_text,
        addendum_url=unwrap_link(addendum_link),
    )


def normalise(
    workbook: ParsedWorkbook, today: date | None = None
) -> tuple[list[AgreementRecord], list[RejectedRow]]:
    """All rows of a parsed workbook, split into records and rejects."""
    records: list[AgreementRecord] = []
    rejects: list[RejectedRow] = []
    today = today or date.today()
    for row in workbook.rows:
        result = normalise_row(row, today)
        (records if isinstance(result, AgreementRecord) else rejects).append(result)
    return records, rejects


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return value
