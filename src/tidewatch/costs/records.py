"""Cost records in and out: the CSV import, storing a new version, and what a
place's current records are.

A CSV file is checked whole before anything is stored: every bad row is
reported (``FILE line N: <parameter>: <problem>``) and one bad row stores
nothing, so a file is either in or out and a fixed file can simply be
imported again. Importing a file twice stores nothing the second time.
docs/cost-records.md is the guide for people entering records.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tidewatch.agreements.models import Agency
from tidewatch.costmodel import parameters
from tidewatch.costmodel.parameters import Override, ParameterError
from tidewatch.costs.models import ParameterRecord
from tidewatch.places.reference import county_index

COLUMNS = (
    "place",
    "parameter",
    "value",
    "unit",
    "dollar_year",
    "low",
    "high",
    "source",
    "source_date",
)
KINDS = (ParameterRecord.COUNTY, ParameterRecord.AGENCY)
STORED, UNCHANGED = "stored", "unchanged"


class CostRecordsError(ValueError):
    """A records file or record that cannot be stored; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    stored: int
    unchanged: int
    batch: str


def parse_place(text: str) -> tuple[str, str]:
    """``county:45019`` -> ("county", "45019"); ValueError saying the form."""
    kind, colon, key = text.strip().partition(":")
    kind, key = kind.strip().lower(), key.strip()
    if not colon or kind not in KINDS or not key:
        raise ValueError(
            f"place {text.strip()!r} is not county:<5-digit FIPS> or agency:<id>"
        )
    return kind, key


def place_problem(kind: str, key: str, agencies: set[str] | None = None) -> str:
    """Why a place is not one Tidewatch knows ("" when it is)."""
    if kind == ParameterRecord.COUNTY:
        if len(key) != 5 or not key.isdigit():
            return f"county {key!r} is not a 5-digit FIPS code"
        if key not in county_index().counties:
            return f"no county with FIPS code {key}"
        return ""
    if kind == ParameterRecord.AGENCY:
        known = (
            key in agencies
            if agencies is not None
            else Agency.objects.filter(id=key).exists()
        )
        return "" if known else f"no agency with id {key!r} (see its page's address)"
    return f"place kind {kind!r} is not county or agency"


