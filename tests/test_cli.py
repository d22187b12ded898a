"""The `tidewatch` commands other tools rely on: names, options, outputs, exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.fixtures.workbooks import Q4_HEADER, Row, moa, write_list
from tests.test_import import lists
from tidewatch.agreements.reports import AGREEMENT_COLUMNS, CHANGE_COLUMNS
from tidewatch.cli import app

pytestmark = pytest.mark.django_db
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def loaded(tmp_path):
    files = lists(tmp_path / "lists")
    result = invoke("import", *files)
    assert result.exit_code == 0, result.output
    return files


def test_import_prints_a_line_per_file_and_a_total(tmp_path):
    files = lists(tmp_path)
    result = invoke("import", tmp_path)
    assert result.exit_code == 0
    *lines, places = result.stdout.strip().splitlines()
    assert len(lines) == len(files) + 1
    assert places.startswith("places: 3 agencies resolved; ")
    assert lines[0].startswith(
        "participatingAgencies03012025am.xlsx: participating list as of 2025-03-01"
    )
    assert "rows 2, agreements 2, rejects 0, new 2, changed 0" in lines[0]
    assert lines[-1] == (
        "total: 4 files, 0 rejected; rows 10, agreements 10, "
        "rejects 0, new 4, changed 4"
    )


def test_import_exits_non_zero_when_a_file_is_refused(tmp_path):
    bad = tmp_path / "page.xlsx"
    bad.write_text("<html>not found</html>")
    good = lists(tmp_path / "ok")[0]
    result = invoke("import", bad, good)
    assert result.exit_code == 1
    assert "page.xlsx: not an xlsx" in result.stderr
    assert "participatingAgencies03012025am.xlsx: participating list" in result.stdout


def test_bad_date_option_is_named():
    result = runner.invoke(app, ["export", "agreements", "--as-of", "March"])
    assert result.exit_code == 2
    assert "'March' is not a date in the form YYYY-MM-DD" in result.output


def test_unknown_state_is_named():
    result = runner.invoke(app, ["export", "agreements", "--state", "Atlantis"])
    assert result.exit_code == 2
    assert "'Atlantis' is not a US state or territory" in result.output


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_export_current_participating_as_csv(loaded):
    rows = _csv(invoke("export", "agreements", "--status", "participating").stdout)
    assert list(rows[0]) == AGREEMENT_COLUMNS
    assert [(r["agreement_id"], r["model"], r["status"]) for r in rows] == [
        ("tx-example-city-police-department-tfm", "TFM", "participating"),
        ("tx-fixture-county-sheriffs-office-jem", "JEM", "participating"),
        ("tx-fixture-county-sheriffs-office-tfm", "TFM", "participating"),
    ]
    jem = rows[1]
    assert (
        jem["state"],
        jem["signed_date"],
        jem["first_listed"],
        jem["last_listed"],
    ) == ("TX", "2025-04-28", "2025-03-01", "2025-05-01")
    assert jem["moa_url"].endswith("FixtureCoTX_JEM_renewal.pdf")


def test_export_as_of_a_past_date(loaded):
    rows = _csv(invoke("export", "agreements", "--as-of", "2025-04-15").stdout)
    by_id = {r["agreement_id"]: r for r in rows}
    # the latest lists on or before 2025-04-15: participating 04-01, pending 03-02
    assert by_id["tx-testville-regional-jail-wso"]["status"] == "participating"
    assert by_id["tx-example-city-police-department-tfm"]["status"] == "participating"
    assert by_id["tx-fixture-county-sheriffs-office-jem"]["signed_date"] == "2020-01-06"
    before_promotion = _csv(
        invoke(
            "export", "agreements", "--as-of", "2025-03-15", "--status", "pending"
        ).stdout
    )
    assert [r["agreement_id"] for r in before_promotion] == [
        "tx-example-city-police-department-tfm"
    ]


def test_export_all_includes_removed_with_the_date(loaded):
    rows = _csv(invoke("export", "agreements", "--status", "all").stdout)
    jail = next(
        r for r in rows if r["agreement_id"] == "tx-testville-regional-jail-wso"
    )
    assert (jail["status"], jail["removed_on"], jail["last_listed"]) == (
        "removed",
        "2025-05-01",
        "2025-04-01",
    )


def test_export_before_any_list_is_empty(loaded):
    rows = _csv(invoke("export", "agreements", "--as-of", "2020-01-01").stdout)
    assert rows == []


@pytest.mark.parametrize("fmt", ["json", "xlsx", "parquet"])
def test_export_formats_hold_the_same_rows(loaded, tmp_path, fmt):
    out = tmp_path / f"agreements.{fmt}"
    result = invoke("export", "agreements", "--format", fmt, "--output", out)
    assert result.exit_code == 0
    if fmt == "json":
        rows = json.loads(out.read_text())
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(out).active
        header, *values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(header, v, strict=True)) for v in values]
    else:
        rows = pq.read_table(out).to_pylist()
    assert [r["agreement_id"] for r in rows] == [
        r["agreement_id"] for r in _csv(invoke("export", "agreements").stdout)
    ]
    assert set(rows[0]) == set(AGREEMENT_COLUMNS)
    assert not list(tmp_path.glob(".*.partial"))


def test_spreadsheet_exports_neutralise_formulas(tmp_path):
    name = '=HYPERLINK("http://evil.example","Fixture")'
    path = write_list(
        tmp_path / "participatingAgencies03012025am.xlsx",
        [Row("TEXAS", name, signed=datetime(2025, 1, 6), moa=moa("x.pdf"))],
    )
    workbook = openpyxl.load_workbook(path)
    workbook.active["B2"].data_type = "s"  # text that looks like a formula
    workbook.save(path)
    invoke("import", path)
    rows = _csv(invoke("export", "agreements").stdout)
    assert rows[0]["agency"] == "'" + name
    out = tmp_path / "out.xlsx"
    invoke("export", "agreements", "--format", "xlsx", "-o", out)
    cell = openpyxl.load_workbook(out).active["D2"]
    assert cell.value == "'" + name and cell.data_type == "s"
    exported = json.loads(invoke("export", "agreements", "--format", "json").stdout)
    assert exported[0]["agency"] == name  # JSON keeps the value as ICE wrote it


def test_changes_filters(loaded):
    rows = _csv(
        invoke("changes", "--since", "2025-04-01", "--until", "2025-04-30").stdout
    )
    assert list(rows[0]) == CHANGE_COLUMNS
    assert sorted((r["kind"], r["agreement_id"]) for r in rows) == [
        ("first_listed", "tx-fixture-county-sheriffs-office-tfm"),
        ("model_added", "tx-fixture-county-sheriffs-office-tfm"),
        ("promoted", "tx-example-city-police-department-tfm"),
    ]
    assert _csv(invoke("changes", "--state", "FL").stdout) == []


def test_changes_show_renewals(loaded):
    rows = _csv(invoke("changes", "--since", "2025-05-01").stdout)
    renewal = next(r for r in rows if r["change"] == "renewal")
    assert (renewal["old_signed_date"], renewal["new_signed_date"]) == (
        "2020-01-06",
        "2025-04-28",
    )
    assert renewal["source_file"] == "participatingAgencies05012025am.xlsx"


def test_stats(loaded):
    result = invoke("stats", "--json")
    data = json.loads(result.stdout)
    assert data["by_model"] == {"participating": {"JEM": 1, "TFM": 2}}
    assert data["participating_list"] == "2025-05-01"
    text = invoke("stats", "--as-of", "2025-03-05").stdout
    assert "participating: 2 (JEM 1, WSO 1, TFM 0)" in text
    assert "pending: 1 (JEM 0, WSO 0, TFM 1)" in text


def test_pending_list_missing_after_its_last_edition(tmp_path):
    # The last pending list keeps its agreements pending as of later dates.
    pending = write_list(
        tmp_path / "pendingAgencies02092026am.xlsx",
        [Row("TEXAS", "Example City Police Department")],
        Q4_HEADER,
    )
    later = write_list(
        tmp_path / "participatingAgencies05012026am.xlsx",
        [Row("TEXAS", "Fixture County Sheriff's Office", signed=datetime(2026, 4, 2))],
    )
    invoke("import", pending, later)
    rows = _csv(invoke("export", "agreements", "--status", "pending").stdout)
    assert [r["agreement_id"] for r in rows] == [
        "tx-example-city-police-department-tfm"
    ]


def test_settings_lists_every_setting():
    from tidewatch import conf

    result = invoke("settings")
    for setting in conf.SETTINGS:
        assert setting.name in result.stdout


def test_changes_as_parquet_keep_their_types(loaded, tmp_path):
    out = tmp_path / "changes.parquet"
    invoke("changes", "--format", "parquet", "-o", out)
    table = pq.read_table(out)
    assert str(table.schema.field("date").type) == "date32[day]"
    assert str(table.schema.field("previous_list_date").type) == "date32[day]"
    rows = table.to_pylist()
    assert rows[0]["previous_list_date"] is None  # the first list has none before it


def test_settings_hide_the_database_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://tw:s3cret@db.example:5432/tw")
    result = invoke("settings")
    assert "DATABASE_URL=postgres://tw:***@db.example:5432/tw" in result.stdout
    assert "s3cret" not in result.stdout


def test_a_bad_setting_is_named_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TIDEWATCH_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "TIDEWATCH_SECRET_KEY": "x",
        "DJANGO_SETTINGS_MODULE": "tidewatch.settings.base",
    }
    command = [sys.executable, "-m", "tidewatch.cli"]
    subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True)
    path = lists(tmp_path)[0]
    env["TIDEWATCH_MAX_ROWS"] = "lots"
    result = subprocess.run(
        [*command, "import", str(path)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tidewatch: TIDEWATCH_MAX_ROWS must be a whole number, not 'lots'"
    )
