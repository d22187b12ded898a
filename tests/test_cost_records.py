"""Cost records: the CSV import checks every row before storing any, a
re-import is a no-op, a new value supersedes the old one and keeps it as
history, and the admin refuses what the model refuses.

Every record here is a placeholder (docs/cost-records.md); the places are
real (Charleston County, SC, 45019 and its sheriff's office).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.test_cost_inputs import CHARLESTON, PLACEHOLDER, SHERIFF, cost_lists
from tidewatch.costs import records
from tidewatch.costs.admin import ParameterRecordForm
from tidewatch.costs.models import ParameterRecord
from tidewatch.costs.records import CostRecordsError, import_csv
from tidewatch.pipeline.importer import import_paths
from tidewatch.places import service

pytestmark = pytest.mark.django_db


@pytest.fixture
def charleston(tmp_path):
    import_paths(cost_lists(tmp_path / "lists"))
    service.refresh()


HEADER = "place,parameter,value,unit,dollar_year,low,high,source,source_date"
GOOD = [
    f'county:{CHARLESTON},jail_cost_per_day,132,USD/day,2024,,,"{PLACEHOLDER}",'
    "2025-06-01",
    f'agency:{SHERIFF},jem_ot_share,5,%,,,,"{PLACEHOLDER}",2025-06-01',
    f'agency:{SHERIFF},jem_partial_officers,16,,,10,20,"{PLACEHOLDER}",2025-05-02',
]


def write(folder: Path, lines: list[str], name: str = "records.csv") -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_stores_every_row_with_its_source(charleston, tmp_path):
    result = import_csv(write(tmp_path, [HEADER, *GOOD]), entered_by="tester")
    assert (result.stored, result.unchanged) == (3, 0)
    assert result.batch.startswith("records.csv ")
    record = ParameterRecord.objects.get(parameter="jail_cost_per_day")
    assert (record.place, record.value, record.dollar_year) == (
        f"county:{CHARLESTON}",
        132,
        2024,
    )
    assert record.source == PLACEHOLDER and record.source_date == date(2025, 6, 1)
    assert record.entered_by == "tester" and record.is_current
    overrides = records.current_overrides("agency", SHERIFF)
    assert overrides["jem_ot_share"].value == pytest.approx(0.05)  # 5 % as a share
    assert overrides["jem_ot_share"].source == PLACEHOLDER
    partial = overrides["jem_partial_officers"]
    assert (partial.low, partial.value, partial.high) == (10, 16, 20)
    assert partial.as_of == date(2025, 5, 2)


BAD_ROWS = [
    # (row, what the message must say)
    (f'county:99999,jail_cost_per_day,132,,,,,"{PLACEHOLDER}",2025-06-01',
     "jail_cost_per_day: no county with FIPS code 99999"),
    (f'agency:sc-no-such-office,salary,60000,,,,,"{PLACEHOLDER}",2025-06-01',
     "salary: no agency with id 'sc-no-such-office'"),
    (f'city:Charleston,salary,60000,,,,,"{PLACEHOLDER}",2025-06-01',
     "salary: place 'city:Charleston' is not county:"),
    (f'county:{CHARLESTON},jail_costs,132,,,,,"{PLACEHOLDER}",2025-06-01',
     "jail_costs: no such parameter"),
    (f'county:{CHARLESTON},jail_cost_per_day,132,USD/week,,,,"{PLACEHOLDER}",'
     "2025-06-01", "jail_cost_per_day: given in USD/week, but it is measured in"),
    (f'county:{CHARLESTON},jail_cost_per_day,5000,,,,,"{PLACEHOLDER}",2025-06-01',
     "jail_cost_per_day: 5,000 USD/day is out of range"),
    (f'county:{CHARLESTON},hold_extra_days,3,,2024,,,"{PLACEHOLDER}",2025-06-01',
     "hold_extra_days: is measured in days, not dollars"),
    (f"county:{CHARLESTON},jail_cost_per_day,132,,,,,,2025-06-01",
     "jail_cost_per_day: source is missing"),
    (f'county:{CHARLESTON},jail_cost_per_day,132,,,,,"{PLACEHOLDER}",',
     "jail_cost_per_day: source_date is missing"),
    (f'county:{CHARLESTON},jail_cost_per_day,$132,,,,,"{PLACEHOLDER}",2025-06-01',
     "jail_cost_per_day: value '$132' is not a number"),
    (f'county:{CHARLESTON},jail_cost_per_day,132,,,,,"{PLACEHOLDER}",06/01/2025',
     "jail_cost_per_day: source_date '06/01/2025' is not a date YYYY-MM-DD"),
    (f'county:{CHARLESTON},salary,60000,,,90000,,"{PLACEHOLDER}",2025-06-01',
     "salary: low 90,000 and high 60,000 do not surround 60,000"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=lambda v: v[:40])
def test_a_bad_row_names_its_line_and_parameter_and_stores_nothing(
    charleston, tmp_path, row, message
):
    path = write(tmp_path, [HEADER, GOOD[0], row, GOOD[1]])
    with pytest.raises(CostRecordsError) as raised:
        import_csv(path, entered_by="tester")
    assert raised.value.problems == [f"records.csv line 3: {message}"] or (
        raised.value.problems[0].startswith(f"records.csv line 3: {message}")
    ), raised.value.problems
    assert len(raised.value.problems) == 1
    assert ParameterRecord.objects.count() == 0  # not even the good rows


def test_every_bad_row_is_listed(charleston, tmp_path):
    path = write(tmp_path, [HEADER, BAD_ROWS[0][0], GOOD[0], BAD_ROWS[3][0]])
    with pytest.raises(CostRecordsError) as raised:
        import_csv(path, entered_by="tester")
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "records.csv line 2",
        "records.csv line 4",
    ]
    assert ParameterRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "records.csv: the file is empty"),
        (HEADER.encode() + b"\n", "records.csv: no records below the header"),
        (
            (HEADER + ",notes\n" + GOOD[0] + ",x\n").encode(),
            "records.csv line 1: header: unknown column 'notes'",
        ),
        (
            HEADER.replace(",source_date", "").encode() + b"\n",
            "records.csv line 1: header: missing column 'source_date'",
        ),
        (
            (HEADER + "\n" + GOOD[0] + "\n").encode()
            + "county:45019,salary,1,,,,,Se\xf1or,2025-06-01\n".encode("latin-1"),
            "records.csv line 3: not UTF-8 text",
        ),
        (
            (HEADER + "\n" + GOOD[0] + "\n" + GOOD[0] + "\n").encode(),
            "records.csv line 3: jail_cost_per_day: county:45019 has it on line 2",
        ),
    ],
    ids=[
        "empty",
        "header-only",
        "unknown-column",
        "missing-column",
        "latin-1",
        "twice",
    ],
)
def test_a_bad_file_is_refused_whole(charleston, tmp_path, content, message):
    path = tmp_path / "records.csv"
    path.write_bytes(content)
    with pytest.raises(CostRecordsError) as raised:
        import_csv(path, entered_by="tester")
    assert raised.value.problems[0].startswith(message), raised.value.problems
    assert ParameterRecord.objects.count() == 0


def test_reimporting_the_same_file_stores_nothing(charleston, tmp_path):
    path = write(tmp_path, [HEADER, *GOOD])
    import_csv(path, entered_by="tester")
    again = import_csv(path, entered_by="someone else")
    assert (again.stored, again.unchanged) == (0, 3)
    assert ParameterRecord.objects.count() == 3
    assert set(ParameterRecord.objects.values_list("entered_by", flat=True)) == {
        "tester"
    }


def test_a_new_value_supersedes_the_old_one_which_stays_as_history(
    charleston, tmp_path
):
    import_csv(write(tmp_path, [HEADER, *GOOD], "first.csv"), entered_by="tester")
    newer = GOOD[0].replace(",132,", ",140,").replace("2025-06-01", "2025-08-01")
    result = import_csv(write(tmp_path, [HEADER, newer], "second.csv"), entered_by="t")
    assert (result.stored, result.unchanged) == (1, 0)
    found = records.history("county", CHARLESTON)
    assert [(r.value, r.is_current) for r in found] == [(140, True), (132, False)]
    assert found[1].superseded_at is not None
    assert found[1].import_batch.startswith("first.csv ")
    assert records.current_overrides("county", CHARLESTON)["jail_cost_per_day"].value
    current = records.current_records("county", CHARLESTON)
    assert [(r.parameter, r.value) for r in current] == [("jail_cost_per_day", 140)]


def form(**changes) -> ParameterRecordForm:
    data = {
        "place_kind": "county",
        "place_key": CHARLESTON,
        "parameter": "jail_cost_per_day",
        "value": "132",
        "unit": "USD/day",
        "dollar_year": "",
        "low": "",
        "high": "",
        "source": PLACEHOLDER,
        "source_date": "2025-06-01",
        **changes,
    }
    return ParameterRecordForm(data=data)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"value": "5000"}, "value", "jail_cost_per_day: 5,000 USD/day is out of"),
        ({"unit": "USD/week"}, "unit", "jail_cost_per_day: given in USD/week"),
        ({"parameter": "jail_costs"}, "parameter", "jail_costs: no such parameter"),
        ({"high": "2000"}, "high", "jail_cost_per_day: 2,000 USD/day is out of range"),
        ({"place_key": "99999"}, "place_key", "no county with FIPS code 99999"),
        ({"source": ""}, "source", "This field is required."),
    ],
)
def test_the_admin_form_refuses_what_the_model_refuses(
    charleston, changes, field, message
):
    bad = form(**changes)
    assert not bad.is_valid()
    assert any(message in error for error in bad.errors[field]), bad.errors


def test_the_admin_form_accepts_a_good_record(charleston):
    assert form().is_valid(), form().errors


def test_saving_in_the_admin_supersedes_the_current_record(
    charleston, client, django_user_model
):
    user = django_user_model.objects.create_superuser("editor", "", "pw")
    client.force_login(user)
    url = "/admin/costs/parameterrecord/add/"
    fields = {k: v for k, v in form().data.items()}
    assert client.post(url, fields).status_code == 302
    assert client.post(url, {**fields, "value": "140"}).status_code == 302
    found = records.history("county", CHARLESTON)
    assert [(r.value, r.is_current) for r in found] == [(140, True), (132, False)]
    assert found[0].entered_by == "editor" and found[0].import_batch == "admin"
    # Editing the current record stores a new version; history is read-only.
    change = f"/admin/costs/parameterrecord/{found[0].pk}/change/"
    assert client.post(change, {**fields, "value": "150"}).status_code == 302
    assert [r.value for r in records.history("county", CHARLESTON)] == [150, 140, 132]
    old = f"/admin/costs/parameterrecord/{found[1].pk}/change/"
    client.post(old, {**fields, "value": "99"})
    assert [r.value for r in records.history("county", CHARLESTON)] == [150, 140, 132]
    assert client.get("/admin/costs/parameterrecord/?current=no").status_code == 200