def _number(text: str, label: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(
            f"{label} {text!r} is not a number (write digits only, e.g. 1300.50)"
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{label} {text!r} is not a number")
    return number


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"dollar_year {text!r} is not a year such as 2024")
    return int(text)


def _date(text: str) -> date:
    text = text.strip()
    if not text:
        raise ValueError("source_date is missing: the date of the record, YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"source_date {text!r} is not a date YYYY-MM-DD") from None
    if day > timezone.localdate():
        raise ValueError(f"source_date {text} is in the future")
    return day


def record_from_row(row: dict[str, str], agencies: set[str]) -> ParameterRecord:
    """A checked, unsaved record from a CSV row; ValueError saying what is
    wrong (the first problem found)."""
    kind, key = parse_place(row["place"])
    problem = place_problem(kind, key, agencies)
    if problem:
        raise ValueError(problem)
    value = _number(row["value"], "value")
    if value is None:
        raise ValueError("value is missing")
    source = row["source"].strip()
    if not source:
        raise ValueError("source is missing: name the record the value comes from")
    record = ParameterRecord(
        place_kind=kind,
        place_key=key,
        parameter=row["parameter"].strip(),
        value=value,
        low=_number(row["low"], "low"),
        high=_number(row["high"], "high"),
        unit=row["unit"].strip(),
        dollar_year=_year(row["dollar_year"]),
        source=source,
        source_date=_date(row["source_date"]),
    )
    check(record)
    return record


def check(record: ParameterRecord) -> Override:
    """The record through ``parameters.check`` (ParameterError if it cannot be
    used); fills in the parameter's unit when the record gives none."""
    checked = parameters.check(record.as_override())
    if not record.unit:
        record.unit = parameters.get(record.parameter).unit
    return checked


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CostRecordsError(
            [f"{path.name} line {line}: not UTF-8 text (save the file as CSV UTF-8)"]
        ) from None


def read_csv(path: Path) -> tuple[list[ParameterRecord], str]:
    """Every row of a records file as a checked, unsaved record, and the
    file's batch label; CostRecordsError listing every bad row."""
    data = path.read_bytes()
    batch = f"{path.name} {hashlib.sha256(data).hexdigest()[:12]}"
    name = path.name
    reader = csv.reader(io.StringIO(_text(path, data), newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise CostRecordsError(
            [f"{name}: the file is empty; its first line must be: {','.join(COLUMNS)}"]
        ) from None
    except csv.Error as error:
        raise CostRecordsError([f"{name} line 1: header: {error}"]) from None
    problems = [
        f"{name} line 1: header: unknown column {c!r}"
        for c in header
        if c not in COLUMNS
    ]
    problems += [
        f"{name} line 1: header: missing column {c!r}"
        for c in COLUMNS
        if c not in header
    ]
    problems += [
        f"{name} line 1: header: column {c!r} appears twice"
        for c in dict.fromkeys(header)
        if header.count(c) > 1
    ]
    if problems:
        raise CostRecordsError(problems)
    agencies = set(Agency.objects.values_list("id", flat=True))
    records: list[ParameterRecord] = []
    seen: dict[tuple[str, str], int] = {}
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"{name} line {start}: -: {error}")
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        parameter = (row.get("parameter") or "").strip() or "-"
        if len(cells) != len(header):
            problems.append(
                f"{name} line {line}: {parameter}: {len(cells)} cells, "
                f"the header has {len(header)}"
            )
            continue
        try:
            record = record_from_row(row, agencies)
        except ParameterError as error:
            problems.append(f"{name} line {line}: {error.name}: {error.problem}")
            continue
        except ValueError as error:
            problems.append(f"{name} line {line}: {parameter}: {error}")
            continue
        key = (record.place, record.parameter)
        if key in seen:
            problems.append(
                f"{name} line {line}: {parameter}: {record.place} has it on line "
                f"{seen[key]} too (one value per place and parameter in a file)"
            )
            continue
        seen[key] = line
        records.append(record)
    if problems:
        raise CostRecordsError(problems)
    if not records:
        raise CostRecordsError([f"{name}: no records below the header"])
    return records, batch


def store(record: ParameterRecord, *, entered_by: str, batch: str = "") -> str:
    """Save ``record`` as the current one for its place and parameter.

    The current record, if any, is superseded (kept as history) unless it
    says the same thing, in which case nothing is stored: returns ``STORED``
    or ``UNCHANGED``. Call it inside a transaction with others to store a
    batch all or nothing.
    """
    check(record)
    with transaction.atomic():
        current = (
            ParameterRecord.objects.select_for_update()
            .filter(
                place_kind=record.place_kind,
                place_key=record.place_key,
                parameter=record.parameter,
                superseded_at__isnull=True,
            )
            .first()
        )
        if current is not None and current.same_as(record):
            return UNCHANGED
        now = timezone.now()
        if current is not None:
            current.superseded_at = now
            current.save(update_fields=["superseded_at"])
        record.pk = None
        record.entered_at = now
        record.entered_by = entered_by
        record.superseded_at = None
        record.import_batch = batch
        record.save()
    return STORED


def import_csv(path: Path, *, entered_by: str) -> ImportResult:
    """Check every row of a records file, then store them all in one
    transaction (nothing when any row is bad: CostRecordsError)."""
    records, batch = read_csv(Path(path))
    counts = {STORED: 0, UNCHANGED: 0}
    with transaction.atomic():
        for record in records:
            counts[store(record, entered_by=entered_by, batch=batch)] += 1
    return ImportResult(counts[STORED], counts[UNCHANGED], batch)


def current_records(kind: str, key: str) -> list[ParameterRecord]:
    """The place's current records, by parameter name."""
    return list(current_by_place().get((kind, key), ()))


def current_overrides(kind: str, key: str) -> dict[str, Override]:
    """The place's current records as checked overrides, by parameter name.

    A stored record the model no longer accepts (a parameter renamed or its
    range narrowed since) is left out; ``estimates`` says so in its notes.
    """
    result: dict[str, Override] = {}
    for record in current_records(kind, key):
        try:
            result[record.parameter] = check(record)
        except ParameterError:
            continue
    return result


def history(kind: str, key: str) -> list[ParameterRecord]:
    """Every record of the place, current and superseded: by parameter, the
    newest first."""
    return list(
        ParameterRecord.objects.filter(place_kind=kind, place_key=key).order_by(
            "parameter", "-entered_at", "-id"
        )
    )


def current_by_place() -> dict[tuple[str, str], list[ParameterRecord]]:
    """Every current record by (place kind, place key), read once per data
    version: the pages ask for thousands of places (the records table is in
    the data version, so a new record shows at once)."""
    from tidewatch.site.caching import per_data_version

    def build() -> dict[tuple[str, str], list[ParameterRecord]]:
        index: dict[tuple[str, str], list[ParameterRecord]] = {}
        for record in ParameterRecord.objects.filter(
            superseded_at__isnull=True
        ).order_by("parameter"):
            index.setdefault((record.place_kind, record.place_key), []).append(record)
        return index

    return per_data_version("cost-records", build)
