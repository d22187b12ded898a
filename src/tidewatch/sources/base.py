"""What every source module provides: metadata, a fetch step and a pure parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SourceInfo:
    """Module-level description of a government source (docs/sources.md reads it)."""

    key: str
    name: str
    publisher: str
    url: str
    formats: tuple[str, ...]
    description: str


@dataclass
class ParsedRow:
    """One spreadsheet row as the publisher wrote it, with where it came from.

    ``cells`` maps each recognised header (upper-case, trimmed) to the cell
    value exactly as read (str, datetime, number or None); ``links`` maps a
    header to the cell's hyperlink target when the cell has one.
    """

    sheet: str
    row_number: int
    hidden: bool
    cells: dict[str, Any]
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedWorkbook:
    """The list a workbook holds: its kind, header variant and rows."""

    kind: str  # "participating" or "pending"
    header_code: str  # H1, P1-P5, Q1-Q5, or "new" for a variant not seen before
    sheet: str
    header: list[str]
    rows: list[ParsedRow]
    sheets: list[str]
    skipped_blank_rows: int = 0


@dataclass(frozen=True)
class FetchedFile:
    """A file downloaded by a source's fetch step, not yet archived."""

    name: str
    url: str
    content: bytes
    headers: dict[str, str]
    observed_at: datetime
